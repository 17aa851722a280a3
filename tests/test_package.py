"""Packaging promises: the import is light, exports resolve, notebooks are stored without outputs.

The lock, the conda file and the wheel are checked in test_install.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_light() -> None:
    code = (
        "import sys, sahel_analysis\n"
        "heavy = [m for m in ('papermill', 'nbconvert', 'pandera', 'geopandas', 'matplotlib', 'pandas') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"importing sahel_analysis pulled in: {out.strip()}"


def test_lazy_exports_resolve() -> None:
    import importlib

    import sahel_analysis

    assert sorted(dir(sahel_analysis)) == sorted(sahel_analysis.__all__)
    for module, names in sahel_analysis._EXPORTS.items():
        home = importlib.import_module(f"sahel_analysis.{module}")
        for name in names:
            # The top-level name is the module's own object, not a copy or a stand-in.
            assert getattr(sahel_analysis, name) is getattr(home, name), name
    with pytest.raises(AttributeError, match="no_such_name"):
        sahel_analysis.no_such_name  # noqa: B018


def test_module_entry_point_reports_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sahel_analysis", "--version"], capture_output=True, text=True, check=True
    )
    import sahel_analysis

    assert sahel_analysis.__version__ in out.stdout


def test_notebooks_are_committed_without_outputs_except_kept_ones() -> None:
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code" or not cell.get("outputs"):
                continue
            source = "".join(cell["source"])
            assert cell["metadata"].get("keep_output") and source.startswith("# NBVAL_CHECK_OUTPUT"), (
                f"{path.name}, cell {i + 1}: stored outputs; only '# NBVAL_CHECK_OUTPUT' cells with "
                "metadata keep_output keep theirs"
            )
            assert all(o["output_type"] == "stream" for o in cell["outputs"]), (
                "keep text, not reprs or images"
            )
