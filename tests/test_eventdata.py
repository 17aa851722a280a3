"""ACLED and UCDP GED loaders: formats, the common frame, clear errors, the cache, the plots.

Every fixture file is written here, in the exact column layout of the real exports, with invented
values ("Actor A", "Testland"); nothing here is real event data.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sahel_analysis import eventdata as ed
from sahel_analysis.eventdata import ACLED_COLUMNS, COMMON_COLUMNS, UCDP_GED_COLUMNS, EventDataError

ACCESSED = "2025-05-20"


def acled_row(i: int, date: object = "2024-05-16", **changes: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"TST{i}",
        event_date=date,
        year=2024,
        time_precision=1 + i % 3,
        disorder_type="Political violence",
        event_type=["Battles", "Violence against civilians", "Explosions/Remote violence"][i % 3],
        sub_event_type="Armed clash",
        actor1=f"Actor {'ABC'[i % 3]}",
        inter1="Rebel group",
        actor2="Civilians (Testland)" if i % 2 else "",
        interaction="Rebel group-Civilians",
        iso=999,
        region="Western Africa",
        country="Testland" if i % 4 else "Otherland",
        admin1=f"Region {i % 2}",
        admin2="District 1",
        location=f"Place {i}",
        latitude=14.5 + i / 10,
        longitude=-3.25 + i / 10,
        geo_precision=1,
        source="Source X; Source Y",
        source_scale="National",
        notes=f"Invented note {i}.",
        fatalities=i,
        timestamp=1_716_000_000 + i,
    )
    row.update(changes)
    return row


def ucdp_row(i: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(UCDP_GED_COLUMNS, "")
    row.update(
        id=900_000 + i,
        relid=f"TST-2020-1-{i}",
        year=2020,
        active_year=1,
        code_status="Clear",
        type_of_violence=1 + i % 3,
        conflict_dset_id="999",
        conflict_new_id=999,
        conflict_name="Testland: Government",
        dyad_dset_id="888",
        dyad_new_id=888,
        dyad_name="Government of Testland - Group A",
        side_a_dset_id="1",
        side_a_new_id=1,
        side_a="Government of Testland",
        side_b_dset_id="2",
        side_b_new_id=2,
        side_b="Group A",
        number_of_sources=2,
        source_article='"Invented article", Invented Wire, 2020-01-02',
        source_office="Invented Wire;Other Wire",
        source_date="2020-01-02",
        source_headline="Invented headline",
        source_original="local officials",
        where_prec=1,
        where_coordinates=f"Place {i} town",
        where_description="near Place",
        adm_1="Region 1 region",
        adm_2="District 1 cercle",
        latitude=15.0 + i / 10,
        longitude=-1.5,
        geom_wkt="POINT (-1.5 15)",
        priogrid_gid=150_000,
        country="Testland",
        country_id=999,
        region="Africa",
        event_clarity=1,
        date_prec=1 + i % 5,
        date_start=f"2020-0{1 + i % 3}-1{i % 10} 00:00:00.000",
        date_end=f"2020-0{1 + i % 3}-1{i % 10} 00:00:00.000",
        deaths_a=0,
        deaths_b=i,
        deaths_civilians=0,
        deaths_unknown=0,
        best=i,
        high=i + 2,
        low=max(i - 1, 0),
        gwnoa="999",
        gwnob="",
    )
    row.update(changes)
    return row


def write_csv(path: Path, rows: Sequence[dict[str, object]], columns: Sequence[str] | None = None) -> Path:
    columns = list(columns or rows[0])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.utime(path, (dt.datetime(2025, 5, 20, 12).timestamp(),) * 2)
    return path


def write_zip(path: Path, member: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(member, member.name)
    return path


def write_xlsx(path: Path, rows: Sequence[dict[str, object]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    columns = list(rows[0])
    ws.append(columns)
    for row in rows:
        ws.append([None if row[c] == "" else row[c] for c in columns])
    wb.save(path)
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


# ------------------------------------------------------------------------------------- ACLED


@pytest.mark.parametrize("date", ["2024-05-16", "16 May 2024", "16-05-2024"])
def test_acled_csv_in_each_date_style(tmp_path: Path, date: str) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(i, date) for i in range(3)])
    frame = ed.load_acled(path, cache=False)
    assert list(frame.columns[: len(COMMON_COLUMNS)]) == list(COMMON_COLUMNS)
    assert list(frame.columns[len(COMMON_COLUMNS) :]) == [f"acled_{c}" for c in ACLED_COLUMNS]
    assert (frame["date"] == pd.Timestamp("2024-05-16")).all()
    assert str(frame["date"].dtype) == "datetime64[s]"
    assert list(frame["date_precision"]) == ["day", "week", "month"]
    assert frame["date_precision"].cat.ordered
    assert frame["fatalities_best"].tolist() == [0, 1, 2]
    assert frame["fatalities_low"].isna().all() and frame["fatalities_high"].isna().all()
    assert str(frame["fatalities_best"].dtype) == "Int64"
    assert frame["actor2"].isna().tolist() == [True, False, True]  # empty cells are missing
    assert frame["original_id"].tolist() == ["TST0", "TST1", "TST2"]
    assert set(frame["dataset"]) == {"ACLED"}
    assert frame["acled_event_date"].tolist() == [date] * 3  # the original text is kept
    assert frame["acled_notes"].tolist()[0] == "Invented note 0."
    assert frame["latitude"].tolist() == pytest.approx([14.5, 14.6, 14.7])
    assert frame["accessed"].iloc[0] == pd.Timestamp(ACCESSED)  # the file's mtime


def test_acled_mixed_date_styles_and_quoted_line_breaks(tmp_path: Path) -> None:
    rows = [
        acled_row(0, "2024-01-31"),
        acled_row(1, "1 February 2024", notes="A note\nover two lines, with a comma"),
        acled_row(2, "03-02-2024"),
        acled_row(3, "4 Mar 2024"),
    ]
    frame = ed.load_acled(write_csv(tmp_path / "acled.csv", rows), cache=False)
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-31",
        "2024-02-01",
        "2024-02-03",
        "2024-03-04",
    ]
    assert frame["acled_notes"][1] == "A note\nover two lines, with a comma"


def test_acled_zip_and_upper_case_header(tmp_path: Path) -> None:
    rows = [{k.upper(): v for k, v in acled_row(i, "16 May 2024").items()} for i in range(3)]
    member = write_csv(tmp_path / "2024-05-01-2024-05-31-Testland.csv", rows)
    path = write_zip(tmp_path / "export.zip", member)
    frame = ed.load_acled(path, cache=False)
    assert len(frame) == 3 and frame["original_id"].tolist() == ["TST0", "TST1", "TST2"]
    assert "acled_event_id_cnty" in frame.columns


def test_acled_xlsx_with_date_cells_and_text_dates(tmp_path: Path) -> None:
    rows = [acled_row(0, dt.datetime(2024, 5, 16)), acled_row(1, "17 May 2024"), acled_row(2, "2024-05-18")]
    frame = ed.load_acled(write_xlsx(tmp_path / "acled.xlsx", rows), cache=False)
    assert frame["date"].dt.day.tolist() == [16, 17, 18]
    assert frame["fatalities_best"].tolist() == [0, 1, 2]
    assert str(frame["acled_iso"].dtype) == "Int64"
    assert frame["acled_event_date"][0] == "2024-05-16"
    assert frame["actor2"].isna().tolist() == [True, False, True]


def test_file_type_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    member = write_csv(tmp_path / "events.csv", [acled_row(0)])
    path = write_zip(tmp_path / "download.dat", member)
    assert len(ed.load_acled(path, cache=False)) == 1


# ------------------------------------------------------------------------------------- UCDP GED


def test_ucdp_csv_and_zip(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "GEDEvent_v25_1.csv", [ucdp_row(i) for i in range(5)])
    for source in (path, write_zip(tmp_path / "ged251-csv.zip", path)):
        frame = ed.load_ucdp_ged(source, cache=False)
        assert list(frame.columns[: len(COMMON_COLUMNS)]) == list(COMMON_COLUMNS)
        assert len(frame.columns) == len(COMMON_COLUMNS) + 49
        assert list(frame["date_precision"]) == ["day", "week", "week", "month", "year"]
        assert frame["event_type"].tolist()[:3] == [
            "State-based conflict",
            "Non-state conflict",
            "One-sided violence",
        ]
        assert frame["date"].dt.strftime("%Y-%m-%d").tolist()[:2] == ["2020-01-10", "2020-02-11"]
        assert frame[["fatalities_low", "fatalities_best", "fatalities_high"]].iloc[3].tolist() == [2, 3, 5]
        assert frame["actor1"][0] == "Government of Testland" and frame["actor2"][0] == "Group A"
        assert frame["admin1"][0] == "Region 1 region" and frame["location"][0] == "Place 0 town"
        assert frame["original_id"][0] == "900000" and frame["source"][0] == "Invented Wire;Other Wire"
        assert set(frame["dataset"]) == {"UCDP GED"}
        assert frame["ucdp_gwnob"].isna().all()


def test_ucdp_xlsx(tmp_path: Path) -> None:
    rows = [ucdp_row(i, date_start=dt.datetime(2020, 1, 10 + i)) for i in range(2)]
    frame = ed.load_ucdp_ged(write_xlsx(tmp_path / "ged.xlsx", rows), cache=False)
    assert frame["date"].dt.day.tolist() == [10, 11]


# ------------------------------------------------------------------------------------- errors


def test_ucdp_file_given_to_load_acled(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "GEDEvent_v25_1.csv", [ucdp_row(0)])
    with pytest.raises(EventDataError) as err:
        ed.load_acled(path, cache=False)
    message = str(err.value)
    assert str(path) in message
    assert "looks like UCDP GED, not ACLED" in message and "load_ucdp_ged()" in message
    assert "event_date" in message and "event_id_cnty" in message
    assert err.value.looks_like == "UCDP GED"
    assert "event_date" in err.value.missing
    assert isinstance(err.value, ValueError)


def test_acled_file_given_to_load_ucdp_ged(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    with pytest.raises(EventDataError, match=r"looks like ACLED, not UCDP GED .*load_acled\(\)"):
        ed.load_ucdp_ged(path, cache=False)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    columns = [c for c in ACLED_COLUMNS if c not in ("latitude", "fatalities")]
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)], columns)
    with pytest.raises(EventDataError) as err:
        ed.load_acled(path, cache=False)
    assert err.value.missing == ("latitude", "fatalities")
    assert "missing columns latitude, fatalities" in str(err.value)
    assert "look like ACLED" in str(err.value)


def test_an_unrelated_file_says_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "budget.csv"
    path.write_text("year,amount_eur_m\n2014,1000\n")
    with pytest.raises(EventDataError, match=r"does not look like ACLED or UCDP GED.*'year', 'amount_eur_m'"):
        ed.load_acled(path, cache=False)


def test_acled_aggregated_file_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "Africa_aggregated_data.csv"
    path.write_text(
        "WEEK,REGION,COUNTRY,ADMIN1,EVENT_TYPE,SUB_EVENT_TYPE,EVENTS,FATALITIES,POPULATION_EXPOSURE,"
        "DISORDER_TYPE,ID,CENTROID_LATITUDE,CENTROID_LONGITUDE\n"
    )
    with pytest.raises(EventDataError, match="aggregated weekly data"):
        ed.load_acled(path, cache=False)


def test_bad_date_names_file_line_column_and_value(tmp_path: Path) -> None:
    rows = [
        acled_row(0),
        acled_row(1, notes="two\nlines"),
        acled_row(2, "2024-02-30"),
        acled_row(3, "May 16"),
    ]
    path = write_csv(tmp_path / "acled.csv", rows)
    with pytest.raises(EventDataError) as err:
        ed.load_acled(path, cache=False)
    message = str(err.value)
    # Header is line 1; row 1's note spans lines 3-4, so row 2 starts on line 5.
    assert f"{path}, line 5, column 'event_date'" in message
    assert "'2024-02-30'" in message and "1 more row like this, e.g. line 6" in message
    assert (err.value.line, err.value.column, err.value.value) == (5, "event_date", "2024-02-30")


def test_latitude_out_of_range(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0), acled_row(1, latitude=95.5)])
    with pytest.raises(EventDataError, match=r"line 3, column 'latitude': out of range .*95\.5"):
        ed.load_acled(path, cache=False)


def test_longitude_out_of_range_in_excel_names_the_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "acled.xlsx", [acled_row(0), acled_row(1), acled_row(2, longitude=-200)])
    with pytest.raises(EventDataError, match=r"sheet 'Export'\), row 4, column 'longitude'.*-200"):
        ed.load_acled(path, cache=False)


def test_text_in_a_number_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0), acled_row(1, fatalities="unknown")])
    with pytest.raises(EventDataError, match=r"line 3, column 'fatalities': not an integer: 'unknown'"):
        ed.load_acled(path, cache=False)


def test_unknown_precision_code(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ged.csv", [ucdp_row(0), ucdp_row(1, date_prec=7)])
    with pytest.raises(EventDataError, match=r"line 3, column 'date_prec': expected one of 1, 2, 3, 4, 5"):
        ed.load_ucdp_ged(path, cache=False)


def test_missing_coordinate(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ged.csv", [ucdp_row(0, longitude="")])
    with pytest.raises(EventDataError, match=r"line 2, column 'longitude': missing: an empty cell"):
        ed.load_ucdp_ged(path, cache=False)


def test_ragged_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0), acled_row(1)])
    path.write_text(path.read_text() + "TST9,2024-05-16,2024\n")
    with pytest.raises(EventDataError, match=r"acled\.csv: not a well-formed CSV file .*Expected 31 columns"):
        ed.load_acled(path, cache=False)


def test_zip_with_two_csv_files(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [acled_row(0)])
    b = write_csv(tmp_path / "b.csv", [acled_row(1)])
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(a, a.name)
        zf.write(b, b.name)
    with pytest.raises(EventDataError, match="2 CSV files; expected exactly one"):
        ed.load_acled(path, cache=False)


# ------------------------------------------------------------------------------------- cache


def test_second_load_comes_from_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(i) for i in range(4)])
    first = ed.load_acled(path, cache=cache)
    assert len(list(cache.glob("acled-*.arrow"))) == 1
    assert not list(cache.rglob("*.tmp")), "a temporary file was left behind"

    def no_parsing(*args: object) -> None:
        raise AssertionError("parsed again despite the cache")

    monkeypatch.setattr(ed, "_read_table", no_parsing)
    second = ed.load_acled(path, cache=cache, accessed="2025-06-01")
    pd.testing.assert_frame_equal(first.drop(columns="accessed"), second.drop(columns="accessed"))
    assert second["accessed"].iloc[0] == pd.Timestamp("2025-06-01")  # not taken from the cache


def test_changed_file_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    assert ed.load_acled(path, cache=cache)["fatalities_best"][0] == 0
    write_csv(path, [acled_row(0, fatalities=7)])  # same size, same mtime: only the bytes differ
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000))
    assert ed.load_acled(path, cache=cache)["fatalities_best"][0] == 7


def test_a_copy_of_the_same_bytes_hits_the_cache(tmp_path: Path, cache: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    ed.load_acled(path, cache=cache)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(path.read_bytes())
    ed.load_acled(copy, cache=cache)
    assert len(list(cache.glob("*.arrow"))) == 1


def test_default_cache_dir_and_clear_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_ANALYSIS_CACHE", str(tmp_path / "env-cache"))
    ed.load_ucdp_ged(write_csv(tmp_path / "ged.csv", [ucdp_row(0)]))
    assert len(list((tmp_path / "env-cache").glob("ucdp-*.arrow"))) == 1
    assert ed.clear_cache() == 1
    assert not list((tmp_path / "env-cache").glob("*.arrow"))


def test_a_bad_file_is_not_cached(tmp_path: Path, cache: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0, latitude=91)])
    with pytest.raises(EventDataError):
        ed.load_acled(path, cache=cache)
    assert not list(cache.glob("*.arrow"))


# ------------------------------------------------------------------------------------- combining


@pytest.fixture
def both(tmp_path: Path) -> pd.DataFrame:
    acled = ed.load_acled(
        write_csv(tmp_path / "acled.csv", [acled_row(i, f"{1 + i:02d} May 2020") for i in range(8)]),
        cache=False,
    )
    ucdp = ed.load_ucdp_ged(write_csv(tmp_path / "ged.csv", [ucdp_row(i) for i in range(5)]), cache=False)
    return ed.concat_events(acled, ucdp)


def test_concat_keeps_types_and_both_prefixes(both: pd.DataFrame) -> None:
    assert len(both) == 13
    assert list(both.columns[: len(COMMON_COLUMNS)]) == list(COMMON_COLUMNS)
    assert both["dataset"].dtype == ed._DATASET_DTYPE
    assert both["date_precision"].dtype == ed._PRECISION_DTYPE
    assert str(both["date"].dtype) == "datetime64[s]"
    assert str(both["fatalities_best"].dtype) == "Int64"
    assert both["acled_notes"].notna().sum() == 8 and both["ucdp_relid"].notna().sum() == 5


def test_filter_events(both: pd.DataFrame) -> None:
    out = ed.filter_events(both, country="testland", start="2020-02-01", end="2020-05-05")
    assert set(out["country"]) == {"Testland"}
    assert out["date"].between("2020-02-01", "2020-05-05").all()
    kinds = ed.filter_events(both, event_types=["Battles", "One-sided violence"])
    assert set(kinds["event_type"]) == {"Battles", "One-sided violence"}
    with pytest.raises(ValueError, match=r"unknown event type\(s\) 'Batles'.*the data holds: Battles"):
        ed.filter_events(both, event_types=["Batles"])


def test_monthly_counts_fill_empty_months(both: pd.DataFrame) -> None:
    table = ed.monthly_counts(both)
    assert table.index[0] == pd.Timestamp("2020-01-01") and table.index[-1] == pd.Timestamp("2020-05-01")
    assert table.loc["2020-04-01", ("events", "ACLED")] == 0
    assert table.loc["2020-05-01", ("events", "ACLED")] == 8
    assert table.loc["2020-05-01", ("fatalities", "ACLED")] == sum(range(8))
    assert table[("events", "UCDP GED")].sum() == 5


def test_source_line_names_each_dataset_and_access_date(both: pd.DataFrame) -> None:
    line = ed.event_source_line(both)
    assert "ACLED" in line and "acleddata.com" in line
    assert "UCDP" in line and "CC BY 4.0" in line
    assert line.count(f"accessed {ACCESSED}") == 2


def test_parse_dates_handles_every_style_once() -> None:
    values = pd.Series(["2024-05-16", "16 May 2024", "16-05-2024", "16 may 2024", None, "2024-13-01"] * 2)
    parsed = ed._parse_dates(values.astype("str"))
    assert parsed.dtype == np.dtype("datetime64[s]")
    assert (parsed[:4] == np.datetime64("2024-05-16")).all()
    assert np.isnat(parsed[4]) and np.isnat(parsed[5])


# ------------------------------------------------------------------------------------- notebook parameters


def test_check_event_params(tmp_path: Path) -> None:
    from sahel_analysis.params import ParameterError

    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    params = ed.check_event_params(acled_path=str(path), start="2020-01-01", event_types=["Battles"])
    assert params["acled_path"] == path and params["ucdp_path"] is None
    assert params["start"] == dt.date(2020, 1, 1) and params["end"] is None
    with pytest.raises(ParameterError, match="acled_path: no such file"):
        ed.check_event_params(acled_path=str(tmp_path / "nope.csv"))
    with pytest.raises(ParameterError, match="event_types: expected a non-empty list"):
        ed.check_event_params(event_types="Battles")
    with pytest.raises(ParameterError, match="aggregate: expected one of None, admin1"):
        ed.check_event_params(aggregate="admin2")
    with pytest.raises(ParameterError, match="end: expected a date on or after start"):
        ed.check_event_params(start="2021-01-01", end="2020-01-01")


# ------------------------------------------------------------------------------------- plots


@pytest.fixture
def sahel_events(tmp_path: Path) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    acled = [
        acled_row(
            i,
            f"{1 + i % 28:02d}-{1 + i % 12:02d}-{2013 + i % 3}",
            latitude=round(float(rng.uniform(12, 20)), 4),
            longitude=round(float(rng.uniform(-8, 2)), 4),
            admin1=f"Region {i % 4}",
            fatalities=int(rng.integers(0, 30)),
        )
        for i in range(60)
    ]
    ucdp = [
        ucdp_row(i, date_start=f"2014-0{1 + i % 9}-15", adm_1=f"Region {i % 3} region") for i in range(20)
    ]
    return ed.concat_events(
        ed.load_acled(write_csv(tmp_path / "acled.csv", acled), cache=False),
        ed.load_ucdp_ged(write_csv(tmp_path / "ged.csv", ucdp), cache=False),
    )


@pytest.fixture
def mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _by_gid(ax, prefix: str) -> dict[str, object]:
    found = {}
    for artist in ax.findobj():
        gid = artist.get_gid()
        if gid and gid.startswith(prefix):
            found[gid[len(prefix) :]] = artist
    return found


def test_event_map_bubbles_and_source_line(sahel_events: pd.DataFrame, mpl) -> None:
    from sahel_analysis.style import source_line_text

    ax = ed.plot_event_map(sahel_events)
    points = _by_gid(ax, ed.EVENTS_GID)
    assert set(points) == {"ACLED", "UCDP GED"}
    assert len(points["ACLED"].get_offsets()) == 60 and len(points["UCDP GED"].get_offsets()) == 20
    sizes = np.concatenate([p.get_sizes() for p in points.values()])
    assert sizes.max() == pytest.approx(400.0)  # the deadliest event sets the scale
    line = source_line_text(ax)
    assert "ACLED" in line and "acleddata.com" in line and f"accessed {ACCESSED}" in line
    assert "UCDP" in line and "CC BY 4.0" in line and "Natural Earth" in line


def test_event_map_by_admin1(sahel_events: pd.DataFrame, mpl) -> None:
    ax = ed.plot_event_map(sahel_events, aggregate="admin1")
    regions = _by_gid(ax, ed.ADMIN1_GID)
    assert set(regions) == {f"ACLED:Region {i}" for i in range(4)} | {
        f"UCDP GED:Region {i} region" for i in range(3)
    }
    with pytest.raises(ValueError, match="aggregate"):
        ed.plot_event_map(sahel_events, aggregate="admin2")


def test_event_counts_lines_milestones_and_sources(sahel_events: pd.DataFrame, mpl) -> None:
    from sahel_analysis.data import load_events
    from sahel_analysis.style import source_line_text

    curated = load_events()
    ax = ed.plot_event_counts(sahel_events, curated=curated)
    table = ed.monthly_counts(sahel_events)
    lines = _by_gid(ax.figure, "")  # both y axes
    assert {"events:ACLED", "events:UCDP GED", "fatalities:ACLED", "fatalities:UCDP GED"} <= set(lines)
    assert list(lines["events:ACLED"].get_ydata()) == table[("events", "ACLED")].tolist()
    shown = curated[curated["milestone"].astype(bool) & curated["date"].between("2013-01-01", "2015-12-31")]
    assert len(shown) > 0
    assert set(_by_gid(ax, ed.MILESTONE_GID)) == set(shown["id"])
    line = source_line_text(ax)
    assert "ACLED" in line and "UCDP" in line and "milestones" in line and "data/sources.csv" in line


def test_event_counts_on_given_axes_and_empty_selection(sahel_events: pd.DataFrame, mpl) -> None:
    fig, (top, bottom) = mpl.subplots(2)
    assert ed.plot_event_counts(sahel_events, measure="fatalities", ax=bottom) is bottom
    assert set(_by_gid(bottom, "fatalities:")) == {"ACLED", "UCDP GED"}
    empty = ed.filter_events(sahel_events, country="Nowhere")
    assert ed.plot_event_counts(empty, measure="events", ax=top) is top
    assert ed.plot_event_map(empty) is not None


# ------------------------------------------------------------------------------------- the notebook


def test_notebook_builds_with_files_is_skipped_without_and_refuses_bad_values(
    sahel_events: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from sahel_analysis.cli import main

    monkeypatch.setenv("SAHEL_ANALYSIS_CACHE", str(tmp_path / "cache"))
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "05_conflict_events.ipynb"
    files = f"acled_path: {tmp_path / 'acled.csv'}\nucdp_path: {tmp_path / 'ged.csv'}\n"
    variants = {
        "with-files": files + "country: Testland\nstart: 2013-01-01\nend: 2016-12-31\naggregate: admin1\n",
        "no-files": "{}\n",
        "bad": files + "aggregate: admin2\n",
    }
    args = ["build", str(notebook), "-o", str(tmp_path / "out"), "-j", "3"]
    for name, text in variants.items():
        (tmp_path / f"{name}.yaml").write_text(text)
        args += ["-f", str(tmp_path / f"{name}.yaml")]
    code = main(args)
    captured = capsys.readouterr()
    report = captured.out + captured.err
    out = tmp_path / "out"
    assert code != 0 and "aggregate: expected one of None, admin1" in report  # the bad variant
    assert re.search(r"05_conflict_events--no-files\s+skipped", report)
    assert not (out / "05_conflict_events--no-files.html").exists()  # never an empty briefing
    assert (out / "05_conflict_events--with-files.html").is_file()
    executed = (out / "05_conflict_events--with-files.ipynb").read_text(encoding="utf-8")
    # Testland only (rows 0, 4, 8... of the ACLED file are elsewhere), all dates in range.
    assert re.search(r"ACLED\s+45\s", executed) and re.search(r"UCDP GED\s+20\s", executed)
    html = (out / "05_conflict_events--with-files.html").read_text(encoding="utf-8")
    assert html.count("<img") >= 3  # map, events, fatalities
