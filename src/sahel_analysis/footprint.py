"""The French footprint over time: bases held on a date, month by month, counts, contiguous periods.

Pure functions of the presence table (and the gazetteer, the sources and the troop levels where a
table needs them, passed in): nothing here reads a file or draws. A base is held on a day when its period
started on or before that day and had not ended by it; the day of a handover belongs to whoever
took over (the rule of :func:`sahel_analysis.select.bases_held`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sahel_analysis import citation, markup, schema, select
from sahel_analysis.i18n import N_, _, text_column, text_of
from sahel_analysis.textfmt import date_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXTENTS",
    "FIRST_MONTH",
    "base_counts",
    "bases_table",
    "contiguous_periods",
    "footprint_months",
    "latest_date",
    "operation_label",
    "period_text",
    "theatre_personnel",
]

# (west, south, east, north) in degrees. The Sahel: Dakar to Abéché and Madama. West and Central
# Africa: Dakar to Djibouti and south to Libreville, every base in the record.
EXTENTS: dict[str, tuple[float, float, float, float]] = {
    "sahel": (-18.5, 8.5, 24.5, 24.5),
    "west_central_africa": (-18.5, -2.5, 45.5, 25.0),
}

# The animation and the counts start with Serval: the earlier rows (pre-positioned forces since the
# 1970s) are context for the story the record tells, which begins in January 2013.
FIRST_MONTH = "2013-01-01"

_LABELS = {
    "prepositioned": N_("Pre-positioned forces"),
    "shared_camp": N_("Shared camp"),
    "partnership": N_("Partnership"),
}


def operation_label(operation: str) -> str:
    """How an operation or status is written for a reader, in the reader's language:
    ``prepositioned`` -> Pre-positioned forces; an operation's name (Barkhane) as it is."""
    if operation in _LABELS:
        return _(_LABELS[operation])
    return operation.replace("_", " ").capitalize() if operation.islower() else operation


def latest_date(*frames: pd.DataFrame) -> pd.Timestamp:
    """The latest date in ``frames`` (any column whose name is ``date`` or ends in ``_date``)."""
    import pandas as pd

    found = [
        frame[col].max()
        for frame in frames
        for col in frame.columns
        if (col == "date" or col.endswith("_date")) and frame[col].notna().any()
    ]
    if not found:
        raise ValueError("no dated rows in the tables given")
    return pd.Timestamp(max(found))


def footprint_months(start: Any = FIRST_MONTH, end: Any = None) -> pd.DatetimeIndex:
    """The first day of every month from ``start``'s month to ``end``'s, both included."""
    import pandas as pd

    first = select.as_timestamp(start, "start")
    last = select.as_timestamp(end, "end") or pd.Timestamp.today()
    return pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")


def base_counts(presence: pd.DataFrame, start: Any = FIRST_MONTH, end: Any = None) -> pd.DataFrame:
    """The number of places where France held a base, from ``start`` to ``end``, a row per change.

    Columns ``date``, ``bases`` and ``confidence`` ("low" while a row marked ``confidence = low``
    is among those counted, else ""); a row per change of either. The first row is ``start``
    itself, the last ``end`` (default: the latest date in ``presence``), so a step chart drawn
    ``where="post"`` covers the whole span.
    """
    import pandas as pd

    first = select.as_timestamp(start, "start")
    last = select.as_timestamp(end, "end") or latest_date(presence)
    # Counted on unbroken periods, so that Serval's last day and Barkhane's first do not read as a
    # day without the base.
    periods = contiguous_periods(presence)
    low = presence[citation.low_confidence(presence)]
    changes = pd.concat(
        [periods["start_date"], periods["end_date"].dropna(), low["start_date"], low["end_date"].dropna()]
    )
    days = sorted({first, last, *(d for d in changes if first < d < last)})
    rows = [
        {
            "date": d,
            "bases": len(select.bases_held(periods, d)),
            "confidence": citation.LOW if len(select.bases_held(low, d)) else "",
        }
        for d in days
    ]
    return pd.DataFrame(rows, columns=["date", "bases", "confidence"])


def theatre_personnel(troops: pd.DataFrame) -> pd.DataFrame:
    """The reported personnel of the main operation: Serval in Mali, then the Sahel-wide figures.

    Rows of ``troops`` that are ``reported`` (not announced or targets) for the theatre the story
    follows: Serval's Mali figures, then every ``sahel`` figure (Barkhane's, then the partnership's
    until the last soldier left Chad). Figures for one country (Mali in 2022, the pre-positioned
    bases) are parts of these or separate deployments and are not added in. Sorted by date; where
    two figures share a day the higher is kept (sources that disagree, see the table's notes).
    """
    reported = troops[troops["figure_type"] == "reported"]
    theatre = ((reported["operation"] == "Serval") & (reported["scope"] == "mali")) | (
        reported["scope"] == "sahel"
    )
    chosen = reported[theatre].sort_values(["date", "personnel"], kind="stable")
    columns = ["id", "date", "operation", "personnel", *(["confidence"] if "confidence" in troops else [])]
    out = chosen.drop_duplicates("date", keep="last")[columns]
    out.attrs.update(troops.attrs)
    return out.reset_index(drop=True)


def contiguous_periods(presence: pd.DataFrame) -> pd.DataFrame:
    """One row per place and unbroken stretch of French presence (Serval then Barkhane is one).

    Periods of a place merge when the next starts at most a day after the previous ended.
    Columns: ``place_id``, ``operations`` (in order, e.g. "Serval, Barkhane"), ``start_date``,
    ``start_precision``, ``end_date``, ``end_precision``, ``handed_to`` (of the last period),
    ``presence_ids``.
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for place_id, periods in presence.sort_values(["place_id", "start_date"], kind="stable").groupby(
        "place_id"
    ):
        run: list[Any] = []
        for row in periods.itertuples():
            follows = (
                run
                and pd.notna(run[-1].end_date)
                and run[-1].end_date + pd.Timedelta(days=1) >= row.start_date
            )
            if run and not follows:
                rows.append(_period(place_id, run))
                run = []
            run.append(row)
        rows.append(_period(place_id, run))
    columns = [
        "place_id",
        "operations",
        "start_date",
        "start_precision",
        "end_date",
        "end_precision",
        "handed_to",
        "presence_ids",
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["start_date", "place_id"], kind="stable")


def _period(place_id: str, run: list[Any]) -> dict[str, Any]:
    first, last = run[0], run[-1]
    return {
        "place_id": place_id,
        "operations": ", ".join(dict.fromkeys(operation_label(str(r.operation)) for r in run)),
        "start_date": first.start_date,
        "start_precision": first.start_precision,
        "end_date": last.end_date,
        "end_precision": last.end_precision,
        "handed_to": text_of(last, "handed_to"),
        "presence_ids": [r.id for r in run],
    }


# A period's columns, as a table heads them (English message ids; the tables translate them last).
PERIOD_COLUMNS = (N_("operation or status"), N_("from"), N_("to"), N_("handed to"))


def period_text(row: Any, *, while_held: str = "") -> dict[str, str]:
    """A presence row as a reader reads it: operation or status, from, to, handed to.

    Dates are written to their precision; ``to`` is ``while_held`` for a base not yet left. Keyed by
    :data:`PERIOD_COLUMNS`, in English; ``handed to`` in the reader's language.
    """
    import pandas as pd

    handed = text_of(row, "handed_to")
    operation, start, end, to = PERIOD_COLUMNS
    return {
        operation: operation_label(str(row.operation)),
        start: date_text(row.start_date, row.start_precision),
        end: date_text(row.end_date, row.end_precision) if pd.notna(row.end_date) else while_held,
        to: handed if isinstance(handed, str) else "",
    }


def bases_table(
    presence: pd.DataFrame,
    gazetteer: pd.DataFrame,
    dates: Sequence[Any],
    *,
    sources: pd.DataFrame,
) -> pd.DataFrame:
    """The bases held on each of ``dates``, as a reader wants them listed.

    One row per date and presence row: date, place, country, operation or status, from, to (blank
    while held), handed to, sources (the publishers of ``sources`` the row cites), and a
    confidence column when a row is low (:func:`sahel_analysis.markup.mark_low_confidence`).
    Dates are written to their precision. Plain text: the HTML writer escapes it.
    """
    import pandas as pd

    name = dict(zip(gazetteer["id"], text_column(gazetteer, "name"), strict=True))
    iso3 = dict(zip(gazetteer["id"], gazetteer["country_iso3"], strict=True))
    rows = []
    low: list[bool] = []
    for on in dates:
        when = select.as_timestamp(on, "dates")
        held = select.bases_held(presence, when).sort_values(["start_date", "place_id"], kind="stable")
        cited = citation.row_publishers(held, sources)
        low += list(citation.low_confidence(held))
        for r, publishers in zip(held.itertuples(), cited, strict=True):
            country = iso3.get(r.place_id, "")
            rows.append(
                {
                    "date": date_text(when),
                    "place": name.get(r.place_id, r.place_id),
                    "country": schema.country_label(country) if country else "",
                    **period_text(r),
                    "sources": publishers,
                }
            )
    columns = [N_("date"), N_("place"), N_("country"), *PERIOD_COLUMNS, N_("sources")]
    table = pd.DataFrame(rows, columns=columns).rename(columns=_)
    return markup.mark_low_confidence(table, low)
