"""Records replies, unanswered questions and votes for staff without delaying visitors.

Reply counts and unanswered questions are kept in memory (a bounded list); one writer thread
stores both in batches (one transaction every couple of seconds at most), so a
store that is slow, locked, full or unreachable never delays a reply: the write fails in the
background, is logged, and health shows it. Votes are written before they are acknowledged.
Crisis, medical-advice and near-crisis messages are never written (`Answer.may_keep`), and no
question at all when the clinic turns keeping off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.answer import Answer
from bot.assistant import Assistant
from bot.redaction import TOPIC_ONLY, for_staff
from bot.store import Reason, Store, StoreError, Unanswered

log = logging.getLogger("faqbot.store")
PURGE_EVERY_S = 3600.0
WRITE_EVERY_S = 2.0


@dataclass(frozen=True)
class StoreStatus:
    """What health shows about the store."""

    status: str  # "ok", "failing" or "off"
    backend: str
    last_error: str | None
    last_error_at: datetime | None
    dropped: int


class Recorder:
    """The only way the web app writes to the store.

    A reply only appends to a list under a lock: the writer thread is not woken per reply (a
    wake-up per question cost the event loop a thread switch each time); it wakes every
    WRITE_EVERY_S seconds, or at once for `flush` and `stop`, and writes all that is pending.
    """

    def __init__(
        self, store: Store | None, capacity: int = 1000, keep_questions: bool = True
    ) -> None:
        self.store = store
        self.capacity = capacity
        self.keep_questions = keep_questions
        self._lock = threading.Lock()  # guards the three fields below
        self._pending: list[Unanswered] = []
        self._counts: Counter[str] = Counter()
        self._waiting: list[threading.Event] = []  # flushes waiting for the next write
        self._wake = threading.Event()
        self._stopping = False
        self._last_error: tuple[str, datetime] | None = None
        self._dropped = 0
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0

    def start(self) -> None:
        """Start the writer thread (again, after `stop`, when an app is started twice)."""
        if self.store is not None and (self._thread is None or not self._thread.is_alive()):
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Write what is pending (for a few seconds at most), then stop the writer."""
        if self._thread is not None and self._thread.is_alive():
            self._stopping = True
            self._wake.set()
            self._thread.join(timeout=5)

    def flush(self) -> None:
        """Wait until everything recorded so far has been written or failed (tests, shutdown)."""
        if self._thread is not None and self._thread.is_alive():
            done = threading.Event()
            with self._lock:
                self._waiting.append(done)
            self._wake.set()
            done.wait(timeout=30)

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
            self._wake.wait(timeout=WRITE_EVERY_S)
            self._wake.clear()
            stopping = self._stopping  # read before taking the batch: what came before is in it
            with self._lock:
                pending, self._pending = self._pending, []
                counts, self._counts = self._counts, Counter()
                waiting, self._waiting = self._waiting, []
            try:
                self._write(pending, counts)
            finally:
                for done in waiting:
                    done.set()
            if stopping:
                return

    def _write(self, pending: list[Unanswered], counts: Counter[str]) -> None:
        assert self.store is not None
        if not pending and not counts:
            return  # nothing written: the last error, if any, still stands
        try:
            if pending:
                self.store.record_unanswered_many(pending)
            if counts:
                self.store.record_replies(counts)
            self._last_error = None
        except Exception as exc:  # the writer must survive any store failure
            self._failed(exc)

    def reply(self, assistant: Assistant, answer: Answer) -> None:
        """Count the reply; keep the question, redacted, when nothing answered it."""
        if self.store is None:
            return
        with self._lock:
            self._counts[answer.kind] += 1
        if answer.kind == "no_answer" and answer.may_keep and self.keep_questions:
            # Redacted and analysed here, a few microseconds on this reply, rather than in one
            # batch in the writer thread, which held the event loop up every couple of seconds.
            item = _unanswered(assistant, answer.question, "no_answer")
            with self._lock:
                if len(self._pending) < self.capacity:
                    self._pending.append(item)
                else:
                    self._dropped += 1

    def vote(
        self, assistant: Assistant, question: str, passages: Sequence[str], helpful: bool
    ) -> None:
        """Store a vote now (raises StoreError when it cannot); for "not helpful", also keep
        the redacted question when it may be kept (`Assistant.may_keep`)."""
        if self.store is None:
            raise StoreError("feedback is not being stored (no store configured)")
        known = {p.id for p in assistant.knowledge.passages}
        passages = [p for p in passages if p in known]
        try:
            self.store.record_vote(passages, helpful)
            keep = not helpful and self.keep_questions and question.strip()
            if keep and assistant.may_keep(question):
                self.store.record_unanswered_many(
                    [_unanswered(assistant, question, "not_helpful", passages)]
                )
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


def _unanswered(
    assistant: Assistant, question: str, reason: Reason, passages: Sequence[str] = ()
) -> Unanswered:
    """A question to keep, redacted (`bot.redaction.for_staff`), with the terms it is grouped by
    taken from what is kept (terms of the raw text would keep a name or a phone number's
    digits)."""
    kept = for_staff(question, assistant.known_words)
    terms = tuple(assistant.retriever.analyzer.terms(kept.removeprefix(TOPIC_ONLY)))
    return Unanswered(kept, terms, reason, tuple(passages))
