"""The house style: colours, the rcParams context, the one way figures are made, the source line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

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


def renderer(fig: Figure) -> Any:
    """The figure's renderer, for measuring text before the figure is drawn."""
    return fig.canvas.get_renderer()


def add_source_line(ax: Axes, text: str, *, prefix: str = "Source: ") -> Text:
    """Write ``text`` as a small grey line under ``ax``, left-aligned with it.

    The artist carries the gid ``"source-line"`` so that tests and callers can find it again.
    A second call on the same Axes replaces the first line rather than stacking another.
    """
    import textwrap

    for old in [t for t in ax.texts if t.get_gid() == SOURCE_LINE_GID]:
        old.remove()
    body = textwrap.fill(prefix + text, width=150)
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
    """Format an axis's ticks with thousands separators."""
    from matplotlib.ticker import StrMethodFormatter

    fmt = StrMethodFormatter("{x:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def date_axis(ax: Axes, axis: str = "x") -> None:
    """Format a date axis the house way: a tick a year labelled ``YYYY``, quarters as minor ticks.

    Call it after setting the limits. Spans under two years get matplotlib's concise month
    labels instead, since year ticks alone would leave one or two labels.
    """
    import matplotlib.dates as mdates

    target = ax.xaxis if axis == "x" else ax.yaxis
    low, high = ax.get_xlim() if axis == "x" else ax.get_ylim()
    if abs(high - low) < 730:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        target.set_major_locator(locator)
        target.set_major_formatter(mdates.ConciseDateFormatter(locator))
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
