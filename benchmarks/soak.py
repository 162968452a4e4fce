"""Soak test: a steady rate of varied questions for a bounded time against `faqbot serve` on
127.0.0.1, checking for errors and for resident memory growth after warm-up.

    python benchmarks/soak.py [--rate 200] [--seconds 60] [--warmup 10] [--json]

Uses Debian's `hey` at a fixed rate (`-q` per worker, 4 workers). The server's resident memory
(its process and its worker processes) is read from /proc after the warm-up and at the end;
the target is an end value within 10 % of the warm-up value and no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from load import (  # benchmarks/ is the script's folder
    FAQBOT,
    LOAD_ENV,
    QUESTIONS,
    free_port,
    wait_ready,
)

WORKERS = 4


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in kB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(c) for c in children.read_text().split()]
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            m = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            total += int(m.group(1)) if m else 0
    return total


def hey(base: str, question: str, rate: float, seconds: float) -> subprocess.Popen[str]:
    body = json.dumps({"question": question})
    return subprocess.Popen(
        [
            "hey",
            "-z",
            f"{seconds}s",
            "-c",
            str(WORKERS),
            "-q",
            f"{rate / WORKERS:.2f}",
            "-m",
            "POST",
            "-T",
            "application/json",
            "-d",
            body,
            "-disable-keepalive=false",
            f"{base}/api/ask",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def parse(out: str) -> dict[str, Any]:
    codes = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Error distribution:(.*)", out, re.S)
    return {
        "codes": codes,
        "rps": float(rps.group(1)) if rps else 0.0,
        "errors": errors.group(1).strip() if errors else "",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="requests a second in all")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("hey") is None:
        print("hey is not installed: apt-get install hey", file=sys.stderr)
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = tempfile.mkdtemp(prefix="faqbot-soak-")
    env = {**os.environ, **LOAD_ENV, "FAQBOT_DB": f"{scratch}/soak.sqlite3"}
    server = subprocess.Popen(
        [str(FAQBOT), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"{base}/api/health")
        per_question = args.rate / len(QUESTIONS)
        loads = [hey(base, q, per_question, args.seconds) for q in QUESTIONS]
        time.sleep(args.warmup)
        warm = rss_kb(server.pid)
        outputs = [p.communicate()[0] for p in loads]
        end = rss_kb(server.pid)
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(scratch, ignore_errors=True)
    runs = [parse(o) for o in outputs]
    codes: dict[int, int] = {}
    for r in runs:
        for c, n in r["codes"].items():
            codes[c] = codes.get(c, 0) + n
    result = {
        "rate_target": args.rate,
        "seconds": args.seconds,
        "workers": args.workers,
        "rate_achieved": sum(r["rps"] for r in runs),
        "responses": codes,
        "errors": [r["errors"] for r in runs if r["errors"]],
        "rss_warm_mb": warm / 1024,
        "rss_end_mb": end / 1024,
        "rss_growth": (end - warm) / warm if warm else 0.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.seconds:.0f} s at {args.rate:.0f} req/s target, {args.workers} worker(s): "
            f"achieved {result['rate_achieved']:.1f} req/s; responses {codes}; "
            f"errors: {result['errors'] or 'none'}"
        )
        print(
            f"resident memory: {result['rss_warm_mb']:.1f} MB after {args.warmup:.0f} s warm-up, "
            f"{result['rss_end_mb']:.1f} MB at the end ({result['rss_growth']:+.1%})"
        )
    ok = set(codes) == {200} and not result["errors"] and abs(result["rss_growth"]) <= 0.10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
