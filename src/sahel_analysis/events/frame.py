"""Turn a typed table of one dataset into the common event frame: dates, codes, checks, aliases.

Every check names the file, line, column and value of the first bad row (`Source.fail`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import (
    ACLED,
    ACLED_LOCATION_KM,
    ACLED_PRECISION,
    COMMON_COLUMNS,
    DATASET_DTYPE,
    PRECISION_DTYPE,
    UCDP_GED,
    UCDP_LOCATION_KM,
    UCDP_PRECISION,
    UCDP_VIOLENCE,
    Format,
)
from sahel_analysis.events.sniff import Source

__all__ = ["build_acled", "build_ucdp", "collapse_monadic", "parse_dates", "with_aliases"]

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
# 05/16/2024 00:00:00, month first: UCDP's per-country export, and only there (`Format.month_first`).
_MONTH_FIRST = (re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?: [\d:.]+)?$"), False)
_STYLES = "2024-05-16, 16 May 2024, 16-05-2024"


def _parse_one(text: str, month_first: bool = False) -> np.datetime64:
    text = text.strip()
    for pattern, named_month in (*_DATE_PATTERNS, _MONTH_FIRST) if month_first else _DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        month = _MONTHS.get(match["m"].lower()) if named_month else int(match["m"])
        try:
            return np.datetime64(dt.date(int(match["y"]), month or 0, int(match["d"])), "s")
        except ValueError:  # 30 February, month 13, an unknown month name
            return np.datetime64("NaT", "s")
    return np.datetime64("NaT", "s")


def parse_dates(values: pd.Series, month_first: bool = False) -> np.ndarray:
    """Text dates in any of the accepted styles -> datetime64[s], NaT where unreadable.

    ``month_first`` also accepts 05/16/2024 (with or without a time). Exports repeat each day
    many times, so each distinct string is parsed once and the result spread back by position:
    ~10,000 parses for a 1,000,000-row file.
    """
    codes, uniques = pd.factorize(values)
    table = np.array(
        [_parse_one(str(u), month_first) for u in uniques] + [np.datetime64("NaT", "s")],
        dtype="datetime64[s]",
    )
    return table[codes]  # code -1 (missing) picks the trailing NaT


def _map_codes(
    source: Source,
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


def _check_dates(source: Source, raw: pd.DataFrame, column: str, fmt: Format) -> np.ndarray:
    dates = parse_dates(raw[column], fmt.month_first)
    bad = np.isnat(dates)
    if bad.any():
        styles = f"05/16/2024 00:00:00, {_STYLES}" if fmt.month_first else _STYLES
        source.fail(column, np.flatnonzero(bad), raw[column], f"not a date in a known style ({styles})")
    # An event file records what has happened: a later date is a damaged cell (a day's slack for
    # time zones). The notebooks' date parameters follow the same rule.
    tomorrow = np.datetime64(dt.date.today() + dt.timedelta(days=1))
    later = dates > tomorrow
    if later.any():
        source.fail(column, np.flatnonzero(later), raw[column], f"a date after today ({dt.date.today()})")
    return dates


def _check_end_dates(source: Source, raw: pd.DataFrame, starts: np.ndarray, fmt: Format) -> np.ndarray:
    """UCDP's date_end: the last possible day; the start date where the file has none."""
    if "date_end" not in raw.columns:
        return starts
    given = raw["date_end"].notna().to_numpy()
    ends = parse_dates(raw["date_end"], fmt.month_first)
    bad = given & np.isnat(ends)
    if bad.any():
        source.fail("date_end", np.flatnonzero(bad), raw["date_end"], "not a date in a known style")
    ends = np.where(given, ends, starts)
    before = ends < starts
    if before.any():
        source.fail("date_end", np.flatnonzero(before), raw["date_end"], "before date_start")
    return ends


_FLAGS = {"1": 1, "0": 0, "true": 1, "false": 0}


def _flags(source: Source, raw: pd.DataFrame, column: str) -> pd.Series:
    """A yes/no column written 1/0 or True/False -> 1/0 (Int64), missing where empty."""
    text = raw[column].astype("str").str.strip().str.lower()
    values = text.map(_FLAGS)
    bad = text.notna() & values.isna()
    if bad.any():
        source.fail(column, np.flatnonzero(bad.to_numpy()), raw[column], "expected 1, 0, True or False, got")
    return values.astype("Int64")


def _check_range(
    source: Source, raw: pd.DataFrame, column: str, low: float, high: float | None = None
) -> None:
    values = raw[column]
    inside = values.ge(low) if high is None else values.between(low, high)
    bad = ~inside.fillna(False).to_numpy(dtype=bool)
    if bad.any():
        span = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
        problem = "missing" if values.isna().to_numpy()[bad][0] else f"out of range (must be {span})"
        source.fail(column, np.flatnonzero(bad), values, problem)


def _estimates_out_of_order(source: Source, raw: pd.DataFrame) -> dict[str, int] | None:
    """Where UCDP's fatality estimates of one event break ``low <= best <= high`` (its codebook's rule).

    Not an error: UCDP's own per-country export of GED 24.1 breaks it in 55 of 3,624 rows for Mali
    and Burkina Faso (best 6 with high 4, say). The rows are kept as given; the count and the first
    line are reported, so that the figures are not trusted silently.
    """
    low, best, high = (raw[c] for c in ("low", "best", "high"))
    bad = ((low > best) | (best > high)).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        return None
    first = int(np.flatnonzero(bad)[0])
    line = source.lines_of([first]).get(first, first + 2 + source.skip_rows)
    values = {c: int(raw[c].iloc[first]) for c in ("low", "best", "high")}
    return {"rows": int(bad.sum()), "line": int(line), **values}


def _check_coordinates(source: Source, raw: pd.DataFrame) -> None:
    _check_range(source, raw, "latitude", -90, 90)
    _check_range(source, raw, "longitude", -180, 180)


def _location_km(raw: pd.DataFrame, column: str, mapping: Mapping[int, float | None]) -> np.ndarray:
    """Location precision codes -> km (inf: a region or coarser; NaN: no or unknown code)."""
    if column not in raw.columns:
        return np.full(len(raw), np.nan)
    lookup = np.full(max(mapping) + 2, np.nan)
    for code, km in mapping.items():
        lookup[code] = np.inf if km is None else km
    values = raw[column].to_numpy(dtype="float64", na_value=np.nan)
    known = np.isfinite(values) & (values >= 0) & (values <= max(mapping))
    positions = np.where(known, np.nan_to_num(values, nan=0.0), len(lookup) - 1).astype(np.int64)
    return lookup[positions]


def collapse_monadic(raw: pd.DataFrame, source: Source) -> pd.DataFrame:
    """ACLED's monadic rows (one per actor) -> one row per event, as the dyadic export has them.

    ``actor1`` and ``actor2`` (with their associates and ``inter`` codes) come from an event's
    first two rows, in file order; ``actors`` joins every row's actor with "; ". Everything
    else, fatalities included, is taken once, from the first row: the rows repeat it.
    """
    ids = raw["event_id_cnty"]
    first = ~ids.duplicated(keep="first").to_numpy()
    rank = ids.groupby(ids, sort=False).cumcount().to_numpy()
    events = raw.loc[first].reset_index(drop=True)
    second = raw.loc[rank == 1].set_index("event_id_cnty")
    for one, two in (("actor1", "actor2"), ("assoc_actor_1", "assoc_actor_2"), ("inter1", "inter2")):
        if one in raw.columns:
            values = events["event_id_cnty"].map(second[one]).astype("str")
            events.insert(events.columns.get_loc(one) + 1, two, values.where(values.notna(), None))
    joined = raw.dropna(subset=["actor1"]).groupby("event_id_cnty", sort=False)["actor1"].agg("; ".join)
    events["actors"] = events["event_id_cnty"].map(joined).astype("str")
    source.row_map = np.flatnonzero(first)
    return events


def _check_unique_ids(source: Source, raw: pd.DataFrame, column: str) -> None:
    """Each event once: a file joined to itself, or two overlapping exports pasted together, would
    count every repeated event twice, silently."""
    ids = raw[column]
    if ids.nunique() == ids.count():  # the common case, in half the time of finding the rows
        return
    repeated = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
    source.fail(
        column,
        np.flatnonzero(repeated),
        ids,
        "this event id is on an earlier row too (expected one row per event: "
        "was a file joined to itself, or two overlapping exports?)",
    )


ESTIMATES_OUT_OF_ORDER = "estimates_out_of_order"  # the frame's attrs key: see _estimates_out_of_order


def build_acled(raw: pd.DataFrame, source: Source, fmt: Format = ACLED) -> pd.DataFrame:
    """ACLED rows (one per event) -> the common frame."""
    _check_unique_ids(source, raw, "event_id_cnty")
    dates = _check_dates(source, raw, "event_date", fmt)
    precision = _map_codes(source, raw, "time_precision", ACLED_PRECISION, PRECISION_DTYPE)
    _check_coordinates(source, raw)
    _check_range(source, raw, "fatalities", 0)
    rows = len(raw)
    no_figure = np.ones(rows, dtype=bool)  # ACLED gives one fatality figure, not a range
    derived = {
        "date": dates,
        # ACLED gives one date per event, coded to its day, week or month (date_precision).
        "date_end": dates,
        "date_precision": precision,
        "location_precision_km": _location_km(raw, "geo_precision", ACLED_LOCATION_KM),
        "fatalities_low": pd.arrays.IntegerArray(np.zeros(rows, dtype=np.int64), no_figure),
        "fatalities_high": pd.arrays.IntegerArray(np.zeros(rows, dtype=np.int64), no_figure.copy()),
        "dataset": pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), dtype=DATASET_DTYPE),
    }
    return _assemble(derived, raw, fmt)


def build_ucdp(raw: pd.DataFrame, source: Source, fmt: Format = UCDP_GED) -> pd.DataFrame:
    """UCDP GED rows (global or per-country layout) -> the common frame, the same for both."""
    if fmt.renames:
        raw = raw.rename(columns=dict(fmt.renames))
        source.renamed = {new: old for old, new in fmt.renames}
    for column in fmt.absent:
        raw[column] = pd.Series(pd.NA, index=raw.index, dtype="str")
    for column in fmt.flags & set(raw.columns):
        raw[column] = _flags(source, raw, column)
    _check_unique_ids(source, raw, "id")
    dates = _check_dates(source, raw, "date_start", fmt)
    ends = _check_end_dates(source, raw, dates, fmt)
    precision = _map_codes(source, raw, "date_prec", UCDP_PRECISION, PRECISION_DTYPE)
    violence = _map_codes(source, raw, "type_of_violence", UCDP_VIOLENCE)
    _check_coordinates(source, raw)
    for column in ("best", "low", "high"):
        _check_range(source, raw, column, 0)
    out_of_order = _estimates_out_of_order(source, raw)
    derived = {
        "date": dates,
        "date_end": ends,
        "date_precision": precision,
        "location_precision_km": _location_km(raw, "where_prec", UCDP_LOCATION_KM),
        "event_type": violence,
        "dataset": pd.Categorical.from_codes(np.ones(len(raw), dtype=np.int8), dtype=DATASET_DTYPE),
        "original_id": raw["id"].astype("str"),
    }
    frame = _assemble(derived, raw, fmt)
    if out_of_order is not None:
        frame.attrs[ESTIMATES_OUT_OF_ORDER] = out_of_order
    return frame


def _assemble(derived: dict[str, object], raw: pd.DataFrame, fmt: Format) -> pd.DataFrame:
    columns = dict(derived)
    columns.update({fmt.prefix + c: raw[c] for c in raw.columns})
    return with_aliases(pd.DataFrame(columns), fmt)


def with_aliases(frame: pd.DataFrame, fmt: Format) -> pd.DataFrame:
    """Add the common columns that repeat an original one, and put the common columns first."""
    for common, original in fmt.aliases:
        frame[common] = frame[fmt.prefix + original]  # shared, not copied (copy-on-write)
    first = [c for c in COMMON_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in COMMON_COLUMNS]]
