"""The build command: strict parameters, clear failures, incremental and reproducible HTML."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
from pathlib import Path
from unittest.mock import ANY

import nbformat
import pytest
from conftest import PARAMS, new_notebook

from sahel_analysis import report
from sahel_analysis.cli import main
from sahel_analysis.paths import NOTEBOOK_DIR
from sahel_analysis.report import builder
from sahel_analysis.report.plan import Job
from sahel_analysis.report.state import fingerprint, input_files
from sahel_analysis.report.typecheck import fits

PLOT = (
    "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
    "%matplotlib inline\nfig, ax = plt.subplots()\nax.plot(range(n))\nax.set_title(label)\nprint('n is', n)"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nbs")
    new_notebook(root / "good.ipynb", PLOT)
    other = PARAMS + "\nexport_path: str = ''  # a file it reads"
    new_notebook(root / "other.ipynb", "print(label * n)", params=other)
    new_notebook(root / "bad.ipynb", "x = 1\n1 / 0")
    new_notebook(
        root / "skip.ipynb",
        "from sahel_analysis.errors import NotebookSkipped\nraise NotebookSkipped('no input file')",
    )
    new_notebook(root / "dies.ipynb", "import os\nos._exit(1)")
    new_notebook(root / "killed.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    # Each leaves a mark in its kernel (a global, a builtin, an environment variable, an attribute of
    # a module the kernel had loaded before the notebook ran) and fails if it finds the other's:
    # kernels are fresh per notebook.
    for me, other in (("leak_a", "leak_b"), ("leak_b", "leak_a")):
        new_notebook(
            root / f"{me}.ipynb",
            "import builtins, os, pandas\n"
            f"assert 'MARK' not in globals() and not hasattr(builtins, 'MARK_{other}')\n"
            f"assert 'MARK_{other}' not in os.environ and not hasattr(pandas, 'MARK_{other}')\n"
            f"MARK = 1\nbuiltins.MARK_{me} = 1\nos.environ['MARK_{me}'] = '1'\npandas.MARK_{me} = 1\n"
            "print('pid', os.getpid())",
        )
    # A notebook imports a module that sits next to it, as in Jupyter (its folder is on sys.path),
    # and reads the exit status of a program it runs (a kernel must be able to wait for its children).
    (root / "helper.py").write_text("ANSWER = 42\n")
    new_notebook(
        root / "local.ipynb",
        "import subprocess, sys\nimport helper\n"
        "status = subprocess.run([sys.executable, '-c', 'raise SystemExit(3)']).returncode\n"
        "print('answer', helper.ANSWER, 'status', status)",
    )
    new_notebook(root / "long.ipynb", "import time\ntime.sleep(2.5)")
    return root


ALL = ("good", "other", "bad", "skip", "dies", "killed", "leak_a", "leak_b", "long", "local")


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def first_build(project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict[str, str]]:
    """One build of every test notebook, shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("out")
    before = _digest(project)
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        mp.setattr(builder, "HEARTBEAT", 1.0)
        code = main(["build", *(str(project / f"{n}.ipynb") for n in ALL), "-o", str(out), "-j", "2"])
    assert _digest(project) == before, "the build wrote into the notebooks folder"
    return out, code, err.getvalue()


@pytest.mark.slow
def test_failing_notebook_fails_the_build_with_one_readable_line(first_build) -> None:
    out, code, err = first_build
    assert code == 1
    assert "failed: bad.ipynb, cell 3: ZeroDivisionError: division by zero\n" in err
    failed = out / "bad.FAILED.ipynb"
    assert failed.is_file()
    assert "ZeroDivisionError" in failed.read_text()
    assert not (out / "bad.html").exists()
    index = (out / "index.html").read_text()
    assert "bad.html" not in index and "good.html" in index and "other.html" in index


@pytest.mark.slow
def test_a_dead_kernel_fails_its_notebook_alone_with_its_exit_status(first_build) -> None:
    out, _, err = first_build
    assert "failed: dies.ipynb, cell 3: DeadKernelError: kernel died (exit status 1)\n" in err
    assert (out / "dies.FAILED.ipynb").is_file() and not (out / "dies.html").exists()
    index = (out / "index.html").read_text()
    assert "good.html" in index and "long.html" in index and "dies.html" not in index


@pytest.mark.slow
def test_a_kernel_killed_by_a_signal_is_reported_with_it(first_build) -> None:
    out, _, err = first_build
    assert "failed: killed.ipynb, cell 3: DeadKernelError: kernel died (killed by SIGKILL)\n" in err
    assert (out / "killed.FAILED.ipynb").is_file() and not (out / "killed.html").exists()


@pytest.mark.slow
def test_kernels_are_fresh_per_notebook(first_build) -> None:
    out, _, _ = first_build
    pids = []
    for name in ("leak_a", "leak_b"):
        nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
        (line,) = [o["text"] for c in nb.cells if c.cell_type == "code" for o in c.outputs if "text" in o]
        pids.append(line.split()[1])
    assert len(set(pids)) == 2


@pytest.mark.slow
def test_a_notebook_imports_from_its_folder_and_waits_for_its_programs(first_build) -> None:
    out, _, _ = first_build
    nb = nbformat.read(out / "local.ipynb", as_version=4)
    assert "answer 42 status 3" in nb.cells[-1].outputs[0]["text"]


@pytest.mark.slow
def test_progress_says_start_when_a_notebook_starts_and_beats_while_it_runs(first_build) -> None:
    _, _, err = first_build
    lines = err.splitlines()
    assert lines.index("  start  long") < next(
        i for i, x in enumerate(lines) if x.startswith("  running long")
    )
    assert len([x for x in lines if x.startswith("  start  ")]) == len(ALL)


@pytest.mark.slow
def test_skipped_notebook_is_not_a_failure_and_not_indexed(first_build) -> None:
    out, _, _ = first_build
    assert not (out / "skip.html").exists() and not (out / "skip.FAILED.ipynb").exists()
    assert "skip" not in (out / "index.html").read_text()


@pytest.mark.slow
def test_html_is_self_contained(first_build) -> None:
    out, _, _ = first_build
    page = (out / "good.html").read_text()
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page)
    assert not re.search(r"url\([\"']?(https?:)?//", page)
    assert "data:image/png;base64," in page
    assert "MathJax" not in page and "require.min.js" not in page
    assert "good title" in page and report.data_version() in page
    assert "n = 3" not in page, "input cells must be hidden"
    index = (out / "index.html").read_text()
    assert "Summary of good, &lt;b&gt;escaped&lt;/b&gt;." in index


@pytest.mark.slow
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


@pytest.mark.slow
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
    assert "sahel-analysis build good.ipynb -p n 5" in (out / "good.html").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("params", [[], ["-p", "n", "5"]], ids=["defaults", "parameters"])
def test_two_builds_give_identical_bytes(project: Path, tmp_path: Path, params: list[str]) -> None:
    """With parameters too: papermill's injected cell gets a random id, which the page shows."""
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["build", str(project / "good.ipynb"), "-o", str(out), "--force", *params]) == 0
    assert (a / "good.html").read_bytes() == (b / "good.html").read_bytes()
    assert (a / "index.html").read_bytes() == (b / "index.html").read_bytes()


@pytest.mark.slow
def test_a_kernel_started_without_the_fork_server_gives_the_same_page(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where fork is not used (macOS, Windows), each kernel is a new interpreter: same page."""
    from sahel_analysis.report import kernels

    forked, spawned = tmp_path / "forked", tmp_path / "spawned"
    assert main(["build", str(project / "good.ipynb"), "-o", str(forked)]) == 0
    monkeypatch.setattr(kernels, "FORK", False)
    assert main(["build", str(project / "good.ipynb"), "-o", str(spawned)]) == 0
    assert (forked / "good.html").read_bytes() == (spawned / "good.html").read_bytes()


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
    jobs = report.plan([project / "good.ipynb"], {}, [params])
    assert jobs[0].params == {"label": "2021-06-01"} and jobs[0].stem == "good--june"
    params.write_text("- not a mapping\n")
    with pytest.raises(report.BuildError, match="expected a mapping"):
        report.plan([project / "good.ipynb"], {}, [params])


@pytest.mark.parametrize(
    "cell",
    [
        # what papermill infers types from: an annotation, or a "# type:" comment
        "n: int = 3  # how many points\nlabel: Optional[str] = 'a'  # a label",
        "n = 3  # type: int how many points\nlabel = 'a'  # type: Optional[str] a label",
        # the older convention: the type leads the help comment
        "n = 3  # int: how many points\nlabel = 'a'  # str | None: a label",
    ],
    ids=["annotation", "type-comment", "help-prefix"],
)
def test_parameters_are_read_with_types_and_help(tmp_path: Path, cell: str) -> None:
    found = report.parameters(new_notebook(tmp_path / "nb.ipynb", "pass", params=cell))
    kinds = {"Optional[str]", "str | None"}
    assert [(p.name, p.help, p.default) for p in found] == [
        ("n", "how many points", "3"),
        ("label", "a label", "'a'"),
    ]
    assert found[0].type == "int" and found[1].type in kinds
    with pytest.raises(
        report.BuildError, match=r"parameter 'label' of nb: expected .*str.*, found 3 \(int\)"
    ):
        report.plan([tmp_path / "nb.ipynb"], {"label": 3}, [])
    assert report.plan([tmp_path / "nb.ipynb"], {"label": None}, [])[0].params == {"label": None}


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
        (None, "Optional[list[str]]", True),
        (["a", 1], "Optional[list[str]]", False),
        ("a", "Optional[list[str]]", False),
        (3, "Union[int, str]", True),
        (3.5, "Union[int, str]", False),
        ({"a": 1}, "dict", True),
        (None, "int", False),
    ],
)
def test_type_check(value, declared, ok) -> None:
    assert fits(value, declared) is ok


def test_list_command_shows_every_notebook(capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for nb in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        assert nb.stem in out


def test_a_file_named_with_tilde_is_part_of_the_fingerprint(
    project: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "export.csv").write_text("a\n")
    job = Job(project / "other.ipynb", {"export_path": "~/export.csv", "label": "~/export.csv"})
    first = fingerprint(job, "data", "lib")
    assert fingerprint(job, "data", "lib") == first
    assert input_files(job) == {str(tmp_path / "export.csv"): ANY}  # a path parameter, not the label
    (tmp_path / "export.csv").write_text("a\nb\n")  # a re-downloaded file
    assert fingerprint(job, "data", "lib") != first


@pytest.mark.slow
def test_a_changed_input_file_reruns_the_notebook(project: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "export.csv"
    source.write_text("a\n")
    out = str(tmp_path / "out")
    args = ["build", str(project / "other.ipynb"), "-o", out, "-p", "export_path", str(source)]
    assert main(args) == 0
    assert main(args) == 0
    source.write_text("a\nb\n")
    assert main(args) == 0
    lines = capsys.readouterr().out
    assert len(re.findall(r"other\s+built", lines)) == 2
    assert len(re.findall(r"other\s+up-to-date", lines)) == 1


@pytest.mark.slow
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


@pytest.mark.slow
def test_ctrl_c_stops_kernels_and_leaves_no_partial_output(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import psutil

    slow = new_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sahel_analysis", "build", str(slow), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    kernels: list[psutil.Process] = []
    while not kernels and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):
            # A kernel is an ipykernel_launcher, or on Linux a fork named so by the kernel server.
            kernels = [
                p for p in parent.children(recursive=True) if "ipykernel" in p.name() + " ".join(p.cmdline())
            ]
        time.sleep(0.2)
    assert kernels, proc.communicate()[1] if proc.poll() is not None else "no kernel started"
    time.sleep(2)  # let the notebook reach its long cell
    kernels = parent.children(recursive=True)  # the kernel server too, if there is one
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    _, alive = psutil.wait_procs(kernels, timeout=5)
    assert alive == []
    leftovers = [p.name for p in out.rglob("*") if p.is_file() and p.name != "index.html"]
    assert leftovers == []


@pytest.mark.slow
def test_a_killed_build_leaves_no_kernel(tmp_path: Path) -> None:
    """SIGKILL gives the build no chance to clean up: its kernels must end with it all the same."""
    import signal
    import subprocess
    import sys
    import time

    import psutil

    slow = new_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(120)")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sahel_analysis", "build", str(slow), "-o", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # the progress line comes once the kernel runs the notebook
        if "start  slow" in line:
            break
    time.sleep(1)
    descendants = psutil.Process(proc.pid).children(recursive=True)
    assert descendants
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(descendants, timeout=10)
    assert alive == []


@pytest.mark.slow
def test_a_build_prints_no_warning(tmp_path: Path) -> None:
    """The terminal shows the build's own lines: no warning from the processes it starts."""
    import subprocess
    import sys

    good = new_notebook(tmp_path / "good.ipynb", "print('ok')")
    proc = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "build", str(good), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(("name", "value"), [("as_of", "2021-02-30"), ("start", "2015-13-45")])
def test_an_impossible_date_is_one_line_naming_the_parameter(tmp_path: Path, capsys, name, value) -> None:
    assert main(["build", "06_briefing", "-o", str(tmp_path / "out"), "-p", name, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"parameter {name!r}: {value!r} is not a valid date" in err


def test_a_parameter_file_that_is_not_utf8_or_is_a_folder(project: Path, tmp_path: Path, capsys) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("label: Ségou\n".encode("latin-1"))
    nb = str(project / "good.ipynb")
    assert main(["build", nb, "-o", str(tmp_path / "out"), "-f", str(latin)]) == 2
    assert main(["build", nb, "-o", str(tmp_path / "out"), "-f", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"sahel-analysis: error: {latin}: not UTF-8 text (byte 8); save it as UTF-8",
        f"sahel-analysis: error: {tmp_path}: expected a YAML parameter file, found a folder",
    ]


def test_an_output_folder_that_cannot_be_used_is_refused(project: Path, tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me\n")
    nb = str(project / "good.ipynb")
    before = _digest(project)
    for out in (a_file, a_file / "sub", project, NOTEBOOK_DIR):
        assert main(["build", nb, "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(" is ")[-1].split(" holds ")[-1] for line in err] == [
        "a file; expected a folder",
        "under a file; expected a folder",
        "a folder of source notebooks; choose another (default: site/)",
        "a folder of source notebooks; choose another (default: site/)",
    ]
    assert a_file.read_text() == "keep me\n" and _digest(project) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_output_folder_is_refused(project: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["build", str(project / "good.ipynb"), "-o", str(out)]) == 2
    finally:
        out.chmod(0o755)
    assert capsys.readouterr().err.strip().endswith("is not writable")


@pytest.mark.slow
def test_a_damaged_record_is_rebuilt_and_a_stale_failure_removed(
    project: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    (out / ".state").mkdir(parents=True)
    (out / ".state" / "other.json").write_bytes(b"\x00not json")
    (out / ".state" / "skip.json").write_text(json.dumps(["a", "list"]))
    for name in ("other", "skip"):
        (out / f"{name}.FAILED.ipynb").write_text("{}")
    nbs = [str(project / f"{n}.ipynb") for n in ("other", "skip")]
    assert main(["build", *nbs, "-o", str(out), "-j", "2"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"other\s+built", captured.out) and re.search(r"skip\s+skipped", captured.out)
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2 and all("rebuilding" in w for w in warnings)
    assert not list(out.glob("*.FAILED.ipynb"))
    assert json.loads((out / ".state" / "other.json").read_text())["status"] == "built"


def test_a_relative_path_parameter_is_taken_from_where_the_build_started(tmp_path: Path, monkeypatch) -> None:
    # The kernel runs in notebooks/, so the notebook must receive the path as the user meant it.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (job,) = report.plan([NOTEBOOK_DIR / "05_conflict_events.ipynb"], {"acled_path": "downloads/acled.csv"})
    assert job.params["acled_path"] == str(tmp_path / "downloads" / "acled.csv")
    (job,) = report.plan([NOTEBOOK_DIR / "05_conflict_events.ipynb"], {"ucdp_path": "~/ged.csv"})
    assert job.params["ucdp_path"] == str(tmp_path / "home" / "ged.csv")


@pytest.mark.parametrize(
    ("line", "meaning"),
    [
        (
            "as_of = None  # str | None: 'YYYY-MM-DD' the page is true as of; None: the latest data",
            "the latest data",
        ),
        (
            "start = None  # str | None: first date shown (None: from the first figure)",
            "from the first figure",
        ),
        ("title: Optional[str] = None  # the title; None lists the places", None),
        ("n = 3  # int: None: not a None default", None),
    ],
)
def test_what_a_default_of_none_means_is_read_from_its_comment(tmp_path: Path, line: str, meaning) -> None:
    from sahel_analysis.report.notebooks import default_meanings

    path = new_notebook(tmp_path / "m.ipynb", "pass", params=line)
    name = line.split()[0].rstrip(":")
    assert default_meanings(path).get(name) == meaning
