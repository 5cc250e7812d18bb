"""Who is asking, and proof that a form came from this wiki (CSRF tokens).

A random value lives in a cookie; forms carry its HMAC under the site secret.
A forged cross-site form has neither, so any POST without a matching pair fails.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

CSRF_COOKIE = "wiki_csrf"
CSRF_FIELD = "csrf_token"


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured key, else one made once and kept (mode 0600) in data_dir/secret-key."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret-key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie_value: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), submitted)
