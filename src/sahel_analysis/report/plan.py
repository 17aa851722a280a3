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

from sahel_analysis.errors import file_problem, shown
from sahel_analysis.i18n import LANGUAGE_NAMES, LANGUAGES
from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.notebooks import Parameter, load_notebook, parameters
from sahel_analysis.report.typecheck import fits

LANG = "lang"  # the notebooks' language parameter, set by the build's --lang, never by -p
DEFAULT_LANG = "en"


@dataclass
class Job:
    notebook: Path
    params: dict[str, Any]
    variant: str | None = None
    timeout: float | None = None  # seconds a cell may run, from the parameter file; None: the build's
    lang: str = DEFAULT_LANG  # the page's language: English in OUT, another in OUT/<lang>

    @property
    def stem(self) -> str:
        """The page's name in its edition's folder (the same in every language)."""
        return self.notebook.stem + (f"--{self.variant}" if self.variant else "")

    @property
    def label(self) -> str:
        """The page as the build's messages name it: "06_briefing", "06_briefing (fr)"."""
        return self.stem if self.lang == DEFAULT_LANG else f"{self.stem} ({self.lang})"


def edition(out: Path, lang: str) -> Path:
    """Where the pages of ``lang`` go: OUT for English, OUT/fr for French."""
    return out if lang == DEFAULT_LANG else out / lang


def twin_prefix(lang: str, other: str) -> str:
    """The relative path from a page of ``lang`` to the folder of its twin in ``other``."""
    up = "" if lang == DEFAULT_LANG else "../"
    return up + ("" if other == DEFAULT_LANG else f"{other}/")


def twins(lang: str, name: str) -> list[dict[str, str]]:
    """The links from a page of ``lang`` named ``name`` to the same page in each other language:
    ``fr/X.html`` from English, ``../X.html`` from French, each labelled in its own language."""
    return [
        {"href": twin_prefix(lang, other) + name, "lang": other, "label": LANGUAGE_NAMES[other]}
        for other in LANGUAGES
        if other != lang
    ]


def _declares_lang(notebook: Path) -> bool:
    """Whether the notebook's parameters cell sets ``lang`` (read as text: papermill takes seconds)."""
    import re

    for cell in load_notebook(notebook)["cells"]:
        if "parameters" in (cell.get("metadata") or {}).get("tags", []):
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            return re.search(rf"^{LANG}\s*[:=]", text, re.MULTILINE) is not None
    return False


def in_languages(jobs: Sequence[Job], langs: Sequence[str]) -> list[Job]:
    """Each job once per language of ``langs`` (in that order); refused for a notebook that takes no
    ``lang`` parameter when a language other than English is asked for."""
    from dataclasses import replace

    chosen = list(dict.fromkeys(langs)) or [DEFAULT_LANG]
    for lang in chosen:
        if lang not in LANGUAGES:
            raise BuildError(f"--lang: expected one of {', '.join(LANGUAGES)}, found {shown(lang)}")
    if any(lang != DEFAULT_LANG for lang in chosen):
        for notebook in dict.fromkeys(job.notebook for job in jobs):
            if not _declares_lang(notebook):
                raise BuildError(
                    f"{notebook}: takes no `{LANG}` parameter, so it cannot be built in another language "
                    f'than English; add `{LANG}: str = "en"` to its parameters cell'
                )
    return [replace(job, lang=lang) for lang in chosen for job in jobs]


MAX_FILE_BYTES = 1 << 20  # a parameter file holds a few names and values; 1 MB is far more than enough
MAX_DEPTH = 20  # lists and mappings nested in a value: none of the notebooks takes more than two


def _plain(value: Any) -> Any:
    """YAML turns 2021-05-24 into a date; notebooks take ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Refused(Exception):
    """YAML that parses but that a parameter file may not hold (an alias, deep nesting, a key that is not text)."""


def _loader() -> type:
    """A ``yaml.SafeLoader`` that refuses what can crash or hang a build, or silently lose a value.

    Aliases are refused (an alias bomb expands a kilobyte into gigabytes), nesting is capped at
    ``MAX_DEPTH`` (50,000 ``[`` would overflow the parser's recursion), and a mapping key must be
    text given once (``1: x`` and a repeated name are mistakes, not parameters).
    """
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise _Refused(
                    f"line {mark.line + 1}: YAML aliases (*name) are not accepted; write the value out"
                )
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise _Refused(f"line {mark.line + 1}: values nested more than {MAX_DEPTH} levels deep")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise _Refused(
                        f"line {line}: a name must be text; found {shown(key)} ({type(key).__name__})"
                    )
                if key in seen:
                    raise _Refused(f"line {line}: {key!r} is given twice")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


def _load_yaml(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass


def _yaml_problem(exc: Exception) -> str:
    """What the YAML parser stopped on, and where, in one line."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    return f"line {mark.line + 1}, column {mark.column + 1}: {f'{context}: ' if context else ''}{problem}"


def parse_value(name: str, text: str) -> Any:
    """A ``-p NAME VALUE`` value: YAML scalars and lists (``[gao, kidal]``), ``None`` for null."""
    import yaml

    if text in ("None", "none"):
        return None
    try:
        return _plain(_load_yaml(text))
    except _Refused as exc:
        raise BuildError(f"parameter {name!r}: {str(exc).removeprefix('line 1: ')}") from None
    except yaml.YAMLError:
        return text
    except ValueError as exc:  # YAML reads 2021-02-30 as a date, and fails on the day
        raise BuildError(f"parameter {name!r}: {shown(text)} is not a valid date ({exc})") from None


def read_param_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of parameter names to values, from a regular file of at most ``MAX_FILE_BYTES``."""
    import yaml

    path = path.expanduser()
    if (problem := file_problem(path, "a YAML parameter file", "no such parameter file")) is not None:
        raise BuildError(f"{path}: {problem}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise BuildError(f"{path}: cannot read the parameter file ({exc.strerror})") from None
    if len(raw) > MAX_FILE_BYTES:
        size = max(path.stat().st_size, len(raw))
        raise BuildError(
            f"{path}: {size:,} bytes; a parameter file may hold at most {MAX_FILE_BYTES:,} (1 MB)"
        )
    try:
        data = _load_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BuildError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except _Refused as exc:
        raise BuildError(f"{path}, {exc}") from None
    except yaml.YAMLError as exc:
        raise BuildError(f"{path}: not valid YAML ({_yaml_problem(exc)})") from None
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
        raise BuildError(f"{path}: timeout: expected a number of seconds > 0, found {shown(value)}")
    return float(value)


def plan(
    notebooks: Sequence[Path], cli_params: dict[str, Any], param_files: Sequence[Path] = ()
) -> list[Job]:
    """Check parameters against what each notebook declares; one job per notebook and parameter file.

    Each parameter file is a named variant (its file name); ``-p`` values apply on top of each.
    """
    named: dict[str, Path] = {}
    for f in param_files:
        if f.stem in named:  # both would write NOTEBOOK--NAME.html, the second over the first
            raise BuildError(
                f"{f}: a parameter file named {f.stem!r} is given already ({named[f.stem]}); rename one"
            )
        named[f.stem] = f
    for nb in notebooks:  # a broken notebook is one line now, not a failure once kernels run
        load_notebook(nb)
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
        if LANG in overrides:
            where = f"{variant}.yaml" if LANG in from_file else "-p"
            raise BuildError(
                f"parameter {LANG!r} ({where}): the language is chosen with --lang "
                "(e.g. --lang fr, which builds into OUT/fr/)"
            )
        unknown = sorted(set(overrides) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            listed = ", ".join(shown(name) if len(name) > 40 else name for name in unknown)
            raise BuildError(f"unknown parameter(s) {listed}; the notebooks take: {allowed}")
        for nb in notebooks:
            mine = {}
            for name, value in overrides.items():
                if name not in declared[nb]:
                    continue
                spec = declared[nb][name]
                value = _as_number(value, spec.type)
                if not fits(value, spec.type):
                    raise BuildError(
                        f"parameter {name!r} of {nb.stem}: expected {spec.type}, "
                        f"found {shown(value)} ({type(value).__name__})"
                    )
                mine[name] = value
            jobs.append(Job(nb, _resolve_paths(mine), variant, timeout))
    return jobs


def _as_number(value: Any, declared: str) -> Any:
    """A text that Python's ``float()`` reads, for a parameter declared a float but not text.

    YAML 1.1 reads ``5e1`` and ``1e308`` as text (its floats need a dot); they are numbers to a user.
    """
    if isinstance(value, str) and not fits(value, declared) and fits(1.5, declared):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def is_path(name: str) -> bool:
    """Whether a parameter names a file: by the notebooks' convention, its name ends in ``_path``."""
    return name.endswith("_path")


def _resolve_paths(params: dict[str, Any]) -> dict[str, Any]:
    """A ``*_path`` parameter is a file the user named from where they started the build.

    The kernel runs in the notebook's folder, so a relative path would be looked up there instead:
    pass it on absolute, with ``~`` expanded.
    """
    return {
        name: str(Path(value).expanduser().absolute())
        if is_path(name) and isinstance(value, str) and value
        else value
        for name, value in params.items()
    }
