"""Run one notebook on a started kernel: papermill injects the parameters, nbclient executes the cells.

The kernel runs in the notebook's folder (nbclient's ``resources["metadata"]["path"]``); the build's
own working folder never changes, so that threads cannot race on it.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from sahel_analysis.report.kernels import KERNEL_NAME, Kernel, start_kernel

DEFAULT_TIMEOUT = 600.0  # seconds a cell may run (``--timeout``)

INJECTED_TAG = "injected-parameters"  # papermill's tag on the cell it adds


class NotebookFailed(Exception):  # noqa: N818 - read as "the notebook failed"
    """A cell raised or ran out of time, or the kernel died. ``notebook`` holds what ran, up to the failure."""

    def __init__(self, cell: int | None, ename: str, evalue: str, notebook: Any) -> None:
        super().__init__(f"{ename}: {evalue}")
        self.cell, self.ename, self.evalue, self.notebook = cell, ename, evalue, notebook

    def where(self, name: str) -> str:
        return f"{name}, cell {self.cell + 1}" if self.cell is not None else name

    def line(self, name: str) -> str:
        """One line for the build's report: notebook, cell, error."""
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        return f"{self.where(name)}: {self.ename}: {first}" if first else f"{self.where(name)}: {self.ename}"


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


class CellTimedOut(NotebookFailed):
    """A cell ran longer than the time allowed; its kernel was stopped."""

    def __init__(self, cell: int | None, seconds: float, notebook: Any) -> None:
        super().__init__(cell, "CellTimeoutError", f"timed out after {seconds:g} s", notebook)

    def line(self, name: str) -> str:
        return f"{self.where(name)}: {self.evalue}"


async def _execute(client: Any, kernel: Kernel) -> None:
    try:
        await client.async_execute()
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        await kernel.shutdown()


def translate_markdown(nb: Any, lang: str) -> None:
    """Each markdown cell's text in ``lang``, from the catalogue, in place.

    The message is the cell's source exactly, as ``scripts/update_catalog.py`` extracts it; a cell
    the catalogue does not translate keeps its English text.
    """
    from sahel_analysis.i18n import translations

    catalogue = translations(lang)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = catalogue.gettext(cell.source)


def run_notebook(
    path: Path,
    params: dict[str, Any],
    kernel: Kernel,
    timings: dict[str, float] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    lang: str = "en",
) -> Any:
    """The executed notebook (``NotebookNode``), run on ``kernel``, which is closed afterwards.

    A cell may run ``timeout`` seconds. In another language than English (``lang``), the notebook
    gets the ``lang`` parameter and its markdown cells are shown translated. Raises
    ``NotebookFailed`` when a cell raises or runs out of time, or the kernel dies.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from papermill.parameterize import parameterize_notebook

    timings = {} if timings is None else timings
    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # as papermill loads a notebook: every cell has a tag list
        cell.metadata.setdefault("tags", [])
    if lang != "en":
        translate_markdown(nb, lang)
        params = {**params, "lang": lang}
    if params:  # as papermill does: no injected cell when no parameter is given
        nb.metadata.setdefault("papermill", {})
        given = {cell.get("id") for cell in nb.cells} - {None}
        nb = parameterize_notebook(nb, params, kernel_name=KERNEL_NAME, language="python")
        _stable_ids(nb, given)
    timings["inject"] = time.perf_counter() - start
    client = NotebookClient(
        nb,
        km=kernel.km,
        # nbclient's timeout is whole seconds; a cell's own limit may be any number.
        timeout=math.ceil(timeout),
        timeout_func=lambda cell: timeout,
        kernel_name=KERNEL_NAME,
        record_timing=False,  # wall-clock times would make the same inputs give other bytes
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    begun: list[int] = []  # the cell that raised, or that the kernel died in, is the last begun
    client.on_cell_execute = lambda cell, cell_index: begun.append(cell_index)
    start = time.perf_counter()
    try:
        try:
            kernel.run(_execute(client, kernel))
        finally:
            kernel.close()
            timings["execute"] = time.perf_counter() - start
    except CellTimeoutError:
        raise CellTimedOut(begun[-1] if begun else None, timeout, nb) from None
    except CellExecutionError as err:
        raise NotebookFailed(begun[-1] if begun else None, err.ename, err.evalue, nb) from None
    except DeadKernelError:
        died = f"kernel died ({kernel.ended()})"
        raise NotebookFailed(begun[-1] if begun else None, "DeadKernelError", died, nb) from None
    except Exception as exc:  # the kernel stopped answering, or nbclient failed: this notebook alone
        raise NotebookFailed(begun[-1] if begun else None, type(exc).__name__, str(exc), nb) from None
    return nb


def execute(
    notebook: Path,
    output: Path | None = None,
    parameters: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """Run ``notebook`` in a fresh kernel of this interpreter and return the executed notebook.

    The executed notebook is also written to ``output`` when given (even when a cell fails).
    Safe to call from several threads. Raises ``NotebookFailed`` when a cell fails or runs longer
    than ``timeout`` seconds.
    """
    import nbformat

    kernel = start_kernel(Path(notebook).resolve().parent)
    try:
        executed = run_notebook(Path(notebook), parameters or {}, kernel, timeout=timeout)
    except NotebookFailed as err:
        if output is not None:
            nbformat.write(err.notebook, str(output))
        raise
    if output is not None:
        nbformat.write(executed, str(output))
    return executed
