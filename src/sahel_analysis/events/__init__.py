"""ACLED and UCDP GED events, read into one typed event frame: shipped UCDP data, or files users bring.

UCDP GED's events in Mali and Burkina Faso (GED 24.1, 1990-2023, CC BY 4.0) ship with the
package: `load_shipped_ucdp`. ACLED's terms forbid redistribution, and newer or other UCDP data
are users' to download, so the other loaders read the files users bring: ACLED as CSV, zipped CSV
or Excel (.xlsx); UCDP GED as CSV, zipped CSV or Excel. The file type is recognised from its
bytes, not its extension.

Modules: `formats` (the layouts and codes), `sniff` (what a file is), `parse` (rows into typed
columns), `frame` (the common frame), `cache` (parsed frames kept on disk), `load` (the loaders),
`shipped` (the UCDP table in the data package), `select` (stacking, selecting and counting loaded
frames), `around` (events near the places France handed over, before and after).

The frame
---------
Both loaders return the same columns first (`COMMON_COLUMNS`):

==================  ====================  ======================================================
column              dtype                 ACLED / UCDP GED source
==================  ====================  ======================================================
date                datetime64[s]         event_date / date_start
date_end            datetime64[s]         event_date (one date) / date_end, the last possible day
date_precision      ordered category      time_precision 1,2,3 -> day, week, month /
                                          date_prec 1 -> day, 2,3 -> week, 4 -> month, 5 -> year
event_type          str                   event_type / type_of_violence 1,2,3 ->
                                          State-based conflict, Non-state conflict,
                                          One-sided violence
actor1, actor2      str                   actor1, actor2 / side_a, side_b
country             str                   country / country
admin1              str                   admin1 / adm_1 (UCDP often adds "region", "province")
location            str                   location / where_coordinates
latitude            float64               latitude / latitude (WGS84 decimal degrees)
longitude           float64               longitude / longitude
location_precision  float64               how far (km) the point may be from the event:
_km                                       geo_precision 1 -> 0, 2 -> 25, 3 -> inf /
                                          where_prec 1 -> 0, 2 -> 25, 3-7 -> inf (a region)
fatalities_best     Int64                 fatalities / best
fatalities_low      Int64                 <NA> (ACLED gives one figure) / low
fatalities_high     Int64                 <NA> / high
dataset             category              "ACLED" / "UCDP GED"
source              str                   source / source_office
original_id         str                   event_id_cnty / id
accessed            datetime64[s]         the day the file was obtained (see below)
==================  ====================  ======================================================

Every column of the original file follows, unchanged in value, its name lower-cased and prefixed
with ``acled_`` or ``ucdp_`` (``acled_notes``, ``ucdp_source_article``...). The prefix keeps the
two datasets apart when their frames are concatenated (`concat_events`), since both use names
like ``latitude`` and ``country`` with different meanings. Integer columns are nullable
``Int64``, coordinates ``float64``, everything else ``str``; UCDP's many id columns stay text.

``accessed`` is what both datasets ask users to cite with the data. It defaults to the file's
modification time, which is when it was downloaded unless it has been touched since; pass
``accessed=`` to say otherwise.

Layouts
-------
ACLED: the current column set (since March 2023), the pre-2023 one (``data_id``,
``event_id_no_cnty``, ``iso3``), and the export tool's monadic layout (one row per actor; read
as one row per event, ``actor1``/``actor2`` from its first two rows and every actor joined in
``acled_actors``, fatalities counted once). UCDP GED: the global ``GEDEvent_vXX_1.csv``, with or
without HDX's extra ``iso3``, and the per-country web export (a country page's download at
ucdp.uu.se: ``best_est``/``high_est``/``low_est``, no ``gwnoa``/``gwnob``, a trailing comma on
every row, dates written ``05/26/2016 00:00:00``), which gives the same frame: GEDEvent's column
names, ``ucdp_gwnoa``/``ucdp_gwnob`` empty; only ``ucdp_date_start``/``ucdp_date_end`` keep the
file's text. ``ucdp_active_year`` is 1/0 whether the file writes 1/0 or True/False.
Copies from the Humanitarian Data Exchange carry a row of HXL hashtags under the header; it is
skipped. ``frame.attrs`` records ``file``, ``layout``, ``hdx``, ``monadic`` and ``rows_in_file``.
ACLED's aggregated files (counts per week or month) are recognised and refused in one line.

Errors
------
A file of the wrong kind, or lacking columns the loader needs, raises `EventDataError` naming the
file, the missing columns and the format the file looks like. A bad value (unreadable date,
coordinate out of range, unknown precision code...) raises `EventDataError` naming the file, the
line (CSV) or row (Excel), the column and the value; the error also says how many other rows
have the same problem.
"""

from __future__ import annotations

from sahel_analysis.events.around import around_bases, around_place, around_text
from sahel_analysis.events.cache import clear_cache
from sahel_analysis.events.formats import (
    ACLED_COLUMNS,
    COMMON_COLUMNS,
    DATASETS,
    UCDP_GED_COLUMNS,
    EventDataError,
    how_to_obtain,
)
from sahel_analysis.events.load import load_acled, load_ucdp_ged
from sahel_analysis.events.select import concat_events, event_source_line, filter_events, monthly_counts
from sahel_analysis.events.shipped import load_shipped_ucdp, shipped_ucdp_path, shipped_ucdp_provenance

__all__ = [
    "ACLED_COLUMNS",
    "COMMON_COLUMNS",
    "DATASETS",
    "UCDP_GED_COLUMNS",
    "EventDataError",
    "around_bases",
    "around_place",
    "around_text",
    "clear_cache",
    "concat_events",
    "event_source_line",
    "filter_events",
    "how_to_obtain",
    "load_acled",
    "load_shipped_ucdp",
    "load_ucdp_ged",
    "monthly_counts",
    "shipped_ucdp_path",
    "shipped_ucdp_provenance",
]
