"""Accounts in the browser: register, sign in and out, one's own account, and the
administrators' list of accounts (approving registrations, disabling accounts)."""
from __future__ import annotations

import time
from typing import Any

from werkzeug.wrappers import Response

from wiki import spam
from wiki.errors import BadRequest, PermissionDenied, SignInRequired, WikiError
from wiki.sessions import COOKIE as SESSION_COOKIE
from wiki.sessions import Session
from wiki.site import Site
from wiki.users import MAX_PASSWORD, NameTaken, User, validate_name, validate_password
from wiki.views.base import WikiRequest, form_fields, redirect, refuse_robots, themed

SIGN_IN_FAILED = "The name or the password is not right (or the account cannot sign in)."


def _local_target(wiki: Site, request: WikiRequest, target: str) -> str:
    """Where to go after signing in: a path on this wiki only (never another site), judged as a
    browser reads it: it drops tabs and newlines (`/\t/evil.example/` became `//evil.example/`) and
    takes a backslash for a slash, so any of those, or any space or control character, sends the
    person to the front page instead; so does anything with a scheme or a host."""
    import urllib.parse

    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):  # (a newline would split the header)
        raise BadRequest("The address to go back to holds a control character; nothing was done.")
    root = request.script_root or ""
    parts = urllib.parse.urlsplit(target)
    if (target.startswith(root + "/") and not target.startswith(("//", "/\\")) and "\\" not in target
            and not any(char.isspace() or not char.isprintable() for char in target)
            and not parts.scheme and not parts.netloc):
        return target
    return request.page_url(wiki.config.front_page)


def _form(wiki: Site, request: WikiRequest, template: str, title: str, status: int = 200, **context: Any) -> Response:
    response = themed(wiki, request, template, status, title=title, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _set_session(wiki: Site, request: WikiRequest, response: Response, session: Session) -> None:
    response.set_cookie(SESSION_COOKIE, session.token, max_age=wiki.config.session_days * 86400,
                        path=request.script_root or "/", httponly=True, samesite="Lax",
                        secure=request.scheme == "https")


def _textchas(wiki: Site, request: WikiRequest) -> list[tuple[str, str]]:
    """The questions this person is asked before saving or registering (none when they are not
    asked): anonymous people and accounts younger than textcha_account_hours."""
    user = request.user
    if user is not None and time.time() - user.created >= wiki.config.textcha_account_hours * 3600:
        return []
    return spam.parse_textchas(wiki.config.textchas)


def textcha(wiki: Site, request: WikiRequest) -> str:
    """One of those questions, to show ("" for none)."""
    challenges = _textchas(wiki, request)
    if not challenges:
        return ""
    import secrets

    return secrets.choice(challenges)[0]


def check_textcha(wiki: Site, request: WikiRequest, fields: dict[str, str]) -> None:
    challenges = _textchas(wiki, request)
    if challenges and not spam.textcha_passed(challenges, fields.get("textcha_question", ""),
                                              fields.get("textcha_answer", "")):
        raise PermissionDenied("The answer to the question is not right. Nothing was done; try again.")


def _password_checked(wiki: Site, request: WikiRequest, name: str, password: str) -> User | None:
    """The account if `password` is its own, within the `login` limits: every attempt counts for the
    address, and a failure for the (account, address) pair. Nobody elsewhere can lock an account
    out: ten wrong passwords from one address used to refuse the right one from any other."""
    address = request.remote_addr or ""
    pair = f"user:{' '.join(name.split()).casefold()}@{address}"
    wiki.rate_limiter.hit("login", address)
    wiki.rate_limiter.check("login", pair)
    user = wiki.users.authenticate(name, password)
    if user is None:
        wiki.rate_limiter.record("login", pair)
    return user


def login(wiki: Site, request: WikiRequest) -> Response:
    """GET: the sign-in form. POST: check the name and password; a session cookie on success."""
    target = request.args.get("next", "")  # (request.values would read the body form_fields checks)
    if request.method == "GET":
        return _form(wiki, request, "login.mako", "Sign in", target=target, name="", error="")
    fields = form_fields(wiki, request)
    name, password, target = fields.get("name", "").strip()[:200], fields.get("password", ""), fields.get("next", "")
    refuse_robots(fields)
    destination = _local_target(wiki, request, target)  # a bad one is refused before any session exists
    user = _password_checked(wiki, request, name, password)
    if user is None:
        return _form(wiki, request, "login.mako", "Sign in", 403, target=target, name=name, error=SIGN_IN_FAILED)
    if user.disabled:  # the right password: telling them why costs nothing
        why = "is waiting for an administrator's approval" if user.pending else "is disabled"
        return _form(wiki, request, "login.mako", "Sign in", 403, target=target, name=name,
                     error=f"The account {user.name!r} {why}.")
    session = wiki.sessions.create(user.id, user.password_stamp)
    response = redirect(request, destination)
    _set_session(wiki, request, response, session)
    return response


def logout(wiki: Site, request: WikiRequest) -> Response:
    """GET: a button (signing out changes state: a POST, with the session's CSRF token)."""
    if request.method == "GET":
        return _form(wiki, request, "logout.mako", "Sign out")
    form_fields(wiki, request)
    if request.session is not None:
        wiki.sessions.end(request.session.token)
    response = redirect(request, request.page_url(wiki.config.front_page))
    response.delete_cookie(SESSION_COOKIE, path=request.script_root or "/")
    return response


def register(wiki: Site, request: WikiRequest) -> Response:
    """GET: the form. POST: make the account (open), or ask an administrator (approval).

    The answer is the same whether or not the name was free, so nobody learns from here
    which accounts exist: a taken name simply cannot sign in with the new password."""
    mode = wiki.config.registration
    if mode == "off" or wiki.config.read_only:
        raise PermissionDenied("This wiki does not take registrations; ask its administrators for an account.")
    question = textcha(wiki, request)
    if request.method == "GET":
        return _form(wiki, request, "register.mako", "Create an account", name="", email="", error="",
                     question=question, approval=mode == "approval")
    fields = form_fields(wiki, request)
    name, email = fields.get("name", "").strip()[:200], fields.get("email", "").strip()[:200]
    password = fields.get("password", "")

    def again(error: str, status: int) -> Response:
        return _form(wiki, request, "register.mako", "Create an account", status, name=name, email=email,
                     error=error, question=question, approval=mode == "approval")

    wiki.rate_limiter.hit("register", request.remote_addr or "")
    try:
        refuse_robots(fields)
        check_textcha(wiki, request, fields)
        name = validate_name(name, wiki.users.group_pattern)
        validate_password(password)
        if password != fields.get("password2", ""):
            raise BadRequest("The two passwords differ.")
    except WikiError as error:
        return again(str(error), error.status)
    try:
        wiki.users.create(name, password, email=email, pending=mode == "approval")
    except NameTaken:
        pass  # answered as a free name is (create did the same work either way)
    except BadRequest as error:
        return again(str(error), error.status)
    return _form(wiki, request, "registered.mako", "Account requested" if mode == "approval" else "Account created",
                 name=name, approval=mode == "approval", target="")


def account(wiki: Site, request: WikiRequest) -> Response:
    """One's own account: display name and e-mail, and the password (which ends other sessions)."""
    user, session = request.user, request.session
    if user is None or session is None:
        raise SignInRequired("Sign in to see your account.")
    message = ""
    status = 200
    if request.method == "POST":
        fields = form_fields(wiki, request)
        try:
            if fields.get("action") == "password":
                if len(fields.get("current", "")) > MAX_PASSWORD or _password_checked(
                        wiki, request, user.name, fields.get("current", "")) is None:
                    raise PermissionDenied("Your current password is not right. Nothing was changed.")
                if fields.get("password", "") != fields.get("password2", ""):
                    raise BadRequest("The two new passwords differ. Nothing was changed.")
                wiki.users.set_password(user, fields.get("password", ""))
                wiki.sessions.end(session.token)
                fresh = wiki.sessions.create(user.id, user.password_stamp)  # every other session has ended
                response = redirect(request, request.url_for("account", changed="password"))
                _set_session(wiki, request, response, fresh)
                return response
            from wiki.users import EMAIL

            email = fields.get("email", "").strip()[:200]
            if email and not EMAIL.match(email):
                raise BadRequest(f"{email!r} is not an e-mail address. Nothing was changed.")
            user.fields["email"] = email
            user.fields["aliasname"] = " ".join(fields.get("aliasname", "").split())[:80]
            wiki.users.write(user)
            return redirect(request, request.url_for("account", changed="profile"))
        except WikiError as error:
            message, status = str(error), error.status
    changed = {"password": "Your password is changed; every other session has ended.",
               "profile": "Saved."}.get(request.args.get("changed", ""), "")
    return _form(wiki, request, "account.mako", "Your account", status, user=user, error=message, changed=changed)


def users(wiki: Site, request: WikiRequest) -> Response:
    """Administrators: every account, approving registrations, disabling and enabling."""
    if not request.reader.admin:
        if request.reader.known:
            raise PermissionDenied("Only administrators see the list of accounts.")
        raise SignInRequired("Only administrators see the list of accounts; sign in first.")
    if request.method == "POST":
        fields = form_fields(wiki, request)
        target = wiki.users.get(fields.get("user", ""))
        if target is None:
            raise BadRequest("No such account.")
        action = fields.get("action")
        if action in ("approve", "enable"):
            target.fields["disabled"] = "0"
            target.fields["flatwiki_pending"] = "0"
        elif action == "disable":
            target.fields["disabled"] = "1"
        else:
            raise BadRequest("Say approve, enable or disable.")
        wiki.users.write(target)
        return redirect(request, request.url_for("users"))
    return _form(wiki, request, "users.mako", "Accounts", accounts=wiki.users.all())


def choose_theme(wiki: Site, request: WikiRequest) -> Response:
    """GET: the wiki's themes. POST: this browser's choice (a cookie), and the account's too
    when signed in (its user file's `theme_name`, as in MoinMoin 1.9), so it follows the person."""
    from wiki.theme import COOKIE
    from wiki.views.base import chosen_theme

    themes = wiki.themes()
    if request.method == "GET":
        back = request.args.get("back", "")
        return _form(wiki, request, "choose_theme.mako", "Change the look", themes=themes,
                     current=chosen_theme(wiki, request) or wiki.theme.name, back=back)
    fields = form_fields(wiki, request)
    name = fields.get("theme", "")
    if name not in themes:
        raise BadRequest(f"There is no theme {name!r}; choose one of {', '.join(themes)}.")
    response = redirect(request, _local_target(wiki, request, fields.get("back", "")))
    response.set_cookie(COOKIE, name, max_age=365 * 86400, path=request.script_root or "/", httponly=True,
                        samesite="Lax", secure=request.scheme == "https")
    if request.reader.user_id:
        user = wiki.users.get(request.reader.user_id)
        if user is not None:
            user.fields["theme_name"] = name
            wiki.users.write(user)
    return response
