"""Rate limits that hold across processes: a small SQLite file under data_dir.

The file is derived data (counts of recent actions): a damaged one is set aside and begun
afresh, and any other failure lets the action go ahead, told to the operator once. Times
never go backwards within the file: "now" is the latest time any process wrote, so processes
whose clocks differ (by a day, say) still count in one window.

Each limited action (a save, a sign-in, a registration) is counted per address and per
account in a sliding window; a request over any of its limits is refused before it
does anything. SQLite serialises the processes of every deployment (CGI, FastCGI,
mod_wsgi, `wiki serve`) with its own file locks.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from wiki.errors import TooManyRequests, tell_operator

T = TypeVar("T")
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
            db.execute("CREATE INDEX IF NOT EXISTS hits_at ON hits (at)")
            db.execute("CREATE TABLE IF NOT EXISTS amounts (key TEXT NOT NULL, at REAL NOT NULL, amount INTEGER NOT NULL)")
            self._local.db = db
        return db

    def _forget_connection(self) -> None:
        stale = getattr(self._local, "db", None)
        if stale is not None:
            try:
                stale.close()
            except sqlite3.Error:
                pass
        self._local.db = None

    def set_aside(self) -> Path | None:
        """Move a damaged file (and its WAL) aside, to begin afresh; where it went, or None."""
        self._forget_connection()
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.time_ns()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return None
        except OSError:
            return None
        for suffix in ("-wal", "-shm"):
            try:
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            except OSError:
                pass
        return aside

    def _with_db(self, work: Callable[[], T], default: T) -> T:
        """Run `work` on this thread's connection: a busy file is tried again for BUSY_TIMEOUT,
        a damaged one set aside and begun afresh (once), anything else gives `default` (the
        action goes ahead: a limit must never take the wiki down)."""
        deadline = time.monotonic() + BUSY_TIMEOUT
        fresh = False
        while True:
            try:
                return work()
            except sqlite3.OperationalError as error:
                # "database is locked" can come at once (switching to WAL, opening while another
                # process sets the file up), whatever the busy timeout: try again for a while.
                # Anything else (a read-only or full disk) will not pass by waiting.
                if "locked" in str(error) and time.monotonic() < deadline:
                    self._forget_connection()
                    time.sleep(0.01)
                    continue
                self._tell(f"rate limits not checked ({self.path}: {error})")
                return default
            except sqlite3.DatabaseError as error:  # "malformed", "not a database": derived, so begun afresh
                aside = None if fresh else self.set_aside()
                if aside is not None:
                    self._tell(f"{self.path} was damaged ({error}); set aside as {aside.name}, begun afresh")
                    fresh = True
                    continue
                self._tell(f"rate limits not checked ({self.path}: {error})")
                return default
            except (sqlite3.Error, OSError) as error:
                self._forget_connection()
                self._tell(f"rate limits not checked ({self.path}: {error})")
                return default

    _told: set[str] = set()

    def _tell(self, message: str) -> None:
        """Once per message and process: a disk that keeps failing must not fill the log."""
        if message not in RateLimiter._told:
            RateLimiter._told.add(message)
            tell_operator(f"flatwiki: {message}")

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

        def work() -> int | None:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                now = self._now(db)
                db.execute("DELETE FROM amounts WHERE at < ?", (now - max(seconds, 86400),))
                (spent,) = db.execute("SELECT COALESCE(SUM(amount), 0) FROM amounts WHERE key = ? AND at > ?",
                                      (key, now - seconds)).fetchone()
                if spent + amount > most:
                    db.execute("COMMIT")
                    return int(spent)
                db.execute("INSERT INTO amounts VALUES (?, ?, ?)", (key, now, amount))
                db.execute("COMMIT")
                return None
            except sqlite3.Error:
                db.execute("ROLLBACK")
                raise

        return self._with_db(work, None)

    @staticmethod
    def _now(db: sqlite3.Connection) -> float:
        """This machine's time, or the latest any process wrote if that is later: a clock behind
        must not put its hits outside the others' window, nor drop theirs as old."""
        (latest,) = db.execute("SELECT MAX(at) FROM hits").fetchone()
        (spent_at,) = db.execute("SELECT MAX(at) FROM amounts").fetchone()
        return max(time.time(), latest or 0.0, spent_at or 0.0)

    def _run(self, action: str, who: tuple[str, ...], *, check: bool, record: bool) -> None:
        rule = self.limits.get(action)
        if rule is None or rule[0] <= 0:
            return
        keys = [f"{action}:{one}" for one in who if one]
        self._with_db(lambda: self._count(keys, *rule, check=check, record=record), None)

    def _count(self, keys: list[str], count: int, seconds: int, *, check: bool = True, record: bool = True) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            now = self._now(db)
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
