"""Each file layout users actually download, read from a small fixture in its published layout.

The fixtures in tests/fixtures/events/ copy each layout's header (and, for HDX copies, the HXL
hashtag row under it) with invented values. Expected values are read from the fixture here with
the csv module, independently of the loaders.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sahel_analysis.events import EventDataError, load_acled, load_ucdp_ged
from sahel_analysis.events.sniff import is_hxl_row

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"


def rows_of(name: str, *, skip_tags: bool) -> list[dict[str, str]]:
    with open(FIXTURES / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[1:] if skip_tags else rows


def test_hxl_row_rule() -> None:
    assert is_hxl_row(["#event+code", "", "#date+year"])
    assert not is_hxl_row(["#event+code", "TST1"])  # a value, not a tag
    assert not is_hxl_row(["", ""])


def test_acled_pre2023_column_set_as_copied_by_hdx() -> None:
    frame = load_acled(FIXTURES / "acled_pre2023_hdx.csv", cache=False)
    expected = rows_of("acled_pre2023_hdx.csv", skip_tags=True)
    assert frame.attrs["hdx"] is True and frame.attrs["layout"] == "ACLED (pre-2023 column set)"
    assert frame["original_id"].tolist() == [r["event_id_cnty"] for r in expected]  # no '#event+code'
    # The three date styles: ISO, "30 December 2020" and dd-mm-yyyy.
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-12-31", "2020-12-30", "2020-12-01"]
    assert frame["fatalities_best"].tolist() == [int(r["fatalities"]) for r in expected]
    assert str(frame["acled_data_id"].dtype) == "Int64" and str(frame["acled_iso3"].dtype) == "str"
    assert frame["acled_iso3"].tolist() == ["TST"] * 3
    assert "acled_disorder_type" not in frame.columns
    assert frame["location_precision_km"].tolist() == [0.0, 25.0, float("inf")]


def test_acled_monadic_export_gives_one_row_per_event() -> None:
    frame = load_acled(FIXTURES / "acled_monadic.csv", cache=False)
    rows = rows_of("acled_monadic.csv", skip_tags=False)
    ids = list(dict.fromkeys(r["event_id_cnty"] for r in rows))
    assert frame["original_id"].tolist() == ids
    assert frame.attrs["monadic"] is True and frame.attrs["rows_in_file"] == len(rows)
    actors = {i: [r["actor1"] for r in rows if r["event_id_cnty"] == i] for i in ids}
    assert frame["actor1"].tolist() == [a[0] for a in actors.values()]
    assert frame["actor2"].tolist()[0] == actors["TST201"][1]
    assert pd.isna(frame["actor2"].tolist()[1])  # a protest with one actor
    assert frame["acled_actors"].tolist() == ["; ".join(a) for a in actors.values()]
    assert frame["acled_assoc_actor_2"][0] == "Group A faction"
    fatalities_once = {r["event_id_cnty"]: int(r["fatalities"]) for r in rows}
    assert frame["fatalities_best"].sum() == sum(fatalities_once.values())


def test_monadic_error_names_the_line_in_the_file(tmp_path: Path) -> None:
    text = (FIXTURES / "acled_monadic.csv").read_text().splitlines()
    text[5] = text[5].replace("15.3000", "95.3000")  # TST203's first row: line 6
    path = tmp_path / "monadic.csv"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(EventDataError, match=r"line 6, column 'latitude'"):
        load_acled(path, cache=False)


def test_ucdp_ged_as_copied_by_hdx_with_iso3_and_date_end() -> None:
    frame = load_ucdp_ged(FIXTURES / "ucdp_ged_hdx.csv", cache=False)
    expected = rows_of("ucdp_ged_hdx.csv", skip_tags=True)
    assert frame.attrs["hdx"] is True and frame.attrs["layout"] == "UCDP GED"
    assert frame["original_id"].tolist() == [r["id"] for r in expected]
    assert frame["date"].tolist() == [pd.Timestamp(r["date_start"][:10]) for r in expected]
    assert frame["date_end"].tolist() == [pd.Timestamp(r["date_end"][:10]) for r in expected]
    assert frame["date_precision"].tolist() == ["day", "week"]  # date_prec 1 and 2
    assert frame["ucdp_iso3"].tolist() == ["TST", "TST"] and str(frame["ucdp_iso3"].dtype) == "str"
    assert frame["ucdp_gwnoa"].tolist()[0] == "999"  # declared text, although it holds digits
    assert frame["location_precision_km"].tolist() == [0.0, 25.0]


def test_hdx_copy_through_the_cache_keeps_its_attrs(tmp_path: Path) -> None:
    path = shutil.copy(FIXTURES / "ucdp_ged_hdx.csv", tmp_path / "ged.csv")
    first = load_ucdp_ged(path, cache=tmp_path / "cache")
    again = load_ucdp_ged(path, cache=tmp_path / "cache")
    assert again.attrs == first.attrs and again.attrs["hdx"] is True
    pd.testing.assert_frame_equal(first, again)


def test_acled_aggregated_monthly_file_is_named_in_one_line() -> None:
    path = FIXTURES / "acled_aggregated_monthly_hdx.csv"
    with pytest.raises(EventDataError) as err:
        load_acled(path, cache=False)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert "ACLED aggregated monthly counts" in message and "not an event file" in message


def test_hdx_copy_saved_as_excel(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    with open(FIXTURES / "acled_pre2023_hdx.csv", newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            wb.active.append(row)
    wb.save(tmp_path / "acled.xlsx")
    frame = load_acled(tmp_path / "acled.xlsx", cache=False)
    assert frame.attrs["hdx"] is True and len(frame) == 3
    assert frame["fatalities_best"].tolist() == [4, 0, 0]


# UCDP's per-country web export. The fixture holds five real rows of UCDP GED (Mali, as exported
# from ucdp.uu.se; CC BY 4.0, Sundberg & Melander 2013), copied byte for byte from
# data/conflict/raw/, with the export's layout: best_est/high_est/low_est, no gwnoa/gwnob,
# MM/DD/YYYY 00:00:00 dates, a trailing comma on every data row, fields spanning lines.
COUNTRY_EXPORT = FIXTURES / "ucdp_ged_country_export.csv"


def as_gedevent(source: Path, target: Path) -> Path:
    """The same events in the global GEDEvent_vXX_1.csv layout, converted here with the csv module."""
    with open(source, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    renamed = [{"best_est": "best", "high_est": "high", "low_est": "low"}.get(c, c) for c in header]

    def iso(text: str) -> str:
        return dt.datetime.strptime(text, "%m/%d/%Y %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S.000")

    with open(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*renamed, "gwnoa", "gwnob"])
        for row in rows:
            assert len(row) == len(header) + 1 and row[-1] == ""  # the trailing comma
            cells = dict(zip(header, row, strict=False))
            cells["date_start"], cells["date_end"] = iso(cells["date_start"]), iso(cells["date_end"])
            cells["active_year"] = {"True": "1", "False": "0"}[cells["active_year"]]
            writer.writerow([*(cells[c] for c in header), "", ""])
    return target


def test_ucdp_per_country_export_is_read_as_it_is() -> None:
    frame = load_ucdp_ged(COUNTRY_EXPORT, cache=False)
    rows = rows_of(COUNTRY_EXPORT.name, skip_tags=False)
    assert frame.attrs["layout"] == "UCDP GED (per-country web export)" and frame.attrs["hdx"] is False
    assert frame["original_id"].tolist() == [r["id"] for r in rows]
    day = "%m/%d/%Y %H:%M:%S"
    assert frame["date"].tolist() == [dt.datetime.strptime(r["date_start"], day) for r in rows]
    assert frame["date_end"].tolist() == [dt.datetime.strptime(r["date_end"], day) for r in rows]
    for common, original in (("best", "best_est"), ("low", "low_est"), ("high", "high_est")):
        expected = [int(r[original]) for r in rows]
        assert frame[f"fatalities_{common}"].tolist() == expected
        assert frame[f"ucdp_{common}"].tolist() == expected  # GEDEvent's names, not the export's
    assert not [c for c in frame.columns if c.endswith("_est")]
    assert frame["ucdp_active_year"].tolist() == [int(r["active_year"] == "True") for r in rows]
    assert frame[["ucdp_gwnoa", "ucdp_gwnob"]].isna().all().all()  # not in the export
    # The field that spans seven lines (the list of places) comes whole.
    assert frame["ucdp_where_description"].str.contains("\n").sum() == 1


def test_ucdp_per_country_export_gives_the_frame_of_a_gedevent_file(tmp_path: Path) -> None:
    country = load_ucdp_ged(COUNTRY_EXPORT, cache=False, accessed="2026-12-04")
    gedevent = load_ucdp_ged(
        as_gedevent(COUNTRY_EXPORT, tmp_path / "ged.csv"), cache=False, accessed="2026-12-04"
    )
    assert gedevent.attrs["layout"] == "UCDP GED"
    # The original columns keep the file's text (ucdp_date_start "05/26/2016 00:00:00"); the
    # dates themselves are the same.
    texts = ["ucdp_date_start", "ucdp_date_end"]
    pd.testing.assert_frame_equal(country.drop(columns=texts), gedevent.drop(columns=texts))
    for column in texts:
        assert (
            pd.to_datetime(country[column], format="%m/%d/%Y %H:%M:%S") == pd.to_datetime(gedevent[column])
        ).all()


def test_ucdp_per_country_export_through_the_cache(tmp_path: Path) -> None:
    path = shutil.copy(COUNTRY_EXPORT, tmp_path / "Mali.csv")
    first = load_ucdp_ged(path, cache=tmp_path / "cache")
    again = load_ucdp_ged(path, cache=tmp_path / "cache")
    assert again.attrs == first.attrs
    pd.testing.assert_frame_equal(first, again)


def test_a_slashed_date_is_month_first_only_in_the_per_country_export(tmp_path: Path) -> None:
    gedevent = as_gedevent(COUNTRY_EXPORT, tmp_path / "ged.csv")
    text = gedevent.read_text(encoding="utf-8").replace("2016-05-26 00:00:00.000", "05/26/2016 00:00:00", 1)
    gedevent.write_text(text, encoding="utf-8")
    with pytest.raises(EventDataError, match=r"line 2, column 'date_start': not a date in a known style"):
        load_ucdp_ged(gedevent, cache=False)


def test_a_bad_date_in_the_per_country_export_names_file_physical_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "Mali.csv"
    # The third data row starts on physical line 10: the second one spans seven lines.
    text = COUNTRY_EXPORT.read_text(encoding="utf-8").replace("03/22/2022 00:00:00", "22/03/2022 00:00:00", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventDataError) as err:
        load_ucdp_ged(path, cache=False)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}, line 10, column 'date_start': not a date in a known style")
    assert "'22/03/2022 00:00:00'" in message and "05/16/2024 00:00:00" in message


def test_a_bad_death_count_in_the_per_country_export_is_named_as_the_file_names_it(tmp_path: Path) -> None:
    with open(COUNTRY_EXPORT, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    rows[0][header.index("low_est")] = "-1"
    path = tmp_path / "Mali.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    with pytest.raises(EventDataError, match=r"line 2, column 'low_est': out of range"):
        load_ucdp_ged(path, cache=False)


def test_a_per_country_export_without_a_column_names_it(tmp_path: Path) -> None:
    with open(COUNTRY_EXPORT, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    gone = header.index("best_est")
    path = tmp_path / "Mali.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([r[:gone] + r[gone + 1 :] for r in [header, *rows]])
    with pytest.raises(EventDataError, match=r"Mali\.csv: not a usable UCDP GED .*missing column best_est"):
        load_ucdp_ged(path, cache=False)
