"""Shared state under real threads: renderers, temporary files, the secret key, merges."""
from __future__ import annotations

import random
import re
import threading
from pathlib import Path

import pytest

from tests.conftest import Urls, WikiClient
from wiki import auth, site
from wiki.app import create_app
from wiki.atomic import write_atomically
from wiki.config import Config
from wiki.markup import Renderer
from wiki.site import Site
from wiki.storage import Author, PageStore

AUTHOR = Author(address="192.0.2.7")


def run_threads(count: int, work: object) -> list[BaseException]:
    """Run work(i) on `count` threads started together; return what any of them raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def guarded(i: int) -> None:
        barrier.wait()
        try:
            work(i)  # type: ignore[operator]
        except BaseException as error:  # noqa: BLE001 - collected and asserted on by the caller
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return errors


def test_eight_threads_render_pages_with_different_links(config: Config) -> None:
    wiki = Site(config)
    wiki.store.create()
    pages = {f"Page{i}": sorted({f"Target{i}x{j}" for j in range(5)} | {f"Page{(i + 1) % 40}"}) for i in range(40)}
    for name, targets in pages.items():
        wiki.store.save(name, "\n\n".join(f"See [[{t}]] here." for t in targets), base_revision=0, author=AUTHOR)
    urls = Urls()

    def render(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(200):
            name = rng.choice(list(pages))
            page = wiki.store.read(name)
            rendered = wiki.renderer.render(page.text, wiki.link_context(urls, name))
            assert sorted(rendered.links) == pages[name], f"{name} rendered with another page's links"
            for target in pages[name]:
                assert f"/{target}" in rendered.html or f"/+edit/{target}" in rendered.html
            wiki.after_change(urls, name)

    assert run_threads(8, render) == []
    fresh = Renderer(camelcase=True, lean=True)
    for name in pages:
        expected = fresh.links(name, wiki.store.read(name).text, wiki.store.exists)
        assert wiki.links.outgoing(name) == set(expected)
        for target in expected:
            assert name in wiki.links.incoming(target)


def test_atomic_writes_from_many_threads_to_one_file_never_collide(tmp_path: Path) -> None:
    target = tmp_path / "shared"

    def write(i: int) -> None:
        for n in range(200):
            write_atomically(target, f"{i}:{n}\n".encode(), durable=False)

    assert run_threads(8, write) == []
    assert target.read_text().endswith(":199\n")
    assert [p.name for p in tmp_path.iterdir()] == ["shared"]  # no temporary file left behind


@pytest.mark.parametrize("round_", range(30))
def test_the_secret_key_is_made_once_and_never_read_empty(tmp_path: Path, round_: int) -> None:
    keys: list[bytes] = []

    def load(i: int) -> None:
        keys.append(auth.load_secret("", tmp_path / "data"))

    assert run_threads(8, load) == []
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert (tmp_path / "data" / "secret-key").stat().st_mode & 0o777 == 0o600


def test_an_empty_secret_key_file_from_an_older_release_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "secret-key").write_bytes(b"")
    key = auth.load_secret("", tmp_path)
    assert len(key) == 64 and auth.load_secret("", tmp_path) == key


def test_a_save_landing_during_a_merge_is_never_reverted(seeded_config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race that reverted acknowledged edits, reproduced: while one person's save is being
    merged, another person saves. Neither change may be lost, and nobody gets a 5xx."""
    client = WikiClient(create_app(seeded_config))
    intruder = WikiClient(create_app(seeded_config))
    original = "alpha\n\nbeta\n\ngamma\n\ndelta\n\nepsilon\n"
    assert client.save("Race", original).status_code == 303
    fields = client.form("/+edit/Race")  # this editor starts from revision 1
    assert intruder.save("Race", original.replace("alpha", "ALPHA")).status_code == 303  # revision 2
    intruder_form = intruder.form("/+edit/Race")  # the intruder's next edit starts from revision 2

    from wiki.views import page as page_views

    real_merge = page_views.merge
    intruder_status: list[int] = []

    def merge_with_a_save_in_between(*args: object, **kwargs: object) -> object:
        merged = real_merge(*args, **kwargs)  # type: ignore[arg-type]
        # Another person saves right now, between this merge and the save of its result.
        thread = threading.Thread(target=lambda: intruder_status.append(intruder.post(
            "/+edit/Race", data={**intruder_form, "action": "save", "comment": "",
                                 "text": original.replace("alpha", "ALPHA").replace("gamma", "GAMMA")},
        ).status_code))
        thread.start()
        thread.join(0.5)  # with the merge under the page's lock, the intruder waits instead of landing
        return merged

    monkeypatch.setattr(page_views, "merge", merge_with_a_save_in_between)
    response = client.post("/+edit/Race", data={**fields, "action": "save", "comment": "",
                                                "text": original.replace("epsilon", "EPSILON")})
    assert response.status_code == 303
    monkeypatch.setattr(page_views, "merge", real_merge)
    for _ in range(100):
        if intruder_status:
            break
        threading.Event().wait(0.1)
    assert intruder_status and intruder_status[0] == 303
    store = PageStore(seeded_config.data_dir)
    final = store.read("Race").text
    assert "ALPHA" in final and "GAMMA" in final and "EPSILON" in final, final
    for revision in range(2, store.current_revision("Race") + 1):
        assert "ALPHA" in store.read("Race", revision).text, f"revision {revision} reverted an acknowledged change"


def test_many_threads_saving_one_page_through_the_app(seeded_config: Config) -> None:
    """Merges and conflicts under 6 threads in one process: every answer is a 303 or a 409."""
    clients = [WikiClient(create_app(seeded_config))]
    clients += [WikiClient(clients[0].client.application) for _ in range(5)]  # one app, shared by threads
    original = "".join(f"line {i}\n\nspacer {i}\n\n" for i in range(6))
    assert clients[0].save("Busy", original).status_code == 303
    statuses: list[int] = []
    last_acknowledged = [-1] * 6

    def edit(i: int) -> None:
        for n in range(15):
            fields = clients[i].form("/+edit/Busy")
            text = PageStore(seeded_config.data_dir).read("Busy").text
            changed = re.sub(rf"^line {i}( v\d+)?$", f"line {i} v{n}", text, flags=re.M)
            response = clients[i].post("/+edit/Busy", data={**fields, "action": "save", "comment": "",
                                                            "text": changed})
            statuses.append(response.status_code)
            if response.status_code == 303:
                last_acknowledged[i] = n

    assert run_threads(6, edit) == []
    assert set(statuses) <= {303, 409} and 303 in statuses
    final = PageStore(seeded_config.data_dir).read("Busy").text
    for i, n in enumerate(last_acknowledged):
        if n >= 0:
            assert re.search(rf"^line {i} v{n}$", final, re.M), f"thread {i}'s acknowledged v{n} is gone"


def test_site_module_imports_only_the_standard_library() -> None:
    import subprocess
    import sys

    loaded = subprocess.run([sys.executable, "-c", "import sys, wiki.site; print(' '.join(sys.modules))"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert not {"werkzeug", "mako", "markdown", "whoosh", "nh3"} & {name.split(".")[0] for name in loaded}
    assert site.Site  # the CGI fast path builds one per request
