"""Sign-in sessions: a random token in an HttpOnly cookie, its state on the server.

Each session is a file in data_dir/sessions named by the SHA-256 of its token (a copy of
the folder gives nobody a usable cookie), holding the account, the expiry and the
account's password stamp: changing the password ends every session made before, in
every process, without a list to keep. Files work the same under CGI, FastCGI,
mod_wsgi and `wiki serve`, and survive restarts.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import NamedTuple

from wiki.atomic import remove_quietly, write_atomically

COOKIE = "wiki_session"


class Session(NamedTuple):
    token: str
    user_id: str
    expires: float
    stamp: str


MAX_SESSIONS = 20_000  # past this many, the sessions that would expire first are ended


class SessionStore:
    def __init__(self, directory: Path, lifetime: float) -> None:
        self.directory = directory
        self.lifetime = lifetime

    def _path(self, token: str) -> Path:
        return self.directory / hashlib.sha256(token.encode("utf-8")).hexdigest()

    def create(self, user_id: str, stamp: str) -> Session:
        import secrets  # not at import: the cached-view path reads only COOKIE from here

        token = secrets.token_urlsafe(32)
        session = Session(token, user_id, time.time() + self.lifetime, stamp)
        self.directory.mkdir(parents=True, exist_ok=True)
        import json  # not at import: the cached-view path reads only COOKIE from here

        data = json.dumps({"user": user_id, "expires": session.expires, "stamp": stamp})
        write_atomically(self._path(token), data.encode("utf-8"), mode=0o600)
        self._sweep()
        return session

    def load(self, token: str) -> Session | None:
        """The live session for a cookie's token (None: unknown, malformed or expired)."""
        if not token or len(token) > 100 or not token.replace("-", "").replace("_", "").isalnum():
            return None
        import json

        path = self._path(token)
        try:
            data = json.loads(path.read_bytes())
            session = Session(token, str(data["user"]), float(data["expires"]), str(data["stamp"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if session.expires < time.time():
            remove_quietly([str(path)])
            return None
        return session

    def end(self, token: str) -> None:
        if token:
            remove_quietly([str(self._path(token))])

    def _sweep(self, every: int = 50) -> None:
        """Now and then (on one sign-in in `every`), remove expired sessions, and past
        MAX_SESSIONS the ones that expire first: sign-ins never followed by a sign-out must not
        fill the folder (a 10-minute soak left 1,019)."""
        import json
        import secrets

        if every > 1 and secrets.randbelow(every):
            return
        now = time.time()
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            return
        live = []
        for entry in entries:
            try:
                expires = float(json.loads(Path(entry.path).read_bytes())["expires"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if expires < now:
                remove_quietly([entry.path])
            else:
                live.append((expires, entry.path))
        live.sort()
        remove_quietly([path for _, path in live[:max(0, len(live) - MAX_SESSIONS)]])
