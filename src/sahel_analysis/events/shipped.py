"""The UCDP GED events that ship with the package: Mali and Burkina Faso, 1990-2023 (GED 24.1).

UCDP's data are CC BY 4.0, so unlike ACLED's they can ship. The table is ``data/conflict/
ucdp_ged_mli_bfa.csv``, declared in ``datapackage.json`` as the resource ``ucdp_ged`` and derived by
``scripts/derive_conflict.py`` from UCDP's two per-country exports (``data/conflict/raw/``);
``data/conflict/provenance.json`` says where they came from, which version they are and how that
was inferred. It holds UCDP's own columns, in the layout of the global ``GEDEvent_v24_1.csv``, so
`load_ucdp_ged` reads it like any GED file a user brings, and through the same cache: the frame is
the one that reading UCDP's two exports gives, and it concatenates with a user's newer GED file.

A shipped file that was edited or damaged is refused in one line naming the file, the line and the
column: a column missing, added or moved against the declaration, or a bad value (the loader's
checks).
"""

from __future__ import annotations

import csv
import functools
import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from sahel_analysis import schema
from sahel_analysis.events.cache import CacheOption
from sahel_analysis.events.formats import UCDP_GED, EventDataError
from sahel_analysis.events.load import PathLike, load_ucdp_ged
from sahel_analysis.events.sniff import check_path
from sahel_analysis.paths import DATA_DIR

__all__ = [
    "RESOURCE",
    "load_event_files",
    "load_shipped_ucdp",
    "shipped_note",
    "shipped_sources",
    "shipped_ucdp_path",
    "shipped_ucdp_provenance",
]

RESOURCE = "ucdp_ged"


def shipped_ucdp_path() -> Path:
    """Where the shipped table is: the ``ucdp_ged`` resource's path in the data package."""
    folder = DATA_DIR.resolve()
    path = (folder / schema.resource(RESOURCE)["path"]).resolve()
    if not path.is_relative_to(folder):  # a resource outside the package folder is never read
        raise EventDataError(
            f"{DATA_DIR / 'datapackage.json'}: the resource {RESOURCE!r} must be a path inside {folder}",
            path=path,
        )
    return path


@functools.cache
def shipped_ucdp_provenance() -> dict[str, Any]:
    """``data/conflict/provenance.json``: origin, version, licence, citations, hashes, processing."""
    return json.loads((shipped_ucdp_path().parent / "provenance.json").read_text(encoding="utf-8"))


def load_shipped_ucdp(path: PathLike | None = None, *, cache: CacheOption = True) -> pd.DataFrame:
    """The shipped UCDP GED events (Mali, Burkina Faso) as the common event frame.

    ``path``: another copy of the table (the shipped one by default). ``cache`` as in
    `load_ucdp_ged`. ``accessed`` is the day the exports were obtained (provenance.json), not the
    file's date. ``frame.attrs`` adds ``shipped`` (True), ``version`` ("24.1") and ``title``.
    Raises `EventDataError`, in one line naming file, line and column, for a damaged copy.
    """
    target = shipped_ucdp_path() if path is None else Path(path).expanduser()
    check_path(target, UCDP_GED)
    _check_header(target)
    record = shipped_ucdp_provenance()
    with warnings.catch_warnings():
        # UCDP's own 55 events whose best estimate lies outside low-high: documented in
        # provenance.json and said on every chart of fatalities, not warned of at each load.
        warnings.filterwarnings("ignore", message=".*fatality estimates out of order", category=UserWarning)
        frame = load_ucdp_ged(target, cache=cache, accessed=record["origin"]["accessed"])
    frame.attrs.update({"shipped": True, "version": record["version"], "title": record["title"]})
    return frame


def _check_header(path: Path) -> None:
    """The header names the declared columns, in order; else one line naming the first difference."""
    declared = [f["name"] for f in schema.fields(RESOURCE)]
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        header = next(csv.reader(fh), [])
    if header == declared:
        return
    expected = f"expected the {len(declared)} columns declared for {RESOURCE!r} in datapackage.json, in order"
    missing = [c for c in declared if c not in header]
    extra = [c for c in header if c not in declared]
    if missing:
        column, problem = missing[0], "missing"
    elif extra:
        column, problem = extra[0], "not declared"
    else:
        column = next(h for h, d in zip(header, declared, strict=True) if h != d)
        problem = f"out of place (column {header.index(column) + 1}, declared {declared.index(column) + 1})"
    more = len(missing) + len(extra) - 1
    others = f" ({more} more column{'s' if more > 1 else ''} differ)" if more > 0 else ""
    raise EventDataError(
        f"{path}, line 1, column {column!r}: {problem}{others}; {expected}",
        path=path,
        column=column,
        line=1,
        missing=missing,
    )


def load_event_files(
    acled_path: PathLike | None = None, ucdp_path: PathLike | None = None, *, shipped_ucdp: bool = True
) -> pd.DataFrame:
    """The events of the files given, or, when none is, the shipped UCDP table (if ``shipped_ucdp``).

    A file given replaces the shipped table: ACLED's and UCDP's files are stacked (`concat_events`)
    and the shipped events are not added, since a newer UCDP file holds them already and ACLED's
    count the same events differently. With no file and ``shipped_ucdp`` False the frame is empty.
    ``attrs["shipped"]`` says whether the shipped table was used.
    """
    from sahel_analysis.events.load import load_acled
    from sahel_analysis.events.select import concat_events

    frames = []
    if acled_path is not None:
        frames.append(load_acled(acled_path))
    if ucdp_path is not None:
        frames.append(load_ucdp_ged(ucdp_path))
    shipped = not frames and shipped_ucdp
    events = load_shipped_ucdp() if shipped else concat_events(*frames)
    events.attrs["shipped"] = bool(shipped)
    return events


def shipped_note(events: pd.DataFrame) -> str | None:
    """The sentence a page shows when its events are the shipped table (else None)."""
    from babel.lists import format_list

    from sahel_analysis.i18n import _, get_language
    from sahel_analysis.schema import country_of_name

    if not events.attrs.get("shipped"):
        return None
    countries = list(dict.fromkeys(events["country"].dropna().astype(str)))
    return _(
        "Conflict events: UCDP GED {version}, {countries}, {first}–{last}, shipped with the package; "
        "bring an ACLED or newer UCDP file to extend (acled_path, ucdp_path)."
    ).format(
        version=events.attrs.get("version", ""),
        countries=format_list([country_of_name(c) for c in countries], locale=get_language()),
        first=events["date"].min().year,
        last=events["date"].max().year,
    )


def shipped_sources(events: pd.DataFrame) -> pd.DataFrame:
    """Rows citing the shipped table's sources (``source_id``), for a page's sources table; none for other data."""
    ids = shipped_ucdp_provenance()["source_ids"] if events.attrs.get("shipped") else []
    return pd.DataFrame({"source_id": ids}, dtype="str")
