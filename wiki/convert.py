"""MoinMoin wiki markup -> Markdown, for `wiki convert PAGE --to markdown`.

The moin page is rendered by the real renderer (wiki/moinwiki.py) with a context whose URLs
are markers (`wikipage:Name`, `attachment:file`), and macros left as written; markdownify
then writes the HTML as Markdown, and the markers become flatwiki's [[links]] again. So the
conversion reads the markup exactly as the wiki shows it. What Markdown cannot say (table
cells that span, coloured cells) stays as the HTML table, which Markdown pages may hold.
"""
from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from markdownify import MarkdownConverter

from wiki.markup import LinkContext, Renderer

# Where links lead while converting: addresses the sanitiser keeps, and no page can have.
PAGE_MARK, ATTACHMENT_MARK = "https://page.flatwiki.invalid/", "https://attachment.flatwiki.invalid/"


class _Converter(MarkdownConverter):
    def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
        href = el.get("href") or ""
        if href.startswith(PAGE_MARK):
            name = urllib.parse.unquote(href[len(PAGE_MARK):])
            label = text.strip()
            return f"[[{name}]]" if label in (name, "") else f"[[{name}|{label}]]"
        if href.startswith(ATTACHMENT_MARK):
            target = "attachment:" + urllib.parse.unquote(href[len(ATTACHMENT_MARK):])
            return f"[{text.strip() or target}](<{target}>)"
        return str(super().convert_a(el, text, parent_tags))  # type: ignore[misc]

    def convert_li(self, el: Any, text: str, parent_tags: Any) -> str:
        """Python-Markdown nests what is indented by four spaces, whatever the bullet's width."""
        item = str(super().convert_li(el, text, parent_tags))  # type: ignore[misc]
        first, *rest = item.split("\n")
        width = len(first) - len(first.split(" ", 1)[-1])
        return "\n".join([first, *[" " * 4 + line[width:] if line.startswith(" " * width) and line.strip()
                                    else line for line in rest]])

    def convert_table(self, el: Any, text: str, parent_tags: Any) -> str:
        if el.find(attrs={"colspan": True}) or el.find(attrs={"rowspan": True}) or el.find(attrs={"style": True}):
            return "\n\n" + str(el) + "\n\n"  # spans and styles: Markdown tables cannot say them
        return str(super().convert_table(el, text, parent_tags))  # type: ignore[misc]

    def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
        src = el.get("src") or ""
        if src.startswith(ATTACHMENT_MARK):
            src = "attachment:" + urllib.parse.unquote(src[len(ATTACHMENT_MARK):])
        alt = (el.get("alt") or "").replace("]", "")
        width = el.get("width")
        if width:  # Markdown images have no size
            return f'<img src="{src}" alt="{alt}" width="{width}">'
        return f"![{alt}](<{src}>)"

    def _as_html(self, el: Any, text: str) -> str:
        """Formatting Markdown has no syntax for (underline, sup, sub, small): kept as inline HTML."""
        if not text.strip():
            return text
        attributes = ' class="larger"' if "larger" in (el.get("class") or []) else ""
        return f"<{el.name}{attributes}>{text}</{el.name}>"

    def convert_u(self, el: Any, text: str, parent_tags: Any) -> str:
        return self._as_html(el, text)

    convert_sup = convert_sub = convert_small = convert_u

    def convert_span(self, el: Any, text: str, parent_tags: Any) -> str:
        classes = el.get("class") or []
        if "macro-call" in classes:
            return str(el.get_text())
        return self._as_html(el, text) if "larger" in classes else text

    def escape(self, text: str, parent_tags: Any) -> str:
        # Page text that looked like HTML was text: it stays text in Markdown too.
        return str(super().escape(text, parent_tags)).replace("<", "&lt;")  # type: ignore[misc]


def _code_language(el: Any) -> str | None:
    code = el.find("code")
    for name in (code.get("class") or []) if code is not None else []:
        if name.startswith("language-"):
            return str(name[len("language-"):])
    return None


def moin_to_markdown(name: str, text: str, interwiki: Callable[[], dict[str, str]] = dict) -> str:
    """The Markdown for a page written in MoinMoin wiki markup (its #acl and other processing
    instructions kept, and `#format markdown` first, whatever the wiki's default markup is)."""
    head_lines = []
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        if not line.startswith("##") and not line.lower().startswith("#format"):
            head_lines.append(line)
    context = LinkContext(
        name, lambda page: True, lambda page: PAGE_MARK + urllib.parse.quote(page),
        lambda page: PAGE_MARK + urllib.parse.quote(page),
        attachment_url=lambda page, file: ATTACHMENT_MARK + urllib.parse.quote((f"{page}/" if page != name else "")
                                                                                + file),
        attachments_url=lambda page: PAGE_MARK + urllib.parse.quote(page),
        attachment_exists=lambda page, file: True, interwiki=interwiki,
    )
    renderer = Renderer(camelcase=False, default_markup="wiki", converting=True)
    html = renderer.render(text, context).html
    markdown = _Converter(heading_style="ATX", bullets="*", code_language_callback=_code_language,
                          escape_underscores=False, escape_misc=False).convert(html)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
    return "\n".join(["#format markdown", *head_lines]) + "\n" + markdown
