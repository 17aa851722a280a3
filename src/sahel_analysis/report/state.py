"""What the last build did, kept in ``OUT/.state``: fingerprints of each job's inputs, durations, timings.

A job whose fingerprint (notebook, parameters, ``data/``, library, files its parameters name) matches
its record is not run again. A record the build cannot read is ignored with a warning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sahel_analysis import __version__
from sahel_analysis.paths import DATA_DIR, PACKAGE_DIR
from sahel_analysis.report.atomic import atomic_write
from sahel_analysis.report.plan import Job

STATE_DIR = ".state"
PROFILE_FILE = "profile.json"


def _hash_tree(root: Path, patterns: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def data_version(data_dir: Path | None = None) -> str:
    """A short hash of everything under ``data/``: changes whenever a data file does."""
    return _hash_tree(data_dir or DATA_DIR, ["*"])[:12]


def library_version() -> str:
    return _hash_tree(PACKAGE_DIR, ["*.py", "*.mplstyle", "*.j2", "*.json"])[:12]


def input_files(job: Job) -> dict[str, list[int]]:
    """Files named by parameters (e.g. an ACLED export): a new download must trigger a rebuild.

    ``~`` is expanded, and a relative path is looked up both from the notebook's folder (where its
    kernel runs) and from the folder the build was started in.
    """
    found = {}
    for value in job.params.values():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not item:
                continue
            given = Path(item).expanduser()
            for path in (job.notebook.parent / given, Path.cwd() / given):
                if path.is_file():
                    stat = path.stat()
                    found[str(path.resolve())] = [stat.st_size, stat.st_mtime_ns]
    return found


def fingerprint(job: Job, data: str, lib: str) -> str:
    payload = json.dumps(
        {"params": job.params, "data": data, "lib": lib, "version": __version__, "files": input_files(job)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(job.notebook.read_bytes() + payload.encode()).hexdigest()


def record_path(out: Path, job: Job) -> Path:
    return out / STATE_DIR / f"{job.stem}.json"


def read_record(path: Path, warn: Callable[[str], None]) -> dict[str, Any]:
    """The record at ``path``; ``{}`` when there is none, or when it is damaged or not ours (warned)."""
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        warn(f"warning: {path}: unreadable build record ignored ({exc}); rebuilding")
        return {}
    if not isinstance(record, dict) or not isinstance(record.get("fingerprint", ""), str):
        warn(f"warning: {path}: not a build record, ignored; rebuilding")
        return {}
    return record


def write_record(path: Path, record: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(record, indent=1, sort_keys=True, default=str).encode())


def write_profile(out: Path, phases: dict[str, dict[str, float]]) -> Path:
    """Per-notebook, per-phase seconds of this build, for ``--profile``."""
    path = out / STATE_DIR / PROFILE_FILE
    atomic_write(path, json.dumps(phases, indent=1, sort_keys=True).encode())
    return path
