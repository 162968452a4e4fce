"""Rate limiting: per address, 429 with Retry-After, health exempt, bounded memory."""

from __future__ import annotations

from fastapi.testclient import TestClient

from web.app import create_app
from web.ratelimit import RateLimiter
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
