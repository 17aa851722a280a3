"""The shipped data package: it loads typed, every row is sourced, and bad input is reported clearly."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import oracle
import pandas as pd
import pytest

import sahel_analysis as s
from sahel_analysis import citation, schema, select, tables
from sahel_analysis.paths import DATA_DIR

LOADERS = {
    "sources": tables.load_sources,
    "places": tables.load_places,
    "events": tables.load_events,
    "troop_levels": tables.load_troop_levels,
    "costs": tables.load_costs,
    "fatalities": tables.load_fatalities,
    "presence": tables.load_presence,
    "cpi": tables.load_cpi,
}


@pytest.fixture
def copy_dir(tmp_path: Path) -> Path:
    """A copy of the shipped data, to break one file at a time."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, row: int, column: str, value: str) -> int:
    """Set one cell of a CSV copy; return the CSV line number of that row."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[row][column] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return row + 2


@pytest.mark.parametrize("table", list(LOADERS))
def test_every_table_loads_with_declared_types(table: str) -> None:
    frame = LOADERS[table]()
    assert len(frame) > 0
    fields = schema.resource(table)["schema"]["fields"]
    assert list(frame.columns[: len(fields)]) == [f["name"] for f in fields]
    for f in fields:
        col = frame[f["name"]]
        if f["type"] == "date":
            assert pd.api.types.is_datetime64_any_dtype(col), f["name"]
        if f.get("constraints", {}).get("enum"):
            assert isinstance(col.dtype, pd.CategoricalDtype), f["name"]
        if f["type"] in ("integer", "number"):
            assert pd.api.types.is_numeric_dtype(col), f["name"]


def test_minimum_coverage_asked_for() -> None:
    places = set(tables.load_places()["id"])
    required = {"timbuktu", "gao", "kidal", "kati", "bamako", "menaka", "tessalit", "mopti"}
    assert required | {"niamey", "ndjamena", "ouagadougou"} <= places
    events = tables.load_events()
    assert len(events) >= 40
    assert events["date"].min() < pd.Timestamp("2013-01-01")
    assert events["date"].max() >= pd.Timestamp("2023-12-01")
    referenced = set(events["place_id"].dropna()) | set(tables.load_presence()["place_id"])
    assert referenced <= places


def test_every_row_resolves_to_a_source_with_url() -> None:
    sources = tables.load_sources()
    assert sources["url"].str.match(r"https?://").all()
    for table, loader in LOADERS.items():
        if table == "sources":
            continue
        frame = loader()
        assert frame["source_id"].notna().all(), table
        cited = citation.cite(frame, sources=sources)
        assert set(citation.source_ids(frame)) == set(cited["id"]), table
        assert cited["url"].notna().all()


def test_wikipedia_is_never_the_only_source() -> None:
    sources = tables.load_sources().set_index("id")
    wiki = set(sources.index[sources["url"].str.contains("wikipedia.org")])
    for table, loader in LOADERS.items():
        if table == "sources":
            continue
        frame = loader()
        alone = frame["source_id"].isin(wiki) & frame.get("other_source_ids", pd.Series(dtype=str)).isna()
        assert not alone.any(), (
            f"{table}: rows sourced only to Wikipedia: {list(frame.loc[alone, 'source_id'])}"
        )


def test_places_are_points_in_wgs84() -> None:
    places = s.load_places()
    assert places.crs.to_epsg() == 4326
    kati = places.set_index("id").loc["kati"]
    assert kati.geometry.x == pytest.approx(kati["longitude"])
    assert kati.geometry.y == pytest.approx(kati["latitude"])


def test_as_of_leaves_out_later_rows() -> None:
    cut = pd.Timestamp("2021-06-01")
    events = tables.load_events(as_of=cut)
    assert (events["date"] <= cut).all()
    assert len(events) < len(tables.load_events())
    assert (tables.load_troop_levels(as_of="2021-06-01")["date"] <= cut).all()
    assert (tables.load_costs(as_of=cut)["year"] <= 2021).all()
    presence = tables.load_presence(as_of=cut)
    assert (presence["start_date"] <= cut).all()
    assert not (presence["end_date"] > cut).any()


@pytest.mark.parametrize("on", ["2013-01-11", "2014-08-01", "2021-06-01"])
def test_bases_held_follows_presence(on: str) -> None:
    when = oracle.day(on)
    expected = {
        r["id"]
        for r in oracle.rows("presence")
        if oracle.day(r["start_date"]) <= when and (not r["end_date"] or oracle.day(r["end_date"]) > when)
    }
    held = select.bases_held(tables.load_presence(), on)
    assert expected and set(held["id"]) == expected


def test_source_line_names_the_publishers_of_the_rows() -> None:
    events = tables.load_events().head(3)
    line = citation.source_line(events, sources=tables.load_sources())
    by_id = {r["id"]: r for r in oracle.rows("events")}
    ids = [
        i
        for e in events["id"]
        for i in [by_id[e]["source_id"], *filter(None, by_id[e]["other_source_ids"].split(";"))]
    ]
    for publisher in oracle.publishers(ids):
        assert publisher in line
    n = len(set(ids))
    assert line.endswith(f"({n} document{'s' if n != 1 else ''}, listed in data/sources.csv)")


# -- bad input ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(tables.DataError, match=r"nope\.csv.*existing file"):
        tables.load_events(tmp_path / "nope.csv")


def test_missing_and_unexpected_columns(copy_dir: Path) -> None:
    path = copy_dir / "events.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.drop(columns=["category"]).assign(colour="red").to_csv(path, index=False)
    with pytest.raises(tables.DataError) as err:
        tables.load_events(path)
    text = str(err.value)
    assert "events.csv, line 1, column 'category'" in text
    assert "column 'colour'" in text and "only the declared columns" in text


def test_bad_date_and_bad_number_are_all_reported(copy_dir: Path) -> None:
    path = copy_dir / "troop_levels.csv"
    line_a = _edit(path, 0, "date", "2013-02-30")
    line_b = _edit(path, 1, "personnel", "about 4000")
    with pytest.raises(tables.DataError) as err:
        tables.load_troop_levels(path)
    problems = err.value.problems
    assert {(p.line, p.column) for p in problems} >= {(line_a, "date"), (line_b, "personnel")}
    text = str(err.value)
    assert "'2013-02-30'" in text and "YYYY-MM-DD" in text
    assert "'about 4000'" in text and "integer" in text


def test_coordinate_out_of_range(copy_dir: Path) -> None:
    path = copy_dir / "places.csv"
    line = _edit(path, 2, "latitude", "123.4")
    with pytest.raises(
        tables.DataError,
        match=rf"line {line}, column 'latitude': found 123.4; expected a value between -90 and 90",
    ):
        tables.load_places(path)


def test_duplicate_id(copy_dir: Path) -> None:
    path = copy_dir / "events.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        first_id = list(csv.DictReader(fh))[0]["id"]
    line = _edit(path, 1, "id", first_id)
    with pytest.raises(tables.DataError) as err:
        tables.load_events(path)
    lines = {p.line for p in err.value.problems if p.column == "id" and "unique" in p.rule}
    assert lines == {2, line}


def test_dangling_foreign_keys(copy_dir: Path) -> None:
    path = copy_dir / "events.csv"
    line_place = _edit(path, 0, "place_id", "atlantis")
    line_source = _edit(path, 1, "source_id", "no-such-source")
    line_other = _edit(path, 2, "other_source_ids", "seed-doukhan-2021;ghost")
    with pytest.raises(tables.DataError) as err:
        tables.load_events(path)
    found = {(p.line, p.column, p.value) for p in err.value.problems}
    assert (line_place, "place_id", "atlantis") in found
    assert (line_source, "source_id", "no-such-source") in found
    assert (line_other, "other_source_ids", "ghost") in found


def test_bad_enum_names_allowed_values(copy_dir: Path) -> None:
    path = copy_dir / "events.csv"
    _edit(path, 0, "category", "skirmish")
    with pytest.raises(tables.DataError, match="found 'skirmish'; expected one of coup, rebellion"):
        tables.load_events(path)


def test_bad_as_of() -> None:
    with pytest.raises(ValueError, match="as_of: expected a date"):
        tables.load_events(as_of="last tuesday")


def test_each_fatalities_series_never_decreases() -> None:
    # A cumulative count can only grow; a fall inside one series means two counters were mixed.
    deaths = tables.load_fatalities().sort_values(["date", "cumulative_deaths"], kind="stable")
    assert deaths["series"].nunique() >= 2
    for series, rows in deaths.groupby("series"):
        steps = rows["cumulative_deaths"].diff().dropna()
        falls = rows.loc[steps[steps < 0].index, ["id", "cumulative_deaths"]]
        assert falls.empty, f"{series}: count falls at {falls.to_dict('records')}"
        # Two rows of one series and scope on the same day must agree.
        same_day = rows.groupby(["scope", "date"])["cumulative_deaths"].nunique()
        assert (same_day == 1).all(), f"{series}: two counts on {list(same_day[same_day > 1].index)}"
