"""MoinMoin 1.9 wiki markup rendered natively: every element of 1.9's help pages, its macros,
the 1.5-era forms, hostile input, and choosing the renderer by #format or default_markup."""
from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.moin19 import HOSTILE
from wiki.acl import page_format
from wiki.markup import LinkContext, Renderer

PAGES = {"FrontPage", "Help/Page", "Help/Page/Sub", "Help/Sibling", "Blog/One", "Blog/Two", "Blog/Three"}
TEXTS = {"Blog/One": "= One =\nfirst\n== Part ==\npart text\n", "Blog/Two": "second", "Blog/Three": "third",
         "FrontPage": "Welcome '''home'''"}


def context(page: str = "Help/Page") -> LinkContext:
    return LinkContext(
        page, PAGES.__contains__, lambda n: f"/{n}", lambda n: f"/+edit/{n}",
        attachment_url=lambda p, f: f"/+download/{p}?file={f}", attachments_url=lambda p: f"/+attachments/{p}",
        attachment_exists=lambda p, f: f in ("img.png", "doc.pdf"), list_pages=lambda: sorted(PAGES),
        read_page=TEXTS.get, attachments=lambda p: [("img.png", 2048), ("doc.pdf", 10)],
        search=lambda q, n, deadline: ["Blog/One"] if q == "first" else [],
        interwiki=lambda: {"MoinMoin": "https://moinmo.in/", "Wiki": "https://w.example/$PAGE?x=1"},
    )


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(default_markup="wiki")


def html_of(renderer: Renderer, text: str, page: str = "Help/Page") -> str:
    return renderer.render(text, context(page)).html


REL = ' rel="noopener noreferrer nofollow"'
CASES = [
    # headings
    ("= One =", '<h1 id="one">One</h1>'),
    ("===== Five =====", '<h5 id="five">Five</h5>'),
    ("== Not == closed ===", "<p>== Not == closed ===</p>"),
    # inline formatting
    ("'''bold'''", "<p><strong>bold</strong></p>"),
    ("''italic''", "<p><em>italic</em></p>"),
    ("'''''both'''''", "<p><strong><em>both</em></strong></p>"),
    ("__under__", "<p><u>under</u></p>"),
    ("x^sup^", "<p>x<sup>sup</sup></p>"),
    ("x,,sub,,", "<p>x<sub>sub</sub></p>"),
    ("~-smaller-~", "<p><small>smaller</small></p>"),
    ("~+larger+~", '<p><span class="larger">larger</span></p>'),
    ("--(strike)--", "<p><del>strike</del></p>"),
    ("`mono ''x''`", "<p><code>mono ''x''</code></p>"),
    ("{{{in '''line'''}}}", "<p><code>in '''line'''</code></p>"),
    ("'''bold ''both''' italic''", "<p><strong>bold <em>both</em></strong><em> italic</em></p>"),
    # code blocks
    ("{{{\nplain <b>\n}}}", "<pre>plain &lt;b&gt;</pre>"),
    ("{{{#!python\nx = 1\n}}}", '<div class="highlight"><pre><span></span><span class="n">x</span>'),
    ("{{{#!highlight python\nx = 1\n}}}", '<span class="n">x</span>'),
    ("{{{{#!wiki caution\n'''inner'''\n{{{\ncode\n}}}\n}}}}",
     '<div class="wiki-box caution"><p><strong>inner</strong></p>\n<pre>code</pre></div>'),
    ("{{{#!csv\na,b\n1,2\n}}}", "<thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr>"),
    # lists
    (" * a\n * b", "<ul>\n<li>a\n</li>\n<li>b\n</li></ul>"),
    (" 1. a\n 1. b", "<ol>\n<li>a\n</li>\n<li>b\n</li></ol>"),
    (" a. a", '<ol type="a">\n<li>a\n</li></ol>'),
    (" A. a", '<ol type="A">'),
    (" i. a", '<ol type="i">'),
    (" I. a", '<ol type="I">'),
    (" 1.#5 five", '<ol start="5">\n<li>five\n</li></ol>'),
    (" * a\n  * nested\n * b", "<li>a\n<ul>\n<li>nested\n</li></ul>\n</li>\n<li>b"),
    (" . plain", '<ul class="plain">\n<li>plain'),
    (" term:: definition", "<dl><dt>term</dt><dd>definition\n</dd></dl>"),
    (" indented\n more", '<ul class="indent">\n<li>indented\nmore\n</li></ul>'),
    # tables
    ("||a||b||\n||c||d||", "<tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr>"),
    ("||||span||", '<td colspan="2">span</td>'),
    ("||<-3>three||", '<td colspan="3">three</td>'),
    ("||<|2>rows||", '<td rowspan="2">rows</td>'),
    ("||<:>c||<)>r||<(>l||", '<td style="text-align:center">c</td><td style="text-align:right">r</td>'),
    ("||<#ff0000>red||", '<td style="background-color:#ff0000">red</td>'),
    ("||<style=\"color: red; position: fixed; background-image: url(x)\">s||", '<td style="color:red">s</td>'),
    ("||<tablestyle=\"width: 50%\" rowclass=\"head\">x||", '<table style="width:50%"><tbody><tr class="head">'),
    ("||<nonsense stuff>x||", "<td>&lt;nonsense stuff&gt;x</td>"),
    # links
    ("[[FrontPage]]", f'<a href="/FrontPage" class="wikilink"{REL}>FrontPage</a>'),
    ("[[FrontPage|the front]]", f'<a href="/FrontPage" class="wikilink"{REL}>the front</a>'),
    ("[[FrontPage#here|there]]", f'<a href="/FrontPage#here" class="wikilink"{REL}>there</a>'),
    ("[[/Sub]]", f'<a href="/Help/Page/Sub" class="wikilink"{REL}>/Sub</a>'),
    ("[[../Sibling]]", f'<a href="/Help/Sibling" class="wikilink"{REL}>../Sibling</a>'),
    ("[[NoSuch]]", 'href="/+edit/NoSuch" class="wikilink missing"'),
    ("[[http://example.com/|Ex]]", f'<a class="external" href="http://example.com/"{REL}>Ex</a>'),
    ("[[attachment:doc.pdf|the doc]]", f'<a class="attachment" href="/+download/Help/Page?file=doc.pdf"{REL}>the doc</a>'),
    ("[[attachment:gone.txt]]", 'class="attachment missing" href="/+attachments/Help/Page"'),
    ("{{attachment:img.png}}", '<img src="/+download/Help/Page?file=img.png" alt="img.png">'),
    ("{{attachment:img.png|alt text|width=100}}", '<img src="/+download/Help/Page?file=img.png" alt="alt text" width="100">'),
    ("{{http://example.com/a.png}}", '<img src="http://example.com/a.png" alt="http://example.com/a.png">'),
    ("[[FrontPage|{{attachment:img.png}}]]", f'<a href="/FrontPage" class="wikilink"{REL}><img src="/+download'),
    ("MoinMoin:HelpOnLinking", f'<a class="interwiki" href="https://moinmo.in/HelpOnLinking" title="MoinMoin"{REL}>'),
    ("[[Wiki:Some Page|label]]", 'href="https://w.example/Some%20Page?x=1"'),
    ("Unknown:Thing", "<p>Unknown:Thing</p>"),
    ("FrontPage here", f'<a href="/FrontPage" class="wikilink"{REL}>FrontPage</a> here'),
    ("!FrontPage here", "<p>FrontPage here</p>"),
    ("see http://example.com/x.", f'see <a class="external" href="http://example.com/x"{REL}>http://example.com/x</a>.'),
    # 1.5-era forms
    ('["FrontPage"]', f'<a href="/FrontPage" class="wikilink"{REL}>FrontPage</a>'),
    ("[wiki:FrontPage home]", f'<a href="/FrontPage" class="wikilink"{REL}>home</a>'),
    ("[wiki:MoinMoin:Page there]", 'href="https://moinmo.in/Page"'),
    ("[http://example.com/ label]", f'<a class="external" href="http://example.com/"{REL}>label</a>'),
    ("[:FrontPage:front label]", f'<a href="/FrontPage" class="wikilink"{REL}>front label</a>'),
    ("[[BR]]", "<br>"),
    ("[[PageCount]]", '<span class="page-count">7</span>'),
    ("[[Date(2020-01-01)]]", '<time datetime="2020-01-01T00:00:00Z">2020-01-01</time>'),
    ("[[TableOfContents]]\n= H =", '<nav class="toc"><p class="toc-title">Contents</p><ul><li class="toc-level1">'),
    ("[[Include(FrontPage)]]", '<div class="include"><p>Welcome <strong>home</strong></p></div>'),
    ("attachment:img.png", '<img src="/+download/Help/Page?file=img.png"'),
    # other markup
    ("## a comment\nshown", "<p>shown</p>"),
    ("----", "<hr>"),
    ("------", '<hr class="hr3">'),
    ("hi :) there", '<span class="smiley" title=":)">🙂</span>'),
    ("a<<BR>>b", "<p>a<br>b</p>"),
    ("x &amp; &copy; <b>", "<p>x &amp; © &lt;b&gt;</p>"),
]


@pytest.mark.parametrize("markup, expected", CASES, ids=[case[0][:30] for case in CASES])
def test_syntax_element(renderer: Renderer, markup: str, expected: str) -> None:
    assert expected in html_of(renderer, markup)


MACROS = [
    ("<<Anchor(here)>>", '<span id="here" class="anchor"></span>'),
    ("<<Date(2020-01-02T03:04:05Z)>>", '<time datetime="2020-01-02T03:04:05Z">2020-01-02</time>'),
    ("<<DateTime(2020-01-02T03:04:05Z)>>", '<time datetime="2020-01-02T03:04:05Z">2020-01-02 03:04 UTC</time>'),
    ("<<MailTo(john DOT doe AT example DOT com, John)>>",
     '<span class="mailto">John (john DOT doe AT example DOT com)</span>'),
    ("<<MailTo(a@b.org)>>", '<span class="mailto">a AT b DOT org</span>'),
    ("<<FullSearch(first)>>", f'<li><a href="/Blog/One" class="wikilink"{REL}>Blog/One</a></li>'),
    ("<<FullSearchCached(first)>>", f'<a href="/Blog/One" class="wikilink"{REL}>Blog/One</a>'),
    ("<<FullSearch()>>", '<form class="macro-search" method="get" action="/+search" role="search">'),
    ("<<PageList(Blog/)>>", "Blog/One"),
    ("<<TitleIndex>>", '<p class="index-letters"><a href="#index-0"'),
    ("<<WordIndex>>", '<h3 id="index-0">Blog</h3>'),
    ("<<PageCount>>", '<span class="page-count">7</span>'),
    ("<<RecentChanges>>", '<ul class="macro-list recent"></ul>'),
    ("<<AttachList>>", f'<a href="/+download/Help/Page?file=img.png"{REL}>img.png</a> (2.0 KB)'),
    ("<<AttachList(,image/*)>>", "img.png"),
    ("<<AttachInfo>>", f'<a href="/+attachments/Help/Page"{REL}>2 attachments stored for Help/Page</a>'),
    ("<<NewPage(Tmpl, Make it, @SELF)>>",
     '<form class="macro-newpage" method="get" action="/+new"><input type="hidden" name="template" value="Tmpl">'
     '<input type="text" name="name" value="Help/Page/"'),
    ("<<Icon(info)>>", '<span class="icon" title="info">ℹ️</span>'),
    ("<<Action(info, About)>>", f'<a href="/+info/Help/Page" class="action"{REL}>About</a>'),
    ("<<Action(edit)>>", '<a href="/+edit/Help/Page" class="action"'),
    ("<<GetText(Hello)>>", "<span>Hello</span>"),
    ("<<Navigation(children)>>", f'<a href="/Help/Page/Sub" class="wikilink"{REL}>Help/Page/Sub</a>'),
    ("<<Navigation(siblings)>>", "Help/Sibling"),
    ("<<BR>>", "<br>"),
    ("<<Include(FrontPage)>>", '<div class="include"><p>Welcome <strong>home</strong></p></div>'),
    ('<<Include(FrontPage, "Home page", 2)>>', '<h2 class="include-heading">Home page</h2><p>Welcome'),
    ('<<Include(Blog/One, , 1, from="^== Part ==$")>>', "<p>part text</p>"),
    ('<<Include(Blog/One, , 1, to="^== Part")>>', '<h1 id="one">One</h1>\n<p>first</p></div>'),
    ("<<Include(^Blog/, titlesonly)>>", "Blog/One</a></li><li><a href=\"/Blog/Three\""),
    ("<<Include(^Blog/, items=1, sort=descending)>>", "<p>second</p>"),
]


@pytest.mark.parametrize("markup, expected", MACROS, ids=[case[0][:40] for case in MACROS])
def test_macro(renderer: Renderer, markup: str, expected: str) -> None:
    assert expected in html_of(renderer, markup)


BAD_MACROS = [
    "<<Anchor(1 bad)>>", "<<Date(yesterday)>>", "<<MailTo()>>", "<<Include()>>", "<<Include(Help/Page)>>",
    "<<Include(x, y, 9)>>", "<<Include(^[, items=1)>>", '<<Include(FrontPage, , 1, from="(")>>',
    "<<Include(^Blog/, items=many)>>", "<<Navigation(sideways)>>", "<<Navigation(children, -1)>>",
    "<<Icon(nothing)>>", "<<Action(format_disk)>>", "<<PageList(regex:[)>>", "<<RecentChanges(1000)>>",
    "<<Navigation(parent)>>", "<<NoSuchMacro(1)>>", "<<Include(../../../x)>>",
]


@pytest.mark.parametrize("markup", BAD_MACROS)
def test_macro_with_bad_arguments_is_an_inline_notice(renderer: Renderer, markup: str) -> None:
    page = "Top" if "parent" in markup else "Help/Page"
    html = html_of(renderer, f"before {markup} after", page)
    assert re.search(r'<span class="macro-error">[^<]+</span>', html), html
    assert html.startswith("<p>before ") and html.endswith(" after</p>")
    assert markup.split("(")[0][2:] in html  # the notice names the macro


def test_table_of_contents_lists_every_heading_with_links(renderer: Renderer) -> None:
    html = html_of(renderer, "<<TableOfContents(2)>>\n= A =\n== B ==\n=== C ===\n= A =")
    assert html.startswith('<nav class="toc">')
    assert [m for m in re.findall(r'href="#([\w-]+)"', html)] == ["a", "b", "a-2"]
    assert '<h3 id="c">C</h3>' in html and '<h1 id="a-2">A</h1>' in html


def test_at_most_three_tables_of_contents(renderer: Renderer) -> None:
    """Each lists every heading: a thousand of them over a thousand headings made 85 MB."""
    html = html_of(renderer, "<<TableOfContents>>\n= A =\n" * 10)
    assert html.count('<nav class="toc">') == 3
    assert html.count("TableOfContents: a page shows at most 3 tables of contents") == 7


def test_section_numbers_pragma(renderer: Renderer) -> None:
    html = html_of(renderer, "#pragma section-numbers on\n= A =\n== B ==\n== C ==\n= D =")
    assert ["1 A", "1.1 B", "1.2 C", "2 D"] == re.findall(r"<h\d [^>]*>([^<]*)<", html)


def test_processing_instructions(renderer: Renderer) -> None:
    html = html_of(renderer, "#acl All:read\n#language de\n#deprecated\n#refresh 5 Other\n#pragma x y\nText")
    assert html.startswith('<div class="notice">This page is deprecated')
    assert '<div lang="de"><p>Text</p></div>' in html
    assert "acl" not in html and "refresh" not in html


@pytest.mark.parametrize("text, markup", [
    ("plain", "wiki"), ("#format markdown\n# x", "markdown"), ("#acl All:read\n#format plain\nx", "plain"),
    ("#FORMAT Wiki\n", "wiki"), ("text\n#format plain", "wiki"),
])
def test_format_line_chooses_the_renderer(text: str, markup: str) -> None:
    assert page_format(text, "wiki") == markup


def test_markdown_stays_the_default_and_format_lines_switch() -> None:
    markdown = Renderer()
    assert "<strong>x</strong>" in markdown.render("**x**", context()).html
    assert "<strong>x</strong>" in markdown.render("#format wiki\n'''x'''", context()).html
    plain = markdown.render("#format plain\n'''x''' <b>", context()).html
    assert plain == "<pre>'''x''' &lt;b&gt;</pre>"
    python = markdown.render("#format python\nx = 1", context()).html
    assert '<div class="highlight">' in python
    other = markdown.render("#format nosuchformat\nTitle\n=====", context()).html
    assert "which this wiki does not render" in other and "Title\n=====" in other


def test_links_are_recorded_for_the_link_table(renderer: Renderer) -> None:
    rendered = renderer.render("FrontPage [[NoSuch]] [[/Sub]] ['Old'] [\"Quoted Page\"] <<Include(FrontPage)>>",
                               context())
    assert {"FrontPage", "NoSuch", "Help/Page/Sub", "Quoted Page"} <= rendered.links


def test_forged_trusted_marks_and_html_are_removed(renderer: Renderer) -> None:
    html = html_of(renderer, "\ue0020\ue002 \ue001s0\ue001 <<NewPage>>\n{{{#!html\n<form action=//evil><script>x</script>"
                             "<a href=javascript:alert(1)>a</a></form>\n}}}")
    assert html.count("<form") == 1 and "evil" not in html and "<script" not in html and "javascript" not in html


SAFE = re.compile(r"<(script|iframe|object|embed|style)\b|\son\w+=|(href|src)=\"?javascript:|\sstyle=\"[^\"]*position", re.I)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    "'''", "''", "__", "^", ",,", "~-", "-~", "~+", "+~", "--(", ")--", "{{{", "}}}", "[[", "]]", "{{", "}}",
    "||", "<", ">", "<<", ">>", " * ", "\n", "\n ", "\n  ", " 1. ", ":: ", "= ", " =", "#!wiki", "#!python",
    "CamelCase", "Page", "|", "\"", "attachment:", "http://x", "javascript:alert(1)", "<script>", "(", ")",
    "<<Include(", "<<TableOfContents>>", "<style=\"position:fixed\">", "[\"", "\"]", "[wiki:", "]", "----",
    "#format wiki\n", "##", "&", "MoinMoin:", "{{{{", "}}}}",
]), max_size=40))
def test_random_markup_never_raises_and_is_sanitised(renderer: Renderer, pieces: list[str]) -> None:
    html = html_of(renderer, "".join(pieces))
    assert not SAFE.search(html), html


@pytest.mark.parametrize("family", HOSTILE)
def test_hostile_lines_cost_what_ordinary_text_does(renderer: Renderer, family: str) -> None:
    """A 100 KB page of one repeated piece takes no longer than a few times 100 KB of prose
    (a quadratic family took 14 s for 50 KB of '[['; bench/moin19.py prints every family)."""
    ordinary = ("Some words and a FrontPage link, ''bold'' and [[Help/Page|x]].\n" * 1700)[:100_000]
    hostile = (family * (100_000 // len(family) + 1))[:100_000]
    html_of(renderer, ordinary)
    started = time.perf_counter()
    html_of(renderer, ordinary)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    html_of(renderer, hostile)
    assert time.perf_counter() - started < max(10 * baseline, 0.5)
