"""The house style: colours, the rcParams context, the one way figures are made, the source line."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sahel_analysis.i18n import N_, _

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    ArtistT = TypeVar("ArtistT", bound=Artist)

STYLE_FILE = Path(__file__).with_name("sahel.mplstyle")

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#7f7f7f",
    # Beyond Okabe-Ito's eight: Paul Tol's "wine", which stays distinct for the common colour-vision deficiencies.
    "wine": "#882255",
}

SOURCE_LINE_GID = "source-line"

# Low-confidence rows (``confidence = low``: every source on a weak host) have one look on every
# chart: faded, lines and outlines dotted, markers hollow. It changes lightness and line pattern,
# not hue, so a series keeps its colour and the difference reads for colour-blind readers and in
# grey print. The legend says so, once, whenever a drawn row is low.
LOW_CONFIDENCE_LABEL = N_("low confidence: source only on a republishing site")
LOW_CONFIDENCE_GID = "low-confidence"
LOW_ALPHA = 0.55
LOW_LINESTYLE = ":"
LOW_EDGE_WIDTH = 1.3


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rcParams for the duration of a ``with`` block.

    Only the keys the style sets are restored afterwards. ``plt.style.context`` restores every
    rcParam, ``interactive`` included, and so undoes IPython's switch to interactive mode when
    pyplot is first used inside the block: later figures in the notebook would then not show.
    """
    import matplotlib as mpl

    style = mpl.rc_params_from_file(STYLE_FILE, use_default_template=False)
    saved = {key: mpl.rcParams[key] for key in style}
    mpl.rcParams.update(style)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)


def new_axes(size: tuple[float, float], rect: Sequence[float] | None = None) -> Axes:
    """A new figure of ``size`` inches with one Axes (at ``rect``, a figure fraction, if given).

    Every chart that is not handed an Axes makes its figure here, inside :func:`house_style`, so
    that all figures share the style's dpi and fonts.
    """
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=size)
    return fig.add_axes(rect) if rect is not None else fig.add_subplot()


def low_confidence(artist: ArtistT) -> ArtistT:
    """Restyle ``artist`` the way every chart draws a low-confidence row; returns it.

    A line becomes dotted and its markers hollow; a bar or other patch keeps a paler fill under a
    dotted outline; scatter markers become hollow, edged in their own colour. All are faded.
    """
    from matplotlib.collections import Collection, PathCollection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if isinstance(artist, Line2D):
        if artist.get_linestyle() not in ("None", "none", "", " "):
            artist.set_linestyle(LOW_LINESTYLE)
        artist.set_markerfacecolor("white")
        artist.set_alpha(LOW_ALPHA)
    elif isinstance(artist, Patch):
        r, g, b, a = artist.get_facecolor()
        artist.set_facecolor((r, g, b, a * LOW_ALPHA))
        artist.set_linestyle(LOW_LINESTYLE)
        artist.set_linewidth(max(artist.get_linewidth(), LOW_EDGE_WIDTH))
    elif isinstance(artist, PathCollection):
        faces = artist.get_facecolor()
        if len(faces):
            artist.set_edgecolor([to_rgba(c) for c in faces])
        artist.set_facecolor("white")
        artist.set_linewidth(LOW_EDGE_WIDTH)
        artist.set_alpha(LOW_ALPHA + 0.25)  # a hollow marker is faint enough; fade it less
    elif isinstance(artist, Collection):  # whiskers, range bars
        artist.set_linestyle(LOW_LINESTYLE)
        artist.set_alpha(LOW_ALPHA)
    return artist


def low_confidence_handle(kind: str = "line", *, width: int | None = None) -> Artist:
    """The legend entry for low-confidence rows, drawn by :func:`low_confidence` on a grey sample.

    ``kind``: ``"line"`` (a line), ``"series"`` (a line through dots), ``"bar"`` (a bar or span),
    ``"marker"`` (a point). ``width``: wrap the label at this many characters (a narrow key).
    Its gid is ``"low-confidence"``.
    """
    import textwrap

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    grey = "#555555"
    samples = {
        "line": lambda: Line2D([], [], color=grey, lw=2),
        "series": lambda: Line2D([], [], color=grey, lw=2, marker="o", ms=5),
        "bar": lambda: Patch(facecolor=grey, edgecolor="#333333"),
        "marker": lambda: Line2D([], [], ls="", marker="o", ms=7, color=grey, mec=grey),
    }
    if kind not in samples:
        raise ValueError(f"kind: expected one of {', '.join(samples)}, found {kind!r}")
    handle = samples[kind]()
    label = _(LOW_CONFIDENCE_LABEL)
    handle.set_label(textwrap.fill(label, width) if width else label)
    handle.set_gid(LOW_CONFIDENCE_GID)
    return low_confidence(handle)


def with_low_confidence_entry(
    handles: list[Any], low: Any, kind: str = "line", *, width: int | None = None
) -> list[Any]:
    """``handles`` plus the low-confidence entry when any of ``low`` (one flag per drawn row) is true."""
    if not any(bool(v) for v in low):
        return list(handles)
    return [*handles, low_confidence_handle(kind, width=width)]


def renderer(fig: Figure) -> Any:
    """The figure's renderer, for measuring text before the figure is drawn."""
    return fig.canvas.get_renderer()


def add_source_line(ax: Axes, text: str, *, many: bool = False) -> Text:
    """Write "Source: ``text``" (with ``many``, "Sources: ``text``") as a small grey line under ``ax``.

    Left-aligned with ``ax``. The artist carries the gid ``"source-line"`` so that tests and callers
    can find it again. A second call on the same Axes replaces the first line rather than stacking
    another.
    """
    import textwrap

    for old in [t for t in ax.texts if t.get_gid() == SOURCE_LINE_GID]:
        old.remove()
    line = _("Sources: {sources}") if many else _("Source: {sources}")
    body = textwrap.fill(line.format(sources=text), width=150)
    # Placed in Axes coordinates below the tick labels; savefig's tight bbox keeps it in frame.
    artist = ax.annotate(
        body,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -30),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7.5,
        color="#555555",
        annotation_clip=False,
    )
    artist.set_gid(SOURCE_LINE_GID)
    return artist


def source_line_text(ax: Axes) -> str | None:
    """The source line drawn on ``ax``, or None."""
    for t in ax.texts:
        if t.get_gid() == SOURCE_LINE_GID:
            return t.get_text()
    return None


def thousands(ax: Axes, axis: str = "y") -> None:
    """Format an axis's ticks as whole numbers with the language's thousands separator (1,234 / 1 234)."""
    from matplotlib.ticker import FuncFormatter

    from sahel_analysis.i18n import format_number, get_language

    lang = get_language()  # the figure's language, whenever it is drawn
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(
        FuncFormatter(lambda x, _pos: format_number(x, lang=lang))
    )


_MONTH = "\x01%m\x01"  # a month number the concise formatter writes, named afterwards
_MONTH_MARK = re.compile("\x01(\\d\\d)\x01")


def concise_date_formatter(locator: Any) -> Any:
    """matplotlib's concise date labels ("2021", "Apr", "Jul"), with the month names of the language.

    matplotlib writes month names with the C locale's ``strftime`` (English whatever the page); here
    the formatter writes the month's number and Babel names it ("avr.", "juil.").
    """
    import matplotlib.dates as mdates
    from babel.dates import get_month_names

    from sahel_analysis.i18n import get_language

    names = get_month_names("abbreviated", context="stand-alone", locale=get_language())

    def named(text: str) -> str:
        return _MONTH_MARK.sub(lambda m: names[int(m.group(1))], text)

    class _Formatter(mdates.ConciseDateFormatter):
        def format_ticks(self, values: Any) -> list[str]:
            labels = [named(label) for label in super().format_ticks(values)]
            self._offset_string = named(self._offset_string)
            return labels

    month = _MONTH
    return _Formatter(  # matplotlib's own formats, with the month as a number to name
        locator,
        formats=["%Y", month, "%d", "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", "%Y", month, f"{month}-%d", "%H:%M", "%H:%M"],
        offset_formats=["", "%Y", f"%Y-{month}", f"%Y-{month}-%d", f"%Y-{month}-%d", f"%Y-{month}-%d %H:%M"],
    )


def date_axis(ax: Axes, axis: str = "x") -> None:
    """Format a date axis the house way: a tick a year labelled ``YYYY``, quarters as minor ticks.

    Call it after setting the limits. Spans under two years get concise month labels instead
    (:func:`concise_date_formatter`), since year ticks alone would leave one or two labels.
    """
    import matplotlib.dates as mdates

    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    if abs(high - low) < 730:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        target.set_major_locator(locator)
        target.set_major_formatter(concise_date_formatter(locator))
        return
    step = 1 if abs(high - low) < 16 * 365 else 2
    target.set_major_locator(mdates.YearLocator(base=step))
    target.set_major_formatter(mdates.DateFormatter("%Y"))
    target.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))


def date_num(dates: Any) -> Any:
    """Dates as matplotlib's day numbers (for positions on a date axis)."""
    import matplotlib.dates as mdates
    import pandas as pd

    return mdates.date2num(pd.to_datetime(dates))


def low_confidence_steps(
    ax: Axes,
    x: Any,
    y: Any,
    low: Any,
    *,
    gid: str,
    ids: Any = None,
    max_gap: float | None = None,
    **style: Any,
) -> list[Any]:
    """A step line (``where="post"``) through ``(x, y)`` whose stretches resting on low rows look low.

    The line ``gid`` carries every point, with ``y`` NaN at the low ones and a break where two
    points are more than ``max_gap`` apart in x. Each low point ``i`` gets its own line, gid
    ``<gid>:low:<ids[i]>`` (its index without ``ids``), restyled by :func:`low_confidence`: the
    step into it, its level until the next point and the step out of it, with a marker on the
    point itself if ``style`` has one. Returns the lines, the main one first.
    """
    import numpy as np

    xs = np.asarray(x, float)
    ys = np.asarray(y, float)
    flags = np.asarray([bool(v) for v in low], bool)
    names = list(ids) if ids is not None else [str(i) for i in range(len(xs))]
    gap = np.inf if max_gap is None else max_gap
    line_x, line_y = with_gaps(xs, np.where(flags, np.nan, ys), gap)
    (main,) = ax.step(line_x, line_y, where="post", gid=gid, **style)
    lines = [main]
    for i in np.flatnonzero(flags):
        joined_before = i > 0 and xs[i] - xs[i - 1] <= gap
        px, py = ([xs[i], xs[i]], [ys[i - 1], ys[i]]) if joined_before else ([xs[i]], [ys[i]])
        if i + 1 < len(xs) and xs[i + 1] - xs[i] <= gap:  # its level held, and the step out
            px += [xs[i + 1], xs[i + 1]]
            py += [ys[i], ys[i + 1]]
        (seg,) = ax.plot(px, py, gid=f"{gid}:low:{names[i]}", markevery=[int(joined_before)], **style)
        lines.append(low_confidence(seg))
    return lines


def with_gaps(x: Any, y: Any, max_gap: float) -> tuple[Any, Any]:
    """Insert a NaN between consecutive points further apart in x than ``max_gap``: the line breaks."""
    import math

    import numpy as np

    if len(x) < 2:
        return x.astype(float), y.astype(float)
    xs, ys = [float(x[0])], [float(y[0])]
    for i in range(1, len(x)):
        if x[i] - x[i - 1] > max_gap:
            xs.append(math.nan)
            ys.append(math.nan)
        xs.append(float(x[i]))
        ys.append(float(y[i]))
    return np.array(xs), np.array(ys)
