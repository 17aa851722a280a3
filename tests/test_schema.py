"""The fast validation path (pandera, generated from datapackage.json) agrees with frictionless."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from sahel_analysis import schema, tables
from sahel_analysis.paths import DATA_DIR

# (row index, column, bad value): one of each kind of constraint the package declares.
CORRUPTIONS = {
    "events.csv": [
        (0, "category", "skirmish"),  # enum
        (1, "date", "2013-02-30"),  # type
        (2, "country_iso3", "mali"),  # pattern
        (3, "title", "x" * 61),  # maxLength
        (4, "description", ""),  # required
        (5, "place_id", "atlantis"),  # foreign key
    ],
    "places.csv": [
        (1, "latitude", "123.4"),  # maximum
        (2, "longitude", "east"),  # type
        (3, "kind", "metropolis"),  # enum
    ],
    "costs.csv": [
        (0, "year", "2031"),  # range
        (1, "amount_eur_m", "-5"),  # minimum
    ],
}
LOADERS = {"events.csv": tables.load_events, "places.csv": tables.load_places, "costs.csv": tables.load_costs}


def _corrupt(path: Path, edits: list[tuple[int, str, str]]) -> set[tuple[int, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row, column, value in edits:
        rows[row][column] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return {(row + 2, column) for row, column, _ in edits}  # CSV line numbers, under the header


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory) -> tuple[Path, dict[str, set[tuple[int, str]]]]:
    target = tmp_path_factory.mktemp("pkg") / "data"
    shutil.copytree(DATA_DIR, target)
    expected = {name: _corrupt(target / name, edits) for name, edits in CORRUPTIONS.items()}
    return target, expected


def _frictionless_flags(folder: Path) -> dict[str, set[tuple[int, str]]]:
    import frictionless

    report = frictionless.validate(folder / "datapackage.json")
    flagged: dict[str, set[tuple[int, str]]] = {}
    for task in report.tasks:
        name = Path(task.place).name
        for error in task.errors:
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            if row is None:
                continue
            if field is None:  # a foreign-key error names the cells it checked
                field = ",".join(error.field_names) if getattr(error, "field_names", None) else None
            flagged.setdefault(name, set()).add((row, field))
    return flagged


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_loaders_and_frictionless_flag_the_same_cells(corrupted, name) -> None:
    folder, expected = corrupted
    with pytest.raises(tables.DataError) as err:
        LOADERS[name](folder / name)
    ours = {(p.line, p.column) for p in err.value.problems}
    theirs = _frictionless_flags(folder).get(name, set())
    assert ours == expected[name]
    assert {(row, field.split(",")[0]) for row, field in theirs} == expected[name]


def test_the_shipped_package_passes_both() -> None:
    import frictionless

    assert frictionless.validate(DATA_DIR / "datapackage.json").valid
    for name in schema.TABLES:
        assert len(tables.read_table(name)) > 0


@pytest.mark.parametrize(
    ("constraints", "text"),
    [
        ({"enum": ["a", "b"]}, "one of a, b"),
        ({"minimum": 0, "maximum": 9}, "a value between 0 and 9"),
        ({"minimum": 3}, "a value >= 3"),
        ({"maxLength": 60}, "at most 60 characters"),
        ({"pattern": "[A-Z]{3}"}, "text matching the pattern '[A-Z]{3}'"),
    ],
)
def test_each_constraint_is_explained_by_its_own_values(constraints, text) -> None:
    (rule,) = schema.constraint_rules({"name": "x", "constraints": constraints})
    assert rule.text == text


def test_a_message_comes_from_the_failed_constraint(tmp_path) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    _corrupt(target / "events.csv", [(0, "precision", "week")])
    with pytest.raises(tables.DataError) as err:
        tables.load_events(target / "events.csv")
    (problem,) = err.value.problems
    allowed = schema.enum("events", "precision")
    assert problem.rule == "one of " + ", ".join(allowed) and problem.value == "week"
