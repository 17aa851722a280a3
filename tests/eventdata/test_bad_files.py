"""ACLED / UCDP files in the wrong shape: read them when the meaning is clear, else refuse in one line.

Each message names the file and says what it looks like; nothing from pyarrow or openpyxl leaks out.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sahel_analysis import events as ed
from sahel_analysis.events import EventDataError

from .rows import acled_row, ucdp_row, write_csv, write_xlsx


def _refused(call, *args) -> EventDataError:
    with pytest.raises(EventDataError) as err:
        call(*args, cache=False)
    assert "\n" not in str(err.value)
    return err.value


def _acled(tmp_path: Path, name: str = "acled.csv", **changes: object) -> Path:
    return write_csv(tmp_path / name, [acled_row(0, **changes), acled_row(1), acled_row(2)])


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = _acled(tmp_path, location="Ségou")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.warns(UnicodeWarning, match=r"acled\.csv: not UTF-8 text; read as Latin-1"):
        frame = ed.load_acled(path, cache=False)
    assert frame["location"].iloc[0] == "Ségou"
    assert frame.attrs["encoding"] == "latin-1"


def test_latin1_file_with_a_bad_value_names_the_line(tmp_path: Path) -> None:
    rows = [acled_row(0, notes="Près de Ségou,\nà l'est"), acled_row(1), acled_row(2, latitude="north")]
    path = write_csv(tmp_path / "acled.csv", rows)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.warns(UnicodeWarning):
        err = _refused(ed.load_acled, path)
    # Line 2 holds a two-line note, so the third row starts on physical line 5.
    assert (err.line, err.column, err.value) == (5, "latitude", "north")
    assert str(err.value) in str(err) and "acled.csv" in str(err)


def test_duplicate_column(tmp_path: Path) -> None:
    path = _acled(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("admin2", "admin1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _refused(ed.load_acled, path)
    assert str(err).startswith(f"{path}: the header names a column more than once: 'admin1' (columns 19, 20)")
    assert "looks like ACLED" in str(err) and err.column == "admin1"


@pytest.mark.parametrize("damage", ["truncated", "broken sheet"])
def test_damaged_xlsx(tmp_path: Path, damage: str) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [acled_row(0), acled_row(1)])
    bad = tmp_path / "export.xlsx"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
            for name in zin.namelist():
                data = zin.read(name)
                zout.writestr(name, data[: len(data) // 2] if name.startswith("xl/worksheets/") else data)
    err = _refused(ed.load_acled, bad)
    assert str(err).startswith(f"{bad}: damaged Excel (.xlsx) workbook (")
    assert err.looks_like == "a damaged Excel (.xlsx) workbook"


def test_semicolon_separated_file_is_read(tmp_path: Path) -> None:
    comma = _acled(tmp_path)
    with open(comma, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    semi = tmp_path / "acled-fr.csv"
    with open(semi, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    frame = ed.load_acled(semi, cache=False, accessed="2025-05-20")
    expected = ed.load_acled(comma, cache=False, accessed="2025-05-20")
    assert frame.attrs["delimiter"] == ";"
    pd.testing.assert_frame_equal(frame, expected, check_like=False)


def test_decimal_comma_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0), acled_row(1, latitude="14,5")])
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    err = _refused(ed.load_acled, path)
    assert (err.line, err.column, err.value) == (3, "latitude", "14,5")
    assert "decimal comma" in str(err)


def test_gzip_file_is_read(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "ged.csv", [ucdp_row(0), ucdp_row(1)])
    packed = tmp_path / "ged.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    frame = ed.load_ucdp_ged(packed, cache=False, accessed="2025-05-20")
    pd.testing.assert_frame_equal(frame, ed.load_ucdp_ged(plain, cache=False, accessed="2025-05-20"))


def test_damaged_gzip_file(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "ged.csv", [ucdp_row(i) for i in range(200)])
    packed = tmp_path / "ged.csv.gz"
    data = gzip.compress(plain.read_bytes())
    packed.write_bytes(data[: len(data) - 40])
    err = _refused(ed.load_ucdp_ged, packed)
    assert str(err).startswith(f"{packed}: damaged gzip file (")


def test_directory_given_as_the_path(tmp_path: Path) -> None:
    _acled(tmp_path)
    err = _refused(ed.load_acled, tmp_path)
    assert str(err) == (
        f"{tmp_path}: this is a folder, not a file; expected ACLED data as CSV, zipped or gzipped CSV,"
        " or .xlsx; it holds acled.csv"
    )


def test_nan_coordinate_is_not_a_number_not_an_empty_cell(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ged.csv", [ucdp_row(0), ucdp_row(1, latitude="NaN")])
    err = _refused(ed.load_ucdp_ged, path)
    assert str(err) == f"{path}, line 3, column 'latitude': not a number: 'NaN'"


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    _acled(tmp_path)
    assert len(ed.load_acled("~/acled.csv", cache=False)) == 3


@pytest.mark.parametrize("dataset", ["acled", "ucdp"])
def test_an_event_given_twice_is_refused_with_its_line(tmp_path: Path, dataset: str) -> None:
    """A file joined to itself would double every count; the second copy's first row is named."""
    row, load, column = (
        (acled_row, ed.load_acled, "event_id_cnty")
        if dataset == "acled"
        else (ucdp_row, ed.load_ucdp_ged, "id")
    )
    rows = [row(0), row(1), row(2)]
    path = write_csv(tmp_path / f"{dataset}.csv", [*rows, *rows])
    err = _refused(load, path)
    assert (err.line, err.column) == (5, column)
    assert str(err.value) in str(err) and "earlier row" in str(err) and "2 more rows" in str(err)
    once = write_csv(tmp_path / f"{dataset}_once.csv", rows)
    assert len(load(once, cache=False)) == 3
