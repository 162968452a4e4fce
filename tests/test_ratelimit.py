"""Rate limiting: per address, 429 with Retry-After, health exempt, bounded memory, one limit
per client for all the workers of a machine."""

from __future__ import annotations

import http.client
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.test_faults import serve
from web.app import create_app
from web.ratelimit import PURGE_EVERY_S, RateLimiter, SharedRateLimiter
from web.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)
    assert [limiter.wait("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait("a") == 2  # one token every 2 s at 30 a minute
    assert limiter.wait("b") == 0  # another address has its own bucket
    clock.now += 2
    assert limiter.wait("a") == 0
    assert limiter.wait("a") > 0


def test_memory_stays_bounded_however_many_addresses_appear() -> None:
    limiter = RateLimiter(per_minute=30, burst=1, max_clients=100, clock=Clock())
    for i in range(10_000):
        limiter.wait(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100


def test_over_the_limit_gets_429_with_retry_after_and_health_is_exempt(settings: Settings) -> None:
    limited = Settings(
        knowledge_dir=settings.knowledge_dir,
        db=settings.db,
        rate_limit_per_minute=6,
        rate_limit_burst=2,
    )
    with TestClient(create_app(limited)) as client:
        ok = [
            client.post("/api/ask", json={"question": "what is NMDA"}).status_code for _ in range(2)
        ]
        assert ok == [200, 200]
        res = client.post("/api/ask", json={"question": "what is NMDA"})
        assert res.status_code == 429 and int(res.headers["retry-after"]) >= 1
        assert res.json()["error"]["code"] == "rate_limited"
        page = client.post("/", data={"question": "hi"}, headers={"accept": "text/html"})
        assert page.status_code == 429 and "wait a moment" in page.text
        assert all(client.get("/api/health").status_code == 200 for _ in range(20))
        assert client.get("/").status_code == 200


def test_zero_turns_rate_limiting_off(settings: Settings) -> None:
    off = Settings(knowledge_dir=settings.knowledge_dir, db=settings.db, rate_limit_per_minute=0)
    with TestClient(create_app(off)) as client:
        codes = {client.post("/api/ask", json={"question": "hi"}).status_code for _ in range(40)}
        assert codes == {200}


def test_workers_sharing_the_file_share_each_address_bucket(tmp_path: Path) -> None:
    clock = Clock()
    first, second = (
        SharedRateLimiter(tmp_path / "limits.sqlite3", per_minute=30, burst=3, clock=clock)
        for _ in range(2)
    )
    assert [first.wait("a"), second.wait("a"), first.wait("a")] == [0, 0, 0]
    assert second.wait("a") == 2  # the burst is spent, whichever worker counted it
    assert first.wait("b") == 0
    clock.now += 2
    assert second.wait("a") == 0 and first.wait("a") > 0


def test_shared_buckets_that_refilled_are_forgotten_within_a_minute(tmp_path: Path) -> None:
    """The file holds visitors' addresses: one whose bucket is full again is deleted at the
    first check once PURGE_EVERY_S has passed, however little traffic there is."""
    clock = Clock()
    limiter = SharedRateLimiter(tmp_path / "limits.sqlite3", per_minute=60, burst=2, clock=clock)
    for i in range(5):
        limiter.wait(f"10.0.0.{i}")
    clock.now += 3  # every bucket is full again after 2 s...
    limiter.wait("10.9.9.8")
    with sqlite3.connect(tmp_path / "limits.sqlite3") as conn:
        assert len(conn.execute("SELECT address FROM buckets").fetchall()) == 6  # ...not yet
    clock.now += PURGE_EVERY_S
    limiter.wait("10.9.9.9")
    with sqlite3.connect(tmp_path / "limits.sqlite3") as conn:
        assert conn.execute("SELECT address FROM buckets").fetchall() == [("10.9.9.9",)]


def test_an_unusable_shared_file_falls_back_to_per_worker_buckets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "file").write_text("a file where a folder should be")
    limiter = SharedRateLimiter(tmp_path / "file" / "limits.sqlite3", per_minute=30, burst=2)
    assert [limiter.wait("a") for _ in range(3)][-1] > 0  # still limited
    assert [r.message for r in caplog.records if r.name == "faqbot.ratelimit"] == [
        f"rate limits counted per worker: cannot use {tmp_path / 'file' / 'limits.sqlite3'} "
        f"([Errno 17] File exists: '{tmp_path / 'file'}')"
    ]  # once, not for every request


def test_two_workers_of_a_serve_give_a_client_one_limit(tmp_path: Path) -> None:
    proc, base = serve(
        tmp_path,
        "--workers",
        "2",
        env={"FAQBOT_RATE_LIMIT_PER_MINUTE": "1", "FAQBOT_RATE_LIMIT_BURST": "3"},
    )
    try:
        codes = []
        for _ in range(8):  # new connections: the kernel spreads them over both workers
            conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
            conn.request(
                "POST", "/api/ask", '{"question": "hi"}', {"Content-Type": "application/json"}
            )
            codes.append(conn.getresponse().status)
            conn.close()
        assert sorted(codes) == [200] * 3 + [429] * 5
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
