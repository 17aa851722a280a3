"""The event cache: a file's identity by stat, and an entry written without holding the caller up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sahel_analysis import events as ed
from sahel_analysis.events import cache as event_cache
from sahel_analysis.events import load as load_module

from .rows import acled_row, write_csv


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def no_parsing(*args: object) -> None:
    raise AssertionError("parsed again despite the cache")


def rewrite_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Change bytes inside the file (same inode, same size) and set its mtime back."""
    assert len(old) == len(new)
    before = path.stat()
    data = path.read_bytes()
    assert data.count(old) == 1
    with open(path, "r+b") as fh:  # not a new file: the inode stays
        fh.write(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )


def test_a_file_rewritten_in_place_with_the_same_size_and_mtime_is_parsed_again(
    tmp_path: Path, cache: Path
) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0, fatalities=3)])
    assert ed.load_acled(path, cache=cache)["fatalities_best"].tolist() == [3]
    event_cache.flush()
    assert ed.load_acled(path, cache=cache)["fatalities_best"].tolist() == [3]  # from the cache
    rewrite_in_place(path, b",3,", b",8,")
    assert ed.load_acled(path, cache=cache)["fatalities_best"].tolist() == [8]


def test_the_stat_identity_changes_with_the_ctime_alone(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    first = event_cache.stamp(path)
    assert event_cache.stamp(path) == first
    time.sleep(0.02)  # past the coarse clock's tick
    os.chmod(path, 0o640)  # changes nothing but the ctime (and the mode)
    assert event_cache.stamp(path) != first


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the detached writer is a fork (Linux)")
def test_the_loading_process_exits_while_its_cache_entry_is_still_being_written(
    tmp_path: Path, cache: Path
) -> None:
    # The writer is held at a gate that the test opens only once the loading process has exited:
    # a write that held the interpreter at exit (a thread) would never let the process end.
    path = write_csv(tmp_path / "acled.csv", [acled_row(i) for i in range(50)])
    gate = tmp_path / "gate"
    code = (
        "import sys, time, pathlib\n"
        "from sahel_analysis.events import cache, load_acled\n"
        "write, gate = cache._write_table, pathlib.Path(sys.argv[3])\n"
        "def gated(table, tmp):\n"
        "    while not gate.exists():\n"
        "        time.sleep(0.01)\n"
        "    write(table, tmp)\n"
        "cache._write_table = gated\n"
        "print(len(load_acled(sys.argv[1], cache=sys.argv[2])))\n"
    )
    # Output captured, as a caller reading the pipes to their end would: the writer holds none.
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(cache), str(gate)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["50"] and out.stderr == ""
    assert not list(cache.glob("*.arrow")) and not list((cache / "index").glob("*"))
    gate.touch()
    deadline = time.monotonic() + 60
    while not list((cache / "index").glob("*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(list(cache.glob("acled-*.arrow"))) == 1
    assert not list(cache.rglob("*.tmp"))


def test_the_entry_written_by_the_detached_process_is_read_back(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "acled.csv", [acled_row(i) for i in range(5)])
    first = ed.load_acled(path, cache=cache)
    if sys.platform.startswith("linux"):
        assert event_cache._pending and event_cache._pending[-1].pid is not None
    monkeypatch.setattr(load_module, "read_table", no_parsing)
    second = ed.load_acled(path, cache=cache)  # waits for this file's writer, then reads its entry
    pd.testing.assert_frame_equal(first, second)
    assert not event_cache._pending  # the finished writer was reaped


def test_without_fork_the_entry_is_written_by_a_thread(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_cache, "_FORK", False)
    path = write_csv(tmp_path / "acled.csv", [acled_row(i) for i in range(5)])
    first = ed.load_acled(path, cache=cache)
    assert event_cache._pending[-1].thread is not None
    event_cache.flush()
    monkeypatch.setattr(load_module, "read_table", no_parsing)
    pd.testing.assert_frame_equal(first, ed.load_acled(path, cache=cache))


def test_an_unwritable_cache_folder_is_said_once_and_the_frame_still_comes(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    path = write_csv(tmp_path / "acled.csv", [acled_row(0)])
    with pytest.warns(UserWarning, match=r"could not write event cache in .*not-a-folder"):
        frame = ed.load_acled(path, cache=blocker)
    assert len(frame) == 1
