"""A MoinMoin 1.9 data directory written the way 1.9 writes one (CRLF revisions, quoted names
in the edit-logs, deletions as revision numbers without a file, SAVE/RENAME, unversioned
attachments, user files with every password hash kind 1.9 wrote), computed here from the
documented formats and algorithms."""
from __future__ import annotations

import base64
import hashlib
import subprocess
from pathlib import Path

from wiki.names import quote_fs

PASSWORDS = {"Ann Example": "ann's secret", "Jörg Müller": "pässwort", "ShaUser": "plain sha",
             "Sha256User": "salted 256", "PasslibUser": "crypt me"}
USER_IDS = {"Ann Example": "1200000000.12.34567", "Jörg Müller": "1200000001.5.6",
            "ShaUser": "1200000002.1.1", "Sha256User": "1200000003.2.2", "PasslibUser": "1200000004.3.3"}


def ssha(password: str, salt: bytes, algorithm: str = "sha1") -> str:
    digest = hashlib.new(algorithm, password.encode("utf-8") + salt).digest()
    return base64.b64encode(digest + salt).decode("ascii")


def password_hashes() -> dict[str, str]:
    """Each kind computed independently of flatwiki: hashlib, and `openssl passwd -6` for sha512_crypt."""
    crypt = subprocess.run(["openssl", "passwd", "-6", "-salt", "Jx0aBcDeFgHiJkLm", PASSWORDS["PasslibUser"]],
                           capture_output=True, text=True, check=True).stdout.strip()
    return {
        "Ann Example": "{SSHA}" + ssha(PASSWORDS["Ann Example"], b"salt1234"),
        "Jörg Müller": "{SSHA}" + ssha(PASSWORDS["Jörg Müller"], b"\x00\xffsalt"),
        "ShaUser": "{SHA}" + base64.b64encode(hashlib.sha1(PASSWORDS["ShaUser"].encode()).digest()).decode(),
        "Sha256User": "{SSHA256}" + ssha(PASSWORDS["Sha256User"], b"pepper!", "sha256"),
        "PasslibUser": "{PASSLIB}" + crypt,
    }


# Pieces that, repeated to fill a page, once cost more than their size (tests and bench/moin19.py).
HOSTILE = ("'''", "[[", "x{{{", "{{{", " * ", "||", "<<Include(", "<<", "~-", "-~", "{{{{\n", "Ab:", "[wiki:",
           "[\"", " t:: ", "||<", "CamelCase ", "http://", "{{", "\n" + " " * 40 + "* ", "{{{#!wiki\n", "= ",
           "^", ",,", "--(", ")--", "`", ":) ", "&#1;", "attachment:", "= " + " " * 200 + "x", "x" + " " * 300,
           "<<TableOfContents>>\n= a =\n")


class Moin19Wiki:
    """Writes pages, deletions, renames and attachments as 1.9's PageEditor and AttachFile do."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = 1_200_000_000_000_000
        (root / "pages").mkdir(parents=True)
        (root / "user").mkdir()
        (root / "edit-log").touch()

    def _log(self, page_dir: Path, revision: int, action: str, name: str, extra: str = "", comment: str = "",
             user: str = "") -> None:
        self.clock += 1_000_000
        line = "\t".join([str(self.clock), f"{revision:08d}", action, quote_fs(name), "192.0.2.7", "host.example",
                          user, extra, comment]) + "\n"
        for log in (page_dir / "edit-log", self.root / "edit-log"):
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(line)

    def page_dir(self, name: str) -> Path:
        return self.root / "pages" / quote_fs(name)

    def current(self, name: str) -> int:
        try:
            return int((self.page_dir(name) / "current").read_text())
        except FileNotFoundError:
            return 0

    def save(self, name: str, text: str, comment: str = "", user: str = "", action: str = "",
             extra: str = "") -> int:
        page_dir = self.page_dir(name)
        (page_dir / "revisions").mkdir(parents=True, exist_ok=True)
        revision = self.current(name) + 1
        if not text.endswith("\n"):
            text += "\n"
        (page_dir / "revisions" / f"{revision:08d}").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        (page_dir / "current").write_text(f"{revision:08d}\n")
        self._log(page_dir, revision, action or ("SAVENEW" if revision == 1 else "SAVE"), name, extra, comment, user)
        return revision

    def delete(self, name: str, comment: str = "") -> None:
        page_dir = self.page_dir(name)
        revision = self.current(name) + 1
        (page_dir / "current").write_text(f"{revision:08d}\n")  # a number with no revision file
        self._log(page_dir, revision, "SAVE", name, "", comment)

    def rename(self, old: str, new: str) -> None:
        text = (self.page_dir(old) / "revisions" / f"{self.current(old):08d}").read_bytes().decode().replace("\r", "")
        self.save(new, text, comment=f"renamed from {old}", action="SAVE/RENAME", extra=old)
        self.delete(old, comment=f"renamed to {new}")

    def attach(self, page: str, filename: str, data: bytes) -> None:
        folder = self.page_dir(page) / "attachments"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(data)
        self.clock += 1_000_000
        from urllib.parse import quote

        line = "\t".join([str(self.clock), "99999999", "ATTNEW", quote_fs(page), "192.0.2.7", "host.example", "",
                          quote(filename, safe="/"), ""]) + "\n"
        for log in (self.page_dir(page) / "edit-log", self.root / "edit-log"):
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(line)

    def user(self, name: str, enc_password: str, **more: str) -> str:
        user_id = USER_IDS[name]
        lines = [f"name={name}", f"enc_password={enc_password}", "email=", "aliasname=", "theme_name=modernized",
                 "quicklinks[]=FrontPage", "disabled=0", *[f"{k}={v}" for k, v in more.items()]]
        (self.root / "user" / user_id).write_text("\n".join(lines) + "\n", encoding="utf-8")
        (self.root / "user" / f"{user_id}.trail").write_text("FrontPage\n")
        return user_id


def build(root: Path) -> Moin19Wiki:
    """A small 1.9 wiki with everything the importer must carry over."""
    wiki = Moin19Wiki(root)
    hashes = password_hashes()
    for name in PASSWORDS:
        wiki.user(name, hashes[name])
    ann = USER_IDS["Ann Example"]
    wiki.save("FrontPage", "= Welcome =\nThis is '''MoinMoin''' markup.\n * see HelpOnMoinWikiSyntax\n", user=ann)
    wiki.save("FrontPage", "= Welcome =\nThis is '''MoinMoin''' markup, edited.\n * see [[Help/Syntax]]\n",
              comment="second", user=ann)
    wiki.save("Help/Syntax", "Some ''italic'' text.\n{{attachment:logo.png}}\n")
    wiki.attach("Help/Syntax", "logo.png", b"\x89PNG\r\n\x1a\nfake image")
    wiki.attach("Help/Syntax", "read me.txt", b"plain text attachment\n")
    wiki.save("Café Menu", "Ünïcode '''page'''\n")
    wiki.save("Old Name", "to be renamed\n")
    wiki.rename("Old Name", "New Name")
    wiki.save("Gone", "short-lived\n")
    wiki.delete("Gone", comment="spam")
    wiki.save("Secret", "#acl AdminGroup:read,write All:\nonly for admins\n")
    wiki.save("AdminGroup", " * Ann Example\n")
    wiki.save("Markdown Page", "#format markdown\n# Heading\n**bold**\n")
    (root / "intermap.txt").write_text("# interwiki\nExampleWiki https://example.org/wiki/\n")
    return wiki
