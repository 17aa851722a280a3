"""Conflict events as charts: counts per month, and what changed around each former French base."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis import citation, select
from sahel_analysis.events.around import attribution, monthly_near
from sahel_analysis.events.select import event_source_line, monthly_counts
from sahel_analysis.viz.eventmap import dataset_colour, date_span
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import PALETTE, add_source_line, house_style, new_axes, thousands

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from matplotlib.axes import Axes

__all__ = ["MILESTONE_GID", "plot_around_bases", "plot_event_counts", "plot_monthly_around"]

MILESTONE_GID = "milestone:"
_LABELS = {"events": "events", "fatalities": "fatalities (best estimate)"}


def _mark_milestones(ax: Axes, curated: pd.DataFrame, table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """Dotted lines at the curated milestones within the months shown; returns their citation."""
    marks = select.milestones(curated, table.index.min(), table.index.max() + pd.offsets.MonthEnd(1))
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
    return f"milestones, {citation.source_line(marks, sources=sources)}"


def plot_event_counts(
    events: pd.DataFrame,
    *,
    measure: Literal["events", "fatalities", "both"] = "both",
    curated: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Events and/or fatalities (best estimate) per month, one line per dataset.

    ``measure="both"`` puts fatalities on a second y axis (dashed lines); "events" or
    "fatalities" draws one of them. Each event counts in the month of its recorded date whatever
    its precision. ``curated``: our events table (`sahel_analysis.tables.load_events`); its
    milestones within the months shown are marked and labelled, and cited from ``sources`` (the
    sources table, needed with ``curated``). The source line gives each dataset's attribution and
    access date, and the curated events' sources. ``title``: "" for none. Gids:
    ``events:<dataset>``, ``fatalities:<dataset>``, ``milestone:<id>``, ``source-line``.
    """
    import matplotlib.dates as mdates

    if measure not in ("events", "fatalities", "both"):
        raise ValueError(f"measure: expected 'events', 'fatalities' or 'both', found {measure!r}")
    if curated is not None and sources is None:
        raise TypeError("sources: the sources table is needed to cite the curated milestones (curated=...)")
    table = monthly_counts(events)
    with house_style():
        ax = new_axes((10, 5.2)) if ax is None else ax
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
        cited = _mark_milestones(ax, curated, table, sources) if curated is not None and len(table) else ""
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
        default = f"{shown[measure]} per month{', ' + span if span else ''}"
        ax.set_title(default if title is None else title)
        attribution = event_source_line(events)
        add_source_line(ax, "; ".join(p for p in (attribution, cited) if p) or "none", prefix="Sources: ")
    # Long form, one row per month and dataset; the dataset is the rows' source.
    rows = table.stack("dataset", future_stack=True).reset_index() if len(table) else pd.DataFrame()
    if len(rows):
        rows = rows.assign(source_id=rows["dataset"].astype(str))
    summary = (
        f"Line chart of {shown[measure].lower()} per month over {len(table)} months, one line per dataset."
    )
    return describe(ax, summary, rows, name=f"{measure}-per-month")


def _around_source(table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """The datasets' attribution, then the sources of the handover dates."""
    events = table.attrs.get("attribution") or attribution(table.get("dataset", []))
    bases = f"bases and handover dates, {citation.source_line(table, sources=sources)}"
    return "; ".join(p for p in (events, bases) if p)


def plot_around_bases(
    table: pd.DataFrame, *, sources: pd.DataFrame, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Events before and after each handover, one line per place and dataset (a dumbbell chart).

    ``table`` is `around_bases`'s; ``sources``, the sources table, names the publishers of its
    handover dates. An open circle marks the events in the window before the handover, a filled
    one those after; the line joins them. Rows are in handover order, the first at the top.
    ``title``: "" for none. Gids: ``around:before``, ``around:after`` (one point per row, in the
    table's order), ``source-line``.
    """
    labels = [
        f"{row.place} ({row.handover:%b %Y})" + (f", {row.dataset}" if table["dataset"].nunique() > 1 else "")
        for row in table.itertuples()
    ]
    y = -np.arange(len(table), dtype=float)  # first row at the top
    before = table["events_before"].to_numpy(dtype=float)
    after = table["events_after"].to_numpy(dtype=float)
    with house_style():
        ax = new_axes((9, 0.45 * len(table) + 1.8)) if ax is None else ax
        for i in range(len(table)):
            ax.plot([before[i], after[i]], [y[i], y[i]], color="#999999", lw=1.6, zorder=2)
        dots = {
            "before": ax.scatter(before, y, s=46, facecolor="white", edgecolor=PALETTE["blue"], lw=1.5, zorder=3,
                                 label="before the handover"),
            "after": ax.scatter(after, y, s=46, color=PALETTE["vermillion"], zorder=4, label="after"),
        }  # fmt: skip
        for side, artist in dots.items():
            artist.set_gid(f"around:{side}")
        ax.set_yticks(y, labels)
        ax.set_xlim(left=0)
        ax.set_ylim(y.min() - 0.7 if len(y) else -1, 0.7)
        thousands(ax, "x")
        radius, window = table.attrs.get("radius_km"), table.attrs.get("window_days")
        if radius and window:
            ax.set_xlabel(f"Events within {radius:g} km, in the {window:,} days before / from the handover")
        else:
            ax.set_xlabel("Events near the place, before and after the handover")
        ax.legend(loc="lower right", fontsize=8)
        default = "Recorded conflict events around former French bases, before and after handover"
        ax.set_title(default if title is None else title)
        add_source_line(ax, _around_source(table, sources), prefix="Sources: ")
    summary = (
        f"Dot chart of recorded events before and after the handover of {len(table)} places and datasets."
    )
    # The table's source_id is the handed-over periods' sources; the dataset is a column of its own.
    return describe(ax, summary, table, name="around-bases")


def plot_monthly_around(
    events: pd.DataFrame,
    place: Mapping[str, Any],
    *,
    handover: Any,
    radius_km: float,
    window_days: int = 365,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Events (bars) and fatalities (line, right axis) per month near one place, handover marked.

    ``place``: a row of `around_bases`'s table (`around_place`) or of the gazetteer: a name
    (``place`` or ``name_en``), ``latitude`` and ``longitude``. Only precisely located
    events are counted (see `around_bases`). Shows ``window_days`` either side of ``handover``.
    ``title``: "" for none. Gids: ``monthly:events``, ``monthly:fatalities``, ``handover``,
    ``source-line``.
    """
    import matplotlib.dates as mdates

    day = pd.Timestamp(handover)
    span = pd.Timedelta(days=window_days)
    table = monthly_near(events, place, radius_km=radius_km, start=day - span, end=day + span)
    table = table[(table.index >= (day - span).to_period("M").to_timestamp()) & (table.index <= day + span)]
    name = next((place[k] for k in ("name_en", "place", "name") if k in place), "the place")
    with house_style():
        ax = new_axes((10, 4.8)) if ax is None else ax
        bars = ax.bar(table.index, table["events"], width=25, align="edge", color=PALETTE["blue"], alpha=0.7,
                      label="events")  # fmt: skip
        for bar in bars:
            bar.set_gid("monthly:events")
        right = ax.twinx()
        right.grid(False)
        right.spines["right"].set_visible(True)
        (line,) = right.plot(table.index + pd.Timedelta(days=14), table["fatalities"], color=PALETTE["vermillion"],
                             lw=1.4, label="fatalities (best estimate)")  # fmt: skip
        line.set_gid("monthly:fatalities")
        mark = ax.axvline(day, color="#333333", lw=1.2, ls="--", zorder=5)
        mark.set_gid("handover")
        ax.text(day, 0.98, " handover", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
        ax.set_ylabel(f"Events per month within {radius_km:g} km")
        right.set_ylabel("Fatalities per month")
        for target in (ax, right):
            target.set_ylim(bottom=0)
            thousands(target)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.legend(handles=[bars, line], loc="upper left", fontsize=8)
        default = f"Conflict events near {name}, before and after the handover of {day:%d %B %Y}"
        ax.set_title(default if title is None else title)
        add_source_line(ax, event_source_line(events) or "none", prefix="Sources: ")
    datasets = "; ".join(str(d) for d in dict.fromkeys(events["dataset"]))
    summary = (
        f"Bar chart of events per month near {name} ({int(table['events'].sum()):,} in {len(table)} months), "
        f"with fatalities as a line."
    )
    return describe(ax, summary, table.reset_index().assign(source_id=datasets), name="events-near-place")
