"""The shipped UCDP GED table (data/conflict/): what it holds, where it comes from, a damaged copy.

Expected figures are recomputed here with the csv module from the two exports kept, xz-compressed,
in data/conflict/raw/ (the derive script's inputs), never from the loader's own output.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import lzma
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from sahel_analysis import events as ed
from sahel_analysis import schema, tables
from sahel_analysis.events import EventDataError
from sahel_analysis.events.formats import UCDP_GED_COLUMNS
from sahel_analysis.paths import DATA_DIR

CONFLICT = DATA_DIR / "conflict"
RAW = {"Mali": "ucdp_ged_MLI_orig_Mali.csv", "Burkina Faso": "ucdp_ged_BFA_orig_Burkina.csv"}
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def raw_bytes(country: str) -> bytes:
    return lzma.decompress((CONFLICT / "raw" / f"{RAW[country]}.xz").read_bytes())


def raw_rows(country: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw_bytes(country).decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return ed.load_shipped_ucdp(cache=False)


def per_year(rows: list[dict[str, str]]) -> tuple[Counter[int], Counter[int]]:
    events: Counter[int] = Counter()
    best: Counter[int] = Counter()
    for r in rows:
        year = dt.datetime.strptime(r["date_start"], "%m/%d/%Y %H:%M:%S").year
        events[year] += 1
        best[year] += int(r["best_est"])
    return events, best


@pytest.mark.parametrize("country", list(RAW))
def test_events_and_best_deaths_per_year_are_the_exports(shipped: pd.DataFrame, country: str) -> None:
    events, best = per_year(raw_rows(country))
    mine = shipped[shipped["country"] == country]
    years = mine["date"].dt.year
    assert mine.groupby(years).size().to_dict() == dict(events)
    assert mine.groupby(years)["fatalities_best"].sum().to_dict() == dict(best)


def test_mali_figures_match_the_inputs_readme(shipped: pd.DataFrame) -> None:
    # ../shared/data/ucdp/README.md: Mali 2022 has 408 events; best_est sums to 15,742 over all years.
    mali = shipped[shipped["country"] == "Mali"]
    assert (mali["date"].dt.year == 2022).sum() == 408
    assert mali["fatalities_best"].sum() == 15_742
    assert len(mali) == 2_120 and (shipped["country"] == "Burkina Faso").sum() == 1_504


def test_the_shipped_frame_is_the_frame_of_the_two_exports(tmp_path: Path, shipped: pd.DataFrame) -> None:
    frames = []
    for country, name in RAW.items():
        (tmp_path / name).write_bytes(raw_bytes(country))
        frames.append(ed.load_ucdp_ged(tmp_path / name, cache=False, accessed="2026-12-04"))
    exports = pd.concat(frames, ignore_index=True).sort_values(["date", "ucdp_id"], ignore_index=True)
    texts = ["ucdp_date_start", "ucdp_date_end"]  # the exports' own date text, MM/DD/YYYY
    pd.testing.assert_frame_equal(shipped.drop(columns=texts), exports.drop(columns=texts))


def test_the_inputs_are_the_recorded_bytes_and_the_table_is_derived_from_them() -> None:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import derive_conflict
    finally:
        sys.path.remove(str(SCRIPTS))
    record = ed.shipped_ucdp_provenance()
    for (name, _, country, rows, digest), entry in zip(derive_conflict.INPUTS, record["inputs"], strict=True):
        assert entry["file"] == f"raw/{name}.xz"
        data = raw_bytes(country)
        assert hashlib.sha256(data).hexdigest() == digest == entry["sha256"]
        assert data.count(b"\n") >= rows == entry["rows"]
    assert hashlib.sha256(ed.shipped_ucdp_path().read_bytes()).hexdigest() == record["output"]["sha256"]
    assert derive_conflict.main(["--check"]) == 0  # derived again in a temporary folder: identical


def test_provenance_states_origin_version_licence_and_citations() -> None:
    record = ed.shipped_ucdp_provenance()
    assert record["version"] == "24.1" and "2023-12-31" in record["version_inferred"]
    assert record["licence"]["name"] == "CC-BY-4.0"
    assert record["origin"]["repository"] == "https://github.com/Sarahlaure/Projet-BSA"
    cited = " ".join(record["citations"])
    assert "Sundberg" in cited and "2013" in cited and "Davies" in cited and "2024" in cited
    known = set(tables.load_sources()["id"])
    assert set(record["source_ids"]) <= known


def test_the_table_is_declared_in_the_global_gedevent_layout() -> None:
    declared = [f["name"] for f in schema.fields("ucdp_ged")]
    assert declared == list(UCDP_GED_COLUMNS)
    with open(ed.shipped_ucdp_path(), newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == declared
    assert schema.resource("ucdp_ged")["schema"]["primaryKey"] == ["id"]


def test_the_shipped_frame_says_what_it_is(shipped: pd.DataFrame) -> None:
    assert shipped.attrs["shipped"] is True and shipped.attrs["version"] == "24.1"
    assert shipped["dataset"].eq("UCDP GED").all()
    assert (shipped["accessed"] == pd.Timestamp(ed.shipped_ucdp_provenance()["origin"]["accessed"])).all()
    line = ed.event_source_line(shipped)
    assert "UCDP" in line and "CC BY 4.0" in line
    assert shipped["date"].min() == pd.Timestamp("1990-06-28") and shipped["date"].max() <= pd.Timestamp(
        "2023-12-31"
    )


def test_through_the_cache_the_frame_is_the_same(tmp_path: Path, shipped: pd.DataFrame) -> None:
    ed.load_shipped_ucdp(cache=tmp_path)
    ed.cache.flush()
    assert list(tmp_path.glob("ucdp-*.arrow"))
    pd.testing.assert_frame_equal(ed.load_shipped_ucdp(cache=tmp_path), shipped)


# -- a damaged copy -----------------------------------------------------------------------------


def copy_with(tmp_path: Path, change) -> tuple[Path, list[str], list[list[str]], list[int]]:
    """A copy of the shipped table after `change(header, rows)`; also each row's physical line."""
    with open(ed.shipped_ucdp_path(), newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows, lines = [], []
        start = reader.line_num + 1
        for row in reader:
            rows.append(row)
            lines.append(start)
            start = reader.line_num + 1
    header, rows = change(header, rows)
    path = tmp_path / "ucdp_ged_mli_bfa.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    return path, header, rows, lines


def one_line_error(path: Path) -> str:
    """The message the loader refuses `path` with, checked to be one line."""
    with pytest.raises(EventDataError) as err:
        ed.load_shipped_ucdp(path, cache=False)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_a_bad_date_names_file_line_and_column(tmp_path: Path) -> None:
    # The first event after a record that spans several lines, so that line != row + 2.
    with open(ed.shipped_ucdp_path(), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    target = next(i for i, r in enumerate(rows) if i > 0 and any("\n" in c for c in rows[i - 1]))

    def bad_date(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
        rows[target][header.index("date_start")] = "2022-02-30"
        return header, rows

    path, _, _, lines = copy_with(tmp_path, bad_date)
    assert lines[target] != target + 2
    message = one_line_error(path)
    assert message.startswith(f"{path}, line {lines[target]}, column 'date_start': not a date")
    assert "'2022-02-30'" in message


@pytest.mark.parametrize("column", ["source_headline", "date_start", "best"])
def test_a_removed_column_names_file_line_and_column(tmp_path: Path, column: str) -> None:
    def removed(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
        gone = header.index(column)
        return header[:gone] + header[gone + 1 :], [r[:gone] + r[gone + 1 :] for r in rows]

    path = copy_with(tmp_path, removed)[0]
    message = one_line_error(path)
    assert message.startswith(f"{path}, line 1, column '{column}': missing;")
    assert "declared for 'ucdp_ged' in datapackage.json" in message


def test_columns_swapped_are_named(tmp_path: Path) -> None:
    def swapped(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
        i, j = header.index("best"), header.index("low")
        for r in [header, *rows]:
            r[i], r[j] = r[j], r[i]
        return header, rows

    path, *_ = copy_with(tmp_path, swapped)
    with pytest.raises(
        EventDataError, match=r"line 1, column 'low': out of place \(column 45, declared 47\)"
    ):
        ed.load_shipped_ucdp(path, cache=False)
