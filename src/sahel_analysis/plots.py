"""Charts of troop levels, costs and the sequence of events, in the house style.

Every plot function has the seaborn/geopandas shape ``f(data=None, *, ..., ax=None) -> Axes``: it
takes a table (by default the shipped one), draws on ``ax`` or on a new figure, writes a title and a
source line built from the rows it actually drew, and returns the Axes. Nothing here calls
``plt.show()``.

The selection and arithmetic behind each chart are pure functions (``select_*``,
``to_constant_euros``, ``annual_costs``, ``total_cost``, ``peak_troop_level``, ``events_table``), so
the notebooks print their key figures from exactly what the charts draw, and the tests check them
without drawing. matplotlib is imported inside the drawing functions so that those helpers stay
cheap to import.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sahel_analysis import data
from sahel_analysis.params import (
    ParameterError,
    check_bool,
    check_choice,
    check_choices,
    check_date_range,
    check_nonempty,
    check_year_range,
)
from sahel_analysis.style import PALETTE, add_source_line, date_axis, house_style, thousands

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = [
    "CATEGORY_LABELS",
    "COVERAGE_LABELS",
    "MAX_GAP",
    "SAHEL_SCOPES",
    "allowed_values",
    "cost_year_bounds",
    "annual_costs",
    "describe_total_cost",
    "events_table",
    "format_date",
    "peak_troop_level",
    "plot_costs",
    "plot_timeline",
    "plot_troop_levels",
    "select_costs",
    "select_events",
    "select_troop_levels",
    "to_constant_euros",
    "total_cost",
]

# Two reported figures further apart than this are not joined: the step would claim a level held
# through a stretch that no source covers.
MAX_GAP = pd.Timedelta(days=548)  # about 18 months

# The troop-level scopes inside the theatre of the Sahel operations. The prepositioned bases elsewhere
# (Senegal, Côte d'Ivoire, Gabon, Djibouti) are charted only when asked for by name.
SAHEL_SCOPES = ("sahel", "mali", "burkina_faso", "niger", "chad")
SCOPE_LABELS = {
    "mali": "in Mali",
    "sahel": "across the Sahel",
    "burkina_faso": "in Burkina Faso",
    "niger": "in Niger",
    "chad": "in Chad",
    "senegal": "in Senegal",
    "cote_divoire": "in Côte d'Ivoire",
    "gabon": "in Gabon",
    "djibouti": "in Djibouti",
}
COVERAGE_LABELS = {
    "opex_all": "All external operations (OPEX)",
    "opex_missint": "OPEX and domestic missions (MISSINT)",
    "serval": "Operation Serval",
    "barkhane": "Operation Barkhane",
    "sahel": "All operations in the Sahel",
}
CATEGORY_LABELS = {
    "coup": "Coups",
    "rebellion": "Rebellion",
    "military_operation": "Military operations",
    "attack": "Attacks",
    "political": "Politics",
    "diplomatic": "Diplomacy",
    "withdrawal": "Withdrawal",
    "un_mission": "UN mission",
    "alliance": "Sahel alliance",
    "foreign_forces": "Other foreign forces",
}
COUNTRY_NAMES = {
    "MLI": "Mali",
    "FRA": "France",
    "NER": "Niger",
    "TCD": "Chad",
    "BFA": "Burkina Faso",
    "MRT": "Mauritania",
    "DZA": "Algeria",
    "SEN": "Senegal",
    "CIV": "Côte d'Ivoire",
    "GAB": "Gabon",
    "DJI": "Djibouti",
}

# Fixed colours, so a series keeps its colour whatever else is selected.
SERIES_COLOURS = {
    ("Serval", "mali"): PALETTE["blue"],
    ("Barkhane", "sahel"): PALETTE["orange"],
    ("Barkhane", "mali"): PALETTE["vermillion"],
    ("Takuba", "mali"): PALETTE["green"],
    ("Takuba", "sahel"): PALETTE["green"],
    ("Epervier", "sahel"): PALETTE["purple"],
    ("Sabre", "sahel"): PALETTE["sky"],
    ("Sabre", "mali"): PALETTE["sky"],
    ("Sabre", "burkina_faso"): PALETTE["sky"],
    ("partnership", "sahel"): PALETTE["black"],
    ("partnership", "niger"): PALETTE["wine"],
    ("partnership", "chad"): PALETTE["purple"],
}
COVERAGE_COLOURS = {
    "opex_all": PALETTE["grey"],
    "opex_missint": PALETTE["purple"],
    "serval": PALETTE["blue"],
    "barkhane": PALETTE["orange"],
    "sahel": PALETTE["green"],
}
CATEGORY_COLOURS = {
    "coup": PALETTE["vermillion"],
    "rebellion": PALETTE["orange"],
    "military_operation": PALETTE["blue"],
    "attack": PALETTE["black"],
    "political": PALETTE["purple"],
    "diplomatic": PALETTE["sky"],
    "withdrawal": PALETTE["green"],
    "un_mission": PALETTE["grey"],
    "alliance": PALETTE["yellow"],
    "foreign_forces": PALETTE["wine"],
}
_FALLBACK_COLOURS = [PALETTE[k] for k in ("green", "purple", "sky", "black", "grey")]

# In the order a chart prefers them: a spent figure over an estimate over a voted provision.
COST_TYPES = ("executed", "estimate", "budget")
_MARKER, _MARKER_BIG = 5.0, 7.5  # timeline markers, points
# Text is measured at the figure's dpi, and glyph widths do not scale exactly with dpi (hinting):
# labels are laid out with this much spare width so a savefig at another dpi does not make them touch.
_WIDTH_MARGIN = 1.05
_PRECISION_PERIOD = {
    "day": pd.DateOffset(days=1),
    "month": pd.DateOffset(months=1),
    "year": pd.DateOffset(years=1),
}


# --------------------------------------------------------------------------------------------------
# Declared values and selections


def allowed_values(table: str, column: str) -> list[str]:
    """The values ``datapackage.json`` allows in ``table.column`` (its enum), in declared order."""
    for field in data.resource(table)["schema"]["fields"]:
        if field["name"] == column:
            return list(field.get("constraints", {}).get("enum", []))
    raise KeyError(f"{table}.csv has no column {column!r}")


def cost_year_bounds() -> tuple[int, int]:
    """The years the costs table may hold, as declared in ``datapackage.json``."""
    cons = next(f for f in data.resource("costs")["schema"]["fields"] if f["name"] == "year")["constraints"]
    return int(cons["minimum"]), int(cons["maximum"])


def _given(**params: Any) -> str:
    """The names of the filters that were set: what an empty selection is blamed on."""
    names = [name for name, value in params.items() if value is not None]
    return ", ".join(names) or "data"


def _in_dates(frame: pd.DataFrame, first: Any, last: Any, column: str = "date") -> pd.Series:
    """Rows dated within [first, last]; None leaves that end open."""
    mask = pd.Series(True, index=frame.index)
    if first is not None:
        mask &= frame[column] >= pd.Timestamp(first)
    if last is not None:
        mask &= frame[column] <= pd.Timestamp(last)
    return mask


def _keep(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    out = frame[mask.to_numpy()].copy()
    out.attrs.update(frame.attrs)
    return out


def select_troop_levels(
    troops: pd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    operations: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``troops`` dated within [start, end] for the given operations and scopes.

    ``scopes=None`` means :data:`SAHEL_SCOPES`, the theatre of the Sahel operations. Raises
    ``ParameterError`` for end before start, an unknown operation or scope, or an empty result.
    """
    first, last = check_date_range("start", start, "end", end)
    ops = check_choices("operations", operations, allowed_values("troop_levels", "operation"))
    scs = check_choices("scopes", scopes, allowed_values("troop_levels", "scope"))
    if scs is None:
        scs = list(SAHEL_SCOPES)
    mask = _in_dates(troops, first, last)
    if ops is not None:
        mask &= troops["operation"].isin(ops)
    if scs is not None:
        mask &= troops["scope"].isin(scs)
    out = _keep(troops, mask)
    check_nonempty(_given(start=start, end=end, operations=operations, scopes=scopes), out, "troop figures")
    return out


def _year_range(costs: pd.DataFrame, start: Any, end: Any) -> tuple[int, int]:
    lo, hi = cost_year_bounds()
    first = int(costs["year"].min()) if start is None and len(costs) else start
    last = int(costs["year"].max()) if end is None and len(costs) else end
    return check_year_range(
        "start", lo if first is None else first, "end", hi if last is None else last, bounds=(lo, hi)
    )


def select_costs(
    costs: pd.DataFrame,
    *,
    start: int | None = None,
    end: int | None = None,
    coverages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``costs`` for years start..end (inclusive) and the given coverages."""
    first, last = _year_range(costs, start, end)
    covs = check_choices("coverages", coverages, allowed_values("costs", "coverage"))
    mask = (costs["year"] >= first) & (costs["year"] <= last)
    if covs is not None:
        mask &= costs["coverage"].isin(covs)
    out = _keep(costs, mask.astype(bool))
    out.attrs["years"] = (first, last)
    check_nonempty(_given(start=start, end=end, coverages=coverages), out, "cost figures")
    return out


def select_events(
    events: pd.DataFrame,
    *,
    start: Any = None,
    end: Any = None,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The events dated within [start, end] in the given categories."""
    first, last = check_date_range("start", start, "end", end)
    cats = check_choices("categories", categories, allowed_values("events", "category"))
    mask = _in_dates(events, first, last)
    if cats is not None:
        mask &= events["category"].isin(cats)
    out = _keep(events, mask)
    check_nonempty(_given(start=start, end=end, categories=categories), out, "events")
    return out


# --------------------------------------------------------------------------------------------------
# Key figures


def peak_troop_level(
    troops: pd.DataFrame, *, figure_types: Iterable[str] = ("reported",)
) -> tuple[int, pd.Timestamp, pd.Series]:
    """The highest personnel figure of the given types, the first date it was given, and its row.

    Only reported figures count by default: announcements and targets are not counts of troops.
    """
    kinds = list(figure_types)
    rows = troops[troops["figure_type"].isin(kinds)]
    check_nonempty("troops", rows, f"{' or '.join(kinds)} troop figures")
    top = int(rows["personnel"].max())
    row = rows[rows["personnel"] == top].sort_values(["date", "id"], kind="stable").iloc[0]
    return top, pd.Timestamp(row["date"]), row


def format_date(date: Any, precision: str = "day") -> str:
    """A date written to the precision it is known: ``2021-04-01`` (day), ``2021-04`` (month), ``2021``."""
    stamp = pd.Timestamp(date)
    return stamp.strftime({"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}.get(precision, "%Y-%m-%d"))


def _check_base_year(base_year: Any, cpi: pd.DataFrame) -> int:
    years = [int(y) for y in cpi["year"]]
    if (
        isinstance(base_year, bool)
        or not isinstance(base_year, int | np.integer)
        or int(base_year) not in years
    ):
        listed = ", ".join(map(str, years))
        raise ParameterError(f"base_year: expected a year of the price index ({listed}); found {base_year!r}")
    return int(base_year)


def to_constant_euros(costs: pd.DataFrame, cpi: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """``costs`` with ``amount_constant_eur_m``: nominal × CPI[base_year] / CPI[year].

    A year the index does not cover gets NaN rather than an interpolated index: we do not invent a
    price level the source never published. Raises ``ParameterError`` if ``base_year`` is not in
    the index.
    """
    base = _check_base_year(base_year, cpi)
    if cpi["base"].nunique() > 1:  # ratios across two index bases would be meaningless
        raise ValueError(f"cpi: the index mixes bases ({', '.join(sorted(cpi['base'].unique()))})")
    index = {int(y): float(v) for y, v in zip(cpi["year"], cpi["index"], strict=True)}
    year_index = costs["year"].astype(int).map(index).astype(float)
    out = costs.copy()
    out.attrs.update(costs.attrs)
    out["amount_constant_eur_m"] = costs["amount_eur_m"].astype(float) * index[base] / year_index
    out.attrs["base_year"] = base
    return out


def annual_costs(costs: pd.DataFrame, value: str = "amount_eur_m") -> pd.DataFrame:
    """One figure per year and coverage: what the cost chart draws and the totals add up.

    The figure is the executed one if there is one, else the estimate, else the voted budget.
    Where sources give different figures of that kind, ``amount`` is the lowest and
    ``amount_high`` the highest (the chart draws the range); a budget voted alongside a better
    figure is kept in ``budget``. Rows whose ``value`` is NaN (no price index) are left out.
    """
    records = []
    usable = costs.dropna(subset=[value])
    for (year, coverage), group in usable.groupby(["year", "coverage"], observed=True, sort=True):
        kind = next(k for k in COST_TYPES if (group["cost_type"] == k).any())
        chosen = group[group["cost_type"] == kind]
        budget = group[group["cost_type"] == "budget"] if kind != "budget" else group.iloc[0:0]
        records.append(
            {
                "year": int(year),
                "coverage": str(coverage),
                "cost_type": kind,
                "amount": float(chosen[value].min()),
                "amount_high": float(chosen[value].max()),
                "budget": float(budget[value].min()) if len(budget) else math.nan,
                "ids": ";".join(chosen["id"]),
                "budget_ids": ";".join(budget["id"]),
            }
        )
    columns = ["year", "coverage", "cost_type", "amount", "amount_high", "budget", "ids", "budget_ids"]
    return pd.DataFrame.from_records(records, columns=columns)


def _rows_behind(costs: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    ids = {i for col in ("ids", "budget_ids") for cell in annual[col] for i in cell.split(";") if i}
    return costs[costs["id"].isin(ids)]


def _unit(constant: bool, base_year: int | None) -> str:
    return f"millions of {base_year} euros" if constant else "millions of nominal euros"


def total_cost(
    costs: pd.DataFrame | None = None,
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
    costs = data.load_costs() if costs is None else costs
    check_bool("constant", constant)
    shown = select_costs(costs, start=start, end=end, coverages=coverages)
    first, last = shown.attrs["years"]
    value, base = "amount_eur_m", None
    nominal = annual_costs(shown)
    annual = nominal
    if constant:
        cpi = data.load_cpi() if cpi is None else cpi
        base = _check_base_year(cpi["year"].max() if base_year is None else base_year, cpi)
        value = "amount_constant_eur_m"
        annual = annual_costs(to_constant_euros(shown, cpi, base), value)
    order = [c for c in allowed_values("costs", "coverage") if c in set(nominal["coverage"])]
    rows = []
    for coverage in order:
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
    out.attrs.update({"unit": _unit(constant, base), "years": (first, last), "value": value})
    return out


def describe_total_cost(totals: pd.DataFrame) -> str:
    """Plain lines for a notebook's key-figure cell (no reprs, so nbval can compare them)."""
    first, last = totals.attrs["years"]
    lines = [
        f"Total cost {first}-{last}, {totals.attrs['unit']} "
        "(one figure a year: executed, else estimate, else budget):"
    ]
    for coverage, r in totals.iterrows():
        amount = f"{r.total:,.0f}"
        if round(r.total_high) != round(r.total):
            amount += f" to {r.total_high:,.0f} (sources differ)"
        kinds = ", ".join(f"{int(r[k])} {k}" for k in COST_TYPES if r[k])
        note = f"; {int(r.no_index)} left out for want of a price index" if r.no_index else ""
        lines.append(
            f"- {COVERAGE_LABELS.get(str(coverage), coverage)}: {amount}; "
            f"{int(r.years_with_figure)} of {int(r.years_in_range)} years ({kinds}{note})"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Drawing helpers


def _num(dates: Any) -> Any:
    import matplotlib.dates as mdates

    return mdates.date2num(pd.to_datetime(dates))


def _new_axes(figsize: tuple[float, float]) -> Axes:
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _renderer(fig: Figure) -> Any:
    return fig.canvas.get_renderer()


def _with_gaps(x: np.ndarray, y: np.ndarray, max_gap_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN between consecutive points further apart than ``max_gap_days``: the line breaks."""
    if len(x) < 2:
        return x.astype(float), y.astype(float)
    xs, ys = [float(x[0])], [float(y[0])]
    for i in range(1, len(x)):
        if x[i] - x[i - 1] > max_gap_days:
            xs.append(math.nan)
            ys.append(math.nan)
        xs.append(float(x[i]))
        ys.append(float(y[i]))
    return np.array(xs), np.array(ys)


@dataclass
class _Label:
    x: float  # data x of the thing labelled
    text: str
    gid: str
    artist: Text | None = None
    width: float = 0.0  # display pixels
    height: float = 0.0


def _measure(labels: list[_Label], renderer: Any) -> None:
    for label in labels:
        assert label.artist is not None
        box = label.artist.get_window_extent(renderer)
        label.width, label.height = box.width, box.height


def _overlaps(a: tuple[float, float], taken: list[tuple[float, float]], gap: float) -> bool:
    return any(a[0] < b[1] + gap and b[0] < a[1] + gap for b in taken)


def _place_top_labels(ax: Axes, labels: list[_Label], *, fontsize: float = 7.5) -> float:
    """Stack labels in rows at the top of ``ax`` so that none overlaps another; return the lowest bottom.

    Each label sits beside a vertical guide at its x, to the right if it fits inside the axes and
    its row is free there, else to the left; rows fill from the top. Positions are worked out in
    display pixels from the axes' current size and x limits, and the result is given back in axes
    fractions so that changing the y limits afterwards does not move the labels.
    """
    from matplotlib.transforms import blended_transform_factory, offset_copy

    if not labels:
        return 1.0
    fig = ax.figure
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for label in labels:
        label.artist = ax.text(
            label.x,
            1.0,
            label.text,
            transform=trans,
            fontsize=fontsize,
            va="top",
            ha="left",
            color="#222222",
            linespacing=1.1,
            zorder=5,
            bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
        label.artist.set_gid(label.gid)
    renderer = _renderer(fig)
    _measure(labels, renderer)
    for label in labels:  # glyph widths do not scale exactly with dpi: leave room for a later savefig
        label.width *= _WIDTH_MARGIN
    box = ax.get_window_extent(renderer)
    pad = 3.0 * fig.dpi / 72  # between a guide and its text, and between neighbours
    row_h = max(lb.height for lb in labels) + 2 * pad
    rows: list[list[tuple[float, float]]] = []
    lowest = 1.0
    for label in sorted(labels, key=lambda lb: lb.x):
        px = ax.transData.transform((label.x, 0))[0]
        # Text to the right of the guide (left-aligned) is preferred, else to its left.
        to_right = (px + pad, px + pad + label.width)
        to_left = (px - pad - label.width, px - pad)
        placed = None
        for r in range(len(labels)):
            if r == len(rows):
                rows.append([])
            for ha, span in (("left", to_right), ("right", to_left)):
                inside = span[0] >= box.x0 and span[1] <= box.x1
                if inside and not _overlaps(span, rows[r], pad):
                    placed = (r, ha, span)
                    break
            if placed:
                break
        if placed is None:  # wider than the axes: let it hang out on the right rather than vanish
            placed = (len(rows), "left", to_right)
            rows.append([])
        r, ha, span = placed
        rows[r].append(span)
        top = 1.0 - (pad + r * row_h) / box.height
        label.artist.set_position((label.x, top))
        label.artist.set_ha(ha)
        # Offset the text from its guide in points, so that it stays clear at any dpi.
        dx = 3.0 if ha == "left" else -3.0
        label.artist.set_transform(offset_copy(trans, fig=fig, x=dx, y=0, units="points"))
        ax.axvline(label.x, ymin=0, ymax=top, color="#888888", lw=0.7, ls=":", zorder=1.5)
        lowest = min(lowest, top - label.height / box.height)
    return lowest


# --------------------------------------------------------------------------------------------------
# Troop levels


def _series_colour(key: tuple[str, str], seen: dict[tuple[str, str], str]) -> str:
    if key in SERIES_COLOURS:
        return SERIES_COLOURS[key]
    return seen.setdefault(key, _FALLBACK_COLOURS[len(seen) % len(_FALLBACK_COLOURS)])


def _annotation_text(row: Any) -> str:
    when = format_date(row.date, row.precision)
    return f"{when}\n" + textwrap.fill(str(row.title), width=26)


def plot_troop_levels(
    troops: pd.DataFrame | None = None,
    *,
    events: pd.DataFrame | None = None,
    start: Any = None,
    end: Any = None,
    operations: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """French personnel as a step chart (a level holds until the next report), by operation and scope.

    Reported figures are solid steps with filled dots; announced levels are dashed, holding until
    the next report after the announced date; targets are hollow dots (a bar shows a range). Two
    reports more than ``MAX_GAP`` apart are not joined. A bar with end caps marks a figure dated
    only to the year. Milestone events of ``events`` (default: the shipped table) inside the date
    range are annotated along the top. Raises ``ParameterError`` for a bad range, an unknown
    operation or scope, or an empty selection.
    """
    from matplotlib.lines import Line2D

    troops = data.load_troop_levels() if troops is None else troops
    shown = select_troop_levels(troops, start=start, end=end, operations=operations, scopes=scopes)
    first, last = check_date_range("start", start, "end", end)
    events = data.load_events() if events is None else events

    ends = [
        pd.Timestamp(d) + _PRECISION_PERIOD[p] for d, p in zip(shown["date"], shown["precision"], strict=True)
    ]
    x0 = pd.Timestamp(first) if first else shown["date"].min() - pd.Timedelta(days=60)
    x1 = pd.Timestamp(last) if last else max(ends) + pd.Timedelta(days=60)
    milestones = events[events["milestone"].fillna(False).astype(bool)]
    milestones = milestones[(milestones["date"] >= x0) & (milestones["date"] <= x1)]

    with house_style():
        ax = _new_axes((11, 6.4)) if ax is None else ax
        ax.xaxis_date()
        ax.set_xlim(_num(x0), _num(x1))
        seen: dict[tuple[str, str], str] = {}
        handles: list[Any] = []
        max_gap = MAX_GAP / pd.Timedelta(days=1)
        pairs = shown[["operation", "scope"]].drop_duplicates().astype(str)
        order = {op: i for i, op in enumerate(allowed_values("troop_levels", "operation"))}
        keys = sorted(pairs.itertuples(index=False, name=None), key=lambda k: (order.get(k[0], 99), k[1]))
        for op, scope in keys:
            colour = _series_colour((op, scope), seen)
            series = shown[(shown["operation"] == op) & (shown["scope"] == scope)].sort_values(
                ["date", "id"], kind="stable"
            )
            tag = f"troops:{op}:{scope}"
            reported = series[series["figure_type"] == "reported"]
            if len(reported):
                x, y = _with_gaps(_num(reported["date"]), reported["personnel"].to_numpy(float), max_gap)
                ax.step(
                    x, y, where="post", color=colour, lw=2, marker="o", ms=4, gid=f"{tag}:reported", zorder=3
                )
                # Two sources giving different counts for the same date: say so, rather than let
                # the vertical step read as a change in strength.
                for when, same in reported.groupby("date"):
                    if same["personnel"].nunique() > 1:
                        ax.annotate(
                            "sources differ",
                            xy=(float(_num([when])[0]), float(same["personnel"].max())),
                            xytext=(-4, 5),
                            textcoords="offset points",
                            ha="right",
                            fontsize=7,
                            style="italic",
                            color="#444444",
                            gid=f"{tag}:disputed",
                        )
            report_dates = reported["date"].sort_values()
            for row in series[series["figure_type"] == "announced"].itertuples():
                # The announced level holds until the first report after the announced period; a
                # month-precise announcement for "end of February" must not stop at 2 February.
                after = report_dates[report_dates >= row.date + _PRECISION_PERIOD[row.precision]]
                stop = after.iloc[0] if len(after) and after.iloc[0] - row.date <= MAX_GAP else row.date
                ax.plot(
                    _num([row.date, stop]),
                    [row.personnel, row.personnel],
                    color=colour,
                    lw=1.6,
                    ls="--",
                    marker="s",
                    ms=5,
                    markevery=[0],
                    gid=f"{tag}:announced",
                    zorder=3,
                )
            targets = series[series["figure_type"] == "target"]
            if len(targets):
                tx = _num(targets["date"])
                ax.plot(
                    tx,
                    targets["personnel"].to_numpy(float),
                    ls="none",
                    marker="o",
                    ms=7,
                    mfc="white",
                    mec=colour,
                    mew=1.8,
                    gid=f"{tag}:target",
                    zorder=4,
                )
                ranged = targets[targets["personnel_high"].notna()]
                if len(ranged):
                    ax.vlines(
                        _num(ranged["date"]),
                        ranged["personnel"].to_numpy(float),
                        ranged["personnel_high"].to_numpy(float),
                        color=colour,
                        lw=1.8,
                        zorder=4,
                    )
            yearly = series[series["precision"] == "year"]
            if len(yearly):
                left = _num(yearly["date"])
                right = _num(yearly["date"] + pd.DateOffset(years=1))
                ax.errorbar(
                    (left + right) / 2,
                    yearly["personnel"].to_numpy(float),
                    xerr=(right - left) / 2,
                    fmt="none",
                    ecolor=colour,
                    elinewidth=1,
                    capsize=4,
                    alpha=0.75,
                    zorder=2,
                )
            handles.append(
                Line2D([], [], color=colour, lw=2.5, label=f"{op} {SCOPE_LABELS.get(scope, scope)}")
            )

        grey = "#555555"
        types = set(shown["figure_type"].astype(str))
        key = [
            (
                "reported",
                Line2D(
                    [], [], color=grey, lw=2, marker="o", ms=4, label="reported (holds until next report)"
                ),
            ),
            (
                "announced",
                Line2D([], [], color=grey, lw=1.6, ls="--", marker="s", ms=5, label="announced level"),
            ),
            (
                "target",
                Line2D([], [], color=grey, ls="none", marker="o", ms=7, mfc="white", mew=1.8, label="target"),
            ),
        ]
        handles += [h for kind, h in key if kind in types]
        if (shown["precision"] == "year").any():
            handles.append(
                Line2D([], [], color=grey, marker="|", ms=9, mew=1, lw=1, label="date known only to the year")
            )

        top_values = pd.concat([shown["personnel"], shown["personnel_high"].dropna()]).astype(float)
        labels = [
            _Label(float(_num([r.date])[0]), _annotation_text(r), f"event:{r.id}")
            for r in milestones.itertuples()
        ]
        lowest = _place_top_labels(ax, labels)
        ceiling = max(float(top_values.max()), 1.0) * 1.05
        ax.set_ylim(0, ceiling / max(lowest - 0.03, 0.35))
        date_axis(ax)
        thousands(ax)
        ax.set_ylabel("French military personnel")
        ax.legend(handles=handles, loc="lower center", ncols=2, fontsize=8.5)
        years = f"{shown['date'].min():%Y}–{shown['date'].max():%Y}"
        ax.set_title(f"French troops in Mali and the Sahel, {years}")
        add_source_line(ax, data.source_line(shown, milestones))
    return ax


# --------------------------------------------------------------------------------------------------
# Costs


def _cov_colour(coverage: str) -> str:
    return COVERAGE_COLOURS.get(coverage, PALETTE["black"])


def _lighter(colour: str, amount: float) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (1 - amount * (1 - r), 1 - amount * (1 - g), 1 - amount * (1 - b))


_BAR_STYLE = {
    # Executed: solid. Estimates and budgets are not spending, so they are paler and hatched.
    "executed": {"fill": 1.0, "hatch": None},
    "estimate": {"fill": 0.45, "hatch": "////"},
    "budget": {"fill": 0.0, "hatch": "...."},
}


def plot_costs(
    costs: pd.DataFrame | None = None,
    *,
    cpi: pd.DataFrame | None = None,
    constant: bool = False,
    base_year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    coverages: Sequence[str] | None = None,
    cumulative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Annual cost bars, one per year and coverage, in nominal or constant euros.

    Executed figures are solid bars, estimates pale and hatched, budgets white and dotted; a black
    bar marks a budget voted alongside a better figure, and a whisker the range where sources
    differ. With ``constant=True`` amounts are converted with the shipped CPI to euros of
    ``base_year`` (default: the latest year of the index); years the index does not cover are
    marked, not estimated. ``cumulative`` adds running totals on a right-hand axis. Raises
    ``ParameterError`` for a bad range, an unknown coverage, a base year outside the index or an
    empty selection.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    costs = data.load_costs() if costs is None else costs
    check_bool("constant", constant)
    check_bool("cumulative", cumulative)
    shown = select_costs(costs, start=start, end=end, coverages=coverages)
    first, last = shown.attrs["years"]
    nominal = annual_costs(shown)
    annual, base, cpi_used = nominal, None, None
    if constant:
        cpi = data.load_cpi() if cpi is None else cpi
        base = _check_base_year(cpi["year"].max() if base_year is None else base_year, cpi)
        annual = annual_costs(to_constant_euros(shown, cpi, base), "amount_constant_eur_m")
        check_nonempty(
            _given(start=start, end=end, coverages=coverages, constant=True),
            annual,
            f"cost figure for a year of the price index ({', '.join(map(str, cpi['year']))})",
        )
        cpi_used = cpi[cpi["year"].isin([*annual["year"], base])]

    covs = [c for c in allowed_values("costs", "coverage") if c in set(nominal["coverage"])]
    slots = _cost_slots(nominal, annual, covs, first, last)
    width = 0.8 / max([len(v) for v in slots.values()] + [1])

    def at(year: int, coverage: str) -> float:
        # Bars of one year sit side by side, centred on the year, in the declared coverage order.
        mine = slots[year]
        return year + (mine.index(coverage) - (len(mine) - 1) / 2) * width

    with house_style():
        ax = _new_axes((11, 6.0)) if ax is None else ax
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
                for patch, year in zip(bars.patches, rows["year"], strict=True):
                    patch.set_gid(f"bar:{coverage}:{year}:{kind}")
            spread = mine[mine["amount_high"] > mine["amount"]]
            if len(spread):
                ax.errorbar(
                    [xs[int(y)] for y in spread["year"]],
                    spread["amount"],
                    yerr=[np.zeros(len(spread)), (spread["amount_high"] - spread["amount"]).to_numpy()],
                    fmt="none",
                    ecolor="black",
                    elinewidth=1.2,
                    capsize=3,
                    zorder=4,
                )
            budget = mine[mine["budget"].notna()]
            if len(budget):
                centres = np.array([xs[int(y)] for y in budget["year"]])
                ax.hlines(
                    budget["budget"],
                    centres - width * 0.45,
                    centres + width * 0.45,
                    color="black",
                    lw=2.2,
                    zorder=4,
                )
            top = max(top, float(np.nanmax(mine[["amount_high", "budget"]].to_numpy(float), initial=0)))
        for year, names in slots.items():
            for coverage in names:
                if ((annual["year"] == year) & (annual["coverage"] == coverage)).any():
                    continue
                # A year inside a coverage's run with no figure is a gap in the record, not a zero.
                had = ((nominal["year"] == year) & (nominal["coverage"] == coverage)).any()
                ax.text(
                    at(year, coverage),
                    0,
                    "no price index" if had else "no figure",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                    color=_cov_colour(coverage),
                    gid=f"gap:{coverage}:{year}",
                )
        for year in range(first, last + 1):
            if not slots.get(year):
                ax.text(
                    year, 0, "no figure", rotation=90, ha="center", va="bottom", fontsize=6.5, color="#666666"
                )

        ax.set_xlim(first - 0.6, last + 0.6)
        ax.set_xticks(range(first, last + 1))
        ax.tick_params(axis="x", which="both", length=0)
        ax.grid(False, axis="x")
        ax.set_ylim(0, top * 1.5)
        unit = _unit(constant, base)
        ax.set_ylabel(unit[0].upper() + unit[1:] + (" (Insee consumer price index)" if constant else ""))
        thousands(ax)

        cover_handles: list[Any] = [
            Patch(facecolor=_cov_colour(c), edgecolor=_cov_colour(c), label=COVERAGE_LABELS.get(c, c))
            for c in covs
        ]
        grey = "#555555"
        kind_handles: list[Any] = []
        labels = {
            "executed": "spent (executed)",
            "estimate": "estimate",
            "budget": "budget voted (no spending figure)",
        }
        for kind in COST_TYPES:
            if (annual["cost_type"] == kind).any():
                st = _BAR_STYLE[kind]
                kind_handles.append(
                    Patch(
                        facecolor=_lighter(grey, st["fill"]),
                        edgecolor=grey,
                        hatch=st["hatch"],
                        label=labels[kind],
                    )
                )
        if annual["budget"].notna().any():
            kind_handles.append(
                Line2D([], [], color="black", lw=2.2, label="budget voted, marked on the bar")
            )
        if (annual["amount_high"] > annual["amount"]).any():
            kind_handles.append(
                Line2D(
                    [],
                    [],
                    color="black",
                    marker="|",
                    ms=11,
                    mew=1.3,
                    ls="none",
                    label="range where sources differ",
                )
            )

        legend_ax = ax
        if cumulative:
            twin = ax.twinx()
            twin.spines["right"].set_visible(True)
            twin.grid(False)
            for coverage in covs:
                mine = annual[annual["coverage"] == coverage].sort_values("year")
                if mine.empty:
                    continue
                running = mine["amount"].cumsum().to_numpy(float)
                x, y = _with_gaps(mine["year"].to_numpy(float), running, 1.0)  # a missing year breaks it
                twin.plot(
                    x, y, color=_cov_colour(coverage), lw=1.8, marker="o", ms=4, gid=f"cumulative:{coverage}"
                )
            twin.set_ylim(0, None)
            twin.set_ylabel(f"Cumulative, {unit}")
            thousands(twin)
            kind_handles.append(
                Line2D([], [], color=grey, lw=1.8, marker="o", ms=4, label="cumulative (right axis)")
            )
            legend_ax = twin
        # Two legends: what the colours mean, and what the fills mean. The second is drawn on the
        # twin axis when there is one, so the cumulative lines do not paint over the first.
        first_legend = legend_ax.legend(
            handles=cover_handles, loc="upper left", fontsize=8.5, title="Coverage"
        )
        legend_ax.add_artist(first_legend)
        legend_ax.legend(handles=kind_handles, loc="upper right", fontsize=8.5, title="Kind of figure")
        money = f"constant {base} euros" if constant else "nominal euros"
        ax.set_title(f"Cost of the French operations, {first}–{last} ({money})")
        sources = [_rows_behind(shown, annual)] + ([cpi_used] if cpi_used is not None else [])
        add_source_line(ax, data.source_line(*sources))
    return ax


def _cost_slots(
    nominal: pd.DataFrame, annual: pd.DataFrame, covs: list[str], first: int, last: int
) -> dict[int, list[str]]:
    """For each year, the coverages that get a slot: a bar, or a gap inside the coverage's run."""
    slots: dict[int, list[str]] = {year: [] for year in range(first, last + 1)}
    for coverage in covs:
        had = set(nominal.loc[nominal["coverage"] == coverage, "year"].astype(int))
        if not had:
            continue
        for year in range(min(had), max(had) + 1):
            slots[year].append(coverage)
    return slots


# --------------------------------------------------------------------------------------------------
# Timeline


def _lane_names(events: pd.DataFrame, lanes: str) -> tuple[list[str], dict[str, str]]:
    if lanes == "category":
        present = set(events["category"].astype(str))
        names = [c for c in allowed_values("events", "category") if c in present]
        return names, {c: CATEGORY_LABELS.get(c, c) for c in names}
    counts = events["country_iso3"].astype(str).value_counts()
    names = sorted(counts.index, key=lambda c: (-counts[c], c))
    return names, {c: COUNTRY_NAMES.get(c, c) for c in names}


def _layout_lanes(
    frame: pd.DataFrame,
    lanes: list[str],
    lane_of: pd.Series,
    ax: Axes,
    texts: dict[str, Text],
    markers: dict[str, float],
    pad_px: float,
) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """Give each event a row in its lane and a side, so that no two labels or markers collide."""
    renderer = _renderer(ax.figure)
    box = ax.get_window_extent(renderer)
    placement: dict[str, tuple[int, str]] = {}
    rows_per_lane: dict[str, int] = {}
    for lane in lanes:
        rows: list[list[tuple[float, float]]] = []
        mine = frame[lane_of == lane].sort_values(["date", "id"], kind="stable")
        for r in mine.itertuples():
            start_px = ax.transData.transform((_num([r.date])[0], 0))[0]
            stop = r.end_date if pd.notna(r.end_date) else r.date
            stop_px = ax.transData.transform((_num([stop])[0], 0))[0]
            # Glyph widths do not scale exactly with dpi (hinting), so leave a margin for a savefig at
            # another resolution; the marker's radius counts too.
            width = texts[r.id].get_window_extent(renderer).width * _WIDTH_MARGIN
            radius = (markers[r.id] / 2) * ax.figure.dpi / 72
            right = (start_px - radius, stop_px + 2 * pad_px + width)
            left = (start_px - 2 * pad_px - width, stop_px + radius)
            chosen = None
            for i in range(len(mine) + 1):
                if i == len(rows):
                    rows.append([])
                for side, span in (("right", right), ("left", left)):
                    if span[0] >= box.x0 and span[1] <= box.x1 and not _overlaps(span, rows[i], pad_px):
                        chosen = (i, side, span)
                        break
                if chosen:
                    break
            if chosen is None:  # too long for the axes: give it a row of its own
                chosen = (len(rows), "right", right)
                rows.append([])
            i, side, span = chosen
            rows[i].append(span)
            placement[r.id] = (i, side)
        rows_per_lane[lane] = max(1, len([row for row in rows if row]))
    return placement, rows_per_lane


def plot_timeline(
    events: pd.DataFrame | None = None,
    *,
    start: Any = None,
    end: Any = None,
    categories: Sequence[str] | None = None,
    lanes: str = "category",
    highlight: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Events on a time axis in lanes (by ``category`` or ``country``), every one labelled.

    Labels are stacked in rows within their lane so that none overlaps another; without ``ax`` the
    figure is made as tall as the rows need, with ``ax`` the font shrinks to fit. ``highlight``
    lists event ids to stress (bold label, larger ringed marker); by default the milestones.
    Raises ``ParameterError`` for a bad range, unknown category, lane mode or event id, or an
    empty selection.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    events = data.load_events() if events is None else events
    lanes = check_choice("lanes", lanes, ["category", "country"])
    shown = select_events(events, start=start, end=end, categories=categories)
    first, last = check_date_range("start", start, "end", end)
    if highlight is None:
        stressed = set(shown.loc[shown["milestone"].fillna(False).astype(bool), "id"])
    elif isinstance(highlight, Sequence) and not isinstance(highlight, str) and len(highlight) == 0:
        stressed = set()
    else:
        stressed = set(check_choices("highlight", highlight, list(events["id"])) or [])

    lane_key = "category" if lanes == "category" else "country_iso3"
    lane_of = shown[lane_key].astype(str)
    names, titles = _lane_names(shown, lanes)
    dated_end = shown["end_date"].fillna(shown["date"])
    x0 = pd.Timestamp(first) if first else shown["date"].min() - pd.Timedelta(days=45)
    x1 = pd.Timestamp(last) if last else dated_end.max() + pd.Timedelta(days=45)

    with house_style():
        own = ax is None
        if own:
            fig = plt.figure(figsize=(12, 6))
            ax = fig.add_axes((0.14, 0.1, 0.84, 0.8))
        fig = ax.figure
        ax.xaxis_date()
        ax.set_xlim(_num(x0), _num(x1))
        fontsize = 7.5
        texts: dict[str, Text] = {}
        placement: dict[str, tuple[int, str]] = {}
        rows_per_lane: dict[str, int] = {}
        for _ in range(5):
            for t in texts.values():
                t.remove()
            texts = {
                r.id: ax.text(
                    0,
                    0,
                    r.title,
                    fontsize=fontsize,
                    va="center",
                    weight="bold" if r.id in stressed else "normal",
                )
                for r in shown.itertuples()
            }
            pad_px = 2.5 * fig.dpi / 72
            sizes = {i: _MARKER_BIG if i in stressed else _MARKER for i in shown["id"]}
            placement, rows_per_lane = _layout_lanes(shown, names, lane_of, ax, texts, sizes, pad_px)
            units = sum(rows_per_lane.values()) + 0.6 * len(names)
            text_h = max(t.get_window_extent(_renderer(fig)).height for t in texts.values()) / fig.dpi
            row_in = text_h * 1.45
            if own:
                # Make the figure as tall as the rows need: margins in inches for title, ticks and legend.
                axes_h = units * row_in
                fig_h = axes_h + 1.3
                fig.set_size_inches(12, fig_h)
                ax.set_position((1.6 / 12, 0.55 / fig_h, (12 - 1.85) / 12, axes_h / fig_h))
                break
            have = ax.get_window_extent(_renderer(fig)).height / fig.dpi / units
            if have >= row_in * 0.85 or fontsize <= 5:
                break
            fontsize = max(5.0, fontsize * have / row_in)

        lane_top: dict[str, float] = {}
        y = 0.0
        for i, lane in enumerate(names):
            lane_top[lane] = y
            height = rows_per_lane[lane]
            if i % 2 == 0:
                ax.axhspan(y - 0.8, y + height - 0.2, color="#f2f2f2", zorder=0, lw=0)
            y += height + 0.6
        ax.set_ylim(y - 0.8, -0.8)
        ax.set_yticks([lane_top[n] + (rows_per_lane[n] - 1) / 2 for n in names])
        ax.set_yticklabels([titles[n] for n in names])
        ax.tick_params(axis="y", length=0)
        ax.grid(False, axis="y")
        ax.grid(True, axis="x", color="#dddddd", lw=0.6)

        from matplotlib.transforms import offset_copy

        for r in shown.itertuples():
            row, side = placement[r.id]
            yy = lane_top[lane_of[r.Index]] + row
            colour = CATEGORY_COLOURS.get(str(r.category), PALETTE["black"])
            xs = _num([r.date])[0]
            xe = _num([r.end_date])[0] if pd.notna(r.end_date) else xs
            if xe > xs:
                ax.plot([xs, xe], [yy, yy], color=colour, lw=3, solid_capstyle="butt", zorder=3)
            big = r.id in stressed
            ax.plot(
                [xs],
                [yy],
                marker="o",
                ms=_MARKER_BIG if big else _MARKER,
                color=colour,
                mec="black" if big else colour,
                mew=1.3 if big else 0.5,
                zorder=4,
                gid=f"marker:{r.id}",
            )
            text = texts[r.id]
            anchor = xe if side == "right" else xs
            dx = 5 if side == "right" else -5
            text.set_position((anchor, yy))
            text.set_transform(offset_copy(ax.transData, fig=fig, x=dx, y=0, units="points"))
            text.set_ha("left" if side == "right" else "right")
            text.set_gid("timeline-label")
            text.set_color("#111111")
        date_axis(ax)

        handles: list[Any] = []
        if lanes == "country":
            present = [
                c for c in allowed_values("events", "category") if c in set(shown["category"].astype(str))
            ]
            handles += [
                Line2D(
                    [], [], ls="none", marker="o", ms=6, color=CATEGORY_COLOURS[c], label=CATEGORY_LABELS[c]
                )
                for c in present
            ]
        if stressed & set(shown["id"]):
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="o",
                    ms=7.5,
                    color="#999999",
                    mec="black",
                    mew=1.3,
                    label="milestone (bold)",
                )
            )
        pad = 6.0
        if handles:
            # The key sits between the title and the plot, so neither a long title nor a busy
            # first row of labels can run into it; the title is lifted by the key's height.
            legend = ax.legend(
                handles=handles,
                loc="lower left",
                bbox_to_anchor=(0.0, 1.0),
                ncols=min(len(handles), 6),
                fontsize=8,
            )
            pad += legend.get_window_extent(_renderer(fig)).height * 72 / fig.dpi
        span = f"{shown['date'].min():%Y}–{shown['date'].max():%Y}"
        ax.set_title(f"Mali and the Sahel, {span}: the sequence of events", pad=pad)
        add_source_line(ax, data.source_line(shown))
    return ax


# --------------------------------------------------------------------------------------------------
# Tables


def events_table(
    events: pd.DataFrame, *, places: pd.DataFrame | None = None, sources: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A tidy table of ``events`` for the HTML: date, category, place, title, sources (publishers).

    Dates are written to their precision, with the last day for events that last. Plain text only:
    the HTML writer escapes it.
    """
    places = data.read_table("places") if places is None else places
    sources = data.load_sources() if sources is None else sources
    place_name = dict(zip(places["id"], places["name_en"], strict=True))
    publisher = dict(zip(sources["id"], sources["publisher"], strict=True))
    rows = []
    for r in events.sort_values(["date", "id"], kind="stable").itertuples():
        when = format_date(r.date, r.precision)
        if pd.notna(r.end_date):
            when += f" to {format_date(r.end_date)}"
        country = COUNTRY_NAMES.get(str(r.country_iso3), str(r.country_iso3))
        place = f"{place_name.get(r.place_id, r.place_id)}, {country}" if pd.notna(r.place_id) else country
        ids = data.source_ids(events.loc[[r.Index]])
        rows.append(
            {
                "date": when,
                "category": str(r.category).replace("_", " ").replace("un ", "UN "),
                "place": place,
                "title": str(r.title),
                "sources": "; ".join(dict.fromkeys(publisher.get(i, i) for i in ids)),
            }
        )
    return pd.DataFrame(rows, columns=["date", "category", "place", "title", "sources"])
