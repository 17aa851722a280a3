"""Shared test set-up: every figure is drawn headless, with the same renderer everywhere."""

from __future__ import annotations

import matplotlib

# pyplot picks its backend lazily, so setting it before any test imports pyplot applies to all.
matplotlib.use("Agg")
