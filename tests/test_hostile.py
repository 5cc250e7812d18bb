"""A corpus of hostile input, as families with parameters, through every way a page is used:
preview, save, view, raw, history, diff, search, feeds, `wiki reindex` and `wiki check`.

Every request answers normally (2xx/3xx, or the themed 4xx meant for it), never a 5xx; the
output stays sanitised. How long each takes is bench/render.py's business, not a test's.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import WikiClient
from wiki.cli import main
from wiki.config import Config

RUNS = ["[", "[[x", "![", "[^", "[a](", "**[", "((", "<<A(", "<a ", "> ", "1. ", "- ", "*a", "<!--", "`", "|"]
POISON = [
    "<<RecentChanges(²)>>", "<<RecentChanges(0)>>", "<<RecentChanges(99999999999999999999)>>",
    "<<Date(0001-01-01T00:00:00+14:00)>>", "<<DateTime(9999-12-31T23:59:59-14:00)>>", "<<Date(²)>>",
    "<<PageList(regex:a{4294967296})>>", "<<PageList(regex:" + "(" * 1000 + "a" + ")" * 1000 + ")>>",
    "<<PageList(regex:(a|aa)+$)>>", "<<PageList(regex:[)>>", "<<PageList(*[)>>",
    "Camel" + "Case" * 80, "[[" + "中" * 85 + "]]", "[[../../../../etc/passwd]]", "[[/" + "x" * 300 + "]]",
    "<<Include(" + "中" * 85 + ")>>", "<<Include(../..)>>", "<<Anchor(" + "a" * 1000 + ")>>",
    "<<NoSuchMacro(x)>>", "![x](attachment:" + "y" * 300 + ".png)", "[a](attachment:../../secret)",
    "\x01\x02\x0b\x0c\x1f\ufffe control characters", "<script>alert(1)</script><img src=x onerror=alert(1)>",
]


class Executable(HTMLParser):
    """Finds what a browser would run beyond the theme's own files: script elements (other than
    the theme's, served from /+static/) and on* handler attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        theme_file = tag == "script" and {name for name, _ in attrs} <= {"src", "defer"} and \
            (dict(attrs).get("src") or "").startswith("/+static/")
        if (tag == "script" and not theme_file) or any(name.lower().startswith("on") for name, _ in attrs):
            self.found.append(f"<{tag} {attrs}>")


def executable(html: str) -> list[str]:
    return Executable(html).found


def run(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


CORPUS = [pytest.param(run(unit, size), id=f"{unit!r}x{size}") for unit in RUNS for size in (300, 20_000)]
CORPUS += [pytest.param(text, id=f"poison{i}") for i, text in enumerate(POISON)]
CORPUS += [pytest.param("\n".join([*POISON, *(run(u, 500) for u in RUNS)]), id="all-together")]


def answers_normally(client: WikiClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)
    html = response.get_data(as_text=True)
    if response.mimetype != "text/plain":  # raw text and unified diffs give the text back as it is
        assert executable(html) == [], url
    return html


@pytest.mark.parametrize("text", CORPUS)
def test_hostile_text_through_every_use(client: WikiClient, text: str) -> None:
    fields = client.form("/+edit/Hostile")
    preview = client.post("/+edit/Hostile", data={**fields, "text": text, "action": "preview", "comment": text[:80]})
    assert preview.status_code == 200
    assert client.save("Hostile", text, comment=text[:80]).status_code == 303
    assert client.save("Hostile", text + "\nsecond revision").status_code == 303
    for url in ("/Hostile", "/Hostile", "/+raw/Hostile", "/+history/Hostile", "/+diff/Hostile",
                "/+diff/Hostile?format=unified", "/+print/Hostile", "/+info/Hostile", "/+feed", "/+feed/Hostile",
                "/+recent", "/+search?fulltext=1&q=" + quote(text[:300])):
        answers_normally(client, url)


def test_the_whole_corpus_survives_reindex_and_check(client: WikiClient, seeded_config: Config) -> None:
    for number, param in enumerate(CORPUS):
        assert client.save(f"Hostile{number}", param.values[0]).status_code == 303
    assert main(["reindex", "--data-dir", str(seeded_config.data_dir)]) == 0
    assert main(["check", "--data-dir", str(seeded_config.data_dir)]) == 0


MACRO_NAMES = st.sampled_from(["PageList", "RecentChanges", "Include", "Date", "DateTime", "Anchor",
                               "TableOfContents", "Nope"])
ARGUMENTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(MACRO_NAMES, ARGUMENTS, st.text(max_size=30)), max_size=6))
def test_random_macro_calls_in_random_markdown_give_a_normal_page(client: WikiClient,
                                                                  calls: list[tuple[str, str, str]]) -> None:
    text = "\n".join(f"{filler} <<{name}({argument})>> {filler}" for name, argument, filler in calls)
    fields = client.form("/+edit/Random")
    response = client.post("/+edit/Random", data={**fields, "text": text.replace("\x00", ""), "action": "preview",
                                                  "comment": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert executable(html) == []


def test_macro_budgets_bound_what_a_small_page_can_cost(client: WikiClient) -> None:
    assert client.save("Big", "word " * 13_000).status_code == 303  # 65 KB
    assert client.save("Includer", "<<Include(Big)>>\n" * 5).status_code == 303
    html = answers_normally(client, "/+edit/Tiny")  # (fills the editor's CSRF cookie)
    fields = client.form("/+edit/Tiny")
    preview = client.post("/+edit/Tiny", data={**fields, "action": "preview", "comment": "",
                                               "text": "<<Include(Includer)>>\n" * 4})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and len(html) < 1_500_000
    assert "included pages may add at most" in html or "include at most" in html
    many = client.post("/+edit/Tiny", data={**fields, "action": "preview", "comment": "",
                                            "text": "<<RecentChanges(100)>>" * 1000})
    assert "a page may hold at most" in many.get_data(as_text=True) or "may show at most" in many.get_data(as_text=True)
    assert len(many.get_data()) < 2_000_000
