"""Expectations read straight from data/*.csv with the csv module, not through the package's loaders.

A wrong rule in the library cannot agree with itself here: these helpers parse the files and apply
the documented rules (the best cost figure, the publishers cited) on their own.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"

# The best cost figure, as the data documentation states it: spent, else an estimate, else the budget voted.
COST_RANK = {"executed": 0, "estimate": 1, "budget": 2}


def rows(name: str) -> list[dict[str, str]]:
    """The rows of ``data/<name>.csv`` as text."""
    with open(DATA / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def day(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def cited_ids(frames: Iterable[object]) -> list[str]:
    """The source ids in the ``source_id`` and ``other_source_ids`` cells of frames' rows, in order."""
    ids: dict[str, None] = {}
    for frame in frames:
        for column in ("source_id", "other_source_ids"):
            if column in frame.columns:  # type: ignore[attr-defined]
                for cell in frame[column]:  # type: ignore[index]
                    if isinstance(cell, str) and cell:
                        ids.update(dict.fromkeys(cell.split(";")))
    return list(ids)


def publishers(ids: Iterable[str]) -> set[str]:
    """The publishers ``data/sources.csv`` gives for ``ids``."""
    by_id = {r["id"]: r["publisher"] for r in rows("sources")}
    return {by_id[i] for i in ids}


def best_costs(years: Iterable[int] | None = None, coverages: Iterable[str] | None = None) -> dict:
    """``{(year, coverage): (cost_type, lowest amount of that type)}`` of the best kind per year and coverage."""
    wanted_years = None if years is None else set(years)
    wanted_covs = None if coverages is None else set(coverages)
    best: dict[tuple[int, str], tuple[str, float]] = {}
    for r in rows("costs"):
        key = (int(r["year"]), r["coverage"])
        if (wanted_years is not None and key[0] not in wanted_years) or (
            wanted_covs is not None and key[1] not in wanted_covs
        ):
            continue
        candidate = (r["cost_type"], float(r["amount_eur_m"]))
        held = best.get(key)
        if held is None or (COST_RANK[candidate[0]], candidate[1]) < (COST_RANK[held[0]], held[1]):
            best[key] = candidate
    return best


def cpi() -> dict[int, float]:
    """INSEE's annual index by year."""
    return {int(r["year"]): float(r["index"]) for r in rows("cpi")}


def low_ids(name: str) -> set[str]:
    """The ids of the rows of ``data/<name>.csv`` marked ``confidence = low``."""
    return {r["id"] for r in rows(name) if r.get("confidence") == "low"}
