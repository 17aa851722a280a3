"""What the charts draw, checked against the shipped tables (no mocks): data, styles, labels, sources.

Expected figures and publishers come from data/*.csv read with the csv module (tests/oracle.py),
not from the package's own loaders and measures.
"""

from __future__ import annotations

import itertools
import re

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import oracle
import pandas as pd
import pytest

from sahel_analysis import measures, params, select, tables
from sahel_analysis.briefing import events_table
from sahel_analysis.params import ParameterError
from sahel_analysis.viz.costs import plot_costs
from sahel_analysis.viz.style import source_line_text
from sahel_analysis.viz.timeline import plot_timeline
from sahel_analysis.viz.troops import plot_troop_levels

MILESTONE_KINDS = ("coup", "pau", "withdrawal-from-mali-announced", "last-french-troops-leave-mali")


@pytest.fixture(scope="module")
def troops() -> pd.DataFrame:
    return tables.load_troop_levels()


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return tables.load_events()


@pytest.fixture(scope="module")
def costs() -> pd.DataFrame:
    return tables.load_costs()


@pytest.fixture(scope="module")
def cpi() -> pd.DataFrame:
    return tables.load_cpi()


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return tables.load_sources()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _publishers(ax) -> tuple[set[str], int]:
    """The publishers the chart's source line names, and how many more it only counts."""
    line = _flat(source_line_text(ax) or "")
    body = re.sub(r"^Source: ", "", line)
    body = re.sub(r" \(\d+ documents?, listed in data/sources\.csv\)$", "", body)
    more = re.search(r" and (\d+) other publishers$", body)
    if more:
        body = body[: more.start()]
    return set(body.split("; ")), int(more.group(1)) if more else 0


def _assert_cites(ax, *frames: pd.DataFrame) -> None:
    """The source line names the publishers of exactly these rows (past its limit, it counts them)."""
    named, more = _publishers(ax)
    expected = oracle.publishers(oracle.cited_ids(frames))
    assert named <= expected, named - expected
    assert len(named) + more == len(expected)
    mains = oracle.publishers(oracle.cited_ids(f[["source_id"]] for f in frames))
    if more:  # the main sources' publishers are the ones named first
        assert mains <= named or named <= mains


def _by_gid(artists, prefix: str) -> dict[str, object]:
    return {a.get_gid(): a for a in artists if (a.get_gid() or "").startswith(prefix)}


def _no_overlaps(texts) -> list[tuple[str, str]]:
    fig = texts[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2) if a[1].overlaps(b[1])]


# -- troop levels ----------------------------------------------------------------------------------


def test_step_data_equals_the_table(troops, events, sources) -> None:
    ax = plot_troop_levels(troops, events=events, sources=sources)
    lines = _by_gid(ax.lines, "troops:")
    reported = troops[troops["figure_type"] == "reported"]
    assert reported.groupby(["operation", "scope"], observed=True).ngroups > 1
    for (op, scope), rows in reported.groupby(["operation", "scope"], observed=True):
        line = lines[f"troops:{op}:{scope}:reported"]
        assert line.get_drawstyle() == "steps-post"
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        keep = ~np.isnan(x)
        rows = rows.sort_values(["date", "id"], kind="stable")
        np.testing.assert_allclose(x[keep], mdates.date2num(rows["date"]))
        # A low-confidence figure is left out of the line and drawn on its own, at its point.
        low = rows["id"].isin(oracle.low_ids("troop_levels")).to_numpy()
        np.testing.assert_array_equal(y[keep], np.where(low, np.nan, rows["personnel"].to_numpy(float)))
        for row in rows[low].itertuples():
            alone = lines[f"troops:{op}:{scope}:reported:low:{row.id}"]
            point = alone.get_xydata()[alone.get_markevery()]
            np.testing.assert_allclose(point, [[mdates.date2num(row.date), row.personnel]])


def test_bases_outside_the_sahel_are_drawn_only_when_named(troops, events, sources) -> None:
    sahel = {"sahel", "mali", "burkina_faso", "niger", "chad"}
    outside = sorted(set(troops["scope"]) - sahel)
    assert outside
    chosen = select.select_troop_levels(troops)
    default = {
        gid.split(":")[2]
        for gid in _by_gid(plot_troop_levels(chosen, events=events, sources=sources).lines, "troops:")
    }
    assert default and default <= sahel
    named = select.select_troop_levels(troops, scopes=outside)
    drawn = plot_troop_levels(named, events=events, sources=sources)
    assert {gid.split(":")[2] for gid in _by_gid(drawn.lines, "troops:")} == set(outside)


def test_reported_announced_and_target_look_different(troops, events, sources) -> None:
    ax = plot_troop_levels(troops, events=events, sources=sources)
    lines = list(_by_gid(ax.lines, "troops:").items())
    styles = {
        kind: {(ln.get_linestyle(), str(ln.get_markerfacecolor())) for gid, ln in lines if gid.endswith(kind)}
        for kind in ("reported", "announced", "target")
    }
    assert all(styles.values()), styles
    assert {s[0] for s in styles["reported"]} == {"-"}
    assert {s[0] for s in styles["announced"]} == {"--"}
    assert {s[1] for s in styles["target"]} == {"white"}  # hollow


def test_a_gap_of_more_than_18_months_breaks_the_line(troops, events, sources) -> None:
    # Leave out the real 2016-2018 reports: the 2015 and 2019 figures must not be joined.
    rows = troops[~troops["date"].between("2016-01-01", "2018-12-31")]
    chosen = select.select_troop_levels(rows, operations=["Barkhane"], scopes=["sahel"])
    ax = plot_troop_levels(chosen, events=events, sources=sources)
    line = _by_gid(ax.lines, "troops:")["troops:Barkhane:sahel:reported"]
    x = np.asarray(line.get_xdata(), float)
    breaks = np.flatnonzero(np.isnan(x))
    assert len(breaks) == 1
    before, after = mdates.num2date(x[breaks[0] - 1]), mdates.num2date(x[breaks[0] + 1])
    assert (before.year, after.year) == (2015, 2019)


def test_milestones_are_annotated_without_overlap(troops, events, sources) -> None:
    ax = plot_troop_levels(troops, events=events, sources=sources)
    notes = _by_gid(ax.texts, "event:")
    lo, hi = (pd.Timestamp(d).tz_localize(None) for d in mdates.num2date(ax.get_xlim()))
    expected = events[events["milestone"].astype(bool) & events["date"].between(lo, hi)]
    assert {f"event:{i}" for i in expected["id"]} == set(notes)
    for row in expected.itertuples():
        assert _flat(row.title) in _flat(notes[f"event:{row.id}"].get_text())
    for kind in MILESTONE_KINDS:  # the turning points the issue names are all there
        assert any(kind in gid for gid in notes), kind
    assert _no_overlaps(list(notes.values())) == []


def test_troop_source_line_names_the_publishers_of_the_plotted_rows(troops, events, sources) -> None:
    shown = troops[troops["operation"] == "Serval"]
    ax = plot_troop_levels(shown, events=events, sources=sources)
    noted = events[events["id"].isin([g.split(":", 1)[1] for g in _by_gid(ax.texts, "event:")])]
    _assert_cites(ax, shown, noted)
    assert ax.get_title(loc="left")


def test_peak_troop_level(troops) -> None:
    reported = [r for r in oracle.rows("troop_levels") if r["figure_type"] == "reported"]
    top = max(int(r["personnel"]) for r in reported)
    first = min(oracle.day(r["date"]) for r in reported if int(r["personnel"]) == top)
    value, date, row = measures.peak_troop_level(troops)
    assert (value, date.date()) == (top, first)
    assert row["figure_type"] == "reported" and row["personnel"] == top


def test_a_given_axes_is_used_and_returned(troops, events, sources) -> None:
    _, ax = plt.subplots()
    assert plot_troop_levels(troops, events=events, ax=ax, sources=sources) is ax


# -- costs -----------------------------------------------------------------------------------------


def test_one_bar_per_year_in_range_per_coverage(costs, sources) -> None:
    ax = plot_costs(costs, start=2012, end=2022, sources=sources)
    bars = [p.get_gid().split(":") for p in ax.patches if (p.get_gid() or "").startswith("bar:")]
    drawn = pd.DataFrame(bars, columns=["bar", "coverage", "year", "kind"]).astype({"year": int})
    assert not drawn.duplicated(["coverage", "year"]).any()
    in_range = costs[costs["year"].between(2012, 2022)]
    for coverage, rows in in_range.groupby("coverage", observed=True):
        assert sorted(drawn.loc[drawn["coverage"] == coverage, "year"]) == sorted(rows["year"].unique())
    # All OPEX has a figure every year: one bar for each.
    assert sorted(drawn.loc[drawn["coverage"] == "opex_all", "year"]) == list(range(2012, 2023))


def test_bar_heights_prefer_spent_over_estimate_over_budget(costs, sources) -> None:
    ax = plot_costs(costs, sources=sources)
    heights = {p.get_gid(): p.get_height() for p in ax.patches if (p.get_gid() or "").startswith("bar:")}
    expected = {
        f"bar:{cov}:{year}:{kind}": amount for (year, cov), (kind, amount) in oracle.best_costs().items()
    }
    assert heights == pytest.approx(expected)
    assert {gid.rsplit(":", 1)[1] for gid in heights} == set(oracle.COST_RANK)  # all three kinds occur


def test_estimates_and_budgets_look_different_from_spent(costs, sources) -> None:
    ax = plot_costs(costs, sources=sources)
    looks = {}
    for p in ax.patches:
        gid = p.get_gid() or ""
        if gid.startswith("bar:opex_all:"):
            looks.setdefault(gid.rsplit(":", 1)[1], (p.get_hatch(), tuple(np.round(p.get_facecolor(), 3))))
    assert set(looks) == {"executed", "estimate", "budget"}
    assert len(set(looks.values())) == 3
    assert looks["executed"][0] is None and looks["estimate"][0] and looks["budget"][0]


def test_constant_euros_are_nominal_times_the_index_ratio(costs, cpi, sources) -> None:
    index = oracle.cpi()
    base = max(index)
    first = next(r for r in oracle.rows("costs") if int(r["year"]) in index and int(r["year"]) != base)
    expected = float(first["amount_eur_m"]) * index[base] / index[int(first["year"])]
    converted = measures.to_constant_euros(costs, cpi, base).set_index("id")
    assert converted.loc[first["id"], "amount_constant_eur_m"] == pytest.approx(expected)
    assert converted.loc[first["id"], "amount_eur_m"] == float(
        first["amount_eur_m"]
    )  # nominal kept as observed

    # Each bar drawn is the year's best figure times the same ratio, and the index rows used are cited.
    years = [y for y in index if y != base]
    ax = plot_costs(costs, cpi=cpi, constant=True, base_year=base, sources=sources)
    heights = {p.get_gid(): p.get_height() for p in ax.patches if (p.get_gid() or "").startswith("bar:")}
    best = oracle.best_costs(years=years)
    assert best
    for (year, coverage), (kind, amount) in best.items():
        assert heights[f"bar:{coverage}:{year}:{kind}"] == pytest.approx(amount * index[base] / index[year])
    assert str(base) in ax.get_ylabel()
    # A chart of one figure names every publisher: the index rows of its year and of the base are there.
    year, coverage = int(first["year"]), first["coverage"]
    ax = plot_costs(
        costs,
        cpi=cpi,
        constant=True,
        base_year=base,
        start=year,
        end=year,
        coverages=[coverage],
        sources=sources,
    )
    cpi_rows = [r for r in oracle.rows("cpi") if int(r["year"]) in {year, base}]
    assert oracle.publishers(r["source_id"] for r in cpi_rows) <= _publishers(ax)[0]


def test_a_year_outside_the_index_is_left_out_not_guessed(costs, cpi) -> None:
    year = int(costs["year"].min())
    partial = cpi[cpi["year"] != year]
    converted = measures.to_constant_euros(costs, partial, int(partial["year"].max()))
    assert converted.loc[converted["year"] == year, "amount_constant_eur_m"].isna().all()
    totals = measures.total_cost(costs, cpi=partial, constant=True, start=year, end=year + 1)
    assert totals["no_index"].sum() > 0


def test_cumulative_line_ends_at_the_total(costs, sources) -> None:
    ax = plot_costs(costs, coverages=["opex_all"], cumulative=True, sources=sources)
    twin = next(a for a in ax.figure.axes if a is not ax)
    line = _by_gid(twin.lines, "cumulative:")["cumulative:opex_all"]
    best = oracle.best_costs(coverages=["opex_all"])
    running = np.cumsum([best[key][1] for key in sorted(best)])
    np.testing.assert_allclose(np.asarray(line.get_ydata(), float), running)


def test_total_cost_is_the_sum_of_the_bars(costs, sources) -> None:
    years = range(2015, 2021)
    ax = plot_costs(costs, start=2015, end=2020, sources=sources)
    totals = measures.total_cost(costs, start=2015, end=2020)
    best = oracle.best_costs(years=years)
    assert set(totals.index) == {cov for _, cov in best}
    for coverage in totals.index:
        expected = sum(amount for (_, cov), (_, amount) in best.items() if cov == coverage)
        bars = [p.get_height() for p in ax.patches if (p.get_gid() or "").startswith(f"bar:{coverage}:")]
        assert sum(bars) == pytest.approx(expected)
        assert totals.loc[coverage, "total"] == pytest.approx(expected)
        assert totals.loc[coverage, "years_with_figure"] == sum(cov == coverage for _, cov in best)
    text = measures.describe_total_cost(totals)
    assert text.startswith("Total cost 2015-2020, millions of nominal euros") and "0x" not in text


def test_cost_source_line_names_only_the_publishers_of_the_plotted_rows(costs, sources) -> None:
    ax = plot_costs(costs, start=2019, end=2019, sources=sources)
    _assert_cites(ax, costs[costs["year"] == 2019])
    assert "thousands" not in ax.get_ylabel() and "euros" in ax.get_ylabel()


# -- timeline --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lanes", ["category", "country"])
def test_timeline_labels_do_not_overlap(events, lanes, sources) -> None:
    ax = plot_timeline(events, lanes=lanes, sources=sources)
    labels = [t for t in ax.texts if t.get_gid() == "timeline-label"]
    assert sorted(t.get_text() for t in labels) == sorted(events["title"])
    assert _no_overlaps(labels) == []
    fig = ax.figure
    box = ax.get_window_extent(fig.canvas.get_renderer())
    for t in labels:  # and every label is inside the plot, left to right
        ext = t.get_window_extent()
        assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1, t.get_text()


def test_timeline_labels_fit_a_given_axes(events, sources) -> None:
    _, ax = plt.subplots(figsize=(10, 6))
    ax = plot_timeline(events, start="2020-01-01", end="2022-12-31", ax=ax, sources=sources)
    labels = [t for t in ax.texts if t.get_gid() == "timeline-label"]
    assert labels and _no_overlaps(labels) == []


def test_timeline_highlights_milestones_or_the_ids_given(events, sources) -> None:
    ax = plot_timeline(events, sources=sources)
    bold = {t.get_text() for t in ax.texts if t.get_gid() == "timeline-label" and t.get_weight() == "bold"}
    assert bold == set(events.loc[events["milestone"].astype(bool), "title"])
    one = events.iloc[3]
    ax = plot_timeline(events, highlight=[one["id"]], sources=sources)
    bold = {t.get_text() for t in ax.texts if t.get_gid() == "timeline-label" and t.get_weight() == "bold"}
    assert bold == {one["title"]}


@pytest.mark.parametrize("categories", [["coup"], None])
def test_timeline_source_line_and_title(events, categories, sources) -> None:
    shown = events if categories is None else events[events["category"].isin(categories)]
    ax = plot_timeline(shown, sources=sources)
    _assert_cites(ax, shown)
    assert "sequence of events" in ax.get_title(loc="left")


def test_events_table_is_tidy(events, sources) -> None:
    table = events_table(events, places=tables.load_places(), sources=sources)
    assert list(table.columns) == ["date", "category", "place", "title", "sources"]
    assert len(table) == len(events) and table["title"].tolist() == events["title"].tolist()
    csv_rows = {r["id"]: r for r in oracle.rows("events")}
    for event_id, cited in zip(events["id"], table["sources"], strict=True):  # both in date order
        row = csv_rows[event_id]
        ids = [row["source_id"], *filter(None, row["other_source_ids"].split(";"))]
        assert set(cited.split("; ")) == oracle.publishers(ids), event_id
    gao = table[table["title"] == events.loc[events["place_id"] == "gao", "title"].iloc[0]]
    assert gao["place"].iloc[0] == "Gao, Mali"


# -- bad input: the check cells name the parameter; the library says what is wrong in plain words

# A start after the last event selects nothing, however far the record runs.
AFTER_LAST_EVENT = (tables.load_events()["date"].max() + pd.Timedelta(days=1)).date().isoformat()

BAD = [
    ("troops", {"start": "2021-01-01", "end": "2020-01-01"}, "end"),
    ("troops", {"operations": ["Barkane"]}, "operations"),
    ("troops", {"scopes": ["africa"]}, "scopes"),
    ("troops", {"start": "2012-01-01", "end": "2012-06-30"}, "start, end"),
    ("costs", {"start": 2020, "end": 2015}, "end"),
    ("costs", {"start": 2005, "end": 2015}, "start"),
    ("costs", {"coverages": ["war"]}, "coverages"),
    ("costs", {"constant": True, "base_year": 1999}, "base_year"),
    ("costs", {"constant": "yes"}, "constant"),
    ("costs", {"start": 2023, "end": 2023}, "start, end"),
    ("timeline", {"categories": ["war"]}, "categories"),
    ("timeline", {"lanes": "region"}, "lanes"),
    ("timeline", {"highlight": ["no-such-event"]}, "highlight"),
    ("timeline", {"start": AFTER_LAST_EVENT}, "start"),
]


def _check(kind: str, kwargs: dict, troops, costs, cpi, events) -> None:
    if kind == "troops":
        args = {"start": None, "end": None, "operations": None, "scopes": None, **kwargs}
        params.check_troop_params(**args, troops=troops)
    elif kind == "costs":
        args = {"start": 2012, "end": 2022, "coverages": None, "constant": False, "base_year": 2022}
        args |= {"cumulative": False, **kwargs}
        params.check_cost_params(
            args.pop("start"), args.pop("end"), args.pop("coverages"), **args, costs=costs, cpi=cpi
        )
    else:
        args = {
            "start": None,
            "end": None,
            "categories": None,
            "lanes": "category",
            "highlight": None,
            **kwargs,
        }
        params.check_timeline_params(**args, events=events)


@pytest.mark.parametrize(("kind", "kwargs", "name"), BAD, ids=[f"{k}-{n}" for k, _, n in BAD])
def test_check_cells_name_the_parameter_in_one_line(kind, kwargs, name, troops, costs, cpi, events) -> None:
    with pytest.raises(ParameterError) as err:
        _check(kind, kwargs, troops, costs, cpi, events)
    message = str(err.value)
    assert message.startswith(f"{name}:") and "\n" not in message


def test_library_errors_are_plain_words(troops, costs, cpi, events, sources) -> None:
    with pytest.raises(ValueError, match="base year 1999 is not a year of the price index"):
        measures.to_constant_euros(costs, cpi, 1999)
    with pytest.raises(TypeError, match="base year must be a year"):
        measures.to_constant_euros(costs, cpi, "2020")
    with pytest.raises(ValueError, match="no troop figures to draw"):
        plot_troop_levels(troops, start="2030-01-01", sources=sources)
    with pytest.raises(ValueError, match="lanes must be one of category, country"):
        plot_timeline(events, lanes="region", sources=sources)
    with pytest.raises(ValueError, match="no cost figures to draw"):
        plot_costs(costs, start=2023, end=2023, sources=sources)


def test_every_chart_takes_a_title_and_composes_in_a_grid(troops, costs, events, sources) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(18, 5))
    drawn = [
        plot_troop_levels(troops, ax=axes[0], title="A", sources=sources),
        plot_costs(costs, ax=axes[1], title="B", sources=sources),
        plot_timeline(events, ax=axes[2], title="C", sources=sources),
    ]
    assert drawn == list(axes)
    assert [ax.get_title(loc="left") for ax in axes] == ["A", "B", "C"]
    assert len(fig.axes) == 3
