"""Machine instructions per request, counted by valgrind's callgrind: a figure that does not
move with the other work of a shared machine, for comparing two versions of the code.

    python benchmarks/instructions.py [--requests 1000] [--only health,ask,bot]

For each of `GET /api/health`, `POST /api/ask` (the varied questions of load.py, through the
whole ASGI app in process, as benchmarks/asgi.py does) and the bot alone (`Assistant.ask` and
its JSON), it runs the requests under `valgrind --tool=callgrind` once with N requests and once
with none, after the same warm-up; the difference divided by N is the cost of one request.
Python's hash seed is fixed and, where `setarch` exists, address randomization is off, so
reruns agree to about 1 %. Needs Debian's valgrind; about a minute per 1,000 requests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

from asgi import bench_app, call  # benchmarks/ is the script's folder
from load import QUESTIONS

WHAT = ("health", "ask", "bot")
WARM_UP = 64


def requests(what: str, count: int) -> None:
    """Make `count` requests of one kind after the warm-up (run under callgrind)."""
    app, bodies = bench_app()
    assistant = app.state.holder.assistant

    async def one(kind: str, i: int) -> None:
        if kind == "health":
            status = await call(app, "GET", "/api/health")
        elif kind == "ask":
            status = await call(app, "POST", "/api/ask", bodies[i % len(bodies)])
        else:
            assistant.ask(QUESTIONS[i % len(QUESTIONS)]).to_json()
            status = 200
        if status != 200:
            raise SystemExit(f"{kind}: status {status}; the count would be wrong")

    async def run() -> None:
        async with app.router.lifespan_context(app):
            for i in range(WARM_UP):
                for kind in WHAT:
                    await one(kind, i)
            for i in range(count):
                await one(what, i)

    asyncio.run(run())


def instructions(what: str, count: int) -> int:
    """Instructions callgrind counted for the whole process making `count` requests."""
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        what,
        str(count),
    ]
    if shutil.which("setarch"):
        command = ["setarch", "-R", *command]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed for {what}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--only", default=",".join(WHAT), help="comma-separated: health,ask,bot")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        requests(args.child[0], int(args.child[1]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    kinds = [k for k in args.only.split(",") if k]
    if not kinds or any(k not in WHAT for k in kinds) or args.requests < 1:
        parser.error(f"--only takes some of {','.join(WHAT)}; --requests at least 1")
    per_request = {}
    for kind in kinds:
        per_request[kind] = (instructions(kind, args.requests) - instructions(kind, 0)) / (
            args.requests
        )
        print(f"{kind:>6}: {per_request[kind]:,.0f} instructions per request", flush=True)
    if "health" in per_request and "ask" in per_request:
        print(f"ask / health: {per_request['ask'] / per_request['health']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
