"""What the briefing says, computed from the data as of a date: key figures and the claims check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, markup, measures, schema, select, tables
from sahel_analysis.footprint import operation_label
from sahel_analysis.i18n import (
    LANGUAGES,
    N_,
    _,
    format_date,
    format_number,
    language,
    ngettext,
    text_column,
    text_of,
)
from sahel_analysis.measures import OPERATION_COVERAGES
from sahel_analysis.textfmt import date_text, euros, year_list

if TYPE_CHECKING:
    import pandas as pd

NOT_IN_RECORD = N_("not in the record")
# How the claims table words a verdict (the data's values are the keys).
VERDICT_LABELS = {
    "consistent": N_("consistent"),
    "inconsistent": N_("inconsistent"),
    "unverified": N_("unverified"),
}

__all__ = [
    "OPERATION_COVERAGES",
    "COST",
    "COUP",
    "DEATHS",
    "TROOPS",
    "Figure",
    "check_claims",
    "claims_table",
    "events_after",
    "events_table",
    "headline_html",
    "key_figures",
    "key_figures_table",
    "latest_data_date",
    "load_claims",
    "map_title",
    "no_troops_note",
    "nothing_later_note",
    "sources_table",
]


@dataclass(frozen=True)
class Figure:
    """One key figure, with the date it refers to and the rows it rests on (for citing).

    ``label`` is the English message id (shown translated with ``_``); ``text`` is written in the
    current language, what a reader needs first and the caveat after it, starting in lower case so
    that the headline can quote it mid-sentence (the table capitalises it).
    """

    label: str
    value: Any
    text: str
    date: pd.Timestamp | None
    rows: pd.DataFrame


TROOPS = N_("French troops deployed")
COST = N_("Cost of Serval and Barkhane, in nominal euros")
DEATHS = N_("French military deaths")
COUP = N_("Time since the last coup in Mali")


def latest_data_date() -> pd.Timestamp:
    """The last date any table speaks of: the default ``as_of``."""
    return max(
        tables.load_events()["date"].max(),
        tables.load_troop_levels()["date"].max(),
        tables.load_fatalities()["date"].max(),
    )


def troops_deployed(as_of: Any) -> Figure:
    """The last reported French troop level in the Sahel on or before ``as_of`` (see measures)."""
    row = measures.latest_troop_level(tables.load_troop_levels(as_of=as_of))
    if row.empty:
        return Figure(TROOPS, None, _("no figure reported yet"), None, row)
    r = row.iloc[0]
    values = {
        "n": format_number(r["personnel"]),
        "where": _(schema.SCOPE_LABELS[r["scope"]]),
        "operation": operation_label(str(r["operation"])),
        "date": _when(r),
    }
    if r["personnel"] == 0:  # the day the last soldiers left
        text = _("none {where} any more ({operation}), as reported for {date}").format(**values)
    elif r["approximate"]:
        text = _("about {n} {where} ({operation}), as reported for {date}").format(**values)
    else:
        text = _("{n} {where} ({operation}), as reported for {date}").format(**values)
    return Figure(TROOPS, int(r["personnel"]), text, r["date"], row)


def french_deaths(as_of: Any) -> Figure:
    """The last cumulative count of French military deaths on or before ``as_of``."""
    row = measures.latest_deaths(tables.load_fatalities(as_of=as_of))
    if row.empty:
        return Figure(DEATHS, 0, _("none recorded yet"), None, row)
    r = row.iloc[0]
    values = {
        "n": format_number(r["cumulative_deaths"]),
        "where": _("in the Sahel") if r["scope"] == "sahel" else _("in Mali"),
        "date": _when(r),
    }
    if r["cause"] == "mort_pour_la_france":
        text = _(
            "{n} 'morts pour la France' {where} since January 2013 (the armed forces staff's count, {date})"
        )
    elif r["cause"] == "all_causes":
        text = _("{n} dead {where} since January 2013, all causes (the armed forces staff's count, {date})")
    else:
        text = _("{n} killed {where} since January 2013 (the armed forces staff's count, {date})")
    return Figure(DEATHS, int(r["cumulative_deaths"]), text.format(**values), r["date"], row)


def operation_costs(as_of: Any) -> tuple[pd.DataFrame, list[int]]:
    """One cost row per year up to ``as_of`` for Serval/Barkhane/Sahel, and the years with none."""
    costs = tables.load_costs(as_of=as_of)
    when = select.as_timestamp(as_of)
    return measures.operation_costs(costs, when.year if when is not None else int(costs["year"].max()))


def cumulative_cost(as_of: Any) -> Figure:
    """Sum of the yearly figures for the years already over at ``as_of``.

    A year still running at ``as_of`` is left out rather than pro-rated: its figure is a whole
    year's estimate or budget, not money already spent.
    """
    best, missing = operation_costs(as_of)
    when = select.as_timestamp(as_of)
    running = [int(y) for y in best["year"] if when is not None and y >= when.year]
    if when is not None:
        best = best[best["year"] < when.year]
        missing = [y for y in missing if y < when.year]
    total = float(best["amount_eur_m"].sum())
    return Figure(COST, total, cost_text(total, len(best), missing, running), None, best)


def cost_text(total: float, years: int, unknown: list[int], running: list[int]) -> str:
    """The cost sentence: the amount and the years it covers first, the years it leaves out after."""
    if not years:
        return _("no year with a known figure yet")
    values = {"amount": euros(total), "n": format_number(years), "unknown": year_list(unknown)}
    values["running"] = year_list(running)
    if unknown and running:
        text = ngettext(
            "about {amount} in {n} year with a known figure ({unknown} unknown; {running} not yet over)",
            "about {amount} in {n} years with a known figure ({unknown} unknown; {running} not yet over)",
            years,
        )
    elif unknown:
        text = ngettext(
            "about {amount} in {n} year with a known figure ({unknown} unknown)",
            "about {amount} in {n} years with a known figure ({unknown} unknown)",
            years,
        )
    elif running:
        text = ngettext(
            "about {amount} in {n} year with a known figure ({running} not yet over)",
            "about {amount} in {n} years with a known figure ({running} not yet over)",
            years,
        )
    else:
        text = ngettext(
            "about {amount} in {n} year with a known figure",
            "about {amount} in {n} years with a known figure",
            years,
        )
    return text.format(**values)


def since_last_coup(as_of: Any) -> Figure:
    when = select.as_timestamp(as_of)
    row = measures.last_coup(tables.load_events(as_of=when))
    if row.empty:
        return Figure(COUP, None, _("no coup yet"), None, row)
    r = row.iloc[0]
    days = (when - r["date"]).days
    text = ngettext(
        "{n} day since the coup of {date} ({title})", "{n} days since the coup of {date} ({title})", days
    ).format(n=format_number(days), date=format_date(r["date"]), title=text_of(r, "title"))
    return Figure(COUP, days, text, r["date"], row)


def key_figures(as_of: Any) -> list[Figure]:
    """The four headline figures of the briefing, each computed from the data as of ``as_of``."""
    return [troops_deployed(as_of), cumulative_cost(as_of), french_deaths(as_of), since_last_coup(as_of)]


def key_figures_table(figures: list[Figure]) -> pd.DataFrame:
    """One row per figure; a figure resting on a low-confidence row is marked (see markup)."""
    import pandas as pd

    table = pd.DataFrame(
        {
            _("Figure"): [_(f.label) for f in figures],
            _("Value"): [f.text[:1].upper() + f.text[1:] for f in figures],
        }
    )
    low = [bool(citation.low_confidence(f.rows).any()) for f in figures]
    return markup.mark_low_confidence(table, low).set_index(_("Figure"))


def _when(row: Any) -> str:
    return format_date(row["date"], row["precision"])


# -- the seed article's claims ----------------------------------------------------------------


def load_claims(path: Any = None) -> pd.DataFrame:
    """The article's checkable claims, validated like every other table."""
    return tables.read_table("claims", path)


def check_claims(claims: pd.DataFrame | None = None, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill in computed record values (distances from the gazetteer) and recompute their verdicts.

    A computed claim is consistent when the article's number lies within ``tolerance`` of the value
    computed from the gazetteer; the verdict stored in the file is replaced by that result.
    """
    from sahel_analysis.geo import distance_km

    claims = load_claims() if claims is None else claims.copy()
    places = tables.load_places() if places is None else places
    claims["record_value"] = claims["record_value"].astype(object)
    claims["verdict"] = claims["verdict"].astype(object)
    for idx, row in claims[claims["computation"].notna()].iterrows():
        a, b = row["computation"].split(":")[1:]
        km = distance_km(a, b, places=places)
        claimed = _number(row["article_value"])
        for lang in LANGUAGES:  # the record's text in each language it is written in
            column = "record_value" if lang == "en" else f"record_value_{lang}"
            if column in claims.columns:
                with language(lang):
                    text = _("{km} km (computed from the gazetteer)").format(km=format_number(km, 1))
                claims[column] = claims[column].astype(object)
                claims.at[idx, column] = text
        if claimed is not None and row["tolerance"] == row["tolerance"]:
            ok = abs(km - claimed) <= row["tolerance"]
            claims.at[idx, "verdict"] = "consistent" if ok else "inconsistent"
    return claims


def _number(text: str) -> float | None:
    import re

    match = re.search(r"-?\d+(?:[.,]\d+)?", text.replace(",", ""))
    return float(match.group()) if match else None


# Every claim cites the article it comes from; the table names the sources that check it.
ARTICLE_SOURCE = "seed-doukhan-2021"


def claims_table(claims: pd.DataFrame, *, sources: pd.DataFrame) -> pd.DataFrame:
    """The claims as a reader sees them: claim, article, record, verdict, sources (publishers), in the
    reader's language (the record's ``claim_fr``... in French)."""
    import pandas as pd

    verdicts = claims["verdict"].astype(object)
    table = pd.DataFrame(
        {
            N_("Claim"): text_column(claims, "claim"),
            N_("Article"): text_column(claims, "article_value"),
            N_("Record"): text_column(claims, "record_value"),
            N_("Verdict"): [_(VERDICT_LABELS[v]) if v in VERDICT_LABELS else v for v in verdicts],
            N_("Sources"): citation.row_publishers(claims, sources, leave_out=[ARTICLE_SOURCE]),
        },
        index=claims.index,
    )
    # A claim the record cannot check has no record value: say so rather than print "NaN".
    record = table["Record"].astype("string").str.strip()
    table["Record"] = record.mask(record.isna() | (record == ""), _(NOT_IN_RECORD))
    return markup.mark_low_confidence(table.rename(columns=_), citation.low_confidence(claims))


# -- composing the page -----------------------------------------------------------------------


def headline_html(as_of: pd.Timestamp, figures: list[Figure]) -> str:
    """The opening paragraph, quoting the computed figures; text from the data is escaped."""
    by = {f.label: f for f in figures}
    coup = by[COUP]
    return markup.render(
        "headline",
        as_of=format_date(as_of),
        troops=by[TROOPS],
        cost=by[COST],
        deaths=by[DEATHS],
        coup=coup,
        coup_days=format_number(coup.value) if coup.value is not None else "",
        coup_date=format_date(coup.date) if coup.date is not None else "",
    )


def map_title(as_of: pd.Timestamp) -> str:
    """The title of the briefing's map: "Mali and the French bases on 20 August 2022"."""
    return _("Mali and the French bases on {date}").format(date=format_date(as_of))


def no_troops_note(first: pd.Timestamp) -> str:
    """What the troops section says of a date before the first figure in the record."""
    return _("No French troop figure is recorded before {date}.").format(date=format_date(first))


def nothing_later_note() -> str:
    """What "What happened next" says of a briefing dated at or after the latest event."""
    return _("Nothing: this briefing is dated at or after the latest event in the data.")


def events_after(as_of: pd.Timestamp) -> pd.DataFrame:
    """Events after ``as_of``: the "what happened next" of a briefing dated before the latest data."""
    events = tables.load_events()
    return events[events["date"] > as_of]


def sources_table(*frames: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources behind ``frames`` (rows of ``sources``) as a reader wants them: publisher, title, dates, link."""
    cited = citation.cite(*frames, sources=sources)
    # A source's title stays in the language it was published in.
    columns = {
        "publisher": N_("Publisher"),
        "title": N_("Title"),
        "published": N_("Published"),
        "accessed": N_("Accessed"),
        "url": N_("URL"),
    }
    table = cited.rename(columns=columns)
    table["Accessed"] = table["Accessed"].dt.strftime("%Y-%m-%d")
    return table[list(columns.values())].fillna("").rename(columns=_)


def events_table(events: pd.DataFrame, *, places: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """A tidy table of ``events`` for the HTML: date, category, place, title, sources (publishers),
    and confidence when an event is low (:func:`sahel_analysis.markup.mark_low_confidence`).

    ``places`` (the gazetteer) names the places, ``sources`` the publishers. Dates are written to
    their precision, with the last day for events that last. Plain text only: the HTML writer
    escapes it.
    """
    import pandas as pd

    place_name = dict(zip(places["id"], text_column(places, "name"), strict=True))
    ordered = events.sort_values(["date", "id"], kind="stable")
    rows = []
    for r, publishers in zip(ordered.itertuples(), citation.row_publishers(ordered, sources), strict=True):
        when = date_text(r.date, r.precision)
        if pd.notna(r.end_date):
            when = _("{start} to {end}").format(start=when, end=date_text(r.end_date))
        country = schema.country_label(r.country_iso3)
        place = (
            _("{place}, {country}").format(place=place_name.get(r.place_id, r.place_id), country=country)
            if pd.notna(r.place_id)
            else country
        )
        rows.append(
            {
                "date": when,
                "category": _(EVENT_CATEGORIES.get(str(r.category), str(r.category))),
                "place": place,
                "title": str(text_of(r, "title")),
                "sources": publishers,
            }
        )
    columns = [N_("date"), N_("category"), N_("place"), N_("title"), N_("sources")]
    table = pd.DataFrame(rows, columns=columns).rename(columns=_)
    return markup.mark_low_confidence(table, citation.low_confidence(ordered))


# An event's category as the events table words it, in lower case (the timeline's lanes are
# capitalised and plural: schema.CATEGORY_LABELS).
EVENT_CATEGORIES = {
    "coup": N_("coup"),
    "rebellion": N_("rebellion"),
    "military_operation": N_("military operation"),
    "attack": N_("attack"),
    "political": N_("political"),
    "diplomatic": N_("diplomatic"),
    "withdrawal": N_("withdrawal"),
    "un_mission": N_("UN mission"),
    "alliance": N_("alliance"),
    "foreign_forces": N_("foreign forces"),
}
