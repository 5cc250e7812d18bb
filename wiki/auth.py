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

from wiki.storage import temp_file

CSRF_COOKIE = "wiki_csrf"
CSRF_FIELD = "csrf_token"


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured key, else one made once and kept (mode 0600) in data_dir/secret-key.

    The file appears whole or not at all (written aside, then linked into place), so no
    thread or process ever reads it empty, and whoever links first wins for everyone.
    """
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret-key"
    for _ in range(3):
        try:
            key = path.read_bytes().strip()
        except FileNotFoundError:
            key = b""
        if len(key) >= 32:
            return key
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, temp = temp_file(data_dir, "secret-key", 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_hex(32).encode("ascii") + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():  # empty or cut short (an older release wrote it in two steps): replace it
                os.replace(temp, path)
            else:
                try:
                    os.link(temp, path)  # fails if another process got there first: use theirs
                except FileExistsError:
                    pass
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    raise OSError(f"{path}: cannot create a usable secret key")


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, cookie_value: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), submitted)
