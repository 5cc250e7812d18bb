"""A page's text as it is stored and as every check sees it: one form, made once, at the edge.

A browser posts CRLF; MoinMoin 1.9's revisions hold CRLF; an old Mac editor sends a lone CR.
The store keeps LF within (CRLF on disk, as 1.9 does), so the ACL check, the spam check and
the parser that enforces `#acl` lines must all read the text only after this: a lone CR that
turned into a line break after the check let anyone write an `#acl` line (`#format x\\r#acl All:`).
Other characters Unicode calls line breaks (VT, FF, NEL, U+2028, U+2029) stay characters:
no reader of a page's lines here splits on them, MoinMoin 1.9 neither.
"""
from __future__ import annotations


def stored_form(text: str) -> str:
    """The text with every CRLF and lone CR made LF: what a revision holds, read back."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")
