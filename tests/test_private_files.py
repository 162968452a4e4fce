"""What the server writes on this machine is its owner's only: a new data folder and the
workers' folder are 0700, the shared rate-limit file and its -wal and -shm 0600, and an address
the rate limiter forgot is in none of those files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from tests.test_ratelimit import Clock
from web.app import create_app
from web.ratelimit import PURGE_EVERY_S, SharedRateLimiter
from web.settings import Settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_what_the_app_writes_in_it_are_the_owners_only(
    tiny_knowledge: Path, tmp_path: Path
) -> None:
    data = tmp_path / "new" / "data"
    settings = Settings(knowledge_dir=tiny_knowledge, data_dir=data, rate_limit_per_minute=60)
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/ask", json={"question": "what does it cost"}).status_code == 200
        client.app.state.recorder.flush()  # type: ignore[attr-defined]
        assert mode(data) == 0o700
        assert mode(data / "workers") == 0o700
        for name in ("ratelimit.sqlite3", "ratelimit.sqlite3-wal", "ratelimit.sqlite3-shm"):
            assert mode(data / name) == 0o600, name
        assert mode(data / "faqbot.sqlite3") == 0o600


def test_an_existing_data_folder_keeps_its_mode(tiny_knowledge: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o750)  # the clinic's choice (a backup group may read it)
    data.chmod(0o750)
    with TestClient(create_app(Settings(knowledge_dir=tiny_knowledge, data_dir=data))):
        pass
    assert mode(data) == 0o750


def test_an_address_the_rate_limiter_forgot_is_left_in_no_file(tmp_path: Path) -> None:
    """Two workers share the file; once the bucket of 203.0.113.77 has refilled and the purge
    ran, its bytes are in neither the file nor its write-ahead log nor the index beside it."""
    clock = Clock()
    path = tmp_path / "ratelimit.sqlite3"
    first = SharedRateLimiter(path, per_minute=60, burst=2, clock=clock)
    second = SharedRateLimiter(path, per_minute=60, burst=2, clock=clock)
    for _ in range(3):
        first.wait("203.0.113.77")
        second.wait("203.0.113.77")
    for i in range(300):  # enough other rows to spread over pages and log frames
        second.wait(f"198.51.100.{i % 250}-{i}")
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    assert any(b"203.0.113.77" in f.read_bytes() for f in files)  # in the log, at least
    clock.now += PURGE_EVERY_S + 5
    second.wait("192.0.2.1")  # the first check after the period purges, then empties the log
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT address FROM buckets").fetchall() == [("192.0.2.1",)]
    assert all(f.exists() for f in files)  # the workers' connections keep the log in place
    leaks = [f.name for f in files if b"203.0.113.77" in f.read_bytes()]
    assert leaks == []
    assert first.wait("192.0.2.1") == 0  # the other worker still uses the file
