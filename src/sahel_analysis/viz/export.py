"""What a chart carries besides its pixels: a one-line description and the rows it was drawn from.

Chart helpers call :func:`describe` once on the Axes they return. In a notebook, the figure's
image output then carries, in its display metadata, the alt text (``image/png`` → ``alt``: titles and
descriptions) and the rows as CSV (``sahel_analysis`` → ``data``), from which the
HTML briefing writes the image's ``alt`` and a "data" download link. A figure no helper described
still gets an alt text from its titles and source line.

The metadata is added by an IPython mime-bundle printer for matplotlib figures. It runs alongside
the inline backend's PNG printer (it is a separate formatter, which ``%matplotlib inline`` leaves
alone), so the order of imports and magics does not matter.
"""

from __future__ import annotations

import re
import sys
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sahel_analysis.i18n import _
from sahel_analysis.viz.style import source_line_text

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

METADATA_KEY = "sahel_analysis"  # the output metadata entry holding the charts' data


@dataclass(frozen=True)
class Described:
    summary: str
    rows: pd.DataFrame | None
    name: str


# Keyed weakly: the description goes when the Axes does, and matplotlib objects stay untouched.
_described: weakref.WeakKeyDictionary[Any, Described] = weakref.WeakKeyDictionary()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "chart"


def describe(ax: Axes, summary: str, rows: pd.DataFrame | None = None, *, name: str | None = None) -> Axes:
    """Record what ``ax`` shows: a one-line ``summary`` and the ``rows`` it was drawn from.

    ``rows`` should keep their ``source_id`` column; they are offered as ``NAME.csv`` (by default
    named after the Axes title). Returns ``ax``, so a helper can end with ``return describe(ax, ...)``.
    """
    kept = None if rows is None else rows.reset_index(drop=True).copy()
    _described[ax] = Described(
        " ".join(summary.split()), kept, name or _slug(ax.get_title("left") or ax.get_title())
    )
    return ax


def description(ax: Axes) -> Described | None:
    """What :func:`describe` recorded for ``ax``, or None."""
    return _described.get(ax)


def _titles(ax: Axes) -> list[str]:
    return [t for t in (ax.get_title(loc) for loc in ("left", "center", "right")) if t.strip()]


def alt_text(fig: Figure) -> str:
    """One line saying what ``fig`` shows: per main Axes its title and description (else its source line).

    Insets (Axes drawn inside another, such as a map's locator) are part of their parent's picture
    and are left out. A figure with no title anywhere says "Chart" and its axis labels.
    """
    parts: list[str] = []
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        parts.append(suptitle.get_text())
    for ax in fig.axes:
        known = _described.get(ax)
        titles = _titles(ax)
        if known is None and not titles and source_line_text(ax) is None:
            continue
        parts.extend(titles)
        if known is not None and known.summary:
            parts.append(known.summary)
        elif source_line_text(ax):  # undescribed: the source line at least says what it rests on
            parts.append(str(source_line_text(ax)))
    if not parts:
        labels = [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t.strip()]
        parts.append(_("Chart of {labels}").format(labels=", ".join(labels)) if labels else _("Chart"))
    # One sentence each, so that a screen reader pauses between title, summary and source.
    lines = [" ".join(p.split()) for p in parts]
    return " ".join(line if line.endswith((".", "!", "?")) else line + "." for line in lines)


def chart_data(fig: Figure) -> list[tuple[str, pd.DataFrame]]:
    """The rows behind each described Axes of ``fig``, with their download names (unique per figure)."""
    found: list[tuple[str, pd.DataFrame]] = []
    seen: set[str] = set()
    for ax in fig.axes:
        known = _described.get(ax)
        if known is None or known.rows is None:
            continue
        name, n = known.name, 2
        while name in seen:
            name, n = f"{known.name}-{n}", n + 1
        seen.add(name)
        found.append((name, known.rows))
    return found


def to_csv(rows: pd.DataFrame) -> str:
    """The rows as CSV text: no index, ``\\n`` line ends, ISO dates (the same bytes for the same rows)."""
    return rows.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")


def figure_metadata(fig: Figure) -> tuple[dict[str, Any], dict[str, Any]]:
    """A mime-bundle printer: no data of its own, only metadata for the figure's image outputs."""
    metadata: dict[str, Any] = {"image/png": {"alt": alt_text(fig)}}
    data = [{"name": f"{name}.csv", "csv": to_csv(rows)} for name, rows in chart_data(fig)]
    if data:
        metadata[METADATA_KEY] = {"data": data}
    return {}, metadata


def install(shell: Any = None) -> bool:
    """Register :func:`figure_metadata` with the running IPython (if any). Returns whether it did.

    Called when :mod:`sahel_analysis.viz` is imported; a plain Python process is left alone.
    """
    if shell is None:
        if "IPython" not in sys.modules:  # not in IPython: do not import it
            return False
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            return False
    shell.display_formatter.mimebundle_formatter.for_type_by_name(
        "matplotlib.figure", "Figure", figure_metadata
    )
    return True
