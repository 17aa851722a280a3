"""Write files whole or not at all: a temporary name in the same folder, then a rename.

One implementation for every writer in the package (the report's pages and state, the event
cache), kept at the bottom of the layers so that none of them imports another for it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sahel_analysis.errors import WriteError

__all__ = ["atomic_write"]


def atomic_write(path: Path, data: bytes | Callable[[Path], None], *, mode: int | None = 0o644) -> None:
    """Write ``data`` to ``path`` so that a reader (or a Ctrl-C) never sees a partial file.

    ``data`` is the bytes, or a function that writes the file at the temporary path it is given
    (for writers that take a path, like pyarrow's). ``mode``: the file's permissions; mkstemp
    makes files private (0o600), which the default undoes for pages meant to be shared. None
    keeps them private.

    A write that fails (disk full, a file size limit, a folder in the way) leaves no temporary file
    and raises `WriteError`, one line naming the folder and the cause. The rename replaces a
    symbolic link at ``path`` rather than writing where it points.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        if callable(data):
            os.close(fd)
            data(Path(tmp))
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, WriteError):
            raise
        raise WriteError(path, exc) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
