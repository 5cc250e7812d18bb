"""A generated wiki of any size written straight into MoinMoin 1.9's layout, fast.

Saving 100,000 pages through PageStore.save (locks, fsync, logs) takes most of an hour;
the files it would write are known (one revision, `current`, the page's and the global
edit-log line), so this writes them directly: about 20 s for 100,000 pages. The result
is what `wiki init` plus those saves leave, except that nothing derived exists yet (no
search index, link table or caches): `wiki reindex` or the requests build those.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pages import generate  # noqa: E402
from wiki import names  # noqa: E402
from wiki.editlog import SAVE, LogEntry  # noqa: E402


def write_corpus(data: Path, size: int, seed: int = 5, progress: bool = True) -> float:
    """Write `size` generated pages into a new data dir; the seconds it took."""
    started = time.perf_counter()
    pages = data / "pages"
    pages.mkdir(parents=True)
    now = time.time_ns() // 1000 - size * 1000
    with open(data / "edit-log", "w", encoding="utf-8") as log:
        for number, (name, text) in enumerate(generate(size, seed=seed)):
            folder = pages / names.quote_fs(name)
            (folder / "revisions").mkdir(parents=True)
            (folder / "revisions" / "00000001").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
            (folder / "current").write_bytes(b"00000001\n")
            line = LogEntry(now + number * 1000, 1, SAVE, name, "127.0.0.1", "bench", "").to_line()
            (folder / "edit-log").write_text(line, encoding="utf-8")
            log.write(line)
            if progress and number % 10000 == 9999:
                print(f"  {number + 1} pages written", file=sys.stderr)
    os.utime(data / "edit-log")
    return time.perf_counter() - started


if __name__ == "__main__":
    target, count = Path(sys.argv[1]), int(sys.argv[2])
    print(f"{count} pages in {write_corpus(target, count):.1f} s")
