"""How numbers, dates and names are written: dates to their precision, spans, round numbers, lists."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "count_of_years",
    "date_text",
    "euros",
    "join_names",
    "joined",
    "list_text",
    "nice_number",
    "year_list",
    "year_range",
    "year_spans",
]

_ISO = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_STYLES = ("iso", "long")


def date_text(date: Any, precision: str = "day", style: str = "iso") -> str:
    """A date written to the precision it is known.

    ``iso``: ``2021-04-01`` (day), ``2021-04`` (month), ``2021`` (year), the same in every
    language. ``long``: ``1 April 2021``, ``April 2021``, ``2021`` in the current language
    (:func:`sahel_analysis.i18n.format_date`: ``1er avril 2021``). An unknown precision is written
    as a day.
    """
    import pandas as pd

    if style not in _STYLES:
        raise ValueError(f"style: expected one of {', '.join(_STYLES)}, found {style!r}")
    if style == "long":
        from sahel_analysis.i18n import format_date

        return format_date(pd.Timestamp(date), precision if precision in _ISO else "day")
    return pd.Timestamp(date).strftime(_ISO.get(precision, _ISO["day"]))


def _spans(years: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive years, as (first, last) pairs."""
    spans: list[list[int]] = []
    for y in years:
        if spans and y == spans[-1][1] + 1:
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return [(a, b) for a, b in spans]


def year_spans(years: Iterable[int]) -> str:
    """2015, 2016, 2017, 2020 -> '2015–2017, 2020'."""
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in _spans(years))


def nice_number(target: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``target`` (> 0): a length or step a reader can read."""
    if not target > 0:
        raise ValueError(f"expected a positive number, found {target!r}")
    exp = 10 ** math.floor(math.log10(target))
    return max(m * exp for m in (1, 2, 5, 10) if m * exp <= target)


def join_names(names: Sequence[str], last: str | None = None) -> str:
    """'A', 'A and B', 'A, B and C' in the current language (:func:`list_text`); with ``last``, joined
    by it instead of the word "and" ('A, B & C')."""
    if last is None:
        return list_text(names)
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


# Babel's lists in English put a comma before "and"; the project writes British English ("a, b and c").
_LIST_LOCALES = {"en": "en_GB"}


def list_text(items: Sequence[str]) -> str:
    """Items as a reader's list in the current language: 'A', 'A and B', 'A, B and C' ('A, B et C')."""
    from babel.lists import format_list

    from sahel_analysis.i18n import get_language

    lang = get_language()
    return format_list(list(items), locale=_LIST_LOCALES.get(lang, lang)) if items else ""


def joined(parts: Iterable[str]) -> str:
    """Parts of a source line, or the publishers of a row, one after the other with the language's
    separator: "; " in English, a narrow no-break space before the semicolon in French."""
    from sahel_analysis.i18n import pgettext

    # Translators: French puts a narrow no-break space (U+202F) before the semicolon.
    return pgettext("list separator", "; ").join(parts)


def count_of_years(n: int) -> str:
    """ "1 year", "12 years" ("1 année", "12 années"): a count of years for a chart's description."""
    from sahel_analysis.i18n import format_number, ngettext

    return ngettext("{n} year", "{n} years", n).format(n=format_number(n))


def year_range(first: int, last: int) -> str:
    """'2013–2025', or '2013' when both are the same year."""
    return str(first) if first == last else f"{first}–{last}"


def year_list(years: Iterable[int]) -> str:
    """Years as a reader's list, runs as spans: 2015, 2017, 2018, 2020 -> '2015, 2017–18 and 2020'.

    English shortens a span within one century ('2017–18'); French writes both years ('2017–2018').
    """
    from sahel_analysis.i18n import get_language

    short = get_language() == "en"
    return list_text(
        [
            str(a) if a == b else f"{a}–{b % 100:02d}" if short and a // 100 == b // 100 else f"{a}–{b}"
            for a, b in _spans(sorted(set(years)))
        ]
    )


def euros(millions: float) -> str:
    """An amount given in millions of euros, rounded as a reader takes it in: '€4.4 bn', '€860 million'.

    From a billion up, one decimal of billions; below, whole millions.
    """
    from sahel_analysis.i18n import _, format_number

    if abs(millions) >= 1000:
        return _("€{amount} bn").format(amount=format_number(millions / 1000, 1))
    return _("€{amount} million").format(amount=format_number(millions))
