"""Conflict events or fatalities per year, one bar a year, with milestones marked: ``plot_yearly``."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis.i18n import N_, _, format_number, ngettext
from sahel_analysis.schema import country_of_name
from sahel_analysis.textfmt import count_of_years, joined
from sahel_analysis.viz.eventcharts import mark_milestones
from sahel_analysis.viz.eventmap import dataset_colour
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import PALETTE, add_source_line, date_num, house_style, new_axes, thousands

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["YEARLY_GID", "plot_yearly", "year_bars"]

YEARLY_GID = "yearly:"
_BAR_DAYS = 300  # of a year's 365: a gap between the bars

_TITLES = {
    ("events", True): N_("{dataset}: conflict events per year in {country}, {first}–{last}"),
    ("events", False): N_("{dataset}: conflict events per year, {first}–{last}"),
    ("fatalities", True): N_("{dataset}: fatalities per year in {country}, {first}–{last}"),
    ("fatalities", False): N_("{dataset}: fatalities per year, {first}–{last}"),
}


def year_bars(years: pd.Series | np.ndarray) -> np.ndarray:
    """The middle of each year (2 July) in matplotlib's day numbers: where a year's bar stands."""
    return date_num([f"{int(y)}-07-02" for y in years])


def _band_note(yearly: pd.DataFrame) -> str:
    """What the whiskers are, and how the events whose best is outside low-high are drawn."""
    outside = int(yearly["outside"].sum())
    text = _("Bars: best estimate; whiskers: from the low to the high estimate.")
    if outside:
        text += " " + ngettext(
            "In {n} of these events the best estimate lies outside the low–high range as UCDP published it; "
            "each such event's range is widened to include its best estimate.",
            "In {n} of these events the best estimate lies outside the low–high range as UCDP published it; "
            "each such event's range is widened to include its best estimate.",
            outside,
        ).format(n=format_number(outside))
    return text


def plot_yearly(
    yearly: pd.DataFrame,
    *,
    measure: Literal["events", "fatalities"] = "events",
    milestones: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Events, or fatalities (best estimate, whiskers from low to high), per year: one bar a year.

    ``yearly``: `sahel_analysis.events.counts.yearly_counts` of one dataset, without ``by``.
    ``milestones``: rows of the events table to mark (e.g. `select.country_milestones`), cited
    from ``sources`` (needed with them): numbered lines on their day, the numbers explained in a
    key right of the chart, so that no label hides a bar. For fatalities the whiskers run from the summed low to the summed high estimate,
    each event's range widened to hold its best (see `yearly_counts`); a note under the title
    says so, with the number of such events. ``title``: "" for none. Gids: ``yearly:events`` or
    ``yearly:fatalities`` (one bar a year, in year order), ``yearly:band`` (a LineCollection, one segment a year), ``milestone:<id>``, ``milestone-key``,
    ``source-line``.
    """
    from matplotlib.ticker import MaxNLocator

    if measure not in ("events", "fatalities"):
        raise ValueError(f"measure: expected 'events' or 'fatalities', found {measure!r}")
    if yearly.attrs.get("by") is not None or "year" not in yearly.columns:
        raise ValueError("yearly: expected yearly_counts(...) of one dataset without by=")
    if milestones is not None and sources is None:
        raise TypeError("sources: the sources table is needed to cite the milestones (milestones=...)")
    column = "events" if measure == "events" else "best"
    dataset = yearly.attrs.get("dataset") or ""
    x = year_bars(yearly["year"])
    values = yearly[column].to_numpy(dtype=float)
    with house_style():
        ax = new_axes((10, 5.2)) if ax is None else ax
        colour = dataset_colour(dataset) if dataset else PALETTE["blue"]
        bars = ax.bar(
            x, values, width=_BAR_DAYS, color=colour, alpha=0.8 if measure == "events" else 0.6, zorder=2
        )
        for bar in bars:
            bar.set_gid(f"{YEARLY_GID}{measure}")
        band = measure == "fatalities" and bool(
            ((yearly["low"] != yearly["best"]) | (yearly["high"] != yearly["best"])).any()
        )
        if band:
            whiskers = ax.errorbar(
                x, values,
                yerr=[values - yearly["low"].to_numpy(float), yearly["high"].to_numpy(float) - values],
                fmt="none", ecolor="#333333", elinewidth=1, capsize=3, zorder=6,  # above the milestone labels
            )  # fmt: skip
            _line, caps, (segments,) = whiskers.lines
            segments.set_gid(f"{YEARLY_GID}band")  # one segment a year, from low to high
            for cap in caps:
                cap.set_gid(f"{YEARLY_GID}band-cap")
        ax.xaxis_date()
        if len(x):
            ax.set_xlim(x[0] - 183, x[-1] + 183)
        ax.set_ylim(
            bottom=0, top=max(float(np.nanmax(yearly["high" if band else column])), 1) * 1.08 if len(x) else 1
        )
        # A label under each bar, the years' boundaries as minor ticks: a tick at 1 January labelled
        # "2013" would sit between the bars of 2012 and 2013.
        ax.set_xticks(x, [str(int(y)) for y in yearly["year"]])
        ax.set_xticks(x - 183, minor=True)
        ax.tick_params(axis="x", which="major", length=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole
        thousands(ax)
        ax.set_ylabel(
            _("Events per year") if measure == "events" else _("Fatalities per year (best estimate)")
        )
        cited = mark_milestones(ax, milestones, sources, numbered=True) if milestones is not None else ""
        first, last = (int(yearly["year"].min()), int(yearly["year"].max())) if len(yearly) else ("", "")
        countries = yearly.attrs.get("countries") or []
        default = _(_TITLES[(measure, len(countries) == 1)]).format(
            dataset=dataset,
            country=country_of_name(countries[0]) if len(countries) == 1 else "",
            first=first,
            last=last,
        )
        ax.set_title(default if title is None else title, pad=38 if band else 18)
        if band:
            note = textwrap.fill(_band_note(yearly), width=125)
            ax.text(0, 1.06, note, transform=ax.transAxes, fontsize=8, va="bottom", color="#555555")
        attribution = yearly.attrs.get("attribution", "")
        add_source_line(ax, joined(p for p in (attribution, cited) if p) or _("none"), many=True)
    rows = yearly.assign(dataset=dataset, source_id=dataset)
    if measure == "events":
        summary = _("Bar chart of events per year, {first}–{last} ({years}).")
    else:
        summary = _(
            "Bar chart of fatalities (best estimate, with the low–high range) per year, {first}–{last} ({years})."
        )
    summary = summary.format(first=first, last=last, years=count_of_years(len(yearly)))
    return describe(ax, summary, rows, name=f"{measure}-per-year")
