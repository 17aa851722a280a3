"""Text as HTML: every fragment a notebook displays is rendered from a Jinja template, autoescaped.

This is the one escaping path for what the library writes into a page: tables, headings, notes, the
briefing's opening paragraph, an embedded image's alt text. A value from the data (a place's name,
an event's title, a source's URL) goes into a template as text and comes out escaped, whatever it
holds; no function here pastes text into markup itself. A notebook displays the result with
``IPython.display.HTML``, never ``Markdown`` built from data (Markdown passes raw HTML and
``javascript:`` links through).

The templates live with the report's, in ``report/templates/fragments/``, so that all the project's
HTML is in one folder. They are found through :mod:`sahel_analysis.paths`, the bottom layer: this
module imports neither the report nor anything above the notebooks, which use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from sahel_analysis.i18n import N_, _
from sahel_analysis.paths import TEMPLATE_DIR

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

__all__ = [
    "environment",
    "heading_html",
    "image_html",
    "mark_low_confidence",
    "paragraph_html",
    "paragraphs_html",
    "render",
    "table_html",
    "table_or_note",
]

# A cell that is one web address becomes a link; anything else (javascript:, data:...) stays text.
_LINK = re.compile(r"https?://\S+")

# A table holding low-confidence rows (``confidence = low`` in the data) says which, in a column of
# its own, and what that means, in a note under it.
CONFIDENCE_COLUMN = N_("confidence")
CONFIDENCE_HEADING = N_("Confidence")  # in a table whose headings are capitalised
LOW_CONFIDENCE = N_("low")
LOW_CONFIDENCE_NOTE = N_(
    "Confidence “low”: the row rests, in whole or in part, on facts found only on republishing "
    "sites (aggregators, mirrors or small sites reprinting wire copy), not in the original report."
)
_CONFIDENCE_ATTR = "low_confidence_column"


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the project's own templates (fragments and the index page)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every value is text, never markup
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return install_gettext(env)


def install_gettext(env: jinja2.Environment) -> jinja2.Environment:
    """Give ``env`` the catalogue: ``{% trans %}`` blocks and ``_()`` in templates, in the current language.

    New-style gettext: a translated message is escaped like any value, and its ``%(name)s``
    placeholders are filled from the keywords given.
    """
    from sahel_analysis import i18n

    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n._(message), i18n.ngettext, newstyle=True
    )
    return env


def render(fragment: str, **context: Any) -> str:
    """The fragment ``fragments/NAME.html.j2`` rendered with ``context``, without a final newline."""
    return environment().get_template(f"fragments/{fragment}.html.j2").render(**context).rstrip("\n")


def paragraph_html(text: str) -> str:
    """``text`` as a paragraph."""
    return render("paragraph", text=text)


def paragraphs_html(texts: Iterable[str]) -> str:
    """Each of ``texts`` as a paragraph, in order."""
    return "".join(paragraph_html(t) for t in texts)


def heading_html(text: str, level: int = 2) -> str:
    """``text`` as a heading (``level`` 1 to 6)."""
    if not 1 <= level <= 6:
        raise ValueError(f"level: expected 1 to 6, found {level!r}")
    return render("heading", text=text, level=level)


def image_html(src: str, alt: str, class_: str) -> str:
    """An image the library embedded (``src`` a ``data:`` URI it built), with its alt text."""
    if not src.startswith("data:image/"):
        raise ValueError("src: expected a data:image/ URI built by the library")
    return render("image", src=src, alt=alt, class_=class_)


def _cell(value: Any) -> dict[str, Any]:
    import pandas as pd

    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return {"text": "", "link": False}
    text = str(value)
    return {"text": text, "link": bool(_LINK.fullmatch(text))}


def mark_low_confidence(table: pd.DataFrame, low: Any) -> pd.DataFrame:
    """``table`` with a "confidence" column saying "low" on the rows flagged in ``low``, if any is.

    ``low``: one flag per row of ``table`` (e.g. :func:`sahel_analysis.citation.low_confidence` of
    the rows it shows). :func:`table_html` then writes under the table what "low" means. A table
    with no low row is returned as it is.
    """
    flags = [bool(v) for v in low]
    if len(flags) != len(table):
        raise ValueError(f"low: expected one flag per row ({len(table)}), found {len(flags)}")
    if not any(flags):
        return table
    capitalised = all(str(c)[:1].isupper() for c in table.columns)
    column = _(CONFIDENCE_HEADING if capitalised else CONFIDENCE_COLUMN)
    marked = table.copy()
    marked[column] = [_(LOW_CONFIDENCE) if flag else "" for flag in flags]
    marked.attrs[_CONFIDENCE_ATTR] = column
    return marked


def _low_confidence_note(frame: pd.DataFrame) -> str | None:
    column = frame.attrs.get(_CONFIDENCE_ATTR)
    if column in frame.columns and (frame[column].astype(str) != "").any():
        return _(LOW_CONFIDENCE_NOTE)
    return None


def table_html(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A table for the HTML briefing: every cell and heading escaped, nothing truncated, URLs as links.

    Not pandas' ``to_html``: its ``render_links`` writes the href unescaped, so a '"' in a URL
    would open an attribute. A table marked by :func:`mark_low_confidence` that still shows a low
    row is followed by the note saying what "low" means.
    """
    rows = [
        {"label": str(label), "cells": [_cell(v) for v in values]}
        for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True)
    ]
    name = frame.index.name
    table = render(
        "table",
        columns=[str(c) for c in frame.columns],
        rows=rows,
        index=index,
        index_name=None if name is None else str(name),
    )
    note = _low_confidence_note(frame)
    return table if note is None else f"{table}\n{paragraph_html(note)}"


def table_or_note(frame: pd.DataFrame, note: str) -> str:
    """:func:`table_html` of ``frame``, or ``note`` as a paragraph when it has no rows.

    ``note``: a message of the catalogue (e.g. :data:`sahel_analysis.dossier.NO_BASE_NOTE`), shown in
    the reader's language, or text already written in it.
    """
    if len(frame):
        return table_html(frame)
    return paragraph_html(_(note) if note else note)
