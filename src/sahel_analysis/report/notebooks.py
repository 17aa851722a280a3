"""The notebooks a build can run: where they are, their titles and the parameters they declare."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sahel_analysis.errors import file_problem
from sahel_analysis.paths import NOTEBOOK_DIR
from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.typecheck import parse_type


@dataclass(frozen=True)
class Parameter:
    name: str
    default: str  # the source text of the default, as written in the cell
    type: str  # the declared type, e.g. "Optional[str]"; "" when the notebook declares none
    help: str


def load_notebook(path: Path) -> dict[str, Any]:
    """A notebook's JSON, read without nbformat (which takes a second to import).

    Refused in one line: a path that is not a regular file (a FIFO would block the read), invalid
    JSON, and JSON that is not a notebook of nbformat 4 (which is what papermill and nbclient run).
    """
    if (problem := file_problem(path, "a notebook file", "no such notebook")) is not None:
        raise BuildError(f"{path}: {problem}")
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BuildError(f"{path}: not a notebook (invalid JSON: {exc})") from None
    except OSError as exc:
        raise BuildError(f"{path}: cannot read the notebook ({exc.strerror})") from None
    version = nb.get("nbformat") if isinstance(nb, dict) else None
    if isinstance(version, int) and version < 4:
        raise BuildError(
            f"{path}: a notebook of nbformat {version}; expected nbformat 4 (open and save it in JupyterLab, "
            "or run: jupyter nbconvert --to notebook --inplace)"
        )
    if not (isinstance(nb, dict) and isinstance(nb.get("cells"), list) and version == 4):
        raise BuildError(f"{path}: not a Jupyter notebook (expected nbformat 4 JSON with a list of cells)")
    return nb


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(path: Path) -> int:
    return sum(c.get("cell_type") == "code" for c in load_notebook(path)["cells"])


def discover(names: Sequence[str] = ()) -> list[Path]:
    """Notebooks to build: the named ones (a path, or a name under notebooks/), or all of them."""
    given = os.environ.get("SAHEL_ANALYSIS_NOTEBOOKS")
    folder = f"notebooks folder {NOTEBOOK_DIR}" + (f" (SAHEL_ANALYSIS_NOTEBOOKS={given})" if given else "")
    if not NOTEBOOK_DIR.is_dir():
        if not names or not all(Path(n).expanduser().suffix == ".ipynb" for n in names):
            raise BuildError(f"{folder}: {'not a folder' if NOTEBOOK_DIR.exists() else 'no such folder'}")
        available = []
    else:
        available = sorted(p for p in NOTEBOOK_DIR.glob("*.ipynb"))
    if not names:
        if not available:
            raise BuildError(f"{folder}: no notebooks (*.ipynb) in it")
        return available
    chosen = []
    for name in names:
        path = Path(name).expanduser()
        candidates = [path, NOTEBOOK_DIR / name, NOTEBOOK_DIR / f"{name}.ipynb"]
        hit = next((c for c in candidates if c.suffix == ".ipynb" and os.path.lexists(c)), None)
        if hit is None:
            known = ", ".join(p.stem for p in available) or "none"
            raise BuildError(f"unknown notebook {name!r}; available: {known}")
        if (problem := file_problem(hit, "a notebook file", "no such notebook")) is not None:
            raise BuildError(f"{hit}: {problem}")  # a folder or a FIFO named *.ipynb, a broken link
        chosen.append(hit.resolve())
    return chosen


def parameters(path: Path) -> list[Parameter]:
    """The parameters a notebook declares, read by papermill, with their types and help.

    papermill infers a type from an annotation (``as_of: Optional[str] = None  # help``) or a
    ``# type: Optional[str]`` comment. A cell written the older way (``as_of = None  # str | None:
    help``) has no type for papermill; its type is then taken from the start of the help text.
    """
    import papermill as pm

    load_notebook(path)  # a missing or broken file gets the build's one-line message
    found = []
    for name, spec in pm.inspect_notebook(str(path)).items():
        kind, helptext = spec["inferred_type_name"], spec["help"]
        if kind == "None":
            kind = ""
            head, sep, rest = helptext.partition(":")
            if sep and parse_type(head) is not None:
                kind, helptext = head.strip(), rest.strip()
        found.append(Parameter(name, spec["default"], kind, helptext))
    return found


def default_meanings(path: Path) -> dict[str, str]:
    """What each parameter means when left at ``None``, from its help (``... None: the latest data``).

    Read from what ``parameters`` returns (papermill's reading of the cell), in the cell's order.
    """
    found: dict[str, str] = {}
    for param in parameters(path):
        meaning = re.search(r"None:\s*([^;)]+)", param.help) if param.default == "None" else None
        if meaning:
            found[param.name] = meaning.group(1).strip()
    return found


def notebook_title(nb: dict[str, Any], fallback: str) -> tuple[str, str]:
    """The first markdown heading and the paragraph after it: the briefing's title and summary."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        lines = [line.strip() for line in cell_source(cell).splitlines()]
        heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
        if heading is None:
            continue
        paragraph: list[str] = []
        for line in lines[heading + 1 :]:
            if not line and paragraph:
                break
            if line and not line.startswith("#"):
                paragraph.append(line)
        # The index is plain text: drop the Markdown marks a summary may carry.
        summary = re.sub(r"[`*_]{1,2}([^`*_]+)[`*_]{1,2}", r"\1", " ".join(paragraph))
        return lines[heading][2:].strip(), summary
    return fallback, ""
