"""Markdown rendering: wiki links, CamelCase, extensions, and no executable HTML ever leaving."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from wiki.markup import LinkContext, Renderer

EXISTING = {"FrontPage", "Help/Syntax", "Projects", "Projects/Shop", "Projects/Website"}


def render(text: str, page: str = "Projects/Website", camelcase: bool = True) -> tuple[str, frozenset[str]]:
    context = LinkContext(page, EXISTING.__contains__, lambda n: f"/w/{n}", lambda n: f"/w/+edit/{n}")
    result = Renderer(camelcase=camelcase).render(text, context)
    return result.html, result.links


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[[FrontPage]]", '<a class="wikilink" href="/w/FrontPage"'),
        ("[[FrontPage|home]]", '>home</a>'),
        ("[[FrontPage#part]]", 'href="/w/FrontPage#part"'),
        ("[[/Launch]]", 'href="/w/+edit/Projects/Website/Launch"'),
        ("[[../Shop]]", 'href="/w/Projects/Shop"'),
        ("[[Missing Page]]", 'class="wikilink missing" href="/w/+edit/Missing Page"'),
        ("[[../../../Up]]", 'class="wikilink invalid"'),
        ("[[https://example.org|ext]]", 'href="https://example.org"'),
        ("See FrontPage now", '<a class="wikilink" href="/w/FrontPage"'),
        ("See NoSuchPage now", 'href="/w/+edit/NoSuchPage"'),
        ("| a | b |\n|:-|-:|\n| 1 | 2 |", '<td align="right">2</td>'),
        ("```python\nx = 1\n```", '<div class="highlight"><pre>'),
        ("# One\n\n[TOC]\n\n## Two", '<div class="toc">'),
        ("x[^1]\n\n[^1]: note", '<div class="footnote">'),
        ("## Section title", '<h2 id="section-title">Section title</h2>'),
    ],
)
def test_renders(text: str, expected: str) -> None:
    html, _ = render(text)
    assert expected in html


@pytest.mark.parametrize(
    "text",
    ["`FrontPage`", "    FrontPage", "[label FrontPage](https://x.org)", "!FrontPage", "http://x.org/FrontPage", "[[Projects]]x"],
)
def test_camelcase_is_not_linked_in_code_links_urls_or_after_a_bang(text: str) -> None:
    html, _ = render(text)
    assert 'href="/w/FrontPage"' not in html
    assert html.count("<a") <= 1  # never a link nested in a link


def test_bang_escape_shows_the_word_without_the_bang() -> None:
    html, _ = render("say !FrontPage")
    assert "say FrontPage" in html and "!" not in html


def test_camelcase_can_be_switched_off() -> None:
    html, links = render("FrontPage [[Projects]]", camelcase=False)
    assert "/w/FrontPage" not in html and links == frozenset({"Projects"})


def test_links_are_recorded() -> None:
    _, links = render("[[FrontPage]] [[/Launch]] OtherPage `CodePage`")
    assert links == {"FrontPage", "Projects/Website/Launch", "OtherPage"}


def test_renderer_is_reusable_without_leaking_state() -> None:
    renderer = Renderer()
    context = LinkContext("A", EXISTING.__contains__, lambda n: f"/{n}", lambda n: f"/+edit/{n}")
    first = renderer.render("[^1]\n\n[^1]: a\n\n[[FrontPage]]", context)
    second = renderer.render("plain", LinkContext("B", EXISTING.__contains__, str, str))
    assert "footnote" in first.html and "footnote" not in second.html
    assert second.links == frozenset()


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#9;script:alert(1)">x</a>',
    '<a href="&#0;javascript:alert(1)">x</a>',
    '<p><a href="java\nscript:alert(1)">x</a></p>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x" onerror="alert(1)](x.png)',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '[ref][1]\n\n[1]: https://ok.example "title" onclick="alert(1)"',
    "[[javascript:alert(1)|x]]",
    "[[data:text/html,<script>alert(1)</script>|x]]",
    "<iframe src=https://evil.example></iframe>",
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name=q></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<a href="#" onclick="alert(1)">x</a>',
    "<<script>alert(1)//<</script>",
    '<img src="x"/onerror=alert(1)>',
    '<img """><script>alert(1)</script>">',
    "<!--<script>alert(1)</script>-->",
    '<details open ontoggle="alert(1)">x</details>',
    '<video><source onerror="alert(1)"></video>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '`<script>` is code, and so is <code><script>alert(1)</script></code>',
    '```html\n<script>alert(1)</script>\n```',
    '<a href="https://ok.example" target="_blank" formaction="javascript:alert(1)">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]

UNSAFE_TAGS = {"script", "style", "iframe", "object", "embed", "form", "input", "svg", "math", "link", "meta", "base", "frame",
               "frameset", "applet", "video", "audio", "source", "noscript", "textarea", "button", "select", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "xlink:href", "poster", "data", "srcset", "cite"}


class ExecutableHTMLFinder(HTMLParser):
    """Collects anything in rendered HTML that a browser could execute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSAFE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and value is not None:
                # As a browser's URL parser does: trim C0 controls and spaces, drop tab/CR/LF anywhere.
                scheme = re.sub(r"[\t\n\r]", "", value.strip("".join(map(chr, range(33))))).lower()
                if re.match(r"^(javascript|vbscript|data|file):", scheme):
                    self.found.append(f"{tag}[{name}={value}]")


@pytest.mark.parametrize("text", HOSTILE)
def test_no_executable_html_leaves_the_renderer(text: str) -> None:
    html, _ = render(text)
    finder = ExecutableHTMLFinder()
    finder.feed(html)
    finder.close()
    assert finder.found == [], html


def test_the_hostile_table_is_large_enough() -> None:
    assert len(HOSTILE) >= 40


def test_code_blocks_keep_their_text_escaped_not_dropped() -> None:
    html, _ = render("```html\n<script>alert(1)</script>\n```")
    assert "<script" not in html
    assert "script" in html and "alert" in html and "&lt;" in html


def test_safe_html_survives() -> None:
    html, _ = render("<kbd>Ctrl</kbd> <sub>2</sub> <details><summary>More</summary>Hidden</details>")
    assert "<kbd>Ctrl</kbd>" in html and "<summary>More</summary>" in html


def test_at_most_three_tables_of_contents_in_markdown() -> None:
    """[TOC] and <<TableOfContents>> alike: each lists every heading, so more would multiply the page."""
    from tests.test_moinwiki import context

    html = Renderer().render("[TOC]\n\n# A\n\n<<TableOfContents>>\n\n# B\n\n" * 5, context()).html
    assert html.count('<div class="toc">') == 3
    assert html.count("a page shows at most 3 tables of contents") == 7
