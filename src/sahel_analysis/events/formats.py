"""What ACLED and UCDP GED files hold: their column sets, the common frame, codes and attribution.

One place declares each layout (columns, which are required, which are numbers) and the mapping
of each dataset's codes (date precision, type of violence) to the common frame's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "ACLED",
    "ACLED_AGGREGATED_MONTHLY",
    "ACLED_COLUMNS",
    "ACLED_MONADIC",
    "ACLED_PRE2023",
    "ACLED_PRE2023_COLUMNS",
    "ATTRIBUTION",
    "COMMON_COLUMNS",
    "DATASETS",
    "DATASET_DTYPE",
    "EventDataError",
    "Format",
    "LOOKALIKES",
    "PRECISIONS",
    "PRECISION_DTYPE",
    "UCDP_GED",
    "UCDP_GED_COLUMNS",
    "UCDP_GED_COUNTRY",
    "UCDP_GED_COUNTRY_COLUMNS",
    "looks_like",
]


class EventDataError(ValueError):
    """An event file of the wrong kind, with missing columns, or with a bad value.

    Attributes carry the details so that callers (and tests) need not parse the message:
    ``path``, ``missing`` (columns), ``looks_like`` (a format name or None), ``column``,
    ``line`` (CSV line, header = 1; Excel row), ``value``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        missing: Sequence[str] = (),
        looks_like: str | None = None,
        column: str | None = None,
        line: int | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.missing = tuple(missing)
        self.looks_like = looks_like
        self.column = column
        self.line = line
        self.value = value


# fmt: off
# ACLED's column set since 20 March 2023 (acleddata.com, "Guide to 2023 ACLED column changes").
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
# Before that date: data_id, event_id_no_cnty and iso3 existed; disorder_type,
# civilian_targeting and tags did not.
ACLED_PRE2023_COLUMNS: tuple[str, ...] = (
    "data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
    "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "region", "country", "admin1", "admin2", "admin3", "location",
    "latitude", "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities",
    "timestamp", "iso3",
)
# The export tool's "monadic" layout: one row per actor, so no second-actor columns.
_MONADIC_DROPPED = ("actor2", "assoc_actor_2", "inter2")
ACLED_MONADIC_COLUMNS: tuple[str, ...] = tuple(c for c in ACLED_COLUMNS if c not in _MONADIC_DROPPED)
UCDP_GED_COLUMNS: tuple[str, ...] = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original",
    "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2", "latitude",
    "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity",
    "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)
# UCDP's per-country web export (the download on a country's page at ucdp.uu.se) differs from the
# global GEDEvent_vXX_1.csv: deaths as best_est/high_est/low_est, no gwnoa/gwnob, dates written
# "05/26/2016 00:00:00" (month first) and a trailing comma on every data row, not on the header.
UCDP_GED_COUNTRY_COLUMNS: tuple[str, ...] = (
    *UCDP_GED_COLUMNS[: UCDP_GED_COLUMNS.index("best")], "best_est", "high_est", "low_est",
)
COMMON_COLUMNS: tuple[str, ...] = (
    "date", "date_end", "date_precision", "event_type", "actor1", "actor2", "country", "admin1",
    "location", "latitude", "longitude", "location_precision_km", "fatalities_best",
    "fatalities_low", "fatalities_high", "dataset", "source", "original_id", "accessed",
)
# fmt: on
DATASETS: tuple[str, ...] = ("ACLED", "UCDP GED")
PRECISIONS: tuple[str, ...] = ("day", "week", "month", "year")

PRECISION_DTYPE = pd.CategoricalDtype(list(PRECISIONS), ordered=True)
DATASET_DTYPE = pd.CategoricalDtype(list(DATASETS))

# ACLED codebook: 1 the day is known, 2 only the week (or weekend), 3 only the month.
ACLED_PRECISION: Mapping[int, str] = {1: "day", 2: "week", 3: "month"}
# UCDP GED codebook, variable date_prec (https://ucdp.uu.se/downloads/ged/ged251.pdf; the same
# wording since v19.1, quoted in https://rdrr.io/cran/mapme.biodiversity/man/fatalities_ucpd.html):
# 1 the exact date is known; 2 start and end dates span more than one day but no more than six;
# 3 the dates are known to a week; 4 to a month; 5 to a year. So 2 and 3 are both "week".
UCDP_PRECISION: Mapping[int, str] = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
UCDP_VIOLENCE: Mapping[int, str] = {
    1: "State-based conflict",
    2: "Non-state conflict",
    3: "One-sided violence",
}

# How far, at most, the coordinates may lie from where the event happened, by location
# precision code; None: coarser than any radius we would use (an admin region or a country).
# ACLED geo_precision (codebook): 1 the town itself; 2 "near" a town or a small part of a region,
# coded to a nearby town; 3 a larger region (its capital or a natural feature).
# UCDP where_prec (codebook): 1 exact location; 2 within about 25 km of a named place; 3 a
# second-order division (centroid); 4 first-order; 5 larger parts; 6 the country; 7 at sea/air.
# The 25 km for ACLED 2 follows UCDP's figure for the same notion; ACLED gives no distance.
ACLED_LOCATION_KM: Mapping[int, float | None] = {1: 0.0, 2: 25.0, 3: None}
UCDP_LOCATION_KM: Mapping[int, float | None] = {1: 0.0, 2: 25.0, 3: None, 4: None, 5: None, 6: None, 7: None}

# Attribution each dataset asks for, used in the source line under charts.
ATTRIBUTION: Mapping[str, str] = {
    "ACLED": "ACLED, Armed Conflict Location & Event Data, acleddata.com",
    "UCDP GED": "UCDP Georeferenced Event Dataset, Uppsala University, ucdp.uu.se (CC BY 4.0)",
}


@dataclass(frozen=True)
class Format:
    """One file layout: its columns, those the loader needs, and which hold numbers."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...] = ()
    ints: frozenset[str] = frozenset()
    floats: frozenset[str] = frozenset()
    loader: str | None = None
    prefix: str = ""
    # (common column, original column) pairs whose values are identical. They share memory in
    # the frame and are stored once in the cache.
    aliases: tuple[tuple[str, str], ...] = ()
    # Events, or counts of them (recognised only to say so).
    events: bool = True
    # A variant of another layout whose frame it gives: its columns renamed (file name, name in
    # the other layout), and the other layout's columns it lacks added empty.
    renames: tuple[tuple[str, str], ...] = ()
    absent: tuple[str, ...] = ()
    # Dates written month first (05/26/2016), which only this layout does: elsewhere a slashed
    # date is ambiguous (a French spreadsheet writes 26/05/2016), so it is refused.
    month_first: bool = False
    # Yes/no columns, written 1/0 or True/False: read as text, given as 1/0 integers.
    flags: frozenset[str] = frozenset()

    def dtype(self, column: str) -> str:
        """pandas dtype of a column: declared numbers, text for everything else."""
        if column in self.ints and column not in self.flags:
            return "Int64"
        if column in self.floats:
            return "float64"
        return "str"


_ACLED_REQUIRED = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "source",
    "fatalities",
)
_ACLED_ALIASES = (
    ("event_type", "event_type"),
    ("actor1", "actor1"),
    ("actor2", "actor2"),
    ("country", "country"),
    ("admin1", "admin1"),
    ("location", "location"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("fatalities_best", "fatalities"),
    ("source", "source"),
    ("original_id", "event_id_cnty"),
)
# inter1, inter2 and interaction are numeric codes in older exports and text labels in newer
# ones, so they stay text.
_ACLED_INTS = frozenset(
    {
        "year",
        "time_precision",
        "iso",
        "geo_precision",
        "fatalities",
        "timestamp",
        "data_id",
        "event_id_no_cnty",
    }
)
_COORDINATES = frozenset({"latitude", "longitude"})

ACLED = Format(
    name="ACLED",
    columns=ACLED_COLUMNS,
    required=_ACLED_REQUIRED,
    ints=_ACLED_INTS,
    floats=_COORDINATES,
    loader="load_acled",
    prefix="acled_",
    aliases=_ACLED_ALIASES,
)
ACLED_PRE2023 = Format(
    name="ACLED (pre-2023 column set)",
    columns=ACLED_PRE2023_COLUMNS,
    required=_ACLED_REQUIRED,
    ints=_ACLED_INTS,
    floats=_COORDINATES,
    loader="load_acled",
    prefix="acled_",
    aliases=_ACLED_ALIASES,
)
ACLED_MONADIC = Format(
    name="ACLED (monadic: one row per actor)",
    columns=ACLED_MONADIC_COLUMNS,
    required=tuple(c for c in _ACLED_REQUIRED if c not in _MONADIC_DROPPED),
    ints=_ACLED_INTS,
    floats=_COORDINATES,
    loader="load_acled",
    prefix="acled_",
    aliases=_ACLED_ALIASES,
)
UCDP_GED = Format(
    name="UCDP GED",
    columns=UCDP_GED_COLUMNS,
    required=(
        "id",
        "type_of_violence",
        "side_a",
        "side_b",
        "source_office",
        "where_coordinates",
        "adm_1",
        "latitude",
        "longitude",
        "country",
        "date_prec",
        "date_start",
        "best",
        "high",
        "low",
    ),
    # The *_dset_id, *_new_id and gwno columns can hold lists ("2, 200"), so they stay text.
    ints=frozenset(
        {
            "id",
            "year",
            "active_year",
            "type_of_violence",
            "number_of_sources",
            "where_prec",
            "priogrid_gid",
            "country_id",
            "event_clarity",
            "date_prec",
            "deaths_a",
            "deaths_b",
            "deaths_civilians",
            "deaths_unknown",
            "best",
            "high",
            "low",
        }
    ),
    floats=_COORDINATES,
    loader="load_ucdp_ged",
    prefix="ucdp_",
    # 1/0 in the codebook; True/False in the per-country export.
    flags=frozenset({"active_year"}),
    aliases=(
        ("actor1", "side_a"),
        ("actor2", "side_b"),
        ("country", "country"),
        ("admin1", "adm_1"),
        ("location", "where_coordinates"),
        ("latitude", "latitude"),
        ("longitude", "longitude"),
        ("fatalities_best", "best"),
        ("fatalities_low", "low"),
        ("fatalities_high", "high"),
        ("source", "source_office"),
    ),
)
_UCDP_COUNTRY_RENAMES = (("best_est", "best"), ("high_est", "high"), ("low_est", "low"))
_TO_COUNTRY = {new: old for old, new in _UCDP_COUNTRY_RENAMES}
UCDP_GED_COUNTRY = Format(
    name="UCDP GED (per-country web export)",
    columns=UCDP_GED_COUNTRY_COLUMNS,
    required=tuple(_TO_COUNTRY.get(c, c) for c in UCDP_GED.required),
    ints=frozenset(_TO_COUNTRY.get(c, c) for c in UCDP_GED.ints),
    floats=UCDP_GED.floats,
    loader=UCDP_GED.loader,
    prefix=UCDP_GED.prefix,
    aliases=UCDP_GED.aliases,
    flags=UCDP_GED.flags,
    renames=_UCDP_COUNTRY_RENAMES,
    absent=tuple(c for c in UCDP_GED_COLUMNS if c not in UCDP_GED_COUNTRY_COLUMNS and c not in _TO_COUNTRY),
    month_first=True,
)
# ACLED's aggregated files: counts, not events. The monthly one is what HDX carries for ACLED
# ("political violence events and fatalities by month-year", per admin1/admin2).
ACLED_AGGREGATED_MONTHLY = Format(
    name="ACLED aggregated monthly counts (events and fatalities by month, not events)",
    columns=(
        "country",
        "admin1",
        "admin2",
        "iso3",
        "admin1 pcode",
        "admin2 pcode",
        "month",
        "year",
        "events",
        "fatalities",
    ),  # fmt: skip
    required=("country", "month", "year", "events"),
    ints=frozenset({"year", "events", "fatalities"}),
    events=False,
)
# Formats we cannot read as events but can recognise, so the error says what the file is.
# fmt: off
LOOKALIKES: tuple[Format, ...] = (
    ACLED_AGGREGATED_MONTHLY,
    Format("ACLED aggregated weekly data (counts per admin1, not events)", (
        "week", "region", "country", "admin1", "event_type", "sub_event_type", "events", "fatalities",
        "population_exposure", "disorder_type", "id", "centroid_latitude", "centroid_longitude",
    ), events=False),
    Format("UCDP/PRIO Armed Conflict Dataset (conflict-years, not events)", (
        "conflict_id", "location", "side_a", "side_a_id", "side_a_2nd", "side_b", "side_b_id",
        "side_b_2nd", "incompatibility", "territory_name", "year", "intensity_level",
        "cumulative_intensity", "type_of_conflict", "start_date", "start_prec", "start_date2",
        "start_prec2", "ep_end", "ep_end_date", "ep_end_prec", "gwno_a", "gwno_a_2nd", "gwno_b",
        "gwno_b_2nd", "gwno_loc", "region", "version",
    ), events=False),
)
# fmt: on
KNOWN: tuple[Format, ...] = (ACLED, ACLED_PRE2023, ACLED_MONADIC, UCDP_GED, UCDP_GED_COUNTRY, *LOOKALIKES)


def looks_like(header: Iterable[str]) -> tuple[Format, int] | None:
    """The known format whose columns best cover this header, if at least half are present."""
    names = set(header)
    best: tuple[Format, int] | None = None
    for fmt in KNOWN:
        hits = len(names & set(fmt.columns))
        if hits * 2 >= len(fmt.columns) and (
            best is None or hits / len(fmt.columns) > best[1] / len(best[0].columns)
        ):
            best = (fmt, hits)
    return best


def how_to_obtain() -> str:
    """Instructions printed when a notebook is run without event files, in the reader's language."""
    from sahel_analysis.i18n import _

    return _(
        "No conflict-event file was given, so there is nothing to show.\n"
        "\n"
        "ACLED (Armed Conflict Location & Event Data): register for free access at\n"
        "  https://acleddata.com/register/ , then use the Data Export Tool\n"
        "  (https://acleddata.com/data-export-tool/) to download events for the Sahel countries\n"
        "  (CSV or Excel). Pass the file as acled_path. Cite ACLED as its attribution policy asks.\n"
        "\n"
        "UCDP GED (Uppsala Conflict Data Program Georeferenced Event Dataset, CC BY 4.0):\n"
        "  download the global CSV (zipped is fine) from https://ucdp.uu.se/downloads/\n"
        "  (section 'UCDP Georeferenced Event Dataset (GED) Global'), a country page's export\n"
        "  from ucdp.uu.se, or a country file from the Humanitarian Data Exchange\n"
        "  (data.humdata.org). Pass it as ucdp_path.\n"
    )
