"""The recorder's writer thread: batching, and what it writes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.store import Store, Unanswered, sqlite_dialect
from web import recorder as recorder_module
from web.recorder import Recorder


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
