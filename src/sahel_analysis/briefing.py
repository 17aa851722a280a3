"""What the briefing says, computed from the data as of a date: key figures and the claims check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, markup, measures, schema, select, tables
from sahel_analysis.measures import OPERATION_COVERAGES
from sahel_analysis.textfmt import date_text, year_spans

if TYPE_CHECKING:
    import pandas as pd

NOT_IN_RECORD = "not in the record"

__all__ = [
    "OPERATION_COVERAGES",
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
    "sources_table",
]


@dataclass(frozen=True)
class Figure:
    """One key figure, with the date it refers to and the rows it rests on (for citing)."""

    label: str
    value: Any
    text: str
    date: pd.Timestamp | None
    rows: pd.DataFrame


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
        return Figure("French troops deployed", None, "no figure reported yet", None, row)
    r = row.iloc[0]
    about = "about " if r["approximate"] else ""
    text = f"{about}{r['personnel']:,} ({r['operation']}, {schema.SCOPE_LABELS[r['scope']]}, as reported for {_when(r)})"
    return Figure("French troops deployed", int(r["personnel"]), text, r["date"], row)


_DEATH_CAUSES = {
    "all_causes": "all causes",
    "killed": "killed",
    "mort_pour_la_france": "'morts pour la France'",
}


def french_deaths(as_of: Any) -> Figure:
    """The last cumulative count of French military deaths on or before ``as_of``."""
    row = measures.latest_deaths(tables.load_fatalities(as_of=as_of))
    if row.empty:
        return Figure("French military deaths", 0, "none recorded yet", None, row)
    r = row.iloc[0]
    cause = _DEATH_CAUSES.get(str(r["cause"]), str(r["cause"]))
    where = "in the Sahel" if r["scope"] == "sahel" else "in Mali"
    text = (
        f"{r['cumulative_deaths']} ({cause}, {where}, since January 2013, as of {_when(r)};"
        " the armed forces staff's count)"
    )
    return Figure("French military deaths", int(r["cumulative_deaths"]), text, r["date"], row)


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
    years = f"{len(best)} year{'s' if len(best) != 1 else ''}"
    gap = f"; no operation-specific figure for {year_spans(missing)}" if missing else ""
    left_out = f"; {year_spans(running)} left out, as the year was not over" if running else ""
    text = f"€{total:,.0f} million, nominal, summed over the {years} with a figure{gap}{left_out}"
    return Figure("Cost of Serval and Barkhane", total, text, None, best)


def since_last_coup(as_of: Any) -> Figure:
    when = select.as_timestamp(as_of)
    row = measures.last_coup(tables.load_events(as_of=when))
    if row.empty:
        return Figure("Time since the last coup in Mali", None, "no coup yet", None, row)
    r = row.iloc[0]
    days = (when - r["date"]).days
    text = f"{days:,} days since the coup of {r['date']:%d %B %Y} ({r['title']})"
    return Figure("Time since the last coup in Mali", days, text, r["date"], row)


def key_figures(as_of: Any) -> list[Figure]:
    """The four headline figures of the briefing, each computed from the data as of ``as_of``."""
    return [troops_deployed(as_of), cumulative_cost(as_of), french_deaths(as_of), since_last_coup(as_of)]


def key_figures_table(figures: list[Figure]) -> pd.DataFrame:
    """One row per figure; a figure resting on a low-confidence row is marked (see markup)."""
    import pandas as pd

    table = pd.DataFrame({"Figure": [f.label for f in figures], "Value": [f.text for f in figures]})
    low = [bool(citation.low_confidence(f.rows).any()) for f in figures]
    return markup.mark_low_confidence(table, low).set_index("Figure")


def _when(row: Any) -> str:
    return date_text(row["date"], row["precision"], "long")


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
        _, a, b = row["computation"].split(":")
        km = distance_km(a, b, places=places)
        claimed = _number(row["article_value"])
        claims.at[idx, "record_value"] = f"{km:.1f} km (computed from the gazetteer)"
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
    """The claims as a reader sees them: claim, article, record, verdict, sources (publishers)."""
    table = claims.assign(Sources=citation.row_publishers(claims, sources, leave_out=[ARTICLE_SOURCE]))
    table = table.rename(
        columns={"claim": "Claim", "article_value": "Article", "record_value": "Record", "verdict": "Verdict"}
    )
    # A claim the record cannot check has no record value: say so rather than print "NaN".
    record = table["Record"].astype("string").str.strip()
    table["Record"] = record.mask(record.isna() | (record == ""), NOT_IN_RECORD)
    shown = table[["Claim", "Article", "Record", "Verdict", "Sources"]]
    return markup.mark_low_confidence(shown, citation.low_confidence(claims))


# -- composing the page -----------------------------------------------------------------------


def headline_html(as_of: pd.Timestamp, figures: list[Figure]) -> str:
    """The opening paragraph, quoting the computed figures; text from the data is escaped."""
    by = {f.label: f for f in figures}
    coup = by["Time since the last coup in Mali"]
    return markup.render(
        "headline",
        as_of=f"{as_of:%d %B %Y}",
        troops=by["French troops deployed"],
        cost=by["Cost of Serval and Barkhane"],
        deaths=by["French military deaths"],
        coup=coup,
        coup_days=f"{coup.value:,}" if coup.value is not None else "",
        coup_date=f"{coup.date:%d %B %Y}" if coup.date is not None else "",
    )


def events_after(as_of: pd.Timestamp) -> pd.DataFrame:
    """Events after ``as_of``: the "what happened next" of a briefing dated before the latest data."""
    events = tables.load_events()
    return events[events["date"] > as_of]


def sources_table(*frames: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources behind ``frames`` (rows of ``sources``) as a reader wants them: publisher, title, dates, link."""
    cited = citation.cite(*frames, sources=sources)
    table = cited.rename(
        columns={
            "publisher": "Publisher",
            "title": "Title",
            "published": "Published",
            "accessed": "Accessed",
            "url": "URL",
        }
    )
    table["Accessed"] = table["Accessed"].dt.strftime("%Y-%m-%d")
    return table[["Publisher", "Title", "Published", "Accessed", "URL"]].fillna("")


def events_table(events: pd.DataFrame, *, places: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """A tidy table of ``events`` for the HTML: date, category, place, title, sources (publishers),
    and confidence when an event is low (:func:`sahel_analysis.markup.mark_low_confidence`).

    ``places`` (the gazetteer) names the places, ``sources`` the publishers. Dates are written to
    their precision, with the last day for events that last. Plain text only: the HTML writer
    escapes it.
    """
    import pandas as pd

    place_name = dict(zip(places["id"], places["name_en"], strict=True))
    ordered = events.sort_values(["date", "id"], kind="stable")
    rows = []
    for r, publishers in zip(ordered.itertuples(), citation.row_publishers(ordered, sources), strict=True):
        when = date_text(r.date, r.precision)
        if pd.notna(r.end_date):
            when += f" to {date_text(r.end_date)}"
        country = schema.COUNTRY_NAMES.get(str(r.country_iso3), str(r.country_iso3))
        place = f"{place_name.get(r.place_id, r.place_id)}, {country}" if pd.notna(r.place_id) else country
        rows.append(
            {
                "date": when,
                "category": str(r.category).replace("_", " ").replace("un ", "UN "),
                "place": place,
                "title": str(r.title),
                "sources": publishers,
            }
        )
    table = pd.DataFrame(rows, columns=["date", "category", "place", "title", "sources"])
    return markup.mark_low_confidence(table, citation.low_confidence(ordered))
