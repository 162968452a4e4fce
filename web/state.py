"""The assistant serving this process, hot reload of the knowledge, and the typed dependency
that routes use to reach the assistant."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from bot.assistant import Assistant
from bot.canaries import safety_problems
from bot.files import fingerprint
from bot.knowledge import Knowledge, load_knowledge
from bot.problems import Problem
from web.workers import Roster, WorkerStatus

log = logging.getLogger("faqbot.reload")
WORKER_MAX_AGE = 65.0  # seconds without a report after which a worker is presumed gone
SETTLE_S = 0.5  # a changed folder is read once it has stayed the same this long
SETTLE_TRIES = 3  # an explicit reload waits for a folder still being written this many times

Read = tuple[Knowledge, str]  # the knowledge and the fingerprint of the files it was read from


def _settle() -> None:
    """Wait for an edit in progress to go on (or not) before the folder is read."""
    time.sleep(SETTLE_S)


@dataclass(frozen=True)
class ReloadFailure:
    """A changed knowledge folder that was not loaded, and why: `errors` in full (for staff),
    `where` as file:line relative to the knowledge folder, without messages (for the public
    health check: a message may quote a line of the file)."""

    at: datetime
    errors: tuple[str, ...]
    where: tuple[str, ...] = ()


def _where(problem: Problem, folder: Path) -> str:
    """`articles/x.md:3`: the problem's file relative to the knowledge folder, and its line."""
    path = Path(problem.path)
    try:
        shown = path.relative_to(folder).as_posix()
    except ValueError:
        shown = path.name
    return f"{shown}:{problem.line}"


class KnowledgeHolder:
    """Holds the assistant for the current knowledge version and swaps it on a valid edit.

    The swap is one reference assignment: a request that already has the old assistant
    finishes with it, the next one gets the new one. Each worker process has its own holder;
    with a `Roster` attached, "Reload now" in one worker raises the shared reload generation,
    which every worker's watcher follows, and each worker reports the version it serves.
    """

    def __init__(self, assistant: Assistant, folder: Path, safety_gate: bool = True) -> None:
        """`safety_gate`: refuse an edit that routes the shipped crisis test messages unsafely
        (`bot.canaries`), keeping the last good version."""
        self.assistant = assistant
        self.folder = folder
        self.safety_gate = safety_gate
        self.failure: ReloadFailure | None = None
        self._seen = fingerprint(folder)
        self._lock = threading.Lock()
        self.roster: Roster | None = None
        self._generation = 0
        self._report_failed = False
        self._on_status: Callable[[WorkerStatus], None] | None = None

    def attach(
        self, roster: Roster, on_status: Callable[[WorkerStatus], None] | None = None
    ) -> None:
        """Share reloads and report this worker's version through `roster`, and to
        `on_status` (which shares it with the other servers)."""
        self.roster = roster
        self._on_status = on_status
        self._generation = roster.generation()
        self.report()

    def reload_everywhere(self) -> bool:
        """ "Reload now": raise the shared generation (every worker follows it within its
        watcher's interval), then reload this worker at once; returns whether it loaded."""
        if self.roster is not None:
            try:
                self._generation = self.roster.bump()
            except OSError as exc:
                log.error("cannot tell the other workers to reload: %s", exc)
        loaded = self.reload()
        self.report()
        return loaded

    def follow_generation(self) -> bool:
        """Reload when another worker raised the shared generation; returns whether it did."""
        if self.roster is None:
            return False
        generation = self.roster.generation()
        if generation == self._generation:
            return False
        self._generation = generation
        self.reload()
        return True

    def workers(self) -> list[WorkerStatus]:
        """The workers of this machine that reported lately (this one included)."""
        if self.roster is None:
            return []
        return self.roster.workers(max_age=WORKER_MAX_AGE)

    def forget(self) -> None:
        """Remove this worker from the roster (it is stopping)."""
        if self.roster is not None:
            with contextlib.suppress(OSError):
                self.roster.forget(os.getpid())

    def report(self) -> None:
        """Tell the roster which version this worker serves (logged once if it cannot)."""
        if self.roster is None:
            return
        k = self.assistant.knowledge
        status = WorkerStatus(
            host=self.roster.host,
            pid=os.getpid(),
            knowledge_version=k.version,
            loaded_at=k.loaded_at.isoformat(),
            reload="ok" if self.failure is None else "failed",
            seen_at=time.time(),
        )
        if self._on_status is not None:
            self._on_status(status)
        try:
            self.roster.report(status)
            self._report_failed = False
        except OSError as exc:
            if not self._report_failed:
                log.error("cannot write this worker's status in %s: %s", self.roster.folder, exc)
            self._report_failed = True

    def check(self) -> bool:
        """Reload when the folder changed since last seen; returns whether a new version loaded."""
        if fingerprint(self.folder) == self._seen:
            return False
        return self.reload(tries=1)  # a folder still being written: the next check tries again

    def reload(self, tries: int = SETTLE_TRIES) -> bool:
        """Validate and load the folder now, once its files are whole; keep serving the old
        version if it has errors."""
        with self._lock:
            read = None
            for _ in range(tries):
                if (read := self._read_whole()) is not None:
                    break
            if read is None:
                log.warning("knowledge folder still being written; it will be read again")
                return False
            knowledge, self._seen = read
            if knowledge.errors:
                return self._refuse(knowledge.errors)
            if knowledge.version == self.assistant.knowledge.version:
                self.failure = None
                return False
            assistant = Assistant(knowledge)
            if self.safety_gate and (unsafe := safety_problems(assistant)):
                return self._refuse(unsafe)
            self.assistant = assistant
            self.failure = None
            log.info(
                "knowledge reloaded: version %s, %d passages",
                knowledge.version,
                len(knowledge.passages),
            )
            return True

    def _refuse(self, problems: Sequence[Problem]) -> bool:
        """Keep serving the last good version; log and show why the edit was refused."""
        errors = tuple(str(p) for p in problems)
        for line in errors:
            log.error("knowledge reload refused: %s", line)
        where = tuple(_where(p, self.folder) for p in problems)
        self.failure = ReloadFailure(datetime.now(UTC), errors, where)
        return False

    def _read_whole(self) -> Read | None:
        """The folder's knowledge if no file changed over SETTLE_S before it was read nor while
        it was read; None while an edit is in progress (a file written in place and read
        half-way would serve a passage cut mid-sentence as a vetted quote)."""
        before = fingerprint(self.folder)
        _settle()
        if fingerprint(self.folder) != before:
            return None
        knowledge = load_knowledge(self.folder)
        if fingerprint(self.folder) != before:
            return None
        return knowledge, before


class Watcher:
    """A daemon thread that, every `interval` seconds until stopped, reloads the knowledge when
    its folder changed (`watch_folder`) or another worker asked for a reload, and reports this
    worker's version."""

    def __init__(self, holder: KnowledgeHolder, interval: float, watch_folder: bool = True) -> None:
        self.holder = holder
        self.interval = interval
        self.watch_folder = watch_folder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.holder.follow_generation() and self.watch_folder:
                    self.holder.check()
                self.holder.report()
            except Exception:  # the watcher must outlive any surprise; the bot keeps serving
                log.exception("knowledge reload check failed")


async def get_assistant(request: Request) -> Assistant:
    """The assistant for this request (a request keeps the version it started with).

    `async` so that FastAPI does not send this one attribute read to the thread pool."""
    holder: KnowledgeHolder = request.app.state.holder
    return holder.assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
