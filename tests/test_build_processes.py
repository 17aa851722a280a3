"""The build's processes: time limits, what it kills and what it leaves, what its kernels see."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import new_notebook

from sahel_analysis import report
from sahel_analysis.cli import main
from sahel_analysis.paths import DATA_DIR
from sahel_analysis.report import kernels

linux = pytest.mark.skipif(sys.platform != "linux", reason="kernels are forks of a server on Linux only")


@pytest.fixture(scope="module", autouse=True)
def _servers() -> Iterator[None]:
    """The servers these tests start (other configurations, other warm-ups) end with the module."""
    yield
    kernels.stop_servers()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _outputs(executed: Path) -> list[str]:
    nb = nbformat.read(executed, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs).split()


@pytest.mark.slow
def test_a_cell_that_runs_too_long_fails_its_notebook_alone_in_one_line(tmp_path: Path, capsys) -> None:
    root = tmp_path / "nbs"
    root.mkdir()
    new_notebook(
        root / "stuck.ipynb",
        "import os, pathlib, time\npathlib.Path('stuck.pid').write_text(str(os.getpid()))\ntime.sleep(3600)",
    )
    new_notebook(root / "good.ipynb", "print(label * n)")
    new_notebook(root / "other.ipynb", "print(n)")
    names = [str(root / f"{name}.ipynb") for name in ("stuck", "good", "other")]
    start = time.monotonic()
    code = main(["build", *names, "-o", str(tmp_path / "out"), "--timeout", "5", "-j", "2"])
    elapsed = time.monotonic() - start
    captured = capsys.readouterr()
    assert code == 1
    assert elapsed < 30, f"the build took {elapsed:.0f} s"
    assert [line for line in captured.err.splitlines() if line.startswith("failed:")] == [
        "failed: stuck.ipynb, cell 3: timed out after 5 s"
    ]
    assert re.search(r"good\s+built", captured.out) and re.search(r"other\s+built", captured.out)
    assert (tmp_path / "out" / "stuck.FAILED.ipynb").is_file()
    assert _gone(int((root / "stuck.pid").read_text())), "the stuck kernel was left running"


@pytest.mark.slow
def test_a_parameter_file_sets_the_time_limit_of_its_notebooks(tmp_path: Path, capsys) -> None:
    stuck = new_notebook(tmp_path / "stuck.ipynb", "import time\ntime.sleep(3600)")
    quick = tmp_path / "quick.yaml"
    quick.write_text("timeout: 1.5\nn: 4\n")
    assert main(["build", str(stuck), "-o", str(tmp_path / "out"), "-f", str(quick)]) == 1
    assert re.search(r"failed: stuck\.ipynb, cell \d: timed out after 1\.5 s\n", capsys.readouterr().err)


def test_a_parameter_files_timeout_is_the_builds_not_a_parameter(tmp_path: Path, capsys) -> None:
    nb = new_notebook(tmp_path / "nb.ipynb", "pass")
    settings = tmp_path / "slow.yaml"
    for text, params in (("timeout: 900\nn: 4\n", {"n": 4}), ("timeout: 900\n", {})):
        settings.write_text(text)
        (job,) = report.plan([nb], {}, [settings])
        assert (job.timeout, job.params) == (900.0, params)
    (job,) = report.plan([nb], {}, [])
    assert job.timeout is None
    for bad in ("0", "-1", "soon", "true", ".inf", "[5]"):
        settings.write_text(f"timeout: {bad}\n")
        with pytest.raises(report.BuildError, match=r"slow\.yaml: timeout: expected a number of seconds > 0"):
            report.plan([nb], {}, [settings])
    assert main(["build", str(nb), "-o", str(tmp_path / "out"), "--timeout", "0"]) == 2
    assert capsys.readouterr().err == "sahel-analysis: error: --timeout: expected a number of seconds > 0\n"


# Run as its own process, which the test interrupts as Ctrl-C would: it starts a process of its own,
# runs a first build whose notebook starts one too, then a second build, which is interrupted.
INTERRUPTED = """
import json, subprocess, sys, threading, time
from pathlib import Path
from sahel_analysis.report import build, plan

root, out = Path(sys.argv[1]), Path(sys.argv[2])
mine = subprocess.Popen(["sleep", "600"])
first = threading.Thread(target=build, args=(plan([root / "holder.ipynb"], {}), out / "first"), daemon=True)
first.start()
while not (root / "holder.json").exists():
    time.sleep(0.1)
print(json.dumps({"caller": mine.pid, **json.loads((root / "holder.json").read_text())}), flush=True)
try:
    build(plan([root / "slow.ipynb"], {}), out / "second", progress=lambda line: print(line, flush=True))
except KeyboardInterrupt:
    print("interrupted", flush=True)
time.sleep(600)
"""
# Writes the pids of its kernel and of what it started, whole (renamed into place), then waits.
RECORD = (
    "import json, os, pathlib, subprocess, time\n"
    "started = [subprocess.Popen(['sleep', '600']).pid] if {start} else []\n"
    "pathlib.Path('{name}.tmp').write_text(json.dumps({{'kernel': os.getpid(), 'child': started}}))\n"
    "pathlib.Path('{name}.tmp').rename('{name}.json')\n"
    "time.sleep(600)"
)


def _reader(stream) -> Callable[[float], str]:
    """A ``next_line(timeout)`` over ``stream``: a pipe is never read without a limit."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()

    def next_line(timeout: float) -> str:
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from the process within {timeout} s") from None

    return next_line


@pytest.mark.slow
def test_stopping_a_build_kills_its_kernels_and_nothing_else(tmp_path: Path) -> None:
    """A process the caller or another build's notebook started outlives a build's Ctrl-C."""
    root = tmp_path / "nbs"
    root.mkdir()
    new_notebook(root / "holder.ipynb", RECORD.format(name="holder", start=True))
    new_notebook(root / "slow.ipynb", RECORD.format(name="slow", start=False))
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(root), str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        text=True,
    )
    others: list[int] = []
    try:
        next_line = _reader(proc.stdout)
        pids = json.loads(next_line(120))
        others = [pids["caller"], pids["kernel"], *pids["child"]]
        while next_line(120).strip() != "start  slow":
            pass
        deadline = time.monotonic() + 60
        while not (root / "slow.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        slow = psutil.Process(json.loads((root / "slow.json").read_text())["kernel"])
        proc.send_signal(signal.SIGINT)
        while next_line(60).strip() != "interrupted":
            pass
        _, alive = psutil.wait_procs([slow], timeout=10)
        assert alive == [], "the interrupted build's kernel still runs"
        assert [pid for pid in others if _gone(pid)] == [], "the build killed a process that was not its own"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        for pid in others:
            if not _gone(pid):
                psutil.Process(pid).kill()


@pytest.mark.slow
def test_a_spawned_kernel_killed_by_a_signal_is_reported_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """As a forked kernel is (test_build): a kernel started from scratch, where there is no fork server."""
    monkeypatch.setattr(kernels, "FORK", False)
    killed = new_notebook(
        tmp_path / "killed.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    )
    assert main(["build", str(killed), "-o", str(tmp_path / "out")]) == 1
    assert (
        "failed: killed.ipynb, cell 3: DeadKernelError: kernel died (killed by SIGKILL)\n"
        in capsys.readouterr().err
    )


@linux
@pytest.mark.slow
@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "pid"])
def test_a_forked_kernel_is_followed_and_ended_by_its_handle(tmp_path: Path, pidfd: bool) -> None:
    """By its pidfd, or by its pid where there is none (Linux < 5.3): the server holds it till released."""
    kernel = kernels.start_kernel(tmp_path)
    handle = kernel.process
    try:
        if not pidfd:
            os.close(handle.pidfd)
            handle.pidfd = None
        assert handle.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            handle.wait(timeout=0.2)
        handle.send_signal(signal.SIGTERM)
        assert handle.wait(timeout=10) == -signal.SIGTERM
        assert psutil.Process(handle.pid).status() == psutil.STATUS_ZOMBIE, "reaped before its release"
    finally:
        kernel.close()
    assert kernel.ended() == "killed by SIGTERM"
    assert not psutil.pid_exists(handle.pid) or psutil.Process(handle.pid).ppid() != handle.server.process.pid


@linux
@pytest.mark.slow
def test_forked_and_spawned_kernels_see_the_same_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds in one process, each pointing SAHEL_ANALYSIS_DATA at a folder of its own."""
    monkeypatch.chdir(tmp_path)
    for name in ("data_a", "data_b"):
        shutil.copytree(DATA_DIR, tmp_path / name)
    # The second package differs by one file: its data version, stamped on the page, must differ too.
    (tmp_path / "data_b" / "README.txt").write_text("another copy\n")
    (tmp_path / "nbs").mkdir()
    nb = new_notebook(
        tmp_path / "nbs" / "where.ipynb",
        "import os\nfrom sahel_analysis import geo, paths, tables\n"
        "print(os.environ['SAHEL_ANALYSIS_DATA'], paths.DATA_DIR, geo.boundaries_dir(), len(tables.load_sources()))",
    )
    versions: list[str] = []
    # The second folder is named from where the build starts: the spawned kernel runs in nbs/.
    for data, folder in ((str(tmp_path / "data_a"), tmp_path / "data_a"), ("data_b", tmp_path / "data_b")):
        monkeypatch.setenv("SAHEL_ANALYSIS_DATA", data)
        seen = []
        for fork in (True, False):
            monkeypatch.setattr(kernels, "FORK", fork)
            out = tmp_path / f"out-{folder.name}-{fork}"
            assert main(["build", str(nb), "-o", str(out)]) == 0
            seen.append(_outputs(out / "where.ipynb"))
        assert seen[0] == seen[1], "a forked and a spawned kernel saw different folders"
        env, data_dir, boundaries, _ = seen[0]
        assert Path(env).resolve() == Path(data_dir) == folder.resolve()
        assert Path(boundaries) == folder.resolve() / "boundaries"
        # The build's own side (the data version on the page and in the fingerprint) reads it too.
        page = (tmp_path / f"out-{folder.name}-True" / "where.html").read_text(encoding="utf-8")
        versions.append(re.search(r"data version ([0-9a-f]{12})", page)[1])
    assert versions[0] != versions[1], (
        "two data folders, one data version: the build hashed the first for both"
    )


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_a_warm_up_import_that_prints_does_not_break_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    if fork and sys.platform != "linux":
        pytest.skip("kernels are forks of a server on Linux only")
    (tmp_path / "noisy_import.py").write_text(
        "import os, sys\nprint('{\"pid\": 1}')\nprint('noise ' * 5000)\nsys.stdout.flush()\n"
        "os.write(1, b'{\"pid\": 2}\\n')\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(kernels, "FORK", fork)
    monkeypatch.setattr(kernels, "WARM_MODULES", ["pandas", "noisy_import"])
    nb = new_notebook(tmp_path / "nb.ipynb", "import sys\nprint('warmed', 'noisy_import' in sys.modules)")
    assert main(["build", str(nb), "-o", str(tmp_path / "out")]) == 0
    assert _outputs(tmp_path / "out" / "nb.ipynb") == ["warmed", "True"]


@linux
@pytest.mark.slow
def test_a_kernel_server_that_does_not_start_in_time_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "stuck_import.py").write_text("import time\ntime.sleep(600)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(kernels, "WARM_MODULES", ["stuck_import"])
    monkeypatch.setattr(kernels, "SERVER_START_TIMEOUT", 2.0)
    nb = new_notebook(tmp_path / "nb.ipynb", "print(n)")
    start = time.monotonic()
    assert main(["build", str(nb), "-o", str(tmp_path / "out")]) == 1
    assert time.monotonic() - start < 20
    assert (
        "failed: nb.ipynb: kernel did not start (the kernel server did not finish its imports within 2 s)\n"
        in capsys.readouterr().err
    )
