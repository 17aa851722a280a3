"""Recognise what a file is before reading it: container (CSV, zipped CSV, Excel), header, layout.

The container comes from the file's first bytes, not its name. The header names the layout
(`formats`), and a file of the wrong kind is refused here with one line saying what it looks like.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from sahel_analysis.errors import not_a_file, shown
from sahel_analysis.events.formats import (
    ACLED,
    ACLED_AGGREGATED_MONTHLY,
    ACLED_MONADIC,
    ACLED_PRE2023,
    LOOKALIKES,
    UCDP_GED,
    UCDP_GED_COUNTRY,
    EventDataError,
    Format,
    looks_like,
)

__all__ = [
    "Source",
    "check_columns",
    "check_path",
    "damaged",
    "detect_layout",
    "is_hxl_row",
    "normalise",
    "open_source",
    "read_header",
]


def normalise(name: object) -> str:
    """A column name as the formats declare it: trimmed, lower case, without a byte-order mark."""
    return str(name).strip().lstrip("\ufeff").strip().lower()


@dataclass
class Source:
    """Where the rows came from: used to name file, line and sheet in error messages."""

    path: Path
    container: Literal["csv", "zip", "gzip", "excel"]
    member: str | None = None  # CSV inside a zip
    sheet: str | None = None  # Excel sheet
    header: list[str] = field(default_factory=list)  # as written in the file
    # Rows between the header and the data (HDX's HXL hashtag row), skipped when reading.
    skip_rows: int = 0
    # Row positions in the file for each row of the table being checked, when rows were merged
    # (ACLED's monadic layout); None when they are the same.
    row_map: np.ndarray | None = None
    # A text file's encoding (UTF-8, or Latin-1 once UTF-8 has failed) and its field separator.
    encoding: str = "utf-8"
    delimiter: str = ","
    # Every data row ends with one more, empty, field than the header names (UCDP's per-country
    # export writes "...,2,2,2," under a header without the last comma).
    trailing_comma: bool = False
    # Columns the frame names otherwise than the file (frame name -> name in the file), so that
    # messages use the file's (UCDP's per-country export: best -> best_est).
    renamed: dict[str, str] = field(default_factory=dict)

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
            encoding = "utf-8-sig" if self.encoding == "utf-8" else self.encoding
            yield io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")

    @contextmanager
    def open_binary(self) -> Iterator[IO[bytes]]:
        if self.container == "zip":
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member or "") as fh:
                yield fh
        elif self.container == "gzip":
            with gzip.open(self.path, "rb") as fh:
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
            return {r: r + 2 + self.skip_rows for r in rows}
        wanted = set(rows)
        found: dict[int, int] = {}
        with self.open_text() as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            last_line = 0
            record = -1 - self.skip_rows  # the header is record -1 - skip_rows
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
        value = values.iloc[int(rows[0])]
        # A numpy scalar reads np.int64(-1) in a message; the user wrote -1.
        value = None if pd.isna(value) else value.item() if isinstance(value, np.generic) else value
        if self.row_map is not None:
            rows = self.row_map[rows]
        first = int(rows[0])
        listed = [int(r) for r in rows[:3]]
        lines = self.lines_of(listed)
        where = "row" if self.container == "excel" else "line"
        shown_value = "an empty cell" if value is None else shown(value)
        offset = 2 + self.skip_rows
        message = (
            f"{self.label}, {where} {lines.get(first, first + offset)}, column "
            f"{self.header_name(column)!r}: {problem}: {shown_value}"
        )
        if len(rows) > 1:
            others = ", ".join(str(lines.get(r, r + offset)) for r in listed[1:])
            message += (
                f" ({len(rows) - 1:,} more row{'s' if len(rows) > 2 else ''} like this,"
                f" e.g. {where} {others})"
            )
        raise EventDataError(
            message, path=self.path, column=column, line=lines.get(first, first + offset), value=value
        )

    def header_name(self, column: str) -> str:
        column = self.renamed.get(column, column)
        for name in self.header:
            if normalise(name) == column:
                return name
        return column


def check_path(path: Path, fmt: Format) -> None:
    """Refuse, in one line, a path that is not a readable file: missing, a folder, a FIFO, a device, a loop.

    Nothing is opened: a FIFO would block the read, and /dev/zero would never end.
    """
    wanted = f"expected {fmt.name} data as CSV, zipped or gzipped CSV, or .xlsx"
    kind = not_a_file(path)
    if kind is None:
        return
    if kind == "no such file":
        raise FileNotFoundError(f"no such file: {path}; {wanted}")
    if kind == "a folder":
        files = sorted(
            p.name for p in path.iterdir() if p.suffix.lower() in (".csv", ".zip", ".xlsx", ".gz", ".txt")
        )
        held = f"; it holds {', '.join(files[:5])}{', ...' if len(files) > 5 else ''}" if files else ""
        raise EventDataError(f"{path}: this is a folder, not a file; {wanted}{held}", path=path)
    raise EventDataError(f"{path}: this is {kind}, not a file; {wanted}", path=path)


def damaged(path: Path, exc: BaseException) -> EventDataError:
    kind = "Excel (.xlsx) workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else "zip archive"
    return EventDataError(
        f"{path}: damaged {kind} ({type(exc).__name__}: {exc}); download it again or save it anew",
        path=path,
        looks_like=f"a damaged {kind}",
    )


def open_source(path: Path) -> Source:
    """Recognise the container (CSV, zipped or gzipped CSV, Excel) from the file's first bytes.

    Text with NUL bytes in its first block is not CSV (a binary file, or /proc/self/environ): it
    is refused before any of it is echoed as a header.
    """
    if (kind := not_a_file(path)) is not None:
        if kind == "no such file":
            raise FileNotFoundError(f"no such file: {path}")
        raise EventDataError(f"{path}: this is {kind}, not a file", path=path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise EventDataError(f"{path}: cannot read the file ({exc.strerror})", path=path) from None
    magic = head[:8]
    if magic.startswith(b"\x1f\x8b"):
        return Source(path, "gzip")
    if magic.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile as exc:
            raise damaged(path, exc) from None
        if "xl/workbook.xml" in names:
            return Source(path, "excel")
        csvs = [n for n in names if n.lower().endswith((".csv", ".txt")) and not n.startswith("__MACOSX/")]
        if len(csvs) != 1:
            what = "no CSV file" if not csvs else f"{len(csvs)} CSV files"
            raise EventDataError(
                f"{path}: zip archive holds {what}; expected exactly one "
                f"(members: {', '.join(names[:10])}{', ...' if len(names) > 10 else ''})",
                path=path,
            )
        return Source(path, "zip", member=csvs[0])
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise EventDataError(
            f"{path}: this is an old-style Excel .xls file; save it as .xlsx or CSV", path=path
        )
    if b"\x00" in head:
        return _binary(path, head)
    return Source(path, "csv")


_SNIFF_BYTES = 1 << 16


def _binary(path: Path, head: bytes) -> Source:
    # UTF-16 text (Excel's "Unicode text") has a NUL in every other byte: say so, it is fixable.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EventDataError(f"{path}: UTF-16 text; save it as CSV in UTF-8", path=path)
    raise EventDataError(
        f"{path}: binary data (NUL bytes), not CSV text, zipped CSV or .xlsx",
        path=path,
        looks_like="binary data",
    )


def _first_rows(source: Source, count: int) -> list[list[str]]:
    if source.container == "excel":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                source.sheet = ws.title
                rows = list(ws.iter_rows(max_row=count, values_only=True))
            finally:
                wb.close()
        except DAMAGED_WORKBOOK as exc:
            raise damaged(source.path, exc) from None
        return [["" if v is None else str(v) for v in row] for row in rows]
    try:
        with source.open_text() as text:
            first = text.readline()
            source.delimiter = _delimiter(first)
            text.seek(0)
            reader = csv.reader(text, delimiter=source.delimiter)
            return [row for _, row in zip(range(count), reader, strict=False)]
    except csv.Error as exc:
        raise EventDataError(f"{source.label}: not a readable CSV file ({exc})", path=source.path) from exc
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise EventDataError(
            f"{source.label}: damaged {source.container} file ({exc})", path=source.path
        ) from None


# What a damaged .xlsx raises from inside openpyxl: a bad zip, a missing part, broken XML.
DAMAGED_WORKBOOK = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, SyntaxError)


def _delimiter(line: str) -> str:
    """The separator of a CSV header: ',' unless ';' or a tab splits it into more columns.

    Spreadsheets set to a French (or other decimal-comma) locale save CSV with ';'.
    """
    counts = {d: len(next(csv.reader([line], delimiter=d), [])) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def is_hxl_row(row: Sequence[str]) -> bool:
    """HDX's hashtag row: every non-empty cell starts with '#' (e.g. '#event+code')."""
    cells = [c.strip() for c in row if c and c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def read_header(source: Source) -> list[str]:
    """The column names as written, and whether an HXL hashtag row follows them."""
    rows = _first_rows(source, 2)
    header = list(rows[0]) if rows else []
    while header and not header[-1].strip():  # trailing empty cells in spreadsheets
        header.pop()
    source.header = header
    source.skip_rows = 1 if len(rows) > 1 and is_hxl_row(rows[1]) else 0
    first = rows[1] if len(rows) > 1 and source.container != "excel" else []
    source.trailing_comma = len(first) == len(rows[0]) + 1 and not first[-1].strip() if first else False
    return header


def check_columns(source: Source, fmt: Format) -> None:
    """Refuse a file lacking columns `fmt` needs, or naming one twice; say what the file looks like."""
    header = [normalise(h) for h in source.header]
    twice = [c for c in dict.fromkeys(header) if c and header.count(c) > 1]
    if twice:
        where = ", ".join(
            f"{source.header_name(c)!r} (columns {', '.join(str(i + 1) for i, h in enumerate(header) if h == c)})"
            for c in twice
        )
        guess = looks_like(header)
        seems = f" (the file otherwise looks like {guess[0].name})" if guess else ""
        raise EventDataError(
            f"{source.label}: the header names a column more than once: {where}; expected each "
            f"column once{seems}",
            path=source.path,
            column=twice[0],
            line=1,
        )
    missing = [c for c in fmt.required if c not in header]
    if not missing:
        return
    guess = looks_like(header)
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
        cells = ", ".join(shown(h) for h in source.header[:8])
        more = ", ..." if len(source.header) > 8 else ""
        holds = f"its first row holds {cells}{more}" if cells else "it is empty"
        message += f" The file does not look like ACLED or UCDP GED either; {holds}."
    raise EventDataError(
        message, path=source.path, missing=missing, looks_like=guessed.name if guessed else None
    )


_WEEKLY = next(f for f in LOOKALIKES if "weekly" in f.name)


def detect_layout(source: Source, fmt: Format) -> Format:
    """The layout of an ACLED file (current, pre-2023 or monadic) or a UCDP GED file (global or
    per-country export); refuse aggregated counts.

    ACLED's aggregated files (events and fatalities per week or month and region, the kind HDX
    carries for ACLED) are not events: they get one line naming the file and the layout.
    """
    header = {normalise(h) for h in source.header}
    ids = {"event_id_cnty", "id", "data_id"}
    if "events" in header and header & {"month", "week"} and not header & ids:
        counts = ACLED_AGGREGATED_MONTHLY if "month" in header else _WEEKLY
        raise EventDataError(
            f"{source.label}: this is {counts.name}, not an event file; {fmt.loader}() reads "
            "one row per event, as ACLED's Data Export Tool writes them",
            path=source.path,
            looks_like=counts.name,
        )
    if fmt is UCDP_GED and (guess := looks_like(header)) and guess[0] is UCDP_GED_COUNTRY:
        return UCDP_GED_COUNTRY
    if fmt is ACLED and {"event_id_cnty", "actor1"} <= header:
        if "actor2" not in header:
            return ACLED_MONADIC
        if header & {"data_id", "event_id_no_cnty"} and "disorder_type" not in header:
            return ACLED_PRE2023
    return fmt
