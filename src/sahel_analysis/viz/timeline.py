"""The sequence of events in lanes, every one labelled: ``plot_timeline``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from sahel_analysis import citation, schema, select
from sahel_analysis.i18n import _, format_date, format_number, ngettext, text_of
from sahel_analysis.select import LANE_MODES
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.layout import WIDTH_MARGIN, pack_rows
from sahel_analysis.viz.style import (
    PALETTE,
    add_source_line,
    date_axis,
    date_num,
    house_style,
    low_confidence,
    new_axes,
    renderer,
    with_low_confidence_entry,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

__all__ = ["CATEGORY_COLOURS", "plot_timeline"]

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
_MARKER, _MARKER_BIG = 5.0, 7.5  # markers, points


def _lane_names(events: pd.DataFrame, lanes: str) -> tuple[list[str], dict[str, str]]:
    if lanes == "category":
        names = select.declared_present(events, "events", "category")
        return names, {c: _(schema.CATEGORY_LABELS.get(c, c)) for c in names}
    counts = events["country_iso3"].astype(str).value_counts()
    names = sorted(counts.index, key=lambda c: (-counts[c], c))
    return names, {c: schema.country_label(c) for c in names}


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
    box = ax.get_window_extent(renderer(ax.figure))
    placement: dict[str, tuple[int, str]] = {}
    rows_per_lane: dict[str, int] = {}
    for lane in lanes:
        mine = frame[lane_of == lane].sort_values(["date", "id"], kind="stable")
        candidates = []
        for r in mine.itertuples():
            start_px = ax.transData.transform((date_num([r.date])[0], 0))[0]
            stop = r.end_date if pd.notna(r.end_date) else r.date
            stop_px = ax.transData.transform((date_num([stop])[0], 0))[0]
            # Leave a margin for a savefig at another resolution; the marker's radius counts too.
            width = texts[r.id].get_window_extent(renderer(ax.figure)).width * WIDTH_MARGIN
            radius = (markers[r.id] / 2) * ax.figure.dpi / 72
            right = (start_px - radius, stop_px + 2 * pad_px + width)
            left = (start_px - 2 * pad_px - width, stop_px + radius)
            candidates.append((right, left))
        packed = pack_rows(candidates, box.x0, box.x1, pad_px, tries=len(mine) + 1)
        for event_id, (row, side) in zip(mine["id"], packed, strict=True):
            placement[event_id] = (row, "right" if side == 0 else "left")
        rows_per_lane[lane] = max(1, len({row for row, _ in packed}))
    return placement, rows_per_lane


def _fit(
    ax: Axes, shown: pd.DataFrame, stressed: set[str], names: list[str], lane_of: pd.Series, own: bool
) -> tuple[dict[str, Text], dict[str, tuple[int, str]], dict[str, int]]:
    """Write the labels and pack them; size an own figure to the rows, or shrink the font to fit."""
    fig = ax.figure
    fontsize = 7.5
    texts: dict[str, Text] = {}
    placement: dict[str, tuple[int, str]] = {}
    rows_per_lane: dict[str, int] = {}
    for _attempt in range(5):
        for t in texts.values():
            t.remove()
        texts = {
            r.id: ax.text(
                0,
                0,
                text_of(r, "title"),
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
        text_h = max(t.get_window_extent(renderer(fig)).height for t in texts.values()) / fig.dpi
        row_in = text_h * 1.45
        if own:
            # Make the figure as tall as the rows need: margins in inches for title, ticks and legend.
            axes_h = units * row_in
            fig_h = axes_h + 1.3
            fig.set_size_inches(12, fig_h)
            ax.set_position((1.6 / 12, 0.55 / fig_h, (12 - 1.85) / 12, axes_h / fig_h))
            break
        have = ax.get_window_extent(renderer(fig)).height / fig.dpi / units
        if have >= row_in * 0.85 or fontsize <= 5:
            break
        fontsize = max(5.0, fontsize * have / row_in)
    return texts, placement, rows_per_lane


def _draw_lanes(
    ax: Axes, names: list[str], titles: dict[str, str], rows_per_lane: dict[str, int]
) -> dict[str, float]:
    """Shade every other lane and name them; returns the y of each lane's first row."""
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
    return lane_top


def _draw_events(
    ax: Axes,
    shown: pd.DataFrame,
    stressed: set[str],
    texts: dict[str, Text],
    placement: dict[str, tuple[int, str]],
    y_of: dict[str, float],
) -> None:
    from matplotlib.transforms import offset_copy

    for r, low in zip(shown.itertuples(), citation.low_confidence(shown), strict=True):
        row, side = placement[r.id]
        yy = y_of[r.id] + row
        colour = CATEGORY_COLOURS.get(str(r.category), PALETTE["black"])
        xs = date_num([r.date])[0]
        xe = date_num([r.end_date])[0] if pd.notna(r.end_date) else xs
        drawn = []
        if xe > xs:
            drawn += ax.plot([xs, xe], [yy, yy], color=colour, lw=3, solid_capstyle="butt", zorder=3)
        big = r.id in stressed
        drawn += ax.plot(
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
        if low:
            for artist in drawn:
                low_confidence(artist)
        text = texts[r.id]
        anchor = xe if side == "right" else xs
        dx = 5 if side == "right" else -5
        text.set_position((anchor, yy))
        text.set_transform(offset_copy(ax.transData, fig=ax.figure, x=dx, y=0, units="points"))
        text.set_ha("left" if side == "right" else "right")
        text.set_gid("timeline-label")
        text.set_color("#111111")


def _key(ax: Axes, shown: pd.DataFrame, stressed: set[str], lanes: str) -> float:
    """The key between the title and the plot; returns the title's padding above it (points)."""
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    if lanes == "country":
        handles += [
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                ms=6,
                color=CATEGORY_COLOURS[c],
                label=_(schema.CATEGORY_LABELS[c]),
            )
            for c in select.declared_present(shown, "events", "category")
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
                label=_("milestone (bold)"),
            )
        )
    handles = with_low_confidence_entry(handles, citation.low_confidence(shown), "marker")
    pad = 6.0
    if handles:
        # The key sits between the title and the plot, so neither a long title nor a busy first
        # row of labels can run into it; the title is lifted by the key's height.
        legend = ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=min(len(handles), 6),
            fontsize=8,
        )
        pad += legend.get_window_extent(renderer(ax.figure)).height * 72 / ax.figure.dpi
    return pad


def plot_timeline(
    events: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    start: Any = None,
    end: Any = None,
    lanes: str = "category",
    highlight: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """The events of ``events`` dated within [start, end] on a time axis, in lanes, every one labelled.

    Lanes are by ``category`` or by ``country``. Labels are stacked in rows within their lane so
    that none overlaps another; without ``ax`` the figure is made as tall as the rows need, with
    ``ax`` the font shrinks to fit. ``highlight`` lists event ids to stress (bold label, larger
    ringed marker); by default the milestones. ``sources``: the sources table, whose publishers
    the source line names. ``title``: "" for none.
    """
    if lanes not in LANE_MODES:
        raise ValueError(f"lanes must be one of {', '.join(LANE_MODES)}, not {lanes!r}")
    shown = select.window(events, start, end)
    if shown.empty:
        raise ValueError("there are no events to draw in the dates given")
    stressed = set(select.milestones(shown)["id"]) if highlight is None else set(highlight)
    lane_of = shown["category" if lanes == "category" else "country_iso3"].astype(str)
    names, titles = _lane_names(shown, lanes)
    dated_end = shown["end_date"].fillna(shown["date"])
    x0 = pd.Timestamp(start) if start else shown["date"].min() - pd.Timedelta(days=45)
    x1 = pd.Timestamp(end) if end else dated_end.max() + pd.Timedelta(days=45)

    with house_style():
        own = ax is None
        ax = new_axes((12, 6), (0.14, 0.1, 0.84, 0.8)) if own else ax
        ax.xaxis_date()
        ax.set_xlim(date_num(x0), date_num(x1))
        texts, placement, rows_per_lane = _fit(ax, shown, stressed, names, lane_of, own)
        lane_top = _draw_lanes(ax, names, titles, rows_per_lane)
        y_of = {r.id: lane_top[lane_of[r.Index]] for r in shown.itertuples()}
        _draw_events(ax, shown, stressed, texts, placement, y_of)
        date_axis(ax)
        pad = _key(ax, shown, stressed, lanes)
        span = f"{shown['date'].min():%Y}–{shown['date'].max():%Y}"
        ax.set_title(
            title
            if title is not None
            else _("Mali and the Sahel, {years}: the sequence of events").format(years=span),
            pad=pad,
        )
        add_source_line(ax, citation.source_line(shown, sources=sources))
    if lanes == "category":
        summary = ngettext(
            "Timeline of {n} event in lanes by category, {first} to {last}; {k} highlighted.",
            "Timeline of {n} events in lanes by category, {first} to {last}; {k} highlighted.",
            len(shown),
        )
    else:
        summary = ngettext(
            "Timeline of {n} event in lanes by country, {first} to {last}; {k} highlighted.",
            "Timeline of {n} events in lanes by country, {first} to {last}; {k} highlighted.",
            len(shown),
        )
    summary = summary.format(
        n=format_number(len(shown)),
        first=format_date(shown["date"].min(), "month"),
        last=format_date(dated_end.max(), "month"),
        k=format_number(len(stressed & set(shown["id"]))),
    )
    return describe(ax, summary, shown, name="events")
