"""Records replies, unanswered questions and votes for staff without delaying visitors.

Reply counts are kept in memory and unanswered questions go through a bounded queue; one
writer thread stores both in batches (one transaction every couple of seconds at most), so a
store that is slow, locked, full or unreachable never delays a reply: the write fails in the
background, is logged, and health shows it. Votes are written before they are acknowledged.
Crisis and medical-advice messages are never written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.answer import Answer
from bot.assistant import Assistant
from bot.store import Store, StoreError, Unanswered

log = logging.getLogger("faqbot.store")
PURGE_EVERY_S = 3600.0
WRITE_EVERY_S = 2.0
BATCH = 500
_SENSITIVE = ("crisis", "medical_advice")
_FLUSH = object()  # a queue item that only asks the writer to write what it has now
_STOP = object()


@dataclass(frozen=True)
class StoreStatus:
    """What health shows about the store."""

    status: str  # "ok", "failing" or "off"
    backend: str
    last_error: str | None
    last_error_at: datetime | None
    dropped: int


class Recorder:
    """The only way the web app writes to the store."""

    def __init__(self, store: Store | None, capacity: int = 1000) -> None:
        self.store = store
        self._queue: queue.Queue[object] = queue.Queue(maxsize=capacity)
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self._last_error: tuple[str, datetime] | None = None
        self._dropped = 0
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0

    def start(self) -> None:
        """Start the writer thread (again, after `stop`, when an app is started twice)."""
        if self.store is not None and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is pending (for a few seconds at most), then stop the writer."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=5)

    def flush(self) -> None:
        """Wait until everything recorded so far has been written or failed (tests, shutdown)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_FLUSH)
            self._queue.join()

    def _failed(self, exc: Exception) -> None:
        self._last_error = (str(exc), datetime.now(UTC))
        log.error("store write failed: %s", exc)

    def _run(self) -> None:
        """Write batches; purge old records at start and every hour, with or without traffic."""
        store = self.store
        assert store is not None
        while True:
            if time.time() >= self._next_purge:
                self._next_purge = time.time() + PURGE_EVERY_S
                try:
                    store.purge()
                except Exception as exc:  # the writer must survive any store failure
                    self._failed(exc)
            items = self._collect()
            try:
                self._write([i for i in items if isinstance(i, Unanswered)])
            finally:
                for _ in items:
                    self._queue.task_done()
            if any(i is _STOP for i in items):
                return

    def _collect(self) -> list[object]:
        """What arrives within the next WRITE_EVERY_S seconds: up to BATCH items, or fewer when
        a flush or stop is asked for. Under steady traffic this makes one transaction every
        WRITE_EVERY_S seconds, instead of one per item as it arrives."""
        deadline = time.monotonic() + WRITE_EVERY_S
        items: list[object] = []
        while len(items) < BATCH:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            items.append(item)
            if item is _FLUSH or item is _STOP:
                break
        return items

    def _write(self, unanswered: list[Unanswered]) -> None:
        assert self.store is not None
        with self._counts_lock:
            counts, self._counts = self._counts, Counter()
        if not unanswered and not counts:
            return  # nothing written: the last error, if any, still stands
        try:
            if unanswered:
                self.store.record_unanswered_many(unanswered)
            if counts:
                self.store.record_replies(counts)
            self._last_error = None
        except Exception as exc:  # the writer must survive any store failure
            self._failed(exc)

    def reply(self, assistant: Assistant, answer: Answer) -> None:
        """Count the reply; keep the question (redacted when written) when nothing answered it."""
        if self.store is None:
            return
        with self._counts_lock:
            self._counts[answer.kind] += 1
        if answer.kind == "no_answer":
            terms = tuple(assistant.retriever.analyzer.terms(answer.question))
            try:
                self._queue.put_nowait(Unanswered(answer.question, terms, "no_answer"))
            except queue.Full:
                self._dropped += 1

    def vote(
        self, assistant: Assistant, question: str, passages: Sequence[str], helpful: bool
    ) -> None:
        """Store a vote now (raises StoreError when it cannot); for "not helpful", also keep
        the redacted question unless it is a crisis or medical-advice message."""
        if self.store is None:
            raise StoreError("feedback is not being stored (no store configured)")
        known = {p.id for p in assistant.knowledge.passages}
        passages = [p for p in passages if p in known]
        try:
            self.store.record_vote(passages, helpful)
            if not helpful and question.strip() and assistant.route(question) not in _SENSITIVE:
                terms = assistant.retriever.analyzer.terms(question)
                self.store.record_unanswered(question, terms, "not_helpful", passages)
        except StoreError as exc:
            self._failed(exc)
            raise

    def status(self) -> StoreStatus:
        if self.store is None:
            return StoreStatus("off", "none", None, None, 0)
        error = self._last_error
        return StoreStatus(
            "ok" if error is None else "failing",
            self.store.dialect.name,
            error[0] if error else None,
            error[1] if error else None,
            self._dropped,
        )
