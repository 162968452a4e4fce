"""The assistant serving this process, hot reload of the knowledge, and the typed dependency
that routes use to reach the assistant."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from bot.assistant import Assistant
from bot.knowledge import fingerprint, load_knowledge
from bot.problems import Problem

log = logging.getLogger("faqbot.reload")


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
        current = fingerprint(self.folder)
        if current == self._seen:
            return False
        return self.reload(current)

    def reload(self, seen: str | None = None) -> bool:
        """Validate and load the folder now; keep serving the old version if it has errors."""
        with self._lock:
            self._seen = seen if seen is not None else fingerprint(self.folder)
            knowledge = load_knowledge(self.folder)
            if knowledge.errors:
                errors = tuple(str(p) for p in knowledge.errors)
                for line in errors:
                    log.error("knowledge reload refused: %s", line)
                where = tuple(_where(p, self.folder) for p in knowledge.errors)
                self.failure = ReloadFailure(datetime.now(UTC), errors, where)
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
