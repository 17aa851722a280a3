"""The one exception of the build: a request it cannot carry out, reported as one line."""

from __future__ import annotations


class BuildError(Exception):
    """A request the build cannot carry out: unknown notebook or parameter, bad parameter file or folder."""
