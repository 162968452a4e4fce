"""Logging, configured once per process: time, level, worker pid, logger and message, as text or
as one JSON object a line (`FAQBOT_LOG_FORMAT=json`) for log collectors.

Nothing a visitor typed is ever logged: log calls pass only counts, versions, file names and
error messages of our own, and uvicorn's access log stays off.
"""

from __future__ import annotations

import json
import logging
import logging.config
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
LOGGERS = ("faqbot", "uvicorn", "uvicorn.error", "asyncio")
# Lines an overloaded server repeats for every refused request or accept() attempt: kept to one
# a minute (with the count left out), so that overload or running out of file descriptors does
# not also fill the disk.
REPEATING = ("Exceeded concurrency limit.", "socket.accept() out of system resource")


class RepeatFilter(logging.Filter):
    """Lets each of the REPEATING messages through at most once per `interval` seconds, saying
    how many were left out since."""

    def __init__(self, interval: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        key = next((r for r in REPEATING if message.startswith(r)), None)
        if key is None:
            return True
        now = self.clock()
        if now - self._last.get(key, -self.interval) < self.interval:
            self._left_out[key] = self._left_out.get(key, 0) + 1
            return False
        self._last[key] = now
        left_out = self._left_out.pop(key, 0)
        if left_out:
            record.msg = f"{message} ({left_out} more like it in the last minute left out)"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, pid, logger, message[, exception]."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` dictionary (uvicorn applies it in every worker)."""
    formatter: dict[str, Any] = (
        {"()": "web.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": TEXT_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    )
    handler = ["stderr"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"faqbot": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "faqbot",
                "filters": ["repeats"],
                "stream": "ext://sys.stderr",
            }
        },
        "filters": {"repeats": {"()": "web.logs.RepeatFilter"}},
        "loggers": {
            **{
                name: {"handlers": handler, "level": level.upper(), "propagate": False}
                for name in LOGGERS
            },
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": handler, "level": "WARNING"},
    }


def configure_logging(level: str, fmt: str) -> None:
    """Configure this process's logging (for the `serve` parent; uvicorn does its workers)."""
    logging.config.dictConfig(log_config(level, fmt))
