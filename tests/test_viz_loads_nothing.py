"""The charts draw, they never load: every chart of sahel_analysis.viz, with every loader made to raise.

A fresh interpreter loads the tables, the map layers and an event file first, then replaces every
loader of the package (and pandas' and geopandas' file readers) with one that raises, and only
then imports ``sahel_analysis.viz`` and draws each chart from the frames it was given. A chart
that reached a loader, directly or through a module it imports, fails here whatever its code
looks like. The list of charts is read from the package, so a new chart that is not drawn here
fails the test too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
EVENT_FILES = TESTS / "fixtures" / "events"


def _load_everything() -> dict:
    """Every frame the charts need, read before the loaders are taken away."""
    from sahel_analysis import dossier, events, geo, select, tables

    places = tables.load_places()
    presence = tables.load_presence()
    conflict = events.concat_events(
        events.load_acled(EVENT_FILES / "acled_pre2023_hdx.csv", cache=False),
        events.load_ucdp_ged(EVENT_FILES / "ucdp_ged_hdx.csv", cache=False),
    )
    around = events.around_bases(conflict, radius_km=50, presence=presence, places=places)
    centre = dossier.place_row(places, "gao")
    return {
        "sources": tables.load_sources(),
        "layers": geo.load_map_layers(),
        "places": places,
        "presence": presence,
        "events": tables.load_events(),
        "troops": tables.load_troop_levels(),
        "costs": tables.load_costs(),
        "cpi": tables.load_cpi(),
        "marked": select.places_by_id(places, select.DEFAULT_PLACES),
        "centre": centre,
        "towns": dossier.towns_near(geo.load_populated_places(), centre),
        "conflict": conflict,
        "around": around,
    }


def _take_loaders_away() -> list[str]:
    """Replace every loader with one that raises; returns their names."""
    import geopandas
    import pandas
    import pyogrio

    from sahel_analysis import briefing, geo, tables
    from sahel_analysis.events import load

    def refuse(name: str):
        def loader(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"a chart called the loader {name}")

        return loader

    targets = [(tables, n) for n in vars(tables) if n.startswith("load_") or n in ("read_table", "_read_csv")]
    targets += [(geo, n) for n in vars(geo) if n.startswith("load_") or n in ("_read", "_map_layers")]
    targets += [(geo, "boundaries_provenance"), (load, "load_acled"), (load, "load_ucdp_ged")]
    targets += [(briefing, "load_claims"), (briefing, "latest_data_date")]
    originals = {id(getattr(module, name)): f"{module.__name__}.{name}" for module, name in targets}
    # Wherever a module of the package bound a loader by name (``from x import load_y``), too.
    for module in [m for n, m in list(sys.modules.items()) if n.startswith("sahel_analysis")]:
        for name, value in list(vars(module).items()):
            if id(value) in originals:
                setattr(module, name, refuse(originals[id(value)]))
    for module, name in [(pandas, "read_csv"), (geopandas, "read_file"), (pyogrio, "read_dataframe")]:
        setattr(module, name, refuse(f"{module.__name__}.{name}"))
    return sorted(originals.values())


def _draw_every_chart(f: dict) -> dict:
    """Draw each chart from the frames ``f``; returns what each returned, by chart name."""
    import matplotlib

    matplotlib.use("Agg")
    from sahel_analysis.viz import (
        bases,
        costs,
        dossier,
        eventcharts,
        eventmap,
        footprint,
        placemap,
        timeline,
        troops,
    )

    cite = {"sources": f["sources"]}
    maps = {**cite, "layers": f["layers"]}
    handover = f["around"].iloc[0]
    return {
        "plot_map": placemap.plot_map(
            f["marked"], f["presence"], gazetteer=f["places"], as_of="2021-06-04", **maps
        ),
        "plot_troop_levels": troops.plot_troop_levels(f["troops"], events=f["events"], **cite),
        "plot_costs": costs.plot_costs(f["costs"], cpi=f["cpi"], constant=True, cumulative=True, **cite),
        "plot_timeline": timeline.plot_timeline(f["events"], **cite),
        "plot_bases_timeline": bases.plot_bases_timeline(f["presence"], f["places"], **cite),
        "plot_base_counts": bases.plot_base_counts(f["presence"], f["troops"], **cite),
        "plot_footprint": footprint.plot_footprint(f["presence"], f["places"], on="2016-06-01", **maps),
        "plot_footprints": footprint.plot_footprints(
            f["presence"], f["places"], ["2014-08-01", "2021-06-04"], **maps
        ),
        "footprint_apng": footprint.footprint_apng(
            f["presence"], f["places"], start="2014-01-01", end="2014-03-01", **maps
        ),
        "animate_footprint": footprint.animate_footprint(
            f["presence"], f["places"], start="2014-01-01", end="2014-03-01", **maps
        ),
        "plot_place_map": dossier.plot_place_map(
            f["centre"], f["places"], f["presence"], f["towns"], as_of="2021-06-04", **maps
        ),
        "plot_event_map": eventmap.plot_event_map(f["conflict"], layers=f["layers"]),
        "plot_event_counts": eventcharts.plot_event_counts(f["conflict"], curated=f["events"], **cite),
        "plot_around_bases": eventcharts.plot_around_bases(f["around"], **cite),
        "plot_monthly_around": eventcharts.plot_monthly_around(
            f["conflict"], f["centre"], handover=handover["handover"], radius_km=50
        ),
    }


def _charts_of_the_package() -> set[str]:
    """Every drawing function the viz modules define: ``plot_*`` and the footprint's animation."""
    import importlib
    import inspect
    import pkgutil

    import sahel_analysis.viz as viz

    found = set()
    for info in pkgutil.iter_modules(viz.__path__):
        module = importlib.import_module(f"sahel_analysis.viz.{info.name}")
        for name, value in vars(module).items():
            drawing = name.startswith("plot_") or name in ("footprint_apng", "animate_footprint")
            if drawing and inspect.isfunction(value) and value.__module__ == module.__name__:
                found.add(name)
    return found


def main() -> None:
    from matplotlib.axes import Axes

    frames = _load_everything()
    assert "sahel_analysis.viz" not in sys.modules, "viz was imported before the loaders were taken away"
    refused = _take_loaders_away()
    drawn = _draw_every_chart(frames)
    missing = _charts_of_the_package() - set(drawn)
    assert not missing, f"charts not drawn by this test: {sorted(missing)}"
    for name, result in drawn.items():
        if name == "footprint_apng":
            assert isinstance(result, bytes) and result.startswith(b"\x89PNG"), name
        elif name == "animate_footprint":
            assert isinstance(result, str) and result.startswith("<img"), name
        elif name == "plot_footprints":
            assert len(result) == 2 and all(isinstance(a, Axes) for a in result), name
        else:
            assert isinstance(result, Axes) and (result.lines or result.collections or result.patches), name
    print(f"{len(drawn)} charts drawn with {len(refused)} loaders refused: {', '.join(sorted(drawn))}")


def test_every_chart_draws_with_every_loader_refused() -> None:
    run = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, cwd=TESTS, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "charts drawn with" in run.stdout


if __name__ == "__main__":
    main()
