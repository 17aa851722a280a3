"""``index.html``: every good briefing in the output folder, from a Jinja template, all text escaped."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.atomic import atomic_write
from sahel_analysis.paths import TEMPLATE_DIR
from sahel_analysis.report.state import PROFILE_FILE, STATE_DIR, data_version, own_file, read_own, read_record

INDEX_KEY = "index.key"  # a hash of what index.html shows
THUMBNAIL_PREFIX = "data:image/png;base64,"


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
            entries.append(record)
    return entries


def parameter_lines(entries: list[dict[str, Any]]) -> list[list[str]]:
    """Per entry, its parameters as shown on the index: those given, and what a default means.

    A default is explained where another page of the same notebook sets that parameter: next to
    "as_of = 2021-06-04", the default briefing says "as_of: the latest data (default)".
    """
    set_by: dict[Any, set[str]] = {}
    for entry in entries:
        set_by.setdefault(entry.get("notebook"), set()).update(entry.get("params") or {})
    lines = []
    for entry in entries:
        given = [f"{k} = {v}" for k, v in sorted((entry.get("params") or {}).items())]
        varied = set_by.get(entry.get("notebook"), set())
        meant = [f"{k}: {v} (default)" for k, v in (entry.get("defaults") or {}).items() if k in varied]
        lines.append(given + meant)
    return lines


def render_index(entries: list[dict[str, Any]], data: str) -> str:
    from sahel_analysis.markup import environment  # Jinja, autoescaped: titles are text, never markup

    rows = [{**e, "shown_params": p} for e, p in zip(entries, parameter_lines(entries), strict=True)]
    template = environment().get_template("index.html.j2")
    return template.render(entries=rows, version=__version__, data_version=data)


def write_index(out: Path, data: str | None = None) -> Path:
    """Write ``out/index.html`` listing the briefings recorded as built, with title and summary.

    Skipped when what it would show has not changed (Jinja takes half a second to import, which
    would be most of a no-op build).
    """
    index = out / "index.html"
    entries, data = _entries(out), data or data_version()
    template = (TEMPLATE_DIR / "index.html.j2").read_bytes()
    payload = json.dumps([entries, data, __version__], sort_keys=True, default=str).encode()
    key = hashlib.sha256(template + payload).hexdigest()
    stamp = out / STATE_DIR / INDEX_KEY
    if own_file(index) and read_own(stamp, limit=len(key)) == key.encode():
        return index
    atomic_write(index, render_index(entries, data).encode("utf-8"))
    atomic_write(stamp, key.encode())
    return index
