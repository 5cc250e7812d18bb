"""What every view shares: the request type, themed responses, forms, redirects.

Only here and above do werkzeug requests and responses appear; the wiki's services
are a `Site` (wiki/site.py), passed to every view.
"""
from __future__ import annotations

import re
import urllib.parse
from typing import Any

from markupsafe import Markup
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Request, Response

from wiki import auth, names
from wiki.acl import ANONYMOUS, Reader
from wiki.editlog import LogEntry
from wiki.errors import BadRequest, PayloadTooLarge, PermissionDenied
from wiki.sessions import COOKIE as SESSION_COOKIE
from wiki.sessions import Session
from wiki.site import Site
from wiki.storage import Author
from wiki.users import User

TYPE_CHECKING = False
if TYPE_CHECKING:
    from wiki.theme import Theme

HONEYPOT_FIELD = "homepage"  # hidden from people (CSS and aria-hidden); bots fill in every field

HTML = "text/html; charset=utf-8"
# What XML 1.0 forbids (C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF): a
# page or an edit comment holding one must not make a feed invalid or an XHTML reader choke.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 forbids replaced by U+FFFD."""
    return XML_FORBIDDEN.sub("\ufffd", text)


class WikiRequest(Request):
    """A request that knows its URL adapter (for building links under any mount point)."""

    urls: MapAdapter
    new_csrf_cookie: str | None = None
    reader: Reader = ANONYMOUS
    user: User | None = None
    session: Session | None = None

    def url_for(self, endpoint: str, **values: Any) -> str:
        return str(self.urls.build(endpoint, values))

    def page_url(self, name: str) -> str:
        return self.url_for("show_page", name=name)

    def edit_url(self, name: str) -> str:
        return self.url_for("edit_page", name=name)

    def attachment_url(self, name: str, filename: str) -> str:
        return self.url_for("download_attachment", name=name, file=filename)

    def attachments_url(self, name: str) -> str:
        return self.url_for("page_attachments", name=name)

    @property
    def author(self) -> Author:
        return Author(address=self.remote_addr or "", user_id=self.reader.user_id)

    @property
    def csrf_owner(self) -> str | None:
        """What CSRF tokens are bound to: the session when signed in, else the browser's cookie."""
        if self.session is not None:
            return "session:" + self.session.token
        return self.cookies.get(auth.CSRF_COOKIE) or self.new_csrf_cookie

    @property
    def drafts_owner(self) -> str:
        """Whose unsaved drafts these are: the account's when signed in, else this browser's."""
        if self.reader.user_id:
            return "user:" + self.reader.user_id
        return self.cookies.get(auth.CSRF_COOKIE, "")


def identify(wiki: Site, request: WikiRequest) -> None:
    """Who is asking: the account of a live session cookie, or a name the web server
    authenticated (with trust_remote_user), else anonymous."""
    remote_user = request.environ.get("REMOTE_USER", "") if wiki.config.trust_remote_user else ""
    if remote_user:
        request.reader = wiki.reader(trusted_name=str(remote_user))
        return
    token = request.cookies.get(SESSION_COOKIE, "")
    found = wiki.signed_in(token) if token else None
    if found is not None:
        request.user, request.session = found
        request.reader = wiki.reader(request.user)


def page_name(raw: str) -> str:
    """Validate a name from a URL (400 via InvalidPageName when bad)."""
    return names.normalize(raw)


def whole_number(raw: str) -> int | None:
    """A number of up to 9 ASCII digits, else None (str.isdigit() alone takes '²', which int() refuses)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def int_arg(request: WikiRequest, key: str, default: int | None = None) -> int | None:
    raw = request.args.get(key)
    if raw is None or raw == "":
        return default
    number = whole_number(raw)
    if number is None:
        raise BadRequest(f"{key!r} must be a whole number.")
    return number


def form_fields(wiki: Site, request: WikiRequest) -> dict[str, str]:
    """Decode a urlencoded form strictly (bad UTF-8 is a 400, not silent U+FFFD),
    after checking its size and its CSRF token."""
    if request.content_length is not None and request.content_length > wiki.config.max_content_length:
        raise PayloadTooLarge(f"Requests are limited to {wiki.config.max_content_length} bytes.")
    if request.mimetype != "application/x-www-form-urlencoded":
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType("Forms must be sent as application/x-www-form-urlencoded.")
    body = request.get_data(cache=True)
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=50
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise BadRequest("The form is not valid UTF-8 or is malformed.") from error
    fields = dict(pairs)
    if any("\x00" in value for value in fields.values()):
        raise BadRequest("The form contains a NUL character.")
    check_csrf(wiki, request, fields.get(auth.CSRF_FIELD))
    return fields


def check_csrf(wiki: Site, request: WikiRequest, submitted: str | None) -> None:
    if not auth.csrf_valid(wiki.secret, request.cookies.get(auth.CSRF_COOKIE) if request.session is None
                           else request.csrf_owner, submitted):
        raise PermissionDenied(
            "The form's security token is missing or does not match (CSRF check). "
            "Reload the page and try again; your browser must accept cookies from this wiki."
        )


def refuse_robots(fields: dict[str, str]) -> None:
    """BadRequest for a form whose hidden honeypot field has text: a robot filled it in."""
    if fields.get(HONEYPOT_FIELD, "").strip():
        raise BadRequest("This form was filled in by a robot (a hidden field has text). Nothing was done.")


def csrf_field(wiki: Site, request: WikiRequest) -> Markup:
    """The hidden input a changing form carries (and the honeypot beside it); sets the cookie
    on the response if needed."""
    owner = request.csrf_owner
    if not owner:
        owner = request.new_csrf_cookie = auth.new_cookie_value()
    token = auth.csrf_token(wiki.secret, owner)
    return Markup(f'<input type="hidden" name="{auth.CSRF_FIELD}" value="{token}">'
                  f'<div class="honeypot" aria-hidden="true"><label>Leave this empty '
                  f'<input type="text" name="{HONEYPOT_FIELD}" tabindex="-1" autocomplete="off"></label></div>')


def author_name(wiki: Site, request: WikiRequest, entry: LogEntry) -> str:
    """Who made a change, as plain text: the account's name; the address only to those
    show_addresses allows (administrators by default); else "anonymous"."""
    name = wiki.display_name(entry)
    if name:
        return name
    shown = wiki.config.show_addresses
    if entry.address and (shown == "everyone" or (shown == "admins" and request.reader.admin)):
        return entry.address
    return "anonymous"


def who(wiki: Site, request: WikiRequest, entry: LogEntry) -> Markup:
    """Who made a change, for a page: an account's name links to their home page (as in MoinMoin)."""
    user = wiki.users.get(entry.user_id) if entry.user_id else None
    if user is not None:
        alias = user.fields.get("aliasname", "")  # 1.9's display name, when they chose one: free text, so
        shown = f"{alias} ({user.name})" if alias and alias != user.name else user.name  # the account beside it
        try:
            return Markup('<a class="user" href="{}">{}</a>').format(request.page_url(names.normalize(user.name)),
                                                                     shown)
        except ValueError:
            pass
    return Markup('<span class="author">{}</span>').format(author_name(wiki, request, entry))


def chosen_theme(wiki: Site, request: WikiRequest) -> str:
    """The theme this person chose: their account's (1.9's `theme_name`), else this browser's
    cookie; "" when neither names one of the wiki's themes (the configured one is used)."""
    from wiki.theme import COOKIE

    candidates = []
    if request.reader.user_id:
        user = wiki.users.get(request.reader.user_id)
        candidates.append(user.fields.get("theme_name", "") if user is not None else "")
    candidates.append(request.cookies.get(COOKIE, ""))
    candidates = [name for name in candidates if name]
    if not candidates:
        return ""  # (most requests: no folder is listed)
    themes = wiki.themes()
    name = next((name for name in candidates if name in themes), "")
    return "" if name == wiki.theme.name else name


def request_theme(wiki: Site, request: WikiRequest) -> Theme:
    return wiki.theme_named(chosen_theme(wiki, request))


def themed(
    wiki: Site, request: WikiRequest, template: str, status: int = 200, *,
    title: str, page: str | None = None, robots: str = "noindex,nofollow", **context: Any,
) -> Response:
    """Render a theme template into an HTML response; forms on it get their CSRF cookie."""
    theme = request_theme(wiki, request)

    def static(filename: str) -> str:
        return request.url_for("static_file", version=theme.version, filename=filename)

    readable = wiki.read_check(request.reader)

    def page_exists(name: str) -> bool:  # a page this reader may not read looks missing
        return readable(name) and wiki.store.exists(name)

    html = theme.render(
        template,
        theme_name=theme.name,
        site_name=wiki.config.site_name,
        front_page=wiki.config.front_page,
        read_only=wiki.config.read_only,
        page_exists=page_exists,
        reader=request.reader,
        can=lambda right, name: not wiki.config.read_only and wiki.may(request.reader, right, name),
        author_of=lambda entry: who(wiki, request, entry),
        request_path=request.script_root + request.path,
        registration=wiki.config.registration,
        url=request.url_for,
        static=static,
        csrf_field=lambda: csrf_field(wiki, request),
        title=title,
        page=page,
        robots=robots,
        **({"query": ""} | context),  # the header's search box: filled in by the search page
    )
    response = Response(xml_safe(html), status=status, content_type=HTML)
    if request.new_csrf_cookie:
        response.set_cookie(
            auth.CSRF_COOKIE, request.new_csrf_cookie, path=request.script_root or "/",
            httponly=True, samesite="Lax", secure=request.scheme == "https",
        )
    return response


def redirect(request: WikiRequest, location: str, status: int = 303) -> Response:
    """Redirect to a path built from the URL map. Relative (RFC 9110 allows it): an absolute one
    from the Host header would let a forged Host send people, and poisoned caches, elsewhere."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in location):
        raise BadRequest("That address holds a control character.")
    response = Response(f"See {location}\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Location"] = location
    response.autocorrect_location_header = False
    return response


def absolute(wiki: Site, request: WikiRequest, path: str) -> str:
    """An address for outside the page (a feed, the sitemap, paper): from base_url; from the request
    only when its Host is one of trusted_hosts (checked before any view runs); else left relative."""
    if wiki.config.base_url:
        return wiki.config.base_url.rstrip("/") + path
    if wiki.config.trusted_hosts:
        return request.host_url.rstrip("/") + path
    return path

