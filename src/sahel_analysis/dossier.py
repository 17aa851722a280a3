"""A dossier on one place: French presence there, events at or near it, distances, the article's claims.

Pure functions of the tables and, for distances to borders, the countries layer, all passed in:
nothing here reads a file or draws. "Near" is the package's one rule
(:func:`sahel_analysis.geo.near`, geodesic, from the gazetteer's coordinates); an event is located
by its ``place_id``, so events recorded for a whole country are never "near" anything.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, footprint, geo, markup, select
from sahel_analysis.i18n import (
    N_,
    _,
    country_name,
    format_date,
    format_number,
    pgettext,
    text_column,
    text_of,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NO_BASE_NOTE",
    "NO_CLAIM_NOTE",
    "NO_EVENT_NOTE",
    "TOWN_RADIUS_KM",
    "claims_about",
    "distances_table",
    "events_near",
    "events_near_title",
    "near_table",
    "no_handover_note",
    "place_row",
    "presence_at",
    "towns_near",
]

TOWN_RADIUS_KM = 300.0

# What a section says when it has nothing to show (shown with ``_()``).
NO_BASE_NOTE = N_("No French base here in the record.")
NO_EVENT_NOTE = N_("No event of the record within the radius.")
NO_CLAIM_NOTE = N_("The article makes no claim about this place.")


def events_near_title(centre: Any, radius_km: float) -> str:
    """The title of the timeline of the events near a place: "Events within 100 km of Gao"."""
    return _("Events within {km} km of {place}").format(
        km=format_number(radius_km, 1 if radius_km % 1 else 0), place=text_of(centre, "name")
    )


def no_handover_note(centre: Any) -> str:
    """What the conflict section says of a place where France handed no base over."""
    return _("France handed over no base at {place}: there is no handover to chart around.").format(
        place=text_of(centre, "name")
    )


def place_row(gazetteer: pd.DataFrame, place_id: str) -> pd.Series:
    """The gazetteer row of ``place_id``; ValueError listing the valid ids if there is none."""
    select.check_place_ids(gazetteer, [place_id])
    return gazetteer[gazetteer["id"] == place_id].iloc[0]


def presence_at(presence: pd.DataFrame, place_id: str, *, sources: pd.DataFrame) -> pd.DataFrame:
    """The French presence at one place: operation or status, from, to, handed to, sources (publishers),
    and confidence when a row is low (:func:`sahel_analysis.markup.mark_low_confidence`)."""
    import pandas as pd

    rows = []
    here = presence[presence["place_id"] == place_id].sort_values("start_date", kind="stable")
    for r, publishers in zip(here.itertuples(), citation.row_publishers(here, sources), strict=True):
        rows.append({**footprint.period_text(r, while_held=_("still held")), "sources": publishers})
    columns = [*footprint.PERIOD_COLUMNS, N_("sources")]
    table = pd.DataFrame(rows, columns=columns).rename(columns=_)
    return markup.mark_low_confidence(table, citation.low_confidence(here))


def events_near(
    events: pd.DataFrame, gazetteer: pd.DataFrame, place_id: str, radius_km: float
) -> pd.DataFrame:
    """The events located at a gazetteer place within ``radius_km`` of ``place_id`` (itself included).

    Adds ``distance_km`` (:func:`sahel_analysis.geo.near`, from the gazetteer's coordinates);
    keeps ``frame.attrs``.
    """
    centre = place_row(gazetteer, place_id)
    coords = gazetteer.set_index("id")[["latitude", "longitude"]]
    located = events[events["place_id"].isin(coords.index)]
    lat = coords.loc[located["place_id"], "latitude"].to_numpy(dtype=float)
    lon = coords.loc[located["place_id"], "longitude"].to_numpy(dtype=float)
    inside, km = geo.near(float(centre["latitude"]), float(centre["longitude"]), lat, lon, radius_km)
    out = select.keep(located, inside)
    out["distance_km"] = km[inside]
    return out.sort_values(["date", "id"], kind="stable")


def towns_near(populated: pd.DataFrame, centre: Any, radius_km: float = TOWN_RADIUS_KM) -> pd.DataFrame:
    """The rows of Natural Earth's populated places within ``radius_km`` of ``centre`` (a gazetteer row)."""
    inside, km = geo.near(
        float(centre["latitude"]),
        float(centre["longitude"]),
        populated["latitude"].to_numpy(dtype=float),
        populated["longitude"].to_numpy(dtype=float),
        radius_km,
    )
    out = populated[inside].copy()
    out["distance_km"] = km[inside]
    return out.sort_values("distance_km", kind="stable")


def distances_table(
    place_id: str, gazetteer: pd.DataFrame, presence: pd.DataFrame, as_of: Any, *, countries: pd.DataFrame
) -> pd.DataFrame:
    """Distances from the place: to Bamako, to the nearest other French base held on ``as_of``, and
    to Mali's border and the nearest international border (``countries``: the layer of
    :func:`sahel_analysis.geo.load_countries`). Columns ``to``, ``km``, ``how``."""
    import pandas as pd

    centre = place_row(gazetteer, place_id)
    names = dict(zip(gazetteer["id"], text_column(gazetteer, "name"), strict=True))
    rows = []
    if place_id != "bamako" and "bamako" in set(gazetteer["id"]):
        km = geo.distance_km(place_id, "bamako", places=gazetteer)
        rows.append({"to": names["bamako"], "km": km, "how": _("geodesic, WGS84 ellipsoid")})
    when = select.as_timestamp(as_of)
    held = select.bases_held(presence, when)
    others = [p for p in dict.fromkeys(held["place_id"]) if p != place_id]
    on = format_date(when)
    if others:
        nearest = min(others, key=lambda p: geo.distance_km(place_id, p, places=gazetteer))
        km = geo.distance_km(place_id, nearest, places=gazetteer)
        to = _("nearest other French base on {date}: {place}").format(date=on, place=names[nearest])
        rows.append({"to": to, "km": km, "how": _("geodesic")})
    else:
        to = _("nearest other French base on {date}").format(date=on)
        rows.append({"to": to, "km": None, "how": _("none held that day")})
    border = geo.border_distances_km(
        float(centre["latitude"]), float(centre["longitude"]), centre["country_iso3"], countries
    )
    outline = _("Natural Earth 1:50m outline")
    if centre["country_iso3"] == "MLI":
        rows.append({"to": _("Mali's border"), "km": border["mali_km"], "how": outline})
    else:
        rows.append({"to": _("Mali (its nearest point)"), "km": border["mali_km"], "how": outline})
    neighbour = country_name(border.get("neighbour_iso3", ""), border["neighbour"])
    rows.append(
        {
            "to": _("nearest international border (with {country})").format(country=neighbour),
            "km": border["border_km"],
            "how": _("Natural Earth; coasts are not borders"),
        }
    )
    table = pd.DataFrame(rows, columns=["to", "km", "how"])
    # Whole kilometres, shown as such ("1179", not "1179.0"); a missing distance stays empty.
    table["km"] = table["km"].astype(float).round(0).astype("Int64")
    # "to" here is towards a place, not until a date as in the presence tables.
    return table.rename(columns={"to": pgettext("distance", "to"), "how": _("how")})


def _names(centre: Any) -> list[str]:
    names = [centre["name_en"], centre.get("name_fr")]
    alt = centre.get("alt_names")
    if isinstance(alt, str):
        names += [a.strip() for a in alt.split(";")]
    return [n for n in dict.fromkeys(names) if isinstance(n, str) and n]


def claims_about(claims: pd.DataFrame, events: pd.DataFrame, centre: Any) -> pd.DataFrame:
    """The article's claims that concern the place: tied to an event there, computed from its
    coordinates, or naming it (any of its names or spellings) in the claim or the record."""
    place_id = centre["id"]
    at_place = set(events.loc[events["place_id"] == place_id, "id"])
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, _names(centre))) + r")\b", re.IGNORECASE)

    def concerns(row: Any) -> bool:
        if row["event_id"] in at_place:
            return True
        if isinstance(row["computation"], str) and place_id in row["computation"].split(":")[1:]:
            return True
        text = " ".join(
            str(row[c]) for c in ("claim", "article_value", "record_value") if isinstance(row[c], str)
        )
        return bool(pattern.search(text))

    return select.keep(claims, claims.apply(concerns, axis=1)) if len(claims) else claims


def near_table(near: pd.DataFrame, gazetteer: pd.DataFrame, *, sources: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_near`'s rows as a reader wants them: the events table with the distance in km."""
    from sahel_analysis.briefing import events_table

    table = events_table(near, places=gazetteer, sources=sources)
    distances = near.sort_values(["date", "id"], kind="stable")["distance_km"]
    table.insert(3, _("km away"), [format_number(km) for km in distances])
    return table
