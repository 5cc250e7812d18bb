"""The Whoosh full-text index: schema, catch-up from the edit-log, queries, results.

The index is derived from the store. It records the byte offset of the global
edit-log it has absorbed; whoever searches or saves first indexes the pages
named in the log since then. When another process holds Whoosh's writer lock
we search the slightly older index instead of waiting: no hang, no thread left
behind, so a CGI process exits at once. A missing or broken index is rebuilt.
"""
from __future__ import annotations

import fcntl
import functools
import itertools
import math
import os
import shutil
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import analysis, fields, index
from whoosh.filedb.filestore import FileStorage
from whoosh.lang import stemmer_for_language
from whoosh.writing import LockError

from wiki import names, ranking
from wiki.acl import EVERYTHING, Visibility
from wiki.atomic import write_atomically
from wiki.errors import PageNotFound, storage_error, tell_operator
from wiki.searchlayout import LeanCodec, with_packed_positions
from wiki.searchquery import (
    MAX_QUERY_CHARS,
    Bounds,
    QueryParser,
    VisibleCounter,
    bound_expansions,
    cleaned,
    common_pairs,
    plain_words,
    searched_words,
)
from wiki.searchupkeep import (
    apply_log,
    flocked,
    read_held,
    read_mark,
    record_segments,
    verify_segments,
    write_place,
)
from wiki.snippets import SnippetMaker
from wiki.storage import PageStore

SCHEMA_FILE = "flatwiki-schema"
SCHEMA_VERSION = "5"  # raise it whenever make_schema() changes: older indexes are rebuilt
WRITER_TIMEOUT = 0.2
PAGE_SIZE = 20
MAX_SUGGESTED_WORDS = 12  # each costs a walk of the word list: "did you mean" for the first few only
SUGGESTION_CANDIDATES = 8  # spellings looked at per word; the closest is offered
MAX_SPELLINGS_EXAMINED = 2000  # words of the index within 2 edits of one searched word
MAX_SUGGESTED_LENGTH = 40  # a longer word gets no suggestion
SUGGESTION_SECONDS = 0.3  # for every word's spellings together
MAX_SEGMENTS = 8
PARALLEL_BUILD_PAGES = 5000  # `wiki reindex` of at least this many pages uses several processes
MAX_BUILD_PROCESSES = 4
BUILD_SLICE_SECONDS = 0.2  # what one request spends building a missing index (so CGI can do it too)
BUILD_PAGES_FILE = "flatwiki-build-pages"  # a sliced build's list of pages, in the order it takes them
BUILD_DONE_FILE = "flatwiki-build-done"  # how many of them it has taken


def _title_analyzer() -> analysis.Analyzer:
    # "FrontPage" and "Help/Syntax" are found by "front", "page", "syntax" and whole.
    return analysis.RegexTokenizer() | analysis.IntraWordFilter(mergewords=True) | analysis.LowercaseFilter()


def make_schema() -> fields.Schema:
    return fields.Schema(
        name=fields.ID(unique=True, stored=True),
        key=fields.ID(),
        title=with_packed_positions(fields.TEXT(analyzer=_title_analyzer(), field_boost=5.0)),
        # Stemmed words for matching and ranking, without positions: scoring a common word
        # then decodes a quarter of the data per page it is on.
        content=fields.TEXT(analyzer=analysis.StemmingAnalyzer(stemfn=stemmer_for_language("en")), stored=True,
                            phrase=False),
        # The words as written, with positions: "exact phrases" and "did you mean".
        words=with_packed_positions(fields.TEXT(analyzer=analysis.StandardAnalyzer(stoplist=None), phrase=True)),
        # Each two neighbouring words that are both among the commonest (searchquery.COMMON_WORDS),
        # as one term: "of the" is found by its postings, not by reading the positions on nearly
        # every page. (All pairs would triple the time an index takes to build.)
        pairs=fields.KEYWORD(scorable=False),
        modified=fields.DATETIME(stored=True),
        author=fields.ID(stored=True),
        revision=fields.NUMERIC(stored=True),
    )


@functools.cache
def query_schema() -> fields.Schema:
    """The schema that queries are parsed with, made once a process: its analyzers compile
    some twenty patterns, 20 ms that `wiki serve` spends at start, not in its first search."""
    return make_schema()


@dataclass(frozen=True)
class Hit:
    name: str
    snippet: str  # HTML: Whoosh's formatter escapes the text around <mark>
    modified: datetime | None
    revision: int


@dataclass
class SearchResults:
    query: str
    total: int = 0
    page: int = 1
    pages: int = 0
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None
    message: str | None = None
    building: tuple[int, int] | None = None  # (pages indexed, pages in all) while the index is built


class SearchIndex:
    def __init__(self, directory: Path, store: PageStore) -> None:
        self.directory = Path(directory)
        self.building = self.directory.with_name(f"{self.directory.name}.building")  # a sliced build's index
        self.store = store
        self._local = threading.local()
        self._parser: QueryParser | None = None
        self._lengths = ranking.SegmentLengths()
        self._weighting = ranking.BM25F(self._lengths)
        # Every thread's open searcher, so that close() (or collecting this object) closes them all.
        self._searchers: list[Any] = []
        weakref.finalize(self, _close_all, self._searchers)

    # Building -------------------------------------------------------------

    def _document(self, name: str) -> dict[str, Any] | None:
        try:
            page = self.store.read(name)
        except PageNotFound:
            return None
        latest = self.store.log_entry(name, page.revision)
        title = " ".join([name, *name.split("/")])
        return {
            "name": name,
            "key": name.casefold(),
            "title": title,
            "content": page.text,
            "words": f"{title} {page.text}",
            "pairs": common_pairs(page.text),
            "modified": latest.time.replace(tzinfo=None) if latest else datetime.now(timezone.utc).replace(tzinfo=None),
            "author": (latest.user_id or latest.address) if latest else "",
            "revision": page.revision,
        }

    def _document_or_skip(self, name: str) -> dict[str, Any] | None:
        """The page's document; a page that cannot be read is named in the log and left out."""
        try:
            return self._document(name)
        except Exception:  # one bad page must never stop a rebuild or a catch-up
            tell_operator(f"flatwiki: search index: skipped {name!r}:\n{traceback.format_exc()}")
            return None

    def _lock(self, kind: str) -> Path:
        return self.directory.parent / f"index.{kind}"

    def rebuild(self, progress: Callable[[int, int], None] | None = None, wait: bool = True,
                each: Callable[[str, str | None], None] | None = None) -> bool:
        """Build a fresh index beside the old one from the store, then swap it in.

        Safe while the wiki serves: searches use the old index until the swap, and changes
        saved meanwhile are taken in under the catch-up lock just before it. Another build
        (a slice of one, or another rebuild) is waited for, then this one runs all the same;
        without `wait`, returns False at once (doing nothing) while another holds the lock.
        `each(name, text)` is told every page's text as it is read (None: unreadable), so
        that `wiki reindex` reads each page once for all it rebuilds.
        """
        with flocked(self._lock("rebuild-lock"), fcntl.LOCK_EX, None if wait else 0) as mine:
            if not mine:
                return False
            self._build_and_swap(progress, each)
            return True

    def _build_and_swap(self, progress: Callable[[int, int], None] | None,
                        each: Callable[[str, str | None], None] | None) -> None:
        mark = self.store.log_size()
        held = self.store.pending_names()  # changes under way: their log lines may lie before `mark`
        fresh = self.directory.with_name(f"{self.directory.name}.new-{os.getpid()}-{os.urandom(3).hex()}")
        fresh.mkdir(parents=True)
        try:
            built = index.create_in(str(fresh), make_schema())
            pages = self.store.list_pages()
            # A large wiki is indexed by one process per core, each writing a segment of its own
            # (left unmerged: merging them costs as much again, and a search reads two as fast).
            processes = min(os.cpu_count() or 1, MAX_BUILD_PROCESSES) if len(pages) >= PARALLEL_BUILD_PAGES else 1
            writer = built.writer(limitmb=256, procs=processes, multisegment=processes > 1, codec=LeanCodec())
            for count, name in enumerate(pages, 1):
                document = self._document_or_skip(name)
                if document:
                    writer.add_document(**document)
                if each:
                    each(name, document["content"] if document else None)
                if progress:
                    progress(count, len(pages))
            writer.commit()
            self._swap_in(fresh, built, mark, held)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.rmtree(self.building, ignore_errors=True)  # a sliced build this one overtook

    def _swap_in(self, fresh: Path, built: Any, mark: int, held: set[str]) -> None:
        """Make a freshly built index (of the pages as they were at log offset `mark`) the index."""
        write_atomically(fresh / SCHEMA_FILE, f"{SCHEMA_VERSION}\n".encode("ascii"))
        old = self.directory.with_name(f"{self.directory.name}.old-{os.getpid()}-{os.urandom(3).hex()}")
        try:
            with flocked(self._lock("lock"), fcntl.LOCK_EX, None):
                # What was saved while we built goes in now, under the lock every catch-up takes:
                # no catch-up can record its progress into the old index after this.
                self._apply(fresh, built, mark, held)
                with flocked(self._lock("swap-lock"), fcntl.LOCK_EX, None):
                    if self.directory.exists():
                        os.rename(self.directory, old)
                    os.rename(fresh, self.directory)
        finally:
            shutil.rmtree(old, ignore_errors=True)

    def build_some(self, budget: float | None = None) -> bool:
        """Take the next pages into a missing (or outdated) index for about `budget` seconds, and
        swap it in once it has them all; True when the index is usable.

        No request waits for a whole build: each does a slice, so a long-running server or a
        run of CGI requests builds it over time, and a small wiki's first request does it all.
        Meanwhile searches read the part built so far (see `progress`). A slice runs while no
        other build does (else it returns at once); a killed slice is redone by the next one.
        """
        with flocked(self._lock("rebuild-lock"), fcntl.LOCK_EX, 0) as mine:
            if not mine:
                return False
            if self._usable():
                shutil.rmtree(self.building, ignore_errors=True)  # overtaken by `wiki reindex`
                return True
            started = time.monotonic()
            budget = BUILD_SLICE_SECONDS if budget is None else budget
            pages, done = self._build_plan()
            built = index.open_dir(str(self.building))
            writer = built.writer(limitmb=64, codec=LeanCodec())
            try:
                # Adding takes about half the budget: the commit that follows takes about as long.
                while done < len(pages) and time.monotonic() - started < budget / 2:
                    document = self._document_or_skip(pages[done])
                    if document:  # (update: a slice killed after its commit may come again)
                        writer.update_document(**document)
                    done += 1
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            write_atomically(self.building / BUILD_DONE_FILE, f"{done}\n".encode("ascii"), durable=False)
            if done < len(pages):
                return False
            self._swap_in(self.building, built, read_mark(self.building), read_held(self.building))
            return True

    def _build_plan(self) -> tuple[Sequence[str], int]:
        """The sliced build's pages and how many are done, starting one if there is none."""
        try:
            pages: Sequence[str] = (self.building / BUILD_PAGES_FILE).read_text("utf-8").split("\n")[:-1]
            done = int((self.building / BUILD_DONE_FILE).read_text("ascii"))
            if _has_toc(self.building) and read_mark(self.building) >= 0:
                return pages, done
        except (FileNotFoundError, ValueError, UnicodeDecodeError):
            pass
        shutil.rmtree(self.building, ignore_errors=True)
        self.building.mkdir(parents=True)
        write_place(self.building, self.store.log_size(), self.store.pending_names())  # taken in at the swap
        index.create_in(str(self.building), make_schema())
        pages = self.store.list_pages()
        write_atomically(self.building / BUILD_PAGES_FILE, "".join(f"{name}\n" for name in pages).encode("utf-8"),
                         durable=False)
        write_atomically(self.building / BUILD_DONE_FILE, b"0\n", durable=False)
        return pages, 0

    def progress(self) -> tuple[int, int] | None:
        """(pages indexed, pages in all) while a sliced build is under way, else None."""
        if self._usable():
            return None
        try:
            done = int((self.building / BUILD_DONE_FILE).read_text("ascii"))
            with open(self.building / BUILD_PAGES_FILE, "rb") as handle:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b""))
        except (FileNotFoundError, ValueError):
            return (0, len(self.store.list_pages()))
        return done, total

    def _apply(self, directory: Path, ix: Any, mark: int, held: set[str]) -> None:
        """Take the log since `mark` into the index in `directory`; the caller holds index.lock."""
        writer = ix.writer(timeout=WRITER_TIMEOUT, codec=LeanCodec())
        try:
            done, still_held = apply_log(self.store, writer, mark, held, self._document_or_skip)
            if len(writer.segments) > MAX_SEGMENTS:
                writer.commit()
            else:
                writer.commit(merge=False)
        except BaseException:
            writer.cancel()
            raise
        record_segments(directory)
        write_place(directory, done, still_held)

    # Catching up ----------------------------------------------------------

    def _current_schema(self) -> bool:
        try:
            return (self.directory / SCHEMA_FILE).read_text("ascii").strip() == SCHEMA_VERSION
        except (FileNotFoundError, UnicodeDecodeError):
            return False

    def _usable(self) -> bool:
        """Whether the index is whole and of this layout (looked at while no swap is under way,
        so a rebuild in progress elsewhere is never taken for a missing index)."""
        with flocked(self._lock("swap-lock"), fcntl.LOCK_SH, None):
            return _has_toc(self.directory) and read_mark(self.directory) >= 0 and self._current_schema()

    def _ensure(self) -> bool:
        """Whether the index is usable; if it is missing, unfinished or of an older layout, a
        slice of building it first (never the whole build: see `build_some`)."""
        return self._usable() or self.build_some()

    def _open_index(self, searcher: bool = False, directory: Path | None = None) -> Any:
        """Open the index (or a searcher on it). Another process may commit meanwhile, replacing
        the table of contents or merging away the segments Whoosh just listed: then look again,
        as a reader never waits for a writer."""
        for attempt in range(20):
            try:
                # No mmap: a searcher stays open between requests, and a mapped file damaged
                # underneath it kills the process with SIGBUS instead of raising an error we repair.
                opened = FileStorage(str(directory or self.directory), supports_mmap=False).open_index()
                return opened.searcher(weighting=self._weighting) if searcher else opened
            except FileNotFoundError:
                if attempt == 19:
                    raise
                time.sleep(0.001 * (attempt + 1))
        raise AssertionError("unreachable")

    def catch_up(self, wait: float = WRITER_TIMEOUT) -> bool:
        """Index the pages changed since the recorded offset; False if another writer held the
        index for over `wait` seconds (it takes in what it finds in the log; the next catch-up,
        the rest)."""
        if not self._ensure():
            return True  # being built: the build takes in what the log says when it finishes
        if 0 <= read_mark(self.directory) == self.store.log_size() and not read_held(self.directory):
            return True
        log_replaced = False
        with flocked(self._lock("lock"), fcntl.LOCK_EX, wait) as mine:
            if not mine:
                return False
            mark = read_mark(self.directory)
            if mark > self.store.log_size():  # the log was replaced (restored?): start over
                log_replaced = True
            else:
                try:
                    self._apply(self.directory, self._open_index(), mark, read_held(self.directory))
                except LockError:
                    return False
        if log_replaced:
            self._set_aside(self.directory)
            self.build_some()
        return True

    # Searching ------------------------------------------------------------

    def exact_page(self, text: str, visible: Visibility = EVERYTHING) -> str | None:
        """The existing page whose name is `text` (exactly, else ignoring case) that the
        reader may read, if any."""
        try:
            name = names.normalize(text)
        except ValueError:
            return None
        if visible(name) and self.store.exists(name):
            return name

        def lookup(searcher: Any) -> str | None:
            found = searcher.document(key=name.casefold())
            return str(found["name"]) if found and visible(found["name"]) and self.store.exists(found["name"]) \
                else None

        found: str | None = self._repaired(lookup)
        return found

    def _searcher(self, directory: Path) -> Any:
        """This thread's searcher on `directory` (the index, or the part of it built so far),
        kept open between requests (opening the index costs more than a query) and refreshed
        when the index changed or was rebuilt (a new folder). Called after catch_up."""
        with flocked(self._lock("swap-lock"), fcntl.LOCK_SH, None):  # never open a half-swapped folder
            identity = (str(directory), os.stat(directory).st_ino)
            verify_segments(directory)  # a few stat() calls: cheap enough for every search
            cached = getattr(self._local, "searcher", None)
            if cached is not None and self._local.identity == identity and cached.up_to_date():
                return cached
            if cached is not None:
                # Not Searcher.refresh(): it leaves the files of replaced segments open.
                if not cached.is_closed:
                    cached.close()
                if cached in self._searchers:
                    self._searchers.remove(cached)
            fresh = self._open_index(searcher=True, directory=directory)
        self._lengths.keep_only_segments_of(fresh)
        self._searchers.append(fresh)
        self._local.searcher, self._local.identity = fresh, identity
        return fresh

    def close(self) -> None:
        """Close every open searcher (a long-running process may simply keep them)."""
        _close_all(self._searchers)
        self._local = threading.local()

    def _repaired(self, work: Callable[[Any], Any]) -> Any:
        """Run `work` with a searcher on the caught-up index, or on the part built so far while
        it is built (None if nothing is built yet). A broken index is set aside and built again
        (in slices, like a missing one). With a disk that refuses writes, it is searched as it is."""
        try:
            self.catch_up(wait=0)  # a search never waits for a writer: if one is busy, the index as it is
        except OSError as error:
            if storage_error(error, "search") is None:
                raise
            tell_operator(f"flatwiki: search index not caught up ({error}); searching it as it is")
        for _attempt in range(2):  # once more after setting a damaged index aside
            directory = self._searched_directory()
            if directory is None:
                return None
            try:
                return work(self._searcher(directory))
            except OSError as error:
                if storage_error(error, "search") is not None:
                    raise  # nothing to rebuild with: the app answers 503 (a disk that refuses writes)
                tell_operator("flatwiki: search index unusable, rebuilding:\n" + traceback.format_exc())
            except Exception:
                # Deliberately broad: a damaged index raises whatever its reader trips on
                # (struct, zlib, EOF, KeyError, OSError...). Log it, rebuild from the store, go on.
                tell_operator("flatwiki: search index unusable, rebuilding:\n" + traceback.format_exc())
            self.close()
            self._set_aside(directory)
            self.build_some()
        return None

    def _searched_directory(self) -> Path | None:
        if self._usable():
            return self.directory
        return self.building if _has_toc(self.building) else None

    def _set_aside(self, directory: Path) -> None:
        """Remove a damaged index (under the build lock, so no slice is writing it meanwhile)."""
        with flocked(self._lock("rebuild-lock"), fcntl.LOCK_EX, None):
            with flocked(self._lock("swap-lock"), fcntl.LOCK_EX, None):
                aside = directory.with_name(f"{directory.name}.damaged-{os.getpid()}-{os.urandom(3).hex()}")
                try:
                    os.rename(directory, aside)
                except FileNotFoundError:
                    return
            shutil.rmtree(aside, ignore_errors=True)

    def parse(self, text: str) -> tuple[Any, str | None]:
        """The query for the search box's text (None if it has no words), and any message."""
        if self._parser is None:
            self._parser = QueryParser(query_schema())
        return self._parser.parse(text)

    def search(self, text: str, page: int = 1, visible: Visibility = EVERYTHING,
               deadline: float | None = None) -> SearchResults:
        """Ranked results among the pages `visible` allows: hidden pages are masked out before
        ranking, so totals, pages of results, snippets and suggestions never count them.
        `deadline` (time.monotonic()): a macro's search ends its expansions and suggestions by then."""
        wanted = max(page, 1)
        results = SearchResults(query=cleaned(text)[:MAX_QUERY_CHARS], page=wanted)
        parsed, message = self.parse(text)
        results.message = message
        if parsed is None:
            return results

        def run(searcher: Any) -> None:  # may run twice: once more on a rebuilt index
            results.hits.clear()
            hidden = _hidden_documents(searcher, visible)
            bounds = Bounds(deadline)
            bounded = bound_expansions(parsed, searcher.reader(), hidden, bounds)
            results.message = " ".join(filter(None, [message, *bounds.notices])) or None
            results.total, shown = _rank(searcher, bounded, wanted, hidden)
            results.pages = math.ceil(results.total / PAGE_SIZE)
            results.page = max(1, min(wanted, results.pages))
            marker = SnippetMaker(*searched_words(bounded))
            for docnum in shown:
                stored = searcher.stored_fields(docnum)
                if self.store.exists(stored["name"]):  # else deleted since the index last caught up
                    results.hits.append(Hit(stored["name"], marker.snippet(stored["content"]), stored.get("modified"),
                                            stored["revision"]))
            if not results.total:
                results.suggestion = self._suggest(searcher, results.query, hidden, deadline)  # the words searched

        self._repaired(run)
        results.building = self.progress()
        return results

    def _suggest(self, searcher: Any, text: str, hidden: frozenset[int], deadline: float | None = None) -> str | None:
        """A spelling that finds something: offered only if searching it finds a page this
        reader may read (the index's word list still holds words of hidden and deleted pages)."""
        reader = searcher.reader()
        counter = VisibleCounter(reader, hidden)
        words = plain_words(text.lower())[:MAX_SUGGESTED_WORDS]
        deadline = min(deadline or math.inf, time.monotonic() + SUGGESTION_SECONDS)
        suggested = [_closest(word, _spellings(reader, counter, word, deadline)) for word in words]
        if suggested == words:
            return None
        parsed, _ = self.parse(" ".join(suggested))
        if parsed is None or not _rank(searcher, bound_expansions(parsed, reader, hidden), 1, hidden)[0]:
            return None
        return " ".join(suggested)


def _spellings(reader: Any, counter: VisibleCounter, word: str, deadline: float) -> list[str]:
    """The SUGGESTION_CANDIDATES words of the index within 2 edits of `word` (sharing its first
    letter) that are most often on pages this reader may see, most frequent first, as Whoosh's
    corrector orders them; a word only hidden pages hold is none of them. At most
    MAX_SPELLINGS_EXAMINED words of the index are looked at, read from its term tables, and none
    after `deadline` (Whoosh's corrector over several segments measured every word with the
    letter: 6 s for one 400-letter word among 120,000 terms; its automaton was slower still)."""
    if len(word) > MAX_SUGGESTED_LENGTH:
        return []
    field = reader.schema["words"]
    try:
        listed = ranking.prefix_frequencies(reader, "words", field.to_bytes(word[:1]), limit=MAX_SPELLINGS_EXAMINED)
    except ValueError:
        return []
    if listed is None:
        listed = dict.fromkeys(itertools.islice(reader.expand_prefix("words", word[:1]), MAX_SPELLINGS_EXAMINED), 1)
    found = []
    for checked, text in enumerate(itertools.islice(listed, MAX_SPELLINGS_EXAMINED)):
        if checked % 256 == 0 and time.monotonic() > deadline:
            break
        candidate = text.decode("utf-8", "replace")
        if candidate == word or abs(len(candidate) - len(word)) > 2 or not _within_two_edits(word, candidate):
            continue
        if counter.hidden:
            pages, weight = counter.pages_and_weight("words", text)
        else:
            pages, weight = 1, reader.frequency("words", text)
        if pages > 0:
            found.append((weight or 1, candidate))
    found.sort(key=lambda pair: (-pair[0], pair[1]))
    return [candidate for _, candidate in found[:SUGGESTION_CANDIDATES]]


def _within_two_edits(a: str, b: str) -> bool:
    """Whether Levenshtein distance is at most 2: only the cells of the table within 2 of its
    diagonal can be, and a row whose least is above 2 ends the search."""
    far = 3
    previous = [j if j <= 2 else far for j in range(len(b) + 1)]
    for i, char_a in enumerate(a, 1):
        current = [i if i <= 2 else far] + [far] * len(b)
        for j in range(max(1, i - 2), min(len(b), i + 2) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != b[j - 1]), far)
        if min(current) >= far:
            return False
        previous = current
    return previous[-1] <= 2


def _closest(word: str, candidates: list[str]) -> str:
    """The candidate fewest edits away (Whoosh orders them by how common they are, so a frequent
    word two edits away came before the word one edit away); the more common one on a tie."""
    if not candidates:
        return word
    return min(candidates, key=lambda candidate: (_edits(word, candidate), candidates.index(candidate)))


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (the words are short: at most 2 edits apart, as suggested)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _hidden_documents(searcher: Any, visible: Visibility) -> frozenset[int]:
    """The document numbers of the pages `visible` hides (none when it hides nothing)."""
    if visible.everything:
        return frozenset()
    numbers = {name: searcher.document_number(name=name) for name in visible.exceptions}
    if visible.default:  # a few pages hidden
        return frozenset(number for number in numbers.values() if number is not None)
    shown = {number for number in numbers.values() if number is not None}  # only a few pages shown
    return frozenset(number for number in range(searcher.doc_count_all()) if number not in shown)


def _rank(searcher: Any, parsed: Any, page: int, hidden: frozenset[int] = frozenset()) -> tuple[int, list[int]]:
    """How many pages match, and the document numbers on results page `page` (or the last one),
    leaving out the `hidden` documents."""
    groups = ranking.query_groups(parsed)
    if groups is not None:  # words or prefixes joined by OR, and such unions by AND: the cheaper way, same order
        total, best = ranking.rank_groups(searcher, groups, page * PAGE_SIZE, hidden)
        last = max(1, math.ceil(total / PAGE_SIZE))
        return total, [docnum for docnum, _ in best[(min(page, last) - 1) * PAGE_SIZE:]]
    # optimize=False: the page shows an exact total, which block-skipping would
    # compute in a second pass over every match; one scoring pass is cheaper.
    # terms=False: recording every match's terms costs more than finding the
    # shown pages' words afresh (see snippets.py).
    found = searcher.search_page(parsed, page, pagelen=PAGE_SIZE, terms=False, optimize=False,
                                 mask=set(hidden) if hidden else None)
    return found.total, [hit.docnum for hit in found]


def _has_toc(directory: Path) -> bool:
    """Whether the folder holds a Whoosh index (a table of contents), without opening it."""
    try:
        return any(name.endswith(".toc") for name in os.listdir(directory))
    except FileNotFoundError:
        return False


def _close_all(searchers: list[Any]) -> None:
    """Close the searchers and empty the list (also run when a SearchIndex is collected)."""
    for searcher in list(searchers):
        if not searcher.is_closed:
            searcher.close()
    searchers.clear()
