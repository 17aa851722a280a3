"""What each page is called and what the index says of it, written for a reader from the parameters.

One function per notebook, fed with the notebook's checked parameters and the rows it shows,
returns a :class:`Page`: the title (the page's ``<title>`` and first heading), a one-line summary
for the index, the index group (briefings by date, dossiers by place, then the analyses) and the
parameters that make the page what it is (two pages with the same are the same page).

A notebook displays its page where its first heading goes. The display shows the heading and
carries the rest in its metadata (``sahel_analysis`` → ``page``), where the build reads it back with
:func:`read_page`: the title and the index entry have one source, the notebook's own parameters.

Every string goes through the catalogue (``_``), dates and numbers through Babel. Importing this
module stays light (the build reads pages back without pandas); the computations import what they
need.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sahel_analysis.i18n import _, format_date, format_number, get_language, ngettext, text_of
from sahel_analysis.textfmt import list_text, year_range

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GROUPS",
    "Page",
    "briefing_page",
    "conflict_page",
    "costs_page",
    "dossier_page",
    "footprint_page",
    "map_page",
    "read_page",
    "timeline_page",
    "troop_levels_page",
]

# The output metadata entry the project's displays write under (charts put their data there too).
METADATA_KEY = "sahel_analysis"
PAGE_KEY = "page"
# The index's groups, in the order it lists them.
GROUPS = ("briefing", "dossier", "analysis")


def _plain(value: Any) -> Any:
    """Parameters as JSON values: dates as ISO text, paths as text, tuples as lists."""
    return json.loads(json.dumps(value, default=_iso, sort_keys=True))


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value == value.replace(hour=0, minute=0, second=0) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Page:
    """A page as a reader meets it: its title, a line for the index, where the index lists it."""

    title: str
    summary: str
    group: str = "analysis"
    order: str = ""  # within the group: an ISO date for a briefing, the place's name for a dossier
    key: dict[str, Any] = field(default_factory=dict)  # the parameters that make the page what it is

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"group: expected one of {', '.join(GROUPS)}, found {self.group!r}")

    def metadata(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "group": self.group,
            "order": self.order,
            "key": _plain(self.key),
            "lang": get_language(),
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        from sahel_analysis.markup import heading_html

        data = {"text/html": heading_html(self.title, 1), "text/plain": self.title}
        return data, {METADATA_KEY: {PAGE_KEY: self.metadata()}}


def read_page(nb: Any) -> dict[str, Any] | None:
    """The page an executed notebook displayed (``Page.metadata()``), or None if it displayed none."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            meta = output.get("metadata", {}).get(METADATA_KEY) if isinstance(output, dict) else None
            page = meta.get(PAGE_KEY) if isinstance(meta, dict) else None
            if isinstance(page, dict):
                return page
    return None


def _name(row: Any) -> str:
    """A gazetteer place's name in the current language (``name_fr``...), else its English name."""
    named = row.get(f"name_{get_language()}")
    return str(named) if isinstance(named, str) and named else str(row["name_en"])


def _years(dates: Any) -> str:
    import pandas as pd

    stamps = pd.to_datetime(pd.Series(list(dates))).dropna()
    return year_range(int(stamps.min().year), int(stamps.max().year)) if len(stamps) else ""


# --------------------------------------------------------------------------------------------------
# The pages made for a reader: a briefing as of a date, a dossier on a place


def briefing_page(as_of: pd.Timestamp, figures: list[Any], events: pd.DataFrame) -> Page:
    """06_briefing: "Mali after the coups, as of 20 August 2022"; the index line says what had just happened.

    ``figures`` are the briefing's key figures (:func:`sahel_analysis.briefing.key_figures`),
    ``events`` those of the record up to ``as_of``.
    """
    from sahel_analysis import briefing

    title = _("Mali after the coups, as of {date}").format(date=format_date(as_of))
    lines = []
    if len(events):
        last = events.sort_values(["date", "id"], kind="stable").iloc[-1]
        lines.append(
            _("Latest event by then: {title} ({date}).").format(
                title=text_of(last, "title"), date=format_date(last["date"], last["precision"])
            )
        )
    troops = next(f for f in figures if f.label == briefing.TROOPS)
    if troops.value is not None:
        lines.append(_("French troops: {troops}.").format(troops=troops.text))
    return Page(title, " ".join(lines), "briefing", as_of.date().isoformat(), {"as_of": as_of})


def dossier_page(centre: Any, as_of: pd.Timestamp, presence: pd.DataFrame, checked: dict[str, Any]) -> Page:
    """08_place: "Kidal: dossier as of 29 January 2026"; the index line says whether France held a base there.

    ``centre`` is the place's gazetteer row, ``presence`` the presence table as known on ``as_of``
    (:func:`sahel_analysis.select.presence_as_of`), ``checked`` the notebook's checked parameters.
    """
    from sahel_analysis import footprint, select

    name, when = _name(centre), format_date(as_of)
    title = _("{place}: dossier as of {date}").format(place=name, date=when)
    periods = footprint.contiguous_periods(presence[presence["place_id"] == centre["id"]])
    held = select.bases_held(periods, as_of)
    if len(held):
        r = held.iloc[-1]
        summary = _("France held a base here on {date} ({operations}, since {since}).").format(
            date=when, operations=r["operations"], since=format_date(r["start_date"], r["start_precision"])
        )
    elif len(periods):
        r = periods.iloc[-1]
        values = {"date": when, "left": format_date(r["end_date"], r["end_precision"]), "to": r["handed_to"]}
        handed = isinstance(r["handed_to"], str) and bool(r["handed_to"])
        if r["end_precision"] == "day":
            summary = (
                _("No French base here on {date}: France left on {left}, handing over to {to}.")
                if handed
                else _("No French base here on {date}: France left on {left}.")
            ).format(**values)
        else:
            summary = (
                _("No French base here on {date}: France left in {left}, handing over to {to}.")
                if handed
                else _("No French base here on {date}: France left in {left}.")
            ).format(**values)
    else:
        summary = _("France had held no base here by {date}.").format(date=when)
    return Page(title, summary, "dossier", f"{name}|{as_of.date().isoformat()}", checked)


# --------------------------------------------------------------------------------------------------
# The analyses


def map_page(checked: dict[str, Any], gazetteer: pd.DataFrame) -> Page:
    """01_map: "Where it happened: Timbuktu, Gao, Kidal, Kati and Bamako" (the map's own title if given)."""
    from sahel_analysis import select

    marked = select.places_by_id(gazetteer, checked["places"])
    places = list_text([_name(r) for _, r in marked.iterrows()])
    as_of = checked["as_of"]
    if checked["title"]:
        title = checked["title"]
    elif checked["bases"] and as_of is not None:
        title = _("Where it happened: {places}, with the French bases on {date}").format(
            places=places, date=format_date(as_of)
        )
    else:
        title = _("Where it happened: {places}").format(places=places)
    # Bases are not counted: those held outside the map's extent (Dakar, Djibouti) are not drawn.
    if not checked["bases"]:
        summary = _("A map of Mali and its regions with the places of the story.")
    elif as_of is None:
        summary = _(
            "A map of Mali and its regions with the places of the story and every French base in the record."
        )
    else:
        summary = _(
            "A map of Mali and its regions with the places of the story and the French bases held on {date}."
        ).format(date=format_date(as_of))
    return Page(title, summary, key=checked)


def troop_levels_page(troops: pd.DataFrame, checked: dict[str, Any]) -> Page:
    """02_troop_levels: "French troop levels, 2013–2025", the years those of the figures shown; the
    index line is the notebook's key figures."""
    from sahel_analysis import measures

    years = _years(troops["date"])
    if checked["operations"]:
        title = _("French troop levels in {operations}, {years}").format(
            operations=list_text(checked["operations"]), years=years
        )
    else:
        title = _("French troop levels, {years}").format(years=years)
    return Page(title, measures.describe_peak(troops).replace("\n", " "), key=checked)


def costs_page(totals: pd.DataFrame, checked: dict[str, Any]) -> Page:
    """03_costs: "What the French operations cost, 2012–2022"; the index line gives the widest total.

    ``totals`` is :func:`sahel_analysis.measures.total_cost` of what the chart draws.
    """
    from sahel_analysis import schema
    from sahel_analysis.textfmt import euros

    years = year_range(checked["start"], checked["end"])
    if checked["constant"]:
        title = _("What the French operations cost, {years}, in euros of {base}").format(
            years=years, base=checked["base_year"]
        )
    else:
        title = _("What the French operations cost, {years}").format(years=years)
    first = totals.iloc[0]  # the coverages in declared order: the widest first
    summary = ngettext(
        "{coverage}: about {amount} in {n} year with a figure.",
        "{coverage}: about {amount} in {n} years with a figure.",
        int(first["years_with_figure"]),
    ).format(
        coverage=_(schema.COVERAGE_LABELS.get(str(totals.index[0]), str(totals.index[0]))),
        amount=euros(float(first["total"])),
        n=format_number(first["years_with_figure"]),
    )
    return Page(title, summary, key=checked)


def timeline_page(shown: pd.DataFrame, checked: dict[str, Any]) -> Page:
    """04_timeline: "Mali and the Sahel, 2012–2026: the sequence of events", the years those of the events shown."""
    from sahel_analysis import measures

    title = _("Mali and the Sahel, {years}: the sequence of events").format(years=_years(shown["date"]))
    return Page(title, measures.describe_events(shown).replace("\n", " "), key=checked)


def conflict_page(checked: dict[str, Any]) -> Page:
    """05_conflict_events: "Conflict events in Mali, 2012–2023: ACLED and UCDP GED", from the parameters."""
    years = (
        year_range(checked["start"].year, checked["end"].year) if checked["start"] and checked["end"] else ""
    )
    from sahel_analysis.schema import country_of_name

    country = country_of_name(checked["country"]) if checked["country"] else checked["country"]
    if country and years:
        title = _("Conflict events in {country}, {years}: ACLED and UCDP GED").format(
            country=country, years=years
        )
    elif country:
        title = _("Conflict events in {country}: ACLED and UCDP GED").format(country=country)
    elif years:
        title = _("Conflict events, {years}: ACLED and UCDP GED").format(years=years)
    else:
        title = _("Conflict events: ACLED and UCDP GED")
    summary = _(
        "Recorded events on a map and month by month, and within {km} km of the bases France handed over."
    ).format(km=format_number(checked["radius_km"]))
    return Page(title, summary, key=checked)


def footprint_page(checked: dict[str, Any], presence: pd.DataFrame) -> Page:
    """07_footprint: "The French footprint in West and Central Africa, 2013–2025".

    The years run from the start of the story the record tells (Serval, :data:`footprint.FIRST_MONTH`),
    or the first map's date if earlier, to the last map's date.
    """
    from sahel_analysis import footprint, select

    dates = checked["dates"]
    first = min(int(footprint.FIRST_MONTH[:4]), dates[0].year)
    years = year_range(first, dates[-1].year)
    if checked["title"]:
        title = checked["title"]
    elif checked["extent"] == "sahel":
        title = _("The French footprint in the Sahel, {years}").format(years=years)
    else:
        title = _("The French footprint in West and Central Africa, {years}").format(years=years)
    counts = [int(select.bases_held(presence, d)["place_id"].nunique()) for d in (dates[0], dates[-1])]
    if len(dates) == 1:
        summary = ngettext(
            "France held a base in {n} place on {date}.",
            "France held bases in {n} places on {date}.",
            counts[0],
        ).format(n=format_number(counts[0]), date=format_date(dates[0]))
    else:
        summary = _(
            "From {first} places with a French base on {first_date} to {last} on {last_date}."
        ).format(
            first=format_number(counts[0]),
            first_date=format_date(dates[0]),
            last=format_number(counts[1]),
            last_date=format_date(dates[-1]),
        )
    return Page(title, summary, key=checked)
