"""Page names: validation, normalisation, and MoinMoin 1.9's file-system quoting.

Pure functions; the only place that decides what a valid page name is.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from wiki.errors import InvalidPageName

MAX_NAME_BYTES = 255

_UNSAFE_FS_RUN = re.compile(rb"[^A-Za-z0-9_]+")
_QUOTED_GROUP = re.compile(r"\(([0-9a-f]*)\)")
_FS_NAME = re.compile(r"(?:[A-Za-z0-9_]|\((?:[0-9a-f]{2})+\))+")
_WHITESPACE = re.compile(r"\s+")


def _forbidden_character(name: str) -> str | None:
    for char in name:
        # Cc covers NUL and every C0/C1 control; Cs are lone surrogates from bad
        # bytes; U+FFFD is what a decoder leaves for invalid UTF-8 in a URL.
        if unicodedata.category(char) in ("Cc", "Cs") or char == "\ufffd":
            return char
    return None


@functools.lru_cache(maxsize=8192)  # a page's CamelCase words and links are checked on every render
def normalize(raw: str) -> str:
    """Return the canonical form of a page name, or raise InvalidPageName saying why."""
    bad = _forbidden_character(raw)
    if bad is not None:
        raise InvalidPageName(f"Page names cannot contain the character U+{ord(bad):04X}.")
    name = unicodedata.normalize("NFC", raw)
    if name.startswith("/"):
        raise InvalidPageName("Page names cannot start with '/'.")
    segments = [_WHITESPACE.sub(" ", segment).strip() for segment in name.split("/")]
    name = "/".join(segments)
    if not name:
        raise InvalidPageName("The page name is empty.")
    if name.startswith("+"):
        raise InvalidPageName("Page names cannot start with '+' (that prefix is for actions).")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise InvalidPageName(
                "Each part of a page name between slashes must be a real name "
                "(not empty, '.' or '..')."
            )
    if len(quote_fs(name)) > MAX_NAME_BYTES:
        raise InvalidPageName(
            f"That page name is too long: stored on disk it would take {len(quote_fs(name))} bytes, and "
            f"{MAX_NAME_BYTES} is the limit (letters outside A-Z count 6 to 8 bytes each). Choose a shorter name."
        )
    return name


def page_order(name: str) -> tuple[str, str]:
    """The order pages are listed in: ignoring case, then by code point (`PageStore.list_pages`)."""
    return name.casefold(), name


def quote_fs(name: str) -> str:
    """Quote a page name for the file system exactly as MoinMoin 1.9 does.

    Each run of UTF-8 bytes outside [A-Za-z0-9_] becomes one '(hex)' group, so
    no name can contain a path separator or escape the pages directory.
    """
    raw = name.encode("utf-8")
    return _UNSAFE_FS_RUN.sub(lambda m: b"(" + m.group().hex().encode("ascii") + b")", raw).decode("ascii")


def derived_fs(name: str, prefix: str = "", suffix: str = "") -> str:
    """A file name for data derived from a page (a cache, a lock) with a prefix or suffix of its
    own: the quoted name where it fits in a file name, else a hash of it (a quoted name may
    take all of the 255 bytes a file name has)."""
    quoted = quote_fs(name)
    if len(prefix) + len(quoted) + len(suffix) > MAX_NAME_BYTES:
        import hashlib

        quoted = "(hash)" + hashlib.sha1(quoted.encode("ascii")).hexdigest()
    return f"{prefix}{quoted}{suffix}"


def unquote_fs(fsname: str) -> str:
    """Invert quote_fs; raise InvalidPageName for anything quote_fs cannot produce."""
    if not _FS_NAME.fullmatch(fsname):
        raise InvalidPageName(f"{fsname!r} is not a quoted page name.")
    try:
        raw = _QUOTED_GROUP.sub(lambda m: bytes.fromhex(m.group(1)).decode("latin-1"), fsname)
        return raw.encode("latin-1").decode("utf-8")
    except (ValueError, UnicodeError) as error:
        raise InvalidPageName(f"{fsname!r} is not a quoted page name.") from error


def parent(name: str) -> str | None:
    """The parent page of a subpage ('A/B' -> 'A'), or None for a top-level page."""
    head, sep, _ = name.rpartition("/")
    return head if sep else None


def resolve_relative(current: str, target: str) -> str:
    """Resolve MoinMoin-style relative link targets ('/Child', '../Sibling') against a page."""
    if target.startswith("/"):
        return normalize(current + target)
    if target.startswith("../"):
        base = current
        while target.startswith("../"):
            up = parent(base)
            if up is None:
                raise InvalidPageName(f"{target!r} goes above the top of the wiki.")
            base, target = up, target[3:]
        return normalize(f"{base}/{target}" if target else base)
    return normalize(target)

