"""Fresh kernels of this interpreter, started early and warmed while the build gets ready.

This module imports jupyter_client only (half a second), never papermill or nbconvert, so that
kernels can start first and load the heavy libraries while the build imports its own.
Each kernel runs one notebook and is then stopped: no state passes from one notebook to another.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

KERNEL_NAME = "python3"
STARTUP_TIMEOUT = 120

# Loads libraries into sys.modules, and binds no name in the notebook's namespace (a notebook that
# forgets an import still fails). Run silently: it takes no execution count.
WARM_UP = """\
def _sahel_warm_up(names):
    import importlib, pkgutil
    if "sahel_analysis" in names:
        import sahel_analysis
        names += [
            f"sahel_analysis.{m.name}"
            for m in pkgutil.iter_modules(sahel_analysis.__path__)
            if m.name not in ("report", "cli", "__main__")
        ]
    # viz registers the display hook that gives every figure shown its alt text (and data):
    # also in a notebook that draws with matplotlib alone.
    for name in [*names, "sahel_analysis.viz"]:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_sahel_warm_up(__NAMES__)
del _sahel_warm_up
"""
HEAVY = {"pandas": "pandas", "numpy": "numpy", "geopandas": "geopandas", "matplotlib": "matplotlib.pyplot"}


def warm_modules(imported: set[str]) -> list[str]:
    """The slow-to-import libraries among a notebook's imports (the library brings all of them)."""
    if "sahel_analysis" in imported:
        return [*HEAVY.values(), "sahel_analysis"]
    return [module for name, module in HEAVY.items() if name in imported]


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

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str, *args: Any, **kwargs: Any) -> KernelSpec:
            return KernelSpec(
                argv=_argv(), display_name="Python 3 (sahel-analysis)", language="python", resource_dir=""
            )

    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ThisInterpreter())


async def _start(cwd: Path, warm: list[str]) -> Any:
    km = _manager()
    await km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        if warm:
            msg_id = kc.execute(WARM_UP.replace("__NAMES__", repr(warm)), silent=True, store_history=False)
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


def start_kernel(cwd: Path, warm: Sequence[str] = ()) -> Any:
    """A started ``AsyncKernelManager`` whose kernel runs in ``cwd``, with the ``warm`` modules loaded.

    Blocks until the kernel answers.
    """
    return asyncio.run(_start(cwd, list(warm)))


async def stop_kernel(km: Any) -> None:
    """Stop a kernel at once: its outputs are already in hand."""
    with contextlib.suppress(RuntimeError):  # already gone (it died, or a Ctrl-C stopped it)
        await km.shutdown_kernel(now=True)


def stop_children() -> None:
    """End every kernel this process started, so an interrupted build leaves none running."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        child.terminate()
    _, alive = psutil.wait_procs(children, timeout=3)
    for child in alive:
        child.kill()
