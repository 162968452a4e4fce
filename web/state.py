"""The assistant serving this process, hot reload of the knowledge, and the typed dependency
that routes use to reach the assistant."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from bot.assistant import Assistant
from bot.files import fingerprint
from bot.knowledge import Knowledge, load_knowledge

log = logging.getLogger("faqbot.reload")
SETTLE_S = 0.5  # a changed folder is read once it has stayed the same this long
SETTLE_TRIES = 3  # an explicit reload waits for a folder still being written this many times

Read = tuple[Knowledge, str]  # the knowledge and the fingerprint of the files it was read from


def _settle() -> None:
    """Wait for an edit in progress to go on (or not) before the folder is read."""
    time.sleep(SETTLE_S)


@dataclass(frozen=True)
class ReloadFailure:
    """A changed knowledge folder that was not loaded, and why."""

    at: datetime
    errors: tuple[str, ...]


class KnowledgeHolder:
    """Holds the assistant for the current knowledge version and swaps it on a valid edit.

    The swap is one reference assignment: a request that already has the old assistant
    finishes with it, the next one gets the new one. Each worker process has its own holder.
    """

    def __init__(self, assistant: Assistant, folder: Path) -> None:
        self.assistant = assistant
        self.folder = folder
        self.failure: ReloadFailure | None = None
        self._seen = fingerprint(folder)
        self._lock = threading.Lock()

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
                errors = tuple(str(p) for p in knowledge.errors)
                for line in errors:
                    log.error("knowledge reload refused: %s", line)
                self.failure = ReloadFailure(datetime.now(UTC), errors)
                return False
            if knowledge.version == self.assistant.knowledge.version:
                self.failure = None
                return False
            self.assistant = Assistant(knowledge)
            self.failure = None
            log.warning(
                "knowledge reloaded: version %s, %d passages",
                knowledge.version,
                len(knowledge.passages),
            )
            return True

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
    """A daemon thread that calls `holder.check()` every `interval` seconds until stopped."""

    def __init__(self, holder: KnowledgeHolder, interval: float) -> None:
        self.holder = holder
        self.interval = interval
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
                self.holder.check()
            except Exception:  # the watcher must outlive any surprise; the bot keeps serving
                log.exception("knowledge reload check failed")


async def get_assistant(request: Request) -> Assistant:
    """The assistant for this request (a request keeps the version it started with).

    `async` so that FastAPI does not send this one attribute read to the thread pool."""
    holder: KnowledgeHolder = request.app.state.holder
    return holder.assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
