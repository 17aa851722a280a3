"""``sahel-analysis init DIR``: a folder of notebooks an analyst owns, copied from the installed package.

An installed package keeps its notebooks inside site-packages, where edits would be lost on the next
upgrade. ``init`` copies them, with their ``params/``, into a folder of the analyst's; the build reads
them from there with ``--notebooks DIR`` (or ``SAHEL_ANALYSIS_NOTEBOOKS=DIR``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sahel_analysis.paths import NOTEBOOK_DIR, source_folder


class WorkspaceError(Exception):
    """A folder that cannot receive the notebooks: the message is one line, naming the path."""


def _sources(source: Path) -> list[Path]:
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        raise WorkspaceError(f"{source}: no notebooks to copy (expected *.ipynb files)")
    # Every named set: the briefing's in params/, each other notebook's in params/NOTEBOOK/.
    return notebooks + sorted((source / "params").rglob("*.yaml"))


def init(target: Path, source: Path = NOTEBOOK_DIR) -> list[Path]:
    """Copy the notebooks and their params/ into ``target``; return the files written.

    Never overwrites: if any file would be replaced, nothing is copied and the error names it.
    """
    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target}: exists and is not a folder")
    if (inside := source_folder(target, source)) is not None:
        raise WorkspaceError(f"{target}: inside {inside[1]} ({inside[0]}); choose a folder of your own")
    files = _sources(source)
    pairs = [(f, target / f.relative_to(source)) for f in files]
    taken = [dst for _, dst in pairs if dst.exists() or dst.is_symlink()]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise WorkspaceError(f"{taken[0]}: already exists{more}; nothing was copied, no file overwritten")
    written = []
    try:
        for src, dst in pairs:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            written.append(dst)
    except OSError as exc:
        raise WorkspaceError(f"{exc.filename or target}: cannot write ({exc.strerror})") from None
    return written
