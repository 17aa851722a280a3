"""Fresh kernels of this interpreter, started early and warmed while the build gets ready.

This module imports jupyter_client only (half a second), never papermill or nbconvert, so that
kernels can start first and load the heavy libraries while the build imports its own.
Each kernel runs one notebook and is then stopped: no state passes from one notebook to another.

On Linux, each kernel is a fork of a server that has imported the libraries already (see
``forkserver``); elsewhere it is a new interpreter, which then imports them (``WARM_UP``).

A ``Kernel`` holds one kernel's manager, the one event loop that starts it, runs its notebook and
stops it (from whichever thread, one at a time), and a handle on its process that the build can
kill from any thread. The build kills its own kernels and nothing else: a process a notebook starts
belongs to that notebook's kernel (its process group, as Jupyter stops a kernel), and a process
the caller started is never touched.

Nothing waits without a limit: the server's start (``SERVER_START_TIMEOUT``), each of its replies
(``REPLY_TIMEOUT``), a kernel's first answer (``STARTUP_TIMEOUT``) and its stop (``STOP_TIMEOUT``);
each is a one-line ``KernelError`` when it runs out.

The handle of a forked kernel. The server forks it, so the kernel is the server's child, not the
build's, and the build cannot wait for it. Two ways were tried (2 cores; whole builds, and kernel
starts alone):

- multiprocessing's own forkserver context, with ``set_forkserver_preload`` for the imports, gives
  ``Process`` objects with an exit code and a sentinel to wait on. But its server reaps a child the
  moment it ends, so ``Process.kill`` and jupyter_client's ``killpg`` still go by a pid that may
  name another process by then; there is one such server per interpreter, started with the
  environment and the preload list of the first caller and shared with any other user of
  multiprocessing in the process, so a second build with another ``SAHEL_ANALYSIS_DATA`` would get
  kernels configured for the first; and each start pickles the ``Process`` and re-runs the caller's
  ``__main__`` in the child (a script without the ``if __name__ == "__main__"`` guard failed every
  kernel start). Nor was it faster: from the request to the kernel's first answer, median of 15,
  608 ms against 593 ms for the design below.
- pidfd, chosen: our server opens a pidfd of each kernel it forks (no race there: the kernel is its
  own child) and passes it over its socket. The build signals by ``signal.pidfd_send_signal``,
  sees the end when the pidfd turns readable, and asks the server for the exit status, which the
  server reads without reaping (``WNOWAIT``): until the build releases the kernel, its pid and its
  process group cannot be reused, so signalling the group is safe too. Where there is no pidfd
  (Linux < 5.3), the same holds by the pid, and each poll asks the server.

Configuration. The library reads ``SAHEL_ANALYSIS_DATA`` (and its other folders) when it is imported,
and the server imports it before any kernel exists. So a server serves one configuration: the
values are passed to it explicitly, made absolute, and a kernel whose environment names other
folders gets a server of its own. A forked kernel and a kernel started from scratch see the same
folders, also when a relative path names them (taken from where the build started).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sahel_analysis.report import forkserver  # run as its own process; its imports are light

KERNEL_NAME = "python3"
STARTUP_TIMEOUT = 120.0  # seconds: a new kernel's first answer
SERVER_START_TIMEOUT = 120.0  # the kernel server's imports
REPLY_TIMEOUT = 30.0  # any other answer of the kernel server
STOP_TIMEOUT = 10.0  # a kernel's, or the server's, end once asked
FORK = sys.platform == "linux"
# What a kernel imports before its notebook runs; None: the library's modules and theirs
# (``forkserver.library_modules``). Part of a server's configuration.
WARM_MODULES: list[str] | None = None
# The library's configuration, read from the environment when it is imported (``paths``).
CONFIG = ("SAHEL_ANALYSIS_DATA", "SAHEL_ANALYSIS_NOTEBOOKS", "SAHEL_ANALYSIS_CACHE")


class KernelError(RuntimeError):
    """A kernel, or the kernel server, that did not start or answer in time; the message is one line."""


def kernel_env() -> dict[str, str]:
    """The environment of a kernel started now: this process's, with the library's folders absolute.

    A relative folder means one under the folder the build was started from, for every kernel,
    whether it is forked (in the server's folder) or started from scratch (in the notebook's).
    """
    env = dict(os.environ)
    for name in CONFIG:
        if env.get(name):
            env[name] = str(Path(env[name]).expanduser().absolute())
    return env


def _warm_up() -> str:
    # A kernel that is not a fork imports the modules itself, silently (no execution count), binding
    # no name in the notebook's namespace: a notebook that forgets an import still fails.
    return f"__import__({forkserver.__name__!r}, fromlist=['warm']).warm({WARM_MODULES!r})"


def _ended(process: subprocess.Popen) -> str:
    code = process.poll()
    return "still running" if code is None else describe_exit(code)


def describe_exit(returncode: int) -> str:
    """``exit status 1``, ``killed by SIGKILL``: a returncode as ``subprocess`` gives it, in words."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


class _Server:
    """A kernel server for one configuration. One request at a time, each reply with a time limit."""

    def __init__(self, env: dict[str, str], modules: list[str] | None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Not ``-m``: this package imports the module, and runpy would load it a second time as
        # __main__ (and print a RuntimeWarning saying so).
        serve = f"from {forkserver.__name__} import serve; serve({theirs.fileno()}, {modules!r})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", serve],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # what an import prints goes nowhere, and harms nothing
            env=env,
        )
        theirs.close()
        self.channel, self.lock = ours, threading.Lock()
        self.ready, self.broken = False, ""

    def request(self, message: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
        """The server's reply to ``message``, and the file descriptors it passed along.

        The first request waits for the server's imports (``SERVER_START_TIMEOUT``).
        """
        if not self.lock.acquire(timeout=SERVER_START_TIMEOUT + REPLY_TIMEOUT):
            raise KernelError(
                f"the kernel server gave no turn within {SERVER_START_TIMEOUT + REPLY_TIMEOUT:g} s"
            )
        try:
            if not self.ready:
                self._receive(SERVER_START_TIMEOUT, "finish its imports")
                self.ready = True
            self._send(message)
            reply, fds = self._receive(REPLY_TIMEOUT, f"answer a {message['op']} request")
        finally:
            self.lock.release()
        if "error" in reply:
            raise KernelError(f"the kernel server refused a {message['op']} request: {reply['error']}")
        return reply, fds

    def _send(self, message: dict[str, Any]) -> None:
        if self.broken:
            raise KernelError(self.broken)
        try:
            self.channel.settimeout(REPLY_TIMEOUT)
            self.channel.send(json.dumps(message).encode())
        except OSError as exc:
            self._fail(f"the kernel server cannot be reached ({exc.strerror or exc}; {_ended(self.process)})")

    def _receive(self, timeout: float, what: str) -> tuple[dict[str, Any], list[int]]:
        if self.broken:
            raise KernelError(self.broken)
        try:
            self.channel.settimeout(timeout)
            data, fds, _, _ = socket.recv_fds(self.channel, forkserver.MESSAGE_SIZE, 1)
        except TimeoutError:
            self._fail(f"the kernel server did not {what} within {timeout:g} s")
        except OSError as exc:
            self._fail(f"the kernel server cannot be reached ({exc.strerror or exc})")
        if not data:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
            self._fail(f"the kernel server ended before it could {what} ({_ended(self.process)})")
        return json.loads(data), fds

    def _fail(self, message: str) -> None:
        """Stop a server that broke: any later request gets the same message."""
        self.broken = message
        self.stop(kill=True)
        raise KernelError(message)

    def stop(self, *, kill: bool = False) -> None:
        """Close the server's socket: it ends, and any kernel it forked with it (killed if ``kill``)."""
        self.channel.close()
        if kill:
            self.process.kill()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)


_servers: dict[tuple, _Server] = {}
_servers_lock = threading.Lock()


def _server_for(env: dict[str, str]) -> _Server:
    """The server for this configuration, started if needed (it imports while the build goes on).

    A server that failed to start stays failed, with its message, until ``stop_servers``: another
    would fail the same way. One that ended later is replaced.
    """
    modules = None if WARM_MODULES is None else list(WARM_MODULES)
    key = (tuple(env.get(name, "") for name in CONFIG), None if modules is None else tuple(modules))
    with _servers_lock:
        server = _servers.get(key)
        if server is None or (server.ready and server.process.poll() is not None):
            server = _servers[key] = _Server(env, modules)
        return server


def stop_servers() -> None:
    """Stop every kernel server of this process, and so the kernels forked from them."""
    with _servers_lock:
        servers = list(_servers.values())
        _servers.clear()
    for server in servers:
        server.stop()


def _forget_servers() -> None:
    # A fork of this process must not hold the servers' sockets: they end when this process does.
    for server in _servers.values():
        server.channel.close()
    _servers.clear()


atexit.register(stop_servers)
os.register_at_fork(after_in_child=_forget_servers)


def _readable(fd: int, timeout: float) -> bool:
    poller = select.poll()  # not select(): no limit on the descriptor's number
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(timeout, 0.0) * 1000))


class _Forked:
    """What jupyter_client asks of a kernel's process (``Popen``'s poll, wait, signals), for a fork.

    Thread-safe. Until ``release``, the server keeps the kernel unreaped, so its pid is its own.
    """

    stdin = stdout = stderr = None

    def __init__(self, server: _Server, pid: int, pidfd: int | None) -> None:
        self.server, self.pid, self.pidfd = server, pid, pidfd
        self.returncode: int | None = None
        self.released = False
        self.lock = threading.Lock()

    def poll(self) -> int | None:
        with self.lock:
            ended = self.pidfd is None or _readable(self.pidfd, 0)  # without a pidfd, ask
            if self.returncode is None and not self.released and ended:
                reply, _ = self.server.request({"op": "status", "pid": self.pid})
                self.returncode = reply["returncode"]
            return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; never waits longer than ``timeout`` (``STOP_TIMEOUT`` if None)."""
        limit = STOP_TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + limit
        while (code := self.poll()) is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(["kernel", str(self.pid)], limit)
            if self.pidfd is not None:
                _readable(self.pidfd, left)
            else:
                time.sleep(min(0.02, left))
        return code

    def send_signal(self, signum: int, *, group: bool = False) -> None:
        """To the kernel (or its process group); nothing once released, when its pid may be another's."""
        with self.lock:
            if self.released:
                return
            with contextlib.suppress(ProcessLookupError):
                if group:
                    try:
                        os.killpg(self.pid, signum)  # the kernel made the group (setsid) when it began
                        return
                    except ProcessLookupError:  # not yet: the kernel alone
                        pass
                if self.pidfd is not None:
                    signal.pidfd_send_signal(self.pidfd, signum)
                else:
                    os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def release(self) -> None:
        """The build is done with this kernel: the server kills it if it still runs, and reaps it."""
        self.poll()
        with self.lock:
            if self.released:
                return
            self.released = True
            if self.pidfd is not None:
                os.close(self.pidfd)
                self.pidfd = None
        with contextlib.suppress(KernelError):  # a server that is gone took its kernels with it
            self.server.request({"op": "release", "pid": self.pid})
        if self.returncode is None:
            self.returncode = -signal.SIGKILL


def _argv() -> list[str]:
    # Quiet: the kernel's own log lines (TCP transport, shutdown) would drown the build's progress.
    return [
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
        "--IPKernelApp.log_level=CRITICAL",
    ]


def _manager() -> Any:
    """A kernel manager whose "python3" is this very interpreter.

    Jupyter would otherwise take whichever python3 kernelspec it finds first, possibly another
    environment's (NoSuchKernel, or the wrong packages). The spec is made in memory: no
    environment variable changes, so threads cannot race on one.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str, *args: Any, **kwargs: Any) -> KernelSpec:
            return KernelSpec(
                argv=_argv(), display_name="Python 3 (sahel-analysis)", language="python", resource_dir=""
            )

    class Forked(LocalProvisioner):  # type: ignore[misc]
        """Launches the kernel as a fork of the server; signals go to it by its handle."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = dict(kwargs.get("env") or kernel_env())
            request = {"op": "fork", "connection_file": self.parent.connection_file, "cwd": cwd, "env": env}
            server = _server_for(env)
            reply, fds = server.request(request)
            process = _Forked(server, reply["pid"], fds[0] if fds else None)
            self.process, self.pid, self.pgid, self.cwd = process, process.pid, process.pid, cwd
            return self.connection_info

        async def send_signal(self, signum: int) -> None:
            if self.process is not None:
                self.process.send_signal(signum, group=True)

    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ThisInterpreter())
    if FORK:
        km.kernel_id = km.kernel_id or str(uuid.uuid4())
        km.provisioner = Forked(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    return km


class Kernel:
    """One notebook's kernel: its manager, the one event loop that drives it, and its process.

    ``start``, ``run`` and ``close`` may be called from different threads, one after another;
    ``kill`` from any thread at any time.
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.loop = asyncio.new_event_loop()
        self.km: Any = None
        self.process: Any = None  # subprocess.Popen, or _Forked
        self.returncode: int | None = None
        self.killed = self.stopped = False

    def start(self) -> Kernel:
        """Start the kernel in ``cwd``, with the library's modules loaded; returns once it answers."""
        try:
            self.loop.run_until_complete(self._start())
        except BaseException:
            self.close()
            raise
        return self

    async def _start(self) -> None:
        self.km = km = _manager()
        await km.start_kernel(cwd=str(self.cwd), env=kernel_env())
        self.process = km.provisioner.process
        if self.killed:  # killed while its process was being made
            self.kill()
            raise KernelError("the kernel was stopped while it started")
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
            if not FORK:  # a forked kernel has them already
                await _warm(kc)
        finally:
            kc.stop_channels()

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on this kernel's loop, in the calling thread."""
        return self.loop.run_until_complete(coroutine)

    async def shutdown(self) -> None:
        """Stop the kernel at once (its outputs are in hand), killing it if it does not end in time."""
        if self.km is None or self.stopped:
            return
        self.stopped = True
        try:
            await asyncio.wait_for(self.km.shutdown_kernel(now=True), STOP_TIMEOUT)
        except (TimeoutError, RuntimeError):  # gone already, or stuck
            self.kill()

    def close(self) -> None:
        """Stop the kernel if it runs, give its process back and close its loop; once, when done with it."""
        if self.loop.is_closed():
            return
        try:
            self.loop.run_until_complete(self.shutdown())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()
            if self.process is not None:
                with contextlib.suppress(KernelError):
                    self.returncode = self.process.poll()
                if isinstance(self.process, _Forked):
                    self.process.release()
                    self.returncode = self.process.returncode

    def ended(self) -> str:
        """How the kernel's process ended, in words (after ``close``)."""
        return "how is unknown" if self.returncode is None else describe_exit(self.returncode)

    def kill(self) -> None:
        """Kill the kernel and its process group now (a build stopped by Ctrl-C, a stop that hangs)."""
        self.killed = True
        process = self.process
        if isinstance(process, _Forked):
            process.send_signal(signal.SIGKILL, group=True)
        elif process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # jupyter_client starts it in a session of its own


async def _warm(kc: Any) -> None:
    msg_id = kc.execute(_warm_up(), silent=True, store_history=False)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            reply = await kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise KernelError(f"the kernel did not import its modules within {STARTUP_TIMEOUT:g} s") from None
        if reply["parent_header"].get("msg_id") == msg_id:
            return


def start_kernel(cwd: Path) -> Kernel:
    """A started ``Kernel`` running in ``cwd``, with the library's modules loaded. Blocks until it answers."""
    return Kernel(cwd).start()
