"""Permalinks: every heading of a page gets an id from its words, every chart an id from its name.

An id is readable and stable: ``#key-figures``, ``#after-the-handovers``, ``#fig-troop-levels``.
It comes from the heading's text or the chart's name alone, never from a cell id or a count of
cells, so the same page gives the same ids build after build; a second heading with the same words
gets ``-2``. Each heading carries a link to itself (the "¶" shown on hover), so a reader can copy it.

Run over a whole rendered page, as text: the project's templates write every heading and chart, and
text from the data reaches a page escaped, so a ``<h2`` or a ``data-figure="`` in it is ours.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

__all__ = ["FIGURE_ATTRIBUTE", "add_anchors", "english_headings", "slug"]

FIGURE_ATTRIBUTE = "data-figure"  # the mark templates put on a chart's element: its name
MAX_SLUG = 60

# Two patterns that start with a literal, each found in one fast pass over a page of megabytes.
_HEADING = re.compile(r"<h(?P<level>[1-6])(?P<attrs>(?:\s[^>]*)?)>(?P<inner>.*?)</h(?P=level)>", re.DOTALL)
# nbconvert passes the page through BeautifulSoup, which quotes a value holding '"' with "'" instead.
_FIGURE = re.compile(FIGURE_ATTRIBUTE + r"""=(?:"(?P<figure>[^"]*)"|'(?P<figure1>[^']*)')""")
_SELF_LINK = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)
_ID = re.compile(r"""\sid=(?:"[^"]*"|'[^']*')""")
_TAG = re.compile(r"<[^>]+>")


def slug(text: str, fallback: str = "section") -> str:
    """Words as an id: 'Où est-ce ?' -> 'ou-est-ce', '2013–2025' -> '2013-2025'; a-z, 0-9 and hyphens.

    Cut at a word boundary to at most ``MAX_SLUG`` characters; ``fallback`` when nothing is left.
    """
    # Accents dropped (é -> e), apostrophes too (article's -> articles); any other mark, a dash
    # included, separates words.
    letters = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['’]", "", letters.lower())).strip("-")
    if len(words) > MAX_SLUG:
        words = words[: MAX_SLUG + 1].rsplit("-", 1)[0] if "-" in words[:MAX_SLUG] else words[:MAX_SLUG]
    return words or fallback


# A heading of a notebook's markdown: "## Key figures", or one written in HTML (the briefing's
# "After the handovers", which carries its own id).
_MARKDOWN_HEADING = re.compile(
    r"^#{1,6}[ \t]+(.+?)[ \t#]*$|<h[1-6][^>]*>(.*?)</h[1-6]>", re.MULTILINE | re.DOTALL
)
_PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s")


def _headings(markdown: str) -> list[str]:
    found = []
    for match in _MARKDOWN_HEADING.finditer(markdown):
        text = match.group(1) if match.group(1) is not None else match.group(2)
        found.append(html.unescape(_TAG.sub("", _SELF_LINK.sub("", text))))
    return found


@functools.cache
def english_headings(lang: str) -> dict[str, str]:
    """The English words of each heading the catalogue of ``lang`` translates, by the slug of its
    translation: what a page in ``lang`` makes its headings' ids from, so that a twin page has the
    ids of its English page (``#after-the-handovers`` on both).

    From whole messages ("How this page was made", "Briefings") and from the headings of the
    notebooks' markdown cells, paired in order when the cell and its translation have as many. A
    message with a placeholder (a page's title) cannot be read back, and keeps its own words.
    """
    from sahel_analysis.i18n import messages

    found: dict[str, str] = {}
    for english, text in messages(lang):
        if _PLACEHOLDER.search(english):
            continue
        theirs, ours = _headings(english), _headings(text)
        pairs = list(zip(ours, theirs, strict=True)) if theirs and len(theirs) == len(ours) else []
        if "\n" not in english.strip():
            pairs.append((text, english))
        for translated, original in pairs:
            found.setdefault(slug(translated), original)
    return found


def add_anchors(
    page: str, link_label: str = "Link to this section", english: dict[str, str] | None = None
) -> str:
    """``page`` with an id on every heading and every marked chart, unique within the page.

    A heading keeps its other attributes and gets one self-link (``link_label`` is its accessible
    name); a chart's mark becomes ``id="fig-NAME"``. ``english``: a page in another language
    makes a heading's id from its English words (:func:`english_headings`) where known.
    """
    taken: set[str] = set()

    def unique(base: str) -> str:
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        return name

    label = html.escape(link_label, quote=True)

    def heading(match: re.Match[str]) -> str:
        level, inner = match.group("level"), _SELF_LINK.sub("", match.group("inner"))
        attrs = _ID.sub("", match.group("attrs") or "")
        words = slug(html.unescape(_TAG.sub("", inner)))
        name = unique(slug(english[words]) if english and words in english else words)
        link = f'<a class="anchor-link" href="#{name}" aria-label="{label}">¶</a>'
        return f'<h{level} id="{name}"{attrs}>{inner}{link}</h{level}>'

    def figure(match: re.Match[str]) -> str:
        name = match.group("figure") if match.group("figure") is not None else match.group("figure1")
        return f'id="{unique("fig-" + slug(html.unescape(name), "figure"))}"'

    # Headings first, then charts: each in page order, so the same page gives the same ids.
    return _FIGURE.sub(figure, _HEADING.sub(heading, page))
