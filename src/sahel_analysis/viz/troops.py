"""French troop levels as a step chart: ``plot_troop_levels``."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import pandas as pd

from sahel_analysis import citation, schema, select
from sahel_analysis.footprint import operation_label
from sahel_analysis.i18n import _, format_date, format_number, ngettext, text_of
from sahel_analysis.textfmt import date_text
from sahel_analysis.viz.export import describe
from sahel_analysis.viz.layout import TopLabel, place_top_labels
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
    from matplotlib.axes import Axes

__all__ = ["MAX_GAP", "plot_troop_levels"]

# Two reported figures further apart than this are not joined: the step would claim a level held
# through a stretch that no source covers.
MAX_GAP = pd.Timedelta(days=548)  # about 18 months

# Fixed colours, so a series keeps its colour whatever else is selected.
SERIES_COLOURS = {
    ("Serval", "mali"): PALETTE["blue"],
    ("Barkhane", "sahel"): PALETTE["orange"],
    ("Barkhane", "mali"): PALETTE["vermillion"],
    ("Takuba", "mali"): PALETTE["green"],
    ("Takuba", "sahel"): PALETTE["green"],
    ("Epervier", "sahel"): PALETTE["purple"],
    ("Sabre", "sahel"): PALETTE["sky"],
    ("Sabre", "mali"): PALETTE["sky"],
    ("Sabre", "burkina_faso"): PALETTE["sky"],
    ("partnership", "sahel"): PALETTE["black"],
    ("partnership", "niger"): PALETTE["wine"],
    ("partnership", "chad"): PALETTE["purple"],
}
_FALLBACK_COLOURS = [PALETTE[k] for k in ("green", "purple", "sky", "black", "grey")]
_PRECISION_PERIOD = {
    "day": pd.DateOffset(days=1),
    "month": pd.DateOffset(months=1),
    "year": pd.DateOffset(years=1),
}
_GREY = "#555555"


def _series_colour(key: tuple[str, str], seen: dict[tuple[str, str], str]) -> str:
    if key in SERIES_COLOURS:
        return SERIES_COLOURS[key]
    return seen.setdefault(key, _FALLBACK_COLOURS[len(seen) % len(_FALLBACK_COLOURS)])


def _annotation_text(row: Any) -> str:
    return f"{date_text(row.date, row.precision)}\n" + textwrap.fill(str(text_of(row, "title")), width=26)


def _draw_reported(ax: Axes, reported: pd.DataFrame, colour: str, tag: str) -> None:
    if reported.empty:
        return
    low_confidence_steps(
        ax,
        date_num(reported["date"]),
        reported["personnel"].to_numpy(float),
        citation.low_confidence(reported),
        ids=reported["id"],
        max_gap=MAX_GAP / pd.Timedelta(days=1),
        gid=f"{tag}:reported",
        color=colour,
        lw=2,
        marker="o",
        ms=4,
        zorder=3,
    )
    # Two sources giving different counts for the same date: say so, rather than let the vertical
    # step read as a change in strength.
    for when, same in reported.groupby("date"):
        if same["personnel"].nunique() > 1:
            ax.annotate(
                _("sources differ"),
                xy=(float(date_num([when])[0]), float(same["personnel"].max())),
                xytext=(-4, 5),
                textcoords="offset points",
                ha="right",
                fontsize=7,
                style="italic",
                color="#444444",
                gid=f"{tag}:disputed",
            )


def _draw_announced(ax: Axes, series: pd.DataFrame, report_dates: pd.Series, colour: str, tag: str) -> None:
    announced = series[series["figure_type"] == "announced"]
    for row, low in zip(announced.itertuples(), citation.low_confidence(announced), strict=True):
        # The announced level holds until the first report after the announced period; a
        # month-precise announcement for "end of February" must not stop at 2 February.
        after = report_dates[report_dates >= row.date + _PRECISION_PERIOD[row.precision]]
        stop = after.iloc[0] if len(after) and after.iloc[0] - row.date <= MAX_GAP else row.date
        (line,) = ax.plot(
            date_num([row.date, stop]),
            [row.personnel, row.personnel],
            color=colour,
            lw=1.6,
            ls="--",
            marker="s",
            ms=5,
            markevery=[0],
            gid=f"{tag}:announced:low:{row.id}" if low else f"{tag}:announced",
            zorder=3,
        )
        if low:
            low_confidence(line)


def _draw_targets(ax: Axes, targets: pd.DataFrame, colour: str, gid: str) -> list[Any]:
    """Hollow dots at the targets, a bar over a range; returns the artists."""
    (dots,) = ax.plot(
        date_num(targets["date"]),
        targets["personnel"].to_numpy(float),
        ls="none",
        marker="o",
        ms=7,
        mfc="white",
        mec=colour,
        mew=1.8,
        gid=gid,
        zorder=4,
    )
    drawn = [dots]
    ranged = targets[targets["personnel_high"].notna()]
    if len(ranged):
        drawn.append(
            ax.vlines(
                date_num(ranged["date"]),
                ranged["personnel"].to_numpy(float),
                ranged["personnel_high"].to_numpy(float),
                color=colour,
                lw=1.8,
                zorder=4,
            )
        )
    return drawn


def _draw_year_bars(ax: Axes, yearly: pd.DataFrame, colour: str) -> list[Any]:
    """A bar with end caps across the year of each figure dated only to the year."""
    left = date_num(yearly["date"])
    right = date_num(yearly["date"] + pd.DateOffset(years=1))
    bars = ax.errorbar(
        (left + right) / 2,
        yearly["personnel"].to_numpy(float),
        xerr=(right - left) / 2,
        fmt="none",
        ecolor=colour,
        elinewidth=1,
        capsize=4,
        alpha=0.75,
        zorder=2,
    )
    return [*bars.lines[1], *bars.lines[2]]


def _draw_targets_and_years(ax: Axes, series: pd.DataFrame, colour: str, tag: str) -> None:
    low = citation.low_confidence(series)
    targets = series["figure_type"] == "target"
    if (targets & ~low).any():
        _draw_targets(ax, series[targets & ~low], colour, f"{tag}:target")
    for row_id in series.loc[targets & low, "id"]:
        for artist in _draw_targets(ax, series[series["id"] == row_id], colour, f"{tag}:target:low:{row_id}"):
            low_confidence(artist)
    yearly = series["precision"] == "year"
    if (yearly & ~low).any():
        _draw_year_bars(ax, series[yearly & ~low], colour)
    if (yearly & low).any():
        for artist in _draw_year_bars(ax, series[yearly & low], colour):
            low_confidence(artist)


def _key(shown: pd.DataFrame) -> list[Any]:
    """Legend entries for the kinds of figure drawn."""
    from matplotlib.lines import Line2D

    types = set(shown["figure_type"].astype(str))
    key = [
        (
            "reported",
            Line2D(
                [], [], color=_GREY, lw=2, marker="o", ms=4, label=_("reported (holds until next report)")
            ),
        ),
        (
            "announced",
            Line2D([], [], color=_GREY, lw=1.6, ls="--", marker="s", ms=5, label=_("announced level")),
        ),
        (
            "target",
            Line2D([], [], color=_GREY, ls="none", marker="o", ms=7, mfc="white", mew=1.8, label=_("target")),
        ),
    ]
    handles = [h for kind, h in key if kind in types]
    if (shown["precision"] == "year").any():
        handles.append(
            Line2D([], [], color=_GREY, marker="|", ms=9, mew=1, lw=1, label=_("date known only to the year"))
        )
    return with_low_confidence_entry(handles, citation.low_confidence(shown), "series")


def _draw_series(ax: Axes, shown: pd.DataFrame) -> list[Any]:
    """One colour per operation and scope; returns their legend entries."""
    from matplotlib.lines import Line2D

    seen: dict[tuple[str, str], str] = {}
    handles: list[Any] = []
    pairs = shown[["operation", "scope"]].drop_duplicates().astype(str)
    order = {op: i for i, op in enumerate(schema.enum("troop_levels", "operation"))}
    keys = sorted(pairs.itertuples(index=False, name=None), key=lambda k: (order.get(k[0], 99), k[1]))
    for op, scope in keys:
        colour = _series_colour((op, scope), seen)
        series = shown[(shown["operation"] == op) & (shown["scope"] == scope)].sort_values(
            ["date", "id"], kind="stable"
        )
        tag = f"troops:{op}:{scope}"
        reported = series[series["figure_type"] == "reported"]
        _draw_reported(ax, reported, colour, tag)
        _draw_announced(ax, series, reported["date"].sort_values(), colour, tag)
        _draw_targets_and_years(ax, series, colour, tag)
        # A status (partnership) in lower case, as it reads mid-sentence; an operation by its name.
        name = operation_label(op)
        name = name[:1].lower() + name[1:] if op.islower() else name
        label = _("{operation} {where}").format(
            operation=name, where=_(schema.SCOPE_LABELS.get(scope, scope))
        )
        handles.append(Line2D([], [], color=colour, lw=2.5, label=label))
    return handles


def plot_troop_levels(
    troops: pd.DataFrame,
    *,
    sources: pd.DataFrame,
    events: pd.DataFrame | None = None,
    start: Any = None,
    end: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """French personnel as a step chart (a level holds until the next report), by operation and scope.

    Draws the rows of ``troops`` dated within [start, end] (None: open). Reported figures are solid
    steps with filled dots; announced levels are dashed, holding until the next report after the
    announced date; targets are hollow dots (a bar shows a range). Two reports more than
    ``MAX_GAP`` apart are not joined. A bar with end caps marks a figure dated only to the year.
    A low-confidence figure is drawn apart, dotted and hollow (gid ``...:low:<row id>``).
    The milestones of ``events`` inside the date range are annotated along the top. ``sources``:
    the sources table, whose publishers the source line names. ``title``: "" for none.
    """
    shown = select.window(troops, start, end)
    if shown.empty:
        raise ValueError("there are no troop figures to draw in the dates given")
    ends = [
        pd.Timestamp(d) + _PRECISION_PERIOD[p] for d, p in zip(shown["date"], shown["precision"], strict=True)
    ]
    x0 = pd.Timestamp(start) if start else shown["date"].min() - pd.Timedelta(days=60)
    x1 = pd.Timestamp(end) if end else max(ends) + pd.Timedelta(days=60)
    noted = select.milestones(events, x0, x1) if events is not None else shown.iloc[0:0]

    with house_style():
        ax = new_axes((11, 6.4)) if ax is None else ax
        ax.xaxis_date()
        ax.set_xlim(date_num(x0), date_num(x1))
        handles = _draw_series(ax, shown) + _key(shown)
        top_values = pd.concat([shown["personnel"], shown["personnel_high"].dropna()]).astype(float)
        labels = [
            TopLabel(float(date_num([r.date])[0]), _annotation_text(r), f"event:{r.id}")
            for r in noted.itertuples()
        ]
        lowest = place_top_labels(ax, labels)
        ceiling = max(float(top_values.max()), 1.0) * 1.05
        ax.set_ylim(0, ceiling / max(lowest - 0.03, 0.35))
        date_axis(ax)
        thousands(ax)
        ax.set_ylabel(_("French military personnel"))
        # Beside the plot, not on it: with the record running to 2025 no corner of the plot is empty.
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)
        years = f"{shown['date'].min():%Y}–{shown['date'].max():%Y}"
        ax.set_title(
            title
            if title is not None
            else _("French troops in Mali and the Sahel, {years}").format(years=years)
        )
        add_source_line(ax, citation.source_line(shown, noted, sources=sources))
    peak = int(shown["personnel"].max())
    summary = ngettext(
        "Step chart of {n} figure of French military personnel by operation and scope, {first} to {last}; "
        "the highest is {peak}.",
        "Step chart of {n} figures of French military personnel by operation and scope, {first} to {last}; "
        "the highest is {peak}.",
        len(shown),
    ).format(
        n=format_number(len(shown)),
        first=format_date(shown["date"].min(), "month"),
        last=format_date(shown["date"].max(), "month"),
        peak=format_number(peak),
    )
    return describe(ax, summary, shown, name="troop-levels")
