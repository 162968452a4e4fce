"""The store, on SQLite and PostgreSQL: counts, redacted questions, votes, report, retention."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot import store as store_module
from bot.store import (
    ROWS_PER_INSERT,
    RowRejected,
    Store,
    StoreError,
    Unanswered,
    Vote,
    printable,
    sqlite_dialect,
)

DAY = 86_400.0


def test_report_groups_unanswered_questions_by_analyzed_terms(store: Store) -> None:
    store.record_unanswered("What does it cost?", ["cost"], "no_answer")
    store.record_unanswered("cost??", ["cost"], "no_answer")
    store.record_unanswered("is it covered by insurance", ["insur", "cover"], "no_answer")
    store.record_unanswered("How fast?", ["rapid"], "not_helpful", ["rapid-relief"])
    report = store.report(timedelta(days=30))
    assert (report.unanswered[0].terms, report.unanswered[0].count) == ("cost", 2)
    assert {(g.terms, g.count) for g in report.unanswered[1:]} == {("cover insur", 1), ("rapid", 1)}
    assert report.unanswered[0].example in {"What does it cost?", "cost??"}
    assert {g.terms: g.reasons for g in report.unanswered}["rapid"] == ("not_helpful",)


def test_a_batch_larger_than_one_insert_keeps_every_question(store: Store) -> None:
    items = [
        Unanswered(f"question {i}", (f"t{i % 3}",), "no_answer", (), time.time())
        for i in range(2 * ROWS_PER_INSERT + 7)
    ]
    store.record_unanswered_many(items)
    groups = store.report(timedelta(days=1)).unanswered
    assert sorted((g.terms, g.count) for g in groups) == [("t0", 69), ("t1", 69), ("t2", 69)]


def test_questions_are_redacted_before_they_are_written(store: Store) -> None:
    store.record_unanswered(
        "my name is Jane Roe, email jane@example.com, cost?", ["cost"], "no_answer"
    )
    (group,) = store.report(timedelta(days=1)).unanswered
    assert group.example == "my name is [name], email [email], cost?"


def test_votes_and_replies_by_kind(store: Store) -> None:
    store.record_vote(["a", "b"], helpful=True)
    store.record_vote(["a"], helpful=False)
    for kind in ("answer", "answer", "no_answer", "crisis"):
        store.record_reply(kind)
    report = store.report(timedelta(days=1))
    assert {(v.passage, v.helpful, v.not_helpful) for v in report.votes} == {
        ("a", 1, 1),
        ("b", 1, 0),
    }
    assert report.replies_by_kind == {"answer": 2, "crisis": 1, "no_answer": 1}
    data = report.to_dict()
    assert data["replies_by_kind"]["answer"] == 2 and data["votes"][0]["passage"] == "a"


def test_purge_deletes_records_older_than_the_retention_period(store: Store) -> None:
    now = time.time()
    store.record_unanswered("old", ["old"], "no_answer", now=now - 91 * DAY)
    store.record_unanswered("new", ["new"], "no_answer", now=now - 89 * DAY)
    store.record_vote(["p"], helpful=True, now=now - 100 * DAY)
    assert store.purge(now=now) == 2
    report = store.report(timedelta(days=365), now=now)
    assert [g.example for g in report.unanswered] == ["new"]
    assert report.votes == []


def test_the_purge_runs_once_per_period_whichever_server_asks(store: Store) -> None:
    now = time.time()
    other_server = Store(store.dialect)  # another machine sharing the same database
    store.record_unanswered("old", ["old"], "no_answer", now=now - 91 * DAY)
    assert store.purge_due(3600, now=now) == 1
    store.record_unanswered("old again", ["old"], "no_answer", now=now - 91 * DAY)
    assert other_server.purge_due(3600, now=now + 1800) is None  # not due: done half an hour ago
    assert store.purge_due(3600, now=now + 3599) is None
    assert other_server.purge_due(3600, now=now + 3600) == 1


def test_of_many_servers_purging_at_once_exactly_one_purges(store: Store) -> None:
    now = time.time()
    starters = 8
    barrier = threading.Barrier(starters)
    results: list[int | None] = []

    def purge_as_a_new_server() -> None:
        server = Store(store.dialect)
        barrier.wait()
        results.append(server.purge_due(3600, now=now))

    threads = [threading.Thread(target=purge_as_a_new_server) for _ in range(starters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results, key=lambda r: r is None) == [0] + [None] * (starters - 1)


def test_report_period_excludes_older_records(store: Store) -> None:
    now = time.time()
    store.record_unanswered("old", ["old"], "no_answer", now=now - 40 * DAY)
    store.record_unanswered("new", ["new"], "no_answer", now=now - DAY)
    report = store.report(timedelta(days=30), now=now)
    assert [g.example for g in report.unanswered] == ["new"]


def test_unreachable_store_raises_a_store_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    store = Store(sqlite_dialect(blocked / "store.sqlite3"))
    with pytest.raises(StoreError, match="cannot open"):
        store.record_reply("answer")


def test_corrupted_sqlite_file_raises_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(sqlite_dialect(path)).record_reply("answer")


def test_deleted_sqlite_file_is_recreated_on_a_later_write(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store(sqlite_dialect(path))
    store.record_reply("answer")
    path.unlink()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)
    try:  # the first write may find no table; it must not stop the next one
        store.record_reply("answer")
    except StoreError:
        store.record_reply("answer")
    assert store.report(timedelta(days=1)).replies_by_kind == {"answer": 1}


UNWRITABLE = "cost\x00 of \ud800 it"  # NUL: PostgreSQL refuses it; a lone surrogate: not UTF-8


def test_nul_and_unpaired_surrogates_are_replaced_before_writing(store: Store) -> None:
    store.record_unanswered_many(
        [Unanswered("fine", ("fine",), "no_answer"), Unanswered(UNWRITABLE, ("cost",), "no_answer")]
    )
    examples = {g.example for g in store.report(timedelta(days=1)).unanswered}
    assert examples == {"fine", "cost\ufffd of \ufffd it"}  # was a StoreError: both rows lost


def test_a_refused_value_raises_row_rejected_without_the_value_and_writes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "writable", lambda text: text)  # let the bad value through
    with pytest.raises(RowRejected) as caught:
        store.write(
            {"answer": 3},
            [Unanswered("fine", ("fine",), "no_answer"), Unanswered(UNWRITABLE, (), "no_answer")],
            [Vote(("a",), True)],
        )
    assert "cost" not in str(caught.value)
    report = store.report(timedelta(days=1))
    assert (report.replies_by_kind, report.unanswered, report.votes) == ({}, [], [])


def test_printable_escapes_what_a_terminal_acts_on_and_keeps_other_letters() -> None:
    assert printable("Núñez 日本 \x1b[2J\x9b\u202e\u2066\x7f\n") == (
        "Núñez 日本 \\x1b[2J\\x9b\\u202e\\u2066\\x7f\\x0a"
    )


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "store.sqlite3"
    store = Store(sqlite_dialect(path))
    store.record_unanswered("what does it cost", ["cost"], "no_answer")
    with sqlite3.connect(path) as reader:  # a reader keeps the -wal and -shm files in place
        reader.execute("SELECT COUNT(*) FROM unanswered").fetchall()
        store.record_reply("answer")
        for name in ("store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm"):
            assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700  # the folder was new


def test_an_existing_store_file_keeps_its_permissions(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o750)
    path = folder / "store.sqlite3"
    path.touch()
    path.chmod(0o640)  # the staff chose these
    Store(sqlite_dialect(path)).record_reply("answer")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
