"""What the last build did, kept in ``OUT/.state``: fingerprints of each job's inputs, durations, timings.

A job whose fingerprint (notebook, parameters, ``data/``, library, files its parameters name) matches
its record is not run again. A record the build cannot read is ignored with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import Any

from sahel_analysis import __version__, paths
from sahel_analysis.atomic import atomic_write
from sahel_analysis.paths import PACKAGE_DIR
from sahel_analysis.report.errors import BuildError
from sahel_analysis.report.plan import DEFAULT_LANG, Job, is_path

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
    """A short hash of everything under ``data/``: changes whenever a data file does.

    The folder is the one the environment names when the build starts, not when the library was
    imported: two builds in one process may point ``SAHEL_ANALYSIS_DATA`` at two packages.
    """
    return _hash_tree(data_dir or paths.data_dir(), ["*"])[:12]


def library_version() -> str:
    return _hash_tree(PACKAGE_DIR, ["*.py", "*.mplstyle", "*.j2", "*.json"])[:12]


def input_files(job: Job) -> dict[str, list[int]]:
    """Files named by path parameters (e.g. an ACLED export): a new download must trigger a rebuild.

    Only parameters declared as paths (``*_path``) are looked up; any other text (a title) is a
    value, hashed with the parameters. ``~`` is expanded, and a relative path is looked up both from
    the notebook's folder (where its kernel runs) and from the folder the build was started in. A
    path that cannot be a file (too long, a NUL in it) is left for the notebook's check to name.
    """
    found = {}
    for name, value in job.params.items():
        if not is_path(name) or not isinstance(value, str) or not value:
            continue
        given = Path(value).expanduser()
        for path in (job.notebook.parent / given, Path.cwd() / given):
            try:
                stat = path.stat()
            except (OSError, ValueError):
                continue
            if S_ISREG(stat.st_mode):
                found[str(path.resolve())] = [stat.st_size, stat.st_mtime_ns]
    return found


def catalog_version(lang: str) -> str:
    """A short hash of the message catalogue of ``lang`` (its ``.po`` file): a new translation
    rebuilds the pages of that language, and of no other."""
    from sahel_analysis.i18n import DOMAIN, LOCALE_DIR

    return _hash_tree(LOCALE_DIR / lang / "LC_MESSAGES", [f"{DOMAIN}.po"])[:12]


def fingerprint(job: Job, data: str, lib: str) -> str:
    inputs = {
        "params": job.params,
        "data": data,
        "lib": lib,
        "version": __version__,
        "files": input_files(job),
    }
    if job.lang != DEFAULT_LANG:  # English pages keep the fingerprint they had before there were others
        inputs.update({"lang": job.lang, "catalog": catalog_version(job.lang)})
    payload = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(job.notebook.read_bytes() + payload.encode()).hexdigest()


def record_path(out: Path, job: Job) -> Path:
    return out / STATE_DIR / f"{job.stem}.json"


def check_state_dir(out: Path) -> None:
    """Refuse ``OUT/.state`` unless it is a folder of ``out``'s own (not a file, not a link elsewhere).

    A link would make the build write its records wherever it points (into ``data/``, say).
    """
    state = out / STATE_DIR
    try:
        mode = os.lstat(state).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BuildError(f"output folder {out}: cannot use {STATE_DIR} ({exc.strerror})") from None
    if S_ISLNK(mode):
        raise BuildError(
            f"output folder {out}: {STATE_DIR} is a symbolic link (to {os.readlink(state)}); the build "
            "keeps its records only in a folder of the output folder: remove the link"
        )
    if not S_ISDIR(mode):
        raise BuildError(
            f"output folder {out}: {STATE_DIR} is a file, where the build keeps its records in a folder; "
            "remove or rename it"
        )


MAX_RECORD_BYTES = 1 << 20  # a record holds a thumbnail of a few kB and some text


def read_own(path: Path, limit: int = MAX_RECORD_BYTES) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes, else None.

    Never through a symbolic link (``O_NOFOLLOW``), and never from a FIFO or a device: what the
    build reads back from its output folder is what it wrote there.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # missing, a link (ELOOP), a folder we cannot open...
        return None
    with os.fdopen(fd, "rb") as fh:
        if not S_ISREG(os.fstat(fd).st_mode):
            return None
        data = fh.read(limit + 1)
    return data if len(data) <= limit else None


def own_file(path: Path) -> bool:
    """Whether ``path`` is a regular file itself, not a link to one."""
    try:
        return S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_record(path: Path, warn: Callable[[str], None]) -> dict[str, Any]:
    """The record at ``path``; ``{}`` when there is none, or when it is damaged or not ours (warned)."""
    if not os.path.lexists(path):
        return {}
    raw = read_own(path)
    if raw is None:
        warn(
            f"warning: {path}: not a build record (a link, a folder, a device or too large), ignored; rebuilding"
        )
        return {}
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
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
