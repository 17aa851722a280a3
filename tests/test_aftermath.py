"""The pages' words about the bases handed over: one sentence per base from its figures, the caveats,
and what a page says when there is nothing to compare. Rows are written here, not computed."""

from __future__ import annotations

import pandas as pd
import pytest

from sahel_analysis import aftermath, markup
from sahel_analysis.events.around import AROUND_COLUMNS, CAVEATS
from sahel_analysis.params import ParameterError, check_event_files, check_event_params


def table(*rows: dict, **attrs) -> pd.DataFrame:
    base = dict.fromkeys(AROUND_COLUMNS)
    base.update(
        place="Gao", place_id="gao", dataset="UCDP GED", handover=pd.Timestamp("2022-08-15"),
        handover_precision="day", handed_to="FAMa", window_days=365, events_before=4, fatalities_before=15,
        imprecise_before=0, events_after=1, fatalities_after=1, imprecise_after=0, covered=True,
    )  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows], columns=AROUND_COLUMNS)
    frame.attrs.update({"radius_km": 50, "left_out": [], **attrs})
    return frame


def test_one_sentence_per_base_from_its_figures() -> None:
    gao = table({})
    (text,) = aftermath.sentences(gao, "2023-12-31")
    assert text == (
        "Gao, handed over to FAMa on 15 August 2022: within 50 km, UCDP GED recorded 4 events (15 deaths) "
        "in the 365 days before the handover and 1 event (1 death) in the 365 days from it."
    )
    # Known to the month: "in October 2021"; loosely located events and incomplete windows are said.
    kidal = table(
        {"place": "Kidal", "handover": pd.Timestamp("2021-10-01"), "handover_precision": "month",
         "handed_to": "MINUSMA", "imprecise_before": 2, "imprecise_after": 1, "covered": False,
         "events_before": 1200, "fatalities_before": 0},
        radius_km=100,
    )  # fmt: skip
    (text,) = aftermath.sentences(kidal, "2023-12-31")
    assert text.startswith(
        "Kidal, handed over to MINUSMA in October 2021: within 100 km, UCDP GED recorded 1,200 events"
    )
    assert "(0 deaths)" in text
    assert "not counted: 2 before, 1 after." in text and "do not span both windows" in text


def test_nothing_to_compare_before_any_handover_and_places_outside_the_data_are_named() -> None:
    assert aftermath.sentences(table(), "2021-06-04") == [
        "No French base had been handed over by 4 June 2021: there is nothing yet to compare."
    ]
    left = [{"place": "Niamey", "place_id": "niamey", "country": "NER", "dataset": "UCDP GED"}]
    texts = aftermath.sentences(table({}, left_out=left), "2023-12-31")
    assert texts[-1] == "Not compared, because the data hold no event in their country: Niamey (Niger)."
    assert len(texts) == 2


def test_the_section_carries_the_note_and_the_caveats_only_with_a_comparison() -> None:
    texts = aftermath.section_texts(table({}), "2023-12-31", note="Where the data come from.")
    assert texts[0] == "Where the data come from." and texts[-1].startswith("Caveats: ")
    for caveat in CAVEATS:
        assert caveat in texts[-1]
    assert not any(t.startswith("Caveats") for t in aftermath.section_texts(table(), "2021-06-04"))
    html = markup.paragraphs_html(["a < b", "c"])
    assert html == "<p>a &lt; b</p><p>c</p>"


def test_the_place_table_gives_the_figures_of_each_row() -> None:
    shown = aftermath.place_table(table({"events_before": 1234}))
    assert shown.loc[0, "Events before"] == "1,234" and shown.loc[0, "Handover"] == "15 August 2022"
    assert shown.loc[0, "Days in each window"] == "365"


def test_the_event_file_parameters_and_the_shipped_switch() -> None:
    assert check_event_files(None, None, True) == {
        "acled_path": None,
        "ucdp_path": None,
        "shipped_ucdp": True,
    }
    with pytest.raises(ParameterError, match="shipped_ucdp"):
        check_event_files(None, None, "yes")
    checked = check_event_params(period_starts=["2018-01-01", "2013-01-01", "2013-01-01"])
    assert [str(d) for d in checked["period_starts"]] == ["2013-01-01", "2018-01-01"]
    with pytest.raises(ParameterError, match="period_starts: expected a non-empty list of dates"):
        check_event_params(period_starts="2013-01-01")
    with pytest.raises(ParameterError, match="period_starts: expected at most 12 dates"):
        check_event_params(period_starts=[f"20{y:02d}-01-01" for y in range(13)])


@pytest.mark.parametrize("notebook", ["05_conflict_events", "06_briefing", "08_place"])
def test_the_event_parameters_are_declared_with_a_type_and_a_meaning(notebook: str) -> None:
    from sahel_analysis.paths import NOTEBOOK_DIR
    from sahel_analysis.report import parameters

    declared = {p.name: p for p in parameters(NOTEBOOK_DIR / f"{notebook}.ipynb")}
    for name in ("acled_path", "ucdp_path", "shipped_ucdp"):
        assert declared[name].type and declared[name].help, name
    assert declared["shipped_ucdp"].type == "bool" and declared["shipped_ucdp"].default == "True"


def test_a_dossier_dated_before_its_place_was_handed_over_says_so_for_that_place() -> None:
    from sahel_analysis import tables
    from sahel_analysis.events import load_event_files

    presence, places = tables.load_presence(), tables.load_places()
    # Gao's dossier on 1 January 2022: other bases had been handed over (Kidal, October 2021), not Gao's.
    gao = aftermath.compared_bases(
        load_event_files(), "2022-01-01", presence=presence, places=places, place="gao"
    )
    assert gao.empty
    assert aftermath.sentences(gao, "2022-01-01") == [
        "France had not handed over its base at Gao by 1 January 2022: there is nothing yet to compare."
    ]
