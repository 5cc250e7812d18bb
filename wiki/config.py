"""The one declared table of options: each with its type, default and help.

Read at the entry points only (TOML file, then WIKI_* environment overrides);
everything below takes plain values.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def bundled(folder: str) -> Path:
    """The themes or the starter pages that come with flatwiki: inside the package when it was
    installed from a wheel (pyproject.toml maps them there), else beside it in the checkout."""
    inside = PACKAGE_DIR / folder
    return inside if inside.is_dir() else PROJECT_ROOT / folder


BUNDLED_THEMES, BUNDLED_PAGES = bundled("themes"), bundled("pages")
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields, beside an uploaded file


def _option(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Config:
    """Every option of the wiki. README's configuration table is checked against this."""

    data_dir: Path = _option(Path("instance"), "Where pages, history, the search index and caches live. Must be writable by the server's user.")
    site_name: str = _option("flatwiki", "Shown in the header and the browser's title bar.")
    front_page: str = _option("FrontPage", "The page that / leads to.")
    theme: str = _option("default", "Name of a folder under themes_dir; templates it lacks come from the default theme.")
    themes_dir: Path = _option(BUNDLED_THEMES, "Folder holding the themes; templates and files a theme lacks come from the bundled default theme.")
    starter_pages_dir: Path = _option(BUNDLED_PAGES, "Markdown files that `wiki init` imports as the starter pages.")
    camelcase_links: bool = _option(True, "Link CamelCase words to pages of that name.")
    default_markup: str = _option(
        "markdown", "Markup of pages without a #format line: markdown, or wiki (MoinMoin 1.9's wiki markup). Unset, "
                    "the data dir's default-markup file decides (`wiki import-moin19` writes wiki there). A page's "
                    "own #format line always wins.")
    read_only: bool = _option(False, "Refuse every change (edits, reverts, deletes) with 403.")
    max_content_length: int = _option(2 * 1024 * 1024, "Largest request body in bytes; larger requests get 413.")
    max_page_bytes: int = _option(
        512 * 1024, "Largest page text in bytes of UTF-8; a larger save gets 413. Pages up to it render within "
                    "about 1 s (bench/render.py).")
    max_attachment_bytes: int = _option(10 * 1024 * 1024, "Largest attached file in bytes; a larger upload gets 413.")
    page_attachments_bytes: int = _option(
        100 * 1024 * 1024, "Most bytes one page's attachments may take, the replaced versions kept among them; an "
                           "upload past it gets 507. 0: no limit.")
    attachments_bytes: int = _option(
        4 * 1024 * 1024 * 1024, "Most bytes all attachments may take together, replaced versions included; an upload "
                                "past it gets 507. 0: no limit.")
    upload_bytes_per_day: int = _option(
        200 * 1024 * 1024, "Most bytes one account (or, not signed in, one address) may upload in 24 hours; past it, "
                           "507. 0: no limit.")
    secret_key: str = _option("", "Signs CSRF tokens. Empty: a random key is made once and kept in data_dir/secret-key.")
    proxy_fix: bool = _option(False, "Trust one reverse proxy's X-Forwarded-For/-Proto/-Host/-Prefix headers.")
    page_cache_seconds: int = _option(0, "max-age of page views in Cache-Control; 0 means browsers revalidate every time (cheap: 304 via ETag).")
    memory_cache_mb: int = _option(2, "Megabytes of stored page responses each server process keeps in memory too; the disk copies serve the rest.")
    base_url: str = _option(
        "", "Scheme and host the wiki is reached at, e.g. https://wiki.example.org: used for the absolute addresses "
            "in feeds, the sitemap and the print view. Empty: taken from the request only if trusted_hosts is set, "
            "else those addresses are relative.")
    trusted_hosts: str = _option(
        "", "Host names this wiki answers to, separated by commas (.example.org also matches its subdomains); any "
            "other Host header gets 400. Empty: any.")
    lock_timeout: int = _option(10, "Seconds a change waits for another change of the same page to finish before answering 503 (try again).")
    acl_rights_before: str = _option(
        "", "ACL entries checked before every page's own (MoinMoin 1.9's option), e.g. "
        "`AdminGroup:read,write,delete,revert,admin`.")
    acl_rights_default: str = _option(
        "Trusted:read,write,delete,revert Known:read,write,delete,revert All:read,write",
        "The ACL of pages without an #acl line (MoinMoin 1.9's default: an open wiki). For \"everyone reads, "
        "signed-in people edit\": `Known:read,write,delete,revert All:read`.")
    acl_rights_after: str = _option("", "ACL entries checked after every page's own (MoinMoin 1.9's option).")
    group_page_regex: str = _option(".*Group$", "Pages whose names match are groups: their ` * Name` bullet items are the members.")
    registration: str = _option(
        "open", "Who may create an account at /+register: `open`, `approval` (an administrator approves it at "
        "/+users), or `off`.")
    session_days: int = _option(30, "Days a sign-in lasts; changing the password ends the other sessions at once.")
    show_addresses: str = _option(
        "admins", "Who sees the IP addresses of changes in history, recent changes, feeds and info: `admins`, "
        "`everyone` or `nobody`.")
    rate_limits: str = _option(
        "save=60/600,login=10/600,register=5/3600,preview=600/600",
        "At most N actions in S seconds, as action=N/S: `save` (every change; per account, or per address when "
        "not signed in), `login` (sign-in attempts per address, and wrong passwords per account and address), "
        "`register` (per address), `preview` (the editor's previews, live ones too; per account, or per address). Kept in "
        "data_dir/ratelimit.sqlite, across processes.")
    textchas: str = _option(
        "", "Questions anonymous people and new accounts must answer to save or register, one per line as "
            "`Question? = answer regex`. Empty: none.")
    textcha_account_hours: int = _option(24, "Accounts younger than this many hours also answer a textcha.")
    trust_remote_user: bool = _option(
        False, "Sign in whoever the web server authenticated (REMOTE_USER, e.g. Apache basic auth) as that name, in "
        "the Trusted group.")

    def __post_init__(self) -> None:
        import re

        choices = {"registration": ("open", "approval", "off"), "show_addresses": ("admins", "everyone", "nobody"),
                   "default_markup": ("markdown", "wiki")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"option {name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if not re.fullmatch(r"\s*(\w+=\d+/\d+\s*(,\s*\w+=\d+/\d+\s*)*)?", self.rate_limits):
            raise ValueError(f"option rate_limits: {self.rate_limits!r} is not action=count/seconds,...")
        try:
            re.compile(self.group_page_regex)
        except re.error as error:
            raise ValueError(f"option group_page_regex: {error}") from error

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def trusted_host_list(self) -> list[str]:
        return [host.strip() for host in self.trusted_hosts.split(",") if host.strip()]

    def largest_body(self) -> int:
        """The most bytes any request may carry: a form, or an upload with its form around it."""
        return max(self.max_content_length, self.max_attachment_bytes + UPLOAD_OVERHEAD)


def options() -> list[dataclasses.Field[Any]]:
    """The declared options, in order: the source of README's table and of `wiki --help`."""
    return list(dataclasses.fields(Config))


def _convert(name: str, kind: Any, value: Any, base: Path) -> Any:
    if kind in (Path, "Path"):
        path = Path(os.path.expanduser(str(value)))
        return path if path.is_absolute() else base / path
    if kind in (bool, "bool"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"option {name}: {value!r} is not true or false")
    if kind in (int, "int"):
        if isinstance(value, bool):
            raise ValueError(f"option {name}: expected a whole number, got {value!r}")
        return int(value)
    return str(value)


MARKUP_FILE = "default-markup"


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Build a Config from a TOML file, WIKI_* variables and explicit overrides (in that order).

    The file is `path`, else $WIKI_CONFIG, else `wiki.toml` in the project root
    when it exists. Relative paths in the file are relative to the file; in the
    environment or overrides, to the working directory.
    """
    environ = os.environ if environ is None else environ
    fields = {f.name: f for f in options()}
    values: dict[str, Any] = {}
    config_path = path or environ.get("WIKI_CONFIG") or None
    if config_path is None and (PROJECT_ROOT / "wiki.toml").is_file():
        config_path = PROJECT_ROOT / "wiki.toml"
    if config_path is not None:
        import tomllib  # only when there is a file: CGI pays for every import

        config_file = Path(config_path)
        with config_file.open("rb") as handle:
            table = tomllib.load(handle)
        table = table.get("wiki", table)
        for key, value in table.items():
            if key not in fields:
                raise ValueError(f"{config_file}: unknown option {key!r}")
            values[key] = _convert(key, fields[key].type, value, config_file.resolve().parent)
    cwd = Path.cwd()
    for key, spec in fields.items():
        env_value = environ.get("WIKI_" + key.upper())
        if env_value is not None:
            values[key] = _convert(key, spec.type, env_value, cwd)
    for key, value in overrides.items():
        if value is not None:
            values[key] = _convert(key, fields[key].type, value, cwd)
    if "data_dir" not in values:
        values["data_dir"] = cwd / "instance"
    if "default_markup" not in values:  # an imported MoinMoin wiki says so in its data dir
        try:
            values["default_markup"] = (Path(values["data_dir"]) / MARKUP_FILE).read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            pass
    return Config(**values)
