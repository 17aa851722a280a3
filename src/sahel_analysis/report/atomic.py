"""Whole-file writes for the report: the package's one implementation, `sahel_analysis.atomic`."""

from __future__ import annotations

from sahel_analysis.atomic import atomic_write

__all__ = ["atomic_write"]
