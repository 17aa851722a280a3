"""Which rows: as-of cuts, date windows, declared categories, milestones, the rows a chart shows.

Pure functions of frames: nothing here reads a file or checks a notebook parameter. An empty
selection is returned empty; saying why it is empty is the check cell's job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sahel_analysis import schema

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_PLACES",
    "LANE_MODES",
    "as_timestamp",
    "bases_as_of",
    "bases_held",
    "check_place_ids",
    "declared_present",
    "in_window",
    "milestones",
    "places_by_id",
    "presence_as_of",
    "select_costs",
    "select_events",
    "select_troop_levels",
    "until",
    "window",
]

DateLike = str | dt.date | None

# The places the map marks when none are named: the towns of the seed article.
DEFAULT_PLACES: tuple[str, ...] = ("timbuktu", "gao", "kidal", "kati", "bamako")

# What a timeline's lanes group events by: their category, or their country.
LANE_MODES = ("category", "country")


_DATE_TYPES = "a date, a datetime, a pandas Timestamp or an ISO string such as '2021-06-01'"


def as_timestamp(value: Any, name: str = "as_of") -> pd.Timestamp | None:
    """``value`` as a pandas Timestamp (None stays None).

    TypeError naming ``name`` for anything but a date, datetime, Timestamp, numpy datetime64 or
    string (a number would otherwise be read as nanoseconds since 1970); ValueError for a string
    that is no date.
    """
    import numpy as np
    import pandas as pd

    if value is None:
        return None
    if not isinstance(value, str | dt.date | np.datetime64):  # pd.Timestamp is a dt.datetime
        raise TypeError(f"{name}: expected {_DATE_TYPES}; found {type(value).__name__} {value!r}")
    try:
        when = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        when = pd.NaT
    if when is pd.NaT:
        raise ValueError(f"{name}: expected {_DATE_TYPES}; found {value!r}")
    return when


def keep(frame: pd.DataFrame, mask: Any) -> pd.DataFrame:
    """The rows of ``frame`` where ``mask`` holds, as a copy that keeps ``frame.attrs``."""
    import numpy as np

    out = frame[np.asarray(mask, dtype=bool)].copy()
    out.attrs.update(frame.attrs)
    return out


def in_window(frame: pd.DataFrame, start: Any = None, end: Any = None, column: str = "date") -> pd.Series:
    """True for rows dated within [start, end], both inclusive; None leaves that end open.

    The one date-window rule of the package: every as-of cut and chart range goes through it.
    """
    import pandas as pd

    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame[column] >= as_timestamp(start, "start")
    if end is not None:
        mask &= frame[column] <= as_timestamp(end, "end")
    return mask


def window(frame: pd.DataFrame, start: Any = None, end: Any = None, column: str = "date") -> pd.DataFrame:
    """The rows of ``frame`` dated within [start, end] (see :func:`in_window`)."""
    return keep(frame, in_window(frame, start, end, column))


def until(frame: pd.DataFrame, as_of: Any, column: str = "date") -> pd.DataFrame:
    """The rows dated on or before ``as_of`` (all of them when it is None)."""
    if as_of is None:
        return frame
    return window(frame, None, as_timestamp(as_of), column)


def presence_as_of(presence: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """``presence`` as known on ``as_of``: bases opened later left out, later handovers blanked."""
    when = as_timestamp(as_of)
    out = until(presence, when, "start_date")
    if when is not None:
        later = out["end_date"] > when
        out.loc[later, ["end_date", "end_precision", "handed_to"]] = None
    return out


def bases_held(presence: pd.DataFrame, on: Any) -> pd.DataFrame:
    """The rows of ``presence`` for bases held on the date ``on``."""
    when = as_timestamp(on, "on")
    if when is None:
        raise ValueError("on: expected a date such as '2021-06-01', found None")
    held = (presence["start_date"] <= when) & (presence["end_date"].isna() | (presence["end_date"] > when))
    return presence[held]


def check_place_ids(gazetteer: pd.DataFrame, ids: Iterable[Any]) -> None:
    """ValueError, in one line, naming the ids ``gazetteer`` does not hold and the ids it does.

    The one rule for an unknown place, whoever asks: a map, a dossier, a distance.
    """
    known = set(gazetteer["id"])
    unknown = [i for i in dict.fromkeys(ids) if i not in known]
    if unknown:
        raise ValueError(
            f"no place {', '.join(map(repr, unknown))} in the gazetteer; valid ids: {', '.join(sorted(known))}"
        )


def places_by_id(gazetteer: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """The gazetteer rows for ``ids``, in that order; ValueError naming any id it does not hold."""
    check_place_ids(gazetteer, ids)
    out = gazetteer.set_index("id").loc[list(ids)].reset_index()
    out.attrs.update(gazetteer.attrs)
    return out


def bases_as_of(presence: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """The bases a map of ``as_of`` shows: those held that day, or every base ever held (None)."""
    if as_of is None:
        return presence
    return bases_held(presence_as_of(presence, as_of), as_of)


def declared_present(frame: pd.DataFrame, table: str, column: str) -> list[str]:
    """The declared values of ``table.column`` that occur in ``frame``, in declared order."""
    present = set(frame[column].astype(str))
    return [v for v in schema.enum(table, column) if v in present]


def milestones(events: pd.DataFrame, start: Any = None, end: Any = None) -> pd.DataFrame:
    """The milestone events dated within [start, end]."""
    flagged = events["milestone"].fillna(False).astype(bool)
    return keep(events, flagged & in_window(events, start, end))


def _isin(frame: pd.DataFrame, column: str, values: Sequence[str] | None) -> pd.Series:
    import pandas as pd

    return frame[column].isin(values) if values is not None else pd.Series(True, index=frame.index)


def select_troop_levels(
    troops: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
    operations: Sequence[str] | None = None,
    scopes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``troops`` dated within [start, end] for the given operations and scopes.

    ``operations=None`` means all; ``scopes=None`` means :data:`schema.SAHEL_SCOPES`, the theatre of the
    Sahel operations, so that the prepositioned bases elsewhere are drawn only when named.
    """
    from sahel_analysis.schema import SAHEL_SCOPES

    if scopes is None:
        scopes = list(SAHEL_SCOPES)
    mask = (
        in_window(troops, start, end)
        & _isin(troops, "operation", operations)
        & _isin(troops, "scope", scopes)
    )
    return keep(troops, mask)


def select_costs(
    costs: pd.DataFrame,
    *,
    start: int | None = None,
    end: int | None = None,
    coverages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``costs`` for years start..end (inclusive) and the given coverages.

    ``attrs["years"]`` holds the years asked for; an open end is the table's first or last year.
    """
    lo, hi = schema.bounds("costs", "year")
    first = start if start is not None else int(costs["year"].min()) if len(costs) else lo
    last = end if end is not None else int(costs["year"].max()) if len(costs) else hi
    mask = (costs["year"] >= first) & (costs["year"] <= last) & _isin(costs, "coverage", coverages)
    out = keep(costs, mask)
    out.attrs["years"] = (int(first), int(last))
    return out


def select_events(
    events: pd.DataFrame,
    *,
    start: DateLike = None,
    end: DateLike = None,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The events dated within [start, end] in the given categories (None: all)."""
    return keep(events, in_window(events, start, end) & _isin(events, "category", categories))
