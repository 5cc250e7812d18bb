"""F1 of the second security review: the ACL check sees exactly the text that is stored.

A lone CR before `#acl` was one line when checked and two once stored, so anyone who may
write could lock or take over a page. Here random texts with every kind of line end
around `#acl` lines are saved by an anonymous visitor (MoinMoin's default: All may write)
through the real editor form, and the answer must agree with what the stored revision's
ACL lines would be, found independently by saving the same text as the system and reading
the revision file back."""
from __future__ import annotations

import io
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import WikiClient
from wiki.acl import SYSTEM, acl_lines
from wiki.app import create_app
from wiki.cli import init_store
from wiki.config import load_config
from wiki.site import Site
from wiki.storage import Author

LINE_ENDS = ["\r", "\r\n", "\n", "\v", "\f", "\x85", "\u2028", "\u2029"]
PIECES = ["#acl All:", "#acl All:read", "#acl All:read,write", "#acl Me:read,write,admin All:", "#format markdown",
          "#pragma x", "#acl", "text", "# Title", ""]
AUTHOR = Author(user_id="test")
PREVIOUS = ["plain words\n", "#acl All:read,write\nopen to all\n", "#format markdown\n#acl All:read,write\nbody\n"]
NUMBERS = itertools.count()


def wiki(tmp: Path) -> tuple[Site, WikiClient]:
    config = load_config(environ={}, data_dir=tmp / "data", rate_limits="")
    init_store(config, io.StringIO())
    return Site(config), WikiClient(create_app(config))


texts = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(LINE_ENDS)), min_size=1, max_size=5).map(
    lambda parts: "".join(piece + end for piece, end in parts) + "body\n")


def stored_acl(site: Site, text: str) -> list[str] | None:
    """The ACL lines a revision of `text` holds, as read back from the revision file."""
    name = f"Scratch{next(NUMBERS)}"
    site.save(None, name, text, base_revision=0, author=AUTHOR, reader=SYSTEM)
    revision = site.store.page_dir(name) / "revisions" / "00000001"
    return acl_lines(revision.read_bytes().decode("utf-8").replace("\r\n", "\n"))


def test_random_line_ends_around_acl_lines(tmp_path: Path) -> None:
    site, client = wiki(tmp_path)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(previous=st.sampled_from(PREVIOUS), text=texts)
    def check(previous: str, text: str) -> None:
        name = f"Target{next(NUMBERS)}"
        site.save(None, name, previous, base_revision=0, author=AUTHOR, reader=SYSTEM)
        before = acl_lines(site.store.read(name).text)
        differs = stored_acl(site, text) != before
        fields = {**client.form(f"/+edit/{name}"), "text": text, "action": "save"}
        answer = client.post(f"/+edit/{name}", data=fields)
        if differs:
            assert answer.status_code == 403, (text, answer.status_code)
            assert "access control list" in answer.get_data(as_text=True)
            assert site.store.current_revision(name) == 1  # nothing stored
        else:
            assert answer.status_code == 303, (text, answer.status_code)
        assert acl_lines(site.store.read(name).text) == before
        assert site.acl_table.current().acls.get(name) == before

    check()


def test_a_lone_cr_cannot_lock_the_front_page(tmp_path: Path) -> None:
    site, client = wiki(tmp_path)
    for text in ["#format markdown\r#acl All:\nlocked\n", "#acl All:\rlocked\n", "x\n\r#acl All:\n"]:
        fields = {**client.form("/+edit/FrontPage"), "text": text, "action": "save"}
        answer = client.post("/+edit/FrontPage", data=fields)
        body = answer.get_data(as_text=True)
        if acl_lines(text.replace("\r\n", "\n").replace("\r", "\n")) is None:
            assert answer.status_code == 303
        else:
            assert answer.status_code == 403 and "#acl All:" in body, text  # refused, the text given back
        assert client.get("/FrontPage").status_code == 200


def test_section_edits_and_merges_see_the_stored_form(tmp_path: Path) -> None:
    site, client = wiki(tmp_path)
    site.save(None, "Shared", "# One\nfirst\n# Two\nsecond\n", base_revision=0, author=AUTHOR, reader=SYSTEM)
    fields = {**client.form("/+edit/Shared?section=0"), "text": "#format markdown\r#acl All:\n# One\nfirst\n",
              "action": "save"}
    assert client.post("/+edit/Shared", data={**fields, "section": "0"}).status_code == 403
    stale = client.form("/+edit/Shared")
    site.save(None, "Shared", "# One\nfirst\n# Two\nsecond, changed\n", base_revision=1, author=AUTHOR, reader=SYSTEM)
    answer = client.post("/+edit/Shared", data={**stale, "text": "#format markdown\r#acl All:\n# One\nfirst\n# Two\nsecond\n",
                                               "action": "save"})
    assert answer.status_code == 403
    assert acl_lines(site.store.read("Shared").text) is None and site.store.current_revision("Shared") == 2
