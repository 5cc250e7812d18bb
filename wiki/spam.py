"""Spam defence without third-party services: MoinMoin's BadContent pages and text
challenges (textchas). Rate limits are in ratelimit.py; the honeypot field is the
web layer's.

BadContent and LocalBadContent hold one regular expression per line (blank lines and
lines starting with '#' aside). A save is refused when the lines it *adds* match one:
old spam already on a page never blocks fixing it. Patterns run with the `regex`
package's timeout, so a page of patterns cannot stall a save.
"""
from __future__ import annotations

import time
from collections.abc import Iterable

from wiki.errors import PermissionDenied

BAD_CONTENT_PAGES = ("BadContent", "LocalBadContent")
MATCH_SECONDS = 0.5  # for every pattern over the added text together


class SpamRefused(PermissionDenied):
    title = "Refused as spam"


def patterns(texts: Iterable[str]) -> list[str]:
    """The patterns of the BadContent pages' texts (fenced or not: braces lines are skipped)."""
    found = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and line not in ("{{{", "}}}", "```"):
                found.append(line)
    return found


def added_lines(old: str, new: str) -> str:
    """The lines of `new` that `old` does not have."""
    before = set(old.splitlines())
    return "\n".join(line for line in new.splitlines() if line not in before)


def check(pattern_texts: list[str], added: str) -> None:
    """Raise SpamRefused if the added text matches a pattern (invalid patterns are skipped)."""
    if not added.strip() or not pattern_texts:
        return
    import regex

    deadline = time.monotonic() + MATCH_SECONDS
    for source in pattern_texts:
        try:
            pattern = regex.compile(source, regex.IGNORECASE)
        except Exception:  # regex.error and friends: a bad line on the page is not the saver's fault
            continue
        try:
            match = pattern.search(added, timeout=max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            return  # the patterns are too slow for this text: let it through rather than stall
        if match:
            raise SpamRefused(f"The text you added contains {match.group(0)[:80]!r}, which this wiki refuses "
                              f"as spam (see BadContent). Nothing was saved; your text is below.")


def parse_textchas(spec: str) -> list[tuple[str, str]]:
    """"Question? = answer regex" per line -> [(question, answer pattern)]."""
    found = []
    for line in spec.splitlines():
        question, separator, answer = line.rpartition("=")
        if separator and question.strip() and answer.strip():
            found.append((question.strip(), answer.strip()))
    return found


def textcha_passed(challenges: list[tuple[str, str]], question: str, answer: str) -> bool:
    import re

    for known, pattern in challenges:
        if known == question:
            try:
                return re.fullmatch(pattern, answer.strip(), re.IGNORECASE) is not None and len(answer) < 200
            except re.error:
                return False
    return False
