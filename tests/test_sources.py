"""Every source is one a careful analyst would cite: no mirrors, dumps or scrapers, little Wikipedia,
and no row resting only on aggregators or small sites that republish other people's copy."""

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
# Weak hosts: allowed as a second source (a page republishing an AFP story, say), but a row
# whose sources all sit on them must be marked confidence=low, and they stay a small share of
# the sources. A host matches itself and its subdomains, as for BANNED_HOSTS.
_AGGREGATOR = "aggregator, mirror or machine translation"
_REPUBLISHER = "small site republishing wire copy"
WEAK_HOSTS = {
    **dict.fromkeys(
        [
            "boursorama.com",
            "allafrica.com",
            "yahoo.com",
            "zawya.com",
            "abamako.com",
            "aniamey.com",
            "adakar.com",
            "bamada.net",
            "maliweb.net",
            "maliactu.net",
            "seneweb.com",
            "kassataya.com",
            "cridem.org",
            "actu.orange.fr",
            "libe.io",  # Libération's staging host
            "arc-cdn.net",  # CDN mirrors of newspaper sites
            "naija247news.com",
            "norafrik.com",
            "devdiscourse.com",
            "cnr.fr",  # an energy company's copy of the INSEE price index
        ],
        _AGGREGATOR,
    ),
    **dict.fromkeys(
        [
            "pressafrik.com",
            "dakaractu.com",
            "linfo.re",
            "pambazuka.net",
            "pambazuka.org",
            "beninwebtv.bj",
            "beninwebtv.com",
            "tahiti-infos.com",
            "keyt.com",
            "sify.com",
            "afrique-sur7.ci",
            "afrique-sur7.fr",
            "afrique7.com",
            "dakarposte.com",
            "senenews.com",
            "tvplusafrique.com",
            "africaradio.com",
            "algerieactu.com",
            "africanmanager.com",
            "tchadinfos.com",
            "ndarinfo.com",
            "lejalon.com",
            "laborpresse.net",
            "kpakpatomedias.com",
            "mediaterranee.com",
            "info241.com",
            "lanouvelletribune.info",
            "farafinanews.com",
            "walf-groupe.com",
            "journalducameroun.com",
            "ghanaweb.com",
            "atalayar.com",
            "focusgroupemedia.com",
            "la-plume.bf",
            "24heures.bf",
            "minute.bf",
            "ndjamenaactu.com",
            "levenementniger.com",
        ],
        _REPUBLISHER,
    ),
}
MAX_WEAK_SHARE = 0.10
MAX_LOW_ROWS = 10
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


def _weak(host: str) -> str | None:
    for weak, why in WEAK_HOSTS.items():
        if host == weak or host.endswith("." + weak):
            return why
    return None


def _refs(row: pd.Series) -> set[str]:
    return {row["source_id"], *str(row.get("other_source_ids") or "").split(";")} - {"", "nan", "None"}


def _is_wikipedia(url: str) -> bool:
    return bool(WIKIPEDIA.search(_host(url)))


def test_host_check_recognises_subdomains():
    assert _banned("de.frwiki.wiki") and _banned("nabk4.rssing.com") and _banned("issuu.com")
    assert not _banned("www.rfi.fr") and not _banned("notissuu.com")


def test_weak_host_check_recognises_families():
    assert _weak("www.boursorama.com") and _weak("nz.news.yahoo.com") and _weak("pambazuka.org")
    assert _weak("thenational-the-national-prod.web.arc-cdn.net") and _weak("www.staging.libe.io")
    assert not _weak("www.rfi.fr") and not _weak("www.lemonde.fr") and not _weak("notmaliweb.net")


def test_no_row_rests_only_on_weak_hosts_unless_marked_low(sources):
    weak_ids = set(sources.loc[sources["url"].map(lambda u: bool(_weak(_host(u)))), "id"])
    unmarked, checked = [], 0
    for name, frame in _tables_with_sources().items():
        for _, row in frame.iterrows():
            checked += 1
            if _refs(row) <= weak_ids and row.get("confidence") != "low":
                hosts = sorted({_host(u) for u in sources.loc[sources["id"].isin(_refs(row)), "url"]})
                unmarked.append(f"{name}: {row.get('id', row.get('year'))} ({', '.join(hosts)})")
    assert checked > 100
    assert not unmarked, "rows whose sources are all on weak hosts, not marked confidence=low:\n" + "\n".join(
        unmarked
    )


def test_low_confidence_rows_are_few_and_say_why():
    low = [
        (name, row.get("id", row.get("year")), str(row.get("note") or ""))
        for name, frame in _tables_with_sources().items()
        for _, row in frame.iterrows()
        if row.get("confidence") == "low"
    ]
    assert len(low) <= MAX_LOW_ROWS, f"{len(low)} rows marked low: {[(n, i) for n, i, _ in low]}"
    silent = [f"{n}: {i}" for n, i, note in low if "low confidence" not in note.lower()]
    assert not silent, "rows marked low whose note does not say why:\n" + "\n".join(silent)


def test_weak_hosts_are_a_small_share_of_sources(sources):
    weak = [f"{s.id}: {_host(s.url)}" for s in sources.itertuples() if _weak(_host(s.url))]
    assert len(weak) <= MAX_WEAK_SHARE * len(sources), (
        f"{len(weak)} of {len(sources)} sources are on weak hosts (at most {MAX_WEAK_SHARE:.0%}):\n"
        + "\n".join(weak)
    )


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
            refs = _refs(row)
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
