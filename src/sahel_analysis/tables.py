"""Loading the curated tables in ``data/``: typed, validated frames, and the citations behind them.

Every table is declared once, in ``data/datapackage.json`` (read by :mod:`sahel_analysis.schema`).
The loaders read the CSV as text, parse each declared type themselves (so a bad date names its
row), check the declared constraints with the pandera schema generated from the same declaration,
then check the foreign keys. Every failure in a file is collected and raised together as one
``DataError``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahel_analysis import select
from sahel_analysis.paths import DATA_DIR
from sahel_analysis.schema import (
    LIST_SEPARATOR,
    fields,
    pandera_schema,
    references,
    resource,
    rule_text,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


@dataclass(frozen=True)
class Problem:
    """One failed rule: where (file, CSV line, column), what was found, and what was expected."""

    file: str
    line: int | None
    column: str | None
    value: Any
    rule: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        found = "" if self.value is None else f": found {self.value!r}"
        return f"{where}{found}; expected {self.rule}"


class DataError(ValueError):
    """A data file is missing or breaks its declared schema. ``problems`` lists every failure."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        files = sorted({p.file for p in problems})
        head = f"{len(problems)} problem(s) in {', '.join(files)}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]))


def _path(name: str, path: str | os.PathLike[str] | None) -> Path:
    return Path(path) if path is not None else DATA_DIR / resource(name)["path"]


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _line(index: Any) -> int | None:
    # Row 0 of the frame is line 2 of the CSV, under the header.
    return None if index is None or index != index else int(index) + 2


_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


def _parse_types(frame: pd.DataFrame, name: str, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn the text columns into their declared types; a value that does not parse is a Problem."""
    import pandas as pd

    problems: list[Problem] = []
    out = frame.copy()
    for field in fields(name):
        col, kind = field["name"], field.get("type", "string")
        raw = frame[col]
        present = raw.notna()
        if kind == "date":
            parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
            rule = "a date as YYYY-MM-DD"
        elif kind in ("integer", "number"):
            parsed = pd.to_numeric(raw, errors="coerce")
            if kind == "integer":
                whole = parsed.isna() | (parsed == parsed.round())
                parsed = parsed.where(whole)
                parsed = parsed.astype("Int64")
            rule = f"a{'n integer' if kind == 'integer' else ' number'}"
        elif kind == "boolean":
            parsed = raw.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
            parsed = parsed.astype("boolean")
            rule = "true or false"
        else:
            continue
        for idx in raw.index[present & parsed.isna()]:
            problems.append(Problem(file, _line(idx), col, raw[idx], rule))
        out[col] = parsed
    return out, problems


def _check_constraints(
    frame: pd.DataFrame, name: str, file: str, skip: set[tuple[int, str]]
) -> list[Problem]:
    import pandera.errors

    try:
        pandera_schema(name).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        problems = []
        for case in err.failure_cases.itertuples(index=False):
            col, idx = case.column, case.index
            if (idx, col) in skip:  # already reported as a type error; a NaN there is not news
                continue
            problems.append(Problem(file, _line(idx), col, case.failure_case, rule_text(str(case.check))))
        return problems
    return []


def _check_keys(frame: pd.DataFrame, name: str, file: str, path: Path) -> list[Problem]:
    """Foreign keys, plus the ';'-separated source lists that Table Schema cannot declare."""
    problems = []
    for col, target in references(name).items():
        known = _ids(target, path.parent)
        for idx, value in frame[col].dropna().items():
            for key in str(value).split(LIST_SEPARATOR):
                if key.strip() not in known:
                    problems.append(Problem(file, _line(idx), col, key, f"an id from {target}.csv"))
    return problems


def _ref_path(target: str, folder: Path) -> Path:
    """A referenced table: beside the file being loaded if there is one, else the shipped one."""
    candidate = folder / resource(target)["path"]
    return candidate if candidate.exists() else _path(target, None)


def _ids(target: str, folder: Path) -> set[str]:
    import pandas as pd

    return set(pd.read_csv(_ref_path(target, folder), usecols=["id"], dtype=str)["id"])


_MEMO: dict[tuple[Any, ...], pd.DataFrame] = {}


def _signature(name: str, file_path: Path) -> tuple[Any, ...]:
    """What a validated table depends on: its file and the files its keys point to, as last modified."""
    targets = set(references(name).values())
    paths = [file_path, *(_ref_path(t, file_path.parent) for t in sorted(targets))]
    return (name, *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths))


def read_table(name: str, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate one table of the data package; raise ``DataError`` listing every problem.

    A table is validated once per process and version of its files; later calls get a copy.
    """
    file_path = _path(name, path)
    file = _rel(file_path)
    if not file_path.is_file():
        raise DataError([Problem(file, None, None, None, f"an existing file (the {name} table)")])
    key = _signature(name, file_path)
    if key not in _MEMO:
        _MEMO[key] = _read_table(name, file_path, file)
    frame = _MEMO[key].copy()
    frame.attrs.update(_MEMO[key].attrs)
    return frame


def _read_table(name: str, file_path: Path, file: str) -> pd.DataFrame:
    import pandas as pd

    try:
        raw = pd.read_csv(file_path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError([Problem(file, None, None, None, f"a UTF-8 CSV file ({exc})")]) from None
    declared = [f["name"] for f in fields(name)]
    header = [
        *(
            Problem(file, 1, c, None, "this declared column in the header")
            for c in declared
            if c not in raw.columns
        ),
        *(
            Problem(file, 1, c, c, f"only the declared columns: {', '.join(declared)}")
            for c in raw.columns
            if c not in declared
        ),
    ]
    if header:
        raise DataError(header)
    raw = raw[declared]
    typed, problems = _parse_types(raw, name, file)
    skip = {(p.line - 2, p.column) for p in problems if p.line is not None}
    problems += _check_constraints(typed, name, file, skip)
    problems += _check_keys(typed, name, file, file_path)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        raise DataError(problems)
    for field in fields(name):
        if enum := field.get("constraints", {}).get("enum"):
            typed[field["name"]] = pd.Categorical(typed[field["name"]], categories=enum)
    typed.attrs["table"] = name
    typed.attrs["path"] = str(file_path)
    return typed


def load_sources(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every document cited by the other tables (id, title, publisher, author, url, dates)."""
    return read_table("sources", path)


def load_places(path: str | os.PathLike[str] | None = None) -> gpd.GeoDataFrame:
    """The gazetteer as points in WGS84 (EPSG:4326)."""
    import geopandas as gpd

    frame = read_table("places", path)
    geo = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs="EPSG:4326"
    )
    geo.attrs.update(frame.attrs)
    return geo


def load_events(path: str | os.PathLike[str] | None = None, as_of: Any = None) -> pd.DataFrame:
    """Dated events, 2012-2023, sorted by date; with ``as_of``, only those that had happened by then."""
    frame = read_table("events", path).sort_values(["date", "id"], kind="stable")
    return select.until(frame.reset_index(drop=True), as_of)


def load_troop_levels(path: str | os.PathLike[str] | None = None, as_of: Any = None) -> pd.DataFrame:
    """French personnel at dated points; with ``as_of``, only figures dated on or before it."""
    frame = read_table("troop_levels", path).sort_values(["date", "id"], kind="stable")
    return select.until(frame.reset_index(drop=True), as_of)


def load_costs(path: str | os.PathLike[str] | None = None, as_of: Any = None) -> pd.DataFrame:
    """Annual costs in millions of nominal euros; with ``as_of``, only years that had begun by then."""
    frame = read_table("costs", path).sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    when = select.as_timestamp(as_of)
    return frame if when is None else select.keep(frame, frame["year"] <= when.year)


def load_fatalities(path: str | os.PathLike[str] | None = None, as_of: Any = None) -> pd.DataFrame:
    """Cumulative French military deaths at dated points; with ``as_of``, those known by then."""
    frame = read_table("fatalities", path).sort_values(["date", "id"], kind="stable")
    return select.until(frame.reset_index(drop=True), as_of)


def load_presence(path: str | os.PathLike[str] | None = None, as_of: Any = None) -> pd.DataFrame:
    """French bases and when they were held.

    With ``as_of``, bases opened later are left out and a handover after ``as_of`` is blanked,
    since it had not happened yet.
    """
    frame = read_table("presence", path).sort_values(["start_date", "id"], kind="stable")
    return select.presence_as_of(frame.reset_index(drop=True), as_of)


bases_held = select.bases_held  # a selection; re-exported here where the README's readers look for it


def load_cpi(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """INSEE's annual consumer price index, indexed by year."""
    return read_table("cpi", path).sort_values("year").reset_index(drop=True)


def source_ids(*frames: pd.DataFrame) -> list[str]:
    """The source ids cited by the rows of ``frames``, in order of first appearance."""
    seen: dict[str, None] = {}
    for frame in frames:
        for col in ("source_id", "other_source_ids"):
            if col in frame.columns:
                for value in frame[col].dropna():
                    for key in str(value).split(LIST_SEPARATOR):
                        seen.setdefault(key.strip(), None)
    return list(seen)


def cite(*frames: pd.DataFrame, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of the sources table behind ``frames`` (loaded or filtered), in citation order."""
    sources = load_sources() if sources is None else sources
    ids = source_ids(*frames)
    table = sources.set_index("id").loc[[i for i in ids if i in set(sources["id"])]]
    return table.reset_index()


def source_line(*frames: pd.DataFrame, sources: pd.DataFrame | None = None, limit: int | None = 12) -> str:
    """A short attribution for a chart: the publishers of the sources behind ``frames``.

    Publishers of the rows' main sources come first, then those of corroborating sources. Past
    ``limit`` publishers the rest are counted, not named: under a map of a dozen bases the full
    list runs to some 80 documents. Every document stays listed in ``data/sources.csv``.
    """
    cited = cite(*frames, sources=sources)
    if cited.empty:
        return "none"
    main = {i for f in frames if "source_id" in f.columns for i in f["source_id"].dropna()}
    ordered = cited.assign(main=~cited["id"].isin(main)).sort_values("main", kind="stable")
    publishers = list(dict.fromkeys(ordered["publisher"]))
    shown = publishers if limit is None else publishers[:limit]
    text = "; ".join(shown)
    if len(publishers) > len(shown):
        text += f" and {len(publishers) - len(shown)} other publishers"
    n = len(cited)
    return f"{text} ({n} document{'s' if n != 1 else ''}, listed in data/sources.csv)"
