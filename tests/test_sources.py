"""Every source is one a careful analyst would cite: no mirrors, dumps or scrapers, little Wikipedia."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd
import pytest

from sahel_analysis import briefing, tables

# Hosts that only copy other people's pages: Wikipedia mirrors and machine translations,
# document-dump sites, feed scrapers and automated aggregators. A host matches itself and
# its subdomains (de.frwiki.wiki, nabk4.rssing.com).
BANNED_HOSTS = {
    # Wikipedia mirrors, offline copies and machine translations
    "frwiki.wiki": "machine-translated Wikipedia copy",
    "hmong.in.th": "Wikipedia mirror",
    "piglix.com": "Wikipedia mirror",
    "wiki.riteme.site": "Wikipedia mirror",
    "the-uncensored-wiki.com": "Wikipedia mirror (Kiwix)",
    "kiwix.lema.org": "Wikipedia mirror (Kiwix)",
    "iiab.me": "Wikipedia mirror (Kiwix)",
    "wikiwand.com": "Wikipedia mirror",
    "everybodywiki.com": "Wikipedia mirror",
    "dbpedia.org": "Wikipedia extraction",
    "wiki2.org": "Wikipedia mirror",
    "wikizero.com": "Wikipedia mirror",
    "defzone.net": "Wikipedia mirror",
    "perceptiofr.com": "machine-translated Wikipedia copy",
    "wiki.li": "Wikipedia mirror",
    "mgwiki.top": "Wikipedia mirror",
    # document dumps
    "docslib.org": "document dump",
    "readkong.com": "document dump",
    "issuu.com": "document dump",
    "scribd.com": "document dump",
    "pdfcoffee.com": "document dump",
    "studylib.net": "document dump",
    "fdocuments.in": "document dump",
    "fdocuments.fr": "document dump",
    "pdfslide.org": "document dump",
    "pdfslide.fr": "document dump",
    "docplayer.org": "document dump",
    "docplayer.fr": "document dump",
    "flipbuilder.com": "document dump",
    "youscribe.com": "document dump",
    # feed scrapers and automated aggregators
    "rssing.com": "feed scraper",
    "infosurhoy.com": "content scraper",
    "maghress.com": "automated press aggregator",
    "djazairess.com": "automated press aggregator",
    "sauress.com": "automated press aggregator",
    "newsr.in": "feed scraper",
    "htsyndication.com": "feed syndicator",
    "mot-diplomatique.fr": "keyword index",
}
WIKIPEDIA = re.compile(r"(^|\.)wikipedia\.org$")
ALLOWED_WIKIPEDIA = {"en.wikipedia.org", "fr.wikipedia.org"}
MAX_WIKIPEDIA = 5
MAX_UNDATED_SHARE = 0.05


@pytest.fixture(scope="module")
def sources() -> pd.DataFrame:
    return tables.load_sources()


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def _banned(host: str) -> str | None:
    for banned, why in BANNED_HOSTS.items():
        if host == banned or host.endswith("." + banned):
            return why
    return None


def _is_wikipedia(url: str) -> bool:
    return bool(WIKIPEDIA.search(_host(url)))


def test_host_check_recognises_subdomains():
    assert _banned("de.frwiki.wiki") and _banned("nabk4.rssing.com") and _banned("issuu.com")
    assert not _banned("www.rfi.fr") and not _banned("notissuu.com")


def test_no_source_on_a_mirror_dump_or_scraper(sources):
    bad = [
        f"{s.id}: {_host(s.url)} ({_banned(_host(s.url))})"
        for s in sources.itertuples()
        if _banned(_host(s.url))
    ]
    assert not bad, "sources on banned hosts:\n" + "\n".join(bad)


def test_wikipedia_only_english_or_french(sources):
    wiki = sources[sources["url"].map(_is_wikipedia)]
    other = [f"{s.id}: {_host(s.url)}" for s in wiki.itertuples() if _host(s.url) not in ALLOWED_WIKIPEDIA]
    assert not other, (
        "Wikipedia editions other than English or French (mobile sites included):\n" + "\n".join(other)
    )


def test_at_most_five_wikipedia_sources(sources):
    wiki = sources[sources["url"].map(_is_wikipedia) | sources["publisher"].str.contains("Wikip", case=False)]
    assert len(wiki) <= MAX_WIKIPEDIA, f"{len(wiki)} Wikipedia sources: {', '.join(wiki['id'])}"


def test_no_row_rests_on_wikipedia_alone(sources):
    wiki_ids = set(sources.loc[sources["url"].map(_is_wikipedia), "id"])
    only_wiki = []
    checked = 0
    for name, frame in _tables_with_sources().items():
        for _, row in frame.iterrows():
            refs = {row["source_id"], *str(row.get("other_source_ids") or "").split(";")} - {
                "",
                "nan",
                "None",
            }
            checked += 1
            if refs and refs <= wiki_ids:
                only_wiki.append(f"{name}: {row.get('id', row.get('year'))}")
    assert checked > 100
    assert not only_wiki, "rows whose only sources are Wikipedia:\n" + "\n".join(only_wiki)


def test_few_sources_lack_a_publication_date(sources):
    undated = sources[sources["published"].isna() | (sources["published"].astype(str).str.strip() == "")]
    assert len(undated) <= MAX_UNDATED_SHARE * len(sources), (
        f"{len(undated)} of {len(sources)} sources have no published date: {', '.join(undated['id'])}"
    )


def _tables_with_sources() -> dict[str, pd.DataFrame]:
    loaders = {
        "events": tables.load_events,
        "places": tables.load_places,
        "troop_levels": tables.load_troop_levels,
        "costs": tables.load_costs,
        "fatalities": tables.load_fatalities,
        "presence": tables.load_presence,
        "claims": briefing.load_claims,
        "cpi": tables.load_cpi,
    }
    return {name: load() for name, load in loaders.items()}
