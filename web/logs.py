"""Logging, configured once per process: time, level, worker pid, logger and message, as text or
as one JSON object a line (`FAQBOT_LOG_FORMAT=json`) for log collectors.

Nothing a visitor typed is ever logged: log calls pass only counts, versions, file names and
error messages of our own, and uvicorn's access log stays off.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
LOGGERS = ("faqbot", "uvicorn", "uvicorn.error", "asyncio")


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
                "stream": "ext://sys.stderr",
            }
        },
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
