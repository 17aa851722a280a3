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
    "LANGUAGE_NAMES",
    "N_",
    "_",
    "country_name",
    "format_date",
    "format_number",
    "get_language",
    "language",
    "messages",
    "ngettext",
    "pgettext",
    "set_language",
    "text_column",
    "text_of",
]

LANGUAGES = ("en", "fr")
# Each language by its own name: how a link to a page in that language is labelled.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
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


@functools.cache
def messages(lang: str) -> tuple[tuple[str, str], ...]:
    """The catalogue of ``lang`` as (English message, translation) pairs: the translated singular
    messages (a plural's first form), in the catalogue's order; none for English."""
    if check_language(lang) == "en":
        return ()
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    with (mo if mo.is_file() else po).open("rb") as fp:
        catalog = read_mo(fp) if mo.is_file() else read_po(fp, locale=lang, domain=DOMAIN)
    pairs = []
    for message in catalog:
        english = message.id[0] if isinstance(message.id, tuple | list) else message.id
        text = message.string[0] if isinstance(message.string, tuple | list) else message.string
        if english and text and not message.fuzzy:
            pairs.append((str(english), str(text)))
    return tuple(pairs)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(_current).gettext(message) if _current != "en" else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    return translations(_current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where the same English words need another translation
    in ``context`` (a table's "to": until a date, or towards a place)."""
    return translations(_current).pgettext(context, message) if _current != "en" else message


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


# -- text from the data ------------------------------------------------------------------------
# The record carries its own French: ``title_fr`` beside ``title``, ``name_fr`` beside ``name_en``.
# One rule picks the column of the current language, with the English text where a cell is empty.


def _columns(columns: Any, column: str, lang: str) -> tuple[str, str | None]:
    """The English column of ``column`` (``title``, else ``title_en``) and the current language's."""
    english = column if column in columns else f"{column}_en"
    if lang == "en":
        return english, None
    own = f"{column}_{lang}"
    return english, own if own in columns else None


def text_column(frame: Any, column: str, *, lang: str | None = None) -> Any:
    """The text of ``column`` (e.g. "title", "name") in the current language, as a Series of ``frame``.

    ``title_fr`` in French, ``title`` in English (``name_en`` where the English is suffixed); a row
    whose French cell is empty shows its English text.
    """
    english, own = _columns(frame.columns, column, check_language(lang or _current))
    if own is None:
        return frame[english]
    given = frame[own].where(frame[own].map(lambda v: isinstance(v, str) and v.strip() != ""))
    return given.fillna(frame[english])


def text_of(row: Any, column: str, *, lang: str | None = None) -> Any:
    """One row's text of ``column`` in the current language (a mapping, a Series or a named tuple)."""
    fields = row.keys() if hasattr(row, "keys") else row._fields
    english, own = _columns(fields, column, check_language(lang or _current))
    get = row.get if hasattr(row, "get") else (lambda name: getattr(row, name))
    value = get(own) if own is not None else None
    return value if isinstance(value, str) and value.strip() else get(english)


def country_name(iso3: str, english: str | None = None, *, lang: str | None = None) -> str:
    """A country's name in the current language, from its ISO 3166 alpha-3 code (CLDR, through Babel).

    English keeps ``english`` when given (the record's and Natural Earth's own names); a code CLDR
    does not know (Natural Earth's Somaliland) keeps ``english``, else the code.
    """
    lang = check_language(lang or _current)
    if lang == "en" and english:
        return english
    from babel import Locale
    from babel.core import get_global

    aliases = get_global("territory_aliases").get(str(iso3).upper(), [])
    names = Locale.parse(lang).territories
    return names.get(aliases[0], english or str(iso3)) if aliases else english or str(iso3)
