"""The recorder's writer thread: batching, and what it writes."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot import store as store_module
from bot.assistant import Assistant
from bot.store import Store, Unanswered, Vote, sqlite_dialect
from web import recorder as recorder_module
from web.app import create_app
from web.recorder import SHARE_EVERY_S, Recorder
from web.settings import Settings
from web.workers import WorkerStatus, shared


class CountingStore(Store):
    """A real SQLite store that counts its write transactions."""

    def __init__(self, path: Path) -> None:
        super().__init__(sqlite_dialect(path))
        self.transactions = 0

    def record_unanswered_many(self, items: Sequence[Unanswered]) -> None:
        self.transactions += 1
        super().record_unanswered_many(items)


def test_steady_traffic_is_written_once_per_interval_not_once_per_item(
    tmp_path: Path, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    monkeypatch.setattr(recorder_module, "WRITE_EVERY_S", 0.5)
    store = CountingStore(tmp_path / "store.sqlite3")
    recorder = Recorder(store)
    recorder.start()
    try:
        start = time.monotonic()
        for i in range(40):  # a no-answer question every 10 ms for ~0.4 s
            recorder.reply(assistant, assistant.ask(f"what does it cost {i}"))
            time.sleep(0.01)
        recorder.flush()
        elapsed = time.monotonic() - start
    finally:
        recorder.stop()
    assert store.transactions <= elapsed / 0.5 + 2  # was one transaction per question or two
    with sqlite3.connect(tmp_path / "store.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM unanswered").fetchone() == (40,)


def test_questions_beyond_capacity_are_dropped_and_counted(
    tmp_path: Path, tiny_knowledge: Path
) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    store = CountingStore(tmp_path / "store.sqlite3")
    recorder = Recorder(store, capacity=2)
    for i in range(3):  # before the writer starts, so nothing is written yet
        recorder.reply(assistant, assistant.ask(f"what does it cost {i}"))
    assert recorder.status().dropped == 1
    recorder.start()
    try:
        recorder.flush()
    finally:
        recorder.stop()
    with sqlite3.connect(tmp_path / "store.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM unanswered").fetchone() == (2,)
    assert store.report(timedelta(days=1)).replies_by_kind == {"no_answer": 3}


def test_stop_writes_what_is_pending(tmp_path: Path, tiny_knowledge: Path) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    recorder = Recorder(CountingStore(tmp_path / "store.sqlite3"))
    recorder.start()
    for i in range(5):
        recorder.reply(assistant, assistant.ask(f"what does it cost {i}"))
    recorder.stop()  # no flush: stopping must not lose what waits
    with sqlite3.connect(tmp_path / "store.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM unanswered").fetchone() == (5,)


def test_a_no_answer_that_may_not_be_kept_is_counted_but_not_written(
    tmp_path: Path, tiny_knowledge: Path
) -> None:
    """`Answer.may_keep` is False for a message that reads near crisis: only the count stays."""
    assistant = Assistant.from_folder(tiny_knowledge)
    answer = assistant.ask("what does it cost")
    assert answer.kind == "no_answer" and answer.may_keep
    store = CountingStore(tmp_path / "store.sqlite3")
    recorder = Recorder(store)
    recorder.reply(assistant, replace(answer, may_keep=False))
    recorder.start()
    try:
        recorder.flush()
    finally:
        recorder.stop()
    assert store.transactions == 0
    assert store.report(timedelta(days=1)).replies_by_kind == {"no_answer": 1}


def test_a_row_the_store_refuses_is_dropped_alone_and_logged_without_its_text(
    store: Store,
    tiny_knowledge: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    # Without the clean-up the store does, a NUL (PostgreSQL) or a lone surrogate (SQLite)
    # reaches the database and is refused, as a value the clean-up does not foresee would be.
    monkeypatch.setattr(store_module, "writable", lambda text: text)
    recorder = Recorder(store)
    for _ in range(26):
        recorder.reply(assistant, assistant.ask("what is NMDA"))
    for i in range(5):
        recorder.reply(assistant, assistant.ask(f"what does it cost {i}"))
    # Known words only, so that it is kept as written, NUL and surrogate included.
    recorder.reply(assistant, assistant.ask("what does it cost\x00\ud800 please"))
    recorder.vote(assistant, "", ["tiny-nmda"], helpful=True)
    with caplog.at_level(logging.ERROR, logger="faqbot.store"):
        recorder.start()
        try:
            recorder.flush()
        finally:
            recorder.stop()
    report = store.report(timedelta(days=1))
    assert report.replies_by_kind["answer"] == 26 and report.replies_by_kind["no_answer"] == 6
    assert sum(g.count for g in report.unanswered) == 5  # was 0: the whole batch was lost
    assert [(v.passage, v.helpful) for v in report.votes] == [("tiny-nmda", 1)]
    status = recorder.status()
    assert (status.status, status.dropped) == ("ok", 1)
    assert "refused one question" in caplog.text
    assert "cost" not in caplog.text and "please" not in caplog.text


def test_a_batch_the_store_could_not_take_is_written_on_a_later_try(
    tmp_path: Path, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    monkeypatch.setattr(recorder_module, "PURGE_EVERY_S", 1e9)
    db = tmp_path / "store.sqlite3"
    store = Store(sqlite_dialect(db))
    store.record_reply("answer")  # the file and tables exist
    recorder = Recorder(store)
    recorder.start()
    try:
        recorder.flush()  # the purge at start is done
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # another process holds the store
        recorder.reply(assistant, assistant.ask("what does it cost"))
        recorder.vote(assistant, "", ["tiny-nmda"], helpful=False)
        recorder.flush()
        assert recorder.status().status == "failing"
        lock.execute("ROLLBACK")
        lock.close()
        recorder.flush()
    finally:
        recorder.stop()
    report = store.report(timedelta(days=1))
    assert [g.example for g in report.unanswered] == ["what does it cost"]  # was lost
    assert [(v.passage, v.not_helpful) for v in report.votes] == [("tiny-nmda", 1)]
    assert recorder.status().status == "ok"


class HungStore(Store):
    """A real store whose writes hang until released, as a PostgreSQL server that stopped
    answering, or a lock held by another process, would make them."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.dialect)
        self.released = threading.Event()

    def write(
        self,
        counts: Mapping[str, int] | None = None,
        unanswered: Sequence[Unanswered] = (),
        votes: Sequence[Vote] = (),
        day: date | None = None,
    ) -> None:
        self.released.wait(timeout=60)
        super().write(counts, unanswered, votes, day)


def test_votes_and_pages_never_wait_for_a_hung_store(store: Store, tiny_knowledge: Path) -> None:
    hung = HungStore(store)
    app = create_app(Settings(knowledge_dir=tiny_knowledge, db=tiny_knowledge / "unused.sqlite3"))
    app.state.recorder.store = hung
    replies: list[int] = []
    notices: list[str] = []
    with TestClient(app) as client:

        def visitor() -> None:
            res = client.post("/api/feedback", json={"passages": ["tiny-nmda"], "helpful": True})
            replies.append(res.status_code)
            page = client.post("/feedback", data={"passage": "tiny-nmda", "helpful": "no"})
            notices.append(BeautifulSoup(page.text, "html.parser").select_one(".notice").text)
            replies.append(client.get("/").status_code)

        thread = threading.Thread(target=visitor)
        thread.start()
        thread.join(timeout=20)
        finished = not thread.is_alive()  # the votes were written in the request: still hung
        hung.released.set()
        thread.join()
        app.state.recorder.flush()
    assert finished and replies == [200, 200]
    assert "Thank you" in notices[0]
    votes = store.report(timedelta(days=1)).votes
    assert [(v.passage, v.helpful, v.not_helpful) for v in votes] == [("tiny-nmda", 1, 1)]


def test_a_half_full_list_wakes_the_writer_before_its_interval(
    tmp_path: Path, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant.from_folder(tiny_knowledge)
    monkeypatch.setattr(recorder_module, "WRITE_EVERY_S", 3600.0)
    store = Store(sqlite_dialect(tmp_path / "store.sqlite3"))
    recorder = Recorder(store, capacity=4)
    recorder.start()
    try:
        for _ in range(2):  # half of the capacity: votes come faster than the interval
            recorder.vote(assistant, "", ["tiny-nmda"], helpful=True)
        deadline = time.monotonic() + 20
        while not store.report(timedelta(days=1)).votes:
            assert time.monotonic() < deadline, "the writer waited for its interval"
            time.sleep(0.05)
    finally:
        recorder.stop()


def test_this_workers_status_reaches_the_store_when_it_changes_and_leaves_at_stop(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "WRITE_EVERY_S", 0.05)
    now = time.time()
    status = WorkerStatus("server-a", 7, "v1", "2026-01-01T00:00:00+00:00", "ok", now)
    recorder = Recorder(store)
    recorder.start()
    try:
        recorder.status_changed(status)
        recorder.flush()
        assert shared(store, max_age=60, now=now) == [status]
        recorder.status_changed(replace(status, seen_at=now + 1))  # unchanged, and soon
        recorder.flush()
        assert shared(store, max_age=60, now=now) == [status]  # not written again yet
        recorder.status_changed(replace(status, seen_at=now + SHARE_EVERY_S))
        recorder.flush()
        assert shared(store, max_age=60, now=now)[0].seen_at == now + SHARE_EVERY_S
        reloaded = replace(status, knowledge_version="v2", seen_at=now + SHARE_EVERY_S + 1)
        recorder.status_changed(reloaded)
        recorder.flush()
        assert shared(store, max_age=60, now=now) == [reloaded]  # a new version goes at once
    finally:
        recorder.stop()
    assert shared(store, max_age=60, now=now) == []
