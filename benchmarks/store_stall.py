"""Does a locked store slow the no-JavaScript page? `GET /` timed while visitors vote and the
SQLite store is locked by another connection, against the same page with a free store.

    python benchmarks/store_stall.py [--voters 60] [--seconds 8] [--samples 40] [--json]

Starts `faqbot serve` on 127.0.0.1 with a scratch store. For each case ("free", then "locked":
another connection holds `BEGIN EXCLUSIVE` on the store file), wrk sends votes from --voters
connections (`POST /api/feedback`) for --seconds while this script times --samples `GET /`
requests one after the other. It reports the median, 90th percentile and slowest `GET /` of
each case, and how many votes were sent and refused. Target: no `GET /` of the locked case takes
0.5 s or more (a request that waited for the store would wait SQLite's 2 s busy timeout).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from load import FAQBOT, LOAD_ENV, free_port, wait_ready  # benchmarks/ is the script's folder

VOTE = json.dumps({"passages": ["what-is-ketamine"], "helpful": True})


def vote_script(folder: Path) -> Path:
    path = folder / "vote.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [==[{VOTE}]==]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return path


def time_page(url: str, samples: int) -> list[float]:
    """Milliseconds of each of `samples` sequential GETs of `url`."""
    took = []
    for _ in range(samples):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as res:
            res.read()
        took.append((time.perf_counter() - start) * 1000)
        time.sleep(0.05)
    return took


def run_case(base: str, script: Path, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, str] = {}

    def votes() -> None:
        cmd = ["wrk", "-t2", f"-c{args.voters}", f"-d{args.seconds}s", "--timeout", "10s"]
        out["wrk"] = subprocess.run(
            [*cmd, "-s", str(script), f"{base}/api/feedback"], capture_output=True, text=True
        ).stdout

    voters = threading.Thread(target=votes)
    voters.start()
    time.sleep(1)  # let the votes pile up first
    took = time_page(f"{base}/", args.samples)
    voters.join()
    sent = re.search(r"(\d+) requests in", out["wrk"])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out["wrk"])
    return {
        "page_median_ms": statistics.median(took),
        "page_p90_ms": statistics.quantiles(took, n=10)[-1],
        "page_max_ms": max(took),
        "votes_sent": int(sent.group(1)) if sent else 0,
        "votes_refused": int(non2xx.group(1)) if non2xx else 0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="faqbot-stall-"))
    db = scratch / "store.sqlite3"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **LOAD_ENV, "FAQBOT_DB": str(db)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)  # this checkout's code
    server = subprocess.Popen(
        [str(FAQBOT), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        wait_ready(f"{base}/api/health", timeout=60)  # a loaded machine starts slowly
        script = vote_script(scratch)
        results["free"] = run_case(base, script, args)
        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            results["locked"] = run_case(base, script, args)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
    finally:
        server.terminate()
        server.wait(15)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for case, r in results.items():
            print(
                f"{case:>6} store: GET / median {r['page_median_ms']:.1f} ms, p90 "
                f"{r['page_p90_ms']:.1f} ms, slowest {r['page_max_ms']:.1f} ms; "
                f"{r['votes_sent']} votes, {r['votes_refused']} refused"
            )
    return 0 if results["locked"]["page_max_ms"] < 500 else 1


if __name__ == "__main__":
    sys.exit(main())
