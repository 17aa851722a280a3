"""Time a newcomer's first `make briefings`: a fresh clone, then set-up from the lock, then the build.

Prints, for a cold package cache (uv's and pip's caches pointed at new, empty folders) and then a
warm one (a second fresh clone reusing those caches):
- `make setup`: the venv, uv bootstrapped with pip, `uv pip sync requirements.lock` (target < 60 s cold);
- `make briefings` after it: every notebook and the parameter sets (with set-up: target < 2 min cold).

It clones the committed HEAD of this repository (uncommitted changes are not measured). Needs only
Python 3.11+, make and git, like the set-up itself.

Usage: ``python3 benchmarks/bench_setup.py`` (about three minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds


def _fresh_clone(repo: Path, work: Path, name: str, env: dict[str, str]) -> Path:
    target = work / name
    subprocess.run(["git", "clone", "--quiet", str(repo), str(target)], check=True, env=env)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the clones and caches (printed)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the repository to clone (default: this one)")
    parser.add_argument("--setup-only", action="store_true", help="time `make setup` alone (cold, then warm)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sahel-bench-setup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "SAHEL_ANALYSIS_", "UV_"))}
    env["UV_CACHE_DIR"] = str(work / "uv-cache")
    env["PIP_CACHE_DIR"] = str(work / "pip-cache")
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; clones of {args.repo.name} HEAD"
    )

    rows = []
    try:
        for cache in ("cold", "warm"):
            clone = _fresh_clone(args.repo, work, cache, env)
            setup = _timed(["make", "setup"], clone, env)
            build = 0.0 if args.setup_only else _timed(["make", "briefings"], clone, env)
            rows.append((cache, setup, build))
            print(f"{cache} cache: make setup {setup:.1f} s, then make briefings {build:.1f} s", flush=True)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print("| cache | `make setup` | then the build | `make briefings` in all |")
    print("|---|---|---|---|")
    for cache, setup, build in rows:
        print(f"| {cache} | {setup:.1f} s | {build:.1f} s | {setup + build:.1f} s |")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
