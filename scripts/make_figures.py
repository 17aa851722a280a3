"""Regenerate the committed figures under docs/ from the data and the library.

Run:  .venv/bin/python scripts/make_figures.py          # every figure
      .venv/bin/python scripts/make_figures.py map      # only docs/map.png

Each figure is one function taking the output path; add new ones to FIGURES. PNGs are saved
without the Software tag, so the same inputs give the same bytes and git sees no change.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display needed, and the same renderer everywhere

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _save(fig: matplotlib.figure.Figure, path: Path) -> Path:
    from sahel_analysis.viz.style import house_style

    path.parent.mkdir(parents=True, exist_ok=True)
    with house_style():  # the house savefig settings: dpi, tight bounding box, padding
        fig.savefig(path, metadata={"Software": None})
    return path


def _plot_and_save(path: Path, draw: Callable[[], matplotlib.axes.Axes]) -> Path:
    import matplotlib.pyplot as plt

    ax = draw()
    out = _save(ax.figure, path)
    plt.close(ax.figure)
    return out


def make_map(path: Path = DOCS / "map.png") -> Path:
    """The default map: Timbuktu, Gao, Kidal, Kati and Bamako, every French base in the data."""
    from sahel_analysis.geo import load_map_layers
    from sahel_analysis.select import DEFAULT_PLACES, places_by_id
    from sahel_analysis.tables import load_places, load_presence, load_sources
    from sahel_analysis.viz.placemap import plot_map

    gazetteer = load_places()
    marked = places_by_id(gazetteer, DEFAULT_PLACES)
    return _plot_and_save(
        path,
        lambda: plot_map(
            marked, load_presence(), gazetteer=gazetteer, sources=load_sources(), layers=load_map_layers()
        ),
    )


def make_troop_levels(path: Path = DOCS / "troop_levels.png") -> Path:
    """French personnel 2013-2023 by operation and scope, with the turning points annotated."""
    from sahel_analysis.select import select_troop_levels
    from sahel_analysis.tables import load_events, load_sources, load_troop_levels
    from sahel_analysis.viz.troops import plot_troop_levels

    # The notebook's default selection: the theatre of the Sahel operations.
    troops = select_troop_levels(load_troop_levels())
    return _plot_and_save(
        path, lambda: plot_troop_levels(troops, events=load_events(), sources=load_sources())
    )


def make_costs(path: Path = DOCS / "costs.png") -> Path:
    """Annual costs by coverage, in nominal euros as the sources give them."""
    from sahel_analysis.tables import load_costs, load_sources
    from sahel_analysis.viz.costs import plot_costs

    return _plot_and_save(path, lambda: plot_costs(load_costs(), sources=load_sources()))


def make_timeline(path: Path = DOCS / "timeline.png") -> Path:
    """Every event 2012-2023 in lanes by category, milestones in bold."""
    from sahel_analysis.tables import load_events, load_sources
    from sahel_analysis.viz.timeline import plot_timeline

    return _plot_and_save(path, lambda: plot_timeline(load_events(), sources=load_sources()))


def make_footprint(path: Path = DOCS / "footprint.png") -> Path:
    """The footprint notebook's small multiples: the French bases on its five default dates."""
    import matplotlib.pyplot as plt

    from sahel_analysis.geo import load_map_layers
    from sahel_analysis.tables import load_places, load_presence, load_sources
    from sahel_analysis.viz.footprint import plot_footprints

    dates = ["2014-08-01", "2019-12-31", "2022-08-15", "2023-12-22", "2025-07-17"]
    axes = plot_footprints(
        load_presence(), load_places(), dates, sources=load_sources(), layers=load_map_layers()
    )
    out = _save(axes[0].figure, path)
    plt.close(axes[0].figure)
    return out


def make_dossier_gao(path: Path = DOCS / "dossier_gao.png") -> Path:
    """The Gao dossier's map as of the article's week."""
    from sahel_analysis import dossier
    from sahel_analysis.geo import load_map_layers, load_populated_places
    from sahel_analysis.tables import load_places, load_presence, load_sources
    from sahel_analysis.viz.dossier import plot_place_map

    gazetteer = load_places()
    centre = dossier.place_row(gazetteer, "gao")
    towns = dossier.towns_near(load_populated_places(), centre)
    frames = {"sources": load_sources(), "layers": load_map_layers()}
    return _plot_and_save(
        path, lambda: plot_place_map(centre, gazetteer, load_presence(), towns, as_of="2021-06-04", **frames)
    )


def make_ucdp_fatalities_mali(path: Path = DOCS / "ucdp_fatalities_mali.png") -> Path:
    """Fatalities per year in Mali, 2012-2023, from the shipped UCDP GED events, with the milestones."""
    from sahel_analysis.events import filter_events, load_shipped_ucdp, yearly_counts
    from sahel_analysis.select import country_milestones
    from sahel_analysis.tables import load_events, load_sources
    from sahel_analysis.viz.eventyears import plot_yearly

    # The conflict notebook's defaults: Mali, 2012-2023.
    start, end = "2012-01-01", "2023-12-31"
    mali = filter_events(load_shipped_ucdp(), country="Mali", start=start, end=end)
    marks = country_milestones(load_events(), "Mali", start, end)
    yearly = yearly_counts(mali, start=start, end=end)
    return _plot_and_save(
        path, lambda: plot_yearly(yearly, measure="fatalities", milestones=marks, sources=load_sources())
    )


def make_briefing(path: Path = DOCS / "briefing.png", lang: str = "en") -> Path:
    """The first screen of the briefing as of the article's week (in ``lang``), as headless Chromium shows it."""
    import shutil
    import subprocess
    import tempfile

    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import build, plan
    from sahel_analysis.report.plan import in_languages

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("make_figures.py briefing: needs Debian's chromium (apt-get install chromium)")
    jobs = in_languages(
        plan([NOTEBOOK_DIR / "06_briefing.ipynb"], {}, [NOTEBOOK_DIR / "params" / "article-date.yaml"]),
        [lang],
    )
    with tempfile.TemporaryDirectory() as site, tempfile.TemporaryDirectory() as profile:
        (result,) = build(jobs, Path(site))
        if result.status not in ("built", "up-to-date"):
            raise SystemExit(f"the briefing did not build: {result.message}")
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--hide-scrollbars", "--window-size=1200,1500",
             f"--screenshot={path}", result.output.resolve().as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
    return path


FIGURES: dict[str, Callable[[], Path]] = {
    "map": make_map,
    "troop_levels": make_troop_levels,
    "costs": make_costs,
    "timeline": make_timeline,
    "footprint": make_footprint,
    "dossier_gao": make_dossier_gao,
    "ucdp_fatalities_mali": make_ucdp_fatalities_mali,
    "briefing": make_briefing,
    "briefing_fr": lambda: make_briefing(DOCS / "briefing_fr.png", lang="fr"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "names", nargs="*", metavar="NAME", help=f"figures to make (default all): {', '.join(FIGURES)}"
    )
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in FIGURES]
    if unknown:
        ap.error(f"unknown figure(s) {', '.join(unknown)}; allowed: {', '.join(FIGURES)}")
    for name in args.names or FIGURES:
        out = FIGURES[name]()
        print(f"{out.relative_to(REPO)}  {out.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
