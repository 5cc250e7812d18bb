"""The passes that keep rendering linear change nothing a reader sees on an ordinary page."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiki import defuse
from wiki.config import PROJECT_ROOT
from wiki.markup import LinkContext, Renderer

SAMPLES = [
    "A [link](https://example.org/a_(b)) and [[WikiLink|label]] and ![img](x.png \"t\").",
    "Code `a [ b` and ``x ` [ y`` stay; a lone [ and ( and ] and ) show as themselves.",
    "Footnote[^1] and [ref][r].\n\n[^1]: note (with [brackets])\n[r]: https://example.org",
    "<<PageList(regex:^Help[A-Z])>> and <<Include(Other)>> <<Date(2026-01-01)>>",
    "> quote > with > marks\n> > nested once\n\n1. one\n2. two\n    - sub (item)",
    "Raw <kbd>Ctrl</kbd> and <b>bold</b> x<y and 3 < 4 > 2, *em* **strong** _u_.",
    "Mid-line <!-- a comment --> and &amp; &copy; &#169; &nosuch; and & alone; <span>x</span>",
    "<div markdown=\"1\">a raw *block*</div>\n\n<!-- block comment -->\n\ntext after",
    "```python\nprint('[ unbalanced (')\n```\n\n    indented [ code (",
    "| a [ | b ( |\n|---|---|\n| [x](y) | (z) |",
    "Nested [a [b [c] d] e](https://x.org/(p)) and ((y) (z (w))).",
]


def context() -> LinkContext:
    return LinkContext("Page", lambda name: name == "WikiLink", lambda n: "/" + n, lambda n: "/+edit/" + n)


def plain_renderer() -> Renderer:
    """The renderer without the defusing passes, to compare with."""
    renderer = Renderer()
    renderer.md.preprocessors.deregister("defuse-source")
    renderer.md.treeprocessors.deregister("defuse")
    renderer.md.treeprocessors.deregister("cut-long-texts")
    return renderer


STARTERS = sorted(str(p.relative_to(PROJECT_ROOT / "pages")) for p in (PROJECT_ROOT / "pages").rglob("*.md"))


@pytest.mark.parametrize("text", SAMPLES + [f"@{name}" for name in STARTERS])
def test_ordinary_pages_render_exactly_as_without_the_passes(text: str) -> None:
    if text.startswith("@"):
        text = (PROJECT_ROOT / "pages" / text[1:]).read_text("utf-8")
    assert Renderer().render(text, context()).html == plain_renderer().render(text, context()).html


def test_a_long_paragraph_is_cut_into_spans_that_read_the_same() -> None:
    words = " ".join(f"word{i} [[Page{i % 7}]] *em{i}*" for i in range(2000))
    html = Renderer().render(words, context()).html
    assert html.count("<em>") == 2000 and html.count('class="wikilink') == 2000
    assert html.count("<span>") >= 10


@pytest.mark.parametrize("poison", [
    "[" * 20000, "[[x" * 5000, "![" * 8000, "[^" * 8000, "[a](" * 4000, "((" * 8000, "<<A(" * 4000,
    "<a " * 6000, "> " * 8000, "1. " * 6000, "- " * 8000, "*a" * 8000, "<!--" * 4000,
])
def test_hostile_families_render(poison: str) -> None:
    rendered = Renderer().render(poison, context())
    assert rendered.html  # no exception, no RecursionError escaping
    assert "<script" not in rendered.html


def test_many_unclosed_tags_skip_the_html_block_pass_and_stay_text() -> None:
    assert not defuse._many_unclosed_tags("x<y and a<b and <b>bold</b>")
    assert defuse._many_unclosed_tags("<a " * 50)
    html = Renderer().render("<div>block</div>\n\n" + "<a " * 50, context()).html
    assert html.count("&lt;a") == 50 and "block" in html  # stray starts stay text; the rest still shows


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="[]()<>`*_!^\\|#-:.\n aAbB1<</>>", max_size=300))
def test_random_markup_never_raises_and_leaves_no_script(text: str) -> None:
    rendered = Renderer().render(text, context())
    assert "<script" not in rendered.html.lower() and "javascript:" not in rendered.html.lower()


def test_the_passes_are_in_every_renderer(tmp_path: Path) -> None:
    lean = Renderer(lean=True)
    assert "defuse" in lean.md.treeprocessors and "defuse-source" in lean.md.preprocessors


def test_a_page_over_the_inline_budget_shows_the_rest_as_written_with_a_notice() -> None:
    dense = "*a*" * 40_000  # 80,000 emphasis marks: far past any ordinary page's share
    html = Renderer().render(dense, context()).html
    assert defuse.OVER_BUDGET in html
    formatted = html.count("<em>") + html.count("<strong>")
    assert 1000 < formatted < 40_000  # the start is formatted, the rest shown as written
    assert "*a*" in html


@pytest.mark.parametrize("name", STARTERS)
def test_no_ordinary_page_reaches_the_budget(name: str) -> None:
    text = (PROJECT_ROOT / "pages" / name).read_text("utf-8") * 100  # a hundred times the page, in one
    assert defuse.OVER_BUDGET not in Renderer().render(text, context()).html
