"""Logging: configured once per process, time, level, pid, logger and message, as text or JSON,
at FAQBOT_LOG_LEVEL; nothing a visitor typed ever reaches the log."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_faults import FAQBOT, serve
from web.logs import RepeatFilter

LOG_TWO_LINES = """
import logging, sys
from web.logs import configure_logging
configure_logging(sys.argv[1], sys.argv[2])
logging.getLogger("faqbot.test").info("knowledge reloaded: %d passages", 15)
logging.getLogger("faqbot.test").debug("a detail")
"""


def log_lines(level: str, fmt: str) -> tuple[list[str], int]:
    """The stderr lines of a process that configures logging and logs one info, one debug line;
    and that process's pid."""
    probe = LOG_TWO_LINES + "print(__import__('os').getpid())\n"
    done = subprocess.run(
        [sys.executable, "-c", probe, level, fmt], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines(), int(done.stdout)


def test_text_lines_carry_time_level_pid_logger_and_message() -> None:
    lines, pid = log_lines("info", "text")
    pattern = rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{{4}} INFO \[{pid}\] faqbot.test: "
    assert len(lines) == 1  # the debug line is below the level
    assert re.fullmatch(pattern + "knowledge reloaded: 15 passages", lines[0]), lines


def test_debug_level_shows_debug_lines() -> None:
    lines, _ = log_lines("debug", "text")
    assert [line.split("faqbot.test: ")[1] for line in lines] == [
        "knowledge reloaded: 15 passages",
        "a detail",
    ]


def test_json_lines_are_one_object_each() -> None:
    lines, pid = log_lines("info", "json")
    (entry,) = [json.loads(line) for line in lines]
    assert entry["level"] == "INFO" and entry["pid"] == pid and entry["logger"] == "faqbot.test"
    assert entry["message"] == "knowledge reloaded: 15 passages"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_a_bad_log_level_stops_serve_with_a_plain_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(FAQBOT), "serve", "--port", "1"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "FAQBOT_LOG_LEVEL": "loud"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Setting FAQBOT_LOG_LEVEL: Input should be 'debug', 'info'" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_logs_json_from_each_worker_and_never_visitor_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_LOG_FORMAT", "json")
    monkeypatch.setenv("FAQBOT_LOG_LEVEL", "debug")
    proc, base = serve(tmp_path, "--workers", "2")
    secret = "zebracorn my email is visitor@example.org"
    try:
        for question in (secret, secret + " how does ketamine work", "  " * 300 + secret):
            ask = urllib.request.Request(
                f"{base}/api/ask",
                data=json.dumps({"question": question}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                urllib.request.urlopen(ask, timeout=30).close()
            except urllib.error.HTTPError as exc:  # the long one is refused: fine
                assert exc.code == 422
        vote = urllib.request.Request(
            f"{base}/api/feedback",
            data=json.dumps({"passages": ["x"], "helpful": False, "question": secret}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(vote, timeout=30).close()
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    entries = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    workers = {e["pid"] for e in entries if e["message"].startswith("Started server process")}
    assert len(workers) == 2 and proc.pid not in workers
    assert {e["pid"] for e in entries} == {proc.pid, *workers}
    assert all({"time", "level", "pid", "logger", "message"} <= e.keys() for e in entries)
    assert "zebracorn" not in out + err and "visitor@example.org" not in out + err


def test_an_overload_message_is_written_once_a_minute_with_a_count() -> None:
    now = [0.0]
    repeats = RepeatFilter(clock=lambda: now[0])

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("uvicorn.error", logging.WARNING, "", 0, message, None, None)

    assert repeats.filter(record("Exceeded concurrency limit."))
    assert not any(repeats.filter(record("Exceeded concurrency limit.")) for _ in range(500))
    assert repeats.filter(record("knowledge reloaded"))  # other lines are untouched
    now[0] = 61.0
    later = record("Exceeded concurrency limit.")
    assert repeats.filter(later)
    assert later.getMessage() == (
        "Exceeded concurrency limit. (500 more like it in the last minute left out)"
    )
