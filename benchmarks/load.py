"""HTTP load benchmark: `POST /api/ask` with varied questions side by side with the trivial
`GET /api/health` of the same server, in one run, on 127.0.0.1 only.

    python benchmarks/load.py [--workers 1 2] [--connections 8 32] [--seconds 10] [--rounds 3]
                              [--pin] [--json]

Starts `faqbot serve` on a free loopback port for each worker count, runs wrk (Debian package
`wrk`) against both endpoints at each connection count (trivial first, then ask, alternating
for --rounds rounds, each run bounded by --seconds), and reports the medians over the rounds of
requests per second and p50/p99 latency, and all errors (any non-2xx reply counts).
"""

from __future__ import annotations

import argparse
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


def wrk_script(folder: Path) -> Path:
    """A wrk Lua script that POSTs the QUESTIONS in turn, each request built once per thread."""
    bodies = ",\n  ".join(f"[==[{json.dumps({'question': q})}]==]" for q in QUESTIONS)
    path = folder / "ask.lua"
    path.write_text(
        f"""-- Written by benchmarks/load.py: POST /api/ask with a different question each time.
local bodies = {{
  {bodies},
}}
local requests = {{}}
init = function(args)
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", "/api/ask", {{["Content-Type"] = "application/json"}}, body)
  end
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
    url: str, connections: int, seconds: int, script: Path | None, cpu: str | None = None
) -> dict[str, float]:
    """Run wrk once and parse throughput, latency percentiles and errors."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
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


def run(
    workers: int, connections: list[int], seconds: int, rounds: int, pin: bool = False
) -> dict[str, Any]:
    """Serve with `workers` processes and load both endpoints at each connection count, in
    `rounds` alternating rounds (trivial, ask, trivial, ask, ...) so that both see the same
    drift of a shared machine; each figure is the median over the rounds. With `pin` and one
    worker, the server runs on CPU 0 and wrk on CPU 1, so they do not take turns on a core."""
    pinned = pin and workers == 1
    server_cpu, load_cpu = ("0", "1") if pinned else (None, None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            *(["taskset", "-c", server_cpu] if server_cpu else []),
            str(FAQBOT),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **LOAD_ENV},
    )
    try:
        ready_s = wait_ready(f"{base}/api/health")
        script = wrk_script(Path(tempfile.mkdtemp(prefix="faqbot-load-")))
        wrk(f"{base}/api/health", 8, 2, None, load_cpu)  # warm-up
        wrk(f"{base}/api/ask", 8, 2, script, load_cpu)
        rows = []
        for c in connections:
            trivial_runs, ask_runs = [], []
            for _ in range(rounds):
                trivial_runs.append(wrk(f"{base}/api/health", c, seconds, None, load_cpu))
                ask_runs.append(wrk(f"{base}/api/ask", c, seconds, script, load_cpu))
            trivial, ask = _median_run(trivial_runs), _median_run(ask_runs)
            rows.append(
                {
                    "connections": c,
                    "trivial": trivial,
                    "ask": ask,
                    "throughput_ratio": ask["rps"] / trivial["rps"],
                    "p99_ratio": ask["p99_ms"] / trivial["p99_ms"] if trivial["p99_ms"] else 0.0,
                    "rounds": {"trivial": trivial_runs, "ask": ask_runs},
                }
            )
        return {"workers": workers, "pinned": pinned, "ready_s": ready_s, "runs": rows}
    finally:
        server.terminate()
        server.wait(15)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--pin", action="store_true", help="one worker: server on CPU 0, wrk on CPU 1 (taskset)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    results = [run(w, args.connections, args.seconds, args.rounds, args.pin) for w in args.workers]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("workers conns | health rps  p50 ms  p99 ms | ask rps  p50 ms  p99 ms | ratio  p99x  err")
    for r in results:
        for row in r["runs"]:
            t, a = row["trivial"], row["ask"]
            print(
                f"{r['workers']:>7} {row['connections']:>5} | {t['rps']:>10.0f} {t['p50_ms']:>7.2f}"
                f" {t['p99_ms']:>7.2f} | {a['rps']:>7.0f} {a['p50_ms']:>7.2f} {a['p99_ms']:>7.2f}"
                f" | {row['throughput_ratio']:>5.2f} {row['p99_ratio']:>5.2f}"
                f" {int(t['errors'] + a['errors']):>4}"
            )
        pinned = " (server on CPU 0, wrk on CPU 1)" if r["pinned"] else ""
        print(f"        workers={r['workers']}{pinned}: ready {r['ready_s']:.2f} s after start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
