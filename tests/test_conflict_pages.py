"""The pages built on the shipped UCDP events, checked against UCDP's own exports read here.

One build (four pages, two kernels at a time): 05 with its defaults, the Kidal dossier (its named
set), and the briefing dated 2021-06-04 and 2023-12-31. Expected figures come from UCDP's Mali and
Burkina Faso exports (data/conflict/raw/, read with the csv module by tests/oracle.py), the
gazetteer and presence tables read the same way, and distances from pyproj's geodesic: never from
the library's output.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from pathlib import Path

import oracle
import pytest
from bs4 import BeautifulSoup
from pyproj import Geod

from sahel_analysis.paths import NOTEBOOK_DIR

pytestmark = pytest.mark.slow

GEOD = Geod(ellps="WGS84")
DOSSIER_SET = NOTEBOOK_DIR / "params" / "08_place" / "kidal.yaml"
HANDED_OVER_BY_2023 = {"Kidal", "Tessalit", "Timbuktu", "Gossi", "Ménaka", "Gao"}  # issue 22


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sahel_analysis.report import build, plan

    folder = tmp_path_factory.mktemp("conflict-pages")
    early, late = folder / "early.yaml", folder / "late.yaml"
    early.write_text("as_of: 2021-06-04\n")
    late.write_text("as_of: 2023-12-31\n")
    jobs = plan([NOTEBOOK_DIR / "05_conflict_events.ipynb"], {})
    jobs += plan([NOTEBOOK_DIR / "08_place.ipynb"], {}, [DOSSIER_SET])
    jobs += plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, [early, late])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAHEL_ANALYSIS_CACHE", str(folder / "cache"))
        results = build(jobs, folder / "site", workers=2)
    assert [r.status for r in results] == ["built"] * 4, [r.message for r in results]
    return folder / "site"


def chart_data(executed: dict, name: str) -> list[dict[str, str]]:
    """The rows a chart of the executed notebook was drawn from (the page's data download)."""
    found = [
        d["csv"]
        for cell in executed["cells"]
        for out in cell.get("outputs", [])
        for d in out.get("metadata", {}).get("sahel_analysis", {}).get("data", [])
        if d["name"] == name
    ]
    assert len(found) == 1, (name, len(found))
    return list(csv.DictReader(io.StringIO(found[0])))


def executed(site: Path, stem: str) -> dict:
    return json.loads((site / f"{stem}.ipynb").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------- the oracle


def place(place_id: str) -> tuple[float, float, str]:
    (row,) = [r for r in oracle.rows("places") if r["id"] == place_id]
    return float(row["latitude"]), float(row["longitude"]), row["name_en"]


def handover(place_id: str) -> dt.date:
    """The end of the place's last presence period, which was handed to someone (data/presence.csv)."""
    periods = sorted(
        (r for r in oracle.rows("presence") if r["place_id"] == place_id), key=lambda r: r["start_date"]
    )
    assert periods[-1]["handed_to"], place_id
    return dt.date.fromisoformat(periods[-1]["end_date"])


def around(place_id: str, radius_km: float, days: int) -> dict[str, int]:
    """Events and best deaths within ``radius_km`` of the place in the ``days`` before its handover and
    the ``days`` from it; events placed no closer than a region (UCDP's where_prec 3 and above, which
    may lie farther than the radius) are not counted."""
    lat, lon, _name = place(place_id)
    day = handover(place_id)
    counts: Counter[str] = Counter()
    for row in oracle.ucdp_export("Mali") + oracle.ucdp_export("Burkina Faso"):
        if row["where_prec"] not in ("1", "2"):  # 2: within 25 km of the point, less than the radius
            continue
        _az, _back, metres = GEOD.inv(lon, lat, float(row["longitude"]), float(row["latitude"]))
        if metres > radius_km * 1000:
            continue
        start = oracle.ucdp_day(row)
        side = "before" if day - dt.timedelta(days=days) <= start < day else None
        side = "after" if day <= start < day + dt.timedelta(days=days) else side
        if side:
            counts[f"events_{side}"] += 1
            counts[f"deaths_{side}"] += int(row["best_est"])
    return {k: counts[k] for k in ("events_before", "deaths_before", "events_after", "deaths_after")}


# ------------------------------------------------------------------------------------- 05


def test_the_conflict_page_builds_by_default_and_draws_mali_year_by_year_as_ucdp_counted(site: Path) -> None:
    years = range(2012, 2024)  # the notebook's default start and end
    events: Counter[int] = Counter()
    best: Counter[int] = Counter()
    for row in oracle.ucdp_export("Mali"):
        year = oracle.ucdp_day(row).year
        if year in years:
            events[year] += 1
            best[year] += int(row["best_est"])
    assert events[2022] == 408  # the export's README, as issue 22 quotes it
    nb = executed(site, "05_conflict_events")
    for name, counted in (("events-per-year.csv", events), ("fatalities-per-year.csv", best)):
        drawn = chart_data(nb, name)
        assert [int(r["year"]) for r in drawn] == list(years)
        column = "events" if counted is events else "best"
        assert {int(r["year"]): int(r[column]) for r in drawn} == dict(counted), name
        assert {r["source_id"] for r in drawn} == {"UCDP GED"}
    page = (site / "05_conflict_events.html").read_text(encoding="utf-8")
    assert "UCDP GED 24.1, Mali and Burkina Faso, 1990–2023" in page
    assert "UCDP GED: fatalities per year in Mali, 2012–2023" in page  # the chart's title, in its alt text


# ------------------------------------------------------------------------------------- 08 Kidal


def test_the_kidal_dossier_shows_the_events_ucdp_recorded_before_and_after_the_handover(site: Path) -> None:
    import yaml

    from sahel_analysis.report import parameters

    radius = yaml.safe_load(DOSSIER_SET.read_text()).get("radius_km")
    if radius is None:
        (default,) = [p.default for p in parameters(NOTEBOOK_DIR / "08_place.ipynb") if p.name == "radius_km"]
        radius = float(default)
    page = BeautifulSoup((site / "08_place--kidal.html").read_text(encoding="utf-8"), "html.parser")
    (table,) = [t for t in page.find_all("table") if "Events before" in t.get_text()]
    headers = [th.get_text(strip=True) for th in table.find_all("th")]
    (row,) = table.find("tbody").find_all("tr")
    shown = dict(zip(headers, [td.get_text(strip=True) for td in row.find_all("td")], strict=True))
    assert shown["Place"] == "Kidal" and shown["Dataset"] == "UCDP GED"
    days = int(shown["Days in each window"])
    assert days == 365  # dated on the latest data, well over a year after the handover
    expected = around("kidal", radius, days)
    got = {
        "events_before": int(shown["Events before"]),
        "deaths_before": int(shown["Deaths before"]),
        "events_after": int(shown["Events after"]),
        "deaths_after": int(shown["Deaths after"]),
    }
    assert got == expected
    assert sum(expected.values()) > 0  # real counts, not an empty section
    # The sentence above the table says the same.
    text = page.get_text(" ")
    assert (
        f"{expected['events_after']} events ({expected['deaths_after']} deaths) in the 365 days from it"
        in text
    )
    # The monthly chart counts at least the events of both windows (its months cover them).
    monthly = chart_data(executed(site, "08_place--kidal"), "events-near-place.csv")
    assert sum(int(r["events"]) for r in monthly) >= expected["events_before"] + expected["events_after"]


# ------------------------------------------------------------------------------------- 06


def section(site: Path, stem: str) -> list:
    """The elements of the briefing's "After the handovers" section, up to the next section."""
    page = BeautifulSoup((site / f"{stem}.html").read_text(encoding="utf-8"), "html.parser")
    heading = page.find(id="after-the-handovers")
    assert (
        heading is not None
        and heading.name == "h2"
        and heading.get_text(strip=True).startswith("After the handovers")
    )
    parts = []
    for element in heading.find_all_next():
        if element.name == "h2":
            break
        parts.append(element)
    return parts


def test_a_briefing_dated_before_any_handover_has_nothing_to_compare(site: Path) -> None:
    parts = section(site, "06_briefing--early")
    text = " ".join(p.get_text(" ", strip=True) for p in parts if p.name == "p")
    assert "No French base had been handed over by 4 June 2021: there is nothing yet to compare." in text
    assert "handed over to" not in text
    assert not [p for p in parts if p.name == "img"]


def test_a_briefing_dated_2023_12_31_compares_the_six_bases_handed_over_in_mali(site: Path) -> None:
    parts = section(site, "06_briefing--late")
    sentences = [
        p.get_text(" ", strip=True) for p in parts if p.name == "p" and ", handed over to " in p.get_text()
    ]
    named = {s.split(", handed over to ")[0] for s in sentences}
    assert named == HANDED_OVER_BY_2023
    assert len([p for p in parts if p.name == "img"]) == 1  # the dumbbell chart
    drawn = chart_data(executed(site, "06_briefing--late"), "around-bases.csv")
    assert {r["place"] for r in drawn} == HANDED_OVER_BY_2023
    # Each sentence's figures: what UCDP recorded within 50 km, a year either side.
    ids = {place(p["id"])[2]: p["id"] for p in oracle.rows("places")}
    for text in sentences:
        name = text.split(", handed over to ")[0]
        counts = around(ids[name], 50, 365)
        numbers = [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) (?:events?|deaths?)\b", text)]
        assert numbers[:4] == [
            counts["events_before"],
            counts["deaths_before"],
            counts["events_after"],
            counts["deaths_after"],
        ], text
    text = " ".join(p.get_text(" ", strip=True) for p in parts)
    assert "not all violence" in text and "not cause and effect" in text
