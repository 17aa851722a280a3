"""An executed notebook as a self-contained HTML page (nbconvert, in this process).

The page opens with the reader's title (the notebook's :class:`sahel_analysis.pages.Page`) and ends
with a small "How this page was made" box: the package and data versions, the parameters and the
command that builds it again. Cells tagged ``remove-cell`` (a notebook's own heading and notes for
whoever edits it) are left out, and every heading and chart gets a permalink id (``anchors``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shlex
import threading
from pathlib import Path
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.i18n import _, get_language
from sahel_analysis.paths import NOTEBOOK_DIR, TEMPLATE_DIR
from sahel_analysis.report.anchors import add_anchors, english_headings
from sahel_analysis.report.plan import DEFAULT_LANG, twins

REMOVE_TAG = "remove-cell"  # Jupyter Book's name for a cell that is not part of the page

_local = threading.local()


def _exporter() -> Any:
    # One exporter per thread: building one reads and compiles the templates again.
    if getattr(_local, "exporter", None) is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        from sahel_analysis.markup import install_gettext

        _local.exporter = HTMLExporter(
            template_name="briefing",
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            filters={"csv_data_uri": csv_data_uri, "figure_name": figure_name},
            config=Config({"TagRemovePreprocessor": {"remove_cell_tags": [REMOVE_TAG]}}),
        )
        install_gettext(_local.exporter.environment)
    return _local.exporter


def warm_up() -> None:
    """Render an empty page, so that this thread's exporter has read and compiled its templates."""
    import nbformat

    render_html(nbformat.v4.new_notebook(), {}, "", "")


def csv_data_uri(text: str) -> str:
    """CSV text as a ``data:`` URI: the download works offline, from the page alone."""
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def figure_name(charts: list[dict[str, Any]], alt: str) -> str:
    """What a chart's permalink is made from: the name of the data it offers ("troop-levels").

    A figure of several charts takes the words their names share ("bases" for "bases-2014-08-01",
    "bases-2019-12-31"...); a chart that offers no data, its description.
    """
    names = [str(chart.get("name", "")).removesuffix(".csv").split("-") for chart in charts]
    if not names:
        return alt
    shared = []
    for words in zip(*names, strict=False):
        if len(set(words)) > 1:
            break
        shared.append(words[0])
    return "-".join(shared) or "-".join(names[0])


def built_stamp() -> str:
    """The build time, only when ``SOURCE_DATE_EPOCH`` asks for one (so the bytes stay the same)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if epoch else ""


def shown_value(value: Any) -> str:
    """A parameter's value as ``-p NAME VALUE`` takes it back: text as is where YAML reads it as text."""
    if isinstance(value, str):
        from sahel_analysis.report.plan import parse_value

        try:
            plain = parse_value("value", value) == value
        except Exception:  # noqa: BLE001 - any text YAML cannot take back is written quoted
            plain = False
        return value if plain else json.dumps(value, ensure_ascii=False)
    return "None" if value is None else json.dumps(value, ensure_ascii=False, default=str)


def rebuild_command(notebook: Path, params: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """The command that builds the page again: the notebook by name, its language (``--lang fr``),
    every parameter given with ``-p``.

    A notebook of the project's folder is named by its stem; another by its file name (the folder
    is the reader's own, and would make the page differ from one machine to the next).
    """
    name = notebook.stem if notebook.parent == NOTEBOOK_DIR else notebook.name
    words = ["sahel-analysis", "build", name, *(["--lang", lang] if lang != DEFAULT_LANG else [])]
    for key, value in sorted(params.items()):
        words += ["-p", key, shown_value(value)]
    return shlex.join(words)


def render_html(
    executed: Any,
    params: dict[str, Any],
    title: str,
    data: str,
    defaults: dict[str, str] | None = None,
    *,
    command: str = "",
    variant: str | None = None,
    page: str | None = None,
) -> bytes:
    """The page, in the current language: no input cells, no prompts, images embedded, nothing from
    the network.

    ``defaults``: what the parameters left at their default mean (``{"as_of": "the latest data"}``,
    in English: shown translated); ``command``: what builds the page again (:func:`rebuild_command`);
    ``variant``: the name of the parameter file it was built from, if any; ``page``: the page's
    file name without ``.html``, for the links to its twins in the other languages.
    """
    lang = get_language()
    made = {
        "versions": _(
            "Built with sahel-analysis {version} from the data version {data}, a hash of the data folder "
            "that changes whenever a data file does."
        ).format(version=__version__, data=data),
        "parameters": [(k, shown_value(v)) for k, v in sorted(params.items())],
        "defaults": [(k, _("{meaning} (default)").format(meaning=_(v))) for k, v in (defaults or {}).items()],
        "command": command,
        "variant": _("From the parameter file {name}.yaml.").format(name=variant) if variant else "",
        "built": built_stamp(),
    }
    resources = {
        "metadata": {"name": title},
        "briefing": {"title": title, "made": made, "twins": twins(lang, f"{page}.html") if page else []},
    }
    executed.metadata["title"] = title
    exporter = _exporter()
    exporter.language_code = lang  # <html lang>: nbconvert writes its own setting over the resources'
    body, _resources = exporter.from_notebook_node(executed, resources=resources)
    return add_anchors(body, _("Link to this section"), english_headings(lang)).encode("utf-8")
