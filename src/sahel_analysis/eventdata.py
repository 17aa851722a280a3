"""Read ACLED and UCDP GED exports that users bring, into one typed event frame.

Neither dataset can ship with the package (licence and size), so these loaders read the files
users download: ACLED as CSV, zipped CSV or Excel (.xlsx); UCDP GED as CSV, zipped CSV or Excel.
The file type is recognised from its bytes, not its extension.

The frame
---------
Both loaders return the same columns first (`COMMON_COLUMNS`):

==================  ====================  ======================================================
column              dtype                 ACLED / UCDP GED source
==================  ====================  ======================================================
date                datetime64[s]         event_date / date_start
date_precision      ordered category      time_precision 1,2,3 -> day, week, month /
                                          date_prec 1 -> day, 2,3 -> week, 4 -> month, 5 -> year
event_type          str                   event_type / type_of_violence 1,2,3 ->
                                          State-based conflict, Non-state conflict,
                                          One-sided violence
actor1, actor2      str                   actor1, actor2 / side_a, side_b
country             str                   country / country
admin1              str                   admin1 / adm_1 (UCDP often adds "region", "province")
location            str                   location / where_coordinates
latitude            float64               latitude / latitude (WGS84 decimal degrees)
longitude           float64               longitude / longitude
fatalities_best     Int64                 fatalities / best
fatalities_low      Int64                 <NA> (ACLED gives one figure) / low
fatalities_high     Int64                 <NA> / high
dataset             category              "ACLED" / "UCDP GED"
source              str                   source / source_office
original_id         str                   event_id_cnty / id
accessed            datetime64[s]         the day the file was obtained (see below)
==================  ====================  ======================================================

Every column of the original file follows, unchanged in value, its name lower-cased and prefixed
with ``acled_`` or ``ucdp_`` (``acled_notes``, ``ucdp_source_article``...). The prefix keeps the
two datasets apart when their frames are concatenated (`concat_events`), since both use names
like ``latitude`` and ``country`` with different meanings. Integer columns are nullable
``Int64``, coordinates ``float64``, everything else ``str``; UCDP's many id columns stay text.

``accessed`` is what both datasets ask users to cite with the data. It defaults to the file's
modification time, which is when it was downloaded unless it has been touched since; pass
``accessed=`` to say otherwise.

Errors
------
A file of the wrong kind, or lacking columns the loader needs, raises `EventDataError` naming the
file, the missing columns and the format the file looks like. A bad value (unreadable date,
coordinate out of range, unknown precision code...) raises `EventDataError` naming the file, the
line (CSV) or row (Excel), the column and the value; the error also says how many other rows
have the same problem.

Cache
-----
Parsing a large export takes seconds, so the parsed frame is cached under the SHA-256 of the
input file's bytes (plus a fingerprint of this module, so a change in parsing code invalidates
it). The cache is an uncompressed Arrow IPC (Feather v2) file, memory-mapped on reading, not
Parquet: on the 1,000,000-row benchmark file, writing snappy Parquet took twice as long and
reading it back eight times as long (2.2 s against 0.26 s), which would have missed the target
of a cached load five times faster than parsing. The price is disk space, about 1.3 times the
CSV. Columns that repeat an original one (``actor1`` and ``acled_actor1``) are stored once.
To avoid re-reading the input just to hash it, a small index maps (path, size, mtime, inode)
to the hash. Files are written to a temporary name and renamed, so an interrupted run never
leaves a half-written entry. The directory is ``$SAHEL_ANALYSIS_CACHE``, else
``$XDG_CACHE_HOME/sahel-analysis``, else ``~/.cache/sahel-analysis``; pass ``cache=<dir>`` to
choose, ``cache=False`` to disable. The most recently used entries are kept, at most
`_CACHE_KEEP` of them and `_CACHE_MAX_BYTES` in all (the newest is always kept).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis.errors import NotebookSkipped

if TYPE_CHECKING:
    import pyarrow as pa
    from matplotlib.axes import Axes

__all__ = [
    "ACLED_COLUMNS",
    "COMMON_COLUMNS",
    "DATASETS",
    "EventDataError",
    "NotebookSkipped",
    "UCDP_GED_COLUMNS",
    "check_event_params",
    "clear_cache",
    "concat_events",
    "event_source_line",
    "filter_events",
    "how_to_obtain",
    "load_acled",
    "load_ucdp_ged",
    "monthly_counts",
    "plot_event_counts",
    "plot_event_map",
]

PathLike = str | os.PathLike[str]
CacheOption = bool | str | os.PathLike[str]


class EventDataError(ValueError):
    """An event file of the wrong kind, with missing columns, or with a bad value.

    Attributes carry the details so that callers (and tests) need not parse the message:
    ``path``, ``missing`` (columns), ``looks_like`` (a format name or None), ``column``,
    ``line`` (CSV line, header = 1; Excel row), ``value``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        missing: Sequence[str] = (),
        looks_like: str | None = None,
        column: str | None = None,
        line: int | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.missing = tuple(missing)
        self.looks_like = looks_like
        self.column = column
        self.line = line
        self.value = value


# --------------------------------------------------------------------------------------------
# Formats

# fmt: off
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
UCDP_GED_COLUMNS: tuple[str, ...] = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude",
    "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
COMMON_COLUMNS: tuple[str, ...] = (
    "date", "date_precision", "event_type", "actor1", "actor2", "country", "admin1", "location",
    "latitude", "longitude", "fatalities_best", "fatalities_low", "fatalities_high", "dataset",
    "source", "original_id", "accessed",
)
# fmt: on
DATASETS: tuple[str, ...] = ("ACLED", "UCDP GED")
PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")

_PRECISION_DTYPE = pd.CategoricalDtype(list(PRECISIONS), ordered=True)
_DATASET_DTYPE = pd.CategoricalDtype(list(DATASETS))

# ACLED codebook: 1 the day is known, 2 only the week (or weekend), 3 only the month.
_ACLED_PRECISION = {1: "day", 2: "week", 3: "month"}
# UCDP GED codebook: 1 exact day, 2 within 2-6 days, 3 within a week, 4 within 8-30 days or the
# month, 5 within more than a month but inside the calendar year.
_UCDP_PRECISION = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
_UCDP_VIOLENCE = {1: "State-based conflict", 2: "Non-state conflict", 3: "One-sided violence"}

# Attribution each dataset asks for, used in the source line under charts.
ATTRIBUTION: Mapping[str, str] = {
    "ACLED": "ACLED, Armed Conflict Location & Event Data, acleddata.com",
    "UCDP GED": "UCDP Georeferenced Event Dataset, Uppsala University, ucdp.uu.se (CC BY 4.0)",
}


@dataclass(frozen=True)
class _Format:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    ints: frozenset[str] = frozenset()
    floats: frozenset[str] = frozenset()
    loader: str | None = None
    prefix: str = ""
    # (common column, original column) pairs whose values are identical. They share memory in
    # the frame and are stored once in the cache.
    aliases: tuple[tuple[str, str], ...] = ()

    def dtype(self, column: str) -> str:
        if column in self.ints:
            return "Int64"
        if column in self.floats:
            return "float64"
        return "str"


_ACLED = _Format(
    name="ACLED",
    columns=ACLED_COLUMNS,
    required=(
        "event_id_cnty",
        "event_date",
        "time_precision",
        "event_type",
        "actor1",
        "actor2",
        "country",
        "admin1",
        "location",
        "latitude",
        "longitude",
        "source",
        "fatalities",
    ),
    # inter1, inter2 and interaction are numeric codes in older exports and text labels in newer
    # ones, so they stay text.
    ints=frozenset({"year", "time_precision", "iso", "geo_precision", "fatalities", "timestamp"}),
    floats=frozenset({"latitude", "longitude"}),
    loader="load_acled",
    prefix="acled_",
    aliases=(
        ("event_type", "event_type"),
        ("actor1", "actor1"),
        ("actor2", "actor2"),
        ("country", "country"),
        ("admin1", "admin1"),
        ("location", "location"),
        ("latitude", "latitude"),
        ("longitude", "longitude"),
        ("fatalities_best", "fatalities"),
        ("source", "source"),
        ("original_id", "event_id_cnty"),
    ),
)
_UCDP_GED = _Format(
    name="UCDP GED",
    columns=UCDP_GED_COLUMNS,
    required=(
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "source_office",
        "where_coordinates",
        "adm_1",
        "latitude",
        "longitude",
        "country",
        "date_prec",
        "date_start",
        "best",
        "high",
        "low",
    ),
    # The *_dset_id, *_new_id and gwno columns can hold lists ("2, 200"), so they stay text.
    ints=frozenset(
        {
            "id",
            "year",
            "active_year",
            "type_of_violence",
            "number_of_sources",
            "where_prec",
            "priogrid_gid",
            "country_id",
            "event_clarity",
            "date_prec",
            "deaths_a",
            "deaths_b",
            "deaths_civilians",
            "deaths_unknown",
            "best",
            "high",
            "low",
        }
    ),
    floats=frozenset({"latitude", "longitude"}),
    loader="load_ucdp_ged",
    prefix="ucdp_",
    aliases=(
        ("actor1", "side_a"),
        ("actor2", "side_b"),
        ("country", "country"),
        ("admin1", "adm_1"),
        ("location", "where_coordinates"),
        ("latitude", "latitude"),
        ("longitude", "longitude"),
        ("fatalities_best", "best"),
        ("fatalities_low", "low"),
        ("fatalities_high", "high"),
        ("source", "source_office"),
    ),
)
# Formats we cannot read but can recognise, so the error says what the file is.
# fmt: off
_LOOKALIKES = (
    _Format("ACLED (pre-2023 column set)", (
        "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
        "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
        "inter2", "interaction", "region", "country", "admin1", "admin2", "admin3", "location",
        "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities",
        "timestamp", "iso3",
    )),
    _Format("ACLED aggregated weekly data (counts per admin1, not events)", (
        "week", "region", "country", "admin1", "event_type", "sub_event_type", "events", "fatalities",
        "population_exposure", "disorder_type", "id", "centroid_latitude", "centroid_longitude",
    )),
    _Format("UCDP/PRIO Armed Conflict Dataset (conflict-years, not events)", (
        "conflict_id", "location", "side_a", "side_a_id", "side_a_2nd", "side_b", "side_b_id",
        "side_b_2nd", "incompatibility", "territory_name", "year", "intensity_level",
        "cumulative_intensity", "type_of_conflict", "start_date", "start_prec", "start_date2",
        "start_prec2", "ep_end", "ep_end_date", "ep_end_prec", "gwno_a", "gwno_a_2nd", "gwno_b",
        "gwno_b_2nd", "gwno_loc", "region", "version",
    )),
)
# fmt: on


def _looks_like(header: Iterable[str]) -> tuple[_Format, int] | None:
    """The known format whose columns best cover this header, if at least half are present."""
    names = set(header)
    best: tuple[_Format, int] | None = None
    for fmt in (_ACLED, _UCDP_GED, *_LOOKALIKES):
        hits = len(names & set(fmt.columns))
        if hits * 2 >= len(fmt.columns) and (
            best is None or hits / len(fmt.columns) > best[1] / len(best[0].columns)
        ):
            best = (fmt, hits)
    return best


# --------------------------------------------------------------------------------------------
# Reading files


@dataclass
class _Source:
    """Where the rows came from: used to name file, line and sheet in error messages."""

    path: Path
    container: Literal["csv", "zip", "excel"]
    member: str | None = None  # CSV inside a zip
    sheet: str | None = None  # Excel sheet
    header: list[str] = field(default_factory=list)  # as written in the file

    @property
    def label(self) -> str:
        if self.member:
            return f"{self.path} (member {self.member})"
        if self.sheet:
            return f"{self.path} (sheet {self.sheet!r})"
        return str(self.path)

    @contextmanager
    def open_text(self) -> Iterator[IO[str]]:
        with self.open_binary() as raw:
            yield io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        if self.container == "zip":
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member or "") as fh:
                yield fh
        else:
            with open(self.path, "rb") as fh:
                yield fh

    def lines_of(self, rows: Sequence[int]) -> dict[int, int]:
        """Line numbers (header = 1) where the given 0-based data rows start.

        Excel rows are the sheet's row numbers. For CSV the file is scanned again, because a
        quoted field (ACLED's notes) may span lines; this runs only when reporting an error.
        """
        if self.container == "excel":
            return {r: r + 2 for r in rows}
        wanted = set(rows)
        found: dict[int, int] = {}
        with self.open_text() as text:
            reader = csv.reader(text)
            last_line = 0
            record = -1  # the header is record -1
            for fields in reader:
                if fields:  # pyarrow skips blank lines, so they are not records
                    if record in wanted:
                        found[record] = last_line + 1
                        if len(found) == len(wanted):
                            break
                    record += 1
                last_line = reader.line_num
        return found

    def fail(self, column: str, rows: np.ndarray, values: pd.Series, problem: str) -> None:
        """Raise an EventDataError naming the first bad row, and how many more there are."""
        rows = np.asarray(rows)
        first = int(rows[0])
        shown = [int(r) for r in rows[:3]]
        lines = self.lines_of(shown)
        where = "row" if self.container == "excel" else "line"
        value = values.iloc[first]
        value = None if pd.isna(value) else value
        shown_value = "an empty cell" if value is None else repr(value)
        message = (
            f"{self.label}, {where} {lines.get(first, first + 2)}, column "
            f"{self.header_name(column)!r}: {problem}: {shown_value}"
        )
        if len(rows) > 1:
            others = ", ".join(str(lines.get(r, r + 2)) for r in shown[1:])
            message += (
                f" ({len(rows) - 1:,} more row{'s' if len(rows) > 2 else ''} like this,"
                f" e.g. {where} {others})"
            )
        raise EventDataError(
            message, path=self.path, column=column, line=lines.get(first, first + 2), value=value
        )

    def header_name(self, column: str) -> str:
        for name in self.header:
            if _normalise(name) == column:
                return name
        return column


def _normalise(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").strip().lower()


def _open_source(path: Path) -> _Source:
    """Recognise the container (CSV, zipped CSV, Excel) from the file's first bytes."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile as exc:
            raise EventDataError(f"{path}: damaged zip file ({exc})", path=path) from exc
        if "xl/workbook.xml" in names:
            return _Source(path, "excel")
        csvs = [n for n in names if n.lower().endswith((".csv", ".txt")) and not n.startswith("__MACOSX/")]
        if len(csvs) != 1:
            what = "no CSV file" if not csvs else f"{len(csvs)} CSV files"
            raise EventDataError(
                f"{path}: zip archive holds {what}; expected exactly one "
                f"(members: {', '.join(names[:10])}{', ...' if len(names) > 10 else ''})",
                path=path,
            )
        return _Source(path, "zip", member=csvs[0])
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise EventDataError(
            f"{path}: this is an old-style Excel .xls file; save it as .xlsx or CSV", path=path
        )
    return _Source(path, "csv")


def _read_header(source: _Source) -> list[str]:
    if source.container == "excel":
        import openpyxl

        wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            source.sheet = ws.title
            first = next(ws.iter_rows(max_row=1, values_only=True), ())
        finally:
            wb.close()
        header = ["" if v is None else str(v) for v in first]
    else:
        try:
            with source.open_text() as text:
                header = next(csv.reader(text), [])
        except csv.Error as exc:
            raise EventDataError(
                f"{source.label}: not a readable CSV file ({exc})", path=source.path
            ) from exc
    while header and not header[-1].strip():  # trailing empty cells in spreadsheets
        header.pop()
    source.header = header
    return header


def _check_columns(source: _Source, fmt: _Format) -> None:
    header = [_normalise(h) for h in source.header]
    missing = [c for c in fmt.required if c not in header]
    if not missing:
        return
    guess = _looks_like(header)
    guessed = guess[0] if guess else None
    lead = f"{source.label}: not a usable {fmt.name} export: missing column"
    message = f"{lead}{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
    if guessed is not None and guessed is not fmt:
        hits = guess[1] if guess else 0
        message += (
            f" The file looks like {guessed.name}, not {fmt.name} "
            f"({hits} of its {len(guessed.columns)} columns are present)"
        )
        message += f"; read it with {guessed.loader}()." if guessed.loader else "."
    elif guessed is fmt:
        message += (
            f" The other columns look like {fmt.name}; was the export made with some columns switched off?"
        )
    else:
        shown = ", ".join(repr(h) for h in source.header[:8]) or "nothing"
        more = ", ..." if len(source.header) > 8 else ""
        message += (
            f" The file does not look like ACLED or UCDP GED either; its first row holds {shown}{more}."
        )
    raise EventDataError(
        message, path=source.path, missing=missing, looks_like=guessed.name if guessed else None
    )


def _read_table(source: _Source, fmt: _Format) -> pd.DataFrame:
    """The file's columns, typed as `fmt` declares, named in lower case."""
    if source.container == "excel":
        raw = pd.read_excel(source.path, sheet_name=0, dtype=object, engine="openpyxl")
        raw = raw.iloc[:, : len(source.header)]
        raw.columns = [_normalise(c) for c in source.header]
        return _coerce(raw, fmt, source)
    try:
        return _read_csv_typed(source, fmt)
    except _TypedReadFailed:
        # Some value does not fit its declared type. Read everything as text and convert
        # column by column, which can say exactly where the bad value is.
        import pyarrow as pa

        raw = _read_csv_arrow(source, {h: pa.string() for h in source.header})
        return _coerce(raw, fmt, source)


class _TypedReadFailed(Exception):
    pass


def _read_csv_typed(source: _Source, fmt: _Format) -> pd.DataFrame:
    import pyarrow as pa

    arrow_types = {"Int64": pa.int64(), "float64": pa.float64(), "str": pa.string()}
    types = {}
    for name in source.header:
        column = _normalise(name)
        if column in fmt.columns:
            types[name] = arrow_types[fmt.dtype(column)]
    try:
        return _read_csv_arrow(source, types)
    except pa.ArrowInvalid as exc:
        if "conversion error" in str(exc) or "CSV conversion" in str(exc):
            raise _TypedReadFailed from exc
        raise


def _read_csv_arrow(source: _Source, types: Mapping[str, pa.DataType]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    convert = pacsv.ConvertOptions(
        column_types=dict(types), null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    # pyarrow reads the header itself; our copy only names columns in messages.
    read = pacsv.ReadOptions()
    # ACLED notes may hold line breaks inside quotes; that needs the slower chunker, so try the
    # fast one first.
    for newlines in (False, True):
        try:
            parse = pacsv.ParseOptions(newlines_in_values=newlines)
            if source.container == "zip":
                with source.open_binary() as fh:
                    table = pacsv.read_csv(
                        fh, read_options=read, parse_options=parse, convert_options=convert
                    )
            else:
                table = pacsv.read_csv(
                    source.path, read_options=read, parse_options=parse, convert_options=convert
                )
            break
        except pa.ArrowInvalid as exc:
            text = str(exc)
            if "CSV parse error" not in text:
                raise
            if newlines:
                raise EventDataError(
                    f"{source.label}: not a well-formed CSV file ({text})", path=source.path
                ) from exc
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame.columns = [_normalise(c) for c in frame.columns]
    return frame


def _coerce(raw: pd.DataFrame, fmt: _Format, source: _Source) -> pd.DataFrame:
    """Convert text or spreadsheet cells to the declared dtypes, naming the first bad value."""
    out = {}
    for column in raw.columns:
        values = raw[column]
        kind = fmt.dtype(column) if column in fmt.columns else None
        if kind in ("Int64", "float64"):
            numbers = pd.to_numeric(
                values.map(_strip) if values.dtype == object else values.str.strip(), errors="coerce"
            )
            bad = values.notna() & numbers.isna()
            if kind == "Int64":
                bad |= numbers.notna() & (numbers % 1 != 0)
            if bad.any():
                problem = "not an integer" if kind == "Int64" else "not a number"
                source.fail(column, np.flatnonzero(bad.to_numpy()), values, problem)
            out[column] = numbers.astype(kind)
        elif values.dtype == object:
            out[column] = values.map(_cell_text).astype("str")
        else:
            out[column] = values
    return pd.DataFrame(out)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _cell_text(value: object) -> object:
    """Spreadsheet cell -> text, as it would read in the CSV export."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


# --------------------------------------------------------------------------------------------
# Values

# English names, matched here rather than with strptime's %B, which follows the locale.
_MONTH_NAMES = "january february march april may june july august september october november december"
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES.split(), start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9

_DATE_PATTERNS = (
    # ISO, with the time part spreadsheets and UCDP add ("2024-05-16 00:00:00.000")
    (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T][\d:.]+)?$"), False),
    # 16-05-2024, ACLED's documented format (day first)
    (re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})$"), False),
    # 16 May 2024, as ACLED's export tool writes it
    (re.compile(r"^(?P<d>\d{1,2})[ -](?P<m>[A-Za-z]+)\.?,?[ -](?P<y>\d{4})$"), True),
)


def _parse_dates(values: pd.Series) -> np.ndarray:
    """Text dates in any of the accepted styles -> datetime64[s], NaT where unreadable.

    Exports repeat each day many times, so each distinct string is parsed once and the result
    spread back by position: ~10,000 parses for a 1,000,000-row file.
    """
    codes, uniques = pd.factorize(values)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="str").str.strip()
    year = np.full(len(text), np.nan)
    month, day = year.copy(), year.copy()
    for pattern, named_month in _DATE_PATTERNS:
        todo = np.isnan(year)
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern).dropna(subset=["y"])
        if parts.empty:
            continue
        at = parts.index.to_numpy()
        if named_month:
            month[at] = parts["m"].str.lower().map(_MONTHS).to_numpy(dtype=float, na_value=np.nan)
        else:
            month[at] = parts["m"].astype(float).to_numpy()
        year[at] = parts["y"].astype(float).to_numpy()
        day[at] = parts["d"].astype(float).to_numpy()
    parsed = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")
    table = np.append(parsed.to_numpy(dtype="datetime64[s]"), np.datetime64("NaT", "s"))
    return table[codes]  # code -1 (missing) picks the trailing NaT


def _map_codes(
    source: _Source,
    raw: pd.DataFrame,
    column: str,
    mapping: Mapping[int, str],
    dtype: pd.CategoricalDtype | None = None,
) -> pd.Series | pd.Categorical:
    """Numeric codes -> labels through a lookup array, so no Python runs per row."""
    labels = list(dtype.categories) if dtype is not None else sorted(set(mapping.values()))
    lookup = np.full(max(mapping) + 2, -1, dtype=np.int8)  # last slot: missing or unknown
    for code, label in mapping.items():
        lookup[code] = labels.index(label)
    values = raw[column].to_numpy(dtype="int64", na_value=-1)
    positions = np.where((values >= 0) & (values <= max(mapping)), values, len(lookup) - 1)
    codes = lookup[positions]
    bad = codes < 0
    if bad.any():
        allowed = ", ".join(str(k) for k in mapping)
        source.fail(column, np.flatnonzero(bad), raw[column], f"expected one of {allowed}, got")
    if dtype is not None:
        return pd.Categorical.from_codes(codes, dtype=dtype)
    return pd.Series(np.asarray(labels, dtype=object)[codes], dtype="str")


def _check_dates(source: _Source, raw: pd.DataFrame, column: str) -> np.ndarray:
    dates = _parse_dates(raw[column])
    bad = np.isnat(dates)
    if bad.any():
        source.fail(
            column,
            np.flatnonzero(bad),
            raw[column],
            "not a date in a known style (2024-05-16, 16 May 2024, 16-05-2024)",
        )
    return dates


def _check_range(
    source: _Source, raw: pd.DataFrame, column: str, low: float, high: float | None = None
) -> None:
    values = raw[column]
    inside = values.ge(low) if high is None else values.between(low, high)
    bad = ~inside.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        span = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        problem = "missing" if values.isna().to_numpy()[bad][0] else f"out of range (must be {span})"
        source.fail(column, np.flatnonzero(bad), values, problem)


def _check_coordinates(source: _Source, raw: pd.DataFrame) -> None:
    _check_range(source, raw, "latitude", -90, 90)
    _check_range(source, raw, "longitude", -180, 180)


def _build_acled(raw: pd.DataFrame, source: _Source) -> pd.DataFrame:
    dates = _check_dates(source, raw, "event_date")
    precision = _map_codes(source, raw, "time_precision", _ACLED_PRECISION, _PRECISION_DTYPE)
    _check_coordinates(source, raw)
    _check_range(source, raw, "fatalities", 0)
    rows = len(raw)
    no_figure = np.ones(rows, dtype=bool)  # ACLED gives one fatality figure, not a range
    derived = {
        "date": dates,
        "date_precision": precision,
        "fatalities_low": pd.arrays.IntegerArray(np.zeros(rows, dtype=np.int64), no_figure),
        "fatalities_high": pd.arrays.IntegerArray(np.zeros(rows, dtype=np.int64), no_figure.copy()),
        "dataset": pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), dtype=_DATASET_DTYPE),
    }
    return _assemble(derived, raw, _ACLED)


def _build_ucdp(raw: pd.DataFrame, source: _Source) -> pd.DataFrame:
    dates = _check_dates(source, raw, "date_start")
    precision = _map_codes(source, raw, "date_prec", _UCDP_PRECISION, _PRECISION_DTYPE)
    violence = _map_codes(source, raw, "type_of_violence", _UCDP_VIOLENCE)
    _check_coordinates(source, raw)
    for column in ("best", "low", "high"):
        _check_range(source, raw, column, 0)
    derived = {
        "date": dates,
        "date_precision": precision,
        "event_type": violence,
        "dataset": pd.Categorical.from_codes(np.ones(len(raw), dtype=np.int8), dtype=_DATASET_DTYPE),
        "original_id": raw["id"].astype("str"),
    }
    return _assemble(derived, raw, _UCDP_GED)


def _assemble(derived: dict[str, object], raw: pd.DataFrame, fmt: _Format) -> pd.DataFrame:
    columns = dict(derived)
    columns.update({fmt.prefix + c: raw[c] for c in raw.columns})
    return _with_aliases(pd.DataFrame(columns), fmt)


def _with_aliases(frame: pd.DataFrame, fmt: _Format) -> pd.DataFrame:
    """Add the common columns that repeat an original one, and put the common columns first."""
    for common, original in fmt.aliases:
        frame[common] = frame[fmt.prefix + original]  # shared, not copied (copy-on-write)
    first = [c for c in COMMON_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in COMMON_COLUMNS]]


# --------------------------------------------------------------------------------------------
# Cache

_CACHE_KEEP = 8
_CACHE_MAX_BYTES = 4 << 30
_CACHE_SUFFIX = ".arrow"


@functools.cache
def _code_fingerprint() -> str:
    # Any edit to this module, or a new pandas major version (its metadata is in the file),
    # invalidates earlier cache entries.
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(pd.__version__.split(".")[0].encode())
    return digest.hexdigest()[:12]


def _cache_dir(cache: CacheOption) -> Path | None:
    if cache is False:
        return None
    if cache is True:
        env = os.environ.get("SAHEL_ANALYSIS_CACHE")
        if env:
            return Path(env).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / "sahel-analysis"
    return Path(cache).expanduser()


def _stat_key(path: Path) -> str:
    st = path.stat()
    key = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_dev}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _content_hash(path: Path, directory: Path) -> str:
    """SHA-256 of the file, looked up by stat first so that a warm load does not re-read it."""
    index = directory / "index" / _stat_key(path)
    try:
        known = index.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{64}", known):
            return known
    except OSError:
        pass
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    _write_atomic(index, digest.encode())
    return digest


def _write_atomic(target: Path, data: bytes | Callable[[Path], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _cache_read(entry: Path, fmt: _Format) -> pd.DataFrame | None:
    if not entry.is_file():
        return None
    import pyarrow as pa
    import pyarrow.feather as feather

    try:
        # Memory-mapped: text columns stay in the mapped file rather than being copied.
        table = feather.read_table(entry, memory_map=True)
        frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    except (OSError, pa.ArrowException, ValueError):
        return None  # unreadable entry: parse again and overwrite it
    with suppress(OSError):
        os.utime(entry)  # pruning keeps the most recently used entries
    return _with_aliases(frame, fmt)


def _cache_write(entry: Path, frame: pd.DataFrame, fmt: _Format) -> None:
    import pyarrow.feather as feather

    stored = frame.drop(columns=[common for common, _ in fmt.aliases])

    def write(tmp: Path) -> None:
        feather.write_feather(stored, tmp, compression="uncompressed")

    _write_atomic(entry, write)
    _cache_prune(entry.parent)


def _cache_prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob(f"*{_CACHE_SUFFIX}"):
        with suppress(OSError):  # another process may prune at the same time
            st = entry.stat()
            entries.append((st.st_mtime, st.st_size, entry))
    entries.sort(reverse=True)
    total = 0
    for rank, (_, size, entry) in enumerate(entries):
        total += size
        if rank > 0 and (rank >= _CACHE_KEEP or total > _CACHE_MAX_BYTES):
            with suppress(OSError):  # in use elsewhere (Windows) or already gone
                entry.unlink()


def clear_cache(cache: CacheOption = True) -> int:
    """Delete cached event frames (and the stat index); return how many entries went."""
    directory = _cache_dir(cache)
    if directory is None or not directory.is_dir():
        return 0
    removed = 0
    for entry in directory.glob(f"*{_CACHE_SUFFIX}"):
        entry.unlink(missing_ok=True)
        removed += 1
    for entry in (directory / "index").glob("*"):
        entry.unlink(missing_ok=True)
    return removed


# --------------------------------------------------------------------------------------------
# Loaders


def _load(
    path: PathLike,
    fmt: _Format,
    build: Callable[[pd.DataFrame, _Source], pd.DataFrame],
    cache: CacheOption,
    accessed: dt.date | str | None,
) -> pd.DataFrame:
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    day = _accessed_day(path, accessed)
    directory = _cache_dir(cache)
    entry = None
    if directory is not None:
        try:
            digest = _content_hash(path, directory)
            key = fmt.prefix.rstrip("_")
            entry = directory / f"{key}-{digest[:32]}-{_code_fingerprint()}{_CACHE_SUFFIX}"
            frame = _cache_read(entry, fmt)
            if frame is not None:
                return _with_accessed(frame, day)
        except OSError as exc:
            warnings.warn(f"event cache unavailable ({exc}); reading without it", stacklevel=3)
            entry = None
    source = _open_source(path)
    _read_header(source)
    _check_columns(source, fmt)
    frame = build(_read_table(source, fmt), source)
    if entry is not None:
        try:
            _cache_write(entry, frame, fmt)
        except OSError as exc:
            warnings.warn(f"could not write event cache {entry} ({exc})", stacklevel=3)
    return _with_accessed(frame, day)


def _accessed_day(path: Path, accessed: dt.date | str | None) -> np.datetime64:
    if accessed is None:
        day = dt.date.fromtimestamp(path.stat().st_mtime)
    elif isinstance(accessed, dt.date):
        day = accessed if not isinstance(accessed, dt.datetime) else accessed.date()
    else:
        try:
            day = dt.date.fromisoformat(str(accessed))
        except ValueError as exc:
            raise ValueError(f"accessed must be a date like 2025-05-16, not {accessed!r}") from exc
    return np.datetime64(day.isoformat(), "s")


def _with_accessed(frame: pd.DataFrame, day: np.datetime64) -> pd.DataFrame:
    # Not cached: the same file may be re-downloaded on another day with identical bytes.
    position = list(frame.columns).index("original_id") + 1
    accessed = np.full(len(frame), day, dtype="datetime64[s]")
    if "accessed" in frame.columns:
        frame["accessed"] = accessed
    else:
        frame.insert(position, "accessed", accessed)
    return frame


def load_acled(
    path: PathLike, *, cache: CacheOption = True, accessed: dt.date | str | None = None
) -> pd.DataFrame:
    """Read an ACLED export (CSV, zipped CSV or .xlsx) into the common event frame.

    ``event_date`` may be ISO (2025-05-16), ACLED's "16 May 2025" or dd-mm-yyyy, even mixed.
    ``cache``: True (default directory), False, or a directory. ``accessed``: the day the file
    was downloaded, for the attribution; defaults to the file's modification date.
    Raises `EventDataError` for a file of the wrong kind, missing columns or a bad value.
    """
    return _load(path, _ACLED, _build_acled, cache, accessed)


def load_ucdp_ged(
    path: PathLike, *, cache: CacheOption = True, accessed: dt.date | str | None = None
) -> pd.DataFrame:
    """Read a UCDP GED file (v24/v25 columns; CSV, zipped CSV or .xlsx) into the common frame.

    ``event_type`` holds UCDP's type of violence in words. Same options and errors as
    `load_acled`.
    """
    return _load(path, _UCDP_GED, _build_ucdp, cache, accessed)


# --------------------------------------------------------------------------------------------
# Working with loaded frames


def concat_events(*frames: pd.DataFrame) -> pd.DataFrame:
    """Stack event frames (ACLED and UCDP GED alike); common columns first, then each prefix."""
    frames = tuple(f for f in frames if f is not None)
    if not frames:
        return _empty_frame()
    combined = pd.concat(frames, ignore_index=True, sort=False)
    # Categories are identical across loaders, so concat keeps them; re-assert in case a caller
    # built a frame by hand.
    combined["date_precision"] = combined["date_precision"].astype(_PRECISION_DTYPE)
    combined["dataset"] = combined["dataset"].astype(_DATASET_DTYPE)
    originals = [c for c in combined.columns if c not in COMMON_COLUMNS]
    return combined[[*COMMON_COLUMNS, *originals]]


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[s]"),
            "date_precision": pd.Series([], dtype=_PRECISION_DTYPE),
            **{
                c: pd.Series([], dtype="str")
                for c in ("event_type", "actor1", "actor2", "country", "admin1", "location")
            },
            "latitude": pd.Series([], dtype="float64"),
            "longitude": pd.Series([], dtype="float64"),
            **{
                c: pd.Series([], dtype="Int64")
                for c in ("fatalities_best", "fatalities_low", "fatalities_high")
            },
            "dataset": pd.Series([], dtype=_DATASET_DTYPE),
            "source": pd.Series([], dtype="str"),
            "original_id": pd.Series([], dtype="str"),
            "accessed": pd.Series([], dtype="datetime64[s]"),
        }
    )


def filter_events(
    events: pd.DataFrame,
    *,
    country: str | Sequence[str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    event_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows for the given country name(s), inclusive date range and event types.

    Names are matched case-insensitively. An event type that occurs nowhere in the frame is an
    error listing those that do, since a typo would otherwise silently empty the chart.
    """
    keep = np.ones(len(events), dtype=bool)
    if country is not None:
        wanted = {country.casefold()} if isinstance(country, str) else {c.casefold() for c in country}
        keep &= events["country"].str.casefold().isin(wanted).to_numpy()
    if start is not None:
        keep &= (events["date"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (events["date"] <= pd.Timestamp(end)).to_numpy()
    if event_types:
        present = {t.casefold(): t for t in events["event_type"].dropna().unique()}
        unknown = [t for t in event_types if t.casefold() not in present]
        if unknown:
            from sahel_analysis.params import ParameterError

            raise ParameterError(
                f"event_types: unknown event type(s) {', '.join(map(repr, unknown))}; the data holds: "
                f"{', '.join(sorted(present.values()))}"
            )
        keep &= events["event_type"].str.casefold().isin([t.casefold() for t in event_types]).to_numpy()
    return events.loc[keep].reset_index(drop=True)


def monthly_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Events and best-estimate fatalities per calendar month and dataset.

    Indexed by month start (datetime64) with columns (measure, dataset); months without events
    between the first and last are present with zeros, so lines do not bridge gaps.
    """
    if events.empty:
        return pd.DataFrame(columns=pd.MultiIndex.from_tuples([], names=["measure", "dataset"]))
    month = events["date"].dt.to_period("M").dt.to_timestamp()
    grouped = (
        events.assign(month=month)
        .groupby(["month", "dataset"], observed=True)
        .agg(events=("original_id", "size"), fatalities=("fatalities_best", "sum"))
    )
    table = grouped.unstack("dataset", fill_value=0)
    table.columns.names = ["measure", "dataset"]
    full = pd.date_range(table.index.min(), table.index.max(), freq="MS")
    return table.reindex(full, fill_value=0).rename_axis("month")


def event_source_line(events: pd.DataFrame) -> str:
    """Attribution for the datasets present, each with its access date(s), for `add_source_line`."""
    parts = []
    for name in DATASETS:
        days = events.loc[events["dataset"] == name, "accessed"].dropna().unique()
        if len(days) == 0:
            continue
        when = ", ".join(sorted(pd.Timestamp(d).date().isoformat() for d in days))
        parts.append(f"{ATTRIBUTION[name]}, accessed {when}")
    return "; ".join(parts)


def how_to_obtain() -> str:
    """Instructions printed when a notebook is run without event files."""
    return (
        "No conflict-event file was given, so there is nothing to show.\n"
        "\n"
        "ACLED (Armed Conflict Location & Event Data): register for free access at\n"
        "  https://acleddata.com/register/ , then use the Data Export Tool\n"
        "  (https://acleddata.com/data-export-tool/) to download events for the Sahel countries\n"
        "  (CSV or Excel). Pass the file as acled_path. Cite ACLED as its attribution policy asks.\n"
        "\n"
        "UCDP GED (Uppsala Conflict Data Program Georeferenced Event Dataset, CC BY 4.0):\n"
        "  download the global CSV (zipped is fine) from https://ucdp.uu.se/downloads/\n"
        "  (section 'UCDP Georeferenced Event Dataset (GED) Global'). Pass it as ucdp_path.\n"
    )


# --------------------------------------------------------------------------------------------
# Notebook parameters


def check_event_params(
    *,
    acled_path: object = None,
    ucdp_path: object = None,
    country: object = None,
    start: object = None,
    end: object = None,
    event_types: object = None,
    aggregate: object = None,
) -> dict[str, object]:
    """The conflict-events notebook's parameters, checked; a wrong one stops it with one line.

    Returns them normalised: paths as `Path` (or None), dates as `datetime.date` (or None).
    Event types are checked against the data later, by `filter_events`, since only the files
    say which exist.
    """
    from sahel_analysis.params import ParameterError, check_choice, check_date_range

    out: dict[str, object] = {}
    for name, value in (("acled_path", acled_path), ("ucdp_path", ucdp_path)):
        if value is None or value == "":
            out[name] = None
            continue
        if not isinstance(value, str | os.PathLike):
            raise ParameterError(f"{name}: expected a file path (text) or None, found {value!r}")
        path = Path(value).expanduser()
        if not path.is_file():
            raise ParameterError(f"{name}: no such file: {path}")
        out[name] = path
    if country is not None and not (isinstance(country, str) and country.strip()):
        raise ParameterError(f"country: expected a country name such as 'Mali', or None; found {country!r}")
    out["country"] = country
    out["start"], out["end"] = check_date_range("start", start, "end", end)
    if event_types is not None and (
        isinstance(event_types, str)
        or not isinstance(event_types, Sequence)
        or not event_types
        or not all(isinstance(t, str) and t.strip() for t in event_types)
    ):
        raise ParameterError(
            f"event_types: expected a non-empty list of event types such as ['Battles'], or None; "
            f"found {event_types!r}"
        )
    out["event_types"] = list(event_types) if event_types is not None else None
    out["aggregate"] = check_choice("aggregate", aggregate, [None, "admin1"])
    return out


# --------------------------------------------------------------------------------------------
# Plots (matplotlib is imported inside, so loading data never pulls it in)

_COLOURS = {"ACLED": "vermillion", "UCDP GED": "blue"}
_ADMIN1_LABELS = 15
EVENTS_GID, ADMIN1_GID, MILESTONE_GID = "events:", "admin1:", "milestone:"


def _colour(dataset: str) -> str:
    from sahel_analysis.style import PALETTE

    return PALETTE[_COLOURS[dataset]]


def _bubble_areas(values: np.ndarray, largest: float, max_area: float, min_area: float) -> np.ndarray:
    # Area, not radius, proportional to fatalities, so that twice the deaths looks twice as big.
    scale = max_area / largest if largest > 0 else 0.0
    return np.maximum(values * scale, min_area)


def _nice_steps(largest: float) -> list[int]:
    """Up to three round reference values for a size legend, the largest not above `largest`."""
    if largest < 1:
        return []
    top = 10 ** int(np.floor(np.log10(largest)))
    for mult in (5, 2, 1):
        if mult * top <= largest:
            top *= mult
            break
    return sorted({max(1, int(v)) for v in (top / 100, top / 10, top) if v >= 1})


def _date_span(events: pd.DataFrame) -> str:
    if events.empty:
        return ""
    first, last = events["date"].min(), events["date"].max()
    return (
        f"{first:%b %Y}"
        if (first.year, first.month) == (last.year, last.month)
        else (f"{first:%b %Y} – {last:%b %Y}")
    )


def plot_event_map(
    events: pd.DataFrame,
    *,
    aggregate: Literal["admin1"] | None = None,
    ax: Axes | None = None,
    extent: Sequence[float] | None = None,
    title: str | None = None,
) -> Axes:
    """Events on the base map, one bubble per event with area proportional to fatalities.

    ``aggregate="admin1"`` draws one bubble per dataset and admin1 region instead, at the mean
    position of its events, sized by total fatalities and labelled with the event count.
    ACLED and UCDP GED spell regions differently ("Mopti" / "Mopti region"), so each dataset
    keeps its own bubbles. Events without fatalities are small dots. ``extent`` is
    ``[west, south, east, north]`` in degrees (default: the events, with a margin). The
    source line carries each dataset's attribution and access date. Gids: ``events:<dataset>``,
    ``admin1:<dataset>:<region>``, ``source-line``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from pyproj import Transformer

    from sahel_analysis import maps
    from sahel_analysis.geography import BOUNDARIES_ATTRIBUTION, MALI_CRS
    from sahel_analysis.style import add_source_line, house_style

    if aggregate not in (None, "admin1"):
        raise ValueError(f"aggregate: expected None or 'admin1', found {aggregate!r}")
    to_map = Transformer.from_crs("EPSG:4326", MALI_CRS, always_xy=True)
    x, y = to_map.transform(events["longitude"].to_numpy(float), events["latitude"].to_numpy(float))
    fatalities = events["fatalities_best"].fillna(0).to_numpy(dtype=float)

    with house_style():
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 7.2))
        maps._draw_base_map(ax, regions=True, river=True)
        maps._style_frame(ax)
        ax.set_aspect("equal")

        datasets = [d for d in DATASETS if (events["dataset"] == d).any()]
        if aggregate == "admin1":
            groups = (
                pd.DataFrame(
                    {
                        "dataset": events["dataset"].astype(str).to_numpy(),
                        "admin1": events["admin1"].fillna("(no admin1)").to_numpy(),
                        "x": x,
                        "y": y,
                        "fatalities": fatalities,
                    }
                )
                .groupby(["dataset", "admin1"], sort=True)
                .agg(x=("x", "mean"), y=("y", "mean"), n=("x", "size"), fatalities=("fatalities", "sum"))
                .reset_index()
            )
            largest = float(groups["fatalities"].max()) if len(groups) else 0.0
            areas = _bubble_areas(groups["fatalities"].to_numpy(), largest, 900.0, 12.0)
            # Label the regions with most events; labelling dozens would only make a smudge.
            labelled = set(groups.nlargest(_ADMIN1_LABELS, "n").index)
            for i, row in groups.sort_values("fatalities", ascending=False).iterrows():
                artist = ax.scatter(
                    row["x"], row["y"], s=areas[i], color=_colour(row["dataset"]), alpha=0.55,
                    edgecolor="white", linewidth=0.6, zorder=6,
                )  # fmt: skip
                artist.set_gid(f"{ADMIN1_GID}{row['dataset']}:{row['admin1']}")
                if i in labelled:
                    ax.annotate(
                        f"{row['admin1']} ({row['n']:,})", (row["x"], row["y"]), xytext=(0, -4),
                        textcoords="offset points", fontsize=7, ha="center", va="top", color="#222222",
                        zorder=7,
                    )  # fmt: skip
            what = "by admin1 region: area shows fatalities, the number counts events"
        else:
            largest = float(fatalities.max()) if len(fatalities) else 0.0
            areas = _bubble_areas(fatalities, largest, 400.0, 4.0)
            order = np.argsort(-fatalities, kind="stable")  # big bubbles first, small on top
            for name in datasets:
                mine = order[events["dataset"].to_numpy()[order] == name]
                artist = ax.scatter(
                    x[mine], y[mine], s=areas[mine], color=_colour(name), alpha=0.45,
                    edgecolor="none", zorder=6,
                )  # fmt: skip
                artist.set_gid(f"{EVENTS_GID}{name}")
            what = "one bubble per event, area shows fatalities"

        if extent is not None:
            bounds = maps._project_box(tuple(float(v) for v in extent))
        elif len(x):
            box = ax.get_position()
            fig = ax.figure
            aspect = (box.width * fig.get_figwidth()) / (box.height * fig.get_figheight())
            corners = [(float(np.nanmin(x)), float(np.nanmin(y))), (float(np.nanmax(x)), float(np.nanmax(y)))]
            bounds = maps._auto_extent(corners, aspect, corners[0] + corners[1])
        else:
            bounds = tuple(maps._layers()["countries"].query("iso3 == 'MLI'").total_bounds)
            ax.text(0.5, 0.5, "No events in the selection", transform=ax.transAxes, ha="center")
        ax.set_xlim(bounds[0], bounds[2])
        ax.set_ylim(bounds[1], bounds[3])

        handles = [
            Line2D([], [], ls="none", marker="o", ms=8, color=_colour(d), alpha=0.6, label=d)
            for d in datasets
        ]
        for value in _nice_steps(largest):
            area = float(_bubble_areas(np.array([value]), largest, 900.0 if aggregate else 400.0, 0)[0])
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="o",
                    ms=np.sqrt(area),
                    mfc="none",
                    mec="#555555",
                    label=f"{value:,} fatalities",
                )  # fmt: skip
            )
        if handles:
            ax.legend(handles=handles, loc="lower left", labelspacing=1.2, borderpad=0.8, framealpha=0.9,
                      frameon=True, fontsize=8)  # fmt: skip
        n = len(events)
        span = _date_span(events)
        # The subtitle sits between the title and the frame; the pad leaves it room.
        ax.set_title(title or f"Conflict events{', ' + span if span else ''}", pad=20)
        ax.text(0, 1.012, f"{n:,} events; {what}", transform=ax.transAxes, fontsize=8.5, va="bottom",
                color="#555555")  # fmt: skip
        attribution = event_source_line(events)
        add_source_line(
            ax, "; ".join(p for p in (attribution, f"boundaries, {BOUNDARIES_ATTRIBUTION}") if p),
            prefix="Sources: ",
        )  # fmt: skip
    return ax


def plot_event_counts(
    events: pd.DataFrame,
    *,
    measure: Literal["events", "fatalities", "both"] = "both",
    curated: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Events and/or fatalities (best estimate) per month, one line per dataset.

    ``measure="both"`` puts fatalities on a second y axis (dashed lines); "events" or
    "fatalities" draws one of them. Each event counts in the month of its recorded date whatever
    its precision. ``curated``: our events table (`sahel_analysis.data.load_events`); its
    milestones (all rows if it has no ``milestone`` column) within the months shown are marked
    and labelled. The source line gives each dataset's attribution and access date, and the
    curated events' sources. Gids: ``events:<dataset>``, ``fatalities:<dataset>``,
    ``milestone:<id>``, ``source-line``.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from sahel_analysis.style import add_source_line, house_style, thousands

    if measure not in ("events", "fatalities", "both"):
        raise ValueError(f"measure: expected 'events', 'fatalities' or 'both', found {measure!r}")
    table = monthly_counts(events)
    with house_style():
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 5.2))
        axes = {"events": ax}
        if measure == "both":
            axes["fatalities"] = ax.twinx()
            axes["fatalities"].grid(False)
            axes["fatalities"].spines["right"].set_visible(True)
        elif measure == "fatalities":
            axes = {"fatalities": ax}
        lines = []
        labels = {"events": "events", "fatalities": "fatalities (best estimate)"}
        for kind, target in axes.items():
            for name in table[kind].columns if len(table) else []:
                (line,) = target.plot(
                    table.index, table[(kind, name)].astype(float), color=_colour(name), lw=1.4,
                    ls="-" if kind == "events" or measure != "both" else "--",
                    label=f"{name}: {labels[kind]}",
                )  # fmt: skip
                line.set_gid(f"{kind}:{name}")
                lines.append(line)
            target.set_ylabel(f"{labels[kind].capitalize()} per month")
            target.set_ylim(bottom=0)
            thousands(target)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        if not len(table):
            ax.text(0.5, 0.5, "No events in the selection", transform=ax.transAxes, ha="center")

        cited = ""
        if curated is not None and len(table):
            first, last = table.index.min(), table.index.max() + pd.offsets.MonthEnd(1)
            marks = curated
            if "milestone" in marks.columns:
                marks = marks[marks["milestone"].fillna(False).astype(bool)]
            marks = marks[(marks["date"] >= first) & (marks["date"] <= last)]
            for _, row in marks.iterrows():
                mark = ax.axvline(row["date"], color="#555555", lw=0.8, ls=":", zorder=1)
                mark.set_gid(f"{MILESTONE_GID}{row.get('id', row['title'])}")
                ax.text(
                    row["date"], 0.98, row["title"], transform=ax.get_xaxis_transform(), rotation=90,
                    ha="right", va="top", fontsize=7, color="#333333", zorder=5,
                    bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
                )  # fmt: skip
            if len(marks):
                from sahel_analysis.data import source_line

                cited = f"milestones, {source_line(marks)}"

        if lines:
            # Outside the plot, right of any second axis: inside it would hide lines or labels.
            ax.legend(handles=lines, loc="upper left", bbox_to_anchor=(1.1 if measure == "both" else 1.01, 1),
                      fontsize=8)  # fmt: skip
        shown = {
            "events": "Conflict events",
            "fatalities": "Fatalities",
            "both": "Conflict events and fatalities",
        }
        span = _date_span(events)
        ax.set_title(title or f"{shown[measure]} per month{', ' + span if span else ''}")
        attribution = event_source_line(events)
        add_source_line(ax, "; ".join(p for p in (attribution, cited) if p) or "none", prefix="Sources: ")
    return ax
