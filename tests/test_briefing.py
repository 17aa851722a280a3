"""The briefing's figures come from the tables as of a date, and the article's claims are checked."""

from __future__ import annotations

import datetime as dt

import oracle
import pandas as pd
import pytest

from sahel_analysis import briefing, citation, measures, params, tables
from sahel_analysis.params import ParameterError

DATES = ["2021-06-04", "2022-11-10"]


@pytest.mark.parametrize("as_of", [*DATES, "2024-12-31", "2025-12-31"])
def test_troops_figure_is_the_last_reported_level(as_of: str) -> None:
    when = pd.Timestamp(as_of)
    troops = tables.load_troop_levels()
    reported = troops[
        (troops["figure_type"] == "reported")
        & (troops["date"] <= when)
        & troops["scope"].isin(("sahel", "mali", "burkina_faso", "niger", "chad"))
    ]
    last = reported[reported["date"] == reported["date"].max()]
    figure = briefing.troops_deployed(when)
    assert figure.date == last["date"].max()
    assert figure.value in set(last["personnel"])
    assert f"{figure.value:,}" in figure.text


def test_troops_figure_leaves_out_bases_outside_the_sahel_and_names_the_country() -> None:
    troops = tables.load_troop_levels()
    outside = troops[
        (troops["figure_type"] == "reported")
        & ~troops["scope"].isin({"sahel", "mali", "burkina_faso", "niger", "chad"})
    ]
    assert not outside.empty
    # On the day of a count outside the Sahel, the figure still comes from the Sahel.
    when = outside["date"].max()
    figure = briefing.troops_deployed(when)
    assert figure.date < when or set(figure.rows["scope"]) <= set(
        {"sahel", "mali", "burkina_faso", "niger", "chad"}
    )
    assert set(figure.rows["scope"]) <= set({"sahel", "mali", "burkina_faso", "niger", "chad"})
    # A count for one country is described as that country's, not as Mali's.
    niger = troops[(troops["scope"] == "niger") & (troops["figure_type"] == "reported")]
    first = briefing.troops_deployed(niger["date"].min())
    assert first.rows.iloc[0]["scope"] == "niger"
    assert "in Niger" in first.text and "in Mali" not in first.text


@pytest.mark.parametrize("as_of", DATES)
def test_deaths_figure_is_the_last_count(as_of: str) -> None:
    when = pd.Timestamp(as_of)
    deaths = tables.load_fatalities()
    staff = deaths[deaths["series"] == measures.DEATHS_SERIES]
    known = staff[staff["date"] <= when]
    figure = briefing.french_deaths(when)
    assert figure.value == known.loc[known["date"] == known["date"].max(), "cumulative_deaths"].max()
    # The headline never takes a figure from another counter, even a later or larger one.
    assert set(figure.rows["series"]) == {measures.DEATHS_SERIES}
    assert "staff" in figure.text


def test_figures_differ_between_dates_as_the_tables_do() -> None:
    early, late = (briefing.key_figures(pd.Timestamp(d)) for d in DATES)
    by = {f.label: f for f in early}, {f.label: f for f in late}
    assert by[0]["French military deaths"].value < by[1]["French military deaths"].value
    assert by[0]["Cost of Serval and Barkhane"].value <= by[1]["Cost of Serval and Barkhane"].value


def _operation_years(last_year: int) -> dict[int, float]:
    """Per year up to ``last_year``, the operation's own cost: the best kind among the Serval,
    Barkhane and Sahel lines, the lowest where sources differ (from costs.csv)."""
    per_year: dict[int, tuple[int, float]] = {}
    for r in oracle.rows("costs"):
        year = int(r["year"])
        if r["coverage"] in ("serval", "barkhane", "sahel") and year <= last_year:
            candidate = (oracle.COST_RANK[r["cost_type"]], float(r["amount_eur_m"]))
            per_year[year] = min(per_year.get(year, candidate), candidate)
    return {year: amount for year, (_, amount) in per_year.items()}


def test_cost_sum_uses_one_row_per_year_up_to_as_of() -> None:
    when = pd.Timestamp("2021-06-04")
    expected = _operation_years(2021)
    best, missing = briefing.operation_costs(when)
    assert dict(zip(best["year"], best["amount_eur_m"], strict=True)) == pytest.approx(expected)
    assert missing == [y for y in range(2013, 2022) if y not in expected]
    # 2021 was not over in June 2021: its whole-year figure is not counted as spent.
    assert 2021 in expected
    figure = briefing.cumulative_cost(when)
    assert figure.value == pytest.approx(sum(v for y, v in expected.items() if y < 2021))
    assert "2021 left out" in figure.text


def test_cost_sum_counts_every_year_once_it_is_over() -> None:
    figure = briefing.cumulative_cost(pd.Timestamp("2023-01-01"))
    assert figure.value == pytest.approx(sum(_operation_years(2022).values()))
    assert "left out" not in figure.text


def test_claims_table_shows_no_nan() -> None:
    claims = briefing.check_claims()
    table = briefing.claims_table(claims, sources=tables.load_sources())
    blank = claims["record_value"].isna()
    assert blank.any()  # the record has claims it cannot check
    assert (table.loc[blank.values, "Record"] == briefing.NOT_IN_RECORD).all()
    assert not table.isna().any().any()
    assert not table.astype(str).apply(lambda c: c.str.fullmatch("nan|NaN|<NA>")).any().any()


def test_time_since_last_coup() -> None:
    when = pd.Timestamp("2021-06-04")
    events = tables.load_events(as_of=when)
    last = events[(events["category"] == "coup") & (events["country_iso3"] == "MLI")]["date"].max()
    assert briefing.since_last_coup(when).value == (when - last).days


@pytest.mark.parametrize(
    "bad", ["2011-01-01", (dt.date.today() + dt.timedelta(days=1)).isoformat(), "June 2021", 2021]
)
def test_as_of_outside_the_record_is_refused(bad) -> None:
    with pytest.raises(ParameterError, match="as_of: expected"):
        params.check_as_of(bad, events=tables.load_events(), latest=briefing.latest_data_date())


def test_as_of_default_is_the_latest_data() -> None:
    events = tables.load_events()
    latest = briefing.latest_data_date()
    assert params.check_as_of(None, events=events, latest=latest) == latest
    assert latest == max(
        t["date"].max() for t in (events, tables.load_troop_levels(), tables.load_fatalities())
    )


def test_every_claim_resolves_to_sources() -> None:
    claims = briefing.load_claims()
    assert len(claims) >= 10
    sources = tables.load_sources()
    cited = citation.cite(claims, sources=sources)
    assert set(citation.source_ids(claims)) == set(cited["id"])
    assert (claims["other_source_ids"].fillna("").str.contains("seed-doukhan-2021")).all()
    table = briefing.claims_table(briefing.check_claims(claims), sources=sources)
    # Each claim's sources are named by publisher, the article it comes from left out.
    by_id = {r["id"]: r for r in oracle.rows("claims")}
    for claim_id, named in zip(claims["id"], table["Sources"], strict=True):
        row = by_id[claim_id]
        ids = [row["source_id"], *filter(None, row["other_source_ids"].split(";"))]
        assert set(named.split("; ")) == oracle.publishers(i for i in ids if i != "seed-doukhan-2021")


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the mean Earth radius: an oracle independent of pyproj."""
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_computed_distances_come_from_the_gazetteer() -> None:
    import re

    places = tables.load_places().set_index("id")
    checked = briefing.check_claims()
    computed = checked[checked["computation"].notna()]
    assert not computed.empty
    for row in computed.itertuples():
        _, a, b = row.computation.split(":")
        km = _haversine_km(
            *places.loc[a, ["latitude", "longitude"]], *places.loc[b, ["latitude", "longitude"]]
        )
        stated = float(re.match(r"([0-9.]+) km", row.record_value).group(1))
        assert stated == pytest.approx(km, rel=0.005)  # the ellipsoid and the sphere differ by < 0.5 %
        claimed = float(re.search(r"[0-9]+(?:\.[0-9]+)?", row.article_value).group())
        if abs(abs(km - claimed) - row.tolerance) > 0.1:  # a verdict on the edge is the ellipsoid's to call
            assert row.verdict == ("consistent" if abs(km - claimed) <= row.tolerance else "inconsistent")


def test_the_headline_escapes_text_from_the_data() -> None:
    when = pd.Timestamp("2021-06-04")
    figures = briefing.key_figures(when)
    troops = figures[0]
    evil = briefing.Figure(troops.label, 1, "<script>alert(1)</script> & co", troops.date, troops.rows)
    page = briefing.headline_html(when, [evil, *figures[1:]])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert page.startswith("<p>As of <strong>04 June 2021</strong>,") and page.endswith("</p>")


def test_the_article_coup_dates_are_flagged() -> None:
    claims = briefing.load_claims()
    dated = claims[claims["topic"] == "date"]
    assert (dated["verdict"] == "inconsistent").any()


@pytest.mark.slow
def test_the_briefing_builds_with_each_named_parameter_set(tmp_path) -> None:
    import html

    import yaml

    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import build, plan

    sets = sorted((NOTEBOOK_DIR / "params").glob("*.yaml"))
    assert len(sets) >= 3
    results = build(plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, sets), tmp_path, workers=2)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for named, result in zip(sets, results, strict=True):
        assert result.status == "built", result.message
        assert result.output.name in index
        when = pd.Timestamp(yaml.safe_load(named.read_text())["as_of"])
        page = html.unescape(result.output.read_text(encoding="utf-8"))
        for figure in briefing.key_figures(when):
            assert figure.text in page, (named.name, figure.label)


@pytest.mark.slow
def test_the_briefing_builds_before_the_first_troop_figure(tmp_path) -> None:
    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import build, plan

    (result,) = build(plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {"as_of": "2012-02-01"}), tmp_path)
    assert result.status == "built", result.message
    page = result.output.read_text(encoding="utf-8")
    assert "no French deployment had been reported yet" in page
    first = tables.load_troop_levels()["date"].min()
    assert f"No French troop figure is recorded before {first:%d %B %Y}" in page


def test_operation_years_are_those_of_the_record() -> None:
    events = tables.load_events().set_index("id")
    first, last = measures.OPERATION_YEARS
    assert events.loc["2013-01-11-serval-launched", "date"].year == first
    assert events.loc["2022-11-09-end-of-barkhane", "date"].year == last


def test_no_cost_is_missing_after_the_operations_ended() -> None:
    figure = briefing.cumulative_cost("2025-12-31")
    gaps = figure.text.split("no operation-specific figure for")[-1]
    assert not any(str(year) in gaps for year in range(2023, 2026)), figure.text
