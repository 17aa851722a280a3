"""What happened around each place France handed over: events before and after, within a radius.

Pure computations on frames, all passed in: the event frame (`load_acled`, `load_ucdp_ged`), the
bases (``presence``) and the gazetteer (``places``); nothing here reads a file. Conventions, chosen
so that each event lands in exactly one cell and the two windows have the same length:

- **Place and distance.** The package's one rule for "near" (:func:`sahel_analysis.geo.near`):
  the geodesic distance on the WGS84 ellipsoid from the gazetteer's point for the place to the
  event's coordinates. An event counts if it lies within ``radius_km``, the circle itself
  included (to the millimetre, so that float rounding does not move an event lying on it).
- **Handover.** Periods at one place that follow on without a gap (Serval until 31 July 2014,
  Barkhane from 1 August) are one presence; its handover date is the end of the last period, and
  a place counts only if that period was handed to someone (``handed_to``): a base closed or
  left empty is not a handover.
- **Windows.** ``before``: the ``window_days`` days before the handover day,
  ``handover - window_days <= date < handover``; ``after``: the handover day and the
  ``window_days - 1`` days after it, ``handover <= date < handover + window_days``. The handover
  day counts as after: the base was no longer French for part of it. Events are placed by their
  first possible day (``date``).
- **Imprecise locations.** An event whose coordinates may lie farther from where it happened
  than the radius (``location_precision_km > radius_km``: an admin-region centroid, say) is
  counted apart, in ``imprecise_before``/``imprecise_after``, not in the event counts. A file
  without precision codes counts as precise.
- **Datasets.** ACLED and UCDP GED record overlapping events differently, so each dataset in the
  frame gets its own row per place; they are never added up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import ATTRIBUTION, DATASETS

__all__ = [
    "CAVEATS",
    "around_bases",
    "around_place",
    "around_text",
    "attribution",
    "handovers",
    "monthly_near",
]

CAVEATS: tuple[str, ...] = (
    "The counts are events recorded by the dataset, not all violence: coverage depends on what was "
    "reported, and changes over time.",
    "The choice of radius and window changes the numbers; try others before drawing a conclusion.",
    "Before/after is not cause and effect: other things changed at the same time (coups, other "
    "forces, the armed groups' own plans).",
)


def handovers(presence: pd.DataFrame) -> pd.DataFrame:
    """One row per place whose French presence ended in a handover: place_id, operation, dates.

    Contiguous periods merge into one (:func:`sahel_analysis.footprint.contiguous_periods`);
    ``operation`` lists them in order ("Serval, Barkhane").
    """
    from sahel_analysis.footprint import contiguous_periods

    periods = contiguous_periods(presence).sort_values(["place_id", "start_date"], kind="stable")
    last = periods.groupby("place_id", sort=True).tail(1)
    ended = last[last["end_date"].notna() & last["handed_to"].map(lambda h: isinstance(h, str) and h != "")]
    operation = presence.set_index("id")["operation"].astype(str)
    table = pd.DataFrame(
        {
            "place_id": ended["place_id"],
            "operation": [
                ", ".join(dict.fromkeys(operation[i] for i in ids)) for ids in ended["presence_ids"]
            ],
            "held_from": pd.to_datetime(ended["start_date"]),
            "handover": pd.to_datetime(ended["end_date"]),
            "handover_precision": ended["end_precision"],
            "handed_to": ended["handed_to"],
            "presence_ids": ended["presence_ids"],
        }
    )
    return table.sort_values("handover", kind="stable").reset_index(drop=True)


def _near(events: pd.DataFrame, place: Mapping[str, Any], radius_km: float) -> np.ndarray:
    """Which events lie within ``radius_km`` of ``place`` (:func:`sahel_analysis.geo.near`)."""
    from sahel_analysis.geo import near

    lats = events["latitude"].to_numpy(dtype=float)
    lons = events["longitude"].to_numpy(dtype=float)
    inside, _ = near(float(place["latitude"]), float(place["longitude"]), lats, lons, radius_km)
    return inside


def _precise(events: pd.DataFrame, radius_km: float) -> np.ndarray:
    if "location_precision_km" not in events.columns:
        return np.ones(len(events), dtype=bool)
    km = events["location_precision_km"].to_numpy(dtype=float, na_value=np.nan)
    return np.isnan(km) | (km <= radius_km)


def _check(radius_km: float, window_days: int) -> None:
    if not isinstance(radius_km, int | float) or isinstance(radius_km, bool) or not radius_km > 0:
        raise ValueError(f"radius_km: expected a positive number of kilometres, found {radius_km!r}")
    if not isinstance(window_days, int) or isinstance(window_days, bool) or window_days < 1:
        raise ValueError(f"window_days: expected a whole number of days, at least 1, found {window_days!r}")


def _counts(
    events: pd.DataFrame, near: np.ndarray, precise: np.ndarray, handover: pd.Timestamp, window_days: int
) -> dict[str, int]:
    dates = events["date"].to_numpy(dtype="datetime64[s]")
    start = np.datetime64(handover - pd.Timedelta(days=window_days), "s")
    day = np.datetime64(handover, "s")
    stop = np.datetime64(handover + pd.Timedelta(days=window_days), "s")
    fatalities = events["fatalities_best"].fillna(0).to_numpy(dtype=np.int64)
    out = {}
    for side, inside in (
        ("before", (dates >= start) & (dates < day)),
        ("after", (dates >= day) & (dates < stop)),
    ):
        out[f"events_{side}"] = int((near & precise & inside).sum())
        out[f"fatalities_{side}"] = int(fatalities[near & precise & inside].sum())
        out[f"imprecise_{side}"] = int((near & ~precise & inside).sum())
    return out


def around_bases(
    events: pd.DataFrame,
    *,
    radius_km: float = 50,
    window_days: int = 365,
    presence: pd.DataFrame,
    places: pd.DataFrame,
) -> pd.DataFrame:
    """Events and fatalities within ``radius_km`` of each place France handed over, before and after.

    ``presence``: the presence table; ``places``: the gazetteer. One row per place and dataset:
    place, place_id, dataset, operation, handover (date and its precision), handed_to,
    events/fatalities/imprecise before and after, ``change`` (events after minus before),
    ``covered`` (whether the data span both windows whole), and the presence rows' ``source_id``
    and ``other_source_ids`` (what the handover dates rest on). ``attrs`` hold the radius, the
    window and the datasets' ``attribution``. See the module for the conventions; `around_text`
    prints the table with its caveats.
    """
    _check(radius_km, window_days)
    coords = places.set_index("id")[["name_en", "latitude", "longitude"]]
    first, last = events["date"].min(), events.get("date_end", events["date"]).max()
    rows = []
    for base in handovers(presence).itertuples(index=False):
        place = coords.loc[base.place_id]
        near = _near(events, place, radius_km)
        rested_on = presence[presence["id"].isin(base.presence_ids)]
        precise = _precise(events, radius_km)
        window = pd.Timedelta(days=window_days)
        for dataset in [d for d in DATASETS if (events["dataset"] == d).any()]:
            mine = (events["dataset"] == dataset).to_numpy()
            counts = _counts(events[mine], near[mine], precise[mine], base.handover, window_days)
            rows.append(
                {
                    "place": place["name_en"],
                    "place_id": base.place_id,
                    "dataset": dataset,
                    "operation": base.operation,
                    "handover": base.handover,
                    "handover_precision": base.handover_precision,
                    "handed_to": base.handed_to,
                    **counts,
                    "change": counts["events_after"] - counts["events_before"],
                    "latitude": float(place["latitude"]),
                    "longitude": float(place["longitude"]),
                    "covered": bool(
                        first <= base.handover - window
                        and last >= base.handover + window - pd.Timedelta(days=1)
                    ),
                    **{c: _joined(rested_on, c) for c in ("source_id", "other_source_ids")},
                }
            )
    table = pd.DataFrame(rows)
    table.attrs.update(
        {"radius_km": radius_km, "window_days": window_days, "attribution": _attribution(events)}
    )
    return table


def _joined(rows: pd.DataFrame, column: str) -> str | None:
    """A column's source ids over ``rows``, ';'-joined as in the tables (None if there are none)."""
    from sahel_analysis.citation import source_ids

    ids = source_ids(rows[[column]]) if column in rows.columns else []
    return ";".join(ids) or None


def _attribution(events: pd.DataFrame) -> str:
    """The datasets' attribution with their access dates, or without them for a frame lacking them."""
    from sahel_analysis.events.select import event_source_line

    if "accessed" in events.columns and (text := event_source_line(events)):
        return text
    return attribution(events.get("dataset", []))


def around_text(table: pd.DataFrame) -> str:
    """The table as text, with its radius and window, and the caveats that go with it."""
    radius, window = table.attrs.get("radius_km"), table.attrs.get("window_days")
    dropped = ["place_id", "latitude", "longitude", "source_id", "other_source_ids"]
    shown = table.drop(columns=dropped, errors="ignore").copy()
    if "handover" in shown.columns:
        shown["handover"] = shown["handover"].dt.strftime("%Y-%m-%d")
    head = f"Events within {radius:g} km, {window:,} days before and after each handover" if radius else ""
    notes = "\n".join(f"- {c}" for c in CAVEATS)
    uncovered = table.loc[~table["covered"], "place"].tolist() if "covered" in table.columns else []
    if uncovered:
        notes += f"\n- The data do not span both windows for: {', '.join(dict.fromkeys(uncovered))}."
    return f"{head}\n{shown.to_string(index=False)}\n\nCaveats:\n{notes}"


def around_place(table: pd.DataFrame, place_id: str) -> pd.Series:
    """The first row of `around_bases`'s table for one place id, for `plot_monthly_around`."""
    rows = table[table["place_id"] == place_id]
    if rows.empty:
        known = ", ".join(dict.fromkeys(table["place_id"]))
        raise ValueError(f"place {place_id!r} was not handed over (or has no row); the table holds: {known}")
    return rows.iloc[0]


def monthly_near(
    events: pd.DataFrame, place: Mapping[str, Any], *, radius_km: float, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Events (precisely located) and their fatalities per month within ``radius_km`` of ``place``.

    ``place`` has ``latitude`` and ``longitude`` (a gazetteer row, or a row of `around_bases`). Months between ``start`` and
    ``end`` (default: the events') without events are present with zeros.
    """
    _check(radius_km, 1)
    chosen = events.loc[_near(events, place, radius_km) & _precise(events, radius_km)]
    month = chosen["date"].dt.to_period("M").dt.to_timestamp()
    table = (
        pd.DataFrame({"month": month, "fatalities": chosen["fatalities_best"].fillna(0).astype("int64")})
        .groupby("month")
        .agg(events=("fatalities", "size"), fatalities=("fatalities", "sum"))
    )
    first = pd.Timestamp(start).to_period("M").to_timestamp() if start is not None else table.index.min()
    last = pd.Timestamp(end).to_period("M").to_timestamp() if end is not None else table.index.max()
    if pd.isna(first) or pd.isna(last):
        return table
    full = pd.date_range(first, last, freq="MS")
    return table.reindex(full, fill_value=0).rename_axis("month")


def attribution(datasets: Any) -> str:
    """The datasets' attribution lines, for a chart drawn from a table that lost its attrs."""
    return "; ".join(ATTRIBUTION[d] for d in DATASETS if d in set(datasets))
