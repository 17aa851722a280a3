"""Conflict events as charts: counts per month, and what changed around each former French base."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis import citation, select
from sahel_analysis.events.around import attribution, monthly_near
from sahel_analysis.events.select import event_source_line, monthly_counts
from sahel_analysis.i18n import N_, _, format_date, format_number, ngettext, text_of
from sahel_analysis.textfmt import joined
from sahel_analysis.viz.eventmap import dataset_colour, date_span
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    concise_date_formatter,
    house_style,
    new_axes,
    thousands,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from matplotlib.axes import Axes

__all__ = [
    "MILESTONE_GID",
    "mark_milestones",
    "plot_around_bases",
    "plot_event_counts",
    "plot_monthly_around",
]

MILESTONE_GID = "milestone:"
_LABELS = {"events": N_("events"), "fatalities": N_("fatalities (best estimate)")}
_PER_MONTH = {"events": N_("Events per month"), "fatalities": N_("Fatalities (best estimate) per month")}


def _mark_milestones(ax: Axes, curated: pd.DataFrame, table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """Dotted lines at the curated milestones within the months shown; returns their citation."""
    marks = select.milestones(curated, table.index.min(), table.index.max() + pd.offsets.MonthEnd(1))
    return mark_milestones(ax, marks, sources)


def mark_milestones(
    ax: Axes, marks: pd.DataFrame, sources: pd.DataFrame, *, fontsize: float = 7, numbered: bool = False
) -> str:
    """A dotted line at each of ``marks`` (rows of the events table), labelled with its title.

    ``numbered``: a number above the plot instead, and a key right of it giving each number's day
    and title, so that no label lies over the data (for charts whose bars reach the top). Returns
    the text citing the marks for the source line ("" for none). Gids: ``milestone:<id>``, and
    with ``numbered`` ``milestone-number:<id>`` and ``milestone-key``.
    """
    import textwrap

    key = []
    for number, (_index, row) in enumerate(marks.iterrows(), start=1):
        ident = row.get("id", row["title"])
        title = text_of(row, "title")
        mark = ax.axvline(row["date"], color="#555555", lw=0.8, ls=":", zorder=1)
        mark.set_gid(f"{MILESTONE_GID}{ident}")
        if numbered:
            label = ax.text(
                row["date"], 1.01, str(number), transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                fontsize=fontsize, color="#333333", clip_on=False,
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": "#777777", "lw": 0.6},
            )  # fmt: skip
            label.set_gid(f"milestone-number:{ident}")
            entry = _("{number}. {date}: {title}").format(
                number=number, date=format_date(row["date"], "day", short=True), title=title
            )
            key.append(textwrap.fill(entry, width=44, subsequent_indent="    "))
            continue
        ax.text(
            row["date"], 0.98, title, transform=ax.get_xaxis_transform(), rotation=90,
            ha="right", va="top", fontsize=fontsize, color="#333333", zorder=5,
            bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1},
        )  # fmt: skip
    if key:
        text = ax.text(1.02, 1.0, "\n".join(key), transform=ax.transAxes, va="top", ha="left", fontsize=fontsize,
                       color="#333333", linespacing=1.35)  # fmt: skip
        text.set_gid("milestone-key")
    if not len(marks):
        return ""
    return _("milestones, {sources}").format(sources=citation.source_line(marks, sources=sources))


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
                    label=_("{dataset}: {measure}").format(dataset=name, measure=_(_LABELS[kind])),
                )  # fmt: skip
                line.set_gid(f"{kind}:{name}")
                lines.append(line)
            target.set_ylabel(_(_PER_MONTH[kind]))
            target.set_ylim(bottom=0)
            thousands(target)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(concise_date_formatter(ax.xaxis.get_major_locator()))
        if not len(table):
            ax.text(0.5, 0.5, _("No events in the selection"), transform=ax.transAxes, ha="center")
        cited = _mark_milestones(ax, curated, table, sources) if curated is not None and len(table) else ""
        if lines:
            # Outside the plot, right of any second axis: inside it would hide lines or labels.
            ax.legend(handles=lines, loc="upper left", bbox_to_anchor=(1.1 if measure == "both" else 1.01, 1),
                      fontsize=8)  # fmt: skip
        span = date_span(events)
        if title is None:
            title = _(_COUNTS_TITLES[measure][bool(span)]).format(dates=span)
        ax.set_title(title)
        attribution = event_source_line(events)
        add_source_line(ax, joined(p for p in (attribution, cited) if p) or _("none"), many=True)
    # Long form, one row per month and dataset; the dataset is the rows' source.
    rows = table.stack("dataset", future_stack=True).reset_index() if len(table) else pd.DataFrame()
    if len(rows):
        rows = rows.assign(source_id=rows["dataset"].astype(str))
    return describe(ax, _counts_summary(measure, len(table)), rows, name=f"{measure}-per-month")


# A monthly chart's title, without and with its span of months.
_COUNTS_TITLES = {
    "events": (N_("Conflict events per month"), N_("Conflict events per month, {dates}")),
    "fatalities": (N_("Fatalities per month"), N_("Fatalities per month, {dates}")),
    "both": (
        N_("Conflict events and fatalities per month"),
        N_("Conflict events and fatalities per month, {dates}"),
    ),
}


def _counts_summary(measure: str, months: int) -> str:
    if measure == "events":
        text = ngettext(
            "Line chart of conflict events per month over {n} month, one line per dataset.",
            "Line chart of conflict events per month over {n} months, one line per dataset.",
            months,
        )
    elif measure == "fatalities":
        text = ngettext(
            "Line chart of fatalities per month over {n} month, one line per dataset.",
            "Line chart of fatalities per month over {n} months, one line per dataset.",
            months,
        )
    else:
        text = ngettext(
            "Line chart of conflict events and fatalities per month over {n} month, one line per dataset.",
            "Line chart of conflict events and fatalities per month over {n} months, one line per dataset.",
            months,
        )
    return text.format(n=format_number(months))


def _around_source(table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """The datasets' attribution, then the sources of the handover dates."""
    events = table.attrs.get("attribution") or attribution(table.get("dataset", []))
    bases = _("bases and handover dates, {sources}").format(
        sources=citation.source_line(table, sources=sources)
    )
    return joined(p for p in (events, bases) if p)


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
    several = table["dataset"].nunique() > 1
    labels = [
        (_("{place} ({month}), {dataset}") if several else _("{place} ({month})")).format(
            place=row.place, month=format_date(row.handover, "month", short=True), dataset=row.dataset
        )
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
                                 label=_("before the handover")),
            "after": ax.scatter(after, y, s=46, color=PALETTE["vermillion"], zorder=4, label=_("after")),
        }  # fmt: skip
        for side, artist in dots.items():
            artist.set_gid(f"around:{side}")
        ax.set_yticks(y, labels)
        ax.set_xlim(left=0)
        ax.set_ylim(y.min() - 0.7 if len(y) else -1, 0.7)
        thousands(ax, "x")
        radius, window = table.attrs.get("radius_km"), table.attrs.get("window_days")
        windows = set(table["window_days"]) if "window_days" in table.columns else {window}
        if radius and len(windows) > 1:
            ax.set_xlabel(
                _("Events within {km} km, in equal windows before / from the handover, as of {date}").format(
                    km=format_number(radius, 1 if radius % 1 else 0),
                    date=format_date(table.attrs["until"], "day"),
                )
            )
        elif radius and window:
            window = windows.pop() if windows else window
            ax.set_xlabel(
                _("Events within {km} km, in the {days} days before / from the handover").format(
                    km=format_number(radius, 1 if radius % 1 else 0), days=format_number(window)
                )
            )
        else:
            ax.set_xlabel(_("Events near the place, before and after the handover"))
        # Outside the plot: inside, it would hide a row's dots wherever they fall.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
        default = _("Recorded conflict events around former French bases, before and after handover")
        ax.set_title(default if title is None else title)
        add_source_line(ax, _around_source(table, sources), many=True)
    summary = _(
        "Dot chart of recorded events before and after the handover of {n} places and datasets."
    ).format(n=format_number(len(table)))
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
    from matplotlib.ticker import MaxNLocator

    day = pd.Timestamp(handover)
    span = pd.Timedelta(days=window_days)
    table = monthly_near(events, place, radius_km=radius_km, start=day - span, end=day + span)
    table = table[(table.index >= (day - span).to_period("M").to_timestamp()) & (table.index <= day + span)]
    if "name_en" in place:
        name = text_of(place, "name")
    else:
        name = next((place[k] for k in ("place", "name") if k in place), _("the place"))
    with house_style():
        ax = new_axes((10, 4.8)) if ax is None else ax
        bars = ax.bar(table.index, table["events"], width=25, align="edge", color=PALETTE["blue"], alpha=0.7,
                      label=_("events"))  # fmt: skip
        for bar in bars:
            bar.set_gid("monthly:events")
        right = ax.twinx()
        right.grid(False)
        right.spines["right"].set_visible(True)
        (line,) = right.plot(table.index + pd.Timedelta(days=14), table["fatalities"], color=PALETTE["vermillion"],
                             lw=1.4, label=_("fatalities (best estimate)"))  # fmt: skip
        line.set_gid("monthly:fatalities")
        mark = ax.axvline(day, color="#333333", lw=1.2, ls="--", zorder=5)
        mark.set_gid("handover")
        ax.text(day, 0.98, " " + _("handover"), transform=ax.get_xaxis_transform(), va="top", fontsize=8)
        ax.set_ylabel(
            _("Events per month within {km} km").format(
                km=format_number(radius_km, 1 if radius_km % 1 else 0)
            )
        )
        right.set_ylabel(_("Fatalities per month"))
        for target in (ax, right):
            target.set_ylim(bottom=0)
            # Counts are whole: without this, a scale of 0-3 gets ticks at 0.5 written "0", "1", "2"...
            target.yaxis.set_major_locator(MaxNLocator(integer=True))
            thousands(target)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator())
        ax.xaxis.set_major_formatter(concise_date_formatter(ax.xaxis.get_major_locator()))
        ax.legend(handles=[bars, line], loc="upper left", fontsize=8)
        default = _("Conflict events near {place}, before and after the handover of {date}").format(
            place=name, date=format_date(day)
        )
        ax.set_title(default if title is None else title)
        add_source_line(ax, event_source_line(events) or _("none"), many=True)
    datasets = "; ".join(str(d) for d in dict.fromkeys(events["dataset"]))
    summary = ngettext(
        "Bar chart of events per month near {place} ({events} in {n} month), with fatalities as a line.",
        "Bar chart of events per month near {place} ({events} in {n} months), with fatalities as a line.",
        len(table),
    ).format(place=name, events=format_number(int(table["events"].sum())), n=format_number(len(table)))
    return describe(ax, summary, table.reset_index().assign(source_id=datasets), name="events-near-place")
