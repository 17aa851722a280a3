"""Work with loaded event frames: stack them, select rows, count by month, attribute (all pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import (
    ATTRIBUTION,
    COMMON_COLUMNS,
    DATASET_DTYPE,
    DATASETS,
    PRECISION_DTYPE,
)

__all__ = ["concat_events", "event_source_line", "filter_events", "monthly_counts"]


def concat_events(*frames: pd.DataFrame) -> pd.DataFrame:
    """Stack event frames (ACLED and UCDP GED alike); common columns first, then each prefix."""
    frames = tuple(f for f in frames if f is not None)
    if not frames:
        return _empty_frame()
    combined = pd.concat(frames, ignore_index=True, sort=False)
    # Categories are identical across loaders, so concat keeps them; re-assert in case a caller
    # built a frame by hand.
    combined["date_precision"] = combined["date_precision"].astype(PRECISION_DTYPE)
    combined["dataset"] = combined["dataset"].astype(DATASET_DTYPE)
    originals = [c for c in combined.columns if c not in COMMON_COLUMNS]
    return combined[[*COMMON_COLUMNS, *originals]]


_DTYPES = {
    "date": "datetime64[s]",
    "date_end": "datetime64[s]",
    "date_precision": PRECISION_DTYPE,
    "latitude": "float64",
    "longitude": "float64",
    "location_precision_km": "float64",
    "fatalities_best": "Int64",
    "fatalities_low": "Int64",
    "fatalities_high": "Int64",
    "dataset": DATASET_DTYPE,
    "accessed": "datetime64[s]",
}


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=_DTYPES.get(c, "str")) for c in COMMON_COLUMNS})


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
            raise ValueError(
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
    from sahel_analysis.i18n import _
    from sahel_analysis.textfmt import joined

    parts = []
    for name in DATASETS:
        days = events.loc[events["dataset"] == name, "accessed"].dropna().unique()
        if len(days) == 0:
            continue
        when = ", ".join(sorted(pd.Timestamp(d).date().isoformat() for d in days))
        parts.append(_("{dataset}, accessed {dates}").format(dataset=ATTRIBUTION[name], dates=when))
    return joined(parts)
