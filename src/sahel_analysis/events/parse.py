"""Read an event file's rows into a typed table: declared numbers as numbers, the rest as text.

CSV goes through pyarrow with every column's type given up front, so nothing is guessed: a column
the formats do not declare is text whatever it holds. If a value does not fit its type, the file
is read again as text and converted column by column, which can name the row and the value.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import EventDataError, Format
from sahel_analysis.events.sniff import DAMAGED_WORKBOOK, Source, damaged, normalise

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["arrow_to_frame", "read_table"]


def read_table(source: Source, fmt: Format) -> pd.DataFrame:
    """The file's columns, typed as `fmt` declares, named in lower case."""
    if source.container == "excel":
        try:
            raw = pd.read_excel(
                source.path,
                sheet_name=0,
                dtype=object,
                engine="openpyxl",
                skiprows=range(1, 1 + source.skip_rows),
            )
        except DAMAGED_WORKBOOK as exc:
            raise damaged(source.path, exc) from None
        raw = raw.iloc[:, : len(source.header)]
        raw.columns = [normalise(c) for c in source.header]
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


def _read_csv_typed(source: Source, fmt: Format) -> pd.DataFrame:
    import pyarrow as pa

    arrow_types = {"Int64": pa.int64(), "float64": pa.float64(), "str": pa.string()}
    types = {name: arrow_types[fmt.dtype(normalise(name))] for name in source.header}
    try:
        frame = _read_csv_arrow(source, types)
    except pa.ArrowInvalid as exc:
        if "conversion error" in str(exc) or "CSV conversion" in str(exc):
            raise _TypedReadFailed from exc
        raise
    # pyarrow reads the text "NaN" as a float NaN, which pandas cannot tell from an empty cell;
    # the text path reports it as what it is, not a number.
    for column in frame.columns:
        if fmt.dtype(column) == "float64" and frame[column].isna().any() and _has_nan_text(source, column):
            raise _TypedReadFailed
    return frame


def _has_nan_text(source: Source, column: str) -> bool:
    import pyarrow as pa

    cells = _read_csv_arrow(source, {h: pa.string() for h in source.header}, only=column)[column]
    return bool(cells.notna().any() and cells.dropna().str.strip().str.lower().isin(_NAN_TEXT).any())


_NAN_TEXT = {"nan", "-nan", "+nan"}


def _read_csv_arrow(
    source: Source, types: Mapping[str, pa.DataType], only: str | None = None
) -> pd.DataFrame:
    import pyarrow as pa

    try:
        return _read_csv_arrow_once(source, types, only)
    except pa.ArrowInvalid as exc:
        if "invalid UTF8" not in str(exc) or source.encoding != "utf-8":
            raise
    # Spreadsheets on Windows save CSV in their own code page. Latin-1 reads every byte, and
    # the letters of French and West African place names come out right.
    warnings.warn(
        f"{source.label}: not UTF-8 text; read as Latin-1 (check accented names, and save the "
        "file as UTF-8 to silence this warning)",
        UnicodeWarning,
        stacklevel=7,  # the caller of load_acled / load_ucdp_ged
    )
    source.encoding = "latin-1"
    return _read_csv_arrow_once(source, types, only)


def _read_csv_arrow_once(source: Source, types: Mapping[str, pa.DataType], only: str | None) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    convert = pacsv.ConvertOptions(
        column_types=dict(types),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        include_columns=[source.header_name(only)]
        if only
        else source.header
        if source.trailing_comma
        else None,
    )
    # pyarrow reads the header itself; our copy only names columns in messages. Rows with a
    # trailing comma are read under the header's names and one more, left out above.
    names = {"column_names": [*source.header, "\0trailing"], "skip_rows": 1} if source.trailing_comma else {}
    read = pacsv.ReadOptions(skip_rows_after_names=source.skip_rows, encoding=source.encoding, **names)
    # ACLED notes may hold line breaks inside quotes; that needs the slower chunker, so try the
    # fast one first.
    for newlines in (False, True):
        try:
            parse = pacsv.ParseOptions(newlines_in_values=newlines, delimiter=source.delimiter)
            if source.container in ("zip", "gzip"):
                with source.open_binary() as fh:
                    table = pacsv.read_csv(
                        fh, read_options=read, parse_options=parse, convert_options=convert
                    )
            else:
                table = pacsv.read_csv(
                    source.path, read_options=read, parse_options=parse, convert_options=convert
                )
            break
        except (OSError, EOFError) as exc:  # a damaged gzip stream
            if isinstance(exc, pa.ArrowInvalid):
                raise
            raise EventDataError(
                f"{source.label}: damaged {source.container} file ({exc})", path=source.path
            ) from None
        except pa.ArrowInvalid as exc:
            text = str(exc)
            if "CSV parse error" not in text:
                raise
            if newlines:
                raise EventDataError(
                    f"{source.label}: not a well-formed CSV file ({text})", path=source.path
                ) from exc
    frame = arrow_to_frame(table)
    frame.columns = [normalise(c) for c in frame.columns]
    return frame


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """`table` as a pandas frame, its int64 columns as pandas' nullable Int64.

    Not ``to_pandas(types_mapper=...)`` for those: pandas copies each one twice and builds a mask
    even where nothing is missing. On a million-row ACLED file that was 19 ms of the 38 ms a
    cached load took; here it is 8 ms.
    """
    import pyarrow as pa

    ints = {i for i, type_ in enumerate(table.schema.types) if type_ == pa.int64()}
    rest = table.select([i for i in range(table.num_columns) if i not in ints])
    others = iter(rest.to_pandas(split_blocks=True).items())
    columns = {}
    for i, name in enumerate(table.column_names):
        columns[name] = _int64(table.column(i)) if i in ints else next(others)[1]
    return pd.DataFrame(columns, copy=False)


def _int64(column: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    if column.null_count:
        values = column.fill_null(0).to_numpy()
        missing = column.is_null().to_numpy(zero_copy_only=False)
    else:
        values = column.to_numpy()
        missing = np.zeros(len(column), dtype=bool)
    if not values.flags.writeable:  # a view of the file or of Arrow's memory
        values = values.copy()
    return pd.arrays.IntegerArray(values, missing, copy=False)


def _coerce(raw: pd.DataFrame, fmt: Format, source: Source) -> pd.DataFrame:
    """Convert text or spreadsheet cells to the declared dtypes, naming the first bad value."""
    out = {}
    for column in raw.columns:
        values = raw[column]
        kind = fmt.dtype(column)
        if kind in ("Int64", "float64"):
            numbers = pd.to_numeric(
                values.map(_strip) if values.dtype == object else values.str.strip(), errors="coerce"
            )
            bad = values.notna() & numbers.isna()
            if kind == "Int64":
                bad |= numbers.notna() & (numbers % 1 != 0)
            if bad.any():
                problem = "not an integer" if kind == "Int64" else "not a number"
                first = values[bad].iloc[0]
                if isinstance(first, str) and _DECIMAL_COMMA.fullmatch(first.strip()):
                    problem += " (a decimal comma: expected a point, as in 14.5)"
                source.fail(column, np.flatnonzero(bad.to_numpy()), values, problem)
            if kind == "Int64" and (huge := _beyond_int64(numbers)).any():
                # 1e30 or 99999999999999999999 is an integer, but no count is that large: pandas
                # would stop on it with a TypeError that names neither the file nor the row.
                problem = f"an integer too large (at most {_INT64_MAX:,})"
                source.fail(column, np.flatnonzero(huge), values, problem)
            out[column] = numbers.astype(kind)
        elif values.dtype == object:
            out[column] = values.map(_cell_text).astype("str")
        else:
            out[column] = values
    return pd.DataFrame(out)


_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_INT64_MAX = 2**63 - 1


def _beyond_int64(numbers: pd.Series) -> np.ndarray:
    """Where whole numbers do not fit an int64 (``numbers`` as pandas' ``to_numeric`` returns them)."""
    if numbers.dtype.kind in "iu" and numbers.dtype.itemsize <= 8 and numbers.dtype != np.uint64:
        return np.zeros(len(numbers), dtype=bool)  # int64 or narrower: every value fits
    as_float = numbers.astype("float64")
    exact = numbers.dtype == np.uint64
    outside = (numbers > _INT64_MAX) if exact else (as_float.abs() >= 2.0**63)
    return outside.fillna(False).to_numpy(dtype=bool)


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
