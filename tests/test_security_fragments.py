"""F3 of the second security review: no page text can forge a trusted fragment.

Fragments the renderer builds (an included page's HTML in MoinMoin pages, search forms)
used to go in after sanitising wherever a fixed private-use mark stood, and `&#57346;`
let a page place that mark inside an attribute. Here every private-use code point of the
BMP, and a spread of planes 15 and 16, is written raw and as decimal and hex character
references, in the shapes a mark could take, in Markdown and MoinMoin pages, in text, in
attributes, in `{{{#!html` blocks, and in a page that is included. The rendered HTML must
hold only what nh3 lets through (sanitising it again changes nothing) and no included
text inside a tag."""
from __future__ import annotations

import html.parser
from collections.abc import Iterator

import pytest

from wiki.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LinkContext, Renderer, sanitize

ATTACK = 'x" onerror="document.title=1" data-x="'  # an included page whose text closes an attribute
PRIVATE = [*range(0xE000, 0xF900), *range(0xF0000, 0x10FFFE, 997), 0xFFFFD, 0x10FFFD]


def forms(point: int) -> list[str]:
    return [chr(point), f"&#{point};", f"&#x{point:x};", f"&#X{point:X};", f"&#0{point};"]


def pages() -> Iterator[tuple[str, str]]:
    """(format, text) pages, each carrying a batch of code points in every shape and place."""
    for start in range(0, len(PRIVATE), 400):
        batch = PRIVATE[start:start + 400]
        for shape in range(5):
            marks = " ".join(f"{m}{n}{m}" for point in batch for n in (0, 1) for m in [forms(point)[shape]])
            tags = "\n".join(f'<img src="a.png" alt="{forms(p)[shape]}0{forms(p)[shape]}" title="{forms(p)[shape]}1">'
                             for p in batch)
            yield "moin", f"#format moin\n<<Include(Attack)>>\n\n{marks}\n\n{{{{{{#!html\n{tags}\n}}}}}}\n"
            yield "markdown", f"<<Include(Attack)>>\n\n{marks}\n\n{tags}\n"


class Structure(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def render(text: str) -> str:
    included = {"Attack": ATTACK, "Inner": f"<<Include(Attack)>> {ATTACK}"}
    context = LinkContext("Page", lambda name: True, lambda n: "/" + n, lambda n: "/+edit/" + n,
                          read_page=included.get)
    return Renderer().render(text, context).html


@pytest.mark.parametrize("markup,text", list(pages()), ids=lambda value: str(len(value)) if len(value) > 20 else value)
def test_private_use_characters_forge_nothing(markup: str, text: str) -> None:
    rendered = render(text)
    parser = Structure()
    parser.feed(rendered)
    for tag, attributes in parser.found:
        assert tag in ALLOWED_TAGS, tag
        for attribute, value in attributes:
            assert attribute in ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES.get("*", set()), (tag, attribute)
            assert "onerror" not in (value or "") and "<p>" not in (value or ""), (tag, attribute, value)
    assert sanitize(rendered) == rendered  # nothing in it that nh3 would not have produced


def test_the_reviews_page_keeps_the_included_text_out_of_the_attribute() -> None:
    rendered = render('#format moin\n<<Include(Attack)>>\n\n{{{#!html\n'
                      '<img src="nothing-here.png" alt="logo" title="&#57346;0&#57346;">\n}}}\n')
    parser = Structure()
    parser.feed(rendered)
    image = next(attributes for tag, attributes in parser.found if tag == "img")
    assert "onerror" not in dict(image) and dict(image)["title"] == "\ue0020\ue002"
    assert "document.title" in rendered  # the included text is there, as text
