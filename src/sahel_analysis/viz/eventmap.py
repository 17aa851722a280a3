"""Conflict events on the base map: one bubble per event, or per admin1 region and dataset.

The boundary layers are the caller's (:func:`sahel_analysis.geo.load_map_layers`): the map reads
no file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sahel_analysis.events.formats import DATASETS
from sahel_analysis.events.select import event_source_line
from sahel_analysis.i18n import _, format_date, format_number, ngettext
from sahel_analysis.textfmt import joined

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sahel_analysis.geo import MapLayers

__all__ = ["ADMIN1_GID", "EVENTS_GID", "largest_bubble", "plot_event_map", "plot_period_maps"]

COLOURS = {"ACLED": "vermillion", "UCDP GED": "blue"}
EVENTS_GID, ADMIN1_GID = "events:", "admin1:"
_ADMIN1_LABELS = 15
_MAX_AREA = {None: 400.0, "admin1": 900.0}


def dataset_colour(dataset: str) -> str:
    """The house colour for a dataset's marks."""
    from sahel_analysis.viz.style import PALETTE

    return PALETTE[COLOURS[dataset]]


def _bubble_areas(values: np.ndarray, largest: float, max_area: float, min_area: float) -> np.ndarray:
    # Area, not radius, proportional to fatalities, so that twice the deaths looks twice as big.
    scale = max_area / largest if largest > 0 else 0.0
    return np.maximum(values * scale, min_area)


def _nice_steps(largest: float) -> list[int]:
    """Up to three round reference values for a size legend, the largest not above `largest`."""
    if largest < 1:
        return []
    top = 10 ** int(np.floor(np.log10(largest)))
    for mult in (5, 2, 1):
        if mult * top <= largest:
            top *= mult
            break
    return sorted({max(1, int(v)) for v in (top / 100, top / 10, top) if v >= 1})


def date_span(events: pd.DataFrame) -> str:
    """'Mar 2013 – Dec 2021' (or one month) for titles, in the reader's language; empty for no events."""
    if events.empty:
        return ""
    first, last = events["date"].min(), events["date"].max()
    if (first.year, first.month) == (last.year, last.month):
        return format_date(first, "month", short=True)
    return f"{format_date(first, 'month', short=True)} – {format_date(last, 'month', short=True)}"


def _admin1_groups(events: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    fatalities = events["fatalities_best"].fillna(0).to_numpy(dtype=float)
    return (
        pd.DataFrame(
            {
                "dataset": events["dataset"].astype(str).to_numpy(),
                "admin1": events["admin1"].fillna(_("(no admin1)")).to_numpy(),
                "x": x,
                "y": y,
                "fatalities": fatalities,
            }
        )
        .groupby(["dataset", "admin1"], sort=True)
        .agg(x=("x", "mean"), y=("y", "mean"), n=("x", "size"), fatalities=("fatalities", "sum"))
        .reset_index()
    )


def largest_bubble(events: pd.DataFrame, aggregate: Literal["admin1"] | None = None) -> float:
    """The fatalities the largest bubble of a map of ``events`` stands for (per event, or per region)."""
    if aggregate == "admin1":
        groups = _admin1_groups(events, np.zeros(len(events)), np.zeros(len(events)))
        return float(groups["fatalities"].max()) if len(groups) else 0.0
    fatalities = events["fatalities_best"].fillna(0).to_numpy(dtype=float)
    return float(fatalities.max()) if len(fatalities) else 0.0


def _draw_by_admin1(
    ax: Axes, events: pd.DataFrame, x: np.ndarray, y: np.ndarray, scale: float | None
) -> float:
    groups = _admin1_groups(events, x, y)
    largest = scale if scale is not None else (float(groups["fatalities"].max()) if len(groups) else 0.0)
    areas = _bubble_areas(groups["fatalities"].to_numpy(), largest, _MAX_AREA["admin1"], 12.0)
    # Label the regions with most events; labelling dozens would only make a smudge.
    labelled = set(groups.nlargest(_ADMIN1_LABELS, "n").index)
    for i, row in groups.sort_values("fatalities", ascending=False).iterrows():
        artist = ax.scatter(
            row["x"], row["y"], s=areas[i], color=dataset_colour(row["dataset"]), alpha=0.55,
            edgecolor="white", linewidth=0.6, zorder=6,
        )  # fmt: skip
        artist.set_gid(f"{ADMIN1_GID}{row['dataset']}:{row['admin1']}")
        if i in labelled:
            ax.annotate(
                f"{row['admin1']} ({format_number(row['n'])})", (row["x"], row["y"]), xytext=(0, -4),
                textcoords="offset points", fontsize=7, ha="center", va="top", color="#222222", zorder=7,
            )  # fmt: skip
    return largest


def _draw_each_event(
    ax: Axes, events: pd.DataFrame, x: np.ndarray, y: np.ndarray, scale: float | None
) -> float:
    fatalities = events["fatalities_best"].fillna(0).to_numpy(dtype=float)
    largest = scale if scale is not None else (float(fatalities.max()) if len(fatalities) else 0.0)
    areas = _bubble_areas(fatalities, largest, _MAX_AREA[None], 4.0)
    order = np.argsort(-fatalities, kind="stable")  # big bubbles first, small on top
    datasets = events["dataset"].to_numpy()
    for name in DATASETS:
        mine = order[datasets[order] == name]
        if not len(mine):
            continue
        artist = ax.scatter(
            x[mine], y[mine], s=areas[mine], color=dataset_colour(name), alpha=0.45, edgecolor="none",
            zorder=6,
        )  # fmt: skip
        artist.set_gid(f"{EVENTS_GID}{name}")
    return largest


def _set_extent(
    ax: Axes, x: np.ndarray, y: np.ndarray, extent: Sequence[float] | None, layers: MapLayers
) -> None:
    from sahel_analysis.viz import basemap

    if extent is None and not len(x):
        bounds = layers.mali_bounds
        ax.text(0.5, 0.5, _("No events in the selection"), transform=ax.transAxes, ha="center")
    else:
        corners = (
            [(float(np.nanmin(x)), float(np.nanmin(y))), (float(np.nanmax(x)), float(np.nanmax(y)))]
            if len(x)
            else []
        )
        bounds = basemap.map_bounds(ax, extent, corners, layers.mali_bounds)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])


def _legend(ax: Axes, datasets: list[str], largest: float, aggregate: str | None) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], ls="none", marker="o", ms=8, color=dataset_colour(d), alpha=0.6, label=d)
        for d in datasets
    ]
    for value in _nice_steps(largest):
        area = float(_bubble_areas(np.array([value]), largest, _MAX_AREA[aggregate], 0)[0])
        handles.append(
            Line2D([], [], ls="none", marker="o", ms=np.sqrt(area), mfc="none", mec="#555555",
                   label=ngettext("{n} fatality", "{n} fatalities", value).format(n=format_number(value)))
        )  # fmt: skip
    if handles:
        ax.legend(handles=handles, loc="lower left", labelspacing=1.2, borderpad=0.8, framealpha=0.9,
                  frameon=True, fontsize=8)  # fmt: skip


def plot_event_map(
    events: pd.DataFrame,
    *,
    layers: MapLayers,
    aggregate: Literal["admin1"] | None = None,
    ax: Axes | None = None,
    extent: Sequence[float] | None = None,
    title: str | None = None,
    scale: float | None = None,
) -> Axes:
    """Events on the base map, one bubble per event with area proportional to fatalities.

    ``aggregate="admin1"`` draws one bubble per dataset and admin1 region instead, at the mean
    position of its events, sized by total fatalities and labelled with the event count.
    ACLED and UCDP GED spell regions differently ("Mopti" / "Mopti region"), so each dataset
    keeps its own bubbles. Events without fatalities are small dots. ``layers``: the boundary
    layers (:func:`sahel_analysis.geo.load_map_layers`). ``extent``: ``(west, south, east,
    north)`` in degrees, as on every map; None: the events, with a margin. ``title``: "" for none.
    ``scale``: the fatalities the largest bubble stands for (None: the most in this map); maps
    set side by side share one (`largest_bubble`), so that equal bubbles mean equal deaths. The source line carries each dataset's attribution and access date. Gids:
    ``events:<dataset>``, ``admin1:<dataset>:<region>``, ``source-line``.
    """
    from pyproj import Transformer

    from sahel_analysis.geo import BOUNDARIES_ATTRIBUTION, MALI_CRS
    from sahel_analysis.viz import basemap
    from sahel_analysis.viz.style import add_source_line, house_style, new_axes

    if aggregate not in (None, "admin1"):
        raise ValueError(f"aggregate: expected None or 'admin1', found {aggregate!r}")
    to_map = Transformer.from_crs("EPSG:4326", MALI_CRS, always_xy=True)
    x, y = to_map.transform(events["longitude"].to_numpy(float), events["latitude"].to_numpy(float))
    with house_style():
        ax = new_axes((9, 7.2)) if ax is None else ax
        basemap.draw_base_map(ax, layers, regions=True, river=True)
        basemap.style_frame(ax)
        ax.set_aspect("equal")
        n = format_number(len(events))
        if aggregate == "admin1":
            largest = _draw_by_admin1(ax, events, x, y, scale)
            subtitle = ngettext(
                "{n} event; by admin1 region: area shows fatalities, the number counts events",
                "{n} events; by admin1 region: area shows fatalities, the number counts events",
                len(events),
            )
            summary = ngettext(
                "Map of {n} conflict event in Mali and around, by admin1 region: area shows fatalities, "
                "the number counts events.",
                "Map of {n} conflict events in Mali and around, by admin1 region: area shows fatalities, "
                "the number counts events.",
                len(events),
            )
        else:
            largest = _draw_each_event(ax, events, x, y, scale)
            subtitle = ngettext(
                "{n} event; one bubble per event, area shows fatalities",
                "{n} events; one bubble per event, area shows fatalities",
                len(events),
            )
            summary = ngettext(
                "Map of {n} conflict event in Mali and around, one bubble per event, area shows fatalities.",
                "Map of {n} conflict events in Mali and around, one bubble per event, area shows fatalities.",
                len(events),
            )
        _set_extent(ax, x, y, extent, layers)
        _legend(ax, [d for d in DATASETS if (events["dataset"] == d).any()], largest, aggregate)
        span = date_span(events)
        # The subtitle sits between the title and the frame; the pad leaves it room.
        if title is None:
            title = _("Conflict events, {dates}").format(dates=span) if span else _("Conflict events")
        ax.set_title(title, pad=20)
        ax.text(0, 1.012, subtitle.format(n=n), transform=ax.transAxes, fontsize=8.5,
                va="bottom", color="#555555")  # fmt: skip
        attribution = event_source_line(events)
        boundaries = _("boundaries, {attribution}").format(attribution=_(BOUNDARIES_ATTRIBUTION))
        add_source_line(ax, joined(p for p in (attribution, boundaries) if p), many=True)
    from sahel_analysis.viz.export import describe

    return describe(ax, summary.format(n=n), event_rows(events), name="conflict-events")


def event_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The events' common columns for a chart's data download; each event's source is its dataset."""
    from sahel_analysis.events.formats import COMMON_COLUMNS

    kept = events[[c for c in COMMON_COLUMNS if c in events.columns]]
    return kept.assign(source_id=kept["dataset"].astype(str))


def plot_period_maps(
    events: pd.DataFrame,
    periods: pd.DataFrame,
    *,
    layers: MapLayers,
    aggregate: Literal["admin1"] | None = None,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
) -> list[Axes]:
    """Small multiples: one `plot_event_map` per period, on one extent and one bubble scale.

    ``periods``: rows with ``start``, ``end`` (days, inclusive) and ``label`` (the panel's title),
    e.g. `sahel_analysis.events.counts.map_periods`. Events are placed by their first possible
    day. The extent fits every event of ``events``, so the panels show the same ground; one
    fatality scale (`largest_bubble` over the periods) makes equal bubbles mean equal deaths. The
    first panel holds the key and the source line. ``ax``: one Axes per period. ``title``: the
    figure's ("" or None for none). Returns the panels' Axes, in the order of ``periods``.
    """
    import matplotlib.pyplot as plt

    from sahel_analysis.viz.style import SOURCE_LINE_GID, house_style

    parts = [
        events[
            ((events["date"] >= pd.Timestamp(p.start)) & (events["date"] <= pd.Timestamp(p.end))).to_numpy()
        ]
        for p in periods.itertuples()
    ]
    scale = max((largest_bubble(p, aggregate) for p in parts), default=0.0)
    extent = None
    if len(events):
        lon, lat = events["longitude"].to_numpy(float), events["latitude"].to_numpy(float)
        extent = (np.nanmin(lon) - 1, np.nanmin(lat) - 1, np.nanmax(lon) + 1, np.nanmax(lat) + 1)
    with house_style():
        if ax is None:
            fig, grid = plt.subplots(1, len(parts), figsize=(5.4 * len(parts), 5.6), squeeze=False)
            fig.subplots_adjust(left=0.01, right=0.99, wspace=0.05)
            slots = list(grid.flat)
        else:
            slots = list(ax)
        if len(slots) != len(parts):
            raise ValueError(f"ax: expected one Axes per period ({len(parts)}), found {len(slots)}")
        for slot, part, period in zip(slots, parts, periods.itertuples(), strict=True):
            plot_event_map(part, layers=layers, aggregate=aggregate, ax=slot, extent=extent, title=period.label,
                           scale=scale)  # fmt: skip
        for slot in slots[1:]:
            if slot.get_legend() is not None:
                slot.get_legend().remove()
            for text in [t for t in slot.texts if t.get_gid() == SOURCE_LINE_GID]:
                text.remove()
        if title:
            slots[0].figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return slots
