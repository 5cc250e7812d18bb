"""Seeded, realistic wiki pages for the benchmarks: headings, lists, tables, code, wiki links."""
from __future__ import annotations

import random
from collections.abc import Iterator

WORDS = (
    "project meeting budget release server backup network design review plan team schedule customer "
    "invoice report garden recipe travel library python database search index cache theme editor history "
    "revision conflict merge deploy apache config security policy access account password holiday office "
    "printer wireless laptop install update upgrade migrate archive quarterly annual summary minutes action "
    "owner deadline status risk issue feature request support ticket contact phone address weekly monthly"
).split()


def page_name(i: int) -> str:
    return f"Topic{i:05d}" if i % 10 else f"Area{i // 100:03d}/Note{i:05d}"


def paragraph(rng: random.Random, count: int, links: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(count)]
    for _ in range(2):
        words.insert(rng.randrange(len(words)), f"[[{rng.choice(links)}]]")
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def make_page(rng: random.Random, i: int, total: int) -> str:
    """About 3 KB of Markdown with links to other generated pages (and a few missing ones)."""
    links = [page_name(rng.randrange(total)) for _ in range(8)] + [f"Missing{rng.randrange(50)}"]
    parts = [f"# {rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}", ""]
    for section in range(3):
        parts += [f"## {rng.choice(WORDS).title()} {section}", "", paragraph(rng, 60, links), ""]
        parts += [f"* {paragraph(rng, 8, links)}" for _ in range(3)] + [""]
    parts += ["| item | owner | status |", "|------|-------|--------|"]
    parts += [f"| {rng.choice(WORDS)} | {rng.choice(WORDS)} | {rng.choice(WORDS)} |" for _ in range(4)]
    parts += ["", "```python", f"def {rng.choice(WORDS)}_{i}(x):", "    return x * 2", "```", ""]
    return "\n".join(parts)


def generate(total: int, seed: int = 1) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for i in range(total):
        yield page_name(i), make_page(rng, i, total)
