"""What to run: one job per notebook and parameter set, checked strictly before anything runs.

papermill only warns about a parameter a notebook does not declare; the plan refuses it, and refuses
a value whose type does not fit the declared one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.notebooks import Parameter, parameters
from sahel_analysis.report.typecheck import fits


@dataclass
class Job:
    notebook: Path
    params: dict[str, Any]
    variant: str | None = None
    timeout: float | None = None  # seconds a cell may run, from the parameter file; None: the build's

    @property
    def stem(self) -> str:
        return self.notebook.stem + (f"--{self.variant}" if self.variant else "")


def _plain(value: Any) -> Any:
    """YAML turns 2021-05-24 into a date; notebooks take ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def parse_value(name: str, text: str) -> Any:
    """A ``-p NAME VALUE`` value: YAML scalars and lists (``[gao, kidal]``), ``None`` for null."""
    import yaml

    if text in ("None", "none"):
        return None
    try:
        return _plain(yaml.safe_load(text))
    except yaml.YAMLError:
        return text
    except ValueError as exc:  # YAML reads 2021-02-30 as a date, and fails on the day
        raise BuildError(f"parameter {name!r}: {text!r} is not a valid date ({exc})") from None


def read_param_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of parameter names to values."""
    import yaml

    path = path.expanduser()
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise BuildError(f"{path}: no such parameter file") from None
    except IsADirectoryError:
        raise BuildError(f"{path}: expected a YAML parameter file, found a folder") from None
    except UnicodeDecodeError as exc:
        raise BuildError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except yaml.YAMLError as exc:
        raise BuildError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    except ValueError as exc:
        raise BuildError(f"{path}: a value is not a valid date ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BuildError(f"{path}: expected a mapping of parameter names to values")
    return _plain(data)


TIMEOUT = "timeout"  # in a parameter file, the build's setting for its notebooks, never a parameter


def _timeout(path: Path, values: dict[str, Any]) -> float | None:
    """The parameter file's ``timeout``, taken out of its parameters."""
    if TIMEOUT not in values:
        return None
    value = values.pop(TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise BuildError(f"{path}: timeout: expected a number of seconds > 0, found {value!r}")
    return float(value)


def plan(
    notebooks: Sequence[Path], cli_params: dict[str, Any], param_files: Sequence[Path] = ()
) -> list[Job]:
    """Check parameters against what each notebook declares; one job per notebook and parameter file.

    Each parameter file is a named variant (its file name); ``-p`` values apply on top of each.
    """
    files = [(f, read_param_file(f)) for f in param_files]
    variants = [(f.stem, values, _timeout(f, values)) for f, values in files] or [(None, {}, None)]
    if not cli_params and not any(values for _, values, _ in variants):
        # Nothing to check: the notebooks need not be inspected (papermill takes seconds to import).
        return [Job(nb, {}, variant, timeout) for variant, _, timeout in variants for nb in notebooks]
    declared: dict[Path, dict[str, Parameter]] = {nb: {p.name: p for p in parameters(nb)} for nb in notebooks}
    known = set().union(*(d.keys() for d in declared.values())) if declared else set()
    jobs = []
    for variant, from_file, timeout in variants:
        overrides = {**from_file, **cli_params}
        unknown = sorted(set(overrides) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise BuildError(f"unknown parameter(s) {', '.join(unknown)}; the notebooks take: {allowed}")
        for nb in notebooks:
            mine = {k: v for k, v in overrides.items() if k in declared[nb]}
            for name, value in mine.items():
                spec = declared[nb][name]
                if not fits(value, spec.type):
                    raise BuildError(
                        f"parameter {name!r} of {nb.stem}: expected {spec.type}, "
                        f"found {value!r} ({type(value).__name__})"
                    )
            jobs.append(Job(nb, _resolve_paths(mine), variant, timeout))
    return jobs


def _resolve_paths(params: dict[str, Any]) -> dict[str, Any]:
    """A ``*_path`` parameter is a file the user named from where they started the build.

    The kernel runs in the notebook's folder, so a relative path would be looked up there instead:
    pass it on absolute, with ``~`` expanded.
    """
    return {
        name: str(Path(value).expanduser().absolute())
        if name.endswith("_path") and isinstance(value, str) and value
        else value
        for name, value in params.items()
    }
