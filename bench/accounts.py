"""Benchmark (not a test): what accounts and ACLs cost.

1. One ACL check on a page with 20 entries and three nested groups of 1,000 members each
   (target: at most 50 µs), by the evaluator alone and through Site.may (which first
   checks the ACL table is current: one stat of the edit-log).
2. A signed-in page view against an anonymous cached view of the same page, both under
   `wiki serve` (waitress, 4 threads), loaded by wrk in the same run: the ratio.

    .venv/bin/python bench/accounts.py [--seconds 10]
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from servers import fetch, free_port  # noqa: E402
from view_save import start, stop, wrk  # noqa: E402

from wiki.acl import SYSTEM, Evaluator, Groups  # noqa: E402
from wiki.cli import init_store  # noqa: E402
from wiki.config import load_config  # noqa: E402
from wiki.site import Site  # noqa: E402
from wiki.storage import Author  # noqa: E402
from wiki.users import UserStore  # noqa: E402

MEMBERS = 1000


def groups_text() -> dict[str, str]:
    """OuterGroup holds MiddleGroup holds InnerGroup; 1,000 people each."""
    return {
        "OuterGroup": "".join(f" * Outer{i}\n" for i in range(MEMBERS)) + " * MiddleGroup\n",
        "MiddleGroup": "".join(f" * Middle{i}\n" for i in range(MEMBERS)) + " * InnerGroup\n",
        "InnerGroup": "".join(f" * Inner{i}\n" for i in range(MEMBERS)),
    }


# 20 entries; the reader (Inner500) is decided only by the last-but-one.
ACL_LINE = " ".join([f"Person{i}:read,write" for i in range(16)]
                    + ["-Nobody:admin", "+Someone:delete", "OuterGroup:read,write,delete", "All:"])


def per_call_us(function: object, number: int = 20000) -> float:
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6  # type: ignore[arg-type]


def bench_acl_check() -> None:
    import re as regex

    from wiki.acl import group_members

    members = {name: group_members(text) for name, text in groups_text().items()}
    evaluator = Evaluator("", "Known:read All:read", "", Groups(members, regex.compile(".*Group$")))
    reader = evaluator.reader("Inner500")
    lines = [ACL_LINE]
    assert evaluator.may(reader, "delete", lines) and not evaluator.may(evaluator.reader("Stranger"), "read", lines)
    print(f"ACL check, evaluator alone: {per_call_us(lambda: evaluator.may(reader, 'delete', lines)):.2f} µs "
          "(20 entries, reader in the innermost of 3 nested groups of 1,000)")
    print(f"reader set-up (group memberships, once per request): "
          f"{per_call_us(lambda: evaluator.reader('Inner500'), 200):.1f} µs")

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(environ={}, data_dir=Path(folder) / "data")
        site = Site(config)
        site.store.create()
        for name, text in groups_text().items():
            site.save(None, name, text, base_revision=0, author=Author(user_id="bench"), reader=SYSTEM)
        site.save(None, "Guarded", f"#acl {ACL_LINE}\nsome text\n", base_revision=0, author=Author(user_id="bench"),
                  reader=SYSTEM)
        site_reader = site.permissions().reader("Inner500")
        assert site.may(site_reader, "delete", "Guarded")
        print(f"ACL check through Site.may (table current, then the evaluator): "
              f"{per_call_us(lambda: site.may(site_reader, 'delete', 'Guarded')):.2f} µs  [target ≤ 50 µs]")


def bench_views(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        config = load_config(environ={}, data_dir=data)
        init_store(config, io.StringIO())
        UserStore(data / "user").create("BenchUser", "bench password")
        port = free_port()
        server = start([sys.executable, "-m", "wiki.cli", "serve", "--port", str(port), "--data-dir", str(data)], port)
        try:
            base = f"http://127.0.0.1:{port}"
            login = fetch(base + "/+login")
            token = re.search(rb'name="csrf_token" value="(\w+)"', login[2]).group(1).decode()  # type: ignore[union-attr]
            csrf = re.search(r"wiki_csrf=([^;]+)", login[1]["Set-Cookie"]).group(1)  # type: ignore[union-attr]
            body = f"csrf_token={token}&name=BenchUser&password=bench+password".encode()
            status, headers, _ = fetch(base + "/+login", body, {"Cookie": f"wiki_csrf={csrf}",
                                                                "Content-Type": "application/x-www-form-urlencoded"})
            assert status == 303, status
            session = re.search(r"wiki_session=([^;]+)", headers["Set-Cookie"]).group(1)  # type: ignore[union-attr]
            fetch(base + "/FrontPage")  # fills the page cache
            script = Path(folder) / "cookie.lua"
            script.write_text(f'wrk.headers["Cookie"] = "wiki_session={session}"\n')
            signed = fetch(base + "/FrontPage", headers={"Cookie": f"wiki_session={session}"})
            assert b"BenchUser" in signed[2]
            anonymous = wrk(base + "/FrontPage", seconds)
            personal = wrk(base + "/FrontPage", seconds, script)
        finally:
            stop(server)
    print(f"anonymous cached view: {anonymous['rps']:.0f} req/s (p50 {anonymous['p50']:.1f} ms), "
          f"signed-in view: {personal['rps']:.0f} req/s (p50 {personal['p50']:.1f} ms); "
          f"signed-in / anonymous = {personal['rps'] / anonymous['rps']:.2f}; "
          f"errors {anonymous['errors']:.0f}/{personal['errors']:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    bench_acl_check()
    bench_views(args.seconds)


if __name__ == "__main__":
    main()
