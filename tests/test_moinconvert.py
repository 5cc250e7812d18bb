"""`wiki convert PAGE --to markdown`: a MoinMoin page rewritten in Markdown as a new revision,
shown as it was shown before."""
from __future__ import annotations

import re
from pathlib import Path

from tests.moin19 import build
from tests.test_moinimport import client_for, run_import
from tests.test_moinwiki import context
from wiki.cli import main
from wiki.convert import moin_to_markdown
from wiki.markup import Renderer
from wiki.storage import PageStore

MOIN = """#acl All:read
#pragma section-numbers off
## a comment
<<TableOfContents>>
= Title =
Some '''bold''', ''italic'', __under__, x^2^, H,,2,,O, --(gone)-- and `code` <b>not html</b>.
[[FrontPage]], [[FrontPage|the front]], [[/Sub]], [[http://example.com/|Example]], FrontPage and !FrontPage.
{{attachment:img.png}} [[attachment:doc.pdf|the doc]] <<Include(FrontPage)>>
 * one
 * two
  1. nested
||<-2>wide||
||a||b||
{{{#!python
x = 1
}}}
"""


def test_converted_markdown_shows_what_the_moin_page_showed() -> None:
    markdown = moin_to_markdown("Help/Page", MOIN)
    assert markdown.startswith("#format markdown\n#acl All:read\n#pragma section-numbers off\n")
    assert "<<TableOfContents>>" in markdown and "<<Include(FrontPage)>>" in markdown
    assert "```python\nx = 1\n```" in markdown
    moin_html = Renderer(default_markup="wiki").render(MOIN, context()).html
    markdown_html = Renderer(default_markup="wiki").render(markdown, context()).html
    links = re.compile(r'<a [^>]*href="([^"]+)"[^>]*>([^<]*)</a>')
    assert sorted(set(links.findall(moin_html))) == sorted(set(links.findall(markdown_html)))
    for fragment in ("<strong>bold</strong>", "<em>italic</em>", "<u>under</u>", "<sup>2</sup>", "<sub>2</sub>",
                     '<td colspan="2">wide</td>', "&lt;b&gt;not html&lt;/b&gt;", "<li>nested",
                     'src="/+download/Help/Page?file=img.png"', '<div class="include">', "!FrontPage"[1:]):
        assert fragment in moin_html, fragment
        assert fragment in markdown_html, fragment


def shown(page: str) -> tuple[str, list[tuple[str, str]]]:
    """A page's text as read (tags and spacing aside) and its links."""
    body = re.search(r'<article class="page-content">(.*?)</article>', page, re.S)
    assert body is not None
    html = body.group(1)
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]*)</a>', html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()), sorted(links)


def test_wiki_convert_saves_a_new_revision(tmp_path: Path, capsys: object) -> None:
    source, data = tmp_path / "moin19", tmp_path / "flatwiki"
    build(source)
    assert run_import(source, data).returncode == 0
    before = client_for(data).get("/FrontPage").get_data(as_text=True)
    assert main(["convert", "FrontPage", "--to", "markdown", "--data-dir", str(data), "--config", "/dev/null"]) == 0
    store = PageStore(data)
    latest = store.read("FrontPage")
    assert latest.revision == 3 and latest.text.startswith("#format markdown\n# Welcome")
    assert store.read("FrontPage", 2).text.startswith("= Welcome =")  # history keeps the original
    assert store.history("FrontPage")[0].comment == "Converted from MoinMoin wiki markup to Markdown"
    after = client_for(data).get("/FrontPage").get_data(as_text=True)
    assert shown(after) == shown(before)
    assert main(["convert", "FrontPage", "--to", "markdown", "--data-dir", str(data), "--config", "/dev/null"]) == 1
    assert main(["convert", "NoSuchPage", "--to", "markdown", "--data-dir", str(data), "--config", "/dev/null"]) == 2


def test_attachment_names_with_url_characters_survive_conversion() -> None:
    markdown = moin_to_markdown("Help/Page", "[[attachment:a #b?.txt|x]] {{attachment:Other/p q.png}}\n")
    assert "[x](<attachment:a #b?.txt>)" in markdown and "![p q.png](<attachment:Other/p q.png>)" in markdown
