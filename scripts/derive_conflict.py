"""Re-derive the shipped UCDP GED table, data/conflict/ucdp_ged_mli_bfa.csv, from its two inputs.

Inputs: UCDP's per-country web export of the Georeferenced Event Dataset for Mali and for Burkina
Faso, as committed to github.com/Sarahlaure/Projet-BSA (see `ORIGIN`). The repository keeps them
exactly, xz-compressed, in data/conflict/raw/; the script decompresses them and checks the sha256
of the bytes against the figures recorded here before using them.

Output: one table in the layout of UCDP's global ``GEDEvent_v24_1.csv`` (its 49 columns, in its
order), which `sahel_analysis.events.load_ucdp_ged` reads like any GED file. Nothing observed is
changed; the processing is:

* ``best_est``, ``high_est``, ``low_est`` are named ``best``, ``high``, ``low``;
* ``date_start`` and ``date_end`` are written ISO 8601 (05/26/2016 00:00:00 -> 2016-05-26; every
  time in the inputs is 00:00:00, which the script checks);
* the empty field each data row ends with (a trailing comma) is dropped;
* ``gwnoa`` and ``gwnob`` (not in the per-country export) are added, empty;
* the two files' rows are put together and sorted by ``date_start`` then ``id``.

Then the script checks that the library reads the same events, with the same values, from the
output as from the two inputs, and writes provenance.json (origin, version and how it was
inferred, licence, citations, sha256 of inputs and output, the processing above).

Run:  .venv/bin/python scripts/derive_conflict.py              # derive into data/conflict/
      .venv/bin/python scripts/derive_conflict.py --check      # derive to a temp dir, compare
      .venv/bin/python scripts/derive_conflict.py --inputs DIR # take the plain CSVs from DIR
                                                                 # (and refresh raw/*.csv.xz)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import hashlib
import io
import json
import lzma
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "conflict"
TABLE = "ucdp_ged_mli_bfa.csv"

ORIGIN = {
    "repository": "https://github.com/Sarahlaure/Projet-BSA",
    "commit": "313c61bc2c04a26d0ba4a9f6029f43db1af6eb98",
    "folder": "BASES DE DONNEES INITIALES",
    "accessed": "2026-12-04",
}
# name in raw/ (without .xz), file in the origin folder, country, rows, sha256 of the bytes
INPUTS = (
    (
        "ucdp_ged_MLI_orig_Mali.csv",
        "Mali.csv",
        "Mali",
        2120,
        "676f4f8ec85255607c78b5ff5e1c3523301c53d8eba384168ba4148bd5986334",
    ),
    (
        "ucdp_ged_BFA_orig_Burkina.csv",
        "Burkina.csv",
        "Burkina Faso",
        1504,
        "b6dc2da85b32161022f3863e63dd94e74848f07c2cdc96449318d47c491da937",
    ),
)
RENAMES = {"best_est": "best", "high_est": "high", "low_est": "low"}
ADDED_EMPTY = ("gwnoa", "gwnob")
EXPORT_DATE = "%m/%d/%Y %H:%M:%S"


class InputError(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"derive_conflict: {message}")


def read_input(name: str, expected_sha256: str, inputs: Path | None) -> bytes:
    """The input's bytes, from DIR/name when given, else from raw/name.xz; sha256 checked."""
    path = inputs / name if inputs is not None else OUT / "raw" / f"{name}.xz"
    try:
        data = path.read_bytes()
        if inputs is None:
            data = lzma.decompress(data)
    except (OSError, lzma.LZMAError) as exc:
        raise InputError(f"{path}: cannot read it ({exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected_sha256:
        raise InputError(f"{path}: sha256 {digest}, expected {expected_sha256} (not the recorded input)")
    return data


def store_input(name: str, data: bytes) -> Path:
    """Keep the input in raw/ as xz, and check that it decompresses to the same bytes."""
    target = OUT / "raw" / f"{name}.xz"
    packed = lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)
    if lzma.decompress(packed) != data:
        raise InputError(f"{target}: xz does not give the input back")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(packed)
    return target


def export_rows(name: str, data: bytes, country: str, count: int) -> list[dict[str, str]]:
    """The rows of one per-country export, checked against the layout the script expects."""
    from sahel_analysis.events.formats import UCDP_GED_COUNTRY_COLUMNS

    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if tuple(header) != UCDP_GED_COUNTRY_COLUMNS:
        raise InputError(f"{name}: not the per-country export's 47 columns: {header}")
    if len(rows) != count:
        raise InputError(f"{name}: {len(rows)} rows, expected {count}")
    out = []
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header) + 1 or row[-1] != "":
            raise InputError(f"{name}, record {line}: expected {len(header)} fields and a trailing comma")
        cells = dict(zip(header, row, strict=False))
        if cells["country"] != country:
            raise InputError(f"{name}, record {line}: country {cells['country']!r}, expected {country!r}")
        out.append(cells)
    return out


def iso_day(text: str, where: str) -> str:
    try:
        when = dt.datetime.strptime(text, EXPORT_DATE)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a date written {EXPORT_DATE}") from None
    if when.time() != dt.time():
        raise InputError(f"{where}: {text!r} has a time of day, which the ISO day would drop")
    return when.date().isoformat()


def derive(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    from sahel_analysis.events.formats import UCDP_GED_COLUMNS

    derived = []
    for cells in rows:
        where = f"event id {cells['id']}"
        out = {RENAMES.get(k, k): v for k, v in cells.items()}
        out["date_start"] = iso_day(cells["date_start"], where)
        out["date_end"] = iso_day(cells["date_end"], where)
        if out["date_start"][:4] != out["year"]:
            raise InputError(f"{where}: year {out['year']} but date_start {out['date_start']}")
        out.update(dict.fromkeys(ADDED_EMPTY, ""))
        derived.append({c: out[c] for c in UCDP_GED_COLUMNS})
    ids = [r["id"] for r in derived]
    if len(set(ids)) != len(ids):
        raise InputError("an event id appears twice across the two inputs")
    return sorted(derived, key=lambda r: (r["date_start"], int(r["id"])))


def write_table(rows: list[dict[str, str]], path: Path) -> None:
    from sahel_analysis.atomic import atomic_write

    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue().encode("utf-8"))


def check_same_events(inputs: dict[str, bytes], table: Path) -> None:
    """The library reads the same events from the output as from the inputs, value for value."""
    import pandas as pd

    from sahel_analysis.events import load_ucdp_ged

    with tempfile.TemporaryDirectory() as tmp:
        frames = []
        for name, data in inputs.items():
            (Path(tmp) / name).write_bytes(data)
            frames.append(load_ucdp_ged(Path(tmp) / name, cache=False, accessed="2000-01-01"))
    before = pd.concat(frames, ignore_index=True).sort_values(["date", "ucdp_id"], kind="stable")
    after = load_ucdp_ged(table, cache=False, accessed="2000-01-01")
    # The original columns keep each file's text for the dates: compare the parsed ones.
    texts = ["ucdp_date_start", "ucdp_date_end"]
    pd.testing.assert_frame_equal(
        before.drop(columns=texts).reset_index(drop=True), after.drop(columns=texts), check_dtype=True
    )


def provenance(inputs: dict[str, bytes], table: Path, rows: list[dict[str, str]]) -> dict:
    from sahel_analysis.events.formats import UCDP_GED_COLUMNS

    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    per_country: dict[str, int] = {}
    for r in rows:
        per_country[r["country"]] = per_country.get(r["country"], 0) + 1
    return {
        "title": "UCDP Georeferenced Event Dataset (GED), events in Mali and Burkina Faso, 1990-2023",
        "producer": "Uppsala Conflict Data Program (UCDP), Department of Peace and Conflict Research, "
        "Uppsala University",
        "version": "24.1",
        "version_inferred": (
            "The files do not state their version. 24.1 because: the latest event is on 2023-12-31 and "
            "none is later, as in GED 24.1 (1989-2023), while 23.1 ends on 2022-12-31 and 25.1 adds "
            "2024; the files were downloaded from ucdp.uu.se in early 2025, before 25.1 was released "
            "(a country page exports the current release); and the copy's README gives 1989-2023 as "
            "the period covered. Not proven: a 24.x revision would look the same."
        ),
        "licence": {
            "name": "CC-BY-4.0",
            "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": "Creative Commons Attribution 4.0 International",
        },
        "attribution": "UCDP Georeferenced Event Dataset, Uppsala University, ucdp.uu.se (CC BY 4.0)",
        "citations": [
            "Sundberg, Ralph and Erik Melander (2013). Introducing the UCDP Georeferenced Event Dataset. "
            "Journal of Peace Research 50(4): 523-532. https://doi.org/10.1177/0022343313484347",
            "Davies, Shawn, Garoun Engström, Therése Pettersson and Magnus Öberg (2024). Organized "
            "violence 1989-2023, and the prevalence of organized crime groups. Journal of Peace "
            "Research 61(4): 673-693. https://doi.org/10.1177/00223433241262912",
        ],
        "codebook": "https://ucdp.uu.se/downloads/ged/ged241.pdf",
        "source_ids": [
            "ucdp-ged-241",
            "sundberg-melander-2013-ucdp-ged",
            "davies-2024-organized-violence-1989-2023",
            "github-projet-bsa-ucdp-exports",
        ],
        "origin": {
            **ORIGIN,
            "how": "UCDP's per-country web export (a country page's download at ucdp.uu.se), "
            "downloaded there in early 2025 and committed to the repository unchanged.",
        },
        "inputs": [
            {
                "file": f"raw/{name}.xz",
                "original_name": f"{ORIGIN['folder']}/{original}",
                "country": country,
                "rows": count,
                "sha256": sha(inputs[name]),
                "sha256_xz": sha((OUT / "raw" / f"{name}.xz").read_bytes()),
            }
            for name, original, country, count, _ in INPUTS
        ],
        "output": {
            "file": TABLE,
            "resource": "ucdp_ged (data/datapackage.json)",
            "rows": len(rows),
            "rows_per_country": per_country,
            "columns": list(UCDP_GED_COLUMNS),
            "sha256": sha(table.read_bytes()),
        },
        "processing": [
            "best_est, high_est, low_est named best, high, low (the global GEDEvent file's names)",
            "date_start and date_end written ISO 8601 (MM/DD/YYYY 00:00:00 -> YYYY-MM-DD; every time "
            "is 00:00:00)",
            "the empty field at the end of every data row (a trailing comma) dropped",
            "gwnoa and gwnob, not in the per-country export, added empty",
            "the two files' rows put together, sorted by date_start then id",
            "every other cell as UCDP wrote it; no row dropped or added",
        ],
        "caveats": [
            "Counts are the events UCDP recorded (at least one death, an organised actor), not all "
            "violence; ACLED records more events.",
            "In 55 events (23 in Mali, 32 in Burkina Faso) best is not between low and high, as "
            "UCDP published them; best always equals the sum of deaths_a, deaths_b, deaths_civilians "
            "and deaths_unknown.",
            "Not covered: Niger, Chad, Mauritania.",
        ],
        "derived_by": "scripts/derive_conflict.py (make conflict)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, help="folder holding the two plain CSV inputs")
    parser.add_argument("--check", action="store_true", help="derive to a temp dir and compare")
    args = parser.parse_args(argv)

    inputs = {name: read_input(name, digest, args.inputs) for name, _, _, _, digest in INPUTS}
    if args.inputs is not None and not args.check:
        for name, data in inputs.items():
            print(f"stored {store_input(name, data).relative_to(REPO)}")
    rows: list[dict[str, str]] = []
    for name, _, country, count, _ in INPUTS:
        rows += export_rows(name, inputs[name], country, count)
    derived = derive(rows)

    out_dir = Path(tempfile.mkdtemp()) if args.check else OUT
    table = out_dir / TABLE
    write_table(derived, table)
    check_same_events(inputs, table)
    record = provenance(inputs, table, derived)
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "provenance.json").write_text(text, encoding="utf-8")

    if args.check:
        differ = [
            n for n in (TABLE, "provenance.json") if not filecmp.cmp(out_dir / n, OUT / n, shallow=False)
        ]
        print("data/conflict/ is up to date" if not differ else f"differs from data/conflict/: {differ}")
        return 1 if differ else 0
    print(f"wrote {table.relative_to(REPO)} ({len(derived):,} events) and provenance.json")
    for country in ("Mali", "Burkina Faso"):
        years: dict[str, list[int]] = {}
        for r in derived:
            if r["country"] == country:
                years.setdefault(r["year"], []).append(int(r["best"]))
        shown = ", ".join(f"{y}: {len(v)} ({sum(v):,})" for y, v in sorted(years.items()) if y >= "2012")
        total = sum(sum(v) for v in years.values())
        print(f"{country}, events (best) per year since 2012: {shown}; best, all years: {total:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
