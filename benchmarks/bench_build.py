"""Benchmark the build against the naive chain a user would write, all measured in this one run.

Prints:
- a cold ``sahel-analysis build`` of every notebook vs ``papermill`` CLI then
  ``jupyter nbconvert --to html --no-input``, sequentially per notebook (ratio, target >= 3x);
- a no-op rebuild (target <= 1 s);
- the peak resident memory of the build's whole process tree (target <= 1.5 GB);
- ``import sahel_analysis`` against ``import geopandas, matplotlib.pyplot`` (target: adds <= 0.3 s).

Usage: ``.venv/bin/python benchmarks/bench_build.py`` (or ``make bench``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def timed(cmd: list[str], **kw) -> tuple[float, int]:
    """Wall time of ``cmd`` and the peak RSS (bytes) of its whole process tree, sampled every 50 ms."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if code not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return elapsed, peak


def naive_chain(out: Path) -> float:
    start = time.perf_counter()
    for nb in NOTEBOOKS:
        executed = out / nb.name
        # A notebook that has nothing to show (no input file) ends with an error by design; the
        # naive chain would stop there, so it is timed up to that point and the chain goes on.
        subprocess.run(
            [BIN / "papermill", str(nb), str(executed), "-k", "python3", "--cwd", str(nb.parent)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(executed)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def import_time(stmt: str, repeat: int = 7) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", stmt], check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    print(f"{len(NOTEBOOKS)} notebooks, {psutil.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "naive").mkdir()
        naive = naive_chain(tmp_path / "naive")
        build = [str(BIN / "sahel-analysis"), "build", "-o", str(tmp_path / "build")]
        cold, peak = timed([*build, "--force"])
        noop, _ = timed(build)
    bare = import_time("pass")
    ours = import_time("import sahel_analysis")
    heavy = import_time("import geopandas, matplotlib.pyplot")
    both = import_time("import sahel_analysis, geopandas, matplotlib.pyplot")
    print(f"naive chain (papermill CLI + nbconvert CLI, sequential): {naive:6.1f} s")
    print(f"sahel-analysis build, cold:                               {cold:6.1f} s")
    print(f"  speed-up: {naive / cold:.1f}x (target >= 3x)")
    print(f"no-op rebuild: {noop:.2f} s (target <= 1 s)")
    print(f"peak RSS of the cold build (process tree): {peak / 2**30:.2f} GB (target <= 1.5 GB)")
    print(f"python startup alone: {bare:.3f} s")
    print(f"import sahel_analysis: {ours:.3f} s; import geopandas, matplotlib.pyplot: {heavy:.3f} s")
    print(
        f"  ratio {ours / heavy:.2f}; sahel_analysis adds {max(both - heavy, 0):.3f} s on top (target <= 0.3 s)"
    )


if __name__ == "__main__":
    main()
