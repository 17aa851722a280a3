"""Write environment.yml (for conda users) from pyproject.toml, or check that it is up to date.

Run:  .venv/bin/python scripts/sync_environment.py            # rewrite environment.yml
      .venv/bin/python scripts/sync_environment.py --check    # exit 1 if it differs

The conda file lists the same packages as pyproject.toml (run-time dependencies, then every extra),
with the same version ranges; the exact versions that are tested are in requirements.lock, and
tests/test_install.py checks that each of them satisfies these ranges.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
ENVIRONMENT = REPO / "environment.yml"
# PyPI name -> conda-forge name, where they differ.
CONDA_NAMES: dict[str, str] = {}


def requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """Run-time dependencies, then those of each extra, without references to the project itself."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        found += [r for r in extra if not r.startswith(project["name"]) and r not in found]
    return found


def _conda(requirement: str) -> str:
    # pyproject's ">=" and "==" ranges read the same in conda's match specs; only names may differ.
    name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
    return CONDA_NAMES.get(name, name) + requirement[len(name) :].replace(" ", "")


def render(pyproject: Path = PYPROJECT) -> str:
    python = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["requires-python"]
    lines = [
        "# Generated from pyproject.toml by scripts/sync_environment.py: edit pyproject.toml, then run it.",
        "name: sahel-analysis",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python{python}",
        "  - pip",
        *(f"  - {_conda(r)}" for r in requirements(pyproject)),
        "  - pip:",
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if environment.yml differs")
    args = parser.parse_args(argv)
    wanted = render()
    if args.check:
        if ENVIRONMENT.read_text(encoding="utf-8") != wanted:
            print("environment.yml is out of date: run scripts/sync_environment.py", file=sys.stderr)
            return 1
        return 0
    ENVIRONMENT.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
