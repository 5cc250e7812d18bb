"""Rate limits that hold across processes: a small SQLite file under data_dir.

Each limited action (a save, a sign-in, a registration) is counted per address and per
account in a sliding window; a request over any of its limits is refused before it
does anything. SQLite serialises the processes of every deployment (CGI, FastCGI,
mod_wsgi, `wiki serve`) with its own file locks.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from wiki.errors import TooManyRequests

BUSY_TIMEOUT = 2.0  # seconds; past it the action goes ahead (a limit must never take the wiki down)


def parse_limits(spec: str) -> dict[str, tuple[int, int]]:
    """"save=30/600,login=10/600" -> {"save": (30, 600), ...}: at most N in S seconds."""
    limits: dict[str, tuple[int, int]] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        action, _, rule = part.partition("=")
        count, _, seconds = rule.partition("/")
        try:
            limits[action.strip()] = (int(count), int(seconds))
        except ValueError as error:
            raise ValueError(f"rate_limits: {part.strip()!r} is not action=count/seconds") from error
    return limits


class RateLimiter:
    def __init__(self, path: Path, limits: dict[str, tuple[int, int]]) -> None:
        self.path = path
        self.limits = limits
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS hits_key ON hits (key, at)")
            self._local.db = db
        return db

    def hit(self, action: str, *who: str) -> None:
        """Count one `action` for each of `who` (an address, an account); raise
        TooManyRequests if any is over its limit (then nothing is counted)."""
        self._run(action, who, check=True, record=True)

    def check(self, action: str, *who: str) -> None:
        """Raise TooManyRequests if any of `who` is at its limit; count nothing (a sign-in counts
        an account's failures only, after the password was checked)."""
        self._run(action, who, check=True, record=False)

    def record(self, action: str, *who: str) -> None:
        """Count one `action` for each of `who`, whatever the counts are."""
        self._run(action, who, check=False, record=True)

    def spend(self, key: str, amount: int, most: int, seconds: int) -> int | None:
        """Add `amount` (bytes, say) to what `key` spent in the last `seconds`, unless that would
        pass `most`: then nothing is added, and what was spent is returned (None: added). A
        database that cannot be used adds nothing and refuses nothing, as `hit` does."""
        now = time.time()
        try:
            db = self._db()
            db.execute("CREATE TABLE IF NOT EXISTS amounts (key TEXT NOT NULL, at REAL NOT NULL, amount INTEGER NOT NULL)")
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM amounts WHERE at < ?", (now - max(seconds, 86400),))
                (spent,) = db.execute("SELECT COALESCE(SUM(amount), 0) FROM amounts WHERE key = ? AND at > ?",
                                      (key, now - seconds)).fetchone()
                if spent + amount > most:
                    db.execute("COMMIT")
                    return int(spent)
                db.execute("INSERT INTO amounts VALUES (?, ?, ?)", (key, now, amount))
                db.execute("COMMIT")
            except sqlite3.Error:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            import sys

            print(f"flatwiki: upload allowance not checked ({self.path}: {error})", file=sys.stderr)
        return None

    def _run(self, action: str, who: tuple[str, ...], *, check: bool, record: bool) -> None:
        rule = self.limits.get(action)
        if rule is None or rule[0] <= 0:
            return
        keys = [f"{action}:{one}" for one in who if one]
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                return self._count(keys, *rule, check=check, record=record)
            except sqlite3.OperationalError as error:
                # "database is locked" can come at once (switching to WAL, opening while another
                # process sets the file up), whatever the busy timeout: try again for a while.
                # Anything else (a read-only or full disk) will not pass by waiting.
                if "locked" in str(error) and time.monotonic() < deadline:
                    stale = getattr(self._local, "db", None)
                    if stale is not None:
                        stale.close()
                    self._local.db = None
                    time.sleep(0.01)
                    continue
                import sys

                print(f"flatwiki: rate limits not checked ({self.path}: {error})", file=sys.stderr)
                return

    def _count(self, keys: list[str], count: int, seconds: int, *, check: bool = True, record: bool = True) -> None:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM hits WHERE at < ?", (now - 86400,))
            for key in keys if check else []:
                (used, oldest) = db.execute("SELECT COUNT(*), MIN(at) FROM hits WHERE key = ? AND at > ?",
                                            (key, now - seconds)).fetchone()
                if used >= count:
                    db.execute("COMMIT")
                    raise TooManyRequests(keys[0].partition(":")[0], int(oldest + seconds - now) + 1)
            if record:
                db.executemany("INSERT INTO hits VALUES (?, ?)", [(key, now) for key in keys])
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
            raise
