"""A process that imports the notebooks' libraries once, then forks a fresh kernel per notebook.

A kernel started the usual way is a new interpreter that imports IPython, pandas, geopandas,
matplotlib and this library again: about a second of CPU per notebook, as much as many notebooks'
own work. This server pays it once. Each kernel is a fork made before any notebook code runs, so no
state passes from one notebook to another, as with a kernel started from scratch.

Linux only: forking after these imports is safe there, and ``PR_SET_PDEATHSIG`` ends a kernel when
its server ends. The server ends when its standard input closes, so a build that dies, even by
SIGKILL, takes its kernels with it. Elsewhere ``kernels`` starts each kernel the usual way.

Protocol, a JSON line each way: ``{"connection_file", "cwd", "env"}`` in, ``{"pid"}`` out.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import signal
import sys
from typing import Any, NoReturn

INLINE = "module://matplotlib_inline.backend_inline"
PR_SET_NAME, PR_SET_PDEATHSIG = 15, 1


def _kernel(request: dict[str, Any], server: int) -> NoReturn:
    """The forked child: become the kernel the request describes; never return to the server loop."""
    code = 1
    try:
        os.setsid()  # a process group of its own, as jupyter_client gives a kernel
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(PR_SET_NAME, b"ipykernel")  # the name ps and top show: it is a kernel, not a server
        if os.getppid() != server:  # the server died before the line above
            os._exit(1)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # so that the notebook's subprocesses can be waited for
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # the server's replies go there: the kernel must not write into them
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


def serve() -> None:
    """Import the library's modules, then fork a kernel per request line until standard input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it stops us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they end: no zombies
    # What ipykernel sets before any import, so that matplotlib picks the inline backend.
    os.environ.setdefault("MPLBACKEND", INLINE)
    warm(["ipykernel.kernelapp", *library_modules()])
    # Out of the collector's sight from now on: a kernel's collections would otherwise write to
    # every object imported here, and so copy every page it shares with the server.
    gc.freeze()
    server, cwd = os.getpid(), os.getcwd()
    for line in sys.stdin:
        request = {**json.loads(line), "server_cwd": cwd}
        pid = os.fork()
        if pid == 0:
            _kernel(request, server)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
