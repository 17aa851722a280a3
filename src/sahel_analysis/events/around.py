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
- **Countries.** A place gets a row for a dataset only if that dataset holds events in the
  place's country (the gazetteer's ``country_iso3`` against the events' ``country``): a file of
  Mali and Burkina Faso says nothing about Niamey, and a row of zeros there would read as calm.
  The places left out are listed in ``attrs["left_out"]``. Without those two columns every place
  counts.
- **As of a date** (``until``). Only the handovers on or before it count, and only the events up
  to it: a window after a handover closes at ``until`` at the latest, and the window before is
  shortened to the same length, so that the two compare like with like (``window_days`` per row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import ATTRIBUTION, DATASETS
from sahel_analysis.i18n import N_, _, format_date, format_number, text_of
from sahel_analysis.schema import country_label
from sahel_analysis.textfmt import joined

__all__ = [
    "CAVEATS",
    "around_bases",
    "around_place",
    "around_text",
    "attribution",
    "handovers",
    "monthly_near",
]

# Marked for the catalogue: a page shows them translated (`sahel_analysis.aftermath.caveats`).
CAVEATS: tuple[str, ...] = (
    N_(
        "The counts are events recorded by the dataset, not all violence: coverage depends on what was "
        "reported, and changes over time."
    ),
    N_("The choice of radius and window changes the numbers; try others before drawing a conclusion."),
    N_(
        "Before/after is not cause and effect: other things changed at the same time (coups, other "
        "forces, the armed groups' own plans)."
    ),
)


AROUND_COLUMNS = [
    "place",
    "place_id",
    "dataset",
    "operation",
    "handover",
    "handover_precision",
    "handed_to",
    "window_days",
    *(f"{what}_{side}" for side in ("before", "after") for what in ("events", "fatalities", "imprecise")),
    "change",
    "latitude",
    "longitude",
    "covered",
    "source_id",
    "other_source_ids",
]


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
    inside, _km = near(float(place["latitude"]), float(place["longitude"]), lats, lons, radius_km)
    return inside


def _precise(events: pd.DataFrame, radius_km: float) -> np.ndarray:
    if "location_precision_km" not in events.columns:
        return np.ones(len(events), dtype=bool)
    km = events["location_precision_km"].to_numpy(dtype=float, na_value=np.nan)
    return np.isnan(km) | (km <= radius_km)


def _countries(events: pd.DataFrame) -> set[str] | None:
    """The countries the events lie in, casefolded (None: the frame does not say)."""
    if "country" not in events.columns:
        return None
    return {str(c).casefold() for c in events["country"].dropna().unique()}


def _country_names(iso3: Any) -> set[str]:
    """The names a dataset may give the country ``iso3`` (ours, and UCDP's and ACLED's "Ivory Coast")."""
    from sahel_analysis.schema import COUNTRY_NAMES

    names = {COUNTRY_NAMES.get(str(iso3), str(iso3)).casefold()}
    return names | ({"ivory coast", "cote d'ivoire"} if iso3 == "CIV" else set())


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
    until: Any = None,
) -> pd.DataFrame:
    """Events and fatalities within ``radius_km`` of each place France handed over, before and after.

    ``presence``: the presence table; ``places``: the gazetteer. ``until``: a date the table is
    true as of (None: all the events). One row per place and dataset: place, place_id, dataset,
    operation, handover (date and its precision), handed_to, ``window_days`` (the length of each
    window), events/fatalities/imprecise before and after, ``change`` (events after minus
    before), ``covered`` (whether the data span both windows whole), and the presence rows'
    ``source_id`` and ``other_source_ids`` (what the handover dates rest on). ``attrs`` hold the
    radius, the window, the datasets' ``attribution``, ``until`` and ``left_out`` (places whose
    country a dataset does not cover: place, place_id, country, dataset). See the module for the
    conventions; `around_text` prints the table with its caveats.
    """
    from sahel_analysis.select import as_timestamp

    _check(radius_km, window_days)
    as_of = as_timestamp(until, "until")
    if as_of is not None:
        events = events[(events["date"] <= as_of).to_numpy()]
    named = ["name_en", *(["name_fr"] if "name_fr" in places else [])]
    columns = [*named, "latitude", "longitude", *(["country_iso3"] if "country_iso3" in places else [])]
    coords = places.set_index("id")[columns]
    first, last = events["date"].min(), events.get("date_end", events["date"]).max()
    datasets = {d: (events["dataset"] == d).to_numpy() for d in DATASETS if (events["dataset"] == d).any()}
    covers = {d: _countries(events[mine]) for d, mine in datasets.items()}
    rows, left_out = [], []
    for base in handovers(presence).itertuples(index=False):
        if as_of is not None and base.handover > as_of:
            continue
        place = coords.loc[base.place_id]
        near = _near(events, place, radius_km)
        rested_on = presence[presence["id"].isin(base.presence_ids)]
        precise = _precise(events, radius_km)
        days = window_days if as_of is None else min(window_days, (as_of - base.handover).days + 1)
        window = pd.Timedelta(days=days)
        for dataset, mine in datasets.items():
            iso3 = place.get("country_iso3")
            if (
                covers[dataset] is not None
                and isinstance(iso3, str)
                and not _country_names(iso3) & covers[dataset]
            ):
                left_out.append({"place": text_of(place, "name"), "place_id": base.place_id, "country": iso3,
                                 "dataset": dataset})  # fmt: skip
                continue
            counts = _counts(events[mine], near[mine], precise[mine], base.handover, days)
            rows.append(
                {
                    "place": text_of(place, "name"),
                    "place_id": base.place_id,
                    "dataset": dataset,
                    "operation": base.operation,
                    "handover": base.handover,
                    "handover_precision": base.handover_precision,
                    "handed_to": base.handed_to,
                    "window_days": days,
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
    table = pd.DataFrame(rows, columns=AROUND_COLUMNS)
    table.attrs.update(
        {
            "radius_km": radius_km,
            "window_days": window_days,
            "attribution": _attribution(events),
            "until": as_of,
            "left_out": left_out,
        }
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
    if "handover" in shown.columns:  # each date to its precision ("October 2021"), as the record has it
        precision = shown.pop("handover_precision") if "handover_precision" in shown else ["day"] * len(shown)
        shown["handover"] = [format_date(d, p) for d, p in zip(shown["handover"], precision, strict=True)]
    if "covered" in shown.columns:
        shown["covered"] = shown["covered"].map({True: _("yes"), False: _("no")})
    head = ""
    if radius:
        head = _("Events within {km} km, {days} days before and after each handover").format(
            km=format_number(radius, 1 if radius % 1 else 0), days=format_number(window)
        )
    if radius and "window_days" in table.columns and (table["window_days"] < window).any():
        head += " " + _("(as of {date}: shorter windows where fewer days had passed)").format(
            date=format_date(table.attrs["until"], "day")
        )
    notes = "\n".join(f"- {_(c)}" for c in CAVEATS)
    uncovered = table.loc[~table["covered"], "place"].tolist() if "covered" in table.columns else []
    if uncovered:
        notes += "\n- " + _("The data do not span both windows for: {places}.").format(
            places=", ".join(dict.fromkeys(uncovered))
        )
    outside = table.attrs.get("left_out") or []
    if outside:
        named = ", ".join(
            dict.fromkeys(
                _("{place} ({country}, {dataset})").format(
                    place=p["place"], country=country_label(p["country"]), dataset=p["dataset"]
                )
                for p in outside
            )
        )
        notes += "\n- " + _("No row for places in a country the data hold no event in: {places}.").format(
            places=named
        )
    shown = shown.rename(columns=lambda c: _(TEXT_COLUMNS[c]) if c in TEXT_COLUMNS else c)
    return _("{head}\n{table}\n\nCaveats:\n{notes}").format(
        head=head, table=shown.to_string(index=False), notes=notes
    )


# The columns of `around_text`'s table, named as the table's code names them (English message ids:
# the French page names them in words).
TEXT_COLUMNS = {
    "place": N_("place"),
    "dataset": N_("dataset"),
    "operation": N_("operation"),
    "handover": N_("handover"),
    "handed_to": N_("handed_to"),
    "window_days": N_("window_days"),
    "events_before": N_("events_before"),
    "fatalities_before": N_("fatalities_before"),
    "imprecise_before": N_("imprecise_before"),
    "events_after": N_("events_after"),
    "fatalities_after": N_("fatalities_after"),
    "imprecise_after": N_("imprecise_after"),
    "change": N_("change"),
    "covered": N_("covered"),
}


def around_place(table: pd.DataFrame, place_id: str) -> pd.Series | None:
    """The first row of `around_bases`'s table for one place id, for `plot_monthly_around`.

    None when the place was handed over but the data do not cover its country (``attrs["left_out"]``);
    ValueError, listing the places of the table, when it has no row for another reason.
    """
    rows = table[table["place_id"] == place_id]
    if rows.empty:
        if any(p["place_id"] == place_id for p in table.attrs.get("left_out") or []):
            return None
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
    return joined(ATTRIBUTION[d] for d in DATASETS if d in set(datasets))
