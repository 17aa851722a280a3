"""Exceptions shared by several layers, kept here so that none of them imports another for a name."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class NotebookSkipped(Exception):  # noqa: N818 - the name is what a reader of the notebook sees
    """Raised by a notebook that has nothing to show (e.g. no input file): the build reports it skipped."""


@dataclass(frozen=True)
class Problem:
    """One failed rule: where (file, physical line, column), what was found, and what was expected."""

    file: str
    line: int | None
    column: str | None
    value: Any
    rule: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        found = "" if self.value is None else f": found {shown(self.value)}"
        return f"{where}{found}; expected {self.rule}"


class DataError(ValueError):
    """A data file is missing, unreadable or breaks its declared schema. ``problems`` lists every failure.

    One problem is one line; several are listed under a one-line summary, one line each.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        if len(problems) == 1:
            super().__init__(str(problems[0]))
            return
        files = sorted({p.file for p in problems})
        head = f"{len(problems)} problems in {', '.join(files)}:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]))


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it, as a reader would type it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


SHOWN_CHARS = 80  # of a value quoted in a message: enough to recognise it, never megabytes


def shown(value: Any) -> str:
    """``repr(value)`` for a message, cut to a readable length with the full length said."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    size = (
        f"{len(value):,} characters"
        if isinstance(value, str | bytes)
        else f"{len(text):,} characters as text"
    )
    return f"{text[:SHOWN_CHARS]}... ({size})"


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when it is not a readable regular file ("a folder", "a named pipe (FIFO)"...), else None.

    Nothing is opened: a FIFO or a device is named for what it is, never read (reading one can wait
    forever, or never end).
    """
    try:
        path.resolve(strict=True)
        mode = path.stat().st_mode
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        return "a symbolic link that loops"
    except FileNotFoundError:
        return "no such file"
    except ValueError:  # os.stat refuses a NUL byte in a path
        return "a path holding a NUL character"
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # Python >= 3.13
            return "a symbolic link that loops"
        if exc.errno == errno.ENAMETOOLONG:
            return "a path too long for the system"
        return f"a path that cannot be reached ({exc.strerror})"
    for test, what in _KINDS:
        if test(mode):
            return what
    if not os.access(path, os.R_OK):
        return "a file that is not readable (permission denied)"
    return None


def file_problem(path: Path, expected: str, missing: str) -> str | None:
    """Why ``path`` cannot be read as ``expected`` ("a notebook file"), in words; None if it can.

    ``missing`` is what to say when nothing is there ("no such notebook").
    """
    kind = not_a_file(path)
    if kind is None:
        return None
    return missing if kind == "no such file" else f"expected {expected}, found {kind}"


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (lambda mode: not stat.S_ISREG(mode), "something that is not a regular file"),
)


def unreadable(path: Path, what: str) -> Problem | None:
    """Why ``path`` cannot be read as the file ``what`` (one Problem), or None if it can be opened."""
    kind = not_a_file(path)
    if kind is None:
        return None
    if kind == "no such file":
        return Problem(display_path(path), None, None, None, f"an existing file ({what})")
    return Problem(display_path(path), None, None, None, f"{what}; found {kind}")


# What a failed write means to the person who has to free the space or fix the folder.
_WRITE_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than the system allows (see ulimit -f)",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "a folder of that name is in the way",
    errno.ENOTDIR: "a file is in the way of a folder",
}


class WriteError(OSError):
    """A file could not be written whole; the message is one line naming the folder, the file and the cause.

    An ``OSError``, so that code which treats a failed write as an ``OSError`` (a cache that is
    only an optimisation) still catches it.
    """

    def __init__(self, path: Path, exc: OSError):
        cause = _WRITE_CAUSES.get(exc.errno or 0, exc.strerror or str(exc))
        super().__init__(exc.errno, f"{display_path(path.parent)}: cannot write {path.name}: {cause}")
        self.filename = str(path)

    def __str__(self) -> str:
        return self.strerror or ""
