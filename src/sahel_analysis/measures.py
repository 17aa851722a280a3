"""What the figures add up to: the best cost per year, constant euros, totals, peaks, latest counts.

Pure functions of frames, so the notebooks print their key figures from exactly what the charts draw,
and the tests check them without drawing. Nothing here reads a file or checks a notebook parameter:
bad arguments raise ``TypeError``/``ValueError`` in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sahel_analysis import schema, select
from sahel_analysis.citation import LOW, low_confidence

__all__ = [
    "COST_TYPES",
    "CostFigures",
    "annual_costs",
    "best_figures",
    "cost_figures",
    "describe_events",
    "describe_peak",
    "describe_total_cost",
    "last_coup",
    "latest_deaths",
    "latest_troop_level",
    "operation_costs",
    "peak_troop_level",
    "to_constant_euros",
    "total_cost",
]

# In the order every figure prefers them: a spent figure over an estimate over a voted provision.
COST_TYPES = ("executed", "estimate", "budget")

# Which cost rows count towards "what the war cost": the operation-specific lines.
OPERATION_COVERAGES = ("serval", "barkhane", "sahel")


# --------------------------------------------------------------------------------------------------
# Costs


def best_figures(costs: pd.DataFrame, by: Sequence[str] = ("year", "coverage")) -> pd.DataFrame:
    """Within each group of ``by``, the rows of the best kind of figure (see :data:`COST_TYPES`).

    The one rule for "the best cost figure": executed if a source gives it, else an estimate, else
    the budget voted. Row order is kept.
    """
    rank = costs["cost_type"].astype(str).map({t: i for i, t in enumerate(COST_TYPES)}).astype(int)
    best = rank.groupby([costs[c] for c in by], observed=True).transform("min")
    return costs[rank == best]


def annual_costs(costs: pd.DataFrame, value: str = "amount_eur_m") -> pd.DataFrame:
    """One figure per year and coverage: what the cost chart draws and the totals add up.

    The figure is of the best kind (:func:`best_figures`). Where sources give different figures of
    that kind, ``amount`` is the lowest and ``amount_high`` the highest (the chart draws the range);
    a budget voted alongside a better figure is kept in ``budget``. Rows whose ``value`` is NaN (no
    price index) are left out.

    ``confidence``, ``confidence_high`` and ``confidence_budget`` are "low" where ``amount``,
    ``amount_high`` or ``budget`` rests only on rows marked ``confidence = low`` (every row giving
    that value is low), else "".
    """
    usable = costs.dropna(subset=[value])
    chosen_rows = best_figures(usable)
    low = low_confidence(usable)

    def confidence(rows: pd.DataFrame, amount: float) -> str:
        giving = rows[value] == amount
        return LOW if giving.any() and low[rows.index[giving]].all() else ""

    records = []
    for (year, coverage), group in usable.groupby(["year", "coverage"], observed=True, sort=True):
        chosen = group[group.index.isin(chosen_rows.index)]
        kind = str(chosen["cost_type"].iloc[0])
        budget = group[group["cost_type"] == "budget"] if kind != "budget" else group.iloc[0:0]
        amount, high = float(chosen[value].min()), float(chosen[value].max())
        budget_amount = float(budget[value].min()) if len(budget) else math.nan
        records.append(
            {
                "year": int(year),
                "coverage": str(coverage),
                "cost_type": kind,
                "amount": amount,
                "amount_high": high,
                "budget": budget_amount,
                "ids": ";".join(chosen["id"]),
                "budget_ids": ";".join(budget["id"]),
                "confidence": confidence(chosen, amount),
                "confidence_high": confidence(chosen, high),
                "confidence_budget": confidence(budget, budget_amount),
            }
        )
    columns = [
        "year",
        "coverage",
        "cost_type",
        "amount",
        "amount_high",
        "budget",
        "ids",
        "budget_ids",
        "confidence",
        "confidence_high",
        "confidence_budget",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def rows_behind(costs: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``costs`` that the annual figures rest on (for citing)."""
    ids = {i for col in ("ids", "budget_ids") for cell in annual[col] for i in cell.split(";") if i}
    return costs[costs["id"].isin(ids)]


def _base_year(base_year: Any, cpi: pd.DataFrame) -> int:
    years = [int(y) for y in cpi["year"]]
    if isinstance(base_year, bool) or not isinstance(base_year, int | np.integer):
        raise TypeError(f"the base year must be a year (an int), not {base_year!r}")
    if int(base_year) not in years:
        raise ValueError(
            f"the base year {base_year} is not a year of the price index ({', '.join(map(str, years))})"
        )
    return int(base_year)


def to_constant_euros(costs: pd.DataFrame, cpi: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """``costs`` with ``amount_constant_eur_m``: nominal × CPI[base_year] / CPI[year].

    A year the index does not cover gets NaN rather than an interpolated index: we do not invent a
    price level the source never published.
    """
    base = _base_year(base_year, cpi)
    if cpi["base"].nunique() > 1:  # ratios across two index bases would be meaningless
        raise ValueError(f"cpi: the index mixes bases ({', '.join(sorted(cpi['base'].unique()))})")
    index = {int(y): float(v) for y, v in zip(cpi["year"], cpi["index"], strict=True)}
    year_index = costs["year"].astype(int).map(index).astype(float)
    out = costs.copy()
    out.attrs.update(costs.attrs)
    out["amount_constant_eur_m"] = costs["amount_eur_m"].astype(float) * index[base] / year_index
    out.attrs["base_year"] = base
    return out


@dataclass(frozen=True)
class CostFigures:
    """The annual figures of a cost selection, nominal and as shown (nominal or constant euros)."""

    nominal: pd.DataFrame  # annual_costs in nominal euros
    shown: pd.DataFrame  # the same in the unit asked for
    value: str  # the column of the costs table they were taken from
    base_year: int | None  # None: nominal euros
    cpi_used: pd.DataFrame | None  # the index rows used (for citing)

    @property
    def unit(self) -> str:
        """The unit, as an axis label and a chart's summary write it, in the reader's language."""
        from sahel_analysis.i18n import _

        if self.base_year:
            return _("millions of {year} euros").format(year=self.base_year)
        return _("millions of nominal euros")


def cost_figures(
    costs: pd.DataFrame,
    cpi: pd.DataFrame | None = None,
    *,
    constant: bool = False,
    base_year: int | None = None,
) -> CostFigures:
    """The constant-euro pipeline: annual figures, converted with ``cpi`` to euros of ``base_year``.

    ``base_year`` defaults to the index's latest year. Without ``constant``, ``cpi`` is not used.
    """
    nominal = annual_costs(costs)
    if not constant:
        return CostFigures(nominal, nominal, "amount_eur_m", None, None)
    if cpi is None:
        raise TypeError("constant euros need a price index (cpi)")
    base = _base_year(int(cpi["year"].max()) if base_year is None else base_year, cpi)
    value = "amount_constant_eur_m"
    shown = annual_costs(to_constant_euros(costs, cpi, base), value)
    return CostFigures(nominal, shown, value, base, cpi[cpi["year"].isin([*shown["year"], base])])


def total_cost(
    costs: pd.DataFrame,
    *,
    cpi: pd.DataFrame | None = None,
    constant: bool = False,
    base_year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    coverages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Totals per coverage over start..end: the sum of the bars ``plot_costs`` draws.

    Coverages overlap (all OPEX includes Serval and Barkhane), so there is no grand total. Columns:
    ``total`` (low figures where sources differ), ``total_high``, ``years_with_figure``,
    ``years_in_range``, ``no_index`` (years dropped for want of a price index, constant euros
    only), and how many years were ``executed``/``estimate``/``budget`` figures. ``attrs`` hold the
    unit and the years.
    """
    chosen = select.select_costs(costs, start=start, end=end, coverages=coverages)
    first, last = chosen.attrs["years"]
    figures = cost_figures(chosen, cpi, constant=constant, base_year=base_year)
    nominal, annual = figures.nominal, figures.shown
    rows = []
    for coverage in select.declared_present(nominal, "costs", "coverage"):
        mine = annual[annual["coverage"] == coverage]
        counts = mine["cost_type"].value_counts()
        rows.append(
            {
                "coverage": coverage,
                "total": float(mine["amount"].sum()),
                "total_high": float(mine["amount_high"].sum()),
                "years_with_figure": len(mine),
                "years_in_range": last - first + 1,
                "no_index": int((nominal["coverage"] == coverage).sum() - len(mine)),
                **{k: int(counts.get(k, 0)) for k in COST_TYPES},
            }
        )
    out = pd.DataFrame(rows).set_index("coverage")
    out.attrs.update(
        {"unit": figures.unit, "years": (first, last), "value": figures.value, "base_year": figures.base_year}
    )
    return out


def describe_total_cost(totals: pd.DataFrame) -> str:
    """The totals as a reader takes them in, one line per coverage: the amount first, then what it rests on.

    Plain lines for a notebook's key-figure cell (no reprs, so nbval can compare them), in the
    current language.
    """
    from sahel_analysis.i18n import _, format_number, ngettext
    from sahel_analysis.textfmt import euros, list_text, year_range

    first, last = totals.attrs["years"]
    base, years = totals.attrs.get("base_year"), year_range(first, last)
    if base:
        header = _(
            "Totals for {years}, in euros of {base}; each year counts its best figure "
            "(spent, else estimated, else budgeted):"
        )
    else:
        header = _(
            "Totals for {years}, in nominal euros; each year counts its best figure "
            "(spent, else estimated, else budgeted):"
        )
    lines = [header.format(years=years, base=base)]
    for coverage, r in totals.iterrows():
        counts = [_kind_count(k, int(r[k])) for k in COST_TYPES if r[k]]
        if r.no_index:
            counts.append(_kind_count("no_index", int(r.no_index)))
        line = {
            "coverage": _(schema.COVERAGE_LABELS.get(str(coverage), str(coverage))),
            "amount": euros(r.total),
            "high": euros(r.total_high),
            "n": format_number(r.years_with_figure),
            "years": format_number(r.years_in_range),
            "kinds": list_text(counts),
        }
        if euros(r.total_high) != euros(r.total):
            text = ngettext(
                "- {coverage}: about {amount} to {high} (sources differ), in {n} year of {years} with a figure "
                "({kinds})",
                "- {coverage}: about {amount} to {high} (sources differ), in {n} years of {years} with a figure "
                "({kinds})",
                int(r.years_with_figure),
            )
        else:
            text = ngettext(
                "- {coverage}: about {amount}, in {n} year of {years} with a figure ({kinds})",
                "- {coverage}: about {amount}, in {n} years of {years} with a figure ({kinds})",
                int(r.years_with_figure),
            )
        lines.append(text.format(**line))
    return "\n".join(lines)


def _kind_count(kind: str, n: int) -> str:
    """How many of a coverage's years rest on one kind of figure: "3 spent", "2 estimated"..."""
    from sahel_analysis.i18n import format_number, ngettext

    if kind == "executed":
        text = ngettext("{n} spent", "{n} spent", n)
    elif kind == "estimate":
        text = ngettext("{n} estimated", "{n} estimated", n)
    elif kind == "budget":
        text = ngettext("{n} budgeted", "{n} budgeted", n)
    else:
        text = ngettext("{n} left out for want of a price index", "{n} left out for want of a price index", n)
    return text.format(n=format_number(n))


def describe_peak(troops: pd.DataFrame) -> str:
    """The troop figures' key figures, one sentence a line: the peak reported count, then how many figures."""
    from sahel_analysis.i18n import _, format_date, format_number, ngettext

    lines = []
    try:
        peak, first_seen, row = peak_troop_level(troops)
    except ValueError:  # announcements or targets only: no count to take a peak from
        lines.append(_("No reported count among these figures, so no peak."))
    else:
        lines.append(
            _("Peak: {n} personnel reported {where} ({operation}), first for {date}.").format(
                n=format_number(peak),
                where=_(schema.SCOPE_LABELS.get(str(row["scope"]), str(row["scope"]))),
                operation=row["operation"],
                date=format_date(first_seen, row["precision"]),
            )
        )
    n = len(troops)
    lines.append(ngettext("{n} figure shown.", "{n} figures shown.", n).format(n=format_number(n)))
    return "\n".join(lines)


def describe_events(events: pd.DataFrame) -> str:
    """The events' key figures, one sentence a line: how many, over which days, how many milestones."""
    from sahel_analysis.i18n import format_date, format_number, ngettext

    n, milestones = len(events), int(events["milestone"].sum())
    return "\n".join(
        [
            ngettext("{n} event, from {first} to {last}.", "{n} events, from {first} to {last}.", n).format(
                n=format_number(n),
                first=format_date(events["date"].min()),
                last=format_date(events["date"].max()),
            ),
            ngettext("{n} milestone among them.", "{n} milestones among them.", milestones).format(
                n=format_number(milestones)
            ),
        ]
    )


# The years the operations ran: from Serval's launch (events.csv 2013-01-11-serval-launched) to the
# formal end of Barkhane (2022-11-09-end-of-barkhane). A year outside them has no cost to miss.
OPERATION_YEARS = (2013, 2022)


def operation_costs(costs: pd.DataFrame, last_year: int) -> tuple[pd.DataFrame, list[int]]:
    """One cost row per year for Serval/Barkhane/Sahel, and the operation years up to ``last_year`` with none.

    Per year, the operation's own figure of the best kind is used; where two sources give the same
    kind, the lower is kept and the other is left to the costs chart, which shows both.
    """
    ops = costs[costs["coverage"].isin(OPERATION_COVERAGES)]
    best = best_figures(ops, by=["year"]).sort_values(["year", "amount_eur_m"]).groupby("year").head(1)
    first, last = OPERATION_YEARS
    missing = [y for y in range(first, min(last, last_year) + 1) if y not in set(best["year"])]
    return best, missing


# --------------------------------------------------------------------------------------------------
# Troops, deaths, coups


def peak_troop_level(
    troops: pd.DataFrame, *, figure_types: Iterable[str] = ("reported",)
) -> tuple[int, pd.Timestamp, pd.Series]:
    """The highest personnel figure of the given types, the first date it was given, and its row.

    Only reported figures count by default: announcements and targets are not counts of troops.
    """
    kinds = list(figure_types)
    rows = troops[troops["figure_type"].isin(kinds)]
    if rows.empty:
        raise ValueError(f"there are no {' or '.join(kinds)} troop figures to take a peak from")
    top = int(rows["personnel"].max())
    row = rows[rows["personnel"] == top].sort_values(["date", "id"], kind="stable").iloc[0]
    return top, pd.Timestamp(row["date"]), row


def latest_troop_level(troops: pd.DataFrame) -> pd.DataFrame:
    """The last reported level in the Sahel as one row (the Sahel-wide count if there is one), or no row.

    Counts for the bases outside the Sahel (Senegal, Côte d'Ivoire, Gabon, Djibouti) are left out: the
    figure answers how many soldiers France had in the war, not in Africa.
    """
    from sahel_analysis.schema import SAHEL_SCOPES

    reported = troops[(troops["figure_type"] == "reported") & troops["scope"].isin(SAHEL_SCOPES)]
    if reported.empty:
        return reported
    latest = reported[reported["date"] == reported["date"].max()]
    sahel = latest[latest["scope"] == "sahel"]
    return (sahel if not sahel.empty else latest).sort_values("personnel").iloc[[-1]]


# The fatalities series the headline figure uses: the armed forces staff's own count of soldiers
# killed, the one announced at each death (the "mort pour la France" status is a separate count).
DEATHS_SERIES = "ema_killed"


def latest_deaths(fatalities: pd.DataFrame, series: str = DEATHS_SERIES) -> pd.DataFrame:
    """The last cumulative count of deaths in one ``series`` as one row, or no row.

    One counter only: mixing series would show steps that are only a change of method.
    """
    fatalities = fatalities[fatalities["series"] == series]
    if fatalities.empty:
        return fatalities
    latest = fatalities[fatalities["date"] == fatalities["date"].max()]
    return latest.sort_values("cumulative_deaths").iloc[[-1]]


def last_coup(events: pd.DataFrame, country: str = "MLI") -> pd.DataFrame:
    """The last coup in ``country`` among ``events`` (sorted by date) as one row, or no row."""
    coups = events[(events["category"] == "coup") & (events["country_iso3"] == country)]
    return coups.iloc[[-1]] if not coups.empty else coups
