"""sahel-analysis: sourced data, loaders and plots on the French intervention in Mali and the Sahel.

The public names below are imported on first use, so ``import sahel_analysis`` stays fast and never
pulls in papermill, nbconvert or pandera before they are needed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "tables": [
        "DataError",
        "load_sources",
        "load_places",
        "load_events",
        "load_troop_levels",
        "load_costs",
        "load_fatalities",
        "load_presence",
        "load_cpi",
    ],
    "citation": ["cite", "source_line"],
    "select": ["bases_held", "select_troop_levels", "select_costs", "select_events"],
    "measures": ["annual_costs", "to_constant_euros", "total_cost", "peak_troop_level"],
    "viz.style": ["house_style", "PALETTE", "add_source_line"],
    "viz.placemap": ["plot_map"],
    "viz.troops": ["plot_troop_levels"],
    "viz.costs": ["plot_costs"],
    "viz.timeline": ["plot_timeline"],
    "briefing": ["events_table"],
    "geo": [
        "load_countries",
        "load_regions",
        "load_river",
        "load_populated_places",
        "load_map_layers",
        "distance_km",
    ],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"sahel_analysis.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'sahel_analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
