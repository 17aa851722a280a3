"""What the pages say about the places France handed over: the bases compared as of a date, in words.

The briefing's section "After the handovers" and the dossier's conflict section: which bases had
been handed over by the page's date, the events the conflict data recorded around each before and
after its handover (`sahel_analysis.events.around_bases`, as of that date), one sentence per base
built from those figures, and the caveats that go with them. Pure: the events, presence and
gazetteer are passed in; the sentences go through the catalogue (`sahel_analysis.i18n`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sahel_analysis.i18n import _, format_date, format_number, ngettext, text_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RADIUS_KM",
    "WINDOW_DAYS",
    "caveats",
    "compared_bases",
    "no_events_note",
    "place_table",
    "section_texts",
    "sentence",
    "sentences",
]

# The briefing's defaults: the conflict notebook's radius around a town, a year either side.
RADIUS_KM = 50
WINDOW_DAYS = 365


def compared_bases(
    events: pd.DataFrame,
    as_of: Any,
    *,
    presence: pd.DataFrame,
    places: pd.DataFrame,
    radius_km: float = RADIUS_KM,
    window_days: int = WINDOW_DAYS,
    place: str | None = None,
) -> pd.DataFrame:
    """`around_bases` as of ``as_of``: the bases handed over by then, the events known by then.

    Each window is ``window_days`` long, or as many days as had passed since the handover on
    ``as_of`` (both windows alike). ``place``: one place id only. Bases in a country the data do
    not cover are in ``attrs["left_out"]``, not in the rows.
    """
    from sahel_analysis.events.around import around_bases

    table = around_bases(
        events, radius_km=radius_km, window_days=window_days, presence=presence, places=places, until=as_of
    )
    if place is not None:
        attrs = dict(table.attrs)
        attrs["left_out"] = [p for p in attrs.get("left_out", []) if p["place_id"] == place]
        attrs["place"] = text_of(places.set_index("id").loc[place], "name")
        table = table[table["place_id"] == place].reset_index(drop=True)
        table.attrs.update(attrs)
    return table


def _events(n: int) -> str:
    return ngettext("{n} event", "{n} events", n).format(n=format_number(n))


def _deaths(n: int) -> str:
    return ngettext("{n} death", "{n} deaths", n).format(n=format_number(n))


def sentence(row: Any, radius_km: float) -> str:
    """One base's figures as a sentence: where, when and to whom, the events and deaths before and after.

    ``row``: a row of `compared_bases` (or `around_bases`). Adds a sentence on the events located
    too loosely to count, and one when the data do not span both windows.
    """
    precision = row["handover_precision"] if isinstance(row["handover_precision"], str) else "day"
    values = {
        "place": row["place"],
        "handed_to": row["handed_to"],
        "date": format_date(row["handover"], precision),
        "km": format_number(radius_km, 1 if radius_km % 1 else 0),
        "dataset": row["dataset"],
        "days": format_number(int(row["window_days"])),
        "events_before": _events(int(row["events_before"])),
        "deaths_before": _deaths(int(row["fatalities_before"])),
        "events_after": _events(int(row["events_after"])),
        "deaths_after": _deaths(int(row["fatalities_after"])),
    }
    if precision == "day":
        template = _(
            "{place}, handed over to {handed_to} on {date}: within {km} km, {dataset} recorded "
            "{events_before} ({deaths_before}) in the {days} days before the handover and "
            "{events_after} ({deaths_after}) in the {days} days from it."
        )
    else:
        template = _(
            "{place}, handed over to {handed_to} in {date}: within {km} km, {dataset} recorded "
            "{events_before} ({deaths_before}) in the {days} days before the handover and "
            "{events_after} ({deaths_after}) in the {days} days from it."
        )
    text = template.format(**values)
    loose_before, loose_after = int(row["imprecise_before"]), int(row["imprecise_after"])
    if loose_before or loose_after:
        text += " " + _(
            "Events located too loosely to place within {km} km are not counted: {before} before, {after} after."
        ).format(km=values["km"], before=format_number(loose_before), after=format_number(loose_after))
    if not row["covered"]:
        text += " " + _("The data do not span both windows whole, so the comparison is incomplete.")
    return text


def sentences(table: pd.DataFrame, as_of: Any) -> list[str]:
    """One sentence per base of ``table`` (`compared_bases`), in handover order; or why there is none."""
    radius = table.attrs.get("radius_km", RADIUS_KM)
    texts = [sentence(row, radius) for _index, row in table.iterrows()]
    left_out = table.attrs.get("left_out") or []
    if left_out:
        from sahel_analysis.schema import country_label

        named = ", ".join(
            dict.fromkeys(
                _("{place} ({country})").format(place=p["place"], country=country_label(p["country"]))
                for p in left_out
            )
        )
        texts.append(
            _("Not compared, because the data hold no event in their country: {places}.").format(places=named)
        )
    if not texts and table.attrs.get("place"):
        texts.append(
            _(
                "France had not handed over its base at {place} by {date}: there is nothing yet to compare."
            ).format(place=table.attrs["place"], date=format_date(as_of, "day"))
        )
    elif not texts:
        texts.append(
            _("No French base had been handed over by {date}: there is nothing yet to compare.").format(
                date=format_date(as_of, "day")
            )
        )
    return texts


def no_events_note() -> str:
    """What a page says when it has no conflict events at all (no file, and the shipped ones turned off)."""
    return _(
        "No conflict-event file was given (acled_path, ucdp_path) and the shipped UCDP events are turned off "
        "(shipped_ucdp), so this section is left out."
    )


def caveats() -> list[str]:
    """What the counts are not: the caveats that go with every before/after comparison."""
    from sahel_analysis.events.around import CAVEATS

    return [_(c) for c in CAVEATS]


def section_texts(table: pd.DataFrame, as_of: Any, note: str | None = None) -> list[str]:
    """The section's paragraphs: ``note`` (where the data come from), the sentences, then the caveats
    (when there is a comparison). Plain text: `sahel_analysis.markup.paragraphs_html` makes them HTML."""
    texts = ([note] if note else []) + sentences(table, as_of)
    if len(table):
        texts.append(_("Caveats: {caveats}").format(caveats=" ".join(caveats())))
    return texts


def place_table(table: pd.DataFrame) -> pd.DataFrame:
    """The figures of `compared_bases` for a page's table, one row per place and dataset."""
    import pandas as pd

    return pd.DataFrame(
        {
            _("Place"): table["place"],
            _("Dataset"): table["dataset"].astype(str),
            _("Handover"): [
                format_date(d, p if isinstance(p, str) else "day")
                for d, p in zip(table["handover"], table["handover_precision"], strict=True)
            ],
            _("Days in each window"): table["window_days"].map(format_number),
            _("Events before"): table["events_before"].map(format_number),
            _("Deaths before"): table["fatalities_before"].map(format_number),
            _("Events after"): table["events_after"].map(format_number),
            _("Deaths after"): table["fatalities_after"].map(format_number),
            _("Not placed (too loosely located), before / after"): [
                f"{format_number(b)} / {format_number(a)}"
                for b, a in zip(table["imprecise_before"], table["imprecise_after"], strict=True)
            ],
        }
    )
