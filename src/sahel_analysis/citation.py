"""Citing the curated tables: the sources behind rows, their publishers, and the line under a chart.

Every row of a curated table names its main source (``source_id``) and any corroborating ones
(``other_source_ids``, separated by ``;``), all ids of ``data/sources.csv``. The functions here turn
those ids into citations. They are pure: the sources table is passed in
(:func:`sahel_analysis.tables.load_sources`), never read here, so a chart or a table builder that
cites its rows reads no file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sahel_analysis.schema import LIST_SEPARATOR
from sahel_analysis.textfmt import joined

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SOURCE_COLUMNS", "cite", "low_confidence", "row_publishers", "source_ids", "source_line"]

# The columns that hold source ids, main source first.
SOURCE_COLUMNS = ("source_id", "other_source_ids")

# A row whose every source sits on a weak host (an aggregator, a mirror, a small site republishing
# wire copy) is kept with ``confidence = low``; an empty cell is an ordinary row.
LOW = "low"


def _ids(values: Iterable[Any]) -> list[str]:
    """The source ids in cells of the source columns, in order (a cell may hold several)."""
    import pandas as pd

    return [key for value in values if not pd.isna(value) for key in str(value).split(LIST_SEPARATOR)]


def source_ids(*frames: pd.DataFrame) -> list[str]:
    """The source ids cited by the rows of ``frames``, in order of first appearance."""
    seen: dict[str, None] = {}
    for frame in frames:
        for col in SOURCE_COLUMNS:
            if col in frame.columns:
                seen.update(dict.fromkeys(_ids(frame[col])))
    return list(seen)


def low_confidence(frame: pd.DataFrame) -> pd.Series:
    """For each row of ``frame``, whether it is marked ``confidence = low`` (False without the column)."""
    import pandas as pd

    if "confidence" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return (frame["confidence"].astype("string") == LOW).fillna(False).astype(bool)


def cite(*frames: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``sources`` behind ``frames`` (loaded or filtered), in citation order."""
    ids = source_ids(*frames)
    known = set(sources["id"])
    return sources.set_index("id").loc[[i for i in ids if i in known]].reset_index()


def row_publishers(frame: pd.DataFrame, sources: pd.DataFrame, *, leave_out: Iterable[str] = ()) -> list[str]:
    """For each row of ``frame``, the publishers of its sources, main source first, joined by "; " (:func:`sahel_analysis.i18n.joined`).

    The one rule for a table's "sources" column. A publisher is named once per row; an id that
    ``sources`` lacks is shown as the id. ``leave_out``: ids not to name (a source every row shares).
    """
    publisher = dict(zip(sources["id"], sources["publisher"], strict=True))
    skip = set(leave_out)
    columns = [frame[c] for c in SOURCE_COLUMNS if c in frame.columns]
    if not columns:
        return [""] * len(frame)
    return [
        joined(dict.fromkeys(publisher.get(i, i) for i in _ids(cells) if i not in skip))
        for cells in zip(*columns, strict=True)
    ]


def source_line(*frames: pd.DataFrame, sources: pd.DataFrame, limit: int | None = 12) -> str:
    """A short attribution for a chart: the publishers of the sources behind ``frames``.

    Publishers of the rows' main sources come first, then those of corroborating sources. Past
    ``limit`` publishers the rest are counted, not named: under a map of a dozen bases the full
    list runs to some 80 documents. Every document stays listed in ``data/sources.csv``.
    """
    from sahel_analysis.i18n import _, format_number, ngettext

    cited = cite(*frames, sources=sources)
    if cited.empty:
        return _("none")
    main = {i for f in frames if "source_id" in f.columns for i in _ids(f["source_id"])}
    ordered = cited.assign(main=~cited["id"].isin(main)).sort_values("main", kind="stable")
    publishers = list(dict.fromkeys(ordered["publisher"]))
    shown = publishers if limit is None else publishers[:limit]
    text = joined(shown)
    if len(publishers) > len(shown):
        more = len(publishers) - len(shown)
        text = ngettext(
            "{publishers} and {n} other publisher", "{publishers} and {n} other publishers", more
        ).format(publishers=text, n=format_number(more))
    n = len(cited)
    return ngettext(
        "{publishers} ({n} document, listed in data/sources.csv)",
        "{publishers} ({n} documents, listed in data/sources.csv)",
        n,
    ).format(publishers=text, n=format_number(n))
