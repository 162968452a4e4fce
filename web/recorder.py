"""Records replies, unanswered questions and votes for staff without delaying visitors.

Reply counts, unanswered questions and votes are kept in memory (bounded lists); one writer
thread stores them in batches (one transaction every couple of seconds at most), so a store
that is slow, locked, hung, full or unreachable never delays a reply or a page: the write fails
in the background, is logged, health shows it, and the batch waits for the next try (up to the
lists' capacity). A value the store refuses loses only its own row: the batch is split until
the row is found. Crisis (either level: resources alone, or a check-in), medical-advice and
near-crisis messages are never written (`Answer.may_keep`), nor the reply a visitor gets by
saying they are safe after a check-in, and no question at all when the clinic turns keeping off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.answer import Answer
from bot.assistant import Assistant
from bot.redaction import TOPIC_ONLY, for_staff
from bot.store import Reason, RowRejected, Store, StoreError, Unanswered, Vote
from web.workers import WorkerStatus, share, unshare

log = logging.getLogger("faqbot.store")
PURGE_EVERY_S = 3600.0  # once per period for all the workers and servers sharing the store
WRITE_EVERY_S = 2.0
SHARE_EVERY_S = 30.0  # a worker's unchanged status is written this often (web.state.WORKER_MAX_AGE)

Row = Unanswered | Vote | tuple[str, int]  # a question, a vote, or a count of replies of a kind


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

    A reply or a vote only appends to a list under a lock: the writer thread is not woken per
    item (a wake-up per question cost the event loop a thread switch each time); it wakes every
    WRITE_EVERY_S seconds, at once for `flush` and `stop`, and when a list is half full (votes
    can come faster than a list's capacity every WRITE_EVERY_S), and writes all that is pending.
    """

    def __init__(
        self, store: Store | None, capacity: int = 1000, keep_questions: bool = True
    ) -> None:
        self.store = store
        self.capacity = capacity  # of questions waiting, and of votes waiting
        self.keep_questions = keep_questions
        self._lock = threading.Lock()  # guards the four fields below
        self._pending: list[Unanswered] = []
        self._votes: list[Vote] = []
        self._counts: Counter[str] = Counter()
        self._waiting: list[threading.Event] = []  # flushes waiting for the next write
        self._wake = threading.Event()
        self._stopping = False
        self._last_error: tuple[str, datetime] | None = None
        self._dropped = 0
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0
        self._status: WorkerStatus | None = None  # this worker's, to share through the store
        self._shared: WorkerStatus | None = None  # what last went to the store
        self._share_failed = False

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
                    store.purge_due(PURGE_EVERY_S)
                except Exception as exc:  # the writer must survive any store failure
                    self._failed(exc)
            self._wake.wait(timeout=WRITE_EVERY_S)
            self._wake.clear()
            stopping = self._stopping  # read before taking the batch: what came before is in it
            with self._lock:
                rows: list[Row] = [*self._counts.items(), *self._pending, *self._votes]
                self._pending, self._votes, self._counts = [], [], Counter()
                waiting, self._waiting = self._waiting, []
            try:
                self._write(rows)
                self._share_status()
            finally:
                for done in waiting:
                    done.set()
            if stopping:
                self._unshare_status()
                with self._lock:
                    if unwritten := len(self._pending) + len(self._votes):
                        log.error("stopped with %d records the store did not take", unwritten)
                return

    def status_changed(self, status: WorkerStatus) -> None:
        """This worker's status, for staff on any server sharing the store: written within
        WRITE_EVERY_S seconds when it changed, else every SHARE_EVERY_S seconds."""
        self._status = status

    def _share_status(self) -> None:
        status, shared = self._status, self._shared
        if self.store is None or status is None:
            return
        if (
            shared is not None
            and status == replace(shared, seen_at=status.seen_at)  # unchanged but for the time
            and status.seen_at - shared.seen_at < SHARE_EVERY_S
        ):
            return
        try:
            share(self.store, status)
            self._shared = status
            self._share_failed = False
        except Exception as exc:  # the writer must survive any store failure
            if not self._share_failed:  # writes of replies fail too, and say so in health
                log.error("cannot share this worker's status through the store: %s", exc)
            self._share_failed = True

    def _unshare_status(self) -> None:
        """Remove this worker from the store's list (it is stopping)."""
        shared = self._shared
        if self.store is not None and shared is not None:
            try:
                unshare(self.store, shared.host, shared.pid)
            except Exception as exc:  # the writer must survive any store failure
                log.error("cannot remove this worker from the store's list: %s", exc)

    def _write(self, rows: list[Row]) -> None:
        """Write the batch; what the store could not take (it failed) waits for the next try."""
        assert self.store is not None
        if not rows:
            if self._last_error is None:
                return  # nothing to write, and no failure to see the end of
            try:  # a failing store is tried again even without traffic, so health recovers
                self.store.write()
                self._last_error = None
            except Exception as exc:  # the writer must survive any store failure
                self._failed(exc)
            return
        unwritten = self._write_rows(rows)
        if unwritten:
            self._requeue(unwritten)
        else:
            self._last_error = None

    def _write_rows(self, rows: list[Row]) -> list[Row]:
        """Write rows in one transaction; when the store refuses a value in them, write each
        half the same way, so a bad row loses only itself. Returns the rows not written
        because the store failed."""
        assert self.store is not None
        try:
            self.store.write(
                {r[0]: r[1] for r in rows if isinstance(r, tuple)},
                [r for r in rows if isinstance(r, Unanswered)],
                [r for r in rows if isinstance(r, Vote)],
            )
            return []
        except RowRejected as exc:
            if len(rows) == 1:
                self._dropped += 1
                what = {Unanswered: "question", Vote: "vote"}.get(type(rows[0]), "reply count")
                # The error's type only: never the row, which may hold what a visitor typed.
                log.error("the store refused one %s (%s); dropped it, kept the rest", what, exc)
                return []
            half = len(rows) // 2
            unwritten = self._write_rows(rows[:half])
            return unwritten + rows[half:] if unwritten else self._write_rows(rows[half:])
        except Exception as exc:  # the writer must survive any store failure
            self._failed(exc)
            return rows

    def _requeue(self, rows: list[Row]) -> None:
        """Put rows the store did not take back in front of what came since, within capacity."""
        with self._lock:
            for row in rows:
                if isinstance(row, tuple):
                    self._counts[row[0]] += row[1]
            pending = [r for r in rows if isinstance(r, Unanswered)] + self._pending
            votes = [r for r in rows if isinstance(r, Vote)] + self._votes
            self._dropped += max(len(pending) - self.capacity, 0)
            self._dropped += max(len(votes) - self.capacity, 0)
            self._pending, self._votes = pending[: self.capacity], votes[: self.capacity]

    def reply(self, assistant: Assistant, answer: Answer, safe: bool = False) -> None:
        """Count the reply; keep the question, redacted, when nothing answered it. A check-in
        counts as a crisis reply and is never kept (nor is the reply it holds back). `safe`: the
        reply a visitor asked for by saying they are safe after a check-in, neither counted nor
        kept (the check-in before it was counted)."""
        if self.store is None or safe:
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
                half_full = len(self._pending) == self.capacity // 2
            if half_full:
                self._wake.set()

    def vote(
        self, assistant: Assistant, question: str, passages: Sequence[str], helpful: bool
    ) -> None:
        """Queue a vote for the writer; for "not helpful", also the redacted question when it may
        be kept (`Assistant.may_keep`). Never waits for the store: raises StoreError at
        once when the vote cannot be taken (no store, the store failing, too much waiting)."""
        if self.store is None:
            raise StoreError("feedback is not being stored (no store configured)")
        if self._last_error is not None:
            raise StoreError(f"the store is failing: {self._last_error[0]}")
        known = {p.id for p in assistant.knowledge.passages}
        passages = [p for p in passages if p in known]
        item = None
        keep = not helpful and self.keep_questions and question.strip()
        if keep and assistant.may_keep(question):
            item = _unanswered(assistant, question, "not_helpful", passages)
        with self._lock:
            if len(self._votes) >= self.capacity or len(self._pending) >= self.capacity:
                self._dropped += 1
                raise StoreError("too many records are waiting for the store")
            half_full = False
            if passages:
                self._votes.append(Vote(tuple(passages), helpful))
                half_full = len(self._votes) == self.capacity // 2
            if item is not None:
                self._pending.append(item)
                half_full |= len(self._pending) == self.capacity // 2
        if half_full:
            self._wake.set()

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
