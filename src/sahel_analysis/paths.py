"""Where the data package, the notebooks and the report templates are.

In a checkout (or an editable install of one) they are the repository's ``data/`` and ``notebooks/``.
In an installed wheel they are the copies made when the wheel was built, shipped as package data under
``sahel_analysis/_resources``. The environment variables ``SAHEL_ANALYSIS_DATA`` and
``SAHEL_ANALYSIS_NOTEBOOKS`` override both (``sahel-analysis init DIR`` makes a folder of notebooks an
analyst owns; ``sahel-analysis build --notebooks DIR`` sets the second for one run).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parents[1]
# A wheel is always unpacked on disk (the build hands these folders to Jupyter and nbconvert as paths).
_SHIPPED = Path(str(resources.files("sahel_analysis") / "_resources"))


def _located(env: str, name: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env]).expanduser().resolve()
    # A checkout is recognised by its pyproject.toml next to src/; an installed wheel has no such file.
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / name).is_dir():
        return _CHECKOUT / name
    return _SHIPPED / name


def data_dir() -> Path:
    """The data package's folder as the environment names it now (a build reads it when it starts)."""
    return _located("SAHEL_ANALYSIS_DATA", "data")


def notebook_dir() -> Path:
    """The notebooks folder as the environment names it now."""
    return _located("SAHEL_ANALYSIS_NOTEBOOKS", "notebooks")


# As the environment named them when the library was imported: what the loaders of a kernel use.
DATA_DIR = data_dir()
NOTEBOOK_DIR = notebook_dir()
TEMPLATE_DIR = PACKAGE_DIR / "report" / "templates"


def source_folder(path: Path, *notebook_folders: Path) -> tuple[Path, str] | None:
    """The source folder ``path`` is, or lies inside, and what it is; None when it is none.

    Nothing the project writes (pages, state, a copy of the notebooks) may go there: sources are
    never modified. The data package and the notebooks folder are sources throughout. Another
    folder of notebooks being built (``--notebooks DIR``, a notebook named by its path) is a source
    itself and in its ``params/``, its named parameter sets; ``DIR/site`` is left to the user.
    Paths are compared after resolving symbolic links.
    """
    where = path.expanduser().resolve()
    whole = {
        data_dir().resolve(): "the data package",
        notebook_dir().resolve(): "a folder of source notebooks",
    }
    for folder, what in whole.items():
        if where == folder or folder in where.parents:
            return folder, what
    for folder in (f.resolve() for f in notebook_folders):
        params = folder / "params"
        if where in (folder, params) or params in where.parents:
            return (
                (folder, "a folder of source notebooks")
                if where == folder
                else (params, "named parameter sets")
            )
    return None
