"""The briefing's figures come from the tables as of a date, and the article's claims are checked."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sahel_analysis import briefing, data
from sahel_analysis.geography import distance_km
from sahel_analysis.params import ParameterError

DATES = ["2021-06-04", "2022-11-10"]


@pytest.mark.parametrize("as_of", DATES)
def test_troops_figure_is_the_last_reported_level(as_of: str) -> None:
    when = pd.Timestamp(as_of)
    troops = data.load_troop_levels()
    reported = troops[(troops["figure_type"] == "reported") & (troops["date"] <= when)]
    last = reported[reported["date"] == reported["date"].max()]
    figure = briefing.troops_deployed(when)
    assert figure.date == last["date"].max()
    assert figure.value in set(last["personnel"])
    assert f"{figure.value:,}" in figure.text


@pytest.mark.parametrize("as_of", DATES)
def test_deaths_figure_is_the_last_count(as_of: str) -> None:
    when = pd.Timestamp(as_of)
    deaths = data.load_fatalities()
    known = deaths[deaths["date"] <= when]
    figure = briefing.french_deaths(when)
    assert figure.value == known.loc[known["date"] == known["date"].max(), "cumulative_deaths"].max()


def test_figures_differ_between_dates_as_the_tables_do() -> None:
    early, late = (briefing.key_figures(pd.Timestamp(d)) for d in DATES)
    by = {f.label: f for f in early}, {f.label: f for f in late}
    assert by[0]["French military deaths"].value < by[1]["French military deaths"].value
    assert by[0]["Cost of Serval and Barkhane"].value <= by[1]["Cost of Serval and Barkhane"].value


def test_cost_sum_uses_one_row_per_year_up_to_as_of() -> None:
    when = pd.Timestamp("2021-06-04")
    best, missing = briefing.operation_costs(when)
    assert best["year"].is_unique and best["year"].max() <= 2021
    assert set(best["coverage"]) <= set(briefing.OPERATION_COVERAGES)
    assert not set(missing) & set(best["year"])
    assert briefing.cumulative_cost(when).value == pytest.approx(best["amount_eur_m"].sum())


def test_time_since_last_coup() -> None:
    when = pd.Timestamp("2021-06-04")
    events = data.load_events(as_of=when)
    last = events[(events["category"] == "coup") & (events["country_iso3"] == "MLI")]["date"].max()
    assert briefing.since_last_coup(when).value == (when - last).days


@pytest.mark.parametrize(
    "bad", ["2011-01-01", (dt.date.today() + dt.timedelta(days=1)).isoformat(), "June 2021", 2021]
)
def test_as_of_outside_the_record_is_refused(bad) -> None:
    with pytest.raises(ParameterError, match="as_of: expected"):
        briefing.check_as_of(bad)


def test_as_of_default_is_the_latest_data() -> None:
    assert briefing.check_as_of(None) == briefing.latest_data_date()


def test_every_claim_resolves_to_sources() -> None:
    claims = briefing.load_claims()
    assert len(claims) >= 10
    cited = data.cite(claims)
    assert set(data.source_ids(claims)) == set(cited["id"])
    assert (claims["other_source_ids"].fillna("").str.contains("seed-doukhan-2021")).all()
    table = briefing.claims_table(briefing.check_claims(claims))
    assert table["Sources"].str.len().gt(0).all()


def test_computed_distances_come_from_the_gazetteer() -> None:
    checked = briefing.check_claims()
    computed = checked[checked["computation"].notna()]
    assert not computed.empty
    for row in computed.itertuples():
        _, a, b = row.computation.split(":")
        km = distance_km(a, b)
        assert f"{km:.1f} km" in row.record_value
        claimed = briefing._number(row.article_value)
        assert row.verdict == ("consistent" if abs(km - claimed) <= row.tolerance else "inconsistent")


def test_the_article_coup_dates_are_flagged() -> None:
    claims = briefing.load_claims()
    dated = claims[claims["topic"] == "date"]
    assert (dated["verdict"] == "inconsistent").any()


def test_the_briefing_builds_with_each_named_parameter_set(tmp_path) -> None:
    import html

    import yaml

    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import build, plan

    sets = sorted((NOTEBOOK_DIR / "params").glob("*.yaml"))
    assert len(sets) >= 3
    results = build(plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, sets), tmp_path, workers=2)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for params, result in zip(sets, results, strict=True):
        assert result.status == "built", result.message
        assert result.output.name in index
        when = pd.Timestamp(yaml.safe_load(params.read_text())["as_of"])
        page = html.unescape(result.output.read_text(encoding="utf-8"))
        for figure in briefing.key_figures(when):
            assert figure.text in page, (params.name, figure.label)


def test_the_briefing_builds_before_the_first_troop_figure(tmp_path) -> None:
    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import build, plan

    (result,) = build(plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {"as_of": "2012-02-01"}), tmp_path)
    assert result.status == "built", result.message
    page = result.output.read_text(encoding="utf-8")
    assert "no French deployment had been reported yet" in page
    first = data.load_troop_levels()["date"].min()
    assert f"No French troop figure is recorded before {first:%d %B %Y}" in page
