"""Exceptions shared by several layers, kept here so that none of them imports another for a name."""

from __future__ import annotations

import os
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
        found = "" if self.value is None else f": found {self.value!r}"
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


def unreadable(path: Path, what: str) -> Problem | None:
    """Why ``path`` cannot be read as the file ``what`` (one Problem), or None if it can be opened."""
    file = display_path(path)
    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        return Problem(file, None, None, None, f"{what}; found a symbolic link that loops")
    except FileNotFoundError:
        return Problem(file, None, None, None, f"an existing file ({what})")
    except OSError as exc:
        if exc.errno == 40:  # ELOOP, Python >= 3.13
            return Problem(file, None, None, None, f"{what}; found a symbolic link that loops")
        return Problem(file, None, None, None, f"{what}; cannot reach it ({exc.strerror})")
    if path.is_dir():
        return Problem(file, None, None, None, f"{what}; found a directory")
    if not path.is_file():
        return Problem(file, None, None, None, f"{what}; found something that is not a regular file")
    if not os.access(path, os.R_OK):
        return Problem(file, None, None, None, f"{what}; the file is not readable (permission denied)")
    return None
