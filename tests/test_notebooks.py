"""The chart notebooks (02 troop levels, 03 costs, 04 timeline) run with parameters as the build runs them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from sahel_analysis import report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
pytestmark = pytest.mark.slow

# Per notebook: the defaults, two other parameter sets (small ranges, to keep the suite quick), and
# a bad value that must stop the run at the validation cell with a one-line message naming it.
RUNS: dict[str, dict[str, dict]] = {
    "02_troop_levels": {
        "defaults": {},
        "barkhane-sahel": {"start": "2019-01-01", "end": "2022-12-31", "scopes": ["sahel"]},
        "serval": {"operations": ["Serval"], "end": "2014-12-31"},
        "bad": {"operations": ["Barkane"]},
    },
    "03_costs": {
        "defaults": {},
        "constant-cumulative": {
            "start": 2018,
            "end": 2022,
            "constant": True,
            "base_year": 2015,
            "cumulative": True,
        },
        "operations": {"start": 2013, "end": 2016, "coverages": ["serval", "barkhane", "sahel"]},
        "bad": {"constant": True, "base_year": 1990},
    },
    "04_timeline": {
        "defaults": {},
        "by-country": {"start": "2021-01-01", "end": "2022-12-31", "lanes": "country"},
        "coups-and-exit": {
            "categories": ["coup", "withdrawal"],
            "highlight": ["2022-08-15-last-french-troops-leave-mali"],
        },
        "bad": {"categories": ["war"]},
    },
}
BAD_PARAMETER = {"02_troop_levels": "operations", "03_costs": "base_year", "04_timeline": "categories"}


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], object]:
    """Every run, in parallel kernels: the executed notebook, or the error that stopped it."""
    jobs = [(nb, name) for nb, sets in RUNS.items() for name in sets]

    def run(job: tuple[str, str]) -> object:
        nb, name = job
        try:
            return report.execute(NOTEBOOKS / f"{nb}.ipynb", parameters=RUNS[nb][name])
        except report.NotebookFailed as err:
            return err

    # Kernels spend much of their start-up waiting; four at a time keeps two cores busy.
    with ThreadPoolExecutor(4) as pool:
        return dict(zip(jobs, pool.map(run, jobs), strict=True))


def _key_output(nb: nbformat.NotebookNode) -> str:
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("# NBVAL_CHECK_OUTPUT"))
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


GOOD = [(nb, name) for nb, sets in RUNS.items() for name in sets if name != "bad"]


@pytest.mark.parametrize(("notebook", "name"), GOOD, ids=[f"{nb}-{name}" for nb, name in GOOD])
def test_notebook_runs_with_parameters(runs, notebook: str, name: str) -> None:
    result = runs[(notebook, name)]
    assert isinstance(result, nbformat.NotebookNode), result
    images = [
        o
        for c in result.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1  # the chart, rendered inline for the HTML
    assert _key_output(result).strip()
    errors = [o for c in result.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


TITLES = {
    ("02_troop_levels", "serval"): "French troop levels in Serval, 2013–2014",
    ("03_costs", "defaults"): "What the French operations cost, 2012–2022",
    ("03_costs", "constant-cumulative"): "What the French operations cost, 2018–2022, in euros of 2015",
    ("03_costs", "operations"): "What the French operations cost, 2013–2016",
    ("04_timeline", "by-country"): "Mali and the Sahel, 2021–2022: the sequence of events",
}


@pytest.mark.parametrize(("notebook", "name"), list(TITLES), ids=[f"{nb}-{name}" for nb, name in TITLES])
def test_the_page_title_follows_the_parameters(runs, notebook: str, name: str) -> None:
    from sahel_analysis.pages import read_page

    result = runs[(notebook, name)]
    page = read_page(result)
    assert page is not None and page["title"] == TITLES[(notebook, name)]
    # The notebook shows it as its first heading, above everything else it displays.
    first = next(o for c in result.cells if c.cell_type == "code" for o in c.outputs)
    assert first["data"]["text/html"].startswith("<h1>") and page["title"] in first["data"]["text/plain"]
    assert page["summary"] and page["group"] == "analysis"


@pytest.mark.parametrize("notebook", list(RUNS))
def test_committed_key_figures_match_a_fresh_run(runs, notebook: str) -> None:
    # What nbval checks under --nbval-lax, checked here too so a stale notebook fails fast.
    committed = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    assert _key_output(committed) == _key_output(runs[(notebook, "defaults")])


@pytest.mark.parametrize("notebook", list(RUNS))
def test_bad_parameter_stops_the_notebook_with_one_line(runs, notebook: str) -> None:
    err = runs[(notebook, "bad")]
    assert getattr(err, "ename", None) == "ParameterError", err
    assert err.evalue.startswith(f"{BAD_PARAMETER[notebook]}:") and "\n" not in err.evalue


@pytest.mark.parametrize("notebook", list(RUNS))
def test_notebook_is_committed_thin_and_clean(notebook: str) -> None:
    path = NOTEBOOKS / f"{notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    # The notebook's own heading, for whoever edits it, is not part of the page (the page's title is
    # the one the notebook computes from its parameters).
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.cells[0].metadata.get("tags") == ["remove-cell"]
    assert any("_page(" in c.source for c in nb.cells if c.cell_type == "code")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    # Each parameter declares its type (read by papermill, or leading the help) and its meaning.
    assert all(p.type and p.help for p in report.parameters(path))
    for cell in code:
        keep = cell.source.startswith("# NBVAL_CHECK_OUTPUT")
        assert bool(cell.metadata.get("keep_output")) == keep
        # Kept outputs carry their execution count: nbval treats a cell without one as never run.
        assert bool(cell.outputs) == keep and (cell.execution_count is not None) == keep
