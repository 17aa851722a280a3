"""The base map and its furniture, public (re-exported from `sahel_analysis.maps` for now)."""

# TEMPORARY shim until the viz package lands: the viz branch replaces this module with the real
# one, which defines these names itself.
from __future__ import annotations

from sahel_analysis import maps

layers = maps._layers
project_box = maps._project_box
auto_extent = maps._auto_extent
draw_base_map = maps._draw_base_map
style_frame = maps._style_frame
add_scale_bar = maps.add_scale_bar
add_north_arrow = maps.add_north_arrow
add_locator = maps._add_locator

__all__ = [
    "add_locator",
    "add_north_arrow",
    "add_scale_bar",
    "auto_extent",
    "draw_base_map",
    "layers",
    "project_box",
    "style_frame",
]
