"""The Whoosh full-text index: schema, catch-up from the edit-log, queries, results.

The index is derived from the store. It records the byte offset of the global
edit-log it has absorbed; whoever searches or saves first indexes the pages
named in the log since then. When another process holds Whoosh's writer lock
we search the slightly older index instead of waiting: no hang, no thread left
behind, so a CGI process exits at once. A missing or broken index is rebuilt.
"""
from __future__ import annotations

import fcntl
import math
import os
import shutil
import sys
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import analysis, fields, index
from whoosh.filedb.filestore import FileStorage
from whoosh.lang import stemmer_for_language
from whoosh.writing import LockError

from wiki import names, ranking
from wiki.errors import PageNotFound
from wiki.searchquery import MAX_QUERY_CHARS, QueryParser, bound_expansions, cleaned, plain_words, searched_words
from wiki.snippets import SnippetMaker
from wiki.storage import PageStore, write_atomically

MARK_FILE = "flatwiki-edit-log-offset"
SEGMENTS_FILE = "flatwiki-segments"
SCHEMA_FILE = "flatwiki-schema"
SCHEMA_VERSION = "2"  # raise it whenever make_schema() changes: older indexes are rebuilt
WRITER_TIMEOUT = 0.2
PAGE_SIZE = 20
MAX_SEGMENTS = 8


def _title_analyzer() -> analysis.Analyzer:
    # "FrontPage" and "Help/Syntax" are found by "front", "page", "syntax" and whole.
    return analysis.RegexTokenizer() | analysis.IntraWordFilter(mergewords=True) | analysis.LowercaseFilter()


def make_schema() -> fields.Schema:
    return fields.Schema(
        name=fields.ID(unique=True, stored=True),
        key=fields.ID(),
        title=fields.TEXT(analyzer=_title_analyzer(), field_boost=5.0),
        # Stemmed words for matching and ranking, without positions: scoring a common word
        # then decodes a quarter of the data per page it is on.
        content=fields.TEXT(analyzer=analysis.StemmingAnalyzer(stemfn=stemmer_for_language("en")), stored=True,
                            phrase=False),
        # The words as written, with positions: "exact phrases" and "did you mean".
        words=fields.TEXT(analyzer=analysis.StandardAnalyzer(stoplist=None), phrase=True),
        modified=fields.DATETIME(stored=True),
        author=fields.ID(stored=True),
        revision=fields.NUMERIC(stored=True),
    )


class IndexDamaged(Exception):
    """An index file differs from what was written: rebuild."""


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


class SearchIndex:
    def __init__(self, directory: Path, store: PageStore) -> None:
        self.directory = Path(directory)
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
            "modified": latest.time.replace(tzinfo=None) if latest else datetime.now(timezone.utc).replace(tzinfo=None),
            "author": (latest.user_id or latest.address) if latest else "",
            "revision": page.revision,
        }

    @contextmanager
    def _rebuild_lock(self) -> Iterator[bool]:
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory.parent / "index.rebuild-lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def rebuild(self, progress: Callable[[int, int], None] | None = None, wait: bool = True) -> bool:
        """Build a fresh index beside the old one from the store, then swap it in.

        Safe while the wiki serves: searches use the old index until the swap,
        and changes saved meanwhile are caught up from the recorded offset.
        Returns False (doing nothing) when another process is rebuilding and `wait` is False.
        """
        with self._rebuild_lock() as mine:
            if not mine:
                if not wait:
                    return False
                fd = os.open(self.directory.parent / "index.rebuild-lock", os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                finally:
                    os.close(fd)
                return True
            mark = self.store.log_size()
            fresh = self.directory.with_name(f"{self.directory.name}.new-{os.getpid()}")
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir(parents=True)
            built = index.create_in(str(fresh), make_schema())
            writer = built.writer(limitmb=128)
            pages = self.store.list_pages()
            for count, name in enumerate(pages, 1):
                document = self._document(name)
                if document:
                    writer.add_document(**document)
                if progress:
                    progress(count, len(pages))
            writer.commit()
            _record_segments(fresh)
            write_atomically(fresh / SCHEMA_FILE, f"{SCHEMA_VERSION}\n".encode("ascii"))
            write_atomically(fresh / MARK_FILE, f"{mark}\n".encode("ascii"))
            old = self.directory.with_name(f"{self.directory.name}.old-{os.getpid()}")
            if self.directory.exists():
                os.rename(self.directory, old)
            os.rename(fresh, self.directory)
            shutil.rmtree(old, ignore_errors=True)
            return True

    # Catching up ----------------------------------------------------------

    def _mark(self) -> int:
        try:
            return int((self.directory / MARK_FILE).read_text("ascii").strip())
        except (FileNotFoundError, ValueError):
            return -1

    def _current_schema(self) -> bool:
        try:
            return (self.directory / SCHEMA_FILE).read_text("ascii").strip() == SCHEMA_VERSION
        except (FileNotFoundError, UnicodeDecodeError):
            return False

    def _open(self) -> Any:
        if not index.exists_in(str(self.directory)) or self._mark() < 0 or not self._current_schema():
            self.rebuild()
        # No mmap: a searcher stays open between requests, and a mapped file damaged
        # underneath it kills the process with SIGBUS instead of raising an error we repair.
        return FileStorage(str(self.directory), supports_mmap=False).open_index()

    def catch_up(self) -> bool:
        """Index the pages changed since the recorded offset; False if another writer was busy."""
        mark = self._mark()
        size = self.store.log_size()
        if 0 <= mark == size:
            return True
        ix = self._open()
        try:
            writer = ix.writer(timeout=WRITER_TIMEOUT)
        except LockError:
            return False
        try:
            mark = self._mark()
            if mark > self.store.log_size():  # the log was replaced (restored?): start over
                writer.cancel()
                self.rebuild()
                return True
            done, changed = mark, set()
            for entry, end in self.store.read_log_since(mark):
                if self.store.current_revision(entry.name) < entry.revision:
                    break  # that save is still between its log line and `current`
                changed.add(entry.name)
                done = end
            for name in changed:
                document = self._document(name)
                if document:
                    writer.update_document(**document)
                else:
                    writer.delete_by_term("name", name)
            if len(writer.segments) > MAX_SEGMENTS:
                writer.commit()
            else:
                writer.commit(merge=False)
        except BaseException:
            writer.cancel()
            raise
        _record_segments(self.directory)
        write_atomically(self.directory / MARK_FILE, f"{done}\n".encode("ascii"))
        return True

    # Searching ------------------------------------------------------------

    def exact_page(self, text: str) -> str | None:
        """The existing page whose name is `text` (exactly, else ignoring case), if any."""
        try:
            name = names.normalize(text)
        except ValueError:
            return None
        if self.store.exists(name):
            return name

        def lookup(searcher: Any) -> str | None:
            found = searcher.document(key=name.casefold())
            return str(found["name"]) if found and self.store.exists(found["name"]) else None

        found: str | None = self._repaired(lookup)
        return found

    def _searcher(self) -> Any:
        """This thread's searcher, kept open between requests (opening the index costs more
        than a query) and refreshed when the index changed or was rebuilt (a new folder)."""
        identity = os.stat(self.directory).st_ino
        _verify_segments(self.directory)  # a few stat() calls: cheap enough for every search
        cached = getattr(self._local, "searcher", None)
        if cached is not None and self._local.identity == identity and cached.up_to_date():
            return cached
        if cached is not None:
            # Not Searcher.refresh(): it leaves the files of replaced segments open.
            if not cached.is_closed:
                cached.close()
            if cached in self._searchers:
                self._searchers.remove(cached)
        fresh = self._open().searcher(weighting=self._weighting)
        self._lengths.keep_only_segments_of(fresh)
        self._searchers.append(fresh)
        self._local.searcher, self._local.identity = fresh, identity
        return fresh

    def close(self) -> None:
        """Close every open searcher (a long-running process may simply keep them)."""
        _close_all(self._searchers)
        self._local = threading.local()

    def _repaired(self, work: Callable[[Any], Any]) -> Any:
        """Run `work` with a searcher on the caught-up index; a missing or broken index is rebuilt once."""
        try:
            self.catch_up()
            return work(self._searcher())
        except Exception:
            # Deliberately broad: a damaged index raises whatever its reader trips on
            # (struct, zlib, EOF, KeyError, OSError...). Log it, rebuild from the store, go on.
            print("flatwiki: search index unusable, rebuilding:\n" + traceback.format_exc(), file=sys.stderr)
        self.close()
        self.rebuild()
        return work(self._searcher())

    def parse(self, text: str) -> tuple[Any, str | None]:
        """The query for the search box's text (None if it has no words), and any message."""
        if self._parser is None:
            self._parser = QueryParser(make_schema())
        return self._parser.parse(text)

    def search(self, text: str, page: int = 1) -> SearchResults:
        wanted = max(page, 1)
        results = SearchResults(query=cleaned(text)[:MAX_QUERY_CHARS], page=wanted)
        parsed, results.message = self.parse(text)
        if parsed is None:
            return results

        def run(searcher: Any) -> None:  # may run twice: once more on a rebuilt index
            results.hits.clear()
            bounded = bound_expansions(parsed, searcher.reader())
            results.total, shown = _rank(searcher, bounded, wanted)
            results.pages = math.ceil(results.total / PAGE_SIZE)
            results.page = max(1, min(wanted, results.pages))
            marker = SnippetMaker(*searched_words(bounded))
            for docnum in shown:
                stored = searcher.stored_fields(docnum)
                if self.store.exists(stored["name"]):  # else deleted since the index last caught up
                    results.hits.append(Hit(stored["name"], marker.snippet(stored["content"]), stored.get("modified"),
                                            stored["revision"]))
            if not results.total:
                results.suggestion = self._suggest(searcher, text)

        self._repaired(run)
        return results

    @staticmethod
    def _suggest(searcher: Any, text: str) -> str | None:
        corrector = searcher.corrector("words")
        words = plain_words(text.lower())
        suggested = [(corrector.suggest(word, limit=1, maxdist=2, prefix=1) or [word])[0] for word in words]
        return " ".join(suggested) if suggested != words else None


def _recorded_segments(directory: Path) -> dict[str, tuple[int, int]]:
    try:
        lines = (directory / SEGMENTS_FILE).read_text("ascii").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    recorded = {}
    for line in lines:
        name, size, mtime = line.split()
        recorded[name] = (int(size), int(mtime))
    return recorded


def _record_segments(directory: Path) -> None:
    """Whoosh never changes a segment file once written: remember each one's size and time
    (keeping what was recorded before), so that damage can be told from a commit."""
    recorded = _recorded_segments(directory)
    current = {}
    for entry in os.scandir(directory):
        if entry.name.endswith(".seg"):
            stat = entry.stat()
            current[entry.name] = recorded.get(entry.name, (stat.st_size, stat.st_mtime_ns))
    lines = "".join(f"{name} {size} {mtime}\n" for name, (size, mtime) in sorted(current.items()))
    write_atomically(directory / SEGMENTS_FILE, lines.encode("ascii"))


def _verify_segments(directory: Path) -> None:
    """Raise IndexDamaged if a recorded segment file was overwritten or truncated: garbage
    does not always make Whoosh fail, and silently finding nothing is worse than a rebuild."""
    for name, expected in _recorded_segments(directory).items():
        try:
            stat = os.stat(directory / name)
        except FileNotFoundError:
            continue  # merged away since it was recorded
        if (stat.st_size, stat.st_mtime_ns) != expected:
            raise IndexDamaged(f"{name} changed after it was written")


def _rank(searcher: Any, parsed: Any, page: int) -> tuple[int, list[int]]:
    """How many pages match, and the document numbers on results page `page` (or the last one)."""
    terms = ranking.union_terms(parsed)
    if terms is not None:  # words or prefixes joined by OR: the cheaper way, same order
        total, best = ranking.rank_union(searcher, terms, page * PAGE_SIZE)
        last = max(1, math.ceil(total / PAGE_SIZE))
        return total, [docnum for docnum, _ in best[(min(page, last) - 1) * PAGE_SIZE:]]
    # optimize=False: the page shows an exact total, which block-skipping would
    # compute in a second pass over every match; one scoring pass is cheaper.
    # terms=False: recording every match's terms costs more than finding the
    # shown pages' words afresh (see snippets.py).
    found = searcher.search_page(parsed, page, pagelen=PAGE_SIZE, terms=False, optimize=False)
    return found.total, [hit.docnum for hit in found]


def _close_all(searchers: list[Any]) -> None:
    """Close the searchers and empty the list (also run when a SearchIndex is collected)."""
    for searcher in list(searchers):
        if not searcher.is_closed:
            searcher.close()
    searchers.clear()
