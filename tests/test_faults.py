"""A full disk, a read-only disk, a held lock: reads answer normally, changes say why they
failed and give the text back, and nothing half-done is left on disk.

The disks are real: a 3 MiB tmpfs filled to ENOSPC, and the same remounted read-only
(root only; elsewhere these skip and say how to run them).
"""
from __future__ import annotations

import errno
import fcntl
import io
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import WikiClient, files_under
from wiki.app import create_app
from wiki.cli import init_store, main
from wiki.config import Config, load_config
from wiki.site import Site

READS = ["/FrontPage", "/SandBox", "/HelpOnEditing", "/+history/SandBox", "/+diff/SandBox", "/+raw/SandBox",
         "/+recent", "/+index", "/+search?q=page&fulltext=1", "/+info/SandBox", "/+backlinks/FrontPage",
         "/+print/SandBox", "/+feed", "/sitemap.xml", "/+attachments/SandBox"]
MISSING = ["/NoSuchPage", "/+history/NoSuchPage", "/+diff/SandBox?from=99"]


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs of our own (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root: run `make test` as root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def wiki_on(disk: Path, **options: object) -> tuple[Config, WikiClient]:
    """A wiki on the disk, used a little as a live one is: some pages viewed (cached), the
    index built, a form loaded (the secret key made)."""
    config = load_config(environ={}, data_dir=disk / "data", **options)
    init_store(config, io.StringIO())
    client = WikiClient(create_app(config))
    for url in ("/FrontPage", "/+search?q=front&fulltext=1", "/+edit/SandBox"):
        assert client.get(url).status_code == 200
    return config, client


def fill(disk: Path) -> None:
    """Write a file until the disk refuses another byte."""
    with open(disk / "filler", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    with open(disk / "filler2", "wb", buffering=0) as handle:  # the last partial block too
        try:
            while True:
                handle.write(b"\0")
                handle.flush()
        except OSError:
            pass


def assert_reads_answer(client: WikiClient) -> None:
    for url in READS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:500])
    for url in MISSING:
        response = client.get(url)
        assert response.status_code == 404 and '<main id="content"' in response.get_data(as_text=True), url


def test_a_full_disk_keeps_reads_working_and_refuses_saves_with_507(disk: Path) -> None:
    config, client = wiki_on(disk)
    fill(disk)
    pages_before = files_under(config.data_dir / "pages")
    assert_reads_answer(client)
    fresh = WikiClient(create_app(config))  # a new process: nothing compiled or cached in memory yet
    assert_reads_answer(fresh)
    typed = "My careful words that must not be lost\n"
    response = client.save("SandBox", typed)
    assert response.status_code == 507
    html = response.get_data(as_text=True)
    assert "full" in html and "My careful words that must not be lost" in html  # given back in the editor
    assert client.save("BrandNew", "new page text\n").status_code == 507
    assert files_under(config.data_dir / "pages") == pages_before  # nothing half-saved
    assert not Site(config).store.has_pending()
    (disk / "filler").unlink()
    (disk / "filler2").unlink()
    assert client.save("SandBox", typed).status_code == 303
    assert client.get("/SandBox").get_data(as_text=True).count("My careful words") == 1
    assert main(["check", "--data-dir", str(config.data_dir)]) == 0


def test_a_read_only_disk_keeps_reads_working_and_refuses_saves_with_503(disk: Path) -> None:
    config, client = wiki_on(disk)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    assert_reads_answer(client)
    assert_reads_answer(WikiClient(create_app(config)))
    response = client.save("SandBox", "Typed while the disk was read-only\n")
    assert response.status_code == 503
    assert "Typed while the disk was read-only" in response.get_data(as_text=True)


def test_the_read_only_option_on_a_read_only_disk(disk: Path) -> None:
    config, _ = wiki_on(disk)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    client = WikiClient(create_app(config.replace(read_only=True)))
    assert_reads_answer(client)
    assert client.get("/+edit/SandBox").status_code == 403


def test_a_held_page_lock_gives_503_with_the_text_and_never_blocks_views(seeded_config: Config) -> None:
    config = seeded_config.replace(lock_timeout=1)
    client = WikiClient(create_app(config))
    fields = client.form("/+edit/SandBox")
    lock = os.open(Site(config).store.page_dir("SandBox") / "lock", os.O_RDWR)
    holder = subprocess.Popen(["python3", "-c", "import fcntl, sys, time\n"
                               "fd = open(sys.argv[1], 'r+'); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True)\n"
                               "time.sleep(60)", str(Site(config).store.page_dir("SandBox") / "lock")],
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        started = time.monotonic()
        response = client.post("/+edit/SandBox", data={**fields, "text": "words typed meanwhile", "action": "save",
                                                       "comment": ""})
        assert 0.9 < time.monotonic() - started < 5
        assert response.status_code == 503
        assert "busy" in response.get_data(as_text=True) and "words typed meanwhile" in response.get_data(as_text=True)
        started = time.monotonic()
        for url in ("/SandBox", "/+history/SandBox", "/+recent", "/+search?q=sandbox&fulltext=1"):
            assert client.get(url).status_code == 200
        assert time.monotonic() - started < 1, "a view waited for the page lock"
        repaired = subprocess.run(["python3", "-m", "wiki.cli", "check", "--repair", "--data-dir",
                                   str(config.data_dir)], capture_output=True, text=True, timeout=60)
        assert repaired.returncode in (0, 1)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
        os.close(lock)
    assert client.post("/+edit/SandBox", data={**fields, "text": "words typed meanwhile", "action": "save",
                                               "comment": ""}).status_code == 303


def test_repair_skips_a_locked_page_and_says_so(seeded_config: Config) -> None:
    site = Site(seeded_config)
    page_dir = site.store.page_dir("SandBox")
    (page_dir / "current").write_text("garbage\n")
    fd = os.open(page_dir / "lock", os.O_RDWR)
    pid = os.fork()
    if pid == 0:  # hold the lock in another process (flock is per open file, so not in this one)
        child = os.open(page_dir / "lock", os.O_RDWR)
        fcntl.flock(child, fcntl.LOCK_EX)
        time.sleep(30)
        os._exit(0)
    try:
        time.sleep(0.3)
        done = subprocess.run(["python3", "-m", "wiki.cli", "check", "--repair", "--data-dir",
                               str(seeded_config.data_dir)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert "skipped: a running change holds this page's lock" in done.stdout
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    assert main(["check", "--data-dir", str(seeded_config.data_dir), "--repair"]) == 0
