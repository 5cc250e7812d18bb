"""Accounts, stored the MoinMoin 1.9 way: data_dir/user/<id>, one `key=value` file each.

A 1.9 wiki's user files are read as they are (name=, email=, enc_password=, disabled=,
and every other key kept untouched); what flatwiki adds uses keys of its own
(flatwiki_admin, flatwiki_pending, flatwiki_created). Passwords are hashed with
werkzeug.security (scrypt); 1.9's {SSHA} hashes are checked too and replaced by a
stronger hash at the next sign-in. Files are written atomically (mode 0600: hashes).
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from wiki.atomic import write_atomically
from wiki.errors import BadRequest

HASH_PREFIX = "{WERKZEUG}"
MAX_NAME = 80
MAX_PASSWORD = 1024  # scrypt over megabytes of "password" is a denial of service
MIN_PASSWORD = 8
RESERVED = {"All", "Known", "Trusted", "Default", "Anonymous"}  # ACL words: no account may be called so
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class User:
    id: str
    fields: dict[str, str] = field(default_factory=dict)  # the file's every key, 1.9's included

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    @property
    def email(self) -> str:
        return self.fields.get("email", "")

    @property
    def disabled(self) -> bool:
        return self.fields.get("disabled", "0") not in ("", "0")

    @property
    def admin(self) -> bool:
        return self.fields.get("flatwiki_admin", "0") == "1"

    @property
    def pending(self) -> bool:
        """Registered, waiting for an administrator's approval."""
        return self.fields.get("flatwiki_pending", "0") == "1"

    @property
    def created(self) -> float:
        try:
            return float(self.fields.get("flatwiki_created", "") or self.id.split(".")[0])
        except ValueError:
            return 0.0

    @property
    def password_stamp(self) -> str:
        """Changes with the password: sessions carry it, so a new password ends the others."""
        return hashlib.sha256(self.fields.get("enc_password", "").encode("utf-8")).hexdigest()[:16]


def _unreadable(path: Path, error: OSError) -> None:
    """An account the server may not read (made by `wiki user` as another user): tell the operator."""
    import sys

    print(f"flatwiki: cannot read {path} ({error.strerror}): run `wiki user` as the web server's user, "
          "or give it the files", file=sys.stderr, flush=True)


def hash_password(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return HASH_PREFIX + generate_password_hash(password, method="scrypt")


# Checked when a name has no account, so that a sign-in takes as long either way.
_DUMMY_HASH: list[str] = []


def check_password(stored: str, password: str) -> bool:
    """Compare in constant time: werkzeug's own hashes, and every kind MoinMoin 1.9 wrote:
    {SSHA} and {SSHA256} (salted SHA-1 and SHA-256), {SHA} (unsalted SHA-1) and
    {PASSLIB} sha512_crypt. The caller replaces a 1.9 hash at the first sign-in."""
    if stored.startswith(HASH_PREFIX):
        from werkzeug.security import check_password_hash

        return check_password_hash(stored[len(HASH_PREFIX):], password)
    secret = password.encode("utf-8")
    for prefix, algorithm, size in (("{SSHA}", "sha1", 20), ("{SSHA256}", "sha256", 32), ("{SHA}", "sha1", 20)):
        if stored.startswith(prefix):
            try:
                raw = base64.b64decode(stored[len(prefix):], validate=True)
            except ValueError:
                return False
            digest, salt = raw[:size], raw[size:]
            return hmac.compare_digest(hashlib.new(algorithm, secret + salt).digest(), digest)
    if stored.startswith("{PASSLIB}$6$"):
        expected = stored[len("{PASSLIB}"):]
        try:
            return hmac.compare_digest(sha512_crypt(secret, expected), expected)
        except ValueError:
            return False
    return False


CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# The order sha512_crypt writes the digest's bytes in, three at a time (Drepper's specification).
CRYPT_ORDER = [(i, (i + 21) % 63, (i + 42) % 63) for i in (0, 22, 44, 3, 25, 47, 6, 28, 50, 9, 31, 53, 12, 34, 56,
                                                              15, 37, 59, 18, 40, 62)]


def sha512_crypt(password: bytes, setting: str) -> str:
    """SHA-512 crypt ("$6$[rounds=N$]salt$hash", as passlib and glibc write it), from Ulrich
    Drepper's published specification: 1.9 wikis that used passlib stored these. `setting` is a
    whole hash or just its "$6$...$salt" part; the whole hash for `password` is returned."""
    parts = setting.split("$")
    if len(parts) < 3 or parts[1] != "6":
        raise ValueError("not a SHA-512 crypt hash")
    rounds, explicit = 5000, parts[2].startswith("rounds=")
    if explicit:
        rounds = min(max(int(parts[2][len("rounds="):]), 1000), 999_999_999)
        if rounds > 10_000_000:
            raise ValueError("too many rounds to check")  # a stored hash must not stall sign-in
    salt = (parts[3] if explicit else parts[2])[:16].encode("ascii")
    sha = hashlib.sha512
    alternate = sha(password + salt + password).digest()
    digest = sha(password + salt)
    for start in range(0, len(password), 64):
        digest.update(alternate[: min(64, len(password) - start)])
    length = len(password)
    while length:
        digest.update(alternate if length & 1 else password)
        length >>= 1
    current = digest.digest()
    p_bytes = (sha(password * len(password)).digest() * (len(password) // 64 + 1))[: len(password)]
    s_bytes = (sha(salt * (16 + current[0])).digest() * (len(salt) // 64 + 1))[: len(salt)]
    for round_number in range(rounds):
        step = sha(p_bytes if round_number & 1 else current)
        if round_number % 3:
            step.update(s_bytes)
        if round_number % 7:
            step.update(p_bytes)
        step.update(current if round_number & 1 else p_bytes)
        current = step.digest()
    encoded: list[str] = []
    for first, second, third in CRYPT_ORDER:
        value = (current[first] << 16) | (current[second] << 8) | current[third]
        encoded.extend(CRYPT_ALPHABET[(value >> (6 * k)) & 63] for k in range(4))
    encoded.extend(CRYPT_ALPHABET[(current[63] >> (6 * k)) & 63] for k in range(2))
    head = f"$6$rounds={rounds}$" if explicit else "$6$"
    return head + salt.decode("ascii") + "$" + "".join(encoded)


def validate_name(name: str, group_pattern: re.Pattern[str] | None = None) -> str:
    """An account name: what a page name may be (it is linked to a home page), and nothing an
    ACL reads otherwise (All, Known, a name of a group page, ',' or ':' that split entries)."""
    from wiki import names

    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if any(unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn", "Cs") for char in name):
        raise BadRequest(f"{name!r} cannot be an account name: it holds invisible characters (format or control "
                         "characters, such as a zero-width space, a soft hyphen or a change of direction).")
    if not name or len(name) > MAX_NAME:
        raise BadRequest(f"A name has 1 to {MAX_NAME} characters.")
    if name in RESERVED or any(char in name for char in ",:") or name[0] in "+-#" or \
            (group_pattern is not None and group_pattern.search(name)):
        raise BadRequest(f"{name!r} cannot be an account name: it means something else in access control lists.")
    try:
        names.normalize(name)
    except ValueError as error:
        raise BadRequest(f"{name!r} cannot be an account name: {error}") from error
    return name


def look_alike_forms(name: str) -> set[str]:
    """What a name looks like (after the skeleton of Unicode's UTS #39): case folded, decomposed,
    and each character that Unicode's confusables list pairs with another taken as the plainest
    of them (Cyrillic і and dotless ı as i, l as 1). Two accounts may not share it: `alіce` beside
    `alice`, `ADMIN` beside `Admin` would show as one person in the history. Two forms, as case
    may be folded before or after (capital I looks like l, small i does not): names that share
    either look alike."""
    table = _confusables()

    def mapped(text: str) -> str:
        return "".join(table.get(char, char) for char in unicodedata.normalize("NFKD", text))

    return {unicodedata.normalize("NFD", mapped(name).casefold()), unicodedata.normalize("NFD", mapped(name.casefold()))}


def _confusables() -> dict[str, str]:
    """Each character of Unicode's confusables (confusable_homoglyphs' copy of confusables.txt)
    mapped to the least of it and its look-alikes: loaded once, when an account is made."""
    if not _LOOK_ALIKES:
        import json
        from importlib import resources

        listed = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
        table: dict[str, str] = {}  # built whole, then published: another thread never sees half of it
        for char, alikes in listed.items():
            group = [char, *(alike["c"] for alike in alikes if len(alike["c"]) == 1)]
            least = min(group, key=_plainest)
            for each in group:
                known = table.get(each)
                table[each] = least if known is None else min(known, least, key=_plainest)
        _LOOK_ALIKES.update(table)
    return _LOOK_ALIKES


_LOOK_ALIKES: dict[str, str] = {}


def _plainest(char: str) -> tuple[bool, str]:
    return not char.isascii(), char


def validate_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadRequest(f"A password has {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return password


class NameTaken(BadRequest):
    """Another account has this name."""


class UserStore:
    def __init__(self, directory: Path, group_pattern: re.Pattern[str] | None = None) -> None:
        self.directory = directory
        self.group_pattern = group_pattern  # names a group page would have are no account's
        self._lock = threading.Lock()
        self._by_name: dict[str, str] = {}
        self._by_id: dict[str, User] = {}
        self._seen: int | None = None  # the folder's mtime when the maps were built

    def _path(self, user_id: str) -> Path:
        return self.directory / user_id

    def _refresh(self) -> None:
        """Reread the folder when it changed (every write renames a file into it)."""
        try:
            seen = os.stat(self.directory).st_mtime_ns
        except FileNotFoundError:
            seen = 0
        if seen == self._seen:
            return
        with self._lock:
            by_name: dict[str, str] = {}
            by_id: dict[str, User] = {}
            try:
                listed = os.listdir(self.directory) if seen else []
            except PermissionError as error:
                _unreadable(self.directory, error)
                listed = []
            for user_id in listed:
                if not re.fullmatch(r"[0-9.]+", user_id):
                    continue  # lock files, temporary files, 1.9's *.trail and *.bookmark
                user = self._read(user_id)
                if user is not None and user.name:
                    by_id[user_id] = user
                    by_name.setdefault(user.name, user_id)
            self._by_name, self._by_id, self._seen = by_name, by_id, seen

    def _read(self, user_id: str) -> User | None:
        try:
            text = self._path(user_id).read_text("utf-8", errors="replace")
        except (FileNotFoundError, IsADirectoryError):
            return None
        except PermissionError as error:
            _unreadable(self._path(user_id), error)
            return None
        fields = {}
        for line in text.splitlines():
            if line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            fields[key] = value
        return User(user_id, fields)

    def get(self, user_id: str) -> User | None:
        self._refresh()
        return self._by_id.get(user_id)

    def by_name(self, name: str) -> User | None:
        self._refresh()
        user_id = self._by_name.get(name)
        return self._by_id.get(user_id) if user_id else None

    def all(self) -> list[User]:
        self._refresh()
        return sorted(self._by_id.values(), key=lambda user: user.name.casefold())

    def name_of(self, user_id: str) -> str:
        user = self.get(user_id) if user_id else None
        return user.name if user else ""

    def write(self, user: User) -> None:
        lines = [f"{key}={' '.join(str(value).splitlines())}" for key, value in user.fields.items()]
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self._path(user.id), ("\n".join(lines) + "\n").encode("utf-8"), mode=0o600)

    def create(self, name: str, password: str, *, email: str = "", admin: bool = False,
               pending: bool = False) -> User:
        """A new account; NameTaken if the name is taken (checked under a lock: two
        registrations of one name in two processes make one account). The password is hashed
        first, outside the lock: a taken name costs the same time as a free one."""
        name = validate_name(name, self.group_pattern)
        validate_password(password)
        if email and not EMAIL.match(email):
            raise BadRequest(f"{email!r} is not an e-mail address.")
        enc_password = hash_password(password)
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / ".create-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._seen = None
            if self.by_name(name) is not None:
                raise NameTaken(f"The name {name!r} is taken; choose another.")
            looks = look_alike_forms(name)
            for other in self.all():
                if looks & look_alike_forms(other.name):
                    raise NameTaken(f"The name {name!r} looks like the name of another account ({other.name!r}); "
                                    "choose one that cannot be mistaken for it.")
            now = time.time()
            user_id = f"{now:.2f}.{secrets.randbelow(1000)}.{secrets.randbelow(100000)}"
            user = User(user_id, {
                "name": name, "aliasname": "", "email": email, "enc_password": enc_password,
                "disabled": "1" if pending else "0", "flatwiki_admin": "1" if admin else "0",
                "flatwiki_pending": "1" if pending else "0", "flatwiki_created": str(int(now)),
            })
            self.write(user)
            self._seen = None
            return user
        finally:
            os.close(fd)

    def authenticate(self, name: str, password: str) -> User | None:
        """The account if the name and password match (the caller refuses a disabled one); the same work is
        done for a name without an account, so the answer's timing does not tell."""
        if len(password) > MAX_PASSWORD:
            return None
        user = self.by_name(unicodedata.normalize("NFC", " ".join(name.split())))  # as names are stored
        stored = user.fields.get("enc_password", "") if user is not None else ""
        if not stored.startswith(HASH_PREFIX):
            # No account, or a 1.9 hash (a salted SHA-1 takes microseconds): the scrypt a native
            # account costs is paid all the same, so the timing tells none of them apart.
            if not _DUMMY_HASH:
                _DUMMY_HASH.append(hash_password(secrets.token_hex(16)))
            check_password(_DUMMY_HASH[0], password)
        if user is None or not check_password(stored, password):
            return None
        if not stored.startswith(HASH_PREFIX):
            self.set_password(user, password)  # a 1.9 hash: replaced by a stronger one
        return user

    def set_password(self, user: User, password: str) -> None:
        user.fields["enc_password"] = hash_password(validate_password(password))
        self.write(user)
