"""Benchmark the build against the floor (the notebooks' own code) and the naive chain, in one run.

Prints, first, the ratio that matters:
- the floor: each notebook's code cells as a plain script (IPython magics dropped, Agg backend),
  run alone in a fresh interpreter from ``notebooks/``; floor = max(sum / cores, longest);
- a cold ``sahel-analysis build --force`` of every notebook (new kernels, nothing reused, the queue
  ordered by the times of the build before) against that floor (target <= 1.4x), and a first build
  into a new folder (no times yet); each is measured ``--repeat`` times (3), in alternating rounds,
  and their medians compared;
- where the cold build's time goes, per notebook and per phase (``--profile``);
- the naive chain: ``papermill`` CLI then ``jupyter nbconvert --to html --no-input``, per notebook,
  in sequence (ratio, target >= 3x; ``--skip-naive`` leaves it out);
- both editions (``--lang en --lang fr``, on the same kernels) against English alone, each a cold
  ``--force`` build in the same round;
- a no-op rebuild (target <= 0.3 s);
- the peak resident memory of the build's whole process tree (target <= 1.5 GB);
- ``import sahel_analysis`` against ``import geopandas, matplotlib.pyplot`` (target: adds <= 0.3 s).

Usage: ``.venv/bin/python benchmarks/bench_build.py [--skip-naive] [--repeat N]`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import json
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
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
PHASES = ("kernel_start", "kernel_wait", "inject", "execute", "html", "write")

# What a script needs to stand in for the notebook: no screen, and IPython's display() computing
# the same rich representation the notebook shows (its cost is part of the notebook's work).
PRELUDE = """\
import matplotlib
matplotlib.use("Agg")


def display(*objects, **_):
    for obj in objects:
        getattr(obj, "_repr_html_", obj.__repr__)()


def _render_figures():
    # What the inline backend does after each cell: every open figure drawn to a PNG, then closed.
    import io

    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        fig = plt.figure(num)
        fig.canvas.print_figure(io.BytesIO(), format="png", bbox_inches="tight", dpi=fig.dpi)
    plt.close("all")


"""


def timed(cmd: list[str], *, sample: bool = True, **kw) -> tuple[float, int]:
    """Wall time of ``cmd`` and the peak RSS (bytes) of its whole process tree, sampled every 50 ms.

    Without ``sample``, the time alone (the sampler takes some of a core) and a peak of 0.
    """
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    done = threading.Event()

    def sample_rss() -> None:
        nonlocal peak
        parent = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [parent, *parent.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample_rss if sample else done.wait, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - start
    if code not in (0,):
        raise SystemExit(f"{' '.join(cmd)} exited {code}")
    return elapsed, peak


def as_script(notebook: Path, *, render: bool = False) -> str:
    """The notebook's code cells, in order, without IPython magics or shell escapes.

    With ``render``, each cell is followed by drawing its figures to PNG, as a notebook page needs:
    with the Agg backend and no display, a script never draws them at all.
    """
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        cells.append("\n".join(lines) + ("\n_render_figures()" if render else ""))
    return PRELUDE + "\n\n".join(cells) + "\n"


def floor(work: Path, *, render: bool = False) -> tuple[float, dict[str, float]]:
    """Each notebook's script, alone, in a fresh interpreter from notebooks/; max(sum/cores, longest)."""
    seconds = {}
    for nb in NOTEBOOKS:
        script = work / f"{nb.stem}{'-render' if render else ''}.py"
        script.write_text(as_script(nb, render=render), encoding="utf-8")
        start = time.perf_counter()
        # A notebook with nothing to show stops by raising; its script does the same work, then fails.
        subprocess.run(
            [sys.executable, str(script)],
            cwd=NOTEBOOK_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds[nb.stem] = time.perf_counter() - start
    cores = psutil.cpu_count() or 1
    return max(sum(seconds.values()) / cores, max(seconds.values())), seconds


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


def print_profile(path: Path, scripts: dict[str, float]) -> None:
    phases = json.loads(path.read_text(encoding="utf-8"))
    print(
        f"  orchestrator import: {phases.pop('(orchestrator)', {}).get('import', 0.0):.2f} s, while kernels start"
    )
    width = max(len(k) for k in phases)
    print(f"  {'notebook':<{width}}  {'script':>7}  " + "  ".join(f"{p:>12}" for p in PHASES))
    for stem, t in sorted(phases.items()):
        cells = "  ".join(f"{t.get(p, 0.0):>12.2f}" for p in PHASES)
        print(f"  {stem:<{width}}  {scripts.get(stem, 0.0):>7.2f}  {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive chain (slow)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of floor then cold build; the medians are compared"
    )
    args = parser.parse_args()
    print(f"{len(NOTEBOOKS)} notebooks, {psutil.cpu_count()} cores, {args.repeat} rounds")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "scripts").mkdir()
        # Rounds alternate floor and builds, so that a slower spell of the machine falls on both.
        lows, colds, firsts, boths = [], [], [], []
        for round_ in range(1, args.repeat + 1):
            low, scripts = floor(tmp_path / "scripts")
            build = [str(BIN / "sahel-analysis"), "build", "-o", str(tmp_path / f"round{round_}")]
            # A first build, into a new folder: nothing tells it yet which notebooks take longest.
            first, _ = timed(build, sample=False)
            # Cold again: every notebook re-run in new kernels, queued longest first by the times
            # the first build recorded.
            cold, _ = timed([*build, "--force"], sample=False)
            # Both editions, the French pages into OUT/fr, on the same kernels.
            both, _ = timed([*build, "--force", "--lang", "en", "--lang", "fr"], sample=False)
            lows.append(low)
            colds.append(cold)
            firsts.append(first)
            boths.append(both)
            print(
                f"  round {round_}: floor {low:5.1f} s, cold build {cold:5.1f} s ({cold / low:.2f}x), "
                f"first build {first:5.1f} s ({first / low:.2f}x), both editions {both:5.1f} s"
            )
        low, cold, first = statistics.median(lows), statistics.median(colds), statistics.median(firsts)
        both = statistics.median(boths)
        drawn, _ = floor(tmp_path / "scripts", render=True)
        out = tmp_path / "site"
        build = [str(BIN / "sahel-analysis"), "build", "-o", str(out)]
        profiled, peak = timed([*build, "--force", "--profile"])
        print(f"floor (notebooks' code as scripts, max(sum/cores, longest)), median: {low:6.1f} s")
        print(f"sahel-analysis build --force, cold, median:                          {cold:6.1f} s")
        print(f"  cold build / floor: {cold / low:.2f}x (target <= 1.4x)")
        print(f"first build into a new folder (no times to order by), median:        {first:6.1f} s")
        print(f"  first build / floor: {first / low:.2f}x")
        print(f"both editions (--lang en --lang fr), cold, median:                   {both:6.1f} s")
        print(f"  both editions / English alone: {both / cold:.2f}x (twice the pages: 2.0x at most)")
        print(f"floor with each cell's figures drawn to PNG, as the pages need: {drawn:6.1f} s")
        print(f"  cold build / that floor: {cold / drawn:.2f}x")
        print(f"cold build again, with --profile and memory sampled every 50 ms: {profiled:.1f} s")
        print_profile(out / ".state" / "profile.json", scripts)
        noop, _ = timed(build)
        if not args.skip_naive:
            (tmp_path / "naive").mkdir()
            naive = naive_chain(tmp_path / "naive")
            print(f"naive chain (papermill CLI + nbconvert CLI, sequential): {naive:6.1f} s")
            print(f"  naive chain / cold build: {naive / cold:.1f}x (target >= 3x)")
    print(f"no-op rebuild: {noop:.2f} s (target <= 0.3 s)")
    print(f"peak RSS of the cold build (process tree): {peak / 2**30:.2f} GB (target <= 1.5 GB)")
    bare = import_time("pass")
    ours = import_time("import sahel_analysis")
    heavy = import_time("import geopandas, matplotlib.pyplot")
    both = import_time("import sahel_analysis, geopandas, matplotlib.pyplot")
    print(f"python startup alone: {bare:.3f} s")
    print(f"import sahel_analysis: {ours:.3f} s; import geopandas, matplotlib.pyplot: {heavy:.3f} s")
    print(
        f"  ratio {ours / heavy:.2f}; sahel_analysis adds {max(both - heavy, 0):.3f} s on top (target <= 0.3 s)"
    )


if __name__ == "__main__":
    main()
