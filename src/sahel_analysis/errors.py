"""Exceptions shared by several layers, kept here so that none of them imports another for a name."""

from __future__ import annotations


class NotebookSkipped(Exception):  # noqa: N818 - the name is what a reader of the notebook sees
    """Raised by a notebook that has nothing to show (e.g. no input file): the build reports it skipped."""
