"""A process that imports the notebooks' libraries once, then forks a fresh kernel per notebook.

A kernel started the usual way is a new interpreter that imports IPython, pandas, geopandas,
matplotlib and this library again: about a second of CPU per notebook, as much as many notebooks'
own work. This server pays it once. Each kernel is a fork made before any notebook code runs, so no
state passes from one notebook to another, as with a kernel started from scratch.

Linux only: forking after these imports is safe there, and ``PR_SET_PDEATHSIG`` ends a kernel when
its server ends. The server ends when the other end of its socket closes, so a build that dies,
even by SIGKILL, takes its kernels with it. Elsewhere ``kernels`` starts each kernel the usual way.

The server talks to the build over a socket of its own (a ``SOCK_SEQPACKET`` pair: one JSON
message each way per request), never over standard output, where any import may print.
Its first message, ``{"ready"}``, says the imports are done. Then, per request:

- ``{"op": "fork", "connection_file", "cwd", "env"}``: ``{"pid"}``, with a pidfd of the kernel
  (``os.pidfd_open``) passed along the message (``SCM_RIGHTS``) where the system has them;
- ``{"op": "status", "pid"}``: ``{"returncode"}``, ``None`` while the kernel runs, else its exit
  status or minus the signal that ended it. The kernel is not reaped (``WNOWAIT``): its pid, and its
  process group, cannot be reused while the build may still signal them;
- ``{"op": "release", "pid"}``: the build is done with the kernel; it is killed if it still runs,
  and reaped.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import signal
import socket
import sys
from typing import Any, NoReturn

INLINE = "module://matplotlib_inline.backend_inline"
PR_SET_NAME, PR_SET_PDEATHSIG = 15, 1
MESSAGE_SIZE = 1 << 20  # a request carries the kernel's environment: far less than this


def _kernel(request: dict[str, Any], server: int, channel: socket.socket) -> NoReturn:
    """The forked child: become the kernel the request describes; never return to the server loop."""
    code = 1
    try:
        os.setsid()  # a process group of its own, as jupyter_client gives a kernel
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(PR_SET_NAME, b"ipykernel")  # the name ps and top show: it is a kernel, not a server
        if os.getppid() != server:  # the server died before the line above
            os._exit(1)
        channel.close()  # the server's: a kernel has no business on it
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        # As ipykernel_launcher does: the launcher's folder leaves sys.path; the kernel adds "" back.
        if sys.path and sys.path[0] in ("", os.getcwd(), request["server_cwd"]):
            del sys.path[0]
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
        app = IPKernelApp.instance()
        app.initialize([*sys.argv[1:], "--IPKernelApp.log_level=CRITICAL"])
        prepare_shell()
        app.start()
        code = 0
    finally:
        os._exit(code)


def library_modules() -> list[str]:
    """The library's modules, and every module they import, at the top of a file or inside a function.

    The library imports pandera, pyarrow, shapely and the like only when first used, so that
    ``import sahel_analysis`` stays fast; a kernel made for its notebooks should have them all.
    Read from the source, so that a new import needs no list kept by hand.
    """
    import ast
    from pathlib import Path

    import sahel_analysis

    root = Path(sahel_analysis.__file__).parent
    names = ["pandas", "numpy", "geopandas", "matplotlib.pyplot"]
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in ("report", "cli.py", "__main__.py"):  # the build's, not the notebooks'
            continue
        names.append(".".join(("sahel_analysis", *relative.with_suffix("").parts)).removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def warm(modules: list[str] | None = None) -> None:
    """Import ``modules`` (default: the library's), and ready the shell if there is one.

    A module that fails to import is left for the notebook that needs it to fail on.
    """
    for name in library_modules() if modules is None else modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112
            continue
    prepare_shell()


def prepare_shell() -> None:
    """Ready the running shell for a notebook of this library: figures are drawn once, and described.

    The inline backend draws every open figure when a cell ends, to show it, then closes it; pyplot's
    own hook would draw each one just before, for nothing (a second of a four-second notebook).
    """
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is None:  # the server, before any kernel
        return
    export = sys.modules.get("sahel_analysis.viz.export")
    if export is not None:  # imported before the shell existed, in the server: register its hook now
        export.install()
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and plt.get_backend() == INLINE:
        plt.switch_backend(INLINE)  # hooks pyplot to the shell now, as the first figure would
        plt.uninstall_repl_displayhook()


def _returncode(pid: int) -> int | None:
    """A kernel's exit as ``subprocess`` gives it (minus the signal that ended it), or None if it runs.

    Read without reaping it (``WNOWAIT``).
    """
    info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:
        return True


def _fork(request: dict[str, Any], server: int, cwd: str, channel: socket.socket) -> tuple[int, list[int]]:
    pid = os.fork()
    if pid == 0:
        _kernel({**request, "server_cwd": cwd}, server, channel)
    try:  # race-free here: the child is ours, and stays a zombie until released
        return pid, [os.pidfd_open(pid)]
    except (AttributeError, OSError):  # no pidfd (Linux < 5.3): the build goes by the pid
        return pid, []


def serve(fd: int, modules: list[str] | None = None) -> None:
    """Import ``modules`` (default: the library's), then answer requests on socket ``fd`` until it closes."""
    channel = socket.socket(fileno=fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it stops us
    # What ipykernel sets before any import, so that matplotlib picks the inline backend.
    os.environ.setdefault("MPLBACKEND", INLINE)
    warm(["ipykernel.kernelapp", *(library_modules() if modules is None else modules)])
    # Out of the collector's sight from now on: a kernel's collections would otherwise write to
    # every object imported here, and so copy every page it shares with the server.
    gc.freeze()
    server, cwd = os.getpid(), os.getcwd()
    kernels: set[int] = set()
    released: set[int] = set()  # killed, waiting to be reaped
    try:
        channel.send(json.dumps({"ready": True}).encode())
        while message := channel.recv(MESSAGE_SIZE):
            reply, fds = _answer(json.loads(message), server, cwd, channel, kernels, released)
            socket.send_fds(channel, [json.dumps(reply).encode()], fds)
            for fd_ in fds:
                os.close(fd_)
    except (BrokenPipeError, ConnectionResetError):  # the build is gone: so are we, without a word
        return


def _answer(
    request: dict[str, Any],
    server: int,
    cwd: str,
    channel: socket.socket,
    kernels: set[int],
    released: set[int],
) -> tuple[dict[str, Any], list[int]]:
    """The reply to one request, and the file descriptors to pass with it."""
    fds: list[int] = []
    if request["op"] == "fork":
        pid, fds = _fork(request, server, cwd, channel)
        kernels.add(pid)
        reply: dict[str, Any] = {"pid": pid}
    elif request["pid"] not in kernels:
        reply = {"error": f"no kernel {request['pid']} here"}
    elif request["op"] == "status":
        reply = {"returncode": _returncode(request["pid"])}
    else:  # release
        kernels.discard(request["pid"])
        with contextlib.suppress(ProcessLookupError):
            os.kill(request["pid"], signal.SIGKILL)  # still ours: not reaped yet
        released.add(request["pid"])
        reply = {}
    released -= {pid for pid in released if _reaped(pid)}
    return reply, fds
