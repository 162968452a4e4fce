"""Faults: start-up problems, SIGTERM during requests, SIGKILL during store writes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

FAQBOT = Path(sys.executable).parent / "faqbot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


START_TIMEOUT_S = 90


def serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """`faqbot serve` on a free port with its own store, rate limits off unless `env` sets
    them; returns the process once /api/health answers, and the base URL."""
    port = free_port()
    extra = env or {}
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's code, whichever the venv's faqbot points at
        "FAQBOT_DB": str(tmp_path / "store.sqlite3"),
        "FAQBOT_RATE_LIMIT_PER_MINUTE": "0",
        **extra,
    }
    proc = subprocess.Popen(
        [str(FAQBOT), "serve", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers too can be stopped when it does not start
    )
    base = f"http://127.0.0.1:{port}"
    # Each worker loads the model and trains on the examples (seconds each; far longer on a
    # loaded two-core machine, with two workers starting at once).
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/api/health", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):  # it may have exited on its own
        os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(proc.communicate(timeout=15)[1] or "the server did not start in time")


@pytest.mark.parametrize("problem", ["missing", "a-file"])
def test_bad_knowledge_folder_at_start_is_a_clear_message_and_exit_1(
    tmp_path: Path, problem: str
) -> None:
    folder = tmp_path / problem
    if problem == "a-file":
        folder.write_text("not a folder")
    res = subprocess.run(
        [str(FAQBOT), "serve", "--knowledge", str(folder), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert res.returncode == 1
    if problem == "missing":
        assert f"{folder} does not exist" in res.stderr
        assert "inside your knowledge folder" in res.stderr
        assert f"`faqbot init {folder}` would write a new one" in res.stderr
    else:
        assert "does not exist or is not a folder" in res.stderr
    assert "Traceback" not in res.stderr


def test_sigterm_finishes_requests_in_flight_and_exits_cleanly(tmp_path: Path) -> None:
    proc, base = serve(tmp_path)
    results: list[int | str] = []

    def client() -> None:
        for _ in range(40):
            body = json.dumps({"question": "how does ketamine work"}).encode()
            req = urllib.request.Request(
                f"{base}/api/ask", body, {"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(req, timeout=10) as res:
                    json.loads(res.read())  # a complete, parseable reply
                    results.append(res.status)
            except (urllib.error.URLError, ConnectionError) as exc:
                results.append(type(exc).__name__)  # refused once the server stopped listening
                return

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says why it ended.
    assert proc.wait(30) in (0, -signal.SIGTERM)
    assert 200 in results
    assert all(r == 200 or isinstance(r, str) for r in results)  # never a 5xx or a cut reply
    assert "Traceback" not in proc.communicate()[1]


def post(url: str, body: dict[str, object] | None = None, form: str | None = None) -> int:
    if form is not None:
        data, kind = form.encode(), "application/x-www-form-urlencoded"
    else:
        data, kind = json.dumps(body).encode(), "application/json"
    req = urllib.request.Request(url, data, {"content-type": kind})
    with urllib.request.urlopen(req, timeout=10) as res:
        return int(res.status)


# Questions the shipped articles do not answer, kept for staff.
UNANSWERED = (
    "what is the parking like",
    "is there a bus stop near your office",
    "do you have wifi in the waiting room",
    "can i bring my service dog",
    "is the building wheelchair accessible",
)


def test_sigterm_writes_the_pending_batch(tmp_path: Path) -> None:
    proc, base = serve(tmp_path)
    for question in UNANSWERED:
        assert post(f"{base}/api/ask", {"question": question}) == 200
    vote = {"passages": ["what-is-ketamine"], "helpful": False, "question": "what is the cost"}
    assert post(f"{base}/api/feedback", vote) == 200
    assert post(f"{base}/feedback", form="passage=what-is-ketamine&helpful=yes") == 200
    proc.send_signal(signal.SIGTERM)  # at once: the writer writes every 2 s
    assert proc.wait(30) in (0, -signal.SIGTERM)
    assert "Traceback" not in proc.communicate()[1]
    conn = sqlite3.connect(tmp_path / "store.sqlite3")
    unanswered = conn.execute("SELECT reason, COUNT(*) FROM unanswered GROUP BY reason")
    assert dict(unanswered.fetchall()) == {"no_answer": 5, "not_helpful": 1}
    votes = conn.execute("SELECT helpful, COUNT(*) FROM votes GROUP BY helpful").fetchall()
    conn.close()
    assert dict(votes) == {0: 1, 1: 1}


WRITER = """
import sys, time
from bot.store import Store, sqlite_dialect
store = Store(sqlite_dialect(sys.argv[1]))
n = 0
while True:
    store.record_vote(["p"], helpful=True)
    n += 1
    print(n, flush=True)  # acknowledged: record_vote returned after the commit
"""


def test_sigkill_during_writes_loses_no_acknowledged_vote(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    acknowledged = 0
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while acknowledged < 200 and time.monotonic() < deadline:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for line in proc.stdout:  # acknowledgements printed before the kill landed
        if line.strip():
            acknowledged = int(line)
    proc.stdout.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = conn.execute("SELECT COUNT(*) FROM votes").fetchone()[0]
    conn.close()
    assert stored >= acknowledged >= 200
