"""Events and fatalities counted by year (by region, by type of violence) and split into periods.

Pure computations on an event frame of one dataset (`split_datasets` separates ACLED's rows from
UCDP's: they count different things and are never added up). Conventions:

- **Year.** An event counts in the year of its first possible day (``date``), whatever its
  precision, as `monthly_counts` does for months.
- **Fatalities.** ``best`` sums the best estimates. The band sums, event by event, the lower and
  the higher of UCDP's ``low`` and ``high`` estimates *widened to include best*: in UCDP's own data
  ``best`` is sometimes outside ``low``-``high`` as published (55 events of the shipped table, e.g.
  low 7, best 0, high 7), and a band that does not hold the best estimate would be read as an
  error bar that the line escapes. ``outside`` counts those events, so a chart can say so. ACLED
  gives one figure: its band is its best.
- **Civilians.** UCDP's ``deaths_civilians`` (civilians killed, any type of violence), summed;
  missing for ACLED, which has no such column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import DATASETS
from sahel_analysis.i18n import N_

__all__ = [
    "PERIOD_STARTS",
    "VIOLENCE_TYPES",
    "map_periods",
    "split_datasets",
    "yearly_counts",
    "yearly_text",
]

# UCDP's three types of violence, in its codebook's order (type_of_violence 1, 2, 3); marked for the
# catalogue, since charts show them translated.
VIOLENCE_TYPES: tuple[str, ...] = (
    N_("State-based conflict"),
    N_("Non-state conflict"),
    N_("One-sided violence"),
)

# The periods the conflict notebook maps: Serval and Barkhane's first years, Barkhane's later years up
# to the French withdrawal from Mali (its day comes from the events table), and after.
PERIOD_STARTS: tuple[str, ...] = ("2013-01-01", "2018-01-01")

_BY = (None, "admin1", "event_type")
UNKNOWN_REGION = N_("(no region given)")  # a key of the counts; charts show it with _()


def split_datasets(events: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """``(dataset, its rows)`` for each dataset present, ACLED first, as `DATASETS` orders them."""
    for name in DATASETS:
        rows = events[(events["dataset"] == name).to_numpy()]
        if len(rows):
            yield name, rows


def yearly_counts(
    events: pd.DataFrame, *, by: str | None = None, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Events, best fatalities, the low-high band, and civilians killed, per year (and group).

    ``events``: the rows of one dataset. ``by``: None, "admin1" (the region) or "event_type" (for
    UCDP, the type of violence). Years from ``start`` to ``end`` (default: the events' first and
    last) are all present, with zeros, in every group. Columns: [by,] year, events, best, low,
    high, outside (events whose best is outside low-high as published), civilians (UCDP only,
    else missing). ``attrs``: dataset, attribution (the dataset's source line, with its access
    date), by, countries (those of the events, in order of appearance). See the module for the conventions.
    """
    from sahel_analysis.events.select import event_source_line

    if by not in _BY:
        raise ValueError(f"by: expected one of {', '.join(map(repr, _BY))}, found {by!r}")
    datasets = [name for name, _rows in split_datasets(events)]
    if len(datasets) > 1:
        raise ValueError(
            f"events: expected the rows of one dataset, found {', '.join(datasets)} (split them with split_datasets)"
        )
    best = events["fatalities_best"].astype("Float64").fillna(0).to_numpy(dtype=float)
    low = _estimate(events, "fatalities_low", best)
    high = _estimate(events, "fatalities_high", best)
    civilians = (
        events["ucdp_deaths_civilians"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if "ucdp_deaths_civilians" in events.columns
        else np.full(len(events), np.nan)
    )
    frame = pd.DataFrame(
        {
            "year": events["date"].dt.year.to_numpy(),
            "events": 1,
            "best": best,
            "low": np.minimum(low, best),
            "high": np.maximum(high, best),
            "outside": (low > best) | (high < best),
            "civilians": civilians,
        }
    )
    keys = ["year"]
    if by is not None:
        frame.insert(0, by, _groups(events, by))
        keys = [by, "year"]
    table = frame.groupby(keys, sort=True).agg(
        events=("events", "sum"),
        best=("best", "sum"),
        low=("low", "sum"),
        high=("high", "sum"),
        outside=("outside", "sum"),
        civilians=("civilians", lambda s: s.sum(min_count=1)),
    )
    table = _every_year(table, by, start, end, frame["year"])
    for column in ("events", "best", "low", "high", "outside"):
        table[column] = table[column].astype("int64")
    table.attrs.update(
        {
            "dataset": datasets[0] if datasets else None,
            "attribution": event_source_line(events) if len(events) else "",
            "by": by,
            "countries": list(dict.fromkeys(events["country"].dropna().astype(str)))
            if "country" in events
            else [],
        }
    )
    return table


def _estimate(events: pd.DataFrame, column: str, best: np.ndarray) -> np.ndarray:
    """A low or high estimate per event; the best one where the dataset gives none (ACLED)."""
    if column not in events.columns:
        return best.copy()
    values = events[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(values), best, values)


def _groups(events: pd.DataFrame, by: str) -> np.ndarray:
    if by == "admin1":
        return events["admin1"].fillna("").replace("", UNKNOWN_REGION).astype(str).to_numpy()
    return events[by].fillna("").astype(str).to_numpy()


def _year(value: Any) -> int | None:
    return None if value is None else pd.Timestamp(value).year


def _every_year(table: pd.DataFrame, by: str | None, start: Any, end: Any, years: pd.Series) -> pd.DataFrame:
    first = _year(start) if start is not None else (int(years.min()) if len(years) else None)
    last = _year(end) if end is not None else (int(years.max()) if len(years) else None)
    if first is None or last is None:
        return table.reset_index()
    span = range(first, last + 1)
    if by is None:
        index: pd.Index = pd.Index(span, name="year")
    else:
        groups = list(dict.fromkeys(table.index.get_level_values(by)))
        if by == "event_type":  # UCDP's types in the codebook's order, then any other
            groups = [t for t in VIOLENCE_TYPES if t in groups] + [
                t for t in groups if t not in VIOLENCE_TYPES
            ]
        index = pd.MultiIndex.from_product([groups, span], names=[by, "year"])
    fill = dict.fromkeys(("events", "best", "low", "high", "outside"), 0)
    full = table.reindex(index)
    has_civilians = table["civilians"].notna().any()
    full = full.fillna({**fill, **({"civilians": 0.0} if has_civilians else {})})
    return full.reset_index()


def _day(value: Any) -> dt.date:
    return pd.Timestamp(value).date()


def map_periods(
    curated: pd.DataFrame, *, end: Any, starts: Sequence[Any] | None = None, country: str | None = "Mali"
) -> pd.DataFrame:
    """The periods to map: one row each with ``start``, ``end`` (inclusive days) and ``label``.

    ``starts``: the first day of each period (sorted). None: `PERIOD_STARTS` and the day the last
    French troops left ``country`` (a name or an ISO3 code), from the events table ``curated``:
    its withdrawal milestone there, if it has one. Each period ends the day before the next
    begins; the last ends on ``end``. In the labels a start on 1 January is written as its year, and
    an end on 31 December too; other days in full ("2018 – 14 Aug 2022", "15 Aug 2022 – 2023").
    """
    from sahel_analysis.i18n import _, format_date
    from sahel_analysis.select import country_codes

    if starts is None:
        left = curated[
            curated["milestone"].fillna(False).astype(bool)
            & (curated["category"] == "withdrawal")
            & curated["country_iso3"].isin(country_codes(country) if country else set())
        ]
        starts = [*PERIOD_STARTS, *left["date"].sort_values().iloc[:1]]
    days = sorted(dict.fromkeys(_day(s) for s in starts))
    last = _day(end)
    days = [d for d in days if d <= last]
    rows = []
    for i, first in enumerate(days):
        stop = days[i + 1] - dt.timedelta(days=1) if i + 1 < len(days) else last
        whole_first = (first.month, first.day) == (1, 1)
        whole_last = (stop.month, stop.day) == (12, 31)
        start_text = format_date(first, "year" if whole_first else "day", short=True)
        end_text = format_date(stop, "year" if whole_last else "day", short=True)
        label = (
            start_text
            if start_text == end_text
            else _("{start} – {end}").format(start=start_text, end=end_text)
        )
        rows.append({"start": pd.Timestamp(first), "end": pd.Timestamp(stop), "label": label})
    return pd.DataFrame(rows, columns=["start", "end", "label"])


def yearly_text(table: pd.DataFrame) -> str:
    """`yearly_counts` (without ``by``) as text: a line of totals, then a row a year."""
    from sahel_analysis.i18n import _, format_number, ngettext
    from sahel_analysis.schema import country_of_name

    if table.empty:
        return _("No events in the selection.")
    total = int(table["events"].sum())
    countries = table.attrs.get("countries") or []
    values = {
        "dataset": table.attrs.get("dataset") or "",
        "country": ", ".join(country_of_name(c) for c in countries),
        "first": int(table["year"].min()),
        "last": int(table["year"].max()),
        "events": ngettext("{n} event", "{n} events", total).format(n=format_number(total)),
        "best": format_number(int(table["best"].sum())),
        "low": format_number(int(table["low"].sum())),
        "high": format_number(int(table["high"].sum())),
    }
    head = (
        _(
            "{dataset}, {country}, {first}–{last}: {events}, {best} deaths (best estimate; {low}–{high} from the low to the high estimate)."
        )
        if countries
        else _(
            "{dataset}, {first}–{last}: {events}, {best} deaths (best estimate; {low}–{high} from the low to the high estimate)."
        )
    )
    shown = pd.DataFrame(
        {
            _("Year"): table["year"].astype(str),
            _("Events"): table["events"].map(format_number),
            _("Deaths (best)"): table["best"].map(format_number),
            _("Low"): table["low"].map(format_number),
            _("High"): table["high"].map(format_number),
        }
    )
    if table["civilians"].notna().any():
        shown[_("Civilians killed")] = table["civilians"].fillna(0).map(format_number)
    return head.format(**values) + "\n" + shown.to_string(index=False)
