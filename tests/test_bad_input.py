"""Bad input to the data layer: one line naming file, line and column, never a traceback from below.

Every case breaks a copy of the shipped files in a temporary folder; the shipped files are read only.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sahel_analysis import markup, schema, tables
from sahel_analysis.paths import DATA_DIR


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _set(path: Path, row: int, column: str, value: str) -> int:
    """Set one cell of a CSV copy (rows kept one per line); return that row's physical line."""
    rows = _rows(path)
    rows[row][column] = value
    _write(path, rows)
    return row + 2


def _one_problem(err: pytest.ExceptionInfo[tables.DataError]) -> tables.Problem:
    """The error holds exactly one problem and says it in one line."""
    (problem,) = err.value.problems
    assert "\n" not in str(err.value)
    assert str(err.value) == str(problem)
    return problem


# -- files that cannot be read ------------------------------------------------------------------


def test_empty_csv(data: Path) -> None:
    (data / "events.csv").write_bytes(b"")
    with pytest.raises(tables.DataError) as err:
        tables.load_events(data / "events.csv")
    problem = _one_problem(err)
    assert problem.file.endswith("events.csv") and problem.line == 1
    assert "header line naming the columns id, date" in problem.rule and "empty" in problem.rule


def test_missing_datapackage_json(data: Path) -> None:
    (data / "datapackage.json").unlink()
    with pytest.raises(tables.DataError) as err:
        schema.package(data)
    problem = _one_problem(err)
    assert problem.file.endswith("datapackage.json") and "an existing file" in problem.rule


def test_invalid_datapackage_json_names_line_and_character(data: Path) -> None:
    path = data / "datapackage.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace('"', "", 1)  # an unquoted key on the seventh line
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(tables.DataError) as err:
        schema.package(data)
    problem = _one_problem(err)
    assert problem.file.endswith("datapackage.json") and problem.line == 7
    assert problem.rule.startswith("valid JSON (at character ")


def test_datapackage_json_without_resources(data: Path) -> None:
    (data / "datapackage.json").write_text(json.dumps({"name": "x"}), encoding="utf-8")
    with pytest.raises(tables.DataError, match=r"datapackage\.json; expected a data package"):
        schema.package(data)


def test_broken_datapackage_json_from_a_fresh_process(data: Path) -> None:
    # What a user sees: the loaders read the declaration of SAHEL_ANALYSIS_DATA on first use.
    (data / "datapackage.json").write_text("{\n  oops\n}\n", encoding="utf-8")
    env = {**os.environ, "SAHEL_ANALYSIS_DATA": str(data)}
    code = "import sahel_analysis as s\ntry:\n    s.load_events()\nexcept s.DataError as e:\n    print(e)\n"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith(
        "datapackage.json, line 2; expected valid JSON "
        "(at character 3 of the line: Expecting property name enclosed in double quotes)"
    )
    assert out.stdout.count("\n") == 1


def test_symlink_loop(data: Path) -> None:
    link = data / "loop.csv"
    link.symlink_to(link)
    with pytest.raises(tables.DataError) as err:
        tables.load_events(link)
    assert _one_problem(err).rule.endswith("found a symbolic link that loops")


def test_directory_instead_of_a_file(data: Path) -> None:
    (data / "events.csv").unlink()
    (data / "events.csv").mkdir()
    with pytest.raises(tables.DataError) as err:
        tables.load_events(data / "events.csv")
    assert _one_problem(err).rule == "the events table, a CSV file; found a folder"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_unreadable_file(data: Path) -> None:
    path = data / "events.csv"
    path.chmod(0)
    try:
        with pytest.raises(tables.DataError) as err:
            tables.load_events(path)
    finally:
        path.chmod(0o644)
    assert "not readable" in _one_problem(err).rule


def test_unreadable_file_even_as_root(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same path through the reader, for runs as root: opening the file is refused.
    path = data / "events.csv"

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(os, "access", lambda *a, **k: True)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(tables.DataError) as err:
        tables.load_events(path)
    assert _one_problem(err).rule == "a readable file (Permission denied)"


def test_tilde_is_expanded(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(data.parent))
    assert len(tables.load_events("~/data/events.csv")) == len(tables.load_events(data / "events.csv"))
    assert len(tables.load_places(path="~/data/places.csv")) > 0


# -- cells --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value", "rule"),
    [
        ("costs", "amount_eur_m", "inf", "a finite number"),
        ("costs", "amount_eur_m", "-Infinity", "a finite number"),
        ("costs", "amount_eur_m", "NaN", "a finite number"),
        ("costs", "amount_eur_m", "1e999", "a finite number (this one overflows)"),
        ("places", "latitude", "1e999", "a finite number (this one overflows)"),
        ("troop_levels", "personnel", "99999999999999999999", "an integer no larger than"),
        ("troop_levels", "personnel", "4000.0", "an integer"),
        ("events", "id", " serval-launch", "text without leading or trailing spaces"),
        ("events", "source_id", "seed-doukhan-2021 ", "text without leading or trailing spaces"),
        ("places", "name_en", "Gao ", "text without leading or trailing spaces"),
        ("events", "title", "   ", "a value, not only spaces"),
        ("events", "note", " ", "a value, not only spaces"),
        ("events", "title", "Coup\x00", "text without NUL"),
    ],
)
def test_bad_cell_is_named(data: Path, table: str, column: str, value: str, rule: str) -> None:
    path = data / f"{table}.csv"
    line = _set(path, 3, column, value)
    with pytest.raises(tables.DataError) as err:
        tables.read_table(table, path)
    problem = _one_problem(err)
    assert (problem.line, problem.column, problem.value) == (line, column, value)
    assert problem.rule.startswith(rule)


@pytest.mark.parametrize(
    ("table", "column", "other"),
    [
        ("troop_levels", "personnel_high", "personnel"),
        ("events", "end_date", "date"),
        ("presence", "end_date", "start_date"),
    ],
)
def test_cross_field_rules(data: Path, table: str, column: str, other: str) -> None:
    path = data / f"{table}.csv"
    rows = _rows(path)
    row = next(i for i, r in enumerate(rows) if r[other] and r[other][:4] > "2013")
    earlier = str(int(rows[row][other]) - 1) if table == "troop_levels" else "2012-12-31"
    line = _set(path, row, column, earlier)
    with pytest.raises(tables.DataError) as err:
        tables.read_table(table, path)
    problem = _one_problem(err)
    assert (problem.line, problem.column, problem.value) == (line, column, earlier)
    assert f"{other!r} of the same row ({rows[row][other]})" in problem.rule
    # The rule is declared once, and said where a reader of the data package looks.
    assert (table, column, other) in {(r.table, r.column, r.other) for r in schema.ROW_RULES}
    assert other in schema.field(table, column)["description"]


def test_lines_are_physical_after_a_multi_line_cell(data: Path) -> None:
    path = data / "events.csv"
    rows = _rows(path)
    rows[1]["description"] = "First line.\nSecond line.\nThird line."
    rows[4]["category"] = "skirmish"
    _write(path, rows)
    physical = path.read_text(encoding="utf-8").splitlines()
    expected = next(i for i, text in enumerate(physical, start=1) if ",skirmish," in text)
    assert expected == 4 + 2 + 2  # two extra lines from the multi-line cell above
    with pytest.raises(tables.DataError) as err:
        tables.load_events(path)
    problem = _one_problem(err)
    assert (problem.line, problem.column, problem.value) == (expected, "category", "skirmish")


def test_a_row_with_too_few_cells(data: Path) -> None:
    path = data / "cpi.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[3] = ",".join(text[3].split(",")[:3])
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(tables.DataError) as err:
        tables.load_cpi(path)
    problem = _one_problem(err)
    assert problem.line == 4 and problem.value == "3 cells" and "one per column" in problem.rule


def test_latin1_bytes_name_the_cell(data: Path) -> None:
    path = data / "places.csv"
    line = _set(path, 2, "name_fr", "Ségou")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(tables.DataError) as err:
        tables.load_places(path)
    problems = err.value.problems
    assert all("not UTF-8" in p.rule for p in problems)
    assert (line, "name_fr") in {(p.line, p.column) for p in problems}


def test_wrong_type_of_as_of() -> None:
    for bad in (12, 2021.5, True):
        with pytest.raises(
            TypeError, match=r"as_of: expected a date, a datetime, a pandas Timestamp or an ISO"
        ):
            tables.load_events(as_of=bad)
    with pytest.raises(ValueError, match="as_of: expected a date.*found ''"):
        tables.load_troop_levels(as_of="")
    assert len(tables.load_events(as_of=pd.Timestamp("2013-06-01").date())) > 0


# -- URLs and HTML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ['https://example.org/a"onmouseover="alert(1)', "https://example.org/<script>", "javascript:alert(1)"],
)
def test_source_url_must_be_a_plain_web_address(data: Path, url: str) -> None:
    path = data / "sources.csv"
    line = _set(path, 5, "url", url)
    with pytest.raises(tables.DataError) as err:
        tables.load_sources(path)
    problem = _one_problem(err)
    assert (problem.line, problem.column, problem.value) == (line, "url", url)
    assert "https?://" in problem.rule


def test_table_html_escapes_a_hostile_url_and_text() -> None:
    from bs4 import BeautifulSoup

    hostile = 'https://example.org/x"onmouseover="alert(1)'
    frame = pd.DataFrame({"URL": [hostile, "javascript:alert(1)"], "<b>Title</b>": ["<script>", None]})
    soup = BeautifulSoup(markup.table_html(frame), "html.parser")
    assert soup.find("script") is None and soup.find("b") is None
    (link,) = soup.find_all("a")  # the web address, whole, as the href; javascript: stays text
    assert link.attrs == {"href": hostile} and link.get_text() == hostile
    assert [th.get_text() for th in soup.find_all("th")] == ["URL", "<b>Title</b>"]
    assert [td.get_text() for td in soup.find_all("td")] == [hostile, "<script>", "javascript:alert(1)", ""]
