"""``index.html``: one entry per page in the output folder, grouped, from a Jinja template, all text escaped.

Briefings come first, by date, then the place dossiers, by place, then the analyses, in the order of
their notebooks. Each entry is the page's title and its one-line summary, both written by the
notebook (:mod:`sahel_analysis.pages`). A default page whose parameters a named set repeats
(``08_place`` and ``08_place--gao``) is one page: only the named one is listed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.atomic import atomic_write
from sahel_analysis.i18n import N_, _, get_language
from sahel_analysis.pages import GROUPS, read_page
from sahel_analysis.paths import TEMPLATE_DIR
from sahel_analysis.report.notebooks import notebook_title
from sahel_analysis.report.state import PROFILE_FILE, STATE_DIR, data_version, own_file, read_own, read_record

INDEX_KEY = "index.key"  # a hash of what index.html shows
THUMBNAIL_PREFIX = "data:image/png;base64,"
GROUP_HEADINGS = {
    "briefing": N_("Briefings"),
    "dossier": N_("Place dossiers"),
    "analysis": N_("Analyses"),
}


def page_entry(executed: Any, notebook: Path) -> dict[str, Any]:
    """What the index needs of a page: title, summary, group, order and key.

    From the page the notebook displayed (:func:`sahel_analysis.pages.read_page`); a notebook that
    displays none (one of a reader's own) is an analysis titled by its first Markdown heading.
    """
    page = read_page(executed)
    if page is not None:
        return {k: page.get(k) for k in ("title", "summary", "group", "order", "key")}
    title, summary = notebook_title(executed, notebook.stem)
    return {"title": title, "summary": summary, "group": "analysis", "order": "", "key": None}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _entries(out: Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted((out / STATE_DIR).glob("*.json")):
        if path.name == PROFILE_FILE:
            continue
        record = read_record(path, warn=lambda _msg: None)  # the build has warned already
        # The page a record names is the one the build writes for it, nothing else: a record
        # edited to point at another file or a "javascript:" address is not listed.
        html = record.get("html")
        if record.get("status") == "built" and html == f"{path.stem}.html" and own_file(out / html):
            thumbnail = record.get("thumbnail")
            if not (isinstance(thumbnail, str) and thumbnail.startswith(THUMBNAIL_PREFIX)):
                record["thumbnail"] = None
            if record.get("group") not in GROUPS:
                record["group"] = "analysis"
            record["title"], record["summary"] = _text(record.get("title")), _text(record.get("summary"))
            entries.append(record)
    return _without_repeats(entries)


def _identity(entry: dict[str, Any]) -> str | None:
    """What makes a page what it is: its notebook and the parameters it ran with (None: unknown)."""
    key = entry.get("key")
    if key is None:
        return None
    return json.dumps([entry.get("notebook"), key], sort_keys=True, default=str)


def _without_repeats(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out a default page (no named set) when a named set of its notebook gives the same page."""
    named = {_identity(e) for e in entries if e.get("variant")} - {None}
    return [e for e in entries if e.get("variant") or _identity(e) not in named]


def groups(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries in the index's groups and order; empty groups are left out.

    Within a group, by ``order`` (a briefing's date, a dossier's place), then by page file name,
    which starts with the notebook's number.
    """
    grouped = []
    for group in GROUPS:
        mine = [e for e in entries if e["group"] == group]
        if mine:
            mine.sort(key=lambda e: (_text(e.get("order")), e["html"]))
            grouped.append({"id": group, "heading": _(GROUP_HEADINGS[group]), "entries": mine})
    return grouped


def render_index(entries: list[dict[str, Any]], data: str) -> str:
    from sahel_analysis.markup import environment  # Jinja, autoescaped: titles are text, never markup
    from sahel_analysis.report.anchors import add_anchors, english_headings
    from sahel_analysis.report.plan import twins

    lang = get_language()
    template = environment().get_template("index.html.j2")
    page = template.render(
        groups=groups(entries),
        lang=lang,
        twins=twins(lang, "index.html"),
        footer=_("sahel-analysis {version}, data version {data}").format(version=__version__, data=data),
    )
    return add_anchors(page, _("Link to this section"), english_headings(lang))


def write_index(out: Path, data: str | None = None) -> Path:
    """Write ``out/index.html`` listing the pages recorded as built, grouped, with title and summary.

    Skipped when what it would show has not changed (Jinja takes half a second to import, which
    would be most of a no-op build).
    """
    index = out / "index.html"
    entries, data = _entries(out), data or data_version()
    template = (TEMPLATE_DIR / "index.html.j2").read_bytes()
    payload = json.dumps([entries, data, __version__, get_language()], sort_keys=True, default=str).encode()
    key = hashlib.sha256(template + payload).hexdigest()
    stamp = out / STATE_DIR / INDEX_KEY
    if own_file(index) and read_own(stamp, limit=len(key)) == key.encode():
        return index
    atomic_write(index, render_index(entries, data).encode("utf-8"))
    atomic_write(stamp, key.encode())
    return index
