"""The record's French text: present for every row, and faithful to the English in its figures."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
# (table, English column, French column, required on every row)
PAIRS = [
    ("events", "title", "title_fr", True),
    ("events", "description", "description_fr", True),
    ("claims", "claim", "claim_fr", True),
    ("claims", "article_value", "article_value_fr", True),
    ("claims", "record_value", "record_value_fr", False),
    ("presence", "handed_to", "handed_to_fr", False),
]


def _rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _numbers(text: str) -> set[str]:
    """The figures in a text, whatever the grouping: "4,500", "4 500" and "4 500" are all 4500."""
    grouped = re.sub(r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}\b)", "", text)
    return set(re.findall(r"\d+", grouped))


@pytest.mark.parametrize(("table", "english", "french", "required"), PAIRS)
def test_every_row_has_its_french_text(table: str, english: str, french: str, required: bool) -> None:
    for line, row in enumerate(_rows(table), start=2):
        if required or row[english]:
            assert row[french].strip(), f"{table}.csv, line {line}, {row['id']}: {french} is empty"
        else:
            assert not row[french], f"{table}.csv, line {line}, {row['id']}: {french} given without {english}"


@pytest.mark.parametrize(("table", "english", "french"), [(t, e, f) for t, e, f, _ in PAIRS])
def test_the_french_text_keeps_every_figure_and_date(table: str, english: str, french: str) -> None:
    missing = [
        f"{row['id']}: {sorted(_numbers(row[english]) - _numbers(row[french]))}"
        for row in _rows(table)
        if _numbers(row[english]) - _numbers(row[french])
    ]
    assert not missing, f"{table}.{french} lacks figures of {english}: " + "; ".join(missing)


def test_descriptions_are_written_in_french_not_copied() -> None:
    for row in _rows("events"):
        assert row["description_fr"] != row["description"], row["id"]
        # A French sentence: its articles are there (a copied English one has none of them).
        assert re.search(r"\b(le|la|les|des|du|une?|l')\b", row["description_fr"], re.I), row["id"]
