"""Conflict events as charts: counts per month, and what changed around each former French base."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import pandas as pd

from sahel_analysis.events.select import event_source_line, monthly_counts
from sahel_analysis.viz.eventmap import dataset_colour, date_span

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MILESTONE_GID", "plot_event_counts"]

MILESTONE_GID = "milestone:"
_LABELS = {"events": "events", "fatalities": "fatalities (best estimate)"}


def _mark_milestones(ax: Axes, curated: pd.DataFrame, table: pd.DataFrame) -> str:
    """Dotted lines at the curated milestones within the months shown; returns their citation."""
    first, last = table.index.min(), table.index.max() + pd.offsets.MonthEnd(1)
    marks = curated
    if "milestone" in marks.columns:
        marks = marks[marks["milestone"].fillna(False).astype(bool)]
    marks = marks[(marks["date"] >= first) & (marks["date"] <= last)]
    for _, row in marks.iterrows():
        mark = ax.axvline(row["date"], color="#555555", lw=0.8, ls=":", zorder=1)
        mark.set_gid(f"{MILESTONE_GID}{row.get('id', row['title'])}")
        ax.text(
            row["date"], 0.98, row["title"], transform=ax.get_xaxis_transform(), rotation=90,
            ha="right", va="top", fontsize=7, color="#333333", zorder=5,
            bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
        )  # fmt: skip
    if not len(marks):
        return ""
    from sahel_analysis.data import source_line

    return f"milestones, {source_line(marks)}"


def plot_event_counts(
    events: pd.DataFrame,
    *,
    measure: Literal["events", "fatalities", "both"] = "both",
    curated: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Events and/or fatalities (best estimate) per month, one line per dataset.

    ``measure="both"`` puts fatalities on a second y axis (dashed lines); "events" or
    "fatalities" draws one of them. Each event counts in the month of its recorded date whatever
    its precision. ``curated``: our events table (`sahel_analysis.data.load_events`); its
    milestones (all rows if it has no ``milestone`` column) within the months shown are marked
    and labelled. The source line gives each dataset's attribution and access date, and the
    curated events' sources. Gids: ``events:<dataset>``, ``fatalities:<dataset>``,
    ``milestone:<id>``, ``source-line``.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from sahel_analysis.style import add_source_line, house_style, thousands

    if measure not in ("events", "fatalities", "both"):
        raise ValueError(f"measure: expected 'events', 'fatalities' or 'both', found {measure!r}")
    table = monthly_counts(events)
    with house_style():
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 5.2))
        axes = {"events": ax}
        if measure == "both":
            axes["fatalities"] = ax.twinx()
            axes["fatalities"].grid(False)
            axes["fatalities"].spines["right"].set_visible(True)
        elif measure == "fatalities":
            axes = {"fatalities": ax}
        lines = []
        for kind, target in axes.items():
            for name in table[kind].columns if len(table) else []:
                (line,) = target.plot(
                    table.index, table[(kind, name)].astype(float), color=dataset_colour(name), lw=1.4,
                    ls="-" if kind == "events" or measure != "both" else "--",
                    label=f"{name}: {_LABELS[kind]}",
                )  # fmt: skip
                line.set_gid(f"{kind}:{name}")
                lines.append(line)
            target.set_ylabel(f"{_LABELS[kind].capitalize()} per month")
            target.set_ylim(bottom=0)
            thousands(target)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        if not len(table):
            ax.text(0.5, 0.5, "No events in the selection", transform=ax.transAxes, ha="center")
        cited = _mark_milestones(ax, curated, table) if curated is not None and len(table) else ""
        if lines:
            # Outside the plot, right of any second axis: inside it would hide lines or labels.
            ax.legend(handles=lines, loc="upper left", bbox_to_anchor=(1.1 if measure == "both" else 1.01, 1),
                      fontsize=8)  # fmt: skip
        shown = {
            "events": "Conflict events",
            "fatalities": "Fatalities",
            "both": "Conflict events and fatalities",
        }
        span = date_span(events)
        ax.set_title(title or f"{shown[measure]} per month{', ' + span if span else ''}")
        attribution = event_source_line(events)
        add_source_line(ax, "; ".join(p for p in (attribution, cited) if p) or "none", prefix="Sources: ")
    return ax
