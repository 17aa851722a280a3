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


MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def long_date(when: dt.date, precision: str = "day") -> str:
    """A date as the pages write it in English, to its precision: '4 June 2021', 'June 2021', '2021'."""
    if precision == "year":
        return str(when.year)
    if precision == "month":
        return f"{MONTHS[when.month - 1]} {when.year}"
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}"


def operation_years(last_year: int) -> dict[int, float]:
    """Per year up to ``last_year``, the operation's own cost: the best kind among the Serval,
    Barkhane and Sahel lines, the lowest where sources differ (from costs.csv)."""
    per_year: dict[int, tuple[int, float]] = {}
    for r in rows("costs"):
        year = int(r["year"])
        if r["coverage"] in ("serval", "barkhane", "sahel") and year <= last_year:
            candidate = (COST_RANK[r["cost_type"]], float(r["amount_eur_m"]))
            per_year[year] = min(per_year.get(year, candidate), candidate)
    return {year: amount for year, (_, amount) in per_year.items()}


def latest_data_date() -> dt.date:
    """The last date any of the events, troop levels and fatalities speaks of."""
    return max(day(r["date"]) for name in ("events", "troop_levels", "fatalities") for r in rows(name))


def low_ids(name: str) -> set[str]:
    """The ids of the rows of ``data/<name>.csv`` marked ``confidence = low``."""
    return {r["id"] for r in rows(name) if r.get("confidence") == "low"}


# The UCDP exports the shipped table is derived from (data/conflict/raw/, xz-compressed), by country.
UCDP_EXPORTS = {"Mali": "ucdp_ged_MLI_orig_Mali.csv.xz", "Burkina Faso": "ucdp_ged_BFA_orig_Burkina.csv.xz"}


def ucdp_export(country: str) -> list[dict[str, str]]:
    """The rows of UCDP's per-country export for ``country`` as text, read back from the kept input."""
    import io
    import lzma

    raw = lzma.decompress((DATA / "conflict" / "raw" / UCDP_EXPORTS[country]).read_bytes())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def ucdp_day(row: dict[str, str]) -> dt.date:
    """An export row's first day (``date_start`` as the export writes it: ``MM/DD/YYYY 00:00:00``)."""
    return dt.datetime.strptime(row["date_start"], "%m/%d/%Y %H:%M:%S").date()
