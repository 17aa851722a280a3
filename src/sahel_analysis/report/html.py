"""An executed notebook as a self-contained HTML briefing (nbconvert, in this process)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import threading
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.paths import TEMPLATE_DIR

_local = threading.local()


def _exporter() -> Any:
    # One exporter per thread: building one reads and compiles the templates again.
    if getattr(_local, "exporter", None) is None:
        from nbconvert import HTMLExporter

        _local.exporter = HTMLExporter(
            template_name="briefing",
            extra_template_basedirs=[str(TEMPLATE_DIR)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            filters={"csv_data_uri": csv_data_uri},
        )
    return _local.exporter


def warm_up() -> None:
    """Render an empty page, so that this thread's exporter has read and compiled its templates."""
    import nbformat

    render_html(nbformat.v4.new_notebook(), {}, "", "")


def csv_data_uri(text: str) -> str:
    """CSV text as a ``data:`` URI: the download works offline, from the page alone."""
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def built_stamp() -> str:
    """The build time, only when ``SOURCE_DATE_EPOCH`` asks for one (so the bytes stay the same)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if epoch else ""


def render_html(
    executed: Any, params: dict[str, Any], title: str, data: str, defaults: dict[str, str] | None = None
) -> bytes:
    """The briefing page: no input cells, no prompts, images embedded, nothing from the network.

    ``defaults``: what the parameters left at their default mean (``{"as_of": "the latest data"}``).
    """
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())) or "defaults"
    meanings = "; ".join(f"{k}: {v}" for k, v in (defaults or {}).items())
    resources = {
        "metadata": {"name": title},
        "briefing": {
            "title": title,
            "parameters": shown,
            "defaults": meanings,
            "data_version": data,
            "package_version": __version__,
            "built": built_stamp(),
        },
    }
    executed.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(executed, resources=resources)
    return body.encode("utf-8")
