"""Fresh kernels of this interpreter, started early and warmed while the build gets ready.

This module imports jupyter_client only (half a second), never papermill or nbconvert, so that
kernels can start first and load the heavy libraries while the build imports its own.
Each kernel runs one notebook and is then stopped: no state passes from one notebook to another.

On Linux, each kernel is a fork of one server that has imported the libraries already (see
``forkserver``); elsewhere it is a new interpreter, which then imports them (``WARM_UP``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sahel_analysis.report import forkserver  # run as its own process; its imports are light

KERNEL_NAME = "python3"
STARTUP_TIMEOUT = 120

# A kernel that is not a fork (not on Linux) imports them itself, silently (no execution count),
# binding no name in the notebook's namespace: a notebook that forgets an import still fails.
WARM_UP = f"__import__({forkserver.__name__!r}, fromlist=['warm']).warm()"
FORK = sys.platform == "linux"


class _Server:
    """The fork server (one per process, started at the first kernel), and the lock on its pipes."""

    lock = threading.Lock()
    process: subprocess.Popen | None = None

    @classmethod
    def fork(cls, connection_file: str, cwd: str, env: dict[str, str]) -> int:
        """The pid of a new kernel. Waits for the server's imports the first time."""
        request = json.dumps({"connection_file": connection_file, "cwd": cwd, "env": env}) + "\n"
        with cls.lock:
            if cls.process is None or cls.process.poll() is not None:  # never started, or stopped
                # Not ``-m``: this package imports the module, and runpy would load it a second
                # time as __main__ (and print a RuntimeWarning saying so).
                serve = f"from {forkserver.__name__} import serve; serve()"
                cls.process = subprocess.Popen(
                    [sys.executable, "-c", serve],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            try:
                cls.process.stdin.write(request)
                cls.process.stdin.flush()
                reply = cls.process.stdout.readline()
            except OSError:
                reply = ""
        if not reply:
            raise RuntimeError("the kernel server ended")
        return int(json.loads(reply)["pid"])

    @classmethod
    def stop(cls) -> None:
        """Close the server's input: it ends, and any kernel it forked with it."""
        if cls.process is not None and cls.process.poll() is None:
            cls.process.stdin.close()
            cls.process.wait()


atexit.register(_Server.stop)


class _Forked:
    """What jupyter_client asks of a kernel's process, for a kernel the server forked.

    The server is its parent and reaps it, so its exit status is not ours to read: 0 once gone.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["kernel"], timeout or 0)
            time.sleep(0.02)
        return 0

    def send_signal(self, signum: int) -> None:
        # As Popen does: a process that has ended takes no signal, and that is no error.
        with contextlib.suppress(ProcessLookupError):
            if self.poll() is None:
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


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
        """Launches the kernel as a fork of the server; the rest (signals, shutdown) as usual."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            cwd = str(kwargs.get("cwd") or os.getcwd())
            pid = _Server.fork(self.parent.connection_file, cwd, dict(kwargs.get("env") or os.environ))
            self.process, self.pid, self.pgid, self.cwd = _Forked(pid), pid, pid, cwd
            return self.connection_info

    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ThisInterpreter())
    if FORK:
        km.kernel_id = km.kernel_id or str(uuid.uuid4())
        km.provisioner = Forked(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    return km


async def _start(cwd: Path) -> Any:
    km = _manager()
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        if not FORK:  # a forked kernel has them already
            msg_id = kc.execute(WARM_UP, silent=True, store_history=False)
            while True:
                reply = await kc.get_shell_msg(timeout=STARTUP_TIMEOUT)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
    except BaseException:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        raise
    kc.stop_channels()
    return km


def start_kernel(cwd: Path) -> Any:
    """A started ``AsyncKernelManager`` whose kernel runs in ``cwd``, with the library's modules loaded.

    Blocks until the kernel answers.
    """
    return asyncio.run(_start(cwd))


async def stop_kernel(km: Any) -> None:
    """Stop a kernel at once: its outputs are already in hand."""
    with contextlib.suppress(RuntimeError):  # already gone (it died, or a Ctrl-C stopped it)
        await km.shutdown_kernel(now=True)


def stop_children() -> None:
    """End every kernel this process started (and the kernel server), so an interrupted build leaves none."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        child.terminate()
    _, alive = psutil.wait_procs(children, timeout=3)
    for child in alive:
        child.kill()
