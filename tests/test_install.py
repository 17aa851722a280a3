"""Installing: the lock, the conda file, the wheel outside the checkout, and notebook folders from `init`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sahel_analysis.workspace import WorkspaceError, init

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _locked() -> dict[str, list[tuple[str, str]]]:
    """Package name -> [(version, environment marker)] as pinned in the lock (universal: may fork)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m:
            pins.setdefault(canonicalize_name(m[1]), []).append((m[2], m[3] or ""))
    return pins


def _declared() -> list[Requirement]:
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in PROJECT["optional-dependencies"].values():
        found += [Requirement(r) for r in extra]
    return [r for r in found if canonicalize_name(r.name) != canonicalize_name(PROJECT["name"])]


def _uv() -> str:
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv not found: it is in the test extra (make setup installs it)")
    return found


def test_lock_names_no_index_or_url_and_hashes_every_pin() -> None:
    text = LOCK.read_text(encoding="utf-8")
    assert not re.search(
        r"[a-z+]+://|file:|^\s*-(-index-url|-extra-index-url|-find-links|i|f)\b", text, re.M
    ), "the lock must work against any index: no URL, index or find-links line"
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    pinned = [b for b in blocks if "==" in b.split("\n", 1)[0]]
    assert len(pinned) > 50
    for block in pinned:
        assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = _locked()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        for version, marker in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {req.name}=={version} ({marker or 'all'}), outside {req.specifier}: "
                "run `make lock`"
            )


def test_makefile_bootstraps_the_uv_that_the_lock_pins() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    bootstrap = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert bootstrap, "Makefile: no UV_VERSION"
    assert _locked()["uv"] == [(bootstrap[1], "")]


def test_runtime_dependencies_leave_out_what_only_tests_and_lab_use() -> None:
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert "psutil" in runtime  # the build imports it to stop kernels
    assert not runtime & {"frictionless", "jupyterlab", "pytest"}
    for name in ("frictionless", "jupyterlab"):
        imported = subprocess.run(
            ["git", "grep", "-lE", rf"^\s*(import|from) {name}\b", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
        assert imported == "", f"{name} is imported by {imported.split()}: declare it at run time"


def test_environment_yml_is_generated_from_pyproject() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_environment.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_init_copies_notebooks_and_params_and_never_overwrites(tmp_path: Path) -> None:
    source = ROOT / "notebooks"
    written = init(tmp_path / "mine", source)
    named_sets = [
        Path(d, f) for d, _, names in os.walk(source / "params") for f in names if f[-5:] == ".yaml"
    ]
    expected = sorted(p.relative_to(source) for p in [*source.glob("*.ipynb"), *named_sets])
    assert sorted(p.relative_to(tmp_path / "mine") for p in written) == expected
    # The dossier's named sets too, which the Makefile builds from params/08_place/.
    assert Path("params", "08_place", "gao.yaml") in expected
    assert (tmp_path / "mine" / "02_troop_levels.ipynb").read_bytes() == (
        source / "02_troop_levels.ipynb"
    ).read_bytes()

    # One file edited, the rest removed: a second init must refuse, and copy nothing at all.
    edited = tmp_path / "mine" / "params" / "article-date.yaml"
    edited.write_text("as_of: 2020-01-01\n")
    for path in written:
        if path != edited:
            path.unlink()
    with pytest.raises(WorkspaceError, match=r"article-date\.yaml: already exists.*nothing was copied"):
        init(tmp_path / "mine", source)
    assert edited.read_text() == "as_of: 2020-01-01\n"
    assert [p for p in written if p.exists()] == [edited]

    (tmp_path / "afile").write_text("")
    with pytest.raises(WorkspaceError, match="afile: exists and is not a folder"):
        init(tmp_path / "afile", source)
    with pytest.raises(WorkspaceError, match="no notebooks to copy"):
        init(tmp_path / "other", tmp_path / "afile-less")


def test_init_from_the_command_line_errors_in_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "sahel_analysis", "init", str(tmp_path)]
    assert subprocess.run(cmd, capture_output=True, text=True).returncode == 0
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already exists" in again.stderr


@pytest.mark.slow
def test_build_takes_the_notebooks_of_an_init_folder(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    init(mine, ROOT / "notebooks")
    path = mine / "02_troop_levels.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    marker = "An analyst's own note on troop levels"
    nb["cells"].insert(0, {"cell_type": "markdown", "id": "own-note", "metadata": {}, "source": [marker]})
    path.write_text(json.dumps(nb), encoding="utf-8")

    run = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "build", "--notebooks", str(mine), "02_troop_levels"]
        + ["-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert marker in (tmp_path / "out" / "02_troop_levels.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    """Build the wheel, install it alone in a new venv that borrows this one's dependencies, use it."""
    uv = _uv()
    dist = tmp_path / "dist"
    subprocess.run(
        [
            uv,
            "build",
            "--quiet",
            "--wheel",
            "--no-build-isolation",
            "--python",
            sys.executable,
            "-o",
            dist,
            ROOT,
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("sahel_analysis-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # A plain path line: this venv's packages become importable, but not its editable sahel_analysis
    # (that comes from a .pth there, which is only read for site directories).
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    # Installed dependencies also put data files under the prefix (nbconvert's base templates, kernels).
    (venv / "share").symlink_to(Path(sys.prefix) / "share", target_is_directory=True)
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--offline", "--no-deps", "--python", python, wheel],
        check=True,
        capture_output=True,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SAHEL_ANALYSIS_", "VIRTUAL_ENV", "PYTHON"))
    }

    def run(*cmd: str | Path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(cmd, cwd=elsewhere, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{cmd}: {done.stderr[-2000:]}"
        return done

    loaded = run(
        python,
        "-c",
        "import sahel_analysis as s, sahel_analysis.paths as p; e = s.load_events();"
        "print(s.__file__); print(p.DATA_DIR); print(len(e))",
    ).stdout.split("\n")
    assert Path(loaded[0]).is_relative_to(site), "imported the checkout, not the wheel"
    assert Path(loaded[1]) == site / "sahel_analysis" / "_resources" / "data"
    assert int(loaded[2]) > 0

    listed = run(venv / "bin" / "sahel-analysis", "list").stdout.splitlines()
    shipped = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert [line for line in listed if not line.startswith(" ")] == shipped

    run(venv / "bin" / "sahel-analysis", "build", "02_troop_levels", "-o", "out")
    html = (elsewhere / "out" / "02_troop_levels.html").read_text(encoding="utf-8")
    assert "<img" in html and "Troop" in html
    assert not (site / "sahel_analysis" / "_resources" / "notebooks" / "02_troop_levels.html").exists()
