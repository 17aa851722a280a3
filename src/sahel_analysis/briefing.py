"""What the briefing says, computed from the data as of a date: key figures and the claims check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sahel_analysis import data
from sahel_analysis.params import ParameterError, check_date
from sahel_analysis.plots import SAHEL_SCOPES, SCOPE_LABELS

if TYPE_CHECKING:
    import pandas as pd

# Which cost rows count towards "what the war cost": the operation-specific lines.
OPERATION_COVERAGES = ("serval", "barkhane", "sahel")


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
        data.load_events()["date"].max(),
        data.load_troop_levels()["date"].max(),
        data.load_fatalities()["date"].max(),
    )


def check_as_of(value: Any, *, today: dt.date | None = None) -> pd.Timestamp:
    """``as_of`` for the briefing: None means the latest data; a date must lie within the record."""
    import pandas as pd

    when = check_date("as_of", value)
    if when is None:
        return latest_data_date()
    first = data.load_events()["date"].min().date()
    today = today or dt.date.today()
    if not first <= when <= today:
        raise ParameterError(
            f"as_of: expected a date from {first} (the first event) to {today} (today), found {when}"
        )
    return pd.Timestamp(when)


def troops_deployed(as_of: Any) -> Figure:
    """The last reported French troop level in the Sahel on or before ``as_of``, preferring the Sahel-wide count.

    Counts for the bases outside the Sahel (Senegal, Côte d'Ivoire, Gabon, Djibouti) are left out: the
    figure answers how many soldiers France had in the war, not in Africa.
    """
    troops = data.load_troop_levels(as_of=as_of)
    reported = troops[(troops["figure_type"] == "reported") & troops["scope"].isin(SAHEL_SCOPES)]
    if reported.empty:
        return Figure("French troops deployed", None, "no figure reported yet", None, reported)
    last_date = reported["date"].max()
    latest = reported[reported["date"] == last_date]
    sahel = latest[latest["scope"] == "sahel"]
    row = (sahel if not sahel.empty else latest).sort_values("personnel").iloc[[-1]]
    r = row.iloc[0]
    about = "about " if r["approximate"] else ""
    text = f"{about}{r['personnel']:,} ({r['operation']}, {SCOPE_LABELS[r['scope']]}, as reported for {_when(r)})"
    return Figure("French troops deployed", int(r["personnel"]), text, r["date"], row)


def french_deaths(as_of: Any) -> Figure:
    """The last cumulative count of French military deaths on or before ``as_of``."""
    deaths = data.load_fatalities(as_of=as_of)
    if deaths.empty:
        return Figure("French military deaths", 0, "none recorded yet", None, deaths)
    last_date = deaths["date"].max()
    latest = deaths[deaths["date"] == last_date].sort_values("cumulative_deaths")
    row = latest.iloc[[-1]]
    r = row.iloc[0]
    cause = "all causes" if r["cause"] == "all_causes" else "'morts pour la France'"
    where = "in the Sahel" if r["scope"] == "sahel" else "in Mali"
    text = f"{r['cumulative_deaths']} ({cause}, {where}, since January 2013, as of {_when(r)})"
    return Figure("French military deaths", int(r["cumulative_deaths"]), text, r["date"], row)


def operation_costs(as_of: Any) -> tuple[pd.DataFrame, list[int]]:
    """One cost row per year up to ``as_of`` for Serval/Barkhane/Sahel, and the years with none.

    Per year, the operation's own figure of the best kind is used (executed, then estimate, then
    budget); where two sources give the same kind, the lower is kept and the other is left to the
    costs chart, which shows both.
    """
    costs = data.load_costs(as_of=as_of)
    ops = costs[costs["coverage"].isin(OPERATION_COVERAGES)].copy()
    from sahel_analysis.plots import COST_TYPES  # the same order of preference as the cost chart

    ops["rank"] = ops["cost_type"].map({t: i for i, t in enumerate(COST_TYPES)}).astype(int)
    best = ops.sort_values(["year", "rank", "amount_eur_m"]).groupby("year").head(1).drop(columns="rank")
    when = check_date("as_of", as_of) if as_of is not None else None
    last = when.year if when else int(costs["year"].max())
    missing = [y for y in range(2013, last + 1) if y not in set(best["year"])]
    return best, missing


def cumulative_cost(as_of: Any) -> Figure:
    best, missing = operation_costs(as_of)
    total = float(best["amount_eur_m"].sum())
    years = f"{len(best)} year{'s' if len(best) != 1 else ''}"
    gap = f"; no operation-specific figure for {_years(missing)}" if missing else ""
    text = f"€{total:,.0f} million, nominal, summed over the {years} with a figure{gap}"
    return Figure("Cost of Serval and Barkhane", total, text, None, best)


def since_last_coup(as_of: Any) -> Figure:
    import pandas as pd

    when = pd.Timestamp(as_of)
    events = data.load_events(as_of=when)
    coups = events[(events["category"] == "coup") & (events["country_iso3"] == "MLI")]
    if coups.empty:
        return Figure("Time since the last coup in Mali", None, "no coup yet", None, coups)
    row = coups.iloc[[-1]]
    r = row.iloc[0]
    days = (when - r["date"]).days
    text = f"{days:,} days since the coup of {r['date']:%d %B %Y} ({r['title']})"
    return Figure("Time since the last coup in Mali", days, text, r["date"], row)


def key_figures(as_of: Any) -> list[Figure]:
    """The four headline figures of the briefing, each computed from the data as of ``as_of``."""
    return [troops_deployed(as_of), cumulative_cost(as_of), french_deaths(as_of), since_last_coup(as_of)]


def key_figures_table(figures: list[Figure]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"Figure": [f.label for f in figures], "Value": [f.text for f in figures]}).set_index(
        "Figure"
    )


def _when(row: Any) -> str:
    fmt = {"day": "%d %B %Y", "month": "%B %Y", "year": "%Y"}[row["precision"]]
    return row["date"].strftime(fmt).lstrip("0")


def _years(years: list[int]) -> str:
    """2015, 2016, 2017, 2020 -> '2015-2017, 2020'."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


# -- the seed article's claims ----------------------------------------------------------------


def load_claims(path: Any = None) -> pd.DataFrame:
    """The article's checkable claims, validated like every other table."""
    return data.read_table("claims", path)


def check_claims(claims: pd.DataFrame | None = None, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill in computed record values (distances from the gazetteer) and recompute their verdicts.

    A computed claim is consistent when the article's number lies within ``tolerance`` of the value
    computed from the gazetteer; the verdict stored in the file is replaced by that result.
    """
    from sahel_analysis.geography import distance_km

    claims = load_claims() if claims is None else claims.copy()
    places = data.load_places() if places is None else places
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


def claims_table(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims as a reader sees them: claim, article, record, verdict, sources."""
    sources = data.load_sources().set_index("id")

    def cited(row: Any) -> str:
        ids = [i for i in data.source_ids(row.to_frame().T) if i != "seed-doukhan-2021"]
        return "; ".join(f"{sources.loc[i, 'publisher']}" for i in ids if i in sources.index)

    table = claims.assign(Sources=claims.apply(cited, axis=1))
    table = table.rename(
        columns={"claim": "Claim", "article_value": "Article", "record_value": "Record", "verdict": "Verdict"}
    )
    return table[["Claim", "Article", "Record", "Verdict", "Sources"]]


# -- composing the page -----------------------------------------------------------------------


def headline_html(as_of: pd.Timestamp, figures: list[Figure]) -> str:
    """The opening paragraph, quoting the computed figures; text from the data is escaped."""
    from html import escape

    by = {f.label: f for f in figures}
    troops, cost = by["French troops deployed"], by["Cost of Serval and Barkhane"]
    deaths, coup = by["French military deaths"], by["Time since the last coup in Mali"]
    parts = [f"As of <strong>{as_of:%d %B %Y}</strong>,"]
    if troops.value is None:
        parts.append("no French deployment had been reported yet.")
    else:
        parts.append(f"the last reported French deployment was <strong>{escape(troops.text)}</strong>.")
    if deaths.value:
        parts.append(f"French military deaths stood at <strong>{escape(deaths.text)}</strong>.")
    if cost.value:
        parts.append(f"Known operation costs: <strong>{escape(cost.text)}</strong>.")
    if coup.value is not None:
        parts.append(
            f"It had been <strong>{coup.value:,} days</strong> since the last coup in Mali, on {coup.date:%d %B %Y}."
        )
    return "<p>" + " ".join(parts) + "</p>"


def events_after(as_of: pd.Timestamp) -> pd.DataFrame:
    """Events after ``as_of``: the "what happened next" of a briefing dated before the latest data."""
    events = data.load_events()
    return events[events["date"] > as_of]


def sources_table(*frames: pd.DataFrame) -> pd.DataFrame:
    """Every source behind ``frames``, as a reader wants them listed: publisher, title, dates, link."""
    cited = data.cite(*frames)
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


def table_html(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A table for the HTML briefing: every cell escaped, nothing truncated, URLs as links."""
    import pandas as pd

    with pd.option_context("display.max_colwidth", None):
        return frame.to_html(
            index=index, escape=True, render_links=True, border=0, classes="dataframe briefing"
        )
