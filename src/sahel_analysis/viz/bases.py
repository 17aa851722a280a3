"""Charts of the French bases over time: one bar per base (Gantt) and the number held by date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, footprint, select
from sahel_analysis.i18n import _, format_number, text_column, text_of
from sahel_analysis.textfmt import date_text
from sahel_analysis.viz.basemap import halo
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.operations import legend_handles, operation_style, operations_in_order
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    date_axis,
    date_num,
    house_style,
    low_confidence,
    low_confidence_steps,
    new_axes,
    thousands,
    with_low_confidence_entry,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["plot_base_counts", "plot_bases_timeline"]


def _place_order(presence: pd.DataFrame) -> list[str]:
    first = presence.groupby("place_id")["start_date"].min().sort_values(kind="stable")
    return list(first.index)


def plot_bases_timeline(
    presence: pd.DataFrame,
    places: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    start: Any = "2010-01-01",
    end: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """A Gantt chart: one bar per row of ``presence``, one line per place, handovers marked and labelled.

    Bars run from ``start_date`` to ``end_date`` (to ``end``, by default the latest date in
    ``presence``, for a base still held, drawn with an open end). The view starts at ``start``;
    bars that begin earlier say since when. A handover is a black tick at the bar's end with
    "→ who took over". ``sources``: the sources table, whose publishers the source line names.
    ``title``: "" for none. Gids: ``bar:<presence id>``, ``handover:<presence id>``, ``source-line``.
    """
    import pandas as pd

    select.check_place_ids(places, presence["place_id"])
    first = select.as_timestamp(start, "start")
    last = select.as_timestamp(end, "end") or footprint.latest_date(presence)
    order = _place_order(presence)
    y_of = {pid: i for i, pid in enumerate(order)}
    names = dict(zip(places["id"], text_column(places, "name"), strict=True))
    with house_style():
        ax = ax if ax is not None else new_axes((11, 0.34 * len(order) + 1.8), (0.15, 0.2, 0.83, 0.72))
        ax.xaxis_date()
        right = last + pd.DateOffset(years=3)  # room for the handover labels
        ax.set_xlim(date_num(first), date_num(right))
        for r, low in zip(presence.itertuples(), citation.low_confidence(presence), strict=True):
            colour = operation_style(str(r.operation))[0]
            stop = r.end_date if pd.notna(r.end_date) else last
            x = float(date_num(r.start_date))
            width = float(date_num(stop)) - x
            (bar,) = ax.barh(
                y_of[r.place_id],
                width,
                left=x,
                height=0.62,
                color=colour,
                edgecolor="#333333",
                lw=0.4,
                zorder=3,
            )
            bar.set_gid(f"bar:{r.id}")
            if low:
                low_confidence(bar)
            if r.start_date < first:
                since = _("since {date}").format(date=date_text(r.start_date, r.start_precision))
                ax.text(date_num(first), y_of[r.place_id], f"  {since}",
                        va="center", ha="left", fontsize=7, zorder=4, path_effects=halo(2))  # fmt: skip
            if pd.isna(r.end_date):
                (arrow,) = ax.plot(
                    date_num(last),
                    y_of[r.place_id],
                    marker=">",
                    color=colour,
                    mec="#333333",
                    mew=0.4,
                    ms=7,
                    zorder=4,
                )
                if low:
                    low_confidence(arrow)
                ax.text(
                    date_num(last),
                    y_of[r.place_id],
                    "   " + _("held"),
                    va="center",
                    fontsize=7,
                    color="#333333",
                )
            elif isinstance(r.handed_to, str) and r.handed_to:
                (tick,) = ax.plot(
                    date_num(r.end_date),
                    y_of[r.place_id],
                    marker="|",
                    color="black",
                    ms=11,
                    mew=1.6,
                    zorder=5,
                )
                tick.set_gid(f"handover:{r.id}")
                ax.text(date_num(r.end_date), y_of[r.place_id], f" → {text_of(r, 'handed_to')}", va="center", ha="left",
                        fontsize=7, color="#222222", zorder=5, path_effects=halo(2))  # fmt: skip
        ax.set_yticks(range(len(order)), [names.get(p, p) for p in order])
        ax.set_ylim(len(order) - 0.4, -0.6)
        ax.grid(axis="y", visible=False)
        date_axis(ax)
        in_view = (presence["end_date"].isna() | (presence["end_date"] > first)) & (
            presence["start_date"] <= last
        )
        ax.legend(
            handles=with_low_confidence_entry(
                legend_handles(operations_in_order(presence["operation"])),
                citation.low_confidence(presence)[in_view],
                "bar",
                width=28,  # narrow: the lower rows' bars begin in 2014
            ),
            loc="lower left",
            fontsize=8,
            frameon=True,
            framealpha=0.9,
            edgecolor="none",
        )
        default = _("French bases over time, and to whom each was handed")
        ax.set_title(default if title is None else title, loc="left")
        add_source_line(ax, citation.source_line(presence, sources=sources, limit=6), many=True)
    summary = _("One bar per period a French base was held ({periods} periods at {places} places).").format(
        periods=format_number(len(presence)), places=format_number(len(order))
    )
    return describe(ax, summary, presence, name="bases-over-time")


def plot_base_counts(
    presence: pd.DataFrame,
    troops: pd.DataFrame | None = None,
    *,
    sources: pd.DataFrame,
    start: Any = footprint.FIRST_MONTH,
    end: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The number of French bases held (step), and the main operation's reported personnel (right axis).

    Personnel (when ``troops`` is given) is :func:`sahel_analysis.footprint.theatre_personnel`: each
    reported figure holds until the next. ``sources``: the sources table, whose publishers the
    source line names. ``title``: "" for none. Gids: ``count:bases``, ``count:personnel``,
    ``source-line``.
    """
    from matplotlib.ticker import MaxNLocator

    counts = footprint.base_counts(presence, start, end)
    with house_style():
        ax = ax if ax is not None else new_axes((10, 4.2), (0.08, 0.18, 0.84, 0.72))
        ax.xaxis_date()
        line = low_confidence_steps(ax, date_num(counts["date"]), counts["bases"], counts["confidence"] != "",
                                    ids=counts["date"].dt.strftime("%Y-%m-%d"), gid="count:bases",
                                    color=PALETTE["vermillion"], lw=2, label=_("bases held (left)"))[0]  # fmt: skip
        low = [*(counts["confidence"] != "")]
        ax.set_ylabel(_("French bases held"))
        ax.set_xlim(date_num(counts["date"].min()), date_num(counts["date"].max()))
        handles = [line]
        cited = [presence]
        tops: list[tuple[Axes, float]] = [(ax, float(counts["bases"].max()))]
        if troops is not None:
            staff = footprint.theatre_personnel(select.window(troops, None, counts["date"].max()))
            if len(staff):
                right = ax.twinx()
                right.grid(False)
                right.spines["right"].set_visible(True)
                x = [*date_num(staff["date"]), date_num(counts["date"].max())]
                y = [*staff["personnel"], staff["personnel"].iloc[-1]]
                staff_low = [*citation.low_confidence(staff), False]  # the last figure held to the end
                pline = low_confidence_steps(right, x, y, staff_low, ids=[*staff["id"], "end"],
                                             gid="count:personnel", color=PALETTE["blue"], lw=1.4, ls="--",
                                             label=_("personnel of the main operation, reported (right)"))[0]  # fmt: skip
                low += staff_low
                tops.append((right, float(max(y))))
                right.set_ylabel(_("Personnel"))
                thousands(right)
                handles.append(pline)
                cited.append(staff.merge(troops[["id", "source_id", "other_source_ids"]], on="id"))
        date_axis(ax)
        handles = with_low_confidence_entry(handles, low, "line")
        # The key sits top right, above the lines: each entry past two takes a tenth of the height.
        share = 0.87 - 0.09 * max(len(handles) - 2, 0)
        for axis, highest in tops:
            axis.set_ylim(0, highest / share)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of bases
        ax.legend(handles=handles, loc="upper right", fontsize=8)
        default = _("How many bases France held, and how many soldiers it reported")
        ax.set_title(default if title is None else title, loc="left")
        add_source_line(ax, citation.source_line(*cited, sources=sources, limit=6), many=True)
    summary = _("Number of French bases held, from {n} dates of change; peak {peak}.").format(
        n=format_number(len(counts)), peak=format_number(int(counts["bases"].max()))
    )
    return describe(ax, summary, counts, name="bases-held")
