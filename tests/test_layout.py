"""Row packing and the small pure helpers, tested without drawing."""

from __future__ import annotations

import itertools

import pytest

from sahel_analysis import measures, tables, textfmt
from sahel_analysis.viz.layout import overlaps, pack_rows


def _right(x: float, width: float) -> tuple[tuple[float, float], tuple[float, float]]:
    return ((x, x + width), (x - width, x))


def _placed(candidates, packed):
    return [(row, candidates[i][side]) for i, (row, side) in enumerate(packed)]


def test_spans_in_a_row_never_come_within_the_gap() -> None:
    candidates = [_right(x, 30) for x in (0, 10, 20, 35, 60, 61, 62, 200)]
    packed = pack_rows(candidates, lo=-100, hi=400, gap=2)
    placed = _placed(candidates, packed)
    for (ra, a), (rb, b) in itertools.combinations(placed, 2):
        if ra == rb:
            assert a[1] + 2 <= b[0] or b[1] + 2 <= a[0], (a, b)


def test_the_preferred_side_and_the_top_row_come_first() -> None:
    assert pack_rows([_right(0, 10), _right(100, 10)], lo=0, hi=200, gap=1) == [(0, 0), (0, 0)]


def test_the_fallback_side_is_used_at_the_edge() -> None:
    # No room to the right of x=95 inside [0, 100]: the text goes to the left, in the same row.
    assert pack_rows([_right(95, 20)], lo=0, hi=100, gap=1) == [(0, 1)]


def test_a_crowded_row_opens_a_new_one() -> None:
    packed = pack_rows([_right(0, 50), _right(10, 50)], lo=-5, hi=200, gap=1)
    assert [row for row, _ in packed] == [0, 1]


def test_a_label_wider_than_the_space_gets_a_row_of_its_own() -> None:
    packed = pack_rows([_right(0, 10), _right(5, 500)], lo=0, hi=100, gap=1, tries=2)
    assert packed[1] == (2, 0)  # rows 0 and 1 were tried, then a new one


def test_overlaps_counts_the_gap() -> None:
    assert overlaps((0, 10), [(11, 20)], gap=2)
    assert not overlaps((0, 10), [(13, 20)], gap=2)


@pytest.mark.parametrize(
    ("date", "precision", "style", "text"),
    [
        ("2021-04-01", "day", "iso", "2021-04-01"),
        ("2021-04-01", "month", "iso", "2021-04"),
        ("2021-04-01", "year", "iso", "2021"),
        ("2021-04-01", "day", "long", "1 April 2021"),
        ("2021-04-01", "month", "long", "April 2021"),
    ],
)
def test_dates_are_written_to_their_precision(date, precision, style, text) -> None:
    assert textfmt.date_text(date, precision, style) == text


def test_spans_round_numbers_and_names() -> None:
    assert textfmt.year_spans([2013, 2015, 2016, 2017, 2020]) == "2013, 2015–2017, 2020"
    assert [textfmt.nice_number(x) for x in (0.9, 7, 180, 1000)] == [0.5, 5, 100, 1000]
    assert textfmt.join_names(["A", "B", "C"]) == "A, B and C"
    with pytest.raises(ValueError):
        textfmt.nice_number(0)


def test_the_best_cost_figure_is_one_rule_for_the_chart_and_the_briefing() -> None:
    costs = tables.load_costs()
    ranks = {t: i for i, t in enumerate(measures.COST_TYPES)}
    annual = measures.annual_costs(costs)
    for row in annual.itertuples():
        group = costs[(costs["year"] == row.year) & (costs["coverage"] == row.coverage)]
        assert ranks[row.cost_type] == min(ranks[k] for k in group["cost_type"].astype(str))
    best, missing = measures.operation_costs(costs, 2022)
    for row in best.itertuples():
        same_year = costs[(costs["year"] == row.year) & costs["coverage"].isin(measures.OPERATION_COVERAGES)]
        kinds = [ranks[k] for k in same_year["cost_type"].astype(str)]
        assert ranks[row.cost_type] == min(kinds)
        assert (
            row.amount_eur_m == same_year.loc[same_year["cost_type"] == row.cost_type, "amount_eur_m"].min()
        )
    assert not set(missing) & set(best["year"]) and all(2013 <= y <= 2022 for y in missing)
    # One row a year, and every operation year either has its figure or is listed as missing.
    assert best["year"].is_unique
    assert set(best["year"]) | set(missing) >= set(range(2013, 2023))
