"""The ACL evaluator against MoinMoin 1.9's documented behaviour (HelpOnAccessControlLists
and the docstring of MoinMoin.security.AccessControlList): entries left to right, the
first that names the person and decides the right wins; + and - decide only the rights
they list; Default stands for acl_rights_default; groups nest; All, Known, Trusted."""
from __future__ import annotations

import re

import pytest

from wiki import acl
from wiki.acl import Evaluator, Groups

MOIN_DEFAULT = "Trusted:read,write,delete,revert Known:read,write,delete,revert All:read,write"
GROUP_PATTERN = re.compile(".*Group$")
GROUPS = {
    "AdminGroup": ["JoeAdmin"],
    "EditorGroup": ["JaneEditor", "NestedGroup"],  # groups inside groups
    "NestedGroup": ["DeepMember", "LoopGroup"],
    "LoopGroup": ["EditorGroup", "LoopMember"],  # a cycle: harmless
    "EverybodyGroup": ["All"],  # a group holding a special name matches by it
    "SignedInGroup": ["Known"],
}


def evaluator(before: str = "", default: str = MOIN_DEFAULT, after: str = "") -> Evaluator:
    return Evaluator(before, default, after, Groups(GROUPS, GROUP_PATTERN))


def may(ev: Evaluator, who: str, right: str, line: str | None, trusted: bool = False) -> bool:
    reader = ev.reader(who, trusted=trusted) if who else acl.ANONYMOUS
    return ev.may(reader, right, None if line is None else [line])


R, W, D, V, A = "read", "write", "delete", "revert", "admin"

# (acl_rights_before, page's #acl line or None, person ('' anonymous), right, expected)
TABLE = [
    # No #acl line: acl_rights_default decides (1.9's own default: an open wiki).
    ("", None, "", R, True), ("", None, "", W, True), ("", None, "", D, False), ("", None, "", V, False),
    ("", None, "SomeUser", D, True), ("", None, "SomeUser", A, False),
    # "SomeUser:read,write All:read": SomeUser writes, everybody else reads.
    ("", "SomeUser:read,write All:read", "SomeUser", W, True),
    ("", "SomeUser:read,write All:read", "OtherUser", W, False),
    ("", "SomeUser:read,write All:read", "", R, True),
    # An entry without modifier decides every right for whom it names: SomeUser may not delete,
    # although All could not either and Known (in the default) could.
    ("", "SomeUser:read,write All:read", "SomeUser", D, False),
    # First match wins: an empty rights list refuses everything to that person.
    ("", "JoeDoe: All:read", "JoeDoe", R, False), ("", "JoeDoe: All:read", "Somebody", R, True),
    # The docstring's equivalent forms of one ACL.
    ("", "SomeUser:read,write SomeGroup:read,write,admin All:read", "SomeUser", A, False),
    ("", "-SomeUser:admin SomeGroup:read,write,admin All:read", "SomeUser", A, False),
    ("", "-SomeUser:admin SomeGroup:read,write,admin All:read", "SomeUser", R, True),
    ("", "+All:read -SomeUser:admin SomeGroup:read,write,admin", "SomeUser", R, True),
    # + and - decide only what they list; the rest falls through.
    ("", "-NotThisUser:write Known:read,write", "NotThisUser", W, False),
    ("", "-NotThisUser:write Known:read,write", "NotThisUser", R, True),
    ("", "+SomeUser:admin Known:read", "SomeUser", A, True),
    ("", "+SomeUser:admin Known:read", "SomeUser", W, False),
    # Known, All, Trusted.
    ("", "Known:read,write All:", "", R, False), ("", "Known:read,write All:", "Someone", W, True),
    ("", "Trusted:read,write All:read", "Someone", W, False),
    # Default inserts acl_rights_default where it stands.
    ("", "AdminGroup:read,write,delete,revert,admin Default", "JoeAdmin", A, True),
    ("", "AdminGroup:read,write,delete,revert,admin Default", "Someone", D, True),
    ("", "AdminGroup:read,write,delete,revert,admin Default", "", W, True),
    ("", "AdminGroup:read,write,delete,revert,admin Default", "", D, False),
    # Groups, nested groups, a cycle, and groups holding All/Known.
    ("", "EditorGroup:read,write All:read", "JaneEditor", W, True),
    ("", "EditorGroup:read,write All:read", "DeepMember", W, True),
    ("", "EditorGroup:read,write All:read", "LoopMember", W, True),
    ("", "EditorGroup:read,write All:read", "Stranger", W, False),
    ("", "EverybodyGroup:read", "", R, True), ("", "SignedInGroup:read", "", R, False),
    ("", "SignedInGroup:read", "Someone", R, True),
    # An empty #acl line: only before/after remain, so nobody may do anything.
    ("", "", "Someone", R, False),
    # acl_rights_before comes first and wins.
    ("JoeAdmin:read,write,delete,revert,admin", "All:", "JoeAdmin", A, True),
    ("JoeAdmin:read,write,delete,revert,admin", "All:", "Someone", R, False),
    ("+All:read", "All:", "", R, True),
    # Unknown rights are ignored; a fragment without ":" joins the next entry's name (as 1.9 reads it).
    ("", "Someone:read,fly All:", "Someone", R, True),
    ("", "Someone:read garbage All:read", "Other", R, False),
]


@pytest.mark.parametrize(("before", "line", "who", "right", "expected"), TABLE)
def test_evaluator_matches_moinmoin(before: str, line: str | None, who: str, right: str, expected: bool) -> None:
    assert may(evaluator(before), who, right, line) is expected


def test_trusted_is_for_web_server_authentication_only() -> None:
    ev = evaluator()
    assert may(ev, "Someone", W, "Trusted:read,write All:read", trusted=True)
    assert not may(ev, "Someone", W, "Trusted:read,write All:read")


def test_acl_rights_after_decides_what_the_page_leaves_open() -> None:
    ev = evaluator(after="All:read")
    assert may(ev, "", R, "SomeUser:write")
    assert not may(ev, "", W, "SomeUser:write")


def test_acl_lines_are_only_the_leading_processing_instructions() -> None:
    assert acl.acl_lines("#format markdown\n#acl A:read\n#acl B:write\ntext\n#acl C:read") == ["A:read", "B:write"]
    assert acl.acl_lines("text\n#acl A:read") is None
    assert acl.acl_lines("#acl\ntext") == [""]
    assert acl.acl_lines("# Heading\n#acl A:read") == ["A:read"]  # '#' lines all count as instructions


def test_group_pages_list_first_level_bullets() -> None:
    text = "Editors:\n * JaneDoe\n * JohnSmith  \n  * NotNested\n* NotIndented\n * OtherGroup\n"
    assert acl.group_members(text) == ["JaneDoe", "JohnSmith", "OtherGroup"]


def test_names_with_spaces_and_several_per_entry() -> None:
    ev = evaluator()
    assert may(ev, "Jane Doe", W, "Jane Doe,JohnSmith:read,write All:read")
    assert may(ev, "JohnSmith", W, "Jane Doe,JohnSmith:read,write All:read")


def test_principals_tell_apart_only_what_acls_can() -> None:
    ev = Evaluator("", MOIN_DEFAULT, "", Groups(GROUPS, GROUP_PATTERN), named=frozenset({"JaneEditor"}))
    plain_a, plain_b = ev.principals(ev.reader("Alice")), ev.principals(ev.reader("Bob"))
    assert plain_a == plain_b  # two people no ACL names: one view class
    assert ev.principals(ev.reader("JaneEditor")) != plain_a  # named in a page's ACL
    assert ev.principals(ev.reader("DeepMember")) != plain_a  # in groups
    assert ev.principals(acl.ANONYMOUS) != plain_a


def test_processing_instructions_are_not_shown() -> None:
    from wiki.markup import LinkContext, Renderer

    html = Renderer().render("#acl Known:read All:\n# Title\n#format markdown\nBody text\n",
                             LinkContext("Page", lambda name: True, str, str)).html
    assert "Known" not in html and "format" not in html
    assert "<h1" in html and "Title" in html and "Body text" in html
