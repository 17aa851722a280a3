"""Run one notebook on a started kernel: papermill injects the parameters, nbclient executes the cells.

The kernel runs in the notebook's folder (nbclient's ``resources["metadata"]["path"]``); the build's
own working folder never changes, so that threads cannot race on it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sahel_analysis.report.kernels import KERNEL_NAME, start_kernel, stop_kernel

INJECTED_TAG = "injected-parameters"  # papermill's tag on the cell it adds


class NotebookFailed(Exception):  # noqa: N818 - read as "the notebook failed"
    """A cell raised, or the kernel died. ``notebook`` holds what ran, up to the failure."""

    def __init__(self, cell: int | None, ename: str, evalue: str, notebook: Any) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.cell, self.ename, self.evalue, self.notebook = cell, ename, evalue, notebook

    def line(self, name: str) -> str:
        """One line for the build's report: notebook, cell, error."""
        where = f", cell {self.cell + 1}" if self.cell is not None else ""
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        return f"{name}{where}: {self.ename}: {first}" if first else f"{name}{where}: {self.ename}"


def _stable_ids(nb: Any, given: set[str]) -> None:
    """Cell ids that are the same for the same inputs, in place of the random ones papermill gives.

    papermill's cell gets a random id, and so does every cell of a notebook saved without ids
    (nbformat 4.4, which it upgrades): the same notebook and parameters would give other bytes.
    The injected cell is named for its tag; any other new id is a hash of the cell's text.
    """
    import hashlib

    taken = set(given)
    for cell in nb.cells:
        if INJECTED_TAG in cell.metadata.get("tags", []):
            base = INJECTED_TAG
        elif cell.get("id") in given:
            continue
        else:
            base = hashlib.sha256(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:12]
        cell.id, n = base, 2
        while cell.id in taken:
            cell.id, n = f"{base}-{n}", n + 1
        taken.add(cell.id)


async def _execute(client: Any, km: Any) -> None:
    try:
        await client.async_execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        await stop_kernel(km)


def run_notebook(path: Path, params: dict[str, Any], km: Any, timings: dict[str, float] | None = None) -> Any:
    """The executed notebook (``NotebookNode``), run on ``km``, which is stopped afterwards.

    Raises ``NotebookFailed`` when a cell raises or the kernel dies.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError
    from papermill.parameterize import parameterize_notebook

    timings = {} if timings is None else timings
    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # as papermill loads a notebook: every cell has a tag list
        cell.metadata.setdefault("tags", [])
    if params:  # as papermill does: no injected cell when no parameter is given
        nb.metadata.setdefault("papermill", {})
        given = {cell.get("id") for cell in nb.cells} - {None}
        nb = parameterize_notebook(nb, params, kernel_name=KERNEL_NAME, language="python")
        _stable_ids(nb, given)
    timings["inject"] = time.perf_counter() - start
    client = NotebookClient(
        nb,
        km=km,
        timeout=None,
        kernel_name=KERNEL_NAME,
        record_timing=False,  # wall-clock times would make the same inputs give other bytes
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    begun: list[int] = []  # the cell that raised, or that the kernel died in, is the last begun
    client.on_cell_execute = lambda cell, cell_index: begun.append(cell_index)
    start = time.perf_counter()
    try:
        asyncio.run(_execute(client, km))
    except CellExecutionError as err:
        raise NotebookFailed(begun[-1] if begun else None, err.ename, err.evalue, nb) from None
    except DeadKernelError:
        raise NotebookFailed(begun[-1] if begun else None, "DeadKernelError", "kernel died", nb) from None
    finally:
        timings["execute"] = time.perf_counter() - start
    return nb


def execute(notebook: Path, output: Path | None = None, parameters: dict[str, Any] | None = None) -> Any:
    """Run ``notebook`` in a fresh kernel of this interpreter and return the executed notebook.

    The executed notebook is also written to ``output`` when given (even when a cell fails).
    Safe to call from several threads. Raises ``NotebookFailed`` when a cell fails.
    """
    import nbformat

    km = start_kernel(Path(notebook).resolve().parent)
    try:
        executed = run_notebook(Path(notebook), parameters or {}, km)
    except NotebookFailed as err:
        if output is not None:
            nbformat.write(err.notebook, str(output))
        raise
    if output is not None:
        nbformat.write(executed, str(output))
    return executed
