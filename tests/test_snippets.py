"""Snippets mark exactly the words the index matched, found by scanning the shown page's text."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wiki.search import make_schema
from wiki.snippets import SNIPPET_CHARS, SnippetMaker, stem, stem_start

# Endings that English stemming rewrites rather than just cuts (Porter2 steps 1-5), and its
# special words: the cases where a word and its stem differ most.
ENDINGS = ["", "s", "es", "sses", "ies", "ied", "y", "ly", "ed", "edly", "ing", "ingly", "eed", "eedly", "ational",
           "tional", "enci", "anci", "abli", "ably", "entli", "izer", "ization", "ation", "ator", "alism", "aliti",
           "alli", "fulness", "ousli", "ousness", "iveness", "iviti", "biliti", "bility", "bli", "ogi", "fulli",
           "lessli", "li", "alize", "icate", "iciti", "ical", "ful", "ness", "ative", "al", "ance", "ence", "er",
           "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion"]
SPECIAL = ["skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only", "singly", "sky",
           "news", "howe", "atlas", "cosmos", "bias", "andes", "inning", "outings", "cannings", "herring",
           "earrings", "proceed", "exceed", "succeed", "generously", "possibly", "relational"]
letters = st.text(alphabet="abcdeghiklmnoprstuvwyz", min_size=1, max_size=8)
english_words = st.one_of(st.builds(str.__add__, letters, st.sampled_from(ENDINGS)), st.sampled_from(SPECIAL))
CONTENT = make_schema()["content"].analyzer


@settings(max_examples=3000)
@given(english_words)
def test_a_word_starts_with_what_snippets_look_for(word: str) -> None:
    assert word.startswith(stem_start(stem(word)))


separators = st.sampled_from([" ", "  ", ", ", ". ", ".", "\n", "-", "(", ") ", "'", "/", " é ", "_"])
words = st.one_of(english_words, english_words.map(str.capitalize), english_words.map(str.upper),
                  st.sampled_from(["v1.2", "e.g", "x", "A", "3.14", "naïve", "Straße", "the", "and"]))
texts = st.lists(st.tuples(words, separators), min_size=1, max_size=40).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=500)
@given(texts, st.data())
def test_snippets_find_exactly_the_words_the_analyzer_indexed(text: str, data: st.DataObject) -> None:
    indexed = [(token.text, token.startchar, token.endchar) for token in CONTENT(text, chars=True, mode="index")]
    if not indexed:
        return
    searched = set(data.draw(st.lists(st.sampled_from(sorted({term for term, _, _ in indexed})), min_size=1)))
    found = [(token.text, token.startchar, token.endchar) for token in SnippetMaker(searched).matches(text)]
    assert found == [token for token in indexed if token[0] in searched]


def test_the_snippet_marks_every_form_of_the_word_and_escapes_the_text() -> None:
    text = "Intro a < b & more. " + "filler " * 60 + "Then we planned; the planning went to plan. " + "end " * 60
    html = SnippetMaker([stem("plans")]).snippet(text)
    assert re.findall(r"<mark[^>]*>(\w+)</mark>", html) == ["planned", "planning", "plan"]
    assert "Intro" not in html  # the passage is the one around the words
    plain = SnippetMaker([stem("absent")]).snippet(text)
    assert plain == "Intro a &lt; b &amp; more. " + ("filler " * 60)[: SNIPPET_CHARS - 20]


def test_two_passages_at_most_for_far_apart_words() -> None:
    text = " ".join(["zebra"] + ["grass"] * 80 + ["zebra"] + ["grass"] * 80 + ["zebra"])
    html = SnippetMaker(["zebra"]).snippet(text)
    assert html.count("<mark") == 2 and html.count(" … ") == 1


def test_phrase_words_are_marked_as_written_stop_words_too() -> None:
    found = SnippetMaker([], exact=["of", "release"]).matches("Release of the releases, of course.")
    assert [(token.text, token.startchar) for token in found] == [("release", 0), ("of", 8), ("of", 25)]
