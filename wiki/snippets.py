"""Search result snippets: a shown page's best passages with the searched words marked.

Found by scanning the text of the twenty pages shown, not by looking the words up
in the index: that costs the same whether the wiki has a hundred pages or a
hundred thousand, while postings of common words grow with the wiki.
"""
from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable

from whoosh import analysis, highlight
from whoosh.lang import stemmer_for_language

from wiki.acl import without_instructions

SNIPPET_CHARS = 240
PASSAGES = 2
# The content analyzer's tokenizer: "v1.2" and "e.g" are one token to it, so they are here.
TOKEN_TAIL = r"\w*(?:\.?\w+)*"
SCAN_LIMIT = highlight.DEFAULT_CHARLIMIT  # don't scan past what the fragmenter would show

stem: Callable[[str], str] = functools.lru_cache(maxsize=50_000)(stemmer_for_language("en"))

WORDY = frozenset("_*`")  # with letters and digits: what a mark touching it is part of (snake_case)


def _mark_or_text(match: re.Match[str]) -> str:
    """A run of *, _ or ` that opens (nothing wordy before, text after) or closes (text before,
    nothing wordy after) is a mark and goes; one inside a word (snake_case) stays. A callback
    on each run costs less than a pattern that looks around at every character."""
    text, (start, end) = match.string, match.span()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    opens = not (before.isalnum() or before in WORDY) and not after.isspace()
    closes = not before.isspace() and not (after.isalnum() or after in WORDY)
    return "" if opens or closes else match.group()


# Markdown's marks, taken out of a snippet's text so that it reads as the page does. Each
# pattern is linear in the text (no nested quantifiers): snippets are made on every search.
MARKUP: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^[ \t]*(?:```|~~~)[^\n]*$", re.M), ""),  # code fences (the code stays)
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M), ""),  # table rules
    (re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+)", re.M), ""),  # line marks
    # No bracket inside a bracketed part, and bounded lengths: from each of a run of "[" (or
    # "<", "(") the search stops at once, so a hostile run of them costs linear time.
    (re.compile(r"!\[([^\[\]\n]{0,300})\]\([^()\n]{0,500}\)"), r"\1"),  # images: their description
    (re.compile(r"\[\[(?:[^\[\]|\n]{0,300}\|)?([^\[\]\n]{0,300})\]\]"), r"\1"),  # [[target|label]]: what shows
    (re.compile(r"\[([^\[\]\n]{0,300})\](?:\([^()\n]{0,500}\)|\[[^\[\]\n]{0,100}\])"), r"\1"),  # [text](url)
    (re.compile(r"<<[^<>\n]{0,300}>>"), ""),  # macros
    (re.compile(r"<(https?://[^<>\s]{0,500})>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][\w-]{0,30}(?:\s[^<>\n]{0,300})?>"), ""),  # HTML tags (a page shows none)
    (re.compile(r"[*_`]{1,3}"), _mark_or_text),  # emphasis and code marks
]
def readable_text(markdown: str) -> str:
    """What a reader of the page sees of its text, roughly: the Markdown without its marks
    (and without processing instructions), enough of it for a snippet."""
    text = without_instructions(markdown)[:SCAN_LIMIT + SNIPPET_CHARS]
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return text.replace("|", " ")  # table cells


class SnippetMaker:
    """Marks the words whose stem is one of `stems` (the content field's own terms), and
    the words of `exact` as written (a quoted phrase's words, stop words included).

    Only tokens that could have such a stem are stemmed: English stemming rewrites only
    a word's ending, so a word starts with its stem less the stem's last three letters
    (and with its first letter: dying -> die; test_snippets.py checks both). Skipping
    the other tokens makes a snippet several times cheaper.
    """

    def __init__(self, stems: Iterable[str], exact: Iterable[str] = ()) -> None:
        self.stems = frozenset(stems)
        self.exact = frozenset(exact)
        starts = {stem_start(term) for term in self.stems} | self.exact
        self._candidates = [_token_starting(start) for start in _shortest(starts)]
        self._fragmenter = highlight.PinpointFragmenter(maxchars=SNIPPET_CHARS, surround=60, autotrim=True)
        self._formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")

    def matches(self, text: str) -> list[analysis.Token]:
        """The searched words in `text`, in order, each as a token with its offsets."""
        found = []
        for candidates in self._candidates:
            for match in candidates.finditer(text, 0, SCAN_LIMIT):
                word = match.group().lower()
                if word in self.exact:
                    term = word
                elif word in analysis.STOP_WORDS or len(word) < 2:
                    continue  # the content analyzer drops these before stemming
                else:
                    term = stem(word)
                    if term not in self.stems:
                        continue
                found.append(analysis.Token(text=term, startchar=match.start(), endchar=match.end()))
        if len(self._candidates) > 1:
            found.sort(key=lambda token: token.startchar)
        return found

    def snippet(self, markdown: str) -> str:
        """HTML: up to two passages around the searched words, or the page's opening words,
        from the text as a reader sees it (no Markdown marks)."""
        text = readable_text(markdown)
        fragments = highlight.top_fragments(self._fragmenter.fragment_matches(text, self.matches(text)), PASSAGES,
                                            highlight.BasicFragmentScorer(), highlight.FIRST)
        if not fragments:
            return html.escape(text[:SNIPPET_CHARS])
        # Whoosh's formatter escapes the text around the marks.
        return str(self._formatter.format(fragments))


def _shortest(starts: Iterable[str]) -> list[str]:
    """The starts, leaving out those that begin with another (its words are found anyway)."""
    kept: list[str] = []
    for start in sorted(starts, key=len):
        if not any(start.startswith(shorter) for shorter in kept):
            kept.append(start)
    return kept


def _token_starting(start: str) -> re.Pattern[str]:
    """A token that begins with `start`. The literal comes first, so the regex engine can
    leap to it (an alternation of several, or a lookbehind first, scans ~5x slower); the
    checks that no word character or word-joining dot comes before it follow it."""
    width = len(start)
    return re.compile(f"{re.escape(start)}(?<!\\w[\\s\\S]{{{width}}})(?<!\\w\\.[\\s\\S]{{{width}}}){TOKEN_TAIL}",
                      re.IGNORECASE)


def stem_start(term: str) -> str:
    """What every word with this stem starts with (lower-cased)."""
    return term[:max(1, len(term) - 3)]
