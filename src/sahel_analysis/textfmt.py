"""How numbers, dates and names are written: dates to their precision, spans, round numbers, lists."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["date_text", "join_names", "nice_number", "year_spans"]

_FORMATS = {
    "iso": {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"},
    "long": {"day": "%d %B %Y", "month": "%B %Y", "year": "%Y"},
}


def date_text(date: Any, precision: str = "day", style: str = "iso") -> str:
    """A date written to the precision it is known.

    ``iso``: ``2021-04-01`` (day), ``2021-04`` (month), ``2021`` (year). ``long``: ``1 April 2021``,
    ``April 2021``, ``2021``. An unknown precision is written as a day.
    """
    import pandas as pd

    if style not in _FORMATS:
        raise ValueError(f"style: expected one of {', '.join(_FORMATS)}, found {style!r}")
    formats = _FORMATS[style]
    text = pd.Timestamp(date).strftime(formats.get(precision, formats["day"]))
    return text.lstrip("0") if style == "long" else text


def year_spans(years: Iterable[int]) -> str:
    """2015, 2016, 2017, 2020 -> '2015–2017, 2020'."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def nice_number(target: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``target`` (> 0): a length or step a reader can read."""
    if not target > 0:
        raise ValueError(f"expected a positive number, found {target!r}")
    exp = 10 ** math.floor(math.log10(target))
    return max(m * exp for m in (1, 2, 5, 10) if m * exp <= target)


def join_names(names: Sequence[str], last: str = " and ") -> str:
    """'A', 'A and B', 'A, B and C'."""
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
