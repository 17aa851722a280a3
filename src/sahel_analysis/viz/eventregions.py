"""Conflict events or fatalities by region and year, as a heat table: ``plot_region_table``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis.events.counts import UNKNOWN_REGION
from sahel_analysis.i18n import N_, _, format_number, ngettext
from sahel_analysis.schema import country_of_name
from sahel_analysis.textfmt import count_of_years
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import add_source_line, house_style, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CELL_GID", "TABLE_GID", "plot_region_table"]

TABLE_GID, CELL_GID = "region-table", "region-cell:"
_COLUMN = {"events": "events", "fatalities": "best"}
_TITLES = {
    ("events", True): N_("{dataset}: conflict events per year and region of {country}"),
    ("events", False): N_("{dataset}: conflict events per year and region"),
    ("fatalities", True): N_("{dataset}: fatalities (best estimate) per year and region of {country}"),
    ("fatalities", False): N_("{dataset}: fatalities (best estimate) per year and region"),
}


def _grid(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Regions as rows (most first over all years; the region-less row last), years as columns."""
    from sahel_analysis.events.counts import UNKNOWN_REGION

    grid = table.pivot(index="admin1", columns="year", values=column).fillna(0)
    order = grid.sum(axis=1).sort_values(ascending=False, kind="stable").index.tolist()
    if UNKNOWN_REGION in order:
        order = [r for r in order if r != UNKNOWN_REGION] + [UNKNOWN_REGION]
    return grid.loc[order]


def plot_region_table(
    table: pd.DataFrame,
    *,
    measure: Literal["events", "fatalities"] = "fatalities",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A heat table of events or fatalities (best estimate): a row per region, a column per year.

    ``table``: `sahel_analysis.events.counts.yearly_counts(events, by="admin1")` of one dataset.
    Each cell gives its number; the shade grows with the square root of it, so that the quieter
    regions are not all blank next to the deadliest. Regions are sorted by their total; events
    without a region come last. ``title``: "" for none. Gids: ``region-table`` (the mesh),
    ``region-cell:<region>:<year>`` (each number), ``source-line``.
    """
    from matplotlib.colors import PowerNorm

    if measure not in _COLUMN:
        raise ValueError(f"measure: expected 'events' or 'fatalities', found {measure!r}")
    if table.attrs.get("by") != "admin1":
        raise ValueError('table: expected yearly_counts(events, by="admin1")')
    grid = _grid(table, _COLUMN[measure])
    values = grid.to_numpy(dtype=float)
    top = float(values.max()) if values.size else 0.0
    dataset = table.attrs.get("dataset") or ""
    with house_style():
        ax = new_axes((10, 0.34 * len(grid) + 1.9)) if ax is None else ax
        mesh = ax.pcolormesh(
            np.arange(grid.shape[1] + 1), np.arange(grid.shape[0] + 1), values, cmap="Oranges",
            norm=PowerNorm(0.5, vmin=0, vmax=max(top, 1)), edgecolors="white", linewidth=1,
        )  # fmt: skip
        mesh.set_gid(TABLE_GID)
        for i, region in enumerate(grid.index):
            for j, year in enumerate(grid.columns):
                value = values[i, j]
                dark = top > 0 and np.sqrt(value / top) > 0.6
                text = ax.text(j + 0.5, i + 0.5, format_number(value) if value else "·", ha="center", va="center",
                               fontsize=7.5, color="white" if dark else "#333333")  # fmt: skip
                text.set_gid(f"{CELL_GID}{region}:{year}")
        ax.set_xticks(np.arange(grid.shape[1]) + 0.5, [str(y) for y in grid.columns])
        ax.set_yticks(
            np.arange(grid.shape[0]) + 0.5, [_(r) if r == UNKNOWN_REGION else r for r in grid.index]
        )
        ax.set_xlim(0, grid.shape[1])
        ax.set_ylim(grid.shape[0], 0)  # the first region at the top
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        countries = table.attrs.get("countries") or []
        default = _(_TITLES[(measure, len(countries) == 1)]).format(
            dataset=dataset, country=country_of_name(countries[0]) if len(countries) == 1 else ""
        )
        ax.set_title(default if title is None else title)
        add_source_line(ax, table.attrs.get("attribution") or _("none"), many=True)
    if measure == "events":
        summary = _("Heat table of events by region and year: {regions}, {years}.")
    else:
        summary = _("Heat table of fatalities by region and year: {regions}, {years}.")
    summary = summary.format(regions=_regions(len(grid)), years=count_of_years(grid.shape[1]))
    rows = table.assign(dataset=dataset, source_id=dataset)
    return describe(ax, summary, rows, name=f"{measure}-per-region-and-year")


def _regions(n: int) -> str:
    return ngettext("{n} region", "{n} regions", n).format(n=format_number(n))
