"""The reader's language: gettext catalogues for the words a page shows, Babel for dates and numbers.

Every string a reader sees (headings, sentences, table headers, chart titles, axis labels, legends,
source lines, alt text) is looked up with ``_`` in the catalogue of the current language; the
English text is the message id, so English needs no catalogue. Dates and numbers are written by
Babel with the language's conventions ("4 June 2021" / "4 juin 2021", "1,234.5" / "1 234,5").

The language is one setting for the whole process (a notebook's kernel runs one page), set by the
notebooks' ``lang`` parameter through ``set_language`` or for a block with ``language(...)``.

Catalogues live in ``locale/<lang>/LC_MESSAGES/sahel_analysis.po``, compiled to ``.mo`` at set-up
(``make setup``) and when the wheel is built. A missing ``.mo`` (an install made another way) is
compiled in memory from the ``.po`` on first use, so the words are never silently English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "format_date",
    "format_number",
    "get_language",
    "language",
    "ngettext",
    "set_language",
]

LANGUAGES = ("en", "fr")
DOMAIN = "sahel_analysis"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current = "en"


def set_language(lang: str) -> str:
    """Make ``lang`` ("en" or "fr") the language of every string and number written from now on."""
    global _current
    _current = check_language(lang)
    return _current


def get_language() -> str:
    return _current


def check_language(lang: Any) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {', '.join(map(repr, LANGUAGES))}, found {lang!r}")
    return lang


@contextmanager
def language(lang: str) -> Iterator[str]:
    """The block's strings and numbers in ``lang``; the language before is restored after it."""
    before = _current
    set_language(lang)
    try:
        yield lang
    finally:
        set_language(before)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (English: none, the message ids are English)."""
    check_language(lang)
    if lang == "en":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as fp:
            return gettext.GNUTranslations(fp)
    po = folder / f"{DOMAIN}.po"
    if not po.is_file():
        raise FileNotFoundError(f"{po}: the {lang!r} catalogue is missing")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_current).gettext(message) if _current != "en" else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    return translations(_current).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Mark ``message`` for the catalogue without translating it yet (module-level labels)."""
    return message


_DATE_PATTERNS = {"day": "d MMMM y", "month": "MMMM y", "year": "y"}
_SHORT_DATE_PATTERNS = {"day": "d MMM y", "month": "MMM y", "year": "y"}


def format_date(value: Any, precision: str = "day", *, short: bool = False, lang: str | None = None) -> str:
    """A date written out to the precision it is known: "4 June 2021", "juin 2021", "2021".

    French writes the first of a month "1er" ("1er août 2014"), as Babel's patterns do not.
    """
    from babel.dates import format_date as babel_date

    lang = check_language(lang or _current)
    day = value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(day, dt.date):
        import pandas as pd

        day = pd.Timestamp(value).date()
    patterns = _SHORT_DATE_PATTERNS if short else _DATE_PATTERNS
    text = babel_date(day, patterns.get(precision, patterns["day"]), locale=lang)
    if lang == "fr" and precision == "day" and day.day == 1:
        text = "1er" + text[1:]
    return text


def format_number(value: float, digits: int = 0, *, lang: str | None = None) -> str:
    """``value`` with the language's grouping and decimal mark, rounded to ``digits``:
    "1,234.5" in English, "1 234,5" in French (a narrow no-break space between the groups)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(value, digits), format=pattern, locale=check_language(lang or _current))
