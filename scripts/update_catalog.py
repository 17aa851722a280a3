"""Extract every string a reader sees into the message template, and merge it into each catalogue.

Sources: the library's Python (``_``, ``N_`` and ``ngettext``), the report's Jinja templates
(``{% trans %}`` and ``_()``), and the notebooks' markdown cells, each cell one message (the build
shows a French page's prose from the catalogue). New messages arrive untranslated in
``locale/<lang>/LC_MESSAGES/sahel_analysis.po``; messages no longer used are dropped.

Run:  .venv/bin/python scripts/update_catalog.py            (make catalog)
      .venv/bin/python scripts/update_catalog.py --check    (exit 1 when the template is stale)
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "sahel_analysis"
LOCALE = PACKAGE / "locale"
DOMAIN = "sahel_analysis"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
# Fixed, so that re-extracting unchanged sources rewrites nothing (readable diffs).
STAMP = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
# "gettext": the singular {% trans %} blocks of the templates (Jinja names them so).
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


# A parameter left at None, and what its help says None means ("as_of: ... None: the latest data"),
# as sahel_analysis.report.notebooks.default_meanings reads it for a page's "How this page was made".
_NONE_PARAMETER = re.compile(r"^\s*\w+\s*(?::[^=#]+)?=\s*None\s*#(?P<help>.*)$", re.MULTILINE)
_MEANING = re.compile(r"None:\s*([^;)]+)")


def notebook_messages(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """A Babel extractor for notebooks: each markdown cell is one message (its index as line), and
    what each parameter left at None means (a page's "How this page was made" shows it)."""
    nb = json.load(fileobj)
    for index, cell in enumerate(nb.get("cells", [])):
        text = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and text.strip():
            yield index + 1, None, text, []
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            for line in _NONE_PARAMETER.finditer(text):
                if meaning := _MEANING.search(line.group("help")):
                    yield (
                        index + 1,
                        None,
                        meaning.group(1).strip(),
                        ["What the parameter left at None means."],
                    )


def _sources() -> Iterator[tuple[Path, Any]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, "python"
    for path in sorted((PACKAGE / "report" / "templates").rglob("*.j2")):
        yield path, babel_extract
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        yield path, notebook_messages


def template() -> Catalog:
    catalog = Catalog(
        project="sahel-analysis",
        domain=DOMAIN,
        charset="utf-8",
        fuzzy=False,
        creation_date=STAMP,
        revision_date=STAMP,
    )
    for path, method in _sources():
        options = {"extensions": "jinja2.ext.i18n", "trimmed": "true"} if method is babel_extract else {}
        with path.open("rb") as fp:
            for lineno, message, comments, context in extract(
                method, fp, KEYWORDS, comment_tags=("Translators:",), options=options, strip_comment_tags=True
            ):
                where = (path.relative_to(ROOT).as_posix(), lineno)
                catalog.add(message, locations=[where], auto_comments=comments, context=context)
    return catalog


def _written(catalog: Catalog, **kw: Any) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=False, sort_output=True, width=100, include_lineno=False, **kw)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the template is stale")
    args = parser.parse_args(argv)
    fresh = template()
    text = _written(fresh)
    if args.check:
        old = TEMPLATE.read_bytes() if TEMPLATE.is_file() else b""
        stale = {m.id for m in fresh if m.id} ^ {m.id for m in read_po(io.BytesIO(old)) if m.id}
        if stale:
            print(f"{TEMPLATE.relative_to(ROOT)} is stale ({len(stale)} messages differ): run `make catalog`")
            return 1
        return 0
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(text)
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = po.parts[-3]
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=DOMAIN)
        # No fuzzy guesses: a message that changed is translated again, by a person.
        catalog.update(fresh, no_fuzzy_matching=True)
        catalog.creation_date = catalog.revision_date = STAMP
        po.write_bytes(_written(catalog, ignore_obsolete=True))
        # A plural message is a tuple of forms, each to be translated.
        untranslated = sum(1 for m in catalog if m.id and not all(m.string if m.pluralizable else [m.string]))
        print(f"{po.relative_to(ROOT)}: {len(catalog)} messages, {untranslated} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
