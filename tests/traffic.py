"""Real HTTP traffic against running wiki servers, as browsers make it: keep-alive
connections, cookies, the wiki's forms (CSRF token, base revision), uploads.

Used by the load and fault tests and by bench/mixed.py. Every loop here is bounded
in time and only ever talks to 127.0.0.1.
"""
from __future__ import annotations

import http.client
import random
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
BASE = re.compile(r'name="base_revision" value="(\d+)"')
TEXT = re.compile(r'<textarea id="edit-text" name="text"[^>]*>\n?(.*?)</textarea>', re.S)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One keep-alive connection to one server, with the wiki's CSRF cookie."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.timeout = timeout
        self.cookie = ""
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = self.cookie
        for attempt in range(2):  # a kept-alive connection the server closed is reopened once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
                continue
            found = {key.lower(): value for key, value in response.getheaders()}
            cookie = found.get("set-cookie", "")
            if cookie.startswith("wiki_csrf="):
                self.cookie = cookie.split(";")[0]
            if response.will_close:
                self.connection.close()
                self.connection = None
            return Reply(response.status, found, data)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Reply:
        body = urllib.parse.urlencode(fields).encode("utf-8")
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def editor(self, name: str) -> tuple[dict[str, str], str]:
        """The edit form's hidden fields and the text it holds."""
        page = self.get("/+edit/" + urllib.parse.quote(name))
        assert page.status == 200, (page.status, page.text[:300])
        token, base, text = TOKEN.search(page.text), BASE.search(page.text), TEXT.search(page.text)
        assert token and base and text is not None, page.text[:500]
        import html

        return {"csrf_token": token.group(1), "base_revision": base.group(1)}, html.unescape(text.group(1))

    def save(self, name: str, text: str, fields: dict[str, str] | None = None, comment: str = "") -> Reply:
        """Submit the editor's form with Save (with `fields` from an earlier load, else a fresh one)."""
        if fields is None:
            fields, _ = self.editor(name)
        return self.post_form("/+edit/" + urllib.parse.quote(name),
                              {**fields, "text": text, "comment": comment, "action": "save"})

    def upload(self, name: str, filename: str, data: bytes) -> Reply:
        page = self.get("/+attachments/" + urllib.parse.quote(name))
        token = TOKEN.search(page.text)
        assert token, page.text[:300]
        boundary = f"----flatwiki{random.getrandbits(64):x}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token.group(1)}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        return self.request("POST", "/+attachments/" + urllib.parse.quote(name), b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@dataclass
class Tally:
    """Statuses and latencies per kind of request, from every thread (locked)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1
            if status >= 500:
                self.failures.append(f"{kind}: {status} {detail[:300]}")

    def server_errors(self) -> int:
        return sum(n for counts in self.statuses.values() for status, n in counts.items() if status >= 500)

    def total(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def _timed(tally: Tally, kind: str, work: Callable[..., Reply], *args: object) -> Reply:
    started = time.perf_counter()
    reply = work(*args)
    tally.add(kind, reply.status, time.perf_counter() - started, reply.text if reply.status >= 500 else "")
    return reply


def mixed_session(base: str, seconds: float, seed: int, tally: Tally, pages: list[str]) -> None:
    """One browser's mix: views, searches, recent changes, saves, new pages, merges, uploads."""
    rng = random.Random(seed)
    browser = Browser(base)
    deadline = time.monotonic() + seconds
    made = 0
    try:
        while time.monotonic() < deadline:
            roll = rng.random()
            name = rng.choice(pages)
            quoted = urllib.parse.quote(name)
            if roll < 0.45:
                _timed(tally, "view", browser.get, "/" + quoted)
            elif roll < 0.55:
                word = rng.choice(["alpha", "budget", "release", "plan*", '"shared page"', "kumquat"])
                _timed(tally, "search", browser.get, "/+search?fulltext=1&q=" + urllib.parse.quote(word))
            elif roll < 0.62:
                _timed(tally, "recent", browser.get, "/+recent")
            elif roll < 0.77:
                fields, text = browser.editor(name)
                _timed(tally, "save", browser.save, name, f"{text}\nline {rng.random()}", fields)
            elif roll < 0.84:
                made += 1
                fresh = f"Load{seed}x{made}"
                _timed(tally, "new page", browser.save, fresh, f"new page {fresh} links [[{name}]]")
            elif roll < 0.94:
                # A merge: load the editor, let another change land, then save against the old base.
                fields, text = browser.editor(name)
                other = Browser(base)
                other_fields, other_text = other.editor(name)
                other.save(name, f"first line by another {rng.random()}\n{other_text}", other_fields)
                other.close()
                _timed(tally, "merge", browser.save, name, f"{text}\nmerged line {rng.random()}", fields)
            else:
                payload = rng.randbytes(rng.randint(100, 20000))
                _timed(tally, "upload", browser.upload, name, f"file{rng.randint(0, 3)}.bin", payload)
    finally:
        browser.close()


def mixed_load(bases: list[str], seconds: float, connections: int, pages: list[str], seed: int = 1) -> Tally:
    """`connections` browsers spread over `bases`, each running mixed_session for `seconds`."""
    tally = Tally()
    threads = [threading.Thread(target=_guarded, args=(tally, mixed_session, bases[i % len(bases)], seconds,
                                                       seed * 1000 + i, tally, pages))
               for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    return tally


def _guarded(tally: Tally, work: Callable[..., None], *args: object) -> None:
    """Run a session; an exception in the client (a dropped connection) counts as a failure."""
    try:
        work(*args)
    except Exception as error:  # noqa: BLE001 - reported through the tally, which the test asserts on
        with tally.lock:
            tally.failures.append(f"client: {error!r}")
            tally.statuses.setdefault("client", {}).setdefault(0, 0)
            tally.statuses["client"][0] += 1


SHARED = "SharedByEditors"


def editor_line(number: int, value: int) -> str:
    return f"editor {number} wrote {value}"


def editors_text(count: int) -> str:
    """Each editor's own line, with two unchanging lines between them (so that merge3 never
    sees two editors' changes as adjacent, which it would call a conflict)."""
    blocks = [f"{editor_line(i, 0)}\nquiet line {i}a\nquiet line {i}b" for i in range(count)]
    return "\n".join(blocks) + "\n"


def editor_session(base: str, number: int, seconds: float, acknowledged: list[int], tally: Tally) -> None:
    """Keep changing this editor's own line of SHARED; record every value the wiki acknowledged (303)."""
    browser = Browser(base)
    deadline = time.monotonic() + seconds
    value = 0
    try:
        while time.monotonic() < deadline:
            fields, text = browser.editor(SHARED)
            value += 1
            mine = re.compile(rf"^editor {number} wrote \d+$", re.M)
            changed = mine.sub(editor_line(number, value), text)
            reply = _timed(tally, "editor save", browser.save, SHARED, changed, fields)
            if reply.status == 303:
                acknowledged.append(value)
            time.sleep(random.random() * 0.01)  # let the others' edits land in between: merges happen
    finally:
        browser.close()
