"""A small PNG of a page's first figure, for the index, as a ``data:`` URI (embedded, nothing fetched)."""

from __future__ import annotations

import base64
import io
from typing import Any

WIDTH = 280  # pixels; shown at half that on the index, so it stays sharp on a high-density screen
COLOURS = 64  # a palette: a fifth of the bytes of full colour, and charts use few colours anyway


def first_figure(executed: Any) -> bytes | None:
    """The PNG bytes of the first image output of an executed notebook, or None."""
    for cell in executed.get("cells", []):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png if isinstance(png, str) else "".join(png))
    return None


def thumbnail_uri(executed: Any, width: int = WIDTH) -> str | None:
    """The first figure scaled down to ``width`` pixels, as a PNG ``data:`` URI; None without a figure.

    The same figure gives the same bytes: Pillow writes no time or software chunk.
    """
    png = first_figure(executed)
    if png is None:
        return None
    from PIL import Image  # only when a page is rendered: a no-op build never imports it

    try:
        return _scaled(png, width)
    except (Image.DecompressionBombError, OSError, ValueError):  # a figure too large or not a PNG
        return None  # the index shows its "no figure" box; the page itself is unaffected


def _scaled(png: bytes, width: int) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        # Scaled first, then laid on white: the large image is read once and never copied.
        # reducing_gap: a cheap box reduction to twice the size, then Lanczos for the last step.
        image.thumbnail((width, image.height), Image.Resampling.LANCZOS, reducing_gap=2.0)
        small = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        small.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()
        small.quantize(colors=COLOURS, dither=Image.Dither.NONE).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
