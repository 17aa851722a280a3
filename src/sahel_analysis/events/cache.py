"""A cache of parsed event frames, so that a large export is parsed once.

Entries are keyed by the SHA-256 of the input file's bytes plus a fingerprint of the parsing code,
so a change in either invalidates them. Each is an uncompressed Arrow IPC (Feather v2) file,
memory-mapped on reading, not Parquet: on the 1,000,000-row benchmark file, writing snappy
Parquet took twice as long and reading it back eight times as long (2.2 s against 0.26 s). The
price is disk space, about 1.3 times the CSV. Columns that repeat an original one (``actor1``
and ``acled_actor1``) are stored once. To avoid re-reading the input just to hash it, a small
index maps (path, size, mtime, inode) to the hash. Files are written to a temporary name and
renamed, so an interrupted run never leaves a half-written entry.

The first load does not wait for the cache: the parsed frame is handed to a background thread
that hashes the input and writes the entry while the caller gets on with the frame (both release
the GIL). The thread is not a daemon, so the interpreter finishes it before exiting, and the
next lookup in the same process waits for it (`flush`). A stat miss is not hashed up front: a
renamed or copied file is parsed once more, then found by its hash (no second entry is written)
and by its stat from then on.

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
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sahel_analysis.events.formats import Format
from sahel_analysis.events.frame import with_aliases
from sahel_analysis.events.parse import arrow_to_frame

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CacheOption", "cache_dir", "clear_cache", "flush", "lookup", "stamp", "store_later"]

CacheOption = bool | str | os.PathLike[str]

KEEP = 8
MAX_BYTES = 4 << 30
BATCH_ROWS = 1 << 19  # rows per record batch in an entry: two for a million rows
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


_pending: list[threading.Thread] = []
_STALE_TMP_SECONDS = 3600


def stamp(path: Path) -> str:
    """The file's identity by stat (path, size, mtime, inode): what the index maps to a hash."""
    return _stat_key(path)


def _entry(directory: Path, key: str, digest: str) -> Path:
    return directory / f"{key}-{digest[:32]}-{_code_fingerprint()}{SUFFIX}"


def flush() -> None:
    """Wait until the cache entries being written in the background are on disk."""
    while _pending:
        _pending.pop().join()


def lookup(path: Path, directory: Path, key: str, fmt: Format) -> pd.DataFrame | None:
    """The cached frame for `path` if its stat is indexed and the entry is readable, else None."""
    flush()
    try:
        known = (directory / "index" / _stat_key(path)).read_text().strip()
    except OSError:
        return None
    if not re.fullmatch(r"[0-9a-f]{64}", known):
        return None
    return read_entry(_entry(directory, key, known), fmt)


def store_later(path: Path, directory: Path, key: str, frame: pd.DataFrame, fmt: Format, stat: str) -> None:
    """Write `frame` as the entry for `path` in a background thread (see the module notes).

    ``stat`` is `stamp(path)` taken before parsing: if the file changed since, nothing is stored.
    """
    table = _to_arrow(frame, fmt)  # now, in this thread: the caller may change the frame next

    def store() -> None:
        try:
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            if _stat_key(path) != stat:
                return  # rewritten while we read it: the parse may not match these bytes
            entry = _entry(directory, key, digest)
            if not entry.is_file():
                _write_atomic(entry, lambda tmp: _write_table(table, tmp))
            _write_atomic(directory / "index" / stat, digest.encode())
            _prune(directory)
        except OSError as exc:
            warnings.warn(f"could not write event cache in {directory} ({exc})", stacklevel=1)

    thread = threading.Thread(target=store, name="sahel-analysis event cache")
    thread.start()
    _pending.append(thread)


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
        frame = arrow_to_frame(table)
        frame.attrs = json.loads((table.schema.metadata or {}).get(_ATTRS, b"{}"))
    except (OSError, pa.ArrowException, ValueError):
        return None  # unreadable entry: parse again and overwrite it
    with suppress(OSError):
        os.utime(entry)  # pruning keeps the most recently used entries
    return with_aliases(frame, fmt)


def _to_arrow(frame: pd.DataFrame, fmt: Format) -> pa.Table:
    import pyarrow as pa

    stored = frame.drop(columns=[common for common, _ in fmt.aliases])
    table = pa.Table.from_pandas(stored, preserve_index=False)
    # The frame's attrs (layout, HDX copy...) travel in the schema metadata.
    metadata = {**(table.schema.metadata or {}), _ATTRS: json.dumps(frame.attrs).encode()}
    return table.replace_schema_metadata(metadata)


def _write_table(table: pa.Table, tmp: Path) -> None:
    import pyarrow as pa

    # The frame comes in the many small chunks the CSV reader made (535 for a million rows), and
    # a file that keeps them is read back five times slower (0.10 s against 0.02 s), most of it
    # spent gluing the chunks together. Written as a few large record batches instead, each
    # combined from one slice at a time so that the copy stays a fraction of the frame.
    with pa.ipc.new_file(tmp, table.schema) as writer:
        for offset in range(0, max(table.num_rows, 1), BATCH_ROWS):
            writer.write_table(table.slice(offset, BATCH_ROWS).combine_chunks())


def _prune(directory: Path) -> None:
    entries = []
    for entry in directory.glob(f"*{SUFFIX}"):
        with suppress(OSError):  # another process may prune at the same time
            st = entry.stat()
            entries.append((st.st_mtime, st.st_size, entry))
    # A temporary file left by a killed process: old enough not to be in progress.
    for tmp in directory.glob(".*.tmp"):
        with suppress(OSError):
            if time.time() - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                tmp.unlink()
    entries.sort(reverse=True)
    total = 0
    for rank, (_, size, entry) in enumerate(entries):
        total += size
        if rank > 0 and (rank >= KEEP or total > MAX_BYTES):
            with suppress(OSError):  # in use elsewhere (Windows) or already gone
                entry.unlink()


def clear_cache(cache: CacheOption = True) -> int:
    """Delete cached event frames (and the stat index); return how many entries went."""
    flush()
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
