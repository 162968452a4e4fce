"""Several workers, one behaviour: "Reload now" reaches every worker, each worker's version is
visible (through the data folder, and through the store to other servers), and a second
`faqbot serve` cannot take a port already served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.store import Store
from tests.conftest import ROOT, TINY_ARTICLE, write_knowledge
from tests.test_faults import FAQBOT, serve
from web.app import create_app
from web.settings import Settings
from web.state import KnowledgeHolder
from web.workers import FORGET_AFTER_S, Roster, WorkerStatus, share, shared, unshare

TOKEN = "a-long-staff-token-for-tests"
NEW_PASSAGE = "\n## Zebras\n\n<!-- id: tiny-zebra -->\nZebras graze near the clinic.\n"


def status(roster: Roster, pid: int, seen_at: float) -> WorkerStatus:
    return WorkerStatus(roster.host, pid, "v1", "2026-01-01T00:00:00+00:00", "ok", seen_at)


def test_generation_bumps_from_many_threads_all_count(tmp_path: Path) -> None:
    roster = Roster(tmp_path / "workers")
    assert roster.generation() == 0
    threads = [threading.Thread(target=roster.bump) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert roster.generation() == 20


def test_roster_lists_live_workers_and_forgets_exited_and_silent_ones(tmp_path: Path) -> None:
    roster = Roster(tmp_path / "workers")
    exited = subprocess.run(["true"], check=True)  # a pid that no longer runs
    gone = subprocess.Popen(["true"])
    gone.wait()
    roster.report(status(roster, gone.pid, time.time()))
    roster.report(status(roster, os.getppid(), time.time() - 120))  # alive but silent
    roster.report(status(roster, os.getpid(), time.time()))  # forgets `gone`: it exited
    assert exited.returncode == 0
    assert [w.pid for w in roster.workers(max_age=60)] == [os.getpid()]
    assert not (roster.folder / f"{roster.host}-{gone.pid}.json").exists()


def test_reload_now_in_one_worker_reaches_another(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    shared = {"knowledge_dir": folder, "data_dir": tmp_path / "data", "reload_interval": 0}
    first = create_app(Settings(**shared, db=tmp_path / "1.db", admin_token=TOKEN))
    second = create_app(Settings(**shared, db=tmp_path / "2.db"))
    (folder / "articles" / "tiny.md").write_text(TINY_ARTICLE + NEW_PASSAGE, encoding="utf-8")
    with TestClient(first) as a, TestClient(second) as b:
        old = b.get("/api/health").json()["knowledge_version"]
        res = a.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert res.status_code == 200
        new = a.get("/api/health").json()["knowledge_version"]
        assert new != old
        holder: KnowledgeHolder = second.state.holder
        assert holder.follow_generation()  # what its watcher does every interval
        assert b.get("/api/health").json()["knowledge_version"] == new
        assert not holder.follow_generation()  # once per "Reload now"


def fresh_health(base: str) -> dict[str, object]:
    """/api/health over a new connection (so the kernel may pick either worker)."""
    with urllib.request.urlopen(f"{base}/api/health", timeout=10) as res:
        return json.load(res)  # type: ignore[no-any-return]


def test_reload_now_brings_every_worker_of_a_serve_to_the_new_version(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    proc, base = serve(
        tmp_path,
        "--workers",
        "2",
        "--knowledge",
        str(folder),
        env={
            "FAQBOT_ADMIN_TOKEN": TOKEN,
            "FAQBOT_RELOAD_INTERVAL": "0",  # hot reload off: only "Reload now" changes anything
            "FAQBOT_DATA_DIR": str(tmp_path / "data"),
        },
    )
    try:
        deadline = time.monotonic() + 30
        while len(fresh_health(base)["workers"]) < 2 and time.monotonic() < deadline:  # type: ignore[arg-type]
            time.sleep(0.2)
        old = fresh_health(base)["knowledge_version"]
        (folder / "articles" / "tiny.md").write_text(TINY_ARTICLE + NEW_PASSAGE, encoding="utf-8")
        reload = urllib.request.Request(
            f"{base}/admin/reload", method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        urllib.request.urlopen(reload, timeout=30).close()
        time.sleep(4)  # twice the interval at which workers follow a reload with hot reload off
        replies = [fresh_health(base) for _ in range(16)]
        assert {r["knowledge_version"] for r in replies} == {replies[0]["knowledge_version"]}
        assert replies[0]["knowledge_version"] != old
        workers = replies[0]["workers"]
        assert len(workers) == 2  # type: ignore[arg-type]
        assert {w["knowledge_version"] for w in workers} == {replies[0]["knowledge_version"]}  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_second_serve_on_a_served_port_fails_with_a_plain_message(
    tmp_path: Path, workers: str
) -> None:
    proc, base = serve(tmp_path, "--workers", "2")
    port = base.rsplit(":", 1)[1]
    try:
        second = subprocess.run(
            [str(FAQBOT), "serve", "--port", port, "--workers", workers],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "FAQBOT_DB": str(tmp_path / "2.db")},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert f"Cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
        assert "another `faqbot serve`" in second.stderr and "Traceback" not in second.stderr
        assert fresh_health(base)["status"] == "ok"  # the first one still serves
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_a_single_worker_serve_on_a_port_another_program_uses_fails_plainly(
    tmp_path: Path,
) -> None:
    holder = "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); "
    holder += "print(s.getsockname()[1], flush=True); time.sleep(60)"
    with subprocess.Popen(
        [sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True
    ) as other:
        try:
            port = other.stdout.readline().strip()  # type: ignore[union-attr]
            done = subprocess.run(
                [str(FAQBOT), "serve", "--port", port],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), "FAQBOT_DB": str(tmp_path / "s.db")},
                capture_output=True,
                text=True,
                timeout=60,
            )
        finally:
            other.kill()
    assert done.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr


def test_the_store_lists_the_workers_of_every_server_that_shares_it(store: Store) -> None:
    now = time.time()
    a = WorkerStatus("server-a", 11, "v1", "2026-01-01T00:00:00+00:00", "ok", now)
    b = WorkerStatus("server-b", 11, "v2", "2026-01-01T00:00:00+00:00", "failed", now - 1)
    silent = WorkerStatus("server-b", 12, "v1", "2026-01-01T00:00:00+00:00", "ok", now - 120)
    for status in (a, b, silent):
        share(store, status)
    assert shared(store, max_age=60, now=now) == [a, b]
    moved_on = replace(a, knowledge_version="v2", seen_at=now + 2)
    share(store, moved_on)  # the same worker again: its row is updated
    assert shared(store, max_age=60, now=now + 2) == [moved_on, b]
    unshare(store, "server-b", 11)  # it stopped
    assert shared(store, max_age=60, now=now + 2) == [moved_on]
    share(store, replace(moved_on, seen_at=now + FORGET_AFTER_S + 200))
    assert shared(store, max_age=10**9, now=now) == [  # gone for a day: deleted
        replace(moved_on, seen_at=now + FORGET_AFTER_S + 200)
    ]
