"""Who is asking, and proof that a form came from this wiki (CSRF tokens).

A random value lives in a cookie; forms carry its HMAC under the site secret.
A forged cross-site form has neither, so any POST without a matching pair fails.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from wiki.atomic import write_atomically

CSRF_COOKIE = "wiki_csrf"
CSRF_FIELD = "csrf_token"


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured key, else one made once and kept (mode 0600) in data_dir/secret-key.

    Made under a lock and put in place whole (written aside, then renamed), so no thread
    or process ever reads it empty or gets a key that another one then replaces.
    """
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret-key"
    key = _read_key(path)
    if key:
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "secret-key.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        key = _read_key(path)  # made by whoever held the lock before us
        if key:
            return key
        key = secrets.token_hex(32).encode("ascii")
        write_atomically(path, key + b"\n", mode=0o600)  # also replaces an empty file of an older release
        return key
    finally:
        os.close(fd)


def _read_key(path: Path) -> bytes:
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        return b""
    return key if len(key) >= 32 else b""


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie_value: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), submitted)
