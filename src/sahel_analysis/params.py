"""Checks for notebook parameters: a wrong value stops the notebook with one line saying what is allowed.

Notebooks call these in the cell after their parameters, so that a typo in JupyterLab, on the
papermill command line or in ``sahel-analysis build -p`` fails the same way, before any work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sahel_analysis.errors import file_problem, shown


class ParameterError(ValueError):
    """A notebook parameter has a wrong type or value. The message names it and what is allowed."""


MAX_PANELS = 12  # small multiples a page can show: 07_footprint draws one map per date
MAX_TITLE_CHARS = 500  # a title is a line or two over a chart
MAX_RADIUS_KM = 2000  # "near" a place: Gao to Bamako is under 1,000 km, the whole Sahel under 6,000


def today() -> dt.date:
    """The last date any date parameter may take: the record says nothing of later days."""
    return dt.date.today()


def check_date(name: str, value: Any, *, optional: bool = True) -> dt.date | None:
    """A date given as ``YYYY-MM-DD`` text, a ``date`` or ``None`` (when optional), not after today.

    One rule for every notebook: a map, a dossier or a briefing "as of" a day to come would
    present the record as if it were known then.
    """
    if value is None and optional:
        return None
    when = None
    if isinstance(value, dt.datetime):
        when = value.date()
    elif isinstance(value, dt.date):
        when = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            when = dt.date.fromisoformat(value)
    if when is None:
        allowed = "a date as YYYY-MM-DD" + (" or None" if optional else "")
        raise ParameterError(f"{name}: expected {allowed}, found {shown(value)}")
    if when > (last := today()):
        raise ParameterError(f"{name}: expected a date no later than today ({last}), found {when}")
    return when


def check_date_range(
    start_name: str, start: Any, end_name: str, end: Any
) -> tuple[dt.date | None, dt.date | None]:
    """Two optional dates, the first not after the second."""
    first, last = check_date(start_name, start), check_date(end_name, end)
    if first and last and last < first:
        raise ParameterError(f"{end_name}: expected a date on or after {start_name} ({first}), found {last}")
    return first, last


def check_year_range(
    start_name: str, start: Any, end_name: str, end: Any, *, bounds: tuple[int, int]
) -> tuple[int, int]:
    """Two years within ``bounds`` (inclusive), the first not after the second."""
    lo, hi = bounds
    years = []
    for name, value in ((start_name, start), (end_name, end)):
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise ParameterError(f"{name}: expected a year from {lo} to {hi}, found {shown(value)}")
        years.append(value)
    if years[1] < years[0]:
        raise ParameterError(
            f"{end_name}: expected a year on or after {start_name} ({years[0]}), found {years[1]}"
        )
    return years[0], years[1]


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """One value from ``allowed``."""
    options = list(allowed)
    if value not in options:
        raise ParameterError(f"{name}: expected one of {', '.join(map(str, options))}; found {shown(value)}")
    return value


def check_choices(
    name: str, values: Any, allowed: Iterable[Any], *, optional: bool = True
) -> list[Any] | None:
    """A list of values from ``allowed`` (``None`` meaning all, when optional). Empty lists are refused."""
    options = list(allowed)
    if values is None and optional:
        return None
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ParameterError(
            f"{name}: expected a list of values from {', '.join(map(str, options))}; found {shown(values)}"
        )
    if not values:
        raise ParameterError(
            f"{name}: expected at least one of {', '.join(map(str, options))}; found an empty list"
        )
    unknown = [v for v in values if v not in options]
    if unknown:
        listed = ", ".join(map(shown, list(dict.fromkeys(map(str, unknown)))[:5])) + (
            ", ..." if len(unknown) > 5 else ""
        )
        raise ParameterError(f"{name}: unknown value(s) {listed}; allowed: {', '.join(map(str, options))}")
    return list(values)


def check_lang(value: Any) -> str:
    """The page's language ("en" or "fr"), made the language of everything the notebook writes from now on.

    Every notebook calls it in its check cell, before any chart or sentence is made.
    """
    from sahel_analysis import i18n

    return i18n.set_language(check_choice("lang", value, i18n.LANGUAGES))


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"{name}: expected True or False, found {shown(value)}")
    return value


def check_bbox(name: str, value: Any, *, optional: bool = True) -> tuple[float, float, float, float] | None:
    """``[west, south, east, north]`` in WGS84 degrees, or ``None`` (when optional)."""
    if value is None and optional:
        return None
    expected = "[west, south, east, north] in degrees, west < east, south < north, within ±180/±90"
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if ok:
        w, s, e, n = value
        ok = -180 <= w < e <= 180 and -90 <= s < n <= 90
    if not ok:
        raise ParameterError(
            f"{name}: expected {expected}{' or None' if optional else ''}; found {shown(value)}"
        )
    return tuple(float(v) for v in value)  # type: ignore[return-value]


def check_radius(name: str, value: Any) -> float:
    """A distance in km, above 0 and at most ``MAX_RADIUS_KM``: a number, or text Python's ``float()`` reads.

    YAML reads ``5e1`` as text (its floats need a dot); a user means fifty.
    """
    number = value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    ok = isinstance(number, int | float) and not isinstance(number, bool) and 0 < number <= MAX_RADIUS_KM
    if not ok:
        raise ParameterError(
            f"{name}: expected a distance in km, above 0 and at most {MAX_RADIUS_KM:,}; found {shown(value)}"
        )
    return float(number)


def check_title(value: Any) -> str | None:
    """A chart title: None (automatic) or text of at most ``MAX_TITLE_CHARS`` characters.

    A longer one is drawn on one line: 100,000 characters made a figure of 778 million pixels.
    """
    if value is not None and not isinstance(value, str):
        raise ParameterError(f"title: expected None (automatic) or a string, found {shown(value)}")
    if value is not None and len(value) > MAX_TITLE_CHARS:
        raise ParameterError(f"title: expected at most {MAX_TITLE_CHARS} characters, found {len(value):,}")
    return value


def check_nonempty(name: str, frame: Any, what: str) -> Any:
    """Refuse an empty selection, naming the parameter(s) that made it empty."""
    if len(frame) == 0:
        raise ParameterError(f"{name}: the selection is empty (no {what}); widen it")
    return frame


# --------------------------------------------------------------------------------------------------
# One check per notebook: what its check cell calls, with the tables it needs to know what exists


def _given(**params: Any) -> str:
    """The names of the filters that were set: what an empty selection is blamed on."""
    return ", ".join(name for name, value in params.items() if value is not None) or "data"


def check_map_params(
    places: Any = None,
    as_of: Any = None,
    extent: Any = None,
    *,
    show_regions: Any = True,
    show_river: Any = True,
    show_bases: Any = True,
    title: Any = None,
    gazetteer: Any,
) -> dict[str, Any]:
    """The map notebook's parameters, checked and normalised (places without repeats, dates, tuples).

    A place must be in ``gazetteer`` and inside the mapped region (Paris is in the gazetteer, but
    a map stretched to include it would be mostly blank).
    """
    from sahel_analysis.geo import mappable_places
    from sahel_analysis.select import DEFAULT_PLACES

    if places is None:
        places = list(DEFAULT_PLACES)
    places = check_choices("places", places, mappable_places(gazetteer), optional=False)
    for name, value in {
        "show_regions": show_regions,
        "show_river": show_river,
        "show_bases": show_bases,
    }.items():
        check_bool(name, value)
    check_title(title)
    return {
        "places": list(dict.fromkeys(places)),  # drop repeats, keep order
        "as_of": check_date("as_of", as_of),
        "extent": check_bbox("extent", extent),
        "regions": show_regions,
        "river": show_river,
        "bases": show_bases,
        "title": title,
    }


def check_troop_params(start: Any, end: Any, operations: Any, scopes: Any, *, troops: Any) -> dict[str, Any]:
    """The troop-levels notebook's parameters; the selection they make of ``troops`` must not be empty."""
    from sahel_analysis import schema, select

    first, last = check_date_range("start", start, "end", end)
    ops = check_choices("operations", operations, schema.enum("troop_levels", "operation"))
    scs = check_choices("scopes", scopes, schema.enum("troop_levels", "scope"))
    chosen = select.select_troop_levels(troops, start=first, end=last, operations=ops, scopes=scs)
    check_nonempty(
        _given(start=start, end=end, operations=operations, scopes=scopes), chosen, "troop figures"
    )
    return {"start": first, "end": last, "operations": ops, "scopes": scs}


def check_cost_params(
    start: Any,
    end: Any,
    coverages: Any,
    *,
    constant: Any,
    base_year: Any,
    cumulative: Any,
    costs: Any,
    cpi: Any,
) -> dict[str, Any]:
    """The costs notebook's parameters; the years and coverages chosen must hold a figure to draw."""
    from sahel_analysis import measures, schema, select

    first, last = check_year_range("start", start, "end", end, bounds=schema.bounds("costs", "year"))
    covs = check_choices("coverages", coverages, schema.enum("costs", "coverage"))
    check_bool("constant", constant)
    check_bool("cumulative", cumulative)
    base = check_choice("base_year", base_year, [int(y) for y in cpi["year"]])
    chosen = select.select_costs(costs, start=first, end=last, coverages=covs)
    check_nonempty(_given(start=start, end=end, coverages=coverages), chosen, "cost figures")
    if constant:
        shown = measures.cost_figures(chosen, cpi, constant=True, base_year=base).shown
        years = ", ".join(map(str, cpi["year"]))
        check_nonempty(
            _given(start=start, end=end, coverages=coverages, constant=True),
            shown,
            f"cost figure for a year of the price index ({years})",
        )
    return {
        "start": first,
        "end": last,
        "coverages": covs,
        "constant": constant,
        "base_year": base,
        "cumulative": cumulative,
    }


def check_timeline_params(
    start: Any, end: Any, categories: Any, lanes: Any, highlight: Any, *, events: Any
) -> dict[str, Any]:
    """The timeline notebook's parameters; ``highlight`` must name events of ``events``."""
    from sahel_analysis import schema, select
    from sahel_analysis.select import LANE_MODES

    first, last = check_date_range("start", start, "end", end)
    cats = check_choices("categories", categories, schema.enum("events", "category"))
    check_choice("lanes", lanes, LANE_MODES)
    stressed = check_choices("highlight", highlight, list(events["id"]))
    chosen = select.select_events(events, start=first, end=last, categories=cats)
    check_nonempty(_given(start=start, end=end, categories=categories), chosen, "events")
    return {"start": first, "end": last, "categories": cats, "lanes": lanes, "highlight": stressed}


def check_as_of(value: Any, *, events: Any, latest: Any, today: dt.date | None = None) -> Any:
    """The briefing's ``as_of``: None means ``latest``; a date must lie from the first event to today."""
    import pandas as pd

    when = check_date("as_of", value)
    if when is None:
        return latest
    first = events["date"].min().date()
    today = today or dt.date.today()
    if not first <= when <= today:
        raise ParameterError(
            f"as_of: expected a date from {first} (the first event) to {today} (today), found {when}"
        )
    return pd.Timestamp(when)


def check_event_params(
    *,
    acled_path: Any = None,
    ucdp_path: Any = None,
    country: Any = None,
    start: Any = None,
    end: Any = None,
    event_types: Any = None,
    aggregate: Any = None,
    radius_km: Any = 50,
    window_days: Any = 365,
    monthly_place: Any = "gao",
    shipped_ucdp: Any = True,
    period_starts: Any = None,
) -> dict[str, Any]:
    """The conflict-events notebook's parameters, checked; a wrong one stops it with one line.

    Returns them normalised: paths as `Path` (or None), dates as `datetime.date` (or None), the
    map's period starts as a sorted list of dates (or None).
    Event types are checked against the data later, by `filter_events`, since only the files
    say which exist.
    """
    import os
    from pathlib import Path

    out: dict[str, Any] = {}
    for name, value in (("acled_path", acled_path), ("ucdp_path", ucdp_path)):
        if value is None or value == "":
            out[name] = None
            continue
        if not isinstance(value, str | os.PathLike):
            raise ParameterError(f"{name}: expected a file path (text) or None, found {shown(value)}")
        path = Path(value).expanduser()
        expected = "an event file (CSV, zipped CSV or .xlsx)"
        if (problem := file_problem(path, expected, "no such file")) is not None:
            raise ParameterError(f"{name}: {problem}: {shown(str(path))}")
        out[name] = path
    if country is not None and not (isinstance(country, str) and country.strip()):
        raise ParameterError(
            f"country: expected a country name such as 'Mali', or None; found {shown(country)}"
        )
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
            f"found {shown(event_types)}"
        )
    out["event_types"] = list(event_types) if event_types is not None else None
    out["aggregate"] = check_choice("aggregate", aggregate, [None, "admin1"])
    out["radius_km"] = check_radius("radius_km", radius_km)
    if isinstance(window_days, bool) or not isinstance(window_days, int) or not 1 <= window_days <= 3650:
        raise ParameterError(
            f"window_days: expected a whole number of days from 1 to 3650; found {shown(window_days)}"
        )
    out["window_days"] = window_days
    if not (isinstance(monthly_place, str) and monthly_place.strip()):
        raise ParameterError(
            f"monthly_place: expected a place id such as 'gao'; found {shown(monthly_place)}"
        )
    out["monthly_place"] = monthly_place
    out["shipped_ucdp"] = check_bool("shipped_ucdp", shipped_ucdp)
    starts = period_starts
    if starts is not None and (isinstance(starts, str) or not isinstance(starts, Sequence) or not starts):
        raise ParameterError(
            f"period_starts: expected a non-empty list of dates as YYYY-MM-DD, or None; found {shown(starts)}"
        )
    if starts is not None and len(starts) > MAX_PANELS:
        raise ParameterError(
            f"period_starts: expected at most {MAX_PANELS} dates (one map each); found {len(starts):,}"
        )
    out["period_starts"] = (
        None if starts is None else sorted({check_date("period_starts", d, optional=False) for d in starts})
    )
    return out


def check_footprint_params(dates: Any, extent: Any, title: Any) -> dict[str, Any]:
    """The footprint notebook's parameters: a non-empty list of dates, a named extent, a title."""
    from sahel_analysis.footprint import EXTENTS

    if isinstance(dates, str) or not isinstance(dates, Sequence) or not dates:
        raise ParameterError(f"dates: expected a non-empty list of dates as YYYY-MM-DD, found {shown(dates)}")
    checked = list(dict.fromkeys(check_date("dates", d, optional=False) for d in dates))
    if len(checked) > MAX_PANELS:
        raise ParameterError(
            f"dates: expected at most {MAX_PANELS} dates (one map each, as many as a page can show); "
            f"found {len(checked):,}"
        )
    check_choice("extent", extent, EXTENTS)
    check_title(title)
    return {"dates": sorted(checked), "extent": extent, "title": title}


def check_place_params(
    place: Any,
    as_of: Any,
    radius_km: Any,
    *,
    acled_path: Any = None,
    ucdp_path: Any = None,
    shipped_ucdp: Any = True,
    gazetteer: Any,
    latest: Any,
    events: Any = None,
) -> dict[str, Any]:
    """The place dossier's parameters: a gazetteer id on the regional map, a date, a radius, files.

    ``as_of`` None means ``latest``; given ``events``, a date must lie from the first event to today,
    as the briefing's does.
    """
    import pandas as pd

    from sahel_analysis.geo import mappable_places

    valid = mappable_places(gazetteer)
    if not isinstance(place, str) or place not in valid:
        raise ParameterError(f"place: unknown id {shown(place)}; valid ids: {', '.join(valid)}")
    when = (
        check_as_of(as_of, events=events, latest=latest) if events is not None else check_date("as_of", as_of)
    )
    radius = check_radius("radius_km", radius_km)
    files = check_event_files(acled_path, ucdp_path, shipped_ucdp)
    return {
        "place": place,
        "as_of": pd.Timestamp(when) if when is not None else pd.Timestamp(latest),
        "radius_km": radius,
        **files,
    }


def check_event_files(acled_path: Any, ucdp_path: Any, shipped_ucdp: Any) -> dict[str, Any]:
    """The event-file parameters the dossier and the briefing share: two paths and the default's switch."""
    files = check_event_params(acled_path=acled_path, ucdp_path=ucdp_path, shipped_ucdp=shipped_ucdp)
    return {name: files[name] for name in ("acled_path", "ucdp_path", "shipped_ucdp")}
