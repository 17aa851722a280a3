"""Re-run notebooks and store the fresh outputs of their kept cells (the ones nbval compares).

Notebooks are committed without outputs except cells whose source starts with
``# NBVAL_CHECK_OUTPUT`` (metadata ``keep_output``). When the data change, those stored key figures
go stale and nbval fails; this script runs each notebook with its defaults and writes back only
those cells' outputs, leaving every other cell untouched.

Run:  .venv/bin/python scripts/refresh_kept_outputs.py [NOTEBOOK ...]   (default: all)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def refresh(path: Path) -> bool:
    source = nbformat.read(path, as_version=4)
    kept = [i for i, c in enumerate(source.cells) if c.cell_type == "code" and c.metadata.get("keep_output")]
    if not kept:
        return False
    run = nbformat.read(path, as_version=4)
    NotebookClient(
        run, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    changed = False
    for i in kept:
        fresh = [o for o in run.cells[i].outputs if o.get("output_type") == "stream"]
        if fresh != source.cells[i].outputs:
            source.cells[i].outputs = fresh
            changed = True
        source.cells[i].execution_count = 1
    if changed:
        nbformat.write(source, path)
    return changed


def main(argv: list[str]) -> int:
    paths = [NOTEBOOKS / f"{Path(a).stem}.ipynb" for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {'updated' if refresh(path) else 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
