"""The build command: strict parameters, clear failures, incremental and reproducible HTML."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat
import pytest

from sahel_analysis import build
from sahel_analysis.cli import main


def _notebook(
    path: Path, body: str, params: str = "n = 3  # int: how many points\nlabel = 'a'  # str: a label"
) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {path.stem} title\n\nSummary of {path.stem}, <b>escaped</b>.\n"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, path)
    return path


PLOT = (
    "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
    "%matplotlib inline\nfig, ax = plt.subplots()\nax.plot(range(n))\nax.set_title(label)\nprint('n is', n)"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nbs")
    _notebook(root / "good.ipynb", PLOT)
    _notebook(root / "other.ipynb", "print(label * n)")
    _notebook(root / "bad.ipynb", "x = 1\n1 / 0")
    _notebook(
        root / "skip.ipynb",
        "from sahel_analysis.errors import NotebookSkipped\nraise NotebookSkipped('no input file')",
    )
    return root


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def first_build(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict[str, str]]:
    out = tmp_path_factory.mktemp("out")
    before = _digest(project)
    code = main(
        [
            "build",
            *(str(project / f"{n}.ipynb") for n in ("good", "other", "bad", "skip")),
            "-o",
            str(out),
            "-j",
            "2",
        ]
    )
    assert _digest(project) == before, "the build wrote into the notebooks folder"
    return out, code, before


def test_failing_notebook_fails_the_build_with_one_readable_line(first_build, capsys) -> None:
    out, code, _ = first_build
    assert code == 1
    failed = out / "bad.FAILED.ipynb"
    assert failed.is_file()
    assert "ZeroDivisionError" in failed.read_text()
    assert not (out / "bad.html").exists()
    index = (out / "index.html").read_text()
    assert "bad.html" not in index and "good.html" in index and "other.html" in index


def test_skipped_notebook_is_not_a_failure_and_not_indexed(first_build) -> None:
    out, _, _ = first_build
    assert not (out / "skip.html").exists() and not (out / "skip.FAILED.ipynb").exists()
    assert "skip" not in (out / "index.html").read_text()


def test_html_is_self_contained(first_build) -> None:
    out, _, _ = first_build
    page = (out / "good.html").read_text()
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page)
    assert not re.search(r"url\([\"']?(https?:)?//", page)
    assert "data:image/png;base64," in page
    assert "MathJax" not in page and "require.min.js" not in page
    assert "good title" in page and build.data_version() in page
    assert "n = 3" not in page, "input cells must be hidden"
    index = (out / "index.html").read_text()
    assert "Summary of good, &lt;b&gt;escaped&lt;/b&gt;." in index


def test_noop_rebuild_does_nothing(project: Path, first_build, capsys) -> None:
    out, _, _ = first_build
    before = _digest(out)
    capsys.readouterr()
    nbs = [str(project / f"{n}.ipynb") for n in ("good", "other", "skip")]
    assert main(["build", *nbs, "-o", str(out)]) == 0
    summary = capsys.readouterr().out
    assert re.search(r"good\s+up-to-date", summary) and re.search(r"other\s+up-to-date", summary)
    assert re.search(r"skip\s+skipped\s+0\.0", summary), (
        "a skipped notebook with the same inputs is not run again"
    )
    after = _digest(out)
    assert {k: v for k, v in after.items() if k != "index.html"} == {
        k: v for k, v in before.items() if k != "index.html"
    }


def test_changing_one_parameter_reruns_only_that_notebook(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    nbs = [str(project / "good.ipynb"), str(project / "other.ipynb")]
    assert main(["build", *nbs, "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["build", str(project / "good.ipynb"), "-o", str(out), "-p", "n", "5"]) == 0
    assert main(["build", *nbs, "-o", str(out), "-p", "n", "5"]) == 0
    lines = capsys.readouterr().out
    # good was rebuilt once with n=5, then found up to date; other ran only for its own new n.
    assert re.search(r"good\s+built", lines) and re.search(r"good\s+up-to-date", lines)
    assert len(re.findall(r"other\s+built", lines)) == 1
    assert "n=5" in (out / "good.html").read_text()


def test_two_builds_give_identical_bytes(project: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["build", str(project / "good.ipynb"), "-o", str(out), "--force"]) == 0
    assert (a / "good.html").read_bytes() == (b / "good.html").read_bytes()
    assert (a / "index.html").read_bytes() == (b / "index.html").read_bytes()


def test_unknown_parameter_lists_the_valid_names(project: Path, tmp_path: Path, capsys) -> None:
    assert main(["build", str(project / "good.ipynb"), "-o", str(tmp_path), "-p", "colour", "red"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter(s) colour" in err and "label, n" in err
    assert not (tmp_path / "good.html").exists()


def test_wrong_type_names_the_parameter(project: Path, tmp_path: Path, capsys) -> None:
    assert main(["build", str(project / "good.ipynb"), "-o", str(tmp_path), "-p", "n", "many"]) == 2
    assert "parameter 'n' of good: expected int, found 'many'" in capsys.readouterr().err


def test_unknown_notebook(tmp_path: Path, capsys) -> None:
    assert main(["build", "no_such_notebook", "-o", str(tmp_path)]) == 2
    assert "unknown notebook 'no_such_notebook'; available:" in capsys.readouterr().err


def test_parameter_file_dates_become_strings_and_name_a_variant(project: Path, tmp_path: Path) -> None:
    params = tmp_path / "june.yaml"
    params.write_text("label: 2021-06-01\n")
    jobs = build.plan([project / "good.ipynb"], {}, [params])
    assert jobs[0].params == {"label": "2021-06-01"} and jobs[0].stem == "good--june"
    params.write_text("- not a mapping\n")
    with pytest.raises(build.BuildError, match="expected a mapping"):
        build.plan([project / "good.ipynb"], {}, [params])


def test_parameters_are_read_with_types_and_help(project: Path) -> None:
    found = build.parameters(project / "good.ipynb")
    assert [(p.name, p.type, p.help, p.default) for p in found] == [
        ("n", "int", "how many points", "3"),
        ("label", "str", "a label", "'a'"),
    ]


@pytest.mark.parametrize(
    ("value", "declared", "ok"),
    [
        ("x", "str | None", True),
        (None, "str | None", True),
        (3, "str", False),
        (["a"], "list[str]", True),
        ([1], "list[str]", False),
        (True, "int", False),
        (2, "float", True),
        ([1.0, 2.0], "list[float] | None", True),
    ],
)
def test_type_check(value, declared, ok) -> None:
    assert build._type_ok(value, declared) is ok


def test_list_command_shows_every_notebook(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for nb in sorted(build.NOTEBOOK_DIR.glob("*.ipynb")):
        assert nb.stem in out


def test_a_changed_input_file_reruns_the_notebook(project: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "export.csv"
    source.write_text("a\n")
    args = ["build", str(project / "other.ipynb"), "-o", str(tmp_path / "out"), "-p", "label", str(source)]
    assert main(args) == 0
    assert main(args) == 0
    source.write_text("a\nb\n")
    assert main(args) == 0
    lines = capsys.readouterr().out
    assert len(re.findall(r"other\s+built", lines)) == 2
    assert len(re.findall(r"other\s+up-to-date", lines)) == 1


def test_parallel_build_with_a_relative_output_keeps_the_working_directory(
    project: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    nbs = [str(project / "good.ipynb"), str(project / "other.ipynb")]
    assert main(["build", *nbs, "-o", "site", "-j", "2"]) == 0
    assert Path.cwd() == tmp_path
    assert sorted(p.name for p in (tmp_path / "site").glob("*.html")) == [
        "good.html",
        "index.html",
        "other.html",
    ]
    assert not (project / "site").exists()


def test_ctrl_c_stops_kernels_and_leaves_no_partial_output(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import psutil

    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sahel_analysis", "build", str(slow), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    kernels: list[psutil.Process] = []
    while not kernels and time.monotonic() < deadline:
        kernels = [p for p in parent.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
        time.sleep(0.2)
    assert kernels, "no kernel started"
    time.sleep(2)  # let the notebook reach its long cell
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    _, alive = psutil.wait_procs(kernels, timeout=5)
    assert alive == []
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and p.name != "index.html"]
    assert leftovers == []
