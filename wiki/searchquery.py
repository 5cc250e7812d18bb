"""What the search box's text means: Whoosh's query language over the index's fields.

Malformed input is searched as plain words rather than refused; a prefix stands for
its most frequent words, so its cost has a bound; a quoted phrase is looked up as
written. Also: which words of the text a matching page contains, for its snippet.
"""
from __future__ import annotations

import functools
import itertools
import re
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


def bound_expansions(parsed: Any, reader: Any) -> Any:
    """The query with each prefix or wildcard replaced by its most frequent words in `reader`."""
    return parsed.accept(lambda node: _most_frequent(node, reader))


def _most_frequent(node: Any, reader: Any) -> Any:
    """`plan*` means plan, plans, planning — not every rare word starting so: expand a prefix
    or wildcard to its MAX_EXPANSIONS most frequent terms, so its cost has a bound."""
    if not isinstance(node, query.PatternQuery):
        return node
    field = reader.schema[node.fieldname]
    counted = None
    if type(node) is query.Prefix:
        try:
            counted = ranking.prefix_frequencies(reader, node.fieldname, field.to_bytes(node.text))
        except ValueError:  # not a value of the field: Whoosh's way finds nothing either
            pass
    if counted is None:
        texts = [text for _, text in node.expanded_terms(reader)]
        frequency: Callable[[bytes], int] = functools.partial(reader.doc_frequency, node.fieldname)
    else:
        texts, frequency = sorted(counted), counted.__getitem__  # (in Whoosh's order: equal counts keep it)
    if len(texts) > MAX_EXPANSIONS:
        texts = sorted(texts, key=frequency, reverse=True)[:MAX_EXPANSIONS]
    terms = [field.from_bytes(text) for text in texts]
    if not terms:
        return query.NullQuery
    expansion = query.Or([query.Term(node.fieldname, term) for term in terms], boost=node.boost)
    expansion.matcher_type = query.Or.ARRAY_MATCHER
    return expansion


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
