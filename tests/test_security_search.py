"""F2 and F7 of the second security review: a search's cost has a bound whatever the index
holds, and neither expansions nor "did you mean" reveal words only hidden pages contain.

A real Whoosh index on disk behind a real Site; the hidden page is protected by its #acl line.
Each oracle is asked twice, on a wiki with the hidden page and on one without it: every
answer an anonymous reader gets must be the same."""
from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from wiki.acl import ANONYMOUS, SYSTEM
from wiki.cli import init_store
from wiki.config import load_config
from wiki.search import SearchResults
from wiki.searchquery import LEADING, MAX_PATTERNS, PATTERNS, WIDE
from wiki.site import Site
from wiki.storage import Author

AUTHOR = Author(address="192.0.2.9")


def wiki(root: Path, pages: dict[str, str]) -> Site:
    config = load_config(environ={}, data_dir=root / "data", rate_limits="")
    init_store(config, io.StringIO())
    site = Site(config)
    for name, text in pages.items():
        site.save(None, name, text, base_revision=site.store.current_revision(name), author=AUTHOR, reader=SYSTEM)
    return site


def anonymous_search(site: Site, text: str) -> SearchResults:
    return site.search_index.search(text, visible=site.visibility(ANONYMOUS))


ORACLE = {f"Oracle{i}": f"secondrezzzz{i} secondrfzzzz{i} perspicaciozz marspicaciozz\n" for i in range(1, 9)}
HIDDEN = {"SecretPage": "#acl Known:read All:\nsecondrevword perspicacious vaultword\n"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Site]:
    """(a wiki with the hidden page, the same wiki without it)"""
    return (wiki(tmp_path_factory.mktemp("with"), {**ORACLE, **HIDDEN}),
            wiki(tmp_path_factory.mktemp("without"), ORACLE))


@pytest.mark.parametrize("text", ["secondre*", "secondrf*", "secondr*", "second*", "perspic*", "vau*", "secondre?zzzz*",
                                  "secondrevwor", "perspicaciou", "marspicaciou", "vaultwor", "secondre*zz*"])
def test_anonymous_readers_get_the_answers_of_a_wiki_without_the_hidden_page(pair: tuple[Site, Site], text: str) -> None:
    with_hidden, without = (anonymous_search(site, text) for site in pair)
    assert [hit.name for hit in with_hidden.hits] == [hit.name for hit in without.hits]
    assert (with_hidden.total, with_hidden.suggestion) == (without.total, without.suggestion)


def test_the_reviews_oracles_give_eight_and_no_hidden_suggestion(pair: tuple[Site, Site]) -> None:
    site = pair[0]
    assert anonymous_search(site, "secondre*").total == 8  # the hidden word took no place
    assert anonymous_search(site, "perspicaciou").suggestion in (None, "perspicaciozz")
    assert anonymous_search(site, "marspicaciou").suggestion == "marspicaciozz"
    reader = site.reader(site.users.create("Mallory", "a long password here"))
    assert site.search_index.search("secondrevword", visible=site.visibility(reader)).total == 1  # Known may


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The review's lexicon, smaller: two pages of random words of 5 to 9 letters."""
    chance = random.Random(24)

    def words(count: int) -> str:
        return " ".join("".join(chance.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(chance.randint(5, 9)))
                        for _ in range(count))

    return wiki(tmp_path_factory.mktemp("noisy"), {"NoiseOne": words(12_000), "NoiseTwo": words(12_000)})


def test_leading_wildcards_are_refused_with_a_notice(noisy: Site) -> None:
    for text in ["*a*", "*e* *a* *i*", "?x", "title:*e* ?abc"]:
        results = anonymous_search(noisy, text)
        assert results.total == 0 and LEADING in (results.message or ""), text


def test_patterns_past_the_bound_are_left_out_and_said(noisy: Site) -> None:
    text = " OR ".join(f"{a}{b}*" for a in "aeiou" for b in "aeiou")
    results = anonymous_search(noisy, text)
    assert PATTERNS in (results.message or "") and results.total > 0
    assert MAX_PATTERNS < 25


def test_a_wide_pattern_is_cut_to_the_terms_examined(noisy: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from wiki import searchquery

    monkeypatch.setattr(searchquery, "MAX_TERMS_EXAMINED", 50)
    results = anonymous_search(noisy, "a*")
    assert WIDE in (results.message or "") and results.total > 0


def test_a_query_whose_words_are_on_too_many_pages_is_cut_and_said(noisy: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from wiki import searchquery

    monkeypatch.setattr(searchquery, "MAX_POSTINGS", 3)  # the noise pages and a starter page or two
    results = anonymous_search(noisy, "a* OR e* OR i* OR o* OR u*")
    assert searchquery.POSTINGS in (results.message or "")
    assert 0 < results.total <= 3
