"""Fatalities per year by type of violence, with the civilians killed: ``plot_violence_types``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sahel_analysis.i18n import N_, _
from sahel_analysis.schema import country_of_name
from sahel_analysis.textfmt import count_of_years
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import PALETTE, add_source_line, house_style, new_axes, thousands

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CIVILIANS_GID", "TYPE_GID", "plot_violence_types"]

TYPE_GID, CIVILIANS_GID = "type:", "civilians"
# UCDP's three types in the house colours; any other type (ACLED's) takes the next free colour.
_COLOURS = {
    "State-based conflict": PALETTE["blue"],
    "Non-state conflict": PALETTE["orange"],
    "One-sided violence": PALETTE["vermillion"],
}
_OTHERS = ("green", "purple", "sky", "yellow", "grey", "wine")
_TITLES = {
    True: N_("{dataset}: fatalities per year by type of violence in {country}"),
    False: N_("{dataset}: fatalities per year by type of violence"),
}


def plot_violence_types(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Fatalities (best estimate) per year, stacked by type of violence; civilians killed as a line.

    ``table``: `sahel_analysis.events.counts.yearly_counts(events, by="event_type")` of one
    dataset. For UCDP the types are state-based conflict, non-state conflict and one-sided
    violence (against civilians, by a government or an organised group); the line is UCDP's
    ``deaths_civilians`` over all three types, drawn when the data give it. ``title``: "" for
    none. Gids: ``type:<event type>`` (one bar a year, in year order), ``civilians``,
    ``source-line``.
    """
    from sahel_analysis.viz.eventyears import year_bars

    if table.attrs.get("by") != "event_type":
        raise ValueError('table: expected yearly_counts(events, by="event_type")')
    types = list(dict.fromkeys(table["event_type"]))
    years = sorted(table["year"].unique())
    x = year_bars(years)
    grid = (
        table.pivot(index="year", columns="event_type", values="best")
        .reindex(index=years, columns=types)
        .fillna(0)
    )
    civilians = table.groupby("year")["civilians"].sum(min_count=1).reindex(years)
    dataset = table.attrs.get("dataset") or ""
    spare = iter(PALETTE[c] for c in _OTHERS)
    with house_style():
        ax = new_axes((10, 5.2)) if ax is None else ax
        bottom = np.zeros(len(years))
        for kind in types:
            height = grid[kind].to_numpy(dtype=float)
            bars = ax.bar(x, height, width=300, bottom=bottom, color=_COLOURS.get(kind) or next(spare, "#999999"),
                          label=_(kind), zorder=2)  # fmt: skip
            for bar in bars:
                bar.set_gid(f"{TYPE_GID}{kind}")
            bottom += height
        if civilians.notna().any():
            (line,) = ax.plot(x, civilians.to_numpy(dtype=float), color=PALETTE["black"], marker="o", ms=4, lw=1.4,
                              label=_("civilians killed (any type)"), zorder=4)  # fmt: skip
            line.set_gid(CIVILIANS_GID)
        ax.xaxis_date()
        ax.set_xticks(x, [str(int(y)) for y in years])
        ax.set_xticks(x - 183, minor=True)
        ax.tick_params(axis="x", which="major", length=0)
        if len(x):
            ax.set_xlim(x[0] - 183, x[-1] + 183)
        ax.set_ylim(bottom=0)
        thousands(ax)
        ax.set_ylabel(_("Fatalities per year (best estimate)"))
        ax.legend(loc="upper left", fontsize=8)
        countries = table.attrs.get("countries") or []
        default = _(_TITLES[len(countries) == 1]).format(
            dataset=dataset, country=country_of_name(countries[0]) if len(countries) == 1 else ""
        )
        ax.set_title(default if title is None else title)
        add_source_line(ax, table.attrs.get("attribution") or _("none"), many=True)
    summary = _(
        "Stacked bar chart of fatalities per year by type of violence ({years}), with civilians killed."
    )
    rows = table.assign(dataset=dataset, source_id=dataset)
    return describe(
        ax, summary.format(years=count_of_years(len(years))), rows, name="fatalities-by-type-of-violence"
    )
