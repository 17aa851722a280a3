"""How the charts of French bases show an operation or status: one colour and marker each, and the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sahel_analysis import footprint, schema
from sahel_analysis.viz.style import PALETTE

__all__ = [
    "BASE_SIZE",
    "FALLBACK_STYLE",
    "OPERATION_STYLES",
    "legend_handles",
    "operation_style",
    "operations_in_order",
]

# One (colour, marker) per operation or status: Okabe-Ito colours, shapes that differ too, so the
# key reads in grey print and for colour-blind readers.
OPERATION_STYLES: dict[str, tuple[str, str]] = {
    "Serval": (PALETTE["blue"], "o"),
    "Barkhane": (PALETTE["vermillion"], "s"),
    "Takuba": (PALETTE["purple"], "P"),
    "Sabre": (PALETTE["green"], "^"),
    "Epervier": (PALETTE["orange"], "D"),
    "prepositioned": (PALETTE["sky"], "v"),
    "shared_camp": (PALETTE["yellow"], "h"),
    "partnership": (PALETTE["grey"], "p"),
}
FALLBACK_STYLE = (PALETTE["black"], "X")

BASE_SIZE = 46.0  # marker area, points squared


def operation_style(operation: str) -> tuple[str, str]:
    """``(colour, marker)`` for an operation or status; a fallback for one not listed."""
    return OPERATION_STYLES.get(operation, FALLBACK_STYLE)


def operations_in_order(values: Any) -> list[str]:
    """The operations among ``values``, in the order datapackage.json declares them, others after."""
    present = list(dict.fromkeys(str(v) for v in values))
    declared = [v for v in schema.enum("presence", "operation") if v in present]
    return declared + [v for v in present if v not in declared]


def legend_handles(operations: Sequence[str]) -> list[Any]:
    """One legend entry (marker and label) per operation."""
    from matplotlib.lines import Line2D

    handles = []
    for op in operations:
        colour, marker = operation_style(op)
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker=marker,
                color=colour,
                mec="#333333",
                mew=0.5,
                ms=7,
                label=footprint.operation_label(op),
            )
        )
    return handles
