"""In-process ASGI benchmark: the server-side cost of `POST /api/ask` next to `GET /api/health`,
without the network, uvicorn or a load generator competing for the CPU.

    python benchmarks/asgi.py [--requests 2000] [--rounds 5]

Calls the app directly with ready-made ASGI messages (the varied questions of load.py, the rate
limiter on with limits the loop cannot reach, the store in a scratch file) and reports the best
round's microseconds per request, and the same for the bot and its JSON alone. Steadier than
`load.py` on a shared machine; it leaves out what every request pays in uvicorn. For scale, it
also times a FastAPI route added here that returns a constant: what the framework itself costs a
trivial request, next to `GET /api/health`, which load.py uses as the trivial endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from load import QUESTIONS  # benchmarks/ is the script's folder

from web.app import create_app
from web.settings import Settings


async def call(app: Any, method: str, path: str, body: bytes = b"") -> int:
    """One request through the ASGI app; returns the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 80),
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the app never waits for a disconnect here
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def bench_app() -> tuple[Any, list[bytes]]:
    """The app as benchmarked (rate limiter on at limits no loop reaches, the store in a scratch
    file, no reload watcher) and the request bodies of the QUESTIONS."""
    scratch = tempfile.mkdtemp(prefix="faqbot-bench-")
    app = create_app(
        Settings(
            rate_limit_per_minute=100_000_000,
            rate_limit_burst=1_000_000,
            db=f"{scratch}/store.sqlite3",
            reload_interval=0,
        )
    )
    return app, [json.dumps({"question": q}).encode() for q in QUESTIONS]


async def measure(requests: int, rounds: int) -> dict[str, float]:
    app, bodies = bench_app()

    @app.get("/bench/constant")
    async def constant() -> dict[str, str]:
        return {"status": "ok"}

    endpoints: dict[str, Callable[[int], Awaitable[int]]] = {
        "health_us": lambda i: call(app, "GET", "/api/health"),
        "constant_us": lambda i: call(app, "GET", "/bench/constant"),
        "ask_us": lambda i: call(app, "POST", "/api/ask", bodies[i % len(bodies)]),
    }
    assistant = app.state.holder.assistant

    async def bot_only(i: int) -> int:  # the bot and its JSON, without HTTP or the framework
        assistant.ask(QUESTIONS[i % len(QUESTIONS)]).to_json()
        return 200

    endpoints["bot_us"] = bot_only
    result: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        for i in range(400):  # warm-up: caches, imports, first store writes
            assert await endpoints["ask_us"](i) == 200
            assert await endpoints["health_us"](i) == 200
            assert await endpoints["constant_us"](i) == 200
        for name, endpoint in endpoints.items():
            best = float("inf")
            for _ in range(rounds):
                start = time.perf_counter()
                for i in range(requests):
                    status = await endpoint(i)
                    if status != 200:
                        raise SystemExit(f"{name}: status {status}; the figures would be wrong")
                best = min(best, (time.perf_counter() - start) / requests * 1e6)
            result[name] = best
    result["ratio"] = result["health_us"] / result["ask_us"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    r = asyncio.run(measure(args.requests, args.rounds))
    print(
        f"GET /api/health {r['health_us']:.1f} us/request; POST /api/ask "
        f"{r['ask_us']:.1f} us/request; health/ask = {r['ratio']:.2f}; the bot and its JSON "
        f"alone {r['bot_us']:.1f} us/question; a FastAPI route returning a constant "
        f"{r['constant_us']:.1f} us/request"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
