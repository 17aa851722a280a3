"""Where the data package, the notebooks and the report templates are.

In a checkout they are the repository's ``data/`` and ``notebooks/``; in an installed wheel they are
copies shipped as package data under ``sahel_analysis/_resources``. The environment variables
``SAHEL_ANALYSIS_DATA`` and ``SAHEL_ANALYSIS_NOTEBOOKS`` override both.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parents[1]
_SHIPPED = PACKAGE_DIR / "_resources"


def _located(env: str, name: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env]).expanduser()
    # A checkout is recognised by its pyproject.toml next to the folder; a wheel has no such file.
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / name).is_dir():
        return _CHECKOUT / name
    return _SHIPPED / name


DATA_DIR = _located("SAHEL_ANALYSIS_DATA", "data")
NOTEBOOK_DIR = _located("SAHEL_ANALYSIS_NOTEBOOKS", "notebooks")
TEMPLATE_DIR = PACKAGE_DIR / "report" / "templates"
