"""Schema creation when several workers (or machines) start on an empty store at once: every
one of them writes, none fails on the race (PostgreSQL's `pg_type_typname_nsp_index`)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from bot.store import Store, StoreError


def test_many_workers_creating_the_schema_at_once_all_succeed(store: Store) -> None:
    starters = 12
    barrier = threading.Barrier(starters)
    errors: list[StoreError] = []

    def start_worker() -> None:
        fresh = Store(store.dialect)  # a new worker: it has not created the tables yet
        barrier.wait()
        try:
            fresh.record_reply("answer", date.today())
        except StoreError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start_worker) for _ in range(starters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert store.report(timedelta(days=1)).replies_by_kind == {"answer": starters}
