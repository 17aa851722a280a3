"""The two loaders: a file path in, the common event frame out (through the cache)."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sahel_analysis.events import cache as event_cache
from sahel_analysis.events.formats import ACLED, ACLED_MONADIC, UCDP_GED, Format
from sahel_analysis.events.frame import ESTIMATES_OUT_OF_ORDER, build_acled, build_ucdp, collapse_monadic
from sahel_analysis.events.parse import read_table
from sahel_analysis.events.sniff import (
    Source,
    check_columns,
    check_path,
    detect_layout,
    open_source,
    read_header,
)

__all__ = ["load_acled", "load_ucdp_ged"]

PathLike = str | os.PathLike[str]


def _load(
    path: PathLike,
    fmt: Format,
    build: Callable[[pd.DataFrame, Source, Format], pd.DataFrame],
    cache: event_cache.CacheOption,
    accessed: dt.date | str | None,
) -> pd.DataFrame:
    path = Path(path).expanduser()
    check_path(path, fmt)
    day = _accessed_day(path, accessed)
    directory = event_cache.cache_dir(cache)
    key = fmt.prefix.rstrip("_")
    stat = None
    if directory is not None:
        try:
            frame = event_cache.lookup(path, directory, key, fmt)
            if frame is not None:
                _warn_of_estimates(path, frame)
                return _with_accessed(frame, day)
            stat = event_cache.stamp(path)
        except OSError as exc:
            warnings.warn(f"event cache unavailable ({exc}); reading without it", stacklevel=3)
            directory = None
    frame = _parse(path, fmt, build)
    if directory is not None and stat is not None:
        event_cache.store_later(path, directory, key, frame, fmt, stat)
    _warn_of_estimates(path, frame)
    return _with_accessed(frame, day)


def _warn_of_estimates(path: Path, frame: pd.DataFrame) -> None:
    """Say, at every load (parsed or cached), that some rows' fatality estimates are out of order."""
    note = frame.attrs.get(ESTIMATES_OUT_OF_ORDER)
    if note:
        warnings.warn(
            f"{path}: {note['rows']:,} row(s) with fatality estimates out of order (expected low <= best <= "
            f"high), e.g. line {note['line']}: low {note['low']}, best {note['best']}, high {note['high']};"
            " kept as given",
            UserWarning,
            stacklevel=4,  # the caller of load_acled / load_ucdp_ged
        )


def _parse(
    path: Path, fmt: Format, build: Callable[[pd.DataFrame, Source, Format], pd.DataFrame]
) -> pd.DataFrame:
    source = open_source(path)
    read_header(source)
    layout = detect_layout(source, fmt)
    check_columns(source, layout)
    raw = read_table(source, layout)
    rows = len(raw)
    if layout is ACLED_MONADIC:
        raw = collapse_monadic(raw, source)
    frame = build(raw, source, layout)
    frame.attrs.update(
        {
            "file": path.name,
            "layout": layout.name,
            "hdx": source.skip_rows > 0,  # the HXL hashtag row HDX adds under the header
            "monadic": layout is ACLED_MONADIC,
            "rows_in_file": rows,
            "encoding": source.encoding,  # Latin-1 when the file was not UTF-8 (with a warning)
            "delimiter": source.delimiter,
        }
    )
    return frame


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
    path: PathLike, *, cache: event_cache.CacheOption = True, accessed: dt.date | str | None = None
) -> pd.DataFrame:
    """Read an ACLED export (CSV, zipped CSV or .xlsx) into the common event frame.

    ``event_date`` may be ISO (2025-05-16), ACLED's "16 May 2025" or dd-mm-yyyy, even mixed.
    ``cache``: True (default directory), False, or a directory. ``accessed``: the day the file
    was downloaded, for the attribution; defaults to the file's modification date.
    Raises `EventDataError` for a file of the wrong kind, missing columns or a bad value.
    """
    return _load(path, ACLED, build_acled, cache, accessed)


def load_ucdp_ged(
    path: PathLike, *, cache: event_cache.CacheOption = True, accessed: dt.date | str | None = None
) -> pd.DataFrame:
    """Read a UCDP GED file (v24/v25 columns; CSV, zipped CSV or .xlsx) into the common frame.

    ``event_type`` holds UCDP's type of violence in words. Same options and errors as
    `load_acled`.
    """
    return _load(path, UCDP_GED, build_ucdp, cache, accessed)
