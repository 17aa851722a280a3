"""Wheel build hook: the message catalogues, compiled from the committed .po files into .mo files.

The .mo files are build products (not committed): `make setup` compiles them in a checkout, and this
hook puts them in every wheel, where `sahel_analysis.i18n` reads them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":  # the checkout's own .mo files are used
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        self._folder = Path(tempfile.mkdtemp(prefix="sahel-analysis-mo-"))
        locale = Path(self.root) / "src" / "sahel_analysis" / "locale"
        for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as fp:
                catalog = read_po(fp, locale=po.parts[-3])
            mo = self._folder / po.relative_to(locale).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as fp:
                write_mo(fp, catalog)
            build_data["force_include"][str(mo)] = (
                f"sahel_analysis/locale/{mo.relative_to(self._folder).as_posix()}"
            )

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        folder = getattr(self, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
