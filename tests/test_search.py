"""Search against a real Whoosh index on disk: catch-up, locking, repair, queries, results page."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import WikiClient
from wiki.config import PROJECT_ROOT, Config
from wiki.search import SCHEMA_FILE, SCHEMA_VERSION, SearchIndex
from wiki.searchupkeep import MARK_FILE
from wiki.storage import Author, PageStore

AUTHOR = Author(address="192.0.2.9")


@pytest.fixture
def index(seeded_config: Config) -> SearchIndex:
    return SearchIndex(seeded_config.data_dir / "index", PageStore(seeded_config.data_dir))


@pytest.fixture
def empty_index(store: PageStore) -> SearchIndex:
    """An index over a store without the starter pages, whose words would muddle exact expectations."""
    return SearchIndex(store.root / "index", store)


def save(store: PageStore, name: str, text: str) -> int:
    return store.save(name, text, base_revision=store.current_revision(name), author=AUTHOR)


def names_found(index: SearchIndex, text: str) -> list[str]:
    return [hit.name for hit in index.search(text).hits]


def test_index_is_created_on_first_use_with_the_schema(index: SearchIndex) -> None:
    assert not index.directory.exists()
    assert names_found(index, "footnotes") == ["HelpOnEditing"]
    from whoosh import index as whoosh_index

    schema = whoosh_index.open_dir(str(index.directory)).schema
    assert {"name", "title", "content", "modified", "author", "revision"} <= set(schema.names())
    assert int((index.directory / MARK_FILE).read_text()) == index.store.log_size()


def test_a_saved_page_is_found_at_once_and_old_text_is_forgotten(index: SearchIndex) -> None:
    index.search("warmup")
    save(index.store, "Recipes", "a pancake recipe")
    assert names_found(index, "pancake") == ["Recipes"]
    save(index.store, "Recipes", "a waffle recipe")
    assert names_found(index, "pancake") == []
    assert names_found(index, "waffle") == ["Recipes"]


def test_deleted_pages_disappear(index: SearchIndex) -> None:
    save(index.store, "Doomed", "ephemeral words")
    assert names_found(index, "ephemeral") == ["Doomed"]
    index.store.delete("Doomed", base_revision=1, author=AUTHOR)
    assert names_found(index, "ephemeral") == []


def test_catch_up_reads_only_the_log_since_the_mark(index: SearchIndex) -> None:
    index.search("x")
    mark = int((index.directory / MARK_FILE).read_text())
    save(index.store, "Fresh", "novel content")
    assert index.catch_up()
    assert int((index.directory / MARK_FILE).read_text()) == index.store.log_size() > mark


HOLD_LOCK = r"""
import sys, time
from whoosh import index
ix = index.open_dir(sys.argv[1])
writer = ix.writer()
print("locked", flush=True)
sys.stdin.readline()
writer.cancel()
"""


def test_a_busy_writer_lock_never_blocks_a_search(index: SearchIndex) -> None:
    index.search("warmup")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index.directory)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline() == "locked\n"
        save(index.store, "Waiting", "queued words")
        started = time.monotonic()
        assert index.catch_up() is False
        assert names_found(index, "queued") == []  # the older index answers
        assert names_found(index, "footnotes") == ["HelpOnEditing"]
        assert time.monotonic() - started < 2
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()
    assert names_found(index, "queued") == ["Waiting"]  # a later request catches up


def test_no_thread_is_left_running(index: SearchIndex) -> None:
    save(index.store, "Threads", "words")
    index.search("words")
    index.catch_up()
    assert threading.active_count() == 1


# Whoosh drops the file handle of a segment it fails to read; the handle is closed when
# collected, which pytest reports as an unraisable ResourceWarning. That leak is Whoosh's.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["delete-everything", "delete-toc", "garbage-segment", "truncate-segment", "garbage-mark"])
def test_a_damaged_index_is_rebuilt_and_results_still_come(index: SearchIndex, damage: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    index.search("warmup")
    files = list(index.directory.iterdir())
    segments = [f for f in files if f.suffix == ".seg"]
    if damage == "delete-everything":
        for f in files:
            f.unlink()
    elif damage == "delete-toc":
        for f in files:
            if f.suffix == ".toc":
                f.unlink()
    elif damage == "garbage-segment":
        for f in segments:
            f.write_bytes(os.urandom(f.stat().st_size))
    elif damage == "truncate-segment":
        for f in segments:
            f.write_bytes(f.read_bytes()[:100])
    else:
        (index.directory / MARK_FILE).write_text("not a number")
    assert names_found(index, "footnotes") == ["HelpOnEditing"]
    assert names_found(index, "footnotes") == ["HelpOnEditing"]


HELP_EXAMPLES = {
    "budget meeting": ["Budget2026"],
    "budget OR plan": ["Budget2026", "Plans", "Released"],
    "budget -draft": ["Released"],
    "budget NOT draft": ["Released"],
    '"release plan"': ["Plans"],
    "plan*": ["Plans", "Released"],
    "title:meeting": ["MeetingNotes"],
}


def test_the_help_page_examples_find_what_it_says(empty_index: SearchIndex) -> None:
    help_page = (PROJECT_ROOT / "pages" / "Help" / "Searching.md").read_text()
    rows = [line.split("|")[1] for line in help_page.splitlines() if line.startswith("| `")]
    assert sorted(query for row in rows for query in re.findall(r"`([^`]+)`", row)) == sorted(HELP_EXAMPLES)
    save(empty_index.store, "Budget2026", "The budget meeting is on Monday; a draft follows.")
    save(empty_index.store, "Plans", "The release plan, and notes on planning.")
    save(empty_index.store, "Released", "Released plans for the budget.")
    save(empty_index.store, "MeetingNotes", "Notes only.")
    for query, expected in HELP_EXAMPLES.items():
        assert sorted(names_found(empty_index, query)) == expected, query


def test_an_index_of_an_older_schema_is_rebuilt(index: SearchIndex) -> None:
    index.search("warmup")
    (index.directory / SCHEMA_FILE).write_text("1\n")  # as an older flatwiki left it
    before = index.directory.stat().st_ino
    fresh = SearchIndex(index.directory, index.store)
    fresh.search("footnotes")  # starts the build; on a busy machine its first slice may not finish it
    for _slice in range(100):
        if fresh.build_some():
            break
    assert [hit.name for hit in fresh.search("footnotes").hits] == ["HelpOnEditing"]
    assert index.directory.stat().st_ino != before  # a new index was swapped in
    assert (index.directory / SCHEMA_FILE).read_text().strip() == SCHEMA_VERSION


@pytest.mark.parametrize(
    "query, expected",
    [
        ("apple banana", ["Both"]),
        ("apple OR banana", ["Apple", "Banana", "Both"]),
        ("apple -banana", ["Apple"]),
        ("apple NOT banana", ["Apple"]),
        ('"ripe apple"', ["Apple"]),
        ('"apple ripe"', []),
        ('"ripe apples"', []),  # a phrase is matched as written, not stemmed
        ('"a yellow"', ["Banana"]),  # ... stop words included
        ('"yellow a"', []),
        ("bana*", ["Banana", "Both"]),
        ("title:fruit", ["Fruit Salad"]),
        ("running", ["Apple"]),  # stemming: the text says "runs"
        ("salad", ["Fruit Salad"]),
    ],
)
def test_query_language(empty_index: SearchIndex, query: str, expected: list[str]) -> None:
    index = empty_index
    save(index.store, "Apple", "a ripe apple runs")
    save(index.store, "Banana", "a yellow banana")
    save(index.store, "Both", "apple and banana together")
    save(index.store, "Fruit Salad", "mixed pieces")
    assert sorted(names_found(index, query)) == expected


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "AND", "OR", "NOT", "-", "*", "title:", "(((", "a AND", "x" * 10_000, "word\x00\x07ctl",
     "[a TO", "{}", "^^^", "'", "title:(", "~2", "*x*", "AND OR NOT", '"" "" ""', "é*", "🙂"],
)
def test_malformed_queries_never_raise(index: SearchIndex, query: str) -> None:
    results = index.search(query)
    assert results.total >= 0


@pytest.mark.parametrize("query", ["word", "wor*", '"two words"', "a -b"])
def test_a_wiki_without_pages_finds_nothing_without_error(empty_index: SearchIndex, query: str) -> None:
    results = empty_index.search(query)
    assert (results.total, results.hits, results.pages) == (0, [], 0)


def test_overlong_queries_say_they_were_cut(index: SearchIndex) -> None:
    assert "cut" in (index.search("wiki " * 5000).message or "")


def test_ranking_puts_title_matches_first(empty_index: SearchIndex) -> None:
    index = empty_index
    save(index.store, "Gardening", "plants")
    save(index.store, "Notes", "I like gardening, gardening is fun, gardening gardening")
    assert names_found(index, "gardening")[0] == "Gardening"


def test_exact_title_jumps_to_the_page(client: WikiClient) -> None:
    response = client.get("/+search?q=HelpOnEditing")
    assert response.status_code == 303 and response.headers["Location"].endswith("/HelpOnEditing")
    response = client.get("/+search?q=helponediting")
    assert response.status_code == 303 and response.headers["Location"].endswith("/HelpOnEditing")
    assert client.get("/+search?q=help/history").headers["Location"].endswith("/Help/History")
    assert client.get("/+search?q=HelpOnEditing&fulltext=1").status_code == 200


def test_results_page(client: WikiClient, store: PageStore) -> None:
    for i in range(25):
        save(store, f"Topic/Item{i:02d}", f"zebra 3 < 4 **strong** [[Other|linked]] number {i} and more words")
    html = client.get("/+search?q=zebra").get_data(as_text=True)
    assert "25 pages found for “zebra”" in html
    assert html.count('class="result-title"') == 20
    assert '<span class="result-path">Topic/Item' in html
    assert '<mark class="match term0">zebra</mark>' in html
    assert "3 &lt; 4" in html  # page text in snippets is escaped
    assert "zebra</mark> 3 &lt; 4 strong linked number" in html  # and reads without Markdown's marks
    assert re.search(r"modified \d{4}-\d\d-\d\d \d\d:\d\d UTC", html)
    assert 'name="q" value="zebra"' in html  # the query stays in the header box
    assert "Page 1 of 2" in html and "page=2" in html
    page_two = client.get("/+search?q=zebra&fulltext=1&page=2").get_data(as_text=True)
    assert page_two.count('class="result-title"') == 5 and 'start="21"' in page_two
    for words in ("zebra", "zebra strong"):  # a plain union and an AND query: ranked two ways, paged alike
        past_the_end = client.get(f"/+search?q={words}&fulltext=1&page=9").get_data(as_text=True)
        assert "Page 2 of 2" in past_the_end and past_the_end.count('class="result-title"') == 5


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("plan*", ["planned", "plane", "plant"]),  # every expansion, in any form of the word
        ('"plant grew"', ["plant", "grew"]),
        ('"the plant grew"', ["the", "plant", "grew", "The"]),  # a phrase's words as written, stop words too
        ("plant OR NOT trip", ["plant"]),  # a word the query excludes is never marked
        ("planning", ["planned"]),  # stemmed, as the index matched it
    ],
)
def test_snippets_mark_the_words_that_matched(empty_index: SearchIndex, query: str, marked: list[str]) -> None:
    save(empty_index.store, "Plans", "We planned a trip by plane; the plant grew. The trip was long.")
    [hit] = empty_index.search(query).hits
    assert re.findall(r"<mark[^>]*>([^<]+)</mark>", hit.snippet) == marked


def test_did_you_mean(client: WikiClient, store: PageStore) -> None:
    save(store, "Zoo", "the elephants are running")
    html = client.get("/+search?q=elefants&fulltext=1").get_data(as_text=True)
    assert "0 pages found" in html and "Did you mean" in html and ">elephants</a>" in html


def test_empty_and_garbage_queries_render_a_page(client: WikiClient) -> None:
    assert "Type words" in client.get("/+search").get_data(as_text=True)
    assert client.get("/+search?q=%22%28%28&fulltext=1").status_code == 200
    assert client.get("/+search?q=a&page=x").status_code == 400


def test_the_results_page_shows_the_query_as_searched(client: WikiClient) -> None:
    html = client.get("/+search?q=foot%00notes&fulltext=1").get_data(as_text=True)
    assert "\x00" not in html and 'name="q" value="foot notes"' in html and "found for “foot notes”" in html
    html = client.get("/+search?fulltext=1&q=" + "word%20" * 2000).get_data(as_text=True)
    assert "cut to its first 500" in html and f'value="{"word " * 100}"' in html and "word " * 101 not in html


def test_saving_through_the_web_makes_the_page_findable(client: WikiClient) -> None:
    client.get("/+search?q=warm&fulltext=1")
    client.save("Kitchen", "the quiche is in the oven")
    assert "Kitchen" in client.get("/+search?q=quiche&fulltext=1").get_data(as_text=True)


def all_names_found(index: SearchIndex, text: str) -> list[str]:
    """Every page the search finds, over all its result pages."""
    first = index.search(text)
    found = [hit.name for hit in first.hits]
    for number in range(2, first.pages + 1):
        found += [hit.name for hit in index.search(text, number).hits]
    return found


@pytest.mark.parametrize("run", range(20))  # it failed one run in three: twenty in a row must pass
def test_reindex_is_safe_while_the_wiki_saves(index: SearchIndex, seeded_config: Config, run: int) -> None:
    for i in range(150):  # long pages: the rebuild takes long enough to overlap several saves
        save(index.store, f"Bulk{i}", f"bulk page {i} filler text " * 400)
    index.search("bulk")
    reindex = subprocess.Popen([sys.executable, "-m", "wiki.cli", "reindex", "--data-dir", str(seeded_config.data_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    saved, overlapping = [], 0
    while reindex.poll() is None or len(saved) < 5:
        name = f"During{len(saved)}"
        running = reindex.poll() is None
        save(index.store, name, "concurrent kumquat")
        index.search("kumquat")  # catches up concurrently with the rebuild, as a serving wiki does
        saved.append(name)
        overlapping += running and reindex.poll() is None
    assert reindex.wait(timeout=120) == 0, reindex.stderr.read().decode()  # type: ignore[union-attr]
    reindex.stderr.close()  # type: ignore[union-attr]
    assert overlapping >= 3  # saves made while the rebuild ran, or this proves nothing
    assert sorted(all_names_found(index, "kumquat")) == sorted(saved)


def cgi(data_dir: Path, method: str, path: str, query: str = "", body: bytes = b"",
        headers: dict[str, str] | None = None) -> tuple[str, dict[str, str], bytes]:
    """One request through cgi-bin/wiki.cgi in a fresh process, as a web server runs it."""
    env = {
        "PATH": os.environ.get("PATH", ""), "WIKI_DATA_DIR": str(data_dir), "GATEWAY_INTERFACE": "CGI/1.1",
        "REQUEST_METHOD": method, "SCRIPT_NAME": "/cgi-bin/wiki.cgi", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    for key, value in (headers or {}).items():
        env["HTTP_" + key.upper().replace("-", "_")] = value
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "cgi-bin" / "wiki.cgi")], input=body, env=env,
                          capture_output=True, timeout=60, check=True)
    head, _, content = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    found = dict(line.split(": ", 1) for line in lines)
    return found.pop("Status"), found, content


def test_a_page_saved_through_one_cgi_process_is_found_by_the_next(seeded_config: Config) -> None:
    data = seeded_config.data_dir
    status, headers, body = cgi(data, "GET", "/+edit/Orchard")
    assert status.startswith("200 ")
    cookie = headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" value="(\w+)"', body).group(1).decode()  # type: ignore[union-attr]
    form = f"csrf_token={token}&base_revision=0&text=persimmon+trees&comment=&action=save".encode()
    status, headers, _ = cgi(data, "POST", "/+edit/Orchard", body=form, headers={"Cookie": cookie})
    assert status.startswith("303 ")
    assert headers["Location"] == "/cgi-bin/wiki.cgi/Orchard"
    status, _, body = cgi(data, "GET", "/+search", query="q=persimmon&fulltext=1")
    assert status.startswith("200 ")
    assert b'href="/cgi-bin/wiki.cgi/Orchard"' in body


@pytest.mark.parametrize("query", ["NOT NOT NOT a", "NOT", "AND OR NOT", "OR OR foo", "a AND", "(((", "title:"])
def test_queries_of_only_operators_answer_with_a_page(client: WikiClient, query: str) -> None:
    response = client.get("/+search", query_string={"q": query, "fulltext": "1"})
    assert response.status_code == 200


def test_did_you_mean_looks_only_at_the_words_searched(index: SearchIndex) -> None:
    save(index.store, "Orchard", "persimmon trees grow here")
    typed = "zzqx " * 100 + "persimon"  # the misspelling lies past the 500 characters searched
    results = index.search(typed)
    assert results.message and "cut" in results.message
    assert results.suggestion is None or "persimmon" not in results.suggestion
    assert index.search("persimon").suggestion == "persimmon"


def test_did_you_mean_offers_the_closest_spelling_not_the_commonest(index: SearchIndex) -> None:
    save(index.store, "Orchard", "persimmon trees grow here")
    for number in range(5):  # "person" is far more common, but two edits from "persimon"
        save(index.store, f"People{number}", "a person and another person")
    assert index.search("persimon").suggestion == "persimmon"


def test_a_phrase_of_common_words_is_found_exactly_by_its_pairs(empty_index: SearchIndex, store: PageStore) -> None:
    """"of the" is on nearly every page of a real wiki: it is looked up as one indexed pair,
    and still finds only the pages where the words stand together, in that order."""
    save(store, "Together", "the middle of the road")
    save(store, "Reversed", "the road, the of")
    save(store, "Apart", "of all the roads")
    save(store, "Longer", "one of the best of them")
    parsed, _ = empty_index.parse('"of the"')
    assert "pairs" in str(parsed)  # (not a positions check on every page with both words)
    assert sorted(names_found(empty_index, '"of the"')) == ["Longer", "Together"]
    assert names_found(empty_index, '"best of the"') == []  # mixed: positions, exactly
    assert names_found(empty_index, '"of the best"') == ["Longer"]
    assert re.search(r">of</mark> <mark[^>]*>the</mark>", empty_index.search('"of the"').hits[0].snippet)


def test_a_prefix_stands_for_its_most_frequent_words(empty_index: SearchIndex) -> None:
    from wiki.searchquery import MAX_EXPANSIONS

    words = [f"zeb{chr(ord('a') + number)}x" for number in range(MAX_EXPANSIONS + 3)]
    for number, word in enumerate(words):  # the first word on one page, the last on eleven
        for copy in range(number + 1):
            save(empty_index.store, f"Page{number}x{copy}", f"{word} and more")
    save(empty_index.store, "Updated", "zebax once")  # an edit leaves a deleted document, still counted
    save(empty_index.store, "Updated", "zebax twice")
    assert set(names_found(empty_index, "zebax")) == {"Page0x0", "Updated"}
    first = empty_index.search("zeb*")
    found = {hit.name for page in range(1, first.pages + 1) for hit in empty_index.search("zeb*", page=page).hits}
    assert found == {f"Page{number}x{copy}" for number in range(3, len(words)) for copy in range(number + 1)}
    assert first.total == len(found)  # the three rarest words (zebax counted twice) were left out
