"""Hostile or careless input (issue 25): every case is one clear line, never markup, a hang or a write.

Classes, each with a test of the class and not only of the case quoted: markup from the data,
files outside the data package, the output folder, parameters that crash or hang, the notebooks
folder, event files, and a full disk. Fault injection uses real files and real limits (a FIFO, a
symbolic link, a small tmpfs, ``RLIMIT_FSIZE``), never a mocked call.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from sahel_analysis import markup, params, schema, tables
from sahel_analysis.atomic import atomic_write
from sahel_analysis.cli import main
from sahel_analysis.errors import DataError, WriteError, shown
from sahel_analysis.events import EventDataError, cache, load_acled, load_ucdp_ged
from sahel_analysis.paths import DATA_DIR, NOTEBOOK_DIR
from sahel_analysis.report import BuildError, plan, read_param_file
from sahel_analysis.report.index import write_index
from sahel_analysis.report.plan import Job, parse_value
from sahel_analysis.report.state import fingerprint, input_files, read_record

sys.path.insert(0, str(Path(__file__).parent))
from eventdata.rows import acled_row, ucdp_row, write_csv  # noqa: E402

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
TODAY = dt.date.today()


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


def _notebook(path: Path, body: str = "print('ok')", params: str = "") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}\n\nA test notebook.")]
    if params:
        nb.cells.append(nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(body))
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------------------------------------
# Markup from the data: one escaping path


def test_fragments_escape_text_and_link_only_web_addresses() -> None:
    for page in (markup.heading_html(SCRIPT + ATTRIBUTE), markup.paragraph_html(SCRIPT + ATTRIBUTE)):
        soup = BeautifulSoup(page, "html.parser")
        assert soup.find("script") is None and soup.find("img") is None
        assert soup.get_text() == SCRIPT + ATTRIBUTE
    frame = pd.DataFrame({"a": ["javascript:alert(1)", "https://example.org/?q=<b>"]}, index=["x", ATTRIBUTE])
    frame.index.name = SCRIPT
    soup = BeautifulSoup(markup.table_html(frame, index=True), "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    assert [a["href"] for a in soup.find_all("a")] == ["https://example.org/?q=<b>"]
    assert [th.get_text() for th in soup.find_all("th")] == ["", "a", SCRIPT, "", "x", ATTRIBUTE]
    with pytest.raises(ValueError, match="data:image"):
        markup.image_html("javascript:alert(1)", "alt", "c")
    (img,) = BeautifulSoup(markup.image_html("data:image/png;base64,AAAA", ATTRIBUTE, "c"), "html.parser")
    assert img["alt"] == ATTRIBUTE and set(img.attrs) == {"class", "style", "alt", "src", "data-figure"}


def _display_calls(source: str) -> list[ast.Call]:
    tree = ast.parse("\n".join(line for line in source.splitlines() if not line.startswith("%")))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("HTML", "Markdown")
    ]


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")))
def test_notebooks_display_markup_only_from_the_escaping_helpers(notebook: str) -> None:
    """The class test: no notebook pastes text into HTML or Markdown itself.

    ``HTML(...)`` takes what a library function rendered (markup's fragments, the briefing's
    headline, the footprint animation); ``Markdown(...)`` only a constant written in the notebook.
    """
    nb = nbformat.read(NOTEBOOK_DIR / notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for call in _display_calls(cell.source):
            (arg,) = call.args
            if call.func.id == "Markdown":
                assert isinstance(arg, ast.Constant), ast.unparse(call)
            else:
                assert isinstance(arg, ast.Call), ast.unparse(call)
                owner = ast.unparse(arg.func)
                helpers = ("markup.", "briefing.headline_html", "footprint_charts.animate_footprint")
                assert owner.startswith(helpers) or owner == "table_html", ast.unparse(call)


def _poisonable(resource: dict) -> list[str]:
    """Free-text columns: no enum, pattern or format, not a key (their values are checked, not shown)."""
    keys = set(resource["schema"].get("primaryKey", []))
    keys |= {fk["fields"] for fk in resource["schema"].get("foreignKeys", [])}
    return [
        f["name"]
        for f in resource["schema"]["fields"]
        if f.get("type", "string") == "string"
        and not {"enum", "pattern"} & set(f.get("constraints", {}))
        and "format" not in f
        and f["name"] not in keys | {"other_source_ids", "event_id", "computation"}
    ]


def _poison(folder: Path) -> int:
    """Put both payloads in every free-text cell of every table (kept within maxLength); cells poisoned."""
    import csv

    count = 0
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for res in package["resources"]:
        columns = _poisonable(res)
        limits = {f["name"]: f.get("constraints", {}).get("maxLength") for f in res["schema"]["fields"]}
        path = folder / res["path"]
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            for j, column in enumerate(columns):
                # One payload per column (a column such as cpi.base must hold one value throughout).
                payload = (SCRIPT, ATTRIBUTE)[(j + len(res["name"])) % 2]
                value = f"{payload} {row[column]}".strip() if row[column] else payload
                row[column] = value[: limits[column]].rstrip() if limits[column] else value
                count += 1
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return count


_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


def _injected(page: Path) -> list[str]:
    """Elements and attributes the project's templates never produce: scripts, handlers, javascript: links."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = []
    for tag in soup.find_all(True):
        if tag.name in ("script", "iframe", "object", "embed", "base", "form", "meta") and not (
            tag.name == "meta" and set(tag.attrs) <= {"charset", "name", "content"}
        ):
            found.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}>")
            squeezed = "".join(text.split()).lower()
            if name.lower() in _URL_ATTRIBUTES and squeezed.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                found.append(f"<{tag.name} {name}={text[:40]}>")
    return found


@pytest.mark.slow
def test_a_poisoned_data_package_and_parameters_build_pages_without_markup(tmp_path: Path) -> None:
    """The generic test: both payloads in every free-text cell of every table, in the free-text
    parameters and in the variant's name; one build of every notebook; every page parsed.

    Parameters restricted to a list (a place id, a lane mode) refuse the payloads in their check
    (see test_a_payload_in_a_choice_parameter_is_refused), so they keep their defaults here.
    """
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    assert _poison(data) > 500
    variant = tmp_path / f"{ATTRIBUTE}.yaml"
    variant.write_text(
        json.dumps({"title": SCRIPT, "country": ATTRIBUTE, "monthly_place": SCRIPT}), encoding="utf-8"
    )
    out = tmp_path / "site"
    env = {**os.environ, "SAHEL_ANALYSIS_DATA": str(data), "SAHEL_ANALYSIS_CACHE": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "build", "-f", str(variant), "-o", str(out), "-j", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    pages = sorted(out.glob("*.html"))
    built = {p.stem.split("--")[0] for p in pages} - {"index"}
    # 05 (on the shipped UCDP events, poisoned too) finds no event in the poisoned country: one line.
    assert built == {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")} - {"05_conflict_events"}, run.stderr
    assert re.search(
        r"05_conflict_events.*ParameterError: country, start, end, event_types: the selection is empty",
        run.stderr,
    )
    for page in pages:
        assert _injected(page) == [], page.name
        text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        # The payloads reached the page, as text: in the visible text or in attributes (alt).
        seen = text.get_text() + " ".join(str(v) for tag in text.find_all(True) for v in tag.attrs.values())
        assert SCRIPT in seen or ATTRIBUTE in seen, page.name
    heading = BeautifulSoup((out / f"08_place--{ATTRIBUTE}.html").read_text(encoding="utf-8"), "html.parser")
    (title,) = heading.find_all("h1")  # the dossier's title starts with the place's name
    assert title.get_text().startswith(SCRIPT) or title.get_text().startswith(ATTRIBUTE)


def test_dollar_signs_in_a_title_are_drawn_as_text_not_mathematics() -> None:
    """Mathtext is markup too: "$5 and $6" from a parameter or the data is drawn as written."""
    from sahel_analysis.geo import load_map_layers
    from sahel_analysis.viz.placemap import plot_map

    gazetteer = tables.load_places()
    ax = plot_map(
        gazetteer[gazetteer["id"] == "gao"],
        None,
        gazetteer=gazetteer,
        title="Cost $5 and $6 bn",
        sources=tables.load_sources(),
        layers=load_map_layers(),
    )
    ax.figure.canvas.draw()
    from matplotlib.text import Text

    texts = ax.figure.findobj(Text)
    assert "Cost $5 and $6 bn" in [t.get_text() for t in texts]
    assert not any(t.get_parse_math() for t in texts)


def test_a_payload_in_a_choice_parameter_is_refused() -> None:
    gazetteer = tables.load_places()
    for payload in (SCRIPT, ATTRIBUTE):
        with pytest.raises(params.ParameterError, match="place: unknown id"):
            params.check_place_params(
                payload, None, 100, gazetteer=gazetteer, latest=pd.Timestamp("2021-01-01")
            )
        with pytest.raises(params.ParameterError, match="lanes: expected one of"):
            params.check_timeline_params(None, None, None, payload, None, events=tables.load_events())


def test_the_index_lists_only_the_page_a_record_names_for_itself(tmp_path: Path) -> None:
    """A record edited by hand may not point the index at another file, or at javascript:."""
    state = tmp_path / ".state"
    state.mkdir()
    for stem in ("good", "javascript:alert(1)", "other"):
        (tmp_path / f"{stem}.html").write_text("<p>page</p>")
    records = {
        "good": {"html": "good.html", "thumbnail": "javascript:alert(2)"},
        "javascript:alert(1)": {"html": "javascript:alert(1).html", "thumbnail": None},
        "other": {"html": "good.html", "thumbnail": None},
    }
    for stem, fields in records.items():
        record = {"status": "built", "fingerprint": "", "title": stem, "summary": "", **fields}
        (state / f"{stem}.json").write_text(json.dumps(record))
    soup = BeautifulSoup(write_index(tmp_path, "data").read_text(encoding="utf-8"), "html.parser")
    pages = [a for a in soup.find_all("a") if "lang-switch" not in a.get("class", [])]  # not the twin index
    hrefs = sorted({a["href"] for a in pages if not a["href"].startswith("#")})  # not permalinks
    assert hrefs == ["good.html", "javascript%3Aalert%281%29.html"]  # ':' encoded: a path, never a scheme
    assert soup.find("img") is None and _injected(tmp_path / "index.html") == []


# ---------------------------------------------------------------------------------------------
# Files outside the data package


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _declare(data: Path, name: str, path: object) -> None:
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in package["resources"] if r["name"] == name)["path"] = path
    (data / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")


@pytest.mark.parametrize(
    "declared",
    ["/etc/passwd", "../outside/events.csv", "../../outside/events.csv", "sub/../events.csv",
     "https://example.org/events.csv", "file:///etc/passwd", "C:/data/events.csv", ["events.csv"], "", "LINK"],
)  # fmt: skip
def test_a_resource_path_outside_the_package_is_refused_without_its_content(
    data: Path, declared: object
) -> None:
    outside = data.parent / "outside"
    outside.mkdir()
    secret = "SECRET-LINE-that-must-never-be-shown"
    (outside / "events.csv").write_text(f"{secret}\n")
    if declared == "LINK":  # a relative path, but a link out of the folder
        (data / "events.csv").unlink()
        (data / "events.csv").symlink_to(outside / "events.csv")
        declared = "events.csv"
    _declare(data, "events", declared)
    with pytest.raises(DataError) as err:
        schema.package(data)
    message = _one_line(str(err.value))
    assert message.startswith(f"{data / 'datapackage.json'}") or "datapackage.json" in message
    assert "resource 'events'" in message and "relative path inside the package folder" in message
    assert secret not in message


def test_a_symbolic_link_inside_the_package_is_allowed(data: Path) -> None:
    (data / "tables").mkdir()
    (data / "events.csv").rename(data / "tables" / "events.csv")
    (data / "events.csv").symlink_to(data / "tables" / "events.csv")
    assert schema.package(data)["resources"]


# ---------------------------------------------------------------------------------------------
# The output folder


def _digest(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


def test_an_output_folder_in_or_inside_a_source_folder_is_refused(capsys) -> None:
    notebook = str(NOTEBOOK_DIR / "02_troop_levels.ipynb")
    before = _digest(DATA_DIR, NOTEBOOK_DIR)
    for out in (
        DATA_DIR,
        DATA_DIR / "boundaries",
        DATA_DIR / "new",
        NOTEBOOK_DIR / "params",
        NOTEBOOK_DIR / "params" / "08_place",
    ):
        existed = out.exists()
        code, err = _cli(capsys, "build", notebook, "-o", str(out))
        line = _one_line(err)
        assert code == 2 and "choose another (default: site/)" in line, line
        assert ("the data package" in line) == (DATA_DIR in (out, *out.parents))
        assert out.exists() == existed
    assert _digest(DATA_DIR, NOTEBOOK_DIR) == before


def test_a_notebook_folder_of_ones_own_and_its_named_sets_are_sources_but_a_site_beside_them_is_not(
    tmp_path: Path,
) -> None:
    from sahel_analysis.report import check_output

    folder = tmp_path / "mine"
    (folder / "params" / "08_place").mkdir(parents=True)
    jobs = [Job(_notebook(folder / "page.ipynb"), {})]
    for out in (folder, folder / "params", folder / "params" / "08_place", folder / "params" / "new"):
        with pytest.raises(BuildError, match="choose another"):
            check_output(out, jobs)
    assert check_output(folder / "site", jobs) == (folder / "site").resolve()


def test_an_output_folder_reached_through_a_link_into_the_sources_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "site").symlink_to(DATA_DIR)
    code, err = _cli(
        capsys, "build", str(NOTEBOOK_DIR / "02_troop_levels.ipynb"), "-o", str(tmp_path / "site")
    )
    assert code == 2 and f"output folder {DATA_DIR} is the data package" in _one_line(err)


@pytest.mark.parametrize("inside", [DATA_DIR / "mine", NOTEBOOK_DIR / "params" / "mine"])
def test_init_never_copies_into_the_sources(inside: Path, capsys) -> None:
    code, err = _cli(capsys, "init", str(inside))
    assert code == 2 and "choose a folder of your own" in _one_line(err) and not inside.exists()


@pytest.mark.parametrize("kind", ["link", "file", "loop"])
def test_a_state_folder_that_is_a_link_or_a_file_is_refused(tmp_path: Path, capsys, kind: str) -> None:
    out, sources = tmp_path / "out", tmp_path / "sources"
    out.mkdir()
    sources.mkdir()
    if kind == "link":
        (out / ".state").symlink_to(sources)
    elif kind == "file":
        (out / ".state").write_text("not a folder")
    else:
        (out / ".state").symlink_to(out / ".state")
    code, err = _cli(capsys, "build", str(NOTEBOOK_DIR / "02_troop_levels.ipynb"), "-o", str(out))
    line = _one_line(err)
    assert code == 2 and str(out) in line and ".state" in line
    assert list(sources.iterdir()) == []


def test_an_output_folder_that_is_a_symlink_loop_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    code, err = _cli(
        capsys, "build", str(NOTEBOOK_DIR / "02_troop_levels.ipynb"), "-o", str(tmp_path / "loop")
    )
    assert code == 2 and "loops" in _one_line(err)


def test_records_are_never_read_through_a_link_or_from_a_device(tmp_path: Path) -> None:
    warned: list[str] = []
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"fingerprint": "x", "status": "built"}))
    link = tmp_path / "link.json"
    link.symlink_to(outside)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    device = tmp_path / "zero.json"
    device.symlink_to("/dev/zero")
    for path in (link, fifo, device):
        assert read_record(path, warned.append) == {}  # returns at once: nothing blocks on the FIFO
    assert len(warned) == 3 and all("not a build record" in w for w in warned)


@pytest.mark.slow
def test_links_in_the_output_folder_never_lead_a_write_elsewhere(tmp_path: Path) -> None:
    """The generic test: every file the build writes or reads back is first a link to a source file."""
    (tmp_path / "nbs").mkdir()
    nb = _notebook(tmp_path / "nbs" / "page.ipynb")
    sources = tmp_path / "sources"
    sources.mkdir()
    out = tmp_path / "out"
    (out / ".state").mkdir(parents=True)
    for name in ("page.html", "index.html", ".state/page.json", ".state/index.key", "page.ipynb"):
        target = sources / name.replace("/", "_")
        target.write_text("source\n")
        (out / name).symlink_to(target)
    run = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "build", str(nb), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert all(p.read_text() == "source\n" for p in sources.iterdir())
    for name in ("page.html", "index.html", ".state/page.json", "page.ipynb"):
        assert not (out / name).is_symlink() and (out / name).is_file(), name


# ---------------------------------------------------------------------------------------------
# Parameters that crash or hang


def test_only_path_parameters_are_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text("a\n")
    for value in ("export.csv", "x" * 300, "y" * 10_000_000, "a\0b", "/etc/passwd"):
        job = Job(NOTEBOOK_DIR / "01_map.ipynb", {"title": value})
        assert input_files(job) == {}  # a title is a value, hashed with the parameters
        fingerprint(job, "data", "lib")
    job = Job(NOTEBOOK_DIR / "08_place.ipynb", {"acled_path": "export.csv", "ucdp_path": "z" * 5000})
    assert list(input_files(job)) == [str(tmp_path / "export.csv")]


def test_a_long_title_builds_its_plan_and_a_huge_one_is_refused_in_one_short_line() -> None:
    (job,) = plan([NOTEBOOK_DIR / "01_map.ipynb"], {"title": "x" * 300})
    assert job.params["title"] == "x" * 300
    params.check_title("x" * 300)
    with pytest.raises(params.ParameterError) as err:
        params.check_map_params(title="y" * 10_000_000, gazetteer=tables.load_places())
    assert len(str(err.value)) < 200 and "10,000,000" in str(err.value)


_HUGE = "z" * 10_000_000


@pytest.mark.parametrize(
    "call",
    [
        lambda: params.check_date("as_of", _HUGE),
        lambda: params.check_choice("lanes", _HUGE, ["category"]),
        lambda: params.check_choices("places", [_HUGE], ["gao"]),
        lambda: params.check_bool("show_river", _HUGE),
        lambda: params.check_bbox("extent", _HUGE),
        lambda: params.check_radius("radius_km", _HUGE),
        lambda: params.check_event_params(acled_path=_HUGE),
        lambda: params.check_event_params(event_types=_HUGE),
        lambda: params.check_footprint_params([_HUGE], "sahel", None),
        lambda: params.check_year_range("start", _HUGE, "end", 2020, bounds=(2012, 2022)),
        lambda: plan([NOTEBOOK_DIR / "03_costs.ipynb"], {"start": _HUGE}),
        lambda: plan([NOTEBOOK_DIR / "03_costs.ipynb"], {_HUGE: 1}),
    ],
)
def test_no_message_quotes_a_huge_value(call) -> None:
    """The class test: a 10 MB value in any check gives a short line, never the value itself."""
    with pytest.raises((params.ParameterError, BuildError)) as err:
        call()
    assert len(str(err.value)) < 1_000 and "\n" not in str(err.value)


def test_shown_cuts_a_value_and_says_its_length() -> None:
    assert shown("abc") == "'abc'"
    assert shown("x" * 1000).endswith("... (1,000 characters)") and len(shown("x" * 1000)) < 120


def _yaml(tmp_path: Path, text: str | bytes, name: str = "set.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "YAML aliases (*name) are not accepted"),
        ("title: " + "[" * 50_000, "nested more than 20 levels deep"),
        ("title: [[[[[[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]]]]", "nested more than 20 levels deep"),
        ("1: x\n", "a name must be text; found 1 (int)"),
        ("true: y\n", "a name must be text; found True (bool)"),
        ("2021-01-01: y\n", "a name must be text"),
        ("title: {1: x}\n", "a name must be text"),
        ("? [a, b]\n: c\n", "a name must be text"),
        ("title: one\ntitle: two\n", "'title' is given twice"),
        ("title: " + "x" * (1 << 20) + "\n", "bytes; a parameter file may hold at most 1,048,576 (1 MB)"),
    ],
)
def test_a_parameter_file_that_could_crash_hang_or_lose_a_value_is_one_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _yaml(tmp_path, text)
    with pytest.raises(BuildError) as err:
        read_param_file(path)
    line = _one_line(str(err.value))
    assert line.startswith(str(path)) and expected in line and len(line) < 300


def test_a_ten_megabyte_parameter_file_is_refused_with_its_size(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "title: " + "x" * 10_000_000)
    with pytest.raises(BuildError, match=r"10,000,007 bytes; a parameter file may hold at most"):
        read_param_file(path)


def test_a_deep_or_aliased_value_on_the_command_line_is_one_line() -> None:
    with pytest.raises(BuildError, match="parameter 'title': values nested more than 20 levels deep"):
        parse_value("title", "[" * 100_000)
    with pytest.raises(BuildError, match="aliases"):
        parse_value("places", "[&a gao, *a]")


@pytest.mark.parametrize("kind", ["loop", "fifo", "folder", "device", "missing"])
def test_a_parameter_file_that_is_not_a_file_is_named_for_what_it_is(
    tmp_path: Path, capsys, kind: str
) -> None:
    path = tmp_path / "set.yaml"
    if kind == "loop":
        path.symlink_to(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/zero")
    expected = {
        "loop": "a symbolic link that loops",
        "fifo": "a named pipe (FIFO)",
        "folder": "a folder",
        "device": "a character device",
        "missing": "no such parameter file",
    }[kind]
    done: list[tuple[int, str]] = []
    reader = threading.Thread(target=lambda: done.append(_cli(capsys, "build", "01_map", "-f", str(path))))
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # the build opened the FIFO and waits for a writer: let it go, then fail
        with open(path, "w"):
            pass
        reader.join()
        pytest.fail("the build blocked on a FIFO")
    code, err = done[0]
    assert code == 2 and expected in _one_line(err)


def test_two_parameter_files_of_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = _yaml(tmp_path / "a", "title: a\n"), _yaml(tmp_path / "b", "title: b\n")
    with pytest.raises(BuildError, match="a parameter file named 'set' is given already"):
        plan([NOTEBOOK_DIR / "01_map.ipynb"], {}, [one, two])
    with pytest.raises(BuildError, match="is given already"):
        plan([NOTEBOOK_DIR / "01_map.ipynb"], {}, [one, one])


def test_footprint_dates_are_capped_at_what_a_page_can_show() -> None:
    days = [f"2020-01-{d:02d}" for d in range(1, 29)]
    assert len(params.check_footprint_params(days[:12], "sahel", None)["dates"]) == 12
    assert (
        len(params.check_footprint_params(days[:12] * 50, "sahel", None)["dates"]) == 12
    )  # repeats count once
    with pytest.raises(params.ParameterError, match=r"dates: expected at most 12 dates .*; found 13$"):
        params.check_footprint_params(days[:13], "sahel", None)
    many = [(dt.date(2014, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(1000)]
    with pytest.raises(params.ParameterError, match="found 1,000"):
        params.check_footprint_params(many, "sahel", None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("5e1", 50.0), ("1e3", 1000.0), (" 75.5 ", 75.5), (5e1, 50.0), (2000, 2000.0), ("2e3", 2000.0)],
)
def test_radius_takes_what_float_reads(given: object, expected: float) -> None:
    assert params.check_radius("radius_km", given) == expected


@pytest.mark.parametrize("given", ["1e308", 1e308, "nan", "inf", "-5", 0, 2000.5, True, "fifty", None, [50]])
def test_radius_out_of_range_or_not_a_number_is_refused(given: object) -> None:
    with pytest.raises(
        params.ParameterError, match=r"radius_km: expected a distance in km, above 0 and at most 2,000"
    ):
        params.check_radius("radius_km", given)


def test_a_float_parameter_written_as_yaml_text_reaches_the_notebook_as_a_number(tmp_path: Path) -> None:
    (job,) = plan([NOTEBOOK_DIR / "08_place.ipynb"], {"radius_km": parse_value("radius_km", "5e1")})
    assert job.params["radius_km"] == 50.0
    (job,) = plan([NOTEBOOK_DIR / "08_place.ipynb"], {}, [_yaml(tmp_path, "radius_km: 1e308\n")])
    assert job.params["radius_km"] == 1e308  # a number: the notebook's range check refuses it
    with pytest.raises(BuildError, match="expected float, found 'fifty'"):
        plan([NOTEBOOK_DIR / "08_place.ipynb"], {"radius_km": "fifty"})


FUTURE = "2101-01-01"


@pytest.mark.parametrize(
    "call",
    [
        lambda: params.check_map_params(as_of=FUTURE, gazetteer=tables.load_places()),
        lambda: params.check_place_params("gao", FUTURE, 100, gazetteer=tables.load_places(), latest=None),
        lambda: params.check_place_params(
            "gao", FUTURE, 100, gazetteer=tables.load_places(), latest=None, events=tables.load_events()
        ),
        lambda: params.check_as_of(FUTURE, events=tables.load_events(), latest=None),
        lambda: params.check_footprint_params(["2020-01-01", FUTURE], "sahel", None),
        lambda: params.check_troop_params(None, FUTURE, None, None, troops=tables.load_troop_levels()),
        lambda: params.check_timeline_params(
            FUTURE, None, None, "category", None, events=tables.load_events()
        ),
        lambda: params.check_event_params(end=FUTURE),
    ],
)
def test_no_date_after_today_in_any_notebook(call) -> None:
    """One rule: a map, a dossier or a briefing is never "as of" a day that has not come."""
    with pytest.raises(params.ParameterError, match=rf"expected a date .*today \({TODAY}\).* found {FUTURE}"):
        call()


def test_today_itself_is_accepted() -> None:
    assert params.check_date("as_of", TODAY.isoformat()) == TODAY


def test_a_dossier_before_the_record_is_refused_like_a_briefing() -> None:
    with pytest.raises(
        params.ParameterError, match=r"as_of: expected a date from 2012-01-17 \(the first event\)"
    ):
        params.check_place_params(
            "gao", "1900-01-01", 100, gazetteer=tables.load_places(), latest=None, events=tables.load_events()
        )


# ---------------------------------------------------------------------------------------------
# The notebooks folder


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not a notebook (invalid JSON"),
        ("{}", "not a Jupyter notebook (expected nbformat 4 JSON with a list of cells)"),
        ("[]", "not a Jupyter notebook"),
        ('{"nbformat": 4, "nbformat_minor": 5, "cells": "x", "metadata": {}}', "not a Jupyter notebook"),
        (
            '{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}',
            "a notebook of nbformat 3",
        ),
        ("[" * 100_000, "not a notebook (invalid JSON"),
    ],
)
@pytest.mark.parametrize("command", ["list", "build"])
def test_a_broken_notebook_is_one_line_in_list_and_build(
    tmp_path: Path, capsys, text: str, expected: str, command: str
) -> None:
    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(NOTEBOOK_DIR / "02_troop_levels.ipynb", folder)
    (folder / "broken.ipynb").write_text(text)
    extra = ["-o", str(tmp_path / "out")] if command == "build" else []
    code, err = _cli(capsys, command, "--notebooks", str(folder), *extra)
    line = _one_line(err)
    assert code == 2 and "broken.ipynb" in line and expected in line, line


def test_a_fifo_named_like_a_notebook_is_refused_without_waiting(tmp_path: Path) -> None:
    folder = tmp_path / "nbs"
    folder.mkdir()
    os.mkfifo(folder / "pipe.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "list", "--notebooks", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        run.returncode == 2
        and "pipe.ipynb: expected a notebook file, found a named pipe (FIFO)" in _one_line(run.stderr)
    )


@pytest.mark.parametrize("value", ["/nonexistent/notebooks", "/etc/hostname", "EMPTY"])
def test_a_notebooks_variable_that_names_no_notebook_folder_says_so(tmp_path: Path, value: str) -> None:
    if value == "EMPTY":
        value = str(tmp_path)
    env = {**os.environ, "SAHEL_ANALYSIS_NOTEBOOKS": value}
    for command in (["list"], ["build", "-o", str(tmp_path / "out")]):
        run = subprocess.run(
            [sys.executable, "-m", "sahel_analysis", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        line = _one_line(run.stderr)
        assert run.returncode == 2 and f"SAHEL_ANALYSIS_NOTEBOOKS={value}" in line, line
        assert any(s in line for s in ("no such folder", "not a folder", "no notebooks (*.ipynb) in it")), (
            line
        )


# ---------------------------------------------------------------------------------------------
# Event files


@pytest.mark.parametrize("value", ["1e30", "99999999999999999999", "9223372036854775808", "-1e30"])
def test_a_fatality_count_too_large_names_file_line_and_column(tmp_path: Path, value: str) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(1), acled_row(2), acled_row(3, fatalities=value)])
    with pytest.raises(EventDataError) as err:
        load_acled(path, cache=False)
    line = _one_line(str(err.value))
    assert (
        line.startswith(f"{path}, line 4, column 'fatalities': an integer too large") and repr(value) in line
    )
    assert (err.value.line, err.value.column) == (4, "fatalities")


def test_the_largest_int64_count_still_loads(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(1, fatalities=str(2**63 - 1))])
    assert load_acled(path, cache=False)["fatalities_best"].iloc[0] == 2**63 - 1


def test_a_numpy_value_is_quoted_as_the_user_wrote_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(1, fatalities=-1)])
    with pytest.raises(EventDataError, match=r"out of range \(must be at least 0\): -1$"):
        load_acled(path, cache=False)


def test_ucdp_estimates_out_of_order_are_reported_with_the_line_at_every_load(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ged.csv",
        [ucdp_row(1), ucdp_row(2, best=0, low=5, high=1), ucdp_row(3, best=9, low=1, high=4)],
    )
    for _ in range(2):  # parsed, then from the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = load_ucdp_ged(path, cache=tmp_path / "cache")
        cache.flush()
        (message,) = [str(w.message) for w in caught]
        assert message.startswith(f"{path}: 2 row(s) with fatality estimates out of order")
        assert "line 3: low 5, best 0, high 1" in message
        assert list(frame["fatalities_best"]) == [1, 0, 9]  # kept as given: the file is the record


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "loop", "binary", "utf16"])
def test_an_event_path_is_named_for_what_it_is(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "acled.csv"
    expected = {
        "fifo": "a named pipe (FIFO)",
        "device": "a character device",
        "folder": "a folder",
        "loop": "a symbolic link that loops",
        "binary": "binary data (NUL bytes)",
        "utf16": "UTF-16 text; save it as CSV in UTF-8",
    }[kind]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "binary":
        path.write_bytes(b"event_id_cnty,SECRET\x00\x01\x02")
    else:
        path.write_bytes("event_id_cnty,event_date\n".encode("utf-16"))
    with pytest.raises(EventDataError) as err:
        load_acled(path, cache=False)
    line = _one_line(str(err.value))
    assert expected in line and "no such file" not in line and "SECRET" not in line
    if kind in ("fifo", "device", "folder", "loop"):
        with pytest.raises(params.ParameterError) as err:
            params.check_event_params(acled_path=str(path))
        assert expected in _one_line(str(err.value)) and "no such file" not in str(err.value)


def test_an_event_dated_after_today_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(1), acled_row(2, date="9999-12-31")])
    with pytest.raises(EventDataError, match=rf"line 3, column 'event_date': a date after today \({TODAY}\)"):
        load_acled(path, cache=False)


# ---------------------------------------------------------------------------------------------
# A full disk, a file size limit


def _in_tmpfs(folder: Path, size: str, command: list[str]) -> subprocess.CompletedProcess[str] | None:
    """Run ``command`` with ``folder`` a fresh tmpfs of ``size`` (a private mount namespace, so nothing
    outlives it), then list what the folder holds on stdout; None where no namespace can be made."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode != 0:
        return None
    script = 'mount -t tmpfs -o size="$1" tmpfs "$2" || exit 99; dir=$2; shift 2; "$@"; s=$?; ls -A "$dir"; exit $s'
    run = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", size, str(folder), *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return None if run.returncode == 99 else run


WRITE = (
    "import sys; from pathlib import Path\n"
    "from sahel_analysis.atomic import atomic_write\n"
    "try:\n"
    "    atomic_write(Path(sys.argv[1]) / 'page.html', b'x' * 1_000_000)\n"
    "except OSError as exc:\n"
    "    print(type(exc).__name__, exc, file=sys.stderr); sys.exit(2)\n"
)


def test_a_full_disk_is_one_line_and_leaves_no_partial_file(tmp_path: Path) -> None:
    run = _in_tmpfs(tmp_path, "64k", [sys.executable, "-c", WRITE, str(tmp_path)])
    if run is None:
        pytest.skip("no tmpfs can be mounted here (unshare -rm refused)")
    assert run.returncode == 2, run.stderr
    assert _one_line(run.stderr) == f"WriteError {tmp_path}: cannot write page.html: the disk is full"
    assert run.stdout.split() == []  # what the full disk holds: nothing, not a partial page


def test_a_file_size_limit_is_one_line_and_leaves_no_partial_file(tmp_path: Path) -> None:
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))

    run = subprocess.run(
        [sys.executable, "-c", WRITE, str(tmp_path)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=60,
    )
    assert run.returncode == 2
    cause = "the file would be larger than the system allows (see ulimit -f)"
    assert _one_line(run.stderr) == f"WriteError {tmp_path}: cannot write page.html: {cause}"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_in_the_way_of_a_page_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "page.html").mkdir()
    with pytest.raises(WriteError) as err:
        atomic_write(tmp_path / "page.html", b"x")
    assert str(err.value) == f"{tmp_path}: cannot write page.html: a folder of that name is in the way"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


@pytest.mark.slow
def test_a_build_on_a_full_disk_fails_in_one_line(tmp_path: Path) -> None:
    # A page of some 400 kB (a figure of noise, embedded) on a 192 kB disk: the kernel runs, the write fails.
    body = (
        "%matplotlib inline\nimport numpy as np, matplotlib.pyplot as plt\n"
        "plt.imshow(np.random.default_rng(0).random((300, 300)))"
    )
    (tmp_path / "nbs").mkdir()
    notebook = _notebook(tmp_path / "nbs" / "big.ipynb", body)
    out = tmp_path / "out"
    out.mkdir()
    run = _in_tmpfs(
        out, "192k", [sys.executable, "-m", "sahel_analysis", "build", str(notebook), "-o", str(out)]
    )
    if run is None:
        pytest.skip("no tmpfs can be mounted here (unshare -rm refused)")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("sahel-analysis: error:")]
    assert len(errors) == 1 and errors[0].endswith("the disk is full") and str(out) in errors[0], run.stderr
    assert set(run.stdout.split()) <= {".state"}  # no page, notebook or temporary file left behind
