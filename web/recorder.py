"""Records replies, unanswered questions and votes for staff without delaying visitors.

Counts and unanswered questions go through a bounded queue to one writer thread, so a store
that is slow, locked, full or unreachable never delays a reply: the write fails in the
background, is logged, and health shows it. Votes are written before they are acknowledged.
Crisis and medical-advice messages are never written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.answer import Answer
from bot.assistant import Assistant
from bot.store import Store, StoreError

log = logging.getLogger("faqbot.store")
PURGE_EVERY_S = 3600.0
_SENSITIVE = ("crisis", "medical_advice")


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
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=capacity)
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
        """Finish queued writes (for a few seconds at most), then stop the writer."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)

    def _failed(self, exc: Exception) -> None:
        self._last_error = (str(exc), datetime.now(UTC))
        log.error("store write failed: %s", exc)

    def _run(self) -> None:
        """Write queued jobs; purge old records at start and every hour, with or without traffic."""
        assert self.store is not None
        while True:
            if time.time() >= self._next_purge:
                self._next_purge = time.time() + PURGE_EVERY_S
                try:
                    self.store.purge()
                except Exception as exc:  # the writer must survive any store failure
                    self._failed(exc)
            try:
                job = self._queue.get(timeout=max(1.0, self._next_purge - time.time()))
            except queue.Empty:
                continue
            try:
                if job is None:
                    return
                job()
                self._last_error = None
            except Exception as exc:  # the writer must survive any store failure
                self._failed(exc)
            finally:
                self._queue.task_done()

    def flush(self) -> None:
        """Wait until every queued write has been tried (for tests and shutdown)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.join()

    def _submit(self, job: Callable[[], None]) -> None:
        if self.store is None:
            return
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            self._dropped += 1

    def reply(self, assistant: Assistant, answer: Answer) -> None:
        """Count the reply; keep the question (redacted) when nothing answered it."""
        store = self.store
        if store is None:
            return
        self._submit(lambda: store.record_reply(answer.kind))
        if answer.kind == "no_answer":
            terms = assistant.retriever.analyzer.terms(answer.question)
            self._submit(lambda: store.record_unanswered(answer.question, terms, "no_answer"))

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
