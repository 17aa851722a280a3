"""What the operations cost each year, by what each figure covers: ``plot_costs``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahel_analysis import citation, schema, select
from sahel_analysis.i18n import N_, _, format_number, ngettext
from sahel_analysis.measures import COST_TYPES, cost_figures, rows_behind
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    house_style,
    low_confidence,
    new_axes,
    thousands,
    with_gaps,
    with_low_confidence_entry,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_costs"]

COVERAGE_COLOURS = {
    "opex_all": PALETTE["grey"],
    "opex_missint": PALETTE["purple"],
    "serval": PALETTE["blue"],
    "barkhane": PALETTE["orange"],
    "sahel": PALETTE["green"],
}
_BAR_STYLE = {
    # Executed: solid. Estimates and budgets are not spending, so they are paler and hatched.
    "executed": {"fill": 1.0, "hatch": None},
    "estimate": {"fill": 0.45, "hatch": "////"},
    "budget": {"fill": 0.0, "hatch": "...."},
}
_KIND_LABELS = {
    "executed": N_("spent (executed)"),
    "estimate": N_("estimate"),
    "budget": N_("budget voted (no spending figure)"),
}
_GREY = "#555555"
Place = Callable[[int, str], float]


def _cov_colour(coverage: str) -> str:
    return COVERAGE_COLOURS.get(coverage, PALETTE["black"])


def _lighter(colour: str, amount: float) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (1 - amount * (1 - r), 1 - amount * (1 - g), 1 - amount * (1 - b))


def _cost_slots(nominal: pd.DataFrame, covs: list[str], first: int, last: int) -> dict[int, list[str]]:
    """For each year, the coverages that get a slot: a bar, or a gap inside the coverage's run."""
    slots: dict[int, list[str]] = {year: [] for year in range(first, last + 1)}
    for coverage in covs:
        had = set(nominal.loc[nominal["coverage"] == coverage, "year"].astype(int))
        if not had:
            continue
        for year in range(min(had), max(had) + 1):
            slots[year].append(coverage)
    return slots


def _draw_bars(ax: Axes, annual: pd.DataFrame, covs: list[str], at: Place, width: float) -> float:
    """Bars, source ranges and budget marks; returns the highest value drawn."""
    top = 0.0
    for coverage in covs:
        colour = _cov_colour(coverage)
        mine = annual[annual["coverage"] == coverage]
        xs = {int(y): at(int(y), coverage) for y in mine["year"]}
        for kind in COST_TYPES:
            rows = mine[mine["cost_type"] == kind]
            if rows.empty:
                continue
            style = _BAR_STYLE[kind]
            bars = ax.bar(
                [xs[int(y)] for y in rows["year"]],
                rows["amount"],
                width=width * 0.9,
                color=_lighter(colour, style["fill"]),
                edgecolor=colour,
                hatch=style["hatch"],
                linewidth=1.0,
                zorder=2,
            )
            for patch, year, confidence in zip(bars.patches, rows["year"], rows["confidence"], strict=True):
                patch.set_gid(f"bar:{coverage}:{year}:{kind}")
                if confidence:
                    low_confidence(patch)
        spread = mine[mine["amount_high"] > mine["amount"]]
        for low, rows in spread.groupby(spread["confidence_high"] != "", sort=True):
            whiskers = ax.errorbar(
                [xs[int(y)] for y in rows["year"]],
                rows["amount"],
                yerr=[np.zeros(len(rows)), (rows["amount_high"] - rows["amount"]).to_numpy()],
                fmt="none",
                ecolor="black",
                elinewidth=1.2,
                capsize=3,
                zorder=4,
            )
            for artist in [*whiskers.lines[1], *whiskers.lines[2]]:
                artist.set_gid(f"range:{coverage}" + (":low" if low else ""))
                if low:
                    low_confidence(artist)
        budget = mine[mine["budget"].notna()]
        for low, rows in budget.groupby(budget["confidence_budget"] != "", sort=True):
            centres = np.array([xs[int(y)] for y in rows["year"]])
            marks = ax.hlines(
                rows["budget"],
                centres - width * 0.45,
                centres + width * 0.45,
                color="black",
                lw=2.2,
                zorder=4,
                gid=f"budget:{coverage}" + (":low" if low else ""),
            )
            if low:
                low_confidence(marks)
        top = max(top, float(np.nanmax(mine[["amount_high", "budget"]].to_numpy(float), initial=0)))
    return top


def _draw_gaps(
    ax: Axes, slots: dict[int, list[str]], annual: pd.DataFrame, nominal: pd.DataFrame, at: Place
) -> None:
    for year, names in slots.items():
        for coverage in names:
            if ((annual["year"] == year) & (annual["coverage"] == coverage)).any():
                continue
            # A year inside a coverage's run with no figure is a gap in the record, not a zero.
            had = ((nominal["year"] == year) & (nominal["coverage"] == coverage)).any()
            ax.text(
                at(year, coverage),
                0,
                _("no price index") if had else _("no figure"),
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=6.5,
                color=_cov_colour(coverage),
                gid=f"gap:{coverage}:{year}",
            )
    for year in slots:
        if not slots.get(year):
            ax.text(
                year, 0, _("no figure"), rotation=90, ha="center", va="bottom", fontsize=6.5, color="#666666"
            )


def _handles(annual: pd.DataFrame, covs: list[str]) -> tuple[list[Any], list[Any]]:
    """Legend entries: what the colours mean, and what the fills and marks mean."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cover: list[Any] = [
        Patch(facecolor=_cov_colour(c), edgecolor=_cov_colour(c), label=_(schema.COVERAGE_LABELS.get(c, c)))
        for c in covs
    ]
    kinds: list[Any] = []
    for kind in COST_TYPES:
        if (annual["cost_type"] == kind).any():
            st = _BAR_STYLE[kind]
            kinds.append(
                Patch(
                    facecolor=_lighter(_GREY, st["fill"]),
                    edgecolor=_GREY,
                    hatch=st["hatch"],
                    label=_(_KIND_LABELS[kind]),
                )
            )
    if annual["budget"].notna().any():
        kinds.append(Line2D([], [], color="black", lw=2.2, label=_("budget voted, marked on the bar")))
    if (annual["amount_high"] > annual["amount"]).any():
        kinds.append(
            Line2D(
                [],
                [],
                color="black",
                marker="|",
                ms=11,
                mew=1.3,
                ls="none",
                label=_("range where sources differ"),
            )
        )
    drawn = annual[["confidence", "confidence_high", "confidence_budget"]].ne("").to_numpy().ravel()
    return cover, with_low_confidence_entry(kinds, drawn, "bar")


def _draw_cumulative(ax: Axes, annual: pd.DataFrame, covs: list[str], unit: str) -> Axes:
    """Running totals on a right-hand axis; returns that axis."""
    twin = ax.twinx()
    twin.spines["right"].set_visible(True)
    twin.grid(False)
    for coverage in covs:
        mine = annual[annual["coverage"] == coverage].sort_values("year")
        if mine.empty:
            continue
        running = mine["amount"].cumsum().to_numpy(float)
        x, y = with_gaps(mine["year"].to_numpy(float), running, 1.0)  # a missing year breaks it
        twin.plot(x, y, color=_cov_colour(coverage), lw=1.8, marker="o", ms=4, gid=f"cumulative:{coverage}")
    twin.set_ylim(0, None)
    twin.set_ylabel(_("Cumulative, {unit}").format(unit=unit))
    thousands(twin)
    return twin


def plot_costs(
    costs: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    constant: bool = False,
    base_year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    coverages: Sequence[str] | None = None,
    cumulative: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Annual cost bars, one per year and coverage, in nominal or constant euros.

    Executed figures are solid bars, estimates pale and hatched, budgets white and dotted; a black
    bar marks a budget voted alongside a better figure, and a whisker the range where sources
    differ; a bar, whisker or mark resting only on low-confidence rows is faded with a dotted
    outline. With ``constant=True`` amounts are converted with ``cpi`` to euros of ``base_year``
    (default: the latest year of the index); years the index does not cover are marked, not
    estimated. ``cumulative`` adds running totals on a right-hand axis. ``sources``: the sources
    table, whose publishers the source line names. ``title``: "" for none.
    """
    from matplotlib.lines import Line2D

    shown = select.select_costs(costs, start=start, end=end, coverages=coverages)
    first, last = shown.attrs["years"]
    figures = cost_figures(shown, cpi, constant=constant, base_year=base_year)
    nominal, annual = figures.nominal, figures.shown
    if annual.empty:
        raise ValueError(
            "there are no cost figures to draw" + (" in years of the price index" if constant else "")
        )
    covs = select.declared_present(nominal, "costs", "coverage")
    slots = _cost_slots(nominal, covs, first, last)
    width = 0.8 / max([len(v) for v in slots.values()] + [1])

    def at(year: int, coverage: str) -> float:
        # Bars of one year sit side by side, centred on the year, in the declared coverage order.
        mine = slots[year]
        return year + (mine.index(coverage) - (len(mine) - 1) / 2) * width

    with house_style():
        ax = new_axes((11, 6.0)) if ax is None else ax
        top = _draw_bars(ax, annual, covs, at, width)
        _draw_gaps(ax, slots, annual, nominal, at)
        ax.set_xlim(first - 0.6, last + 0.6)
        ax.set_xticks(range(first, last + 1))
        ax.tick_params(axis="x", which="both", length=0)
        ax.grid(False, axis="x")
        ax.set_ylim(0, top * 1.5)
        unit = figures.unit
        label = unit[0].upper() + unit[1:]
        ax.set_ylabel(_("{unit} (Insee consumer price index)").format(unit=label) if constant else label)
        thousands(ax)
        cover_handles, kind_handles = _handles(annual, covs)
        legend_ax = ax
        if cumulative:
            legend_ax = _draw_cumulative(ax, annual, covs, unit)
            kind_handles.append(
                Line2D([], [], color=_GREY, lw=1.8, marker="o", ms=4, label=_("cumulative (right axis)"))
            )
        # Two legends: what the colours mean, and what the fills mean. The second is drawn on the
        # twin axis when there is one, so the cumulative lines do not paint over the first.
        first_legend = legend_ax.legend(
            handles=cover_handles, loc="upper left", fontsize=8.5, title=_("Coverage")
        )
        legend_ax.add_artist(first_legend)
        legend_ax.legend(handles=kind_handles, loc="upper right", fontsize=8.5, title=_("Kind of figure"))
        if title is None:
            years = f"{first}–{last}"
            if constant:
                title = _("Cost of the French operations, {years} (constant {base} euros)").format(
                    years=years, base=figures.base_year
                )
            else:
                title = _("Cost of the French operations, {years} (nominal euros)").format(years=years)
        ax.set_title(title)
        cited = [rows_behind(shown, annual)] + ([figures.cpi_used] if figures.cpi_used is not None else [])
        add_source_line(ax, citation.source_line(*cited, sources=sources))
    # Each annual figure rests on rows of the costs table: their sources, in the table's order.
    source_of = dict(zip(shown["id"], shown["source_id"], strict=True))
    rested_on = [
        ";".join(dict.fromkeys(source_of[i] for i in f"{a};{b}".split(";") if i in source_of))
        for a, b in zip(annual["ids"], annual["budget_ids"], strict=True)
    ]
    summary = ngettext(
        "Bar chart of {n} annual cost figure by coverage, {first} to {last}, in {unit}; the largest is {top}.",
        "Bar chart of {n} annual cost figures by coverage, {first} to {last}, in {unit}; the largest is {top}.",
        len(annual),
    ).format(
        n=format_number(len(annual)),
        first=first,
        last=last,
        unit=unit,
        top=format_number(annual["amount"].max()),
    )
    return describe(ax, summary, annual.assign(unit=unit, source_id=rested_on), name="costs")
