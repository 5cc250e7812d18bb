"""Seeded, realistic wiki pages for the benchmarks: headings, lists, tables, code, wiki links.

Words follow a Zipf distribution over a vocabulary of a few thousand, as natural text
does: a few words are on nearly every page, most are on a few. (A small flat
vocabulary would put every query word on every page and measure nothing real.)
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

COMMON = (
    "the of and to a in is it you that he was for on are with as his they be at one have this from or had by "
    "not word but what some we can out other were all there when up use your how said an each she which do "
    "their time if will way about many then them write would like so these her long make thing see him two "
    "has look more day could go come did number sound no most people my over know water than call first who"
).split()
TOPICAL = (
    "project meeting budget release server backup network design review plan team schedule customer "
    "invoice report garden recipe travel library python database search index cache theme editor history "
    "revision conflict merge deploy apache config security policy access account password holiday office "
    "printer wireless laptop install update upgrade migrate archive quarterly annual summary minutes action "
    "owner deadline status risk issue feature request support ticket contact phone address weekly monthly"
).split()
SYLLABLES = "ka lo mi ra te vu sen dor bal fin gra pel tur wex zon qua bri sto mun dek".split()
RARE = ["".join(parts) for parts in itertools.product(SYLLABLES, repeat=3)][:6000]
WORDS = COMMON + TOPICAL + RARE  # ranked: the first is the most frequent
_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(WORDS))))


def words(rng: random.Random, count: int) -> list[str]:
    """`count` words drawn with Zipf frequencies."""
    return rng.choices(WORDS, cum_weights=_WEIGHTS, k=count)


def page_name(i: int) -> str:
    return f"Topic{i:05d}" if i % 10 else f"Area{i // 100:03d}/Note{i:05d}"


def paragraph(rng: random.Random, count: int, links: list[str]) -> str:
    text = words(rng, count)
    for _ in range(2):
        text.insert(rng.randrange(len(text)), f"[[{rng.choice(links)}]]")
    text[0] = text[0].capitalize()
    return " ".join(text) + "."


def make_page(rng: random.Random, i: int, total: int) -> str:
    """About 3 KB of Markdown with links to other generated pages (and a few missing ones)."""
    links = [page_name(rng.randrange(total)) for _ in range(8)] + [f"Missing{rng.randrange(50)}"]
    topic = rng.choice(TOPICAL)
    parts = [f"# {topic.title()} {' '.join(words(rng, 2))} {i}", ""]
    for section in range(3):
        parts += [f"## {rng.choice(TOPICAL).title()} {section}", "", paragraph(rng, 60, links), ""]
        parts += [f"* {paragraph(rng, 8, links)}" for _ in range(3)] + [""]
    parts += ["| item | owner | status |", "|------|-------|--------|"]
    parts += ["| " + " | ".join(words(rng, 3)) + " |" for _ in range(4)]
    parts += ["", "```python", f"def {topic}_{i}(x):", "    return x * 2", "```", ""]
    return "\n".join(parts)


def generate(total: int, seed: int = 1) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for i in range(total):
        yield page_name(i), make_page(rng, i, total)
