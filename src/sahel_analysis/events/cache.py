"""A cache of parsed event frames, so that a large export is parsed once.

Entries are keyed by the SHA-256 of the input file's bytes plus a fingerprint of the parsing code,
so a change in either invalidates them. Each is an uncompressed Arrow IPC (Feather v2) file,
memory-mapped on reading, not Parquet: on the 1,000,000-row benchmark file, writing snappy
Parquet took twice as long and reading it back eight times as long (2.2 s against 0.26 s). The
price is disk space, about 1.3 times the CSV. Columns that repeat an original one (``actor1``
and ``acled_actor1``) are stored once. To avoid re-reading the input just to hash it, a small
index maps (path, size, mtime, inode) to the hash. Files are written to a temporary name and
renamed, so an interrupted run never leaves a half-written entry.

The directory is ``$SAHEL_ANALYSIS_CACHE`` if set, else the platform's user cache directory
(``platformdirs.user_cache_dir("sahel-analysis")``: ``~/.cache/sahel-analysis`` on Linux,
``~/Library/Caches/sahel-analysis`` on macOS). The most recently used entries are kept, at most
`KEEP` of them and `MAX_BYTES` in all (the newest is always kept).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pandas as pd

from sahel_analysis.events.formats import Format
from sahel_analysis.events.frame import with_aliases

__all__ = ["CacheOption", "cache_dir", "clear_cache", "entry_for", "read_entry", "write_entry"]

CacheOption = bool | str | os.PathLike[str]

KEEP = 8
MAX_BYTES = 4 << 30
SUFFIX = ".arrow"
_ATTRS = b"sahel_analysis.attrs"


@functools.cache
def _code_fingerprint() -> str:
    # Any edit to the parsing modules, or a new pandas major version (its metadata is in the
    # file), invalidates earlier cache entries.
    digest = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    digest.update(pd.__version__.split(".")[0].encode())
    return digest.hexdigest()[:12]


def cache_dir(cache: CacheOption) -> Path | None:
    """The directory `cache` names: True for the default, False for none, or a path."""
    if cache is False:
        return None
    if cache is True:
        env = os.environ.get("SAHEL_ANALYSIS_CACHE")
        if env:
            return Path(env).expanduser()
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("sahel-analysis", appauthor=False))
    return Path(cache).expanduser()


def _stat_key(path: Path) -> str:
    st = path.stat()
    key = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{st.st_dev}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _content_hash(path: Path, directory: Path) -> str:
    """SHA-256 of the file, looked up by stat first so that a warm load does not re-read it."""
    index = directory / "index" / _stat_key(path)
    try:
        known = index.read_text().strip()
        if re.fullmatch(r"[0-9a-f]{64}", known):
            return known
    except OSError:
        pass
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    _write_atomic(index, digest.encode())
    return digest


def entry_for(path: Path, directory: Path, key: str) -> Path:
    """The cache file for `path` read by the loader named `key`."""
    digest = _content_hash(path, directory)
    return directory / f"{key}-{digest[:32]}-{_code_fingerprint()}{SUFFIX}"


def _write_atomic(target: Path, data: bytes | Callable[[Path], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def read_entry(entry: Path, fmt: Format) -> pd.DataFrame | None:
    """The cached frame, or None if there is none or it cannot be read."""
    if not entry.is_file():
        return None
    import pyarrow as pa
    import pyarrow.feather as feather

    try:
        # Memory-mapped: text columns stay in the mapped file rather than being copied.
        table = feather.read_table(entry, memory_map=True)
        frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        frame.attrs = json.loads((table.schema.metadata or {}).get(_ATTRS, b"{}"))
    except (OSError, pa.ArrowException, ValueError):
        return None  # unreadable entry: parse again and overwrite it
    with suppress(OSError):
        os.utime(entry)  # pruning keeps the most recently used entries
    return with_aliases(frame, fmt)


def write_entry(entry: Path, frame: pd.DataFrame, fmt: Format) -> None:
    """Store `frame` (without its alias columns) and prune old entries."""
    import pyarrow as pa
    import pyarrow.feather as feather

    stored = pa.Table.from_pandas(
        frame.drop(columns=[common for common, _ in fmt.aliases]), preserve_index=False
    )
    # The frame's attrs (layout, HDX copy...) travel in the schema metadata.
    metadata = {**(stored.schema.metadata or {}), _ATTRS: json.dumps(frame.attrs).encode()}
    stored = stored.replace_schema_metadata(metadata)

    def write(tmp: Path) -> None:
        feather.write_feather(stored, tmp, compression="uncompressed")

    _write_atomic(entry, write)
    _prune(entry.parent)


def _prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob(f"*{SUFFIX}"):
        with suppress(OSError):  # another process may prune at the same time
            st = entry.stat()
            entries.append((st.st_mtime, st.st_size, entry))
    entries.sort(reverse=True)
    total = 0
    for rank, (_, size, entry) in enumerate(entries):
        total += size
        if rank > 0 and (rank >= KEEP or total > MAX_BYTES):
            with suppress(OSError):  # in use elsewhere (Windows) or already gone
                entry.unlink()


def clear_cache(cache: CacheOption = True) -> int:
    """Delete cached event frames (and the stat index); return how many entries went."""
    directory = cache_dir(cache)
    if directory is None or not directory.is_dir():
        return 0
    removed = 0
    for entry in directory.glob(f"*{SUFFIX}"):
        entry.unlink(missing_ok=True)
        removed += 1
    for entry in (directory / "index").glob("*"):
        entry.unlink(missing_ok=True)
    return removed
