"""Loading the curated tables in ``data/``: typed, validated frames.

Every table is declared once, in ``data/datapackage.json`` (read by :mod:`sahel_analysis.schema`).
The loaders read the CSV as text, parse each declared type themselves (so a bad date names its
row), check the declared constraints with the pandera schema generated from the same declaration,
then check the foreign keys. Every failure in a file is collected and raised together as one
``DataError``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sahel_analysis import select
from sahel_analysis.errors import DataError, Problem, display_path, unreadable
from sahel_analysis.paths import DATA_DIR
from sahel_analysis.schema import (
    LIST_SEPARATOR,
    NO_NUL_TEXT,
    NOT_BLANK_TEXT,
    TRIMMED_TEXT,
    fields,
    pandera_schema,
    references,
    resource,
    row_rules,
    rule_text,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd


def _path(name: str, path: str | os.PathLike[str] | None) -> Path:
    return Path(path).expanduser() if path is not None else DATA_DIR / resource(name)["path"]


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"}
_INT64_MAX = 2**63 - 1
_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


def _integer(text: str) -> tuple[int | None, str]:
    if not _INTEGER.fullmatch(text):
        return None, "an integer"
    value = int(text)
    if abs(value) > _INT64_MAX:
        return None, f"an integer no larger than {_INT64_MAX:,} in magnitude"
    return value, ""


def _number(text: str) -> tuple[float | None, str]:
    if text.lower() in _NON_FINITE:
        return None, "a finite number"
    if not _NUMBER.fullmatch(text):
        return None, "a number"
    value = float(text)
    if not math.isfinite(value):  # 1e999
        return None, "a finite number (this one overflows)"
    return value, ""


@dataclass
class _Csv:
    """A CSV file's header, rows (text cells, None for empty) and the physical line each row starts on."""

    header: list[str]
    rows: list[list[str | None]]
    lines: list[int]


def _read_csv(name: str, file_path: Path, file: str) -> tuple[_Csv, list[Problem]]:
    """Read a CSV as text cells, keeping physical line numbers (a quoted cell may span lines).

    File-level faults (unreadable, empty, not CSV, a wrong header) raise ``DataError`` at once;
    faults of single cells (bad bytes, NUL, spaces, a wrong number of cells) are returned.
    """
    declared = [f["name"] for f in fields(name)]
    try:
        data = file_path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(file, None, None, None, f"a readable file ({exc.strerror})")]) from None
    if not data.strip():
        rule = f"a header line naming the columns {', '.join(declared)} (the file is empty)"
        raise DataError([Problem(file, 1, None, None, rule)])
    try:
        text, bad_bytes = data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        text, bad_bytes = data.decode("utf-8-sig", errors="replace"), True
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            if cells:  # a blank line is not a row
                records.append((last + 1, cells))
            last = reader.line_num
    except csv.Error as exc:
        raise DataError([Problem(file, reader.line_num, None, None, f"well-formed CSV ({exc})")]) from None
    header_line, header = records[0]
    problems = [
        *(
            Problem(file, header_line, c, None, "this declared column in the header")
            for c in declared
            if c not in header
        ),
        *(
            Problem(file, header_line, c, c, f"only the declared columns: {', '.join(declared)}")
            for c in dict.fromkeys(header)
            if c not in declared
        ),
        *(
            Problem(file, header_line, c, c, "each column named once in the header")
            for c in dict.fromkeys(header)
            if c in declared and header.count(c) > 1
        ),
    ]
    if problems:
        raise DataError(problems)
    table = _Csv(header, [], [])
    for line, cells in records[1:]:
        if len(cells) != len(header):
            rule = f"{len(header)} cells, one per column of the header"
            problems.append(Problem(file, line, None, f"{len(cells)} cells", rule))
            continue
        row: list[str | None] = []
        for column, cell in zip(header, cells, strict=True):
            problem = _cell_problem(cell, bad_bytes)
            if problem:
                problems.append(Problem(file, line, column, cell, problem))
            row.append(cell or None)
        table.rows.append(row)
        table.lines.append(line)
    return table, problems


def _cell_problem(cell: str, bad_bytes: bool) -> str:
    """What a cell's text breaks, whatever its column ('' if nothing)."""
    if bad_bytes and "\ufffd" in cell:
        return "UTF-8 text (the cell holds bytes that are not UTF-8; save the file as UTF-8)"
    if "\x00" in cell:
        return NO_NUL_TEXT
    if cell and not cell.strip():
        return NOT_BLANK_TEXT
    if cell != cell.strip():
        return TRIMMED_TEXT
    return ""


def _parse_types(
    frame: pd.DataFrame, name: str, file: str, lines: list[int], skip: set[tuple[int, str]]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn the text columns into their declared types; a value that does not parse is a Problem."""
    import pandas as pd

    problems: list[Problem] = []
    out = frame.copy()
    for field in fields(name):
        col, kind = field["name"], field.get("type", "string")
        raw = frame[col]
        if kind == "string":
            continue
        checked = [value is not None and (lines[idx], col) not in skip for idx, value in enumerate(raw)]
        if kind == "date":
            dates = pd.to_datetime(raw.where(checked), format="%Y-%m-%d", errors="coerce")
            for idx in raw.index[dates.isna() & pd.Series(checked, index=raw.index)]:
                problems.append(Problem(file, lines[idx], col, raw[idx], "a date as YYYY-MM-DD"))
            out[col] = dates.astype("datetime64[ns]")
            continue
        parsed: list[Any] = []
        for idx, value in enumerate(raw):
            result, rule = None, ""
            if checked[idx]:
                if kind == "integer":
                    result, rule = _integer(value)
                elif kind == "number":
                    result, rule = _number(value)
                elif kind == "boolean":
                    result = True if value in _TRUE else False if value in _FALSE else None
                    rule = "" if result is not None else "true or false"
                if rule:
                    problems.append(Problem(file, lines[idx], col, value, rule))
                    result = None
            parsed.append(result)
        dtype = {"date": "datetime64[ns]", "integer": "Int64", "number": "float64", "boolean": "boolean"}[
            kind
        ]
        out[col] = pd.Series(parsed, index=raw.index, dtype=object).astype(dtype)
    return out, problems


def _check_constraints(
    frame: pd.DataFrame, name: str, file: str, lines: list[int], skip: set[tuple[int, str]]
) -> list[Problem]:
    import pandera.errors

    try:
        pandera_schema(name).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        problems = []
        for case in err.failure_cases.itertuples(index=False):
            col, idx = case.column, case.index
            line = None if idx is None or idx != idx else lines[int(idx)]
            if (line, col) in skip:  # already reported; a NaN there is not news
                continue
            problems.append(Problem(file, line, col, case.failure_case, rule_text(str(case.check))))
        return problems
    return []


def _check_rows(
    typed: pd.DataFrame, raw: pd.DataFrame, name: str, file: str, lines: list[int]
) -> list[Problem]:
    """The cross-field rules declared in :data:`sahel_analysis.schema.ROW_RULES`."""
    problems = []
    for rule in row_rules(name):
        below = typed[rule.column].notna() & typed[rule.other].notna()
        below &= typed[rule.column] < typed[rule.other]
        for idx in typed.index[below.fillna(False).to_numpy(dtype=bool)]:
            value, other = raw.at[idx, rule.column], raw.at[idx, rule.other]
            problems.append(Problem(file, lines[idx], rule.column, value, rule.text(other)))
    return problems


def _check_keys(
    frame: pd.DataFrame, name: str, file: str, path: Path, lines: list[int], skip: set[tuple[int, str]]
) -> list[Problem]:
    """Foreign keys, plus the ';'-separated source lists that Table Schema cannot declare."""
    problems = []
    for col, target in references(name).items():
        known = _ids(target, path.parent)
        for idx, value in frame[col].dropna().items():
            if (lines[idx], col) in skip:
                continue
            for key in str(value).split(LIST_SEPARATOR):
                if key not in known:
                    problems.append(Problem(file, lines[idx], col, key, f"an id from {target}.csv"))
    return problems


def _ref_path(target: str, folder: Path) -> Path:
    """A referenced table: beside the file being loaded if there is one, else the shipped one."""
    candidate = folder / resource(target)["path"]
    return candidate if candidate.exists() else _path(target, None)


def _ids(target: str, folder: Path) -> set[str]:
    # Read as the loader reads it, so a broken referenced file is named; its cells are that
    # table's own loader's business.
    path = _ref_path(target, folder)
    if (problem := unreadable(path, f"the {target} table, a CSV file")) is not None:
        raise DataError([problem])
    table, _ = _read_csv(target, path, display_path(path))
    column = table.header.index("id")
    return {row[column] for row in table.rows if row[column] is not None}


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
    if (problem := unreadable(file_path, f"the {name} table, a CSV file")) is not None:
        raise DataError([problem])
    file = display_path(file_path)
    key = _signature(name, file_path)
    if key not in _MEMO:
        _MEMO[key] = _read_table(name, file_path, file)
    frame = _MEMO[key].copy()
    frame.attrs.update(_MEMO[key].attrs)
    return frame


def _read_table(name: str, file_path: Path, file: str) -> pd.DataFrame:
    import pandas as pd

    table, problems = _read_csv(name, file_path, file)
    declared = [f["name"] for f in fields(name)]
    raw = pd.DataFrame(table.rows, columns=table.header, dtype=object)[declared]
    lines = table.lines
    skip = {(p.line, p.column) for p in problems}
    typed, type_problems = _parse_types(raw, name, file, lines, skip)
    problems += type_problems
    skip |= {(p.line, p.column) for p in type_problems}
    problems += _check_constraints(typed, name, file, lines, skip)
    problems += _check_rows(typed, raw, name, file, lines)
    problems += _check_keys(typed, name, file, file_path, lines, skip)
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
    """Dated events, 2012 to January 2026, sorted by date; with ``as_of``, only those that had happened by then."""
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


def load_cpi(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """INSEE's annual consumer price index, indexed by year."""
    return read_table("cpi", path).sort_values("year").reset_index(drop=True)
