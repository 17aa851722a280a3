"""Event rows and files in the exact column layout of the real exports, with invented values.

Nothing here is real event data ("Actor A", "Testland").
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

from sahel_analysis.events import ACLED_COLUMNS, UCDP_GED_COLUMNS

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
