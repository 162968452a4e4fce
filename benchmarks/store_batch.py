"""How long the store takes to write one batch of unanswered questions while another thread
keeps the interpreter busy, as the event loop does under load.

    python benchmarks/store_batch.py [--questions 875] [--rounds 3]

The recorder's writer thread stores the questions of the last 2 s in one batch (875 is 2 s of
unanswered questions at ~3,500 requests a second, one in eight unanswered). Python threads
share one lock (the GIL): every time the writer gives it up and asks for it back, it waits up
to the 5 ms switch interval, and the busy thread is interrupted each time. Writes to a scratch
SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bot.store import Store, Unanswered, sqlite_dialect


def batch_beside_busy_thread(store: Store, items: list[Unanswered]) -> float:
    """Seconds one batch takes while the main thread spins."""
    done = threading.Event()
    took: list[float] = []

    def write() -> None:
        start = time.perf_counter()
        store.record_unanswered_many(items)
        took.append(time.perf_counter() - start)
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    while not done.is_set():  # keep this thread running Python, as a busy event loop does
        pass
    writer.join()
    return took[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=875)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    store = Store(sqlite_dialect(Path(tempfile.mkdtemp(prefix="faqbot-store-")) / "s.sqlite3"))
    items = [
        Unanswered(f"what are the side effects of {i}", ("side", "effect"), "no_answer", ())
        for i in range(args.questions)
    ]
    store.record_unanswered_many(items)  # creates the tables
    for _ in range(args.rounds):
        seconds = batch_beside_busy_thread(store, items)
        print(f"{args.questions} questions beside a busy thread: {seconds * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
