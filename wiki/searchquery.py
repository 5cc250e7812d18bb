"""What the search box's text means: Whoosh's query language over the index's fields.

Malformed input is searched as plain words rather than refused; a prefix stands for
its most frequent words, so its cost has a bound; a quoted phrase is looked up as
written. Also: which words of the text a matching page contains, for its snippet.
"""
from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from whoosh import qparser, query

from wiki import ranking

MAX_QUERY_CHARS = 500
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
MAX_EXPANSIONS = 8
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
PLAIN_WORD = re.compile(r"\w+")


class ExactPhrasePlugin(qparser.Plugin):  # type: ignore[misc]
    """Looks a quoted phrase up in the `words` field (as written, with positions) instead of
    the stemmed `content`, once the parser has spread the phrase over the default fields."""

    def filters(self, parser: Any) -> list[tuple[Callable[[Any, Any], Any], int]]:
        return [(self._to_words, 111)]  # just after MultifieldPlugin's 110

    def _to_words(self, parser: Any, group: Any) -> Any:
        for node in group:
            if isinstance(node, qparser.PhrasePlugin.PhraseNode):
                if node.fieldname == "content":
                    node.set_fieldname("words", override=True)
            elif isinstance(node, qparser.syntax.GroupNode):
                self._to_words(parser, node)
        return group


class QueryParser:
    """Parses into `title` and `content` (phrases into `words`), without boosts."""

    def __init__(self, schema: Any) -> None:
        self._parser = qparser.MultifieldParser(["title", "content"], schema)
        self._parser.add_plugin(qparser.PlusMinusPlugin())
        self._parser.add_plugin(ExactPhrasePlugin())
        self._parser.remove_plugin_class(qparser.BoostPlugin)

    def parse(self, text: str) -> tuple[Any, str | None]:
        """Turn the search box's text into a query; malformed input becomes plain words."""
        message = None
        text = cleaned(text)
        if len(text) > MAX_QUERY_CHARS:
            text = text[:MAX_QUERY_CHARS]
            message = f"Your search was cut to its first {MAX_QUERY_CHARS} characters."
        try:
            parsed = self._parser.parse(text)
        except Exception:  # Whoosh's parser raises assorted errors on odd input
            parsed = None
        if parsed is None or parsed == query.NullQuery:
            words = [word for word in plain_words(text) if word.upper() not in OPERATORS]
            if not words:
                return None, message or "Type one or more words to search for."
            try:
                parsed = query.Or([query.Term("title", word.lower()) for word in words] +
                                  [query.Term("content", word) for word in self._stems(words)])
            except Exception:
                return None, message or "That search could not be understood; try plain words."
            message = message or "Your search was read as plain words."
        return as_pairs(parsed), message

    def _stems(self, words: list[str]) -> list[str]:
        analyzer = self._parser.schema["content"].analyzer
        return [token.text for word in words for token in analyzer(word)]


# The commonest English words: a phrase made only of these is on too many pages to check
# word positions on each, so their neighbouring pairs are indexed as terms of their own.
COMMON_WORDS = frozenset("""
a about after all also an and any are as at be been but by can could did do does for from had has
have he her him his how i if in into is it its just like may me more most my no not now of on one
only or other our out over said she so some than that the their them then there these they this
to up us was we were what when where which while who will with would you your
""".split())
TOKEN = re.compile(r"\w+(?:\.?\w+)*")  # StandardAnalyzer's words


def common_pairs(text: str) -> str:
    """The `pairs` field of a text: each two neighbouring common words, joined by '_'."""
    words = TOKEN.findall(text.lower())
    return " ".join(f"{first}_{second}" for first, second in itertools.pairwise(words)
                    if first in COMMON_WORDS and second in COMMON_WORDS)


def as_pairs(parsed: Any) -> Any:
    """A quoted phrase of common words only, as its pairs, all required: exact for two words (a
    longer one is found where each of its pairs is: all but always where it is written).
    Any other phrase keeps its positions: its rarer word keeps the pages to check few."""
    if isinstance(parsed, query.Phrase) and parsed.fieldname == "words":
        words = list(parsed.words)
        if len(words) == 1:
            return query.Term("words", words[0])
        if all(word in COMMON_WORDS for word in words):
            pairs = [query.Term("pairs", f"{first}_{second}") for first, second in itertools.pairwise(words)]
            return pairs[0] if len(pairs) == 1 else query.And(pairs)
        return parsed
    if isinstance(parsed, query.compound.CompoundQuery) or hasattr(parsed, "child"):
        return parsed.apply(as_pairs)
    return parsed


def cleaned(text: str) -> str:
    """The search box's text without control characters (a NUL must not reach the page)."""
    return CONTROL.sub(" ", text).strip()


def plain_words(text: str) -> list[str]:
    return PLAIN_WORD.findall(text)


# A query's work has a bound whatever the index holds (two pages of random words make a
# lexicon of 120,000 terms; `*a*` walked it all, and 26 such patterns took 142 s):
MAX_PATTERNS = 10  # prefixes and wildcards in one query; the others are not searched
MAX_TERMS_EXAMINED = 20_000  # index terms looked at for one pattern
MAX_COUNTED = 200  # terms whose pages are counted one by one for one pattern, when some pages are hidden
MAX_TERMS = 60  # terms of one query after expansion; a phrase counts its words
MAX_POSTINGS = 2_000_000  # pages its terms are on, added up (ranking reads about 2.5 million a second)
EXPANSION_SECONDS = 0.5  # for choosing every pattern's expansions


class Bounds:
    """What bounding one query found it had to leave out, for the notice beside the results."""

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = time.monotonic() + EXPANSION_SECONDS if deadline is None else min(
            deadline, time.monotonic() + EXPANSION_SECONDS)
        self.patterns = 0
        self.terms = 0
        self.postings = 0
        self.notices: list[str] = []

    def note(self, notice: str) -> None:
        if notice not in self.notices:
            self.notices.append(notice)

    @property
    def late(self) -> bool:
        return time.monotonic() > self.deadline


LEADING = "Words that start with * or ? are not searched: give at least one letter first (plan*, pl?n)."
PATTERNS = f"Only the first {MAX_PATTERNS} words with * or ? were searched."
TERMS = f"The search was cut to its first {MAX_TERMS} words (with what * and ? stand for)."
POSTINGS = "The search was cut: its words are on so many pages that only the first few were looked for."
WIDE = "A word with * or ? stands for too many words here: it was searched for the most frequent of those found."


def bound_expansions(parsed: Any, reader: Any, hidden: frozenset[int] = frozenset(),
                     bounds: Bounds | None = None) -> Any:
    """The query with each prefix or wildcard replaced by its most frequent words among the pages
    not `hidden` (so a hidden page's words neither show nor take a place), within `bounds`."""
    bounds = bounds or Bounds()
    counter = VisibleCounter(reader, hidden)
    return parsed.accept(lambda node: _bounded(node, reader, counter, bounds))


def _bounded(node: Any, reader: Any, counter: VisibleCounter, bounds: Bounds) -> Any:
    if isinstance(node, query.PatternQuery):
        return _most_frequent(node, reader, counter, bounds)
    if node is query.NullQuery:
        return node
    if isinstance(node, query.Every):  # `*` alone: every page, from the list of pages, not every
        return query.Every()  # term's postings (120,000 terms took 10 s)
    if node.is_leaf():
        terms = list(node.terms(phrases=True))
        if bounds.terms + len(terms) > MAX_TERMS:
            bounds.note(TERMS)
            return query.NullQuery
        postings = sum(_pages_with(reader, fieldname, text) for fieldname, text in terms)
        if bounds.postings + postings > MAX_POSTINGS:
            bounds.note(POSTINGS)
            return query.NullQuery
        bounds.terms += len(terms)
        bounds.postings += postings
    return node


def _pages_with(reader: Any, fieldname: str, text: Any) -> int:
    try:
        return int(reader.doc_frequency(fieldname, text))
    except (ValueError, TypeError, KeyError):  # not a value of the field: it reads nothing
        return 0


def _most_frequent(node: Any, reader: Any, counter: VisibleCounter, bounds: Bounds) -> Any:
    """`plan*` means plan, plans, planning — not every rare word starting so: expand a prefix
    or wildcard to its MAX_EXPANSIONS most frequent terms, so its cost has a bound."""
    if type(node) is not query.Prefix and node.text[:1] in ("*", "?"):
        bounds.note(LEADING)  # it would have to look at every word of the index
        return query.NullQuery
    bounds.patterns += 1
    if bounds.patterns > MAX_PATTERNS or bounds.late:
        bounds.note(PATTERNS)
        return query.NullQuery
    field = reader.schema[node.fieldname]
    counted = _candidates(node, reader, field, bounds)
    texts = sorted(counted)  # Whoosh's order: equal counts keep it
    texts.sort(key=counted.__getitem__, reverse=True)
    if counter.hidden:
        texts = counter.most_frequent(node.fieldname, texts, counted, MAX_EXPANSIONS, bounds)
    texts = texts[:MAX_EXPANSIONS]
    if bounds.terms + len(texts) > MAX_TERMS:
        bounds.note(TERMS)
        texts = texts[:max(0, MAX_TERMS - bounds.terms)]
    while texts and bounds.postings + sum(counted[text] for text in texts) > MAX_POSTINGS:
        bounds.note(POSTINGS)
        texts.pop()  # the least frequent first
    bounds.terms += len(texts)
    bounds.postings += sum(counted[text] for text in texts)
    terms = [field.from_bytes(text) for text in texts]
    if not terms:
        return query.NullQuery
    expansion = query.Or([query.Term(node.fieldname, term) for term in terms], boost=node.boost)
    expansion.matcher_type = query.Or.ARRAY_MATCHER
    return expansion


def _candidates(node: Any, reader: Any, field: Any, bounds: Bounds) -> dict[bytes, int]:
    """The terms the pattern stands for, each with its number of pages (deleted ones included,
    as Whoosh counts them): at most MAX_TERMS_EXAMINED terms of the index looked at."""
    literal = node.text if type(node) is query.Prefix else re.split(r"[*?]", node.text, maxsplit=1)[0]
    try:
        start = field.to_bytes(literal)
    except ValueError:  # not a value of the field: Whoosh's way finds nothing either
        return {}
    counted = ranking.prefix_frequencies(reader, node.fieldname, start, limit=MAX_TERMS_EXAMINED)
    if counted is None:  # an index of another layout: through Whoosh's reader, as many terms
        texts = itertools.islice(reader.expand_prefix(node.fieldname, literal), MAX_TERMS_EXAMINED + 1)
        counted = {text: reader.doc_frequency(node.fieldname, text) for text in texts}
    if len(counted) > MAX_TERMS_EXAMINED:
        bounds.note(WIDE)
    if type(node) is not query.Prefix:
        pattern = re.compile("".join(".*" if char == "*" else "." if char == "?" else re.escape(char)
                                     for char in node.text), re.S)
        counted = {text: count for text, count in counted.items()
                   if pattern.fullmatch(text.decode("utf-8", "replace"))}
    return counted


class VisibleCounter:
    """How many pages a reader may see hold a term: its postings less the hidden pages' (or,
    when only a few are shown, those few), each found by skipping through the postings."""

    def __init__(self, reader: Any, hidden: frozenset[int]) -> None:
        self.reader, self.hidden = reader, hidden
        self.few_shown = len(hidden) > reader.doc_count_all() // 2
        self._looked_for: list[int] | None = None

    @property
    def looked_for(self) -> list[int]:
        """The pages to skip to, sorted: made on first use (a query without a pattern needs none,
        and when few pages are shown it is a walk over every document number)."""
        if self._looked_for is None:
            self._looked_for = sorted(set(range(self.reader.doc_count_all())) - self.hidden) if self.few_shown \
                else sorted(self.hidden)
        return self._looked_for

    def pages_and_weight(self, fieldname: str, text: bytes) -> tuple[int, float]:
        """(pages, occurrences) of the term among the pages this reader may see."""
        matcher = self.reader.postings(fieldname, text)
        pages, weight = 0, 0.0
        for docnum in self.looked_for:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                pages, weight = pages + 1, weight + matcher.weight()
        if self.few_shown:
            return pages, weight
        return (self.reader.doc_frequency(fieldname, text) - pages,
                self.reader.frequency(fieldname, text) - weight)

    def most_frequent(self, fieldname: str, ordered: list[bytes], counted: dict[bytes, int], wanted: int,
                      bounds: Bounds) -> list[bytes]:
        """The `wanted` terms on most visible pages, in the order a wiki without the hidden pages
        would give: `ordered` is by pages in all, which a term's visible pages never exceed."""
        best: list[tuple[int, bytes]] = []  # (visible pages, term)
        for checked, text in enumerate(ordered):
            if len(best) >= wanted and counted[text] < best[wanted - 1][0]:
                break  # no later term can have more visible pages than the last one kept
            if checked >= MAX_COUNTED or bounds.late:
                bounds.note(WIDE)
                break
            visible = self.pages_and_weight(fieldname, text)[0]
            if visible > 0:
                best.append((visible, text))
                best.sort(key=lambda pair: (-pair[0], pair[1]))
                del best[wanted:]
        return [text for _, text in best]


def _positive_terms(node: Any) -> Iterator[tuple[str, Any]]:
    """The (field, term) pairs a matching page may contain: not those under NOT."""
    if isinstance(node, query.Not):
        return
    if isinstance(node, query.AndNot):
        yield from _positive_terms(node.a)
    elif node.is_leaf():
        yield from node.terms(phrases=True)
    else:
        for child in node.children():
            yield from _positive_terms(child)


def searched_words(parsed: Any) -> tuple[set[str], set[str]]:
    """What a matching page contains: content terms (stems), and phrase words as written."""
    stems, exact = set(), set()
    for fieldname, text in _positive_terms(parsed):
        if fieldname == "content":
            stems.add(text)
        elif fieldname == "words":
            exact.add(text)
        elif fieldname == "pairs":
            exact.update(text.split("_"))
    return stems, exact
