"""Where labels go so that none hides another: row packing (chart tops, timeline lanes), map labels.

:func:`pack_rows` is pure arithmetic on spans in display pixels, so it is tested without drawing;
the charts measure their texts, ask it for a row and a side each, and place the artists.
:class:`LabelPlacer` places map labels greedily around points, checking each candidate box against
the axes' frame and everything placed before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

__all__ = ["WIDTH_MARGIN", "LabelPlacer", "TopLabel", "overlaps", "pack_rows", "place_top_labels"]

# Text is measured at the figure's dpi, and glyph widths do not scale exactly with dpi (hinting):
# labels are laid out with this much spare width so a savefig at another dpi does not make them touch.
WIDTH_MARGIN = 1.05

Span = tuple[float, float]


def overlaps(span: Span, taken: Sequence[Span], gap: float) -> bool:
    """Whether ``span`` comes within ``gap`` of any span in ``taken``."""
    return any(span[0] < b[1] + gap and b[0] < span[1] + gap for b in taken)


def pack_rows(
    candidates: Sequence[tuple[Span, Span]], lo: float, hi: float, gap: float, *, tries: int | None = None
) -> list[tuple[int, int]]:
    """Give each item a row and one of its two spans so that no two spans in a row come within ``gap``.

    ``candidates`` holds, per item in the order they are placed, its preferred span and its
    fallback (e.g. text right of a point, then left of it). Rows fill from 0; the first row where
    either span fits inside [lo, hi] and clear of the row's spans wins, the preferred span first.
    ``tries`` bounds the rows tried per item (default: one per item). An item that fits nowhere
    (wider than [lo, hi]) gets a new row of its own with its preferred span. Returns, per item,
    ``(row, 0 or 1)``: which span was used.
    """
    tries = len(candidates) if tries is None else tries
    rows: list[list[Span]] = []
    out: list[tuple[int, int]] = []
    for pair in candidates:
        chosen = None
        for r in range(tries):
            if r == len(rows):
                rows.append([])
            for side, span in enumerate(pair):
                if span[0] >= lo and span[1] <= hi and not overlaps(span, rows[r], gap):
                    chosen = (r, side)
                    break
            if chosen:
                break
        if chosen is None:
            chosen = (len(rows), 0)
            rows.append([])
        rows[chosen[0]].append(pair[chosen[1]])
        out.append(chosen)
    return out


# --------------------------------------------------------------------------------------------------
# Map labels

# (dx, dy) unit direction -> horizontal and vertical alignment of the text.
DIRECTIONS = [
    ((1, 0), "left", "center"),
    ((0.75, 0.75), "left", "bottom"),
    ((0.75, -0.75), "left", "top"),
    ((-1, 0), "right", "center"),
    ((-0.75, 0.75), "right", "bottom"),
    ((-0.75, -0.75), "right", "top"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
]


@dataclass
class LabelPlacer:
    """Greedy, collision-checked label placement on one Axes, in display coordinates."""

    ax: Axes
    renderer: RendererBase
    taken: list[Bbox] = field(default_factory=list)
    pad_px: float = 2.0

    def add_obstacle(self, bbox: Bbox) -> None:
        self.taken.append(bbox.padded(self.pad_px))

    def avoid(self, *artists: Artist) -> None:
        """Keep labels off these artists (a scale bar, a north arrow, a key), as drawn now."""
        for artist in artists:
            self.add_obstacle(artist.get_window_extent(self.renderer))

    def add_point(self, x: float, y: float, radius_pt: float) -> None:
        from matplotlib.transforms import Bbox

        px, py = self.ax.transData.transform((x, y))
        r = radius_pt * self.ax.figure.dpi / 72
        self.taken.append(Bbox.from_extents(px - r, py - r, px + r, py + r))

    def fits(self, bbox: Bbox) -> bool:
        frame = self.ax.get_window_extent(self.renderer).padded(-self.pad_px)
        inside = bbox.x0 >= frame.x0 and bbox.x1 <= frame.x1 and bbox.y0 >= frame.y0 and bbox.y1 <= frame.y1
        return inside and not any(bbox.overlaps(t) for t in self.taken)

    def _within(self, bbox: Bbox, geom: Any) -> bool:
        import shapely

        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform(bbox.get_points())
        return bool(geom.contains(shapely.box(x0, y0, x1, y1)))

    def place(
        self,
        xy: tuple[float, float],
        text: str,
        *,
        radii: Sequence[float] = (4.0, 8.0),
        leader_radii: Sequence[float] = (20.0, 32.0, 46.0),
        centred: bool = False,
        inside: Any = None,
        gid: str,
        **style: Any,
    ) -> Annotation | None:
        """Try positions around ``xy``; keep the first that collides with nothing.

        ``inside`` (a shapely geometry in data coordinates) must contain the whole label: an
        area's name pushed over a border would name the wrong country.
        """
        candidates: list[tuple[float, float, str, str, bool]] = []
        if centred:
            candidates.append((0.0, 0.0, "center", "center", False))
        for r in radii:
            candidates += [(dx * r, dy * r, ha, va, False) for (dx, dy), ha, va in DIRECTIONS]
        for r in leader_radii:  # further out, joined to the point by a thin line
            candidates += [(dx * r, dy * r, ha, va, True) for (dx, dy), ha, va in DIRECTIONS]
        for dx, dy, ha, va, leader in candidates:
            arrow = (
                {"arrowstyle": "-", "lw": 0.6, "color": "#444444", "shrinkA": 1, "shrinkB": 3}
                if leader
                else None
            )
            ann = self.ax.annotate(
                text,
                xy,
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                arrowprops=arrow,
                annotation_clip=False,
                **style,
            )
            bbox = ann.get_window_extent(self.renderer).padded(self.pad_px)
            if self.fits(bbox) and (inside is None or self._within(bbox, inside)):
                ann.set_gid(gid)
                self.taken.append(bbox)
                return ann
            ann.remove()
        return None


# --------------------------------------------------------------------------------------------------
# Labels along the top of a chart


@dataclass
class TopLabel:
    """A label for the thing at data ``x``, drawn beside a vertical guide at the top of the axes."""

    x: float
    text: str
    gid: str


def place_top_labels(ax: Axes, labels: Sequence[TopLabel], *, fontsize: float = 7.5) -> float:
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
    artists = []
    for label in labels:
        artist = ax.text(
            label.x,
            1.0,
            label.text,
            transform=trans,
            fontsize=fontsize,
            va="top",
            ha="left",
            color="#222222",
            linespacing=1.1,
            # Under the data (lines are at 2): where the rows of labels reach down to the series, the
            # series stay visible through them rather than hidden behind a white box.
            zorder=1.5,
            bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
        artist.set_gid(label.gid)
        artists.append(artist)
    renderer = fig.canvas.get_renderer()
    sizes = [a.get_window_extent(renderer) for a in artists]
    # Glyph widths do not scale exactly with dpi: leave room for a later savefig.
    widths = [s.width * WIDTH_MARGIN for s in sizes]
    box = ax.get_window_extent(renderer)
    pad = 3.0 * fig.dpi / 72  # between a guide and its text, and between neighbours
    row_h = max(s.height for s in sizes) + 2 * pad
    order = sorted(range(len(labels)), key=lambda i: labels[i].x)
    candidates = []
    for i in order:
        px = ax.transData.transform((labels[i].x, 0))[0]
        # Text to the right of the guide (left-aligned) is preferred, else to its left.
        candidates.append(((px + pad, px + pad + widths[i]), (px - pad - widths[i], px - pad)))
    lowest = 1.0
    for i, (row, side) in zip(order, pack_rows(candidates, box.x0, box.x1, pad), strict=True):
        ha = "left" if side == 0 else "right"
        top = 1.0 - (pad + row * row_h) / box.height
        artists[i].set_position((labels[i].x, top))
        artists[i].set_ha(ha)
        # Offset the text from its guide in points, so that it stays clear at any dpi.
        dx = 3.0 if ha == "left" else -3.0
        artists[i].set_transform(offset_copy(trans, fig=fig, x=dx, y=0, units="points"))
        ax.axvline(labels[i].x, ymin=0, ymax=top, color="#888888", lw=0.7, ls=":", zorder=1.5)
        lowest = min(lowest, top - sizes[i].height / box.height)
    return lowest
