"""A cache of parsed event frames, so that a large export is parsed once.

Entries are keyed by the SHA-256 of the input file's bytes plus a fingerprint of the parsing code,
so a change in either invalidates them. Each is an uncompressed Arrow IPC (Feather v2) file,
memory-mapped on reading, not Parquet: on the 1,000,000-row benchmark file, writing snappy
Parquet took twice as long and reading it back eight times as long (2.2 s against 0.26 s). LZ4 or
zstd compression cuts the file from 755 MB to 169 or 72 MB but takes as long to write and makes
the read 60 times slower (2.5 s against 0.04 s). The price is disk space, about 1.35 times the
CSV. Columns that repeat an original one (``actor1`` and ``acled_actor1``) are stored once.
Files are written whole or not at all (`sahel_analysis.atomic`).

Finding an entry: the stat index
--------------------------------
A lookup does not read the input: a small index maps the file's identity by stat to the hash of
its bytes. The identity is (resolved path, device, inode, size, mtime in ns, ctime in ns). The
ctime is what catches a file rewritten in place with the same size and with its mtime set back
(``touch -r``, ``cp -p``, some sync tools): any write or ``utime`` sets it to the current time,
and no user call can set it back. Hashing the bytes at every lookup instead would see
everything, but it costs more than the cached load itself: on the 560 MB benchmark file, SHA-256
takes 0.40 s and BLAKE2b 0.66 s, against 0.04 s for the cached load (``benchmarks/bench_eventdata.py``
prints both), so the cached load would be ten times slower. What the stat identity cannot see:
a rewrite within the same tick of the kernel's coarse clock (a few ms) as the stat recorded in the
index, which needs the file to be changed while it is being loaded (and is then caught: the
writer compares the stat before the parse with the stat after hashing); a file system without a
real ctime (FAT, exFAT, some network mounts, where ctime is the creation time or a copy of
mtime); an NFS client's cached attributes (up to a minute old); and a system clock set back to
the very tick of the recorded ctime. ``clear_cache()`` is the way out in those cases. A chmod or a
rename also changes the identity: the file is then parsed once more and found by its hash (no
second entry is written).

Writing an entry: a detached process
------------------------------------
The first load does not wait for the cache. On Linux the entry is written by a forked child
process, which holds a copy-on-write snapshot of the frame: the caller's process goes on, and
can exit, without waiting for it. A thread (what this module did before) would hold the
interpreter at exit until the write finished: on the benchmark file, the frame came back in
1.5 s but the process ended 3 s later, since writing 755 MB takes 2 s here. The child closes
every inherited file descriptor first, so that nothing waiting on the parent's pipes (a
``subprocess.run`` capturing its output, a Jupyter kernel's sockets) waits for the child too; it
runs only hashlib, pyarrow's IPC writer and file renames, and ends itself with ``SIGALRM`` after
`WRITER_SECONDS` should it ever block (forking a process that has threads is only safe if the
child takes no lock another thread held; the alarm bounds the damage if one did: no entry is
written, the next load parses again). Elsewhere (macOS, where forking without exec is unsafe
with Apple's frameworks, and Windows, which cannot fork) the write stays in a thread. A lookup of
a file whose entry is still being written in this process waits for it (`flush`, bounded too).

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
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sahel_analysis.atomic import atomic_write
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
# The longest a writer may take (a 4 GiB entry at the 270 MB/s measured here takes 16 s).
WRITER_SECONDS = 300
# Fork only where it is safe without exec; SAHEL_ANALYSIS_CACHE_WRITER=thread keeps the thread
# (benchmarks/bench_eventdata.py measures both).
_FORK = sys.platform.startswith("linux") and os.environ.get("SAHEL_ANALYSIS_CACHE_WRITER") != "thread"


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


def stamp(path: Path) -> str:
    """The file's identity by stat (see the module notes): what the index maps to a hash."""
    st = path.stat()
    key = f"{path.resolve()}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _entry(directory: Path, key: str, digest: str) -> Path:
    return directory / f"{key}-{digest[:32]}-{_code_fingerprint()}{SUFFIX}"


@dataclass
class _Writer:
    """A cache write in progress: a forked process (pid) or a thread."""

    stat: str
    pid: int | None = None
    thread: threading.Thread | None = None

    def done(self, timeout: float = 0.0) -> bool:
        """Whether the write has finished, waiting up to `timeout` seconds for it."""
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid, _ = os.waitpid(self.pid or 0, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere, or SIGCHLD is ignored
                return True
            if pid:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)


_pending: list[_Writer] = []
_STALE_TMP_SECONDS = 3600


def flush(stat: str | None = None, timeout: float = WRITER_SECONDS) -> None:
    """Wait until the cache entries being written in the background are on disk.

    ``stat``: only the write for the file with that `stamp`. Waits at most `timeout` seconds
    (the writer ends itself after `WRITER_SECONDS`), then gives up on a write still running.
    """
    deadline = time.monotonic() + timeout
    for writer in list(_pending):
        if stat is None or writer.stat == stat:
            writer.done(max(0.0, deadline - time.monotonic()))
    _pending[:] = [w for w in _pending if not w.done()]  # also reaps finished children


def lookup(path: Path, directory: Path, key: str, fmt: Format) -> pd.DataFrame | None:
    """The cached frame for `path` if its stat is indexed and the entry is readable, else None."""
    stat = stamp(path)
    flush(stat)  # this file's entry may still be being written by this process
    try:
        known = (directory / "index" / stat).read_text().strip()
    except OSError:
        return None
    if not re.fullmatch(r"[0-9a-f]{64}", known):
        return None
    return read_entry(_entry(directory, key, known), fmt)


def store_later(path: Path, directory: Path, key: str, frame: pd.DataFrame, fmt: Format, stat: str) -> None:
    """Write `frame` as the entry for `path` in the background (see the module notes).

    ``stat`` is `stamp(path)` taken before parsing: if the file changed since, nothing is stored.
    """
    try:
        (directory / "index").mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # said here: a detached writer has no one to tell
        warnings.warn(f"could not write event cache in {directory} ({exc})", stacklevel=3)
        return
    table = _to_arrow(frame, fmt)  # now: the caller may change the frame next
    _code_fingerprint()  # read the parsing modules now, not from the writer

    def store() -> None:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if stamp(path) != stat:
            return  # rewritten while we read it: the parse may not match these bytes
        entry = _entry(directory, key, digest)
        if not entry.is_file():
            # Private (mode None): the entry holds the user's data, which may not be shareable.
            atomic_write(entry, lambda tmp: _write_table(table, tmp), mode=None)
        atomic_write(directory / "index" / stat, digest.encode(), mode=None)
        _prune(directory)

    flush(timeout=0)  # reap the writers that have finished
    _pending.append(_fork(store, stat) if _FORK else _thread(store, stat, directory))


def _thread(store: Callable[[], None], stat: str, directory: Path) -> _Writer:
    def run() -> None:
        try:
            store()
        except OSError as exc:
            warnings.warn(f"could not write event cache in {directory} ({exc})", stacklevel=1)

    thread = threading.Thread(target=run, name="sahel-analysis event cache")
    thread.start()
    return _Writer(stat, thread=thread)


def _fork(store: Callable[[], None], stat: str) -> _Writer:
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a process that has threads; see the module notes.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid:
        return _Writer(stat, pid=pid)
    status = 1
    try:
        # Nothing the parent holds open stays open because of us; nothing is printed anywhere.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)
        with suppress(ValueError):  # signal handlers are only set from the main thread
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.alarm(WRITER_SECONDS)
        store()
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing the parent's buffers a second time


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
