"""`wiki init | serve | check | reindex | user`: the command line, as `main(argv) -> int`."""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from wiki.atomic import make_private
from wiki.config import Config, load_config
from wiki.errors import WikiError
from wiki.storage import Author, PageStore

STARTER_AUTHOR = Author(user_id="flatwiki")
MMAP_THRESHOLD = 256 * 1024  # see _tune_malloc


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.config, data_dir=args.data_dir)


def starter_pages(directory: Path) -> list[tuple[str, Path]]:
    """(page name, file) for every Markdown file under `directory`: Help/Syntax.md -> Help/Syntax."""
    return sorted(
        (path.relative_to(directory).with_suffix("").as_posix(), path)
        for path in directory.rglob("*.md")
    )


def init_store(config: Config, out: TextIO) -> int:
    """Create the data directory and import the starter pages that are not there yet."""
    store = PageStore(config.data_dir)
    store.create()
    added = []
    for name, path in starter_pages(config.starter_pages_dir):
        if store.current_revision(name) == 0:
            store.save(name, path.read_text("utf-8"), base_revision=0, author=STARTER_AUTHOR, comment="Starter page")
            added.append(name)
    _record_links(config, added)
    print(f"{config.data_dir}: {len(added)} starter page(s) added, {len(store.list_pages())} page(s) in all.", file=out)
    return len(added)


def progress_bar(out: TextIO, label: str, unit: str = "pages") -> Callable[[int, int], None]:
    """A one-line progress display: bar, counts and rate, redrawn at most 10 times a second."""
    started = time.monotonic()
    shown = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - shown[0] < 0.1:
            return
        shown[0] = now
        width = 30
        filled = width * done // total if total else width
        rate = done / (now - started) if now > started else 0.0
        out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}, {rate:.0f} {unit}/s")
        if done >= total:
            out.write("\n")
        out.flush()

    return show


def cmd_init(args: argparse.Namespace) -> int:
    init_store(_config(args), sys.stdout)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from wiki.app import create_app

    config = _config(args)
    if not (config.data_dir / "pages").is_dir():
        init_store(config, sys.stdout)
    app = create_app(config)
    print(f"flatwiki serving {config.data_dir} at http://{args.host}:{args.port}/", flush=True)
    if args.debug:
        from werkzeug.serving import run_simple

        run_simple(args.host, args.port, app, use_reloader=True, use_debugger=False, threaded=True)
        return 0
    import logging

    import waitress

    # waitress warns "Task queue depth is N" on every short burst; that is load, not a fault.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    _tune_malloc()
    from wiki.search import query_schema  # (loaded now, not during the first search: Whoosh takes 70 ms to import)

    query_schema()
    # waitress receives a whole body before the app sees it: its limit must be ours, or a
    # client could make it buffer up to 1 GiB (its default) before our 413.
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="flatwiki", _quiet=True,
                   max_request_body_size=config.largest_body())
    return 0


def _tune_malloc() -> None:
    """Set glibc's malloc to give memory back, before waitress starts its threads.

    - One pool for every thread: by default each thread gets pools of its own, and memory
      freed in one is not reused by another. At 100,000 pages `wiki serve` ended a mixed run
      at 111 MB of RSS with them and 90 MB with one. The threads take turns under the GIL anyway.
    - Blocks of 256 KB and more mapped on their own, and unmapped when freed: by default that
      size rises to that of the largest block freed so far, after which a search's score array
      or a list's copy came from the heap and stayed there. A mixed run ended 13 MB lower.

    MALLOC_ARENA_MAX and MALLOC_MMAP_THRESHOLD_, if set, win."""
    import ctypes
    import platform

    if platform.libc_ver()[0] != "glibc":
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
        if "MALLOC_ARENA_MAX" not in os.environ:
            mallopt(-8, 1)  # M_ARENA_MAX
        if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _record_links(config: Config, pages: Sequence[str], progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Redo the link table's entries of `pages`, importing the renderer only if some are to be
    redone: `wiki check --repair` of anything else needs only the standard library."""
    if not pages:
        return []
    from wiki.reindex import record_links

    return record_links(config, pages, progress)


def cmd_check(args: argparse.Namespace) -> int:
    from wiki.consistency import check_store, repair_store

    config = _config(args)
    store = PageStore(config.data_dir)
    if args.repair:
        problems = repair_store(store, lambda pages: _record_links(config, pages))
    else:
        problems = check_store(store)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print("The store is consistent." + (" (repaired)" if args.repair else ""))
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    return reindex(_config(args))


def reindex(config: Config) -> int:
    from wiki.reindex import reindex as rebuild_everything

    return rebuild_everything(config, lambda label, unit: progress_bar(sys.stderr, label, unit))


def cmd_import_moin19(args: argparse.Namespace) -> int:
    from wiki.moinimport import import_moin19

    config = _config(args)
    started = time.monotonic()
    report = import_moin19(Path(args.source), PageStore(config.data_dir), progress=progress_bar(sys.stderr, "pages"),
                           max_page_bytes=config.max_page_bytes)
    print(f"{args.source} -> {config.data_dir}: {report.pages} pages brought over ({report.unchanged} unchanged "
          f"since the last import), {report.revisions} revisions, {report.attachments} attached files, "
          f"{report.users} accounts, in {time.monotonic() - started:.1f} s.")
    if report.pages or report.users:
        reindex(_config(args))  # read again: the import may have set the data dir's default markup
    for problem in report.problems:
        print(f"not imported: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


def cmd_convert(args: argparse.Namespace) -> int:
    """A page in MoinMoin wiki markup rewritten in Markdown, saved as an ordinary new revision."""
    from wiki.acl import SYSTEM, page_format
    from wiki.convert import moin_to_markdown
    from wiki.names import normalize
    from wiki.site import Site

    config = _config(args)
    site = Site(config)
    try:
        name = normalize(args.page)
        page = site.store.read(name)
    except WikiError as error:
        print(f"wiki convert: {args.page!r}: {error}", file=sys.stderr)
        return 2
    markup = page_format(page.text, config.default_markup)
    if markup not in ("wiki", "moin"):
        print(f"wiki convert: {name!r} is written in {markup}, not MoinMoin wiki markup: nothing to do.",
              file=sys.stderr)
        return 1
    converted = moin_to_markdown(name, page.text, site.interwiki)
    if args.dry_run:
        sys.stdout.write(converted)
        return 0
    revision = site.save(None, name, converted, base_revision=page.revision,
                         author=Author(address="127.0.0.1", host="wiki convert"), reader=SYSTEM,
                         comment="Converted from MoinMoin wiki markup to Markdown")
    print(f"{name!r}: revision {revision} is the Markdown version (revision {page.revision} keeps the original).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from wiki.backup import backup

    config = _config(args)
    started = time.monotonic()
    counts = backup(PageStore(config.data_dir), Path(args.out), drafts=args.drafts,
                    progress=progress_bar(sys.stderr, "pages"))
    print(f"{args.out}: {counts['pages']} pages ({counts['revisions']} revisions), {counts['attachments']} "
          f"attached files, {counts['users']} accounts, {counts['drafts']} drafts, in "
          f"{time.monotonic() - started:.1f} s.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from wiki.export import export_html
    from wiki.site import Site

    config = _config(args)
    started = time.monotonic()
    counts = export_html(Site(config), Path(args.html), progress=progress_bar(sys.stderr, "pages"))
    print(f"{args.html}: {counts['pages']} pages ({counts['rendered']} rendered, {counts['written']} files written, "
          f"{counts['removed']} removed) in {time.monotonic() - started:.1f} s. Open {args.html}/index.html.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from wiki.backup import restore
    from wiki.consistency import repair_store

    config = _config(args)
    # A revision is at most max_page_bytes (stored with CRLF: up to twice that), a file at most
    # max_attachment_bytes; anything larger is not something this wiki wrote.
    largest = max(2 * config.max_page_bytes, config.max_attachment_bytes, 1 << 20)
    manifest = restore(Path(args.archive), config.data_dir, largest_file=largest)
    store = PageStore(config.data_dir)
    pages = store.list_pages()
    _record_links(config, pages, progress_bar(sys.stderr, "link table"))
    problems = repair_store(store, lambda more: _record_links(config, more))
    for problem in problems:
        print(problem)
    taken = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(str(manifest.get("taken", 0)))))
    print(f"{config.data_dir}: restored {manifest.get('pages')} pages and {manifest.get('users')} accounts as they "
          f"were at {taken}. The search index is built on the first search (or run `wiki reindex`).")
    return 1 if problems else 0


def _password(args: argparse.Namespace) -> str:
    """The new password: one line from standard input (--password-stdin), else asked for twice."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    """`wiki user add|passwd|disable|enable|list`: accounts, from the command line."""
    from wiki.errors import WikiError
    from wiki.users import UserStore

    config = _config(args)
    users = UserStore(config.data_dir / "user", re.compile(config.group_page_regex))
    try:
        if args.action == "list":
            for user in users.all():
                state = "waiting for approval" if user.pending else "disabled" if user.disabled else "active"
                print(f"{user.name}\t{user.email or '-'}\t{'admin' if user.admin else 'user'}\t{state}\t{user.id}")
            return 0
        if not args.name:
            raise ValueError(f"wiki user {args.action} needs a NAME")
        if args.action == "add":
            user = users.create(args.name, _password(args), email=args.email or "", admin=args.admin)
            print(f"Account {user.name!r} made ({config.data_dir / 'user' / user.id}).")
            return 0
        found = users.by_name(args.name)
        if found is None:
            print(f"wiki user {args.action}: there is no account {args.name!r}", file=sys.stderr)
            return 1
        if args.action == "passwd":
            users.set_password(found, _password(args))
            print(f"Password of {found.name!r} changed; their sessions have ended.")
        else:
            found.fields["disabled"] = "1" if args.action == "disable" else "0"
            if args.action == "enable":
                found.fields["flatwiki_pending"] = "0"
            users.write(found)
            print(f"Account {found.name!r} {args.action}d.")
        return 0
    except WikiError as error:
        print(f"wiki user {args.action}: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    from wiki import __version__

    parser = argparse.ArgumentParser(prog="wiki", description="flatwiki: a wiki on flat files.")
    parser.add_argument("--version", action="version", version=f"flatwiki {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--data-dir", help="data directory (default: $WIKI_DATA_DIR, the config file, ./instance)")
        sub.add_argument("--config", help="TOML config file (default: $WIKI_CONFIG, else wiki.toml)")
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "Create the data directory and add the starter pages it lacks.")
    serve = command("serve", cmd_serve, "Serve the wiki over HTTP (waitress; --debug: werkzeug's reloader).")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--threads", type=int, default=4, help="worker threads (default 4, as waitress)")
    serve.add_argument("--debug", action="store_true", help="restart when the code changes")
    check = command("check", cmd_check, "Verify the revision store; exit 1 naming each problem.")
    check.add_argument("--repair", action="store_true", help="fix what can be fixed without losing a revision")
    command("reindex", cmd_reindex, "Rebuild the search index and the link table from the store (safe while serving).")
    saving = command("backup", cmd_backup, "Write a consistent snapshot of the pages (with history and "
                                           "attachments) and accounts to a .tar.gz, while the wiki serves.")
    saving.add_argument("out", help="the archive to write, e.g. wiki-2026-11-30.tar.gz")
    saving.add_argument("--drafts", action="store_true", help="include people's unsaved drafts")
    exporting = command("export", cmd_export, "Write a static HTML copy of every page anonymous readers may read "
                                              "(a second run rewrites only what changed).")
    exporting.add_argument("--html", required=True, metavar="OUT", help="the folder to write (new, empty, or an "
                                                                        "earlier export)")
    restoring = command("restore", cmd_restore, "Unpack a backup into a new or empty data directory and rebuild "
                                                "what is derived from it.")
    restoring.add_argument("archive", help="a .tar.gz written by `wiki backup`")
    importing = command("import-moin19", cmd_import_moin19,
                        "Take over a MoinMoin 1.9 wiki: its data/ folder becomes this data dir, history, accounts "
                        "and attachments included; run it again to bring over what changed since.")
    importing.add_argument("source", help="the 1.9 wiki's data directory (holding pages/, user/, edit-log)")
    converting = command("convert", cmd_convert, "Rewrite a page in MoinMoin wiki markup as Markdown, saved as a "
                                                 "new revision (history keeps the original).")
    converting.add_argument("page", help="the page's name")
    converting.add_argument("--to", choices=["markdown"], required=True, help="the markup to write")
    converting.add_argument("--dry-run", action="store_true", help="print the Markdown instead of saving it")
    user = command("user", cmd_user, "Manage accounts: add, passwd, disable, enable, list.")
    user.add_argument("action", choices=["add", "passwd", "disable", "enable", "list"])
    user.add_argument("name", nargs="?", help="the account's name")
    user.add_argument("--email", help="e-mail address (add)")
    user.add_argument("--admin", action="store_true", help="an administrator: sees addresses, approves accounts (add)")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    make_private()
    try:
        return int(args.handler(args))
    except (OSError, ValueError) as error:
        print(f"wiki {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
