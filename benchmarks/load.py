"""HTTP load benchmark: `POST /api/ask` with varied questions and `GET /api/health` of the same
server, in one run, on 127.0.0.1 only.

    python benchmarks/load.py [--workers 1 2] [--connections 8 32] [--seconds 5] [--rounds 6]
                              [--pin] [--new-connections] [--json]

Starts one `faqbot serve` per worker count on its own free loopback port, one after the other
(each start is timed on its own), and keeps them all running. Then, at each connection count,
it runs wrk (Debian package `wrk`) for --seconds against every cell, a cell being one server and
one endpoint, in --rounds rounds; the cells take turns in each round, in reverse order every
other round, so that every cell sees the same drift of a shared machine, including the
comparison between worker counts. wrk sends both endpoints' requests from a Lua script. Each
figure is the median over the rounds; any non-2xx reply or socket error counts as an error.

It reports each endpoint's throughput and latency, the errors, and how ask's throughput scales
with workers, then checks the targets that still apply: no errors, and every server answering
within MAX_READY_S of its start; it exits 1 when one is missed. The earlier targets comparing
ask with health (throughput at least 0.70 of health's, p99 at most 1.25x health's) are retired:
each question now runs a sentence encoder (milliseconds of CPU), so a ratio to an endpoint that
returns a near-constant reply no longer measures anything a visitor feels.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAQBOT = Path(sys.executable).parent / "faqbot"
# Varied questions for every load script (wrk's Lua script is written from this list):
# answers, unanswered questions, typos, small talk.
QUESTIONS = [
    "How does ketamine work?",
    "What is BDNF?",
    "Can ketamine help with PTSD?",
    "how fast does ketamine work for depression",
    "what is bipolar disorder",
    "Does ketamine affect serotonin?",
    "what are the side effects of ketamine",
    "Who gives the infusion?",
    "ketamin for depresion",
    "is ketamine addictive",
    "What is a ketamine infusion?",
    "hello",
    "what is neuroplasticity",
    "How do I schedule a consultation?",
    "what does glutamate do",
    "can ketamine help anxiety",
]
# One address sends everything here: keep the rate limiter running (its cost is measured) with
# limits the load cannot reach, and keep the store in a scratch file.
LOAD_ENV = {
    "FAQBOT_RATE_LIMIT_PER_MINUTE": "100000000",
    "FAQBOT_RATE_LIMIT_BURST": "1000000",
    "FAQBOT_DB": "benchmarks/data/load.sqlite3",
}
MAX_READY_S = 2.0  # target: each server answers health within this long of its start


def wrk_script(folder: Path, endpoint: str) -> Path:
    """A wrk Lua script for `endpoint`: for "ask", POST /api/ask with the QUESTIONS in turn; for
    "health", GET /api/health. Both build their requests once per thread and hand one out per
    request from a `request` function."""
    if endpoint == "ask":
        bodies = ",\n  ".join(f"[==[{json.dumps({'question': q})}]==]" for q in QUESTIONS)
        build = f"""local bodies = {{
  {bodies},
}}
local function build(headers)
  headers["Content-Type"] = "application/json"
  local built = {{}}
  for i, body in ipairs(bodies) do
    built[i] = wrk.format("POST", "/api/ask", headers, body)
  end
  return built
end"""
    else:
        build = """local function build(headers)
  return {wrk.format("GET", "/api/health", headers)}
end"""
    path = folder / f"{endpoint}.lua"
    path.write_text(
        f"""-- Written by benchmarks/load.py: the {endpoint} requests, built once per thread.
{build}
local requests
init = function(args)
  local headers = {{}}
  for name, value in pairs(wrk.headers) do  -- wrk's -H headers (Connection: close)
    headers[name] = value
  end
  requests = build(headers)
end
local n = 0
request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end
"""
    )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 20) -> float:
    """Seconds until `url` answered 200."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as res:
                if res.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    connections: int,
    seconds: int,
    script: Path | None,
    cpu: str | None = None,
    close: bool = False,
) -> dict[str, float]:
    """Run wrk once and parse throughput, latency percentiles and errors. With `close`, every
    request asks for its connection to be closed, so each one comes on a new connection."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if close:
        cmd += ["-H", "Connection: close"]
    if cpu is not None:
        cmd = ["taskset", "-c", cpu, *cmd]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)}
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return {
        "rps": rps,
        "p50_ms": lat.get("50", 0.0),
        "p99_ms": lat.get("99", 0.0),
        "errors": errors,
    }


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per-key medians over the rounds; errors are summed."""
    out = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}
    out["errors"] = sum(r["errors"] for r in runs)
    return out


@dataclass
class Server:
    """One running `faqbot serve` and what wrk needs to load it."""

    workers: int
    process: subprocess.Popen[bytes]
    base: str
    ready_s: float
    cpu: str | None  # the CPU wrk runs on when the server is pinned to the other one

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)


def start_server(workers: int, scratch: Path, pin: bool) -> Server:
    """Start `faqbot serve` with `workers` processes and time it until health answers. With
    `pin` and one worker, the server runs on CPU 0 and wrk on CPU 1 (they do not take turns)."""
    pinned = pin and workers == 1
    port = free_port()
    env = {**os.environ, **LOAD_ENV, "FAQBOT_DB": str(scratch / f"load-{workers}.sqlite3")}
    process = subprocess.Popen(
        [
            *(["taskset", "-c", "0"] if pinned else []),
            str(FAQBOT),
            *("serve", "--port", str(port), "--workers", str(workers)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready_s = wait_ready(f"{base}/api/health")
    except RuntimeError:
        process.terminate()
        raise
    return Server(workers, process, base, ready_s, "1" if pinned else None)


def turns(cells: list[Any], rounds: int) -> list[Any]:
    """The cells in turn for every round, in reverse order every other round (A B B A ...), so
    that a steady drift of the machine's speed weighs on every cell alike."""
    order: list[Any] = []
    for i in range(rounds):
        order += cells if i % 2 == 0 else cells[::-1]
    return order


ENDPOINTS = {"health": "/api/health", "ask": "/api/ask"}


def measure(
    servers: list[Server],
    connections: list[int],
    seconds: int,
    rounds: int,
    scratch: Path,
    close: bool = False,
) -> list[dict[str, Any]]:
    """Load every cell (server, endpoint) at each connection count, in alternating turns."""
    scripts = {endpoint: wrk_script(scratch, endpoint) for endpoint in ENDPOINTS}
    cells = [(server, endpoint) for server in servers for endpoint in ENDPOINTS]
    for server, endpoint in cells:  # warm-up: caches, imports, first store writes
        wrk(server.base + ENDPOINTS[endpoint], 8, 2, scripts[endpoint], server.cpu)
    rows = []
    for c in connections:
        found: dict[tuple[int, str], list[dict[str, float]]] = {}
        for server, endpoint in turns(cells, rounds):
            url = server.base + ENDPOINTS[endpoint]
            result = wrk(url, c, seconds, scripts[endpoint], server.cpu, close)
            found.setdefault((server.workers, endpoint), []).append(result)
        for server in servers:
            runs = {endpoint: found[(server.workers, endpoint)] for endpoint in ENDPOINTS}
            rows.append(
                {
                    "workers": server.workers,
                    "connections": c,
                    **{endpoint: _median_run(r) for endpoint, r in runs.items()},
                    "rounds": runs,
                }
            )
    return rows


def scaling(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ask's throughput from each worker count to the next, at each connection count."""
    by_cell = {(r["workers"], r["connections"]): r["ask"]["rps"] for r in rows}
    workers = sorted({r["workers"] for r in rows})
    return [
        {
            "connections": c,
            "workers": [fewer, more],
            "ask_rps": [by_cell[(fewer, c)], by_cell[(more, c)]],
        }
        for c in sorted({r["connections"] for r in rows})
        for fewer, more in itertools.pairwise(workers)
    ]


def targets(servers: list[Server], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets that still apply, each with what was measured and whether it was met."""
    errors = int(sum(r["health"]["errors"] + r["ask"]["errors"] for r in rows))
    found = [{"target": "no errors", "met": errors == 0, "measured": f"{errors}"}]
    for s in servers:
        found.append(
            {
                "target": f"answers within {MAX_READY_S:.0f} s of starting, {s.workers} worker(s)",
                "met": s.ready_s <= MAX_READY_S,
                "measured": f"{s.ready_s:.2f} s",
            }
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--pin", action="store_true", help="one worker: server on CPU 0, wrk on CPU 1 (taskset)"
    )
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="every request on a new connection (Connection: close), as without keep-alive",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="faqbot-load-"))
    servers: list[Server] = []
    try:
        for w in sorted(set(args.workers)):
            servers.append(start_server(w, scratch, args.pin))
        rows = measure(
            servers, args.connections, args.seconds, args.rounds, scratch, args.new_connections
        )
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    grows = scaling(rows)
    checked = targets(servers, rows)
    met = all(t["met"] for t in checked)
    if args.json:
        result = {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "new_connections": args.new_connections,
            "servers": [
                {"workers": s.workers, "ready_s": s.ready_s, "pinned": s.cpu is not None}
                for s in servers
            ],
            "rows": rows,
            "scaling": grows,
            "targets": checked,
            "all_met": met,
        }
        print(json.dumps(result, indent=2))
        return 0 if met else 1
    print("workers conns | health rps  p50 ms  p99 ms | ask rps  p50 ms  p99 ms | errors")
    for row in rows:
        h, a = row["health"], row["ask"]
        print(
            f"{row['workers']:>7} {row['connections']:>5} | {h['rps']:>10.0f} {h['p50_ms']:>7.2f}"
            f" {h['p99_ms']:>7.2f} | {a['rps']:>7.0f} {a['p50_ms']:>7.2f} {a['p99_ms']:>7.2f}"
            f" | {int(h['errors'] + a['errors']):>6}"
        )
    for s in servers:
        pinned = " (server on CPU 0, wrk on CPU 1)" if s.cpu is not None else ""
        print(f"        workers={s.workers}{pinned}: ready {s.ready_s:.2f} s after start")
    for g in grows:
        (fewer, more), (a, b) = g["workers"], g["ask_rps"]
        print(
            f"ask, {g['connections']} connections: {a:.0f} req/s with {fewer} worker(s), "
            f"{b:.0f} with {more} ({b / a:.2f}x)"
        )
    print(f"\nTargets ({args.rounds} rounds of {args.seconds} s, medians):")
    for t in checked:
        print(f"  {'met    ' if t['met'] else 'NOT MET'}  {t['target']}: {t['measured']}")
    print("Every target met in this run." if met else "Not every target met in this run.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
