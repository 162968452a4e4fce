"""Schema creation when several workers (or machines) start on an empty store at once: every
one of them writes, none fails on the race (PostgreSQL's `pg_type_typname_nsp_index`)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

from bot.store import Store, StoreError, sqlite_dialect


def test_many_workers_creating_the_schema_at_once_all_succeed(store: Store) -> None:
    _start_at_once(store, starters=12)


def test_many_workers_opening_a_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    # While one connection switches a new file to WAL, SQLite tells the others "database is
    # locked" at once, without waiting: one round in about thirty failed so before the fix.
    for round_ in range(30):
        _start_at_once(Store(sqlite_dialect(tmp_path / f"store{round_}.sqlite3")), starters=12)


def _start_at_once(store: Store, starters: int) -> None:
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


def test_a_store_made_by_an_earlier_version_gets_the_new_tables_and_keeps_its_rows(
    store: Store,
) -> None:
    # The tables of version 0.1.0, before the workers and housekeeping tables existed.
    store.record_reply("answer", date.today())
    with store.transaction() as cur:
        cur.execute("DROP TABLE workers")
        cur.execute("DROP TABLE housekeeping")
    upgraded = Store(store.dialect)  # the new version starting on that store
    assert upgraded.purge_due(3600) == 0
    assert upgraded.report(timedelta(days=1)).replies_by_kind == {"answer": 1}
