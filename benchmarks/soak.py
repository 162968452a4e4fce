"""Soak test: questions for a bounded time against `faqbot serve` on 127.0.0.1, checking for
errors and for resident memory growth after warm-up.

    python benchmarks/soak.py [--rate 200] [--seconds 60] [--warmup 10] [--json]
    python benchmarks/soak.py --unique [--seconds 60] [--warmup 10] [--json]

By default, Debian's `hey` sends the 16 varied questions of `load.QUESTIONS` at a fixed rate
(`-q` per worker, 4 workers). With `--unique`, every question is one never sent before: wrk
(Debian's `wrk`, as fast as the server answers, 4 connections) sends the same questions each
with a made-up word of its own appended, so nothing a cache could keep of one question serves
another (a cache of visitors' words would grow with every request). The server's resident
memory (its process and its worker processes) is read from /proc after the warm-up and at the
end; the target is an end value within 2 % of the warm-up value and no errors (the private,
anonymous part is printed too). The server runs this checkout's code (PYTHONPATH).
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
MAX_GROWTH = 0.02  # of resident memory, from the end of the warm-up to the end


def unique_script(folder: Path) -> Path:
    """A wrk Lua script: POST /api/ask with QUESTIONS in turn, each with a made-up word that
    no other request has (a counter per thread, written in letters, and the thread's letter)."""
    questions = ",\n  ".join(f"[==[{json.dumps(q)[1:-1]}]==]" for q in QUESTIONS)
    path = folder / "unique.lua"
    path.write_text(
        f"""-- Written by benchmarks/soak.py: every question unique.
local questions = {{
  {questions},
}}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("me", string.char(96 + threads))
end
local n = 0
local function letters(i)
  local out = ""
  repeat
    out = string.char(97 + i % 26) .. out
    i = math.floor(i / 26)
  until i == 0
  return out
end
request = function()
  n = n + 1
  local question = questions[(n % #questions) + 1] .. " zq" .. me .. letters(n)
  return wrk.format("POST", "/api/ask", {{["Content-Type"] = "application/json"}},
    '{{"question": "' .. question .. '"}}')
end
"""
    )
    return path


def wrk(base: str, script: Path, seconds: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{WORKERS}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"{base}/api/ask",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def parse_wrk(out: str) -> dict[str, Any]:
    sent = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)", out)
    total = int(sent.group(1)) if sent else 0
    bad = int(non2xx.group(1)) if non2xx else 0
    return {
        "codes": {200: total - bad, **({0: bad} if bad else {})},  # wrk does not tell which
        "rps": float(rps.group(1)) if rps else 0.0,
        "errors": sockets.group(1).strip() if sockets else "",
    }


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of a process and its children, in kB: all of it (VmRSS), or only the
    private, anonymous part (RssAnon) without pages of mapped files."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(c) for c in children.read_text().split()]
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            m = re.search(rf"{field}:\s+(\d+) kB", status.read_text())
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
    parser.add_argument("--unique", action="store_true", help="every question unique (wrk)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    tool = "wrk" if args.unique else "hey"
    if shutil.which(tool) is None:
        print(f"{tool} is not installed: apt-get install {tool}", file=sys.stderr)
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scratch = tempfile.mkdtemp(prefix="faqbot-soak-")
    env = {**os.environ, **LOAD_ENV, "FAQBOT_DB": f"{scratch}/soak.sqlite3"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)  # this checkout's code
    server = subprocess.Popen(
        [str(FAQBOT), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"{base}/api/health", timeout=60)  # a loaded machine starts slowly
        if args.unique:
            loads = [wrk(base, unique_script(Path(scratch)), args.seconds)]
        else:
            per_question = args.rate / len(QUESTIONS)
            loads = [hey(base, q, per_question, args.seconds) for q in QUESTIONS]
        time.sleep(args.warmup)
        warm, warm_anon = rss_kb(server.pid), rss_kb(server.pid, "RssAnon")
        outputs = [p.communicate()[0] for p in loads]
        end, end_anon = rss_kb(server.pid), rss_kb(server.pid, "RssAnon")
    finally:
        server.terminate()
        server.wait(15)
        shutil.rmtree(scratch, ignore_errors=True)
    runs = [parse_wrk(o) if args.unique else parse(o) for o in outputs]
    codes: dict[int, int] = {}
    for r in runs:
        for c, n in r["codes"].items():
            codes[c] = codes.get(c, 0) + n
    result = {
        "unique": args.unique,
        "rate_target": None if args.unique else args.rate,
        "seconds": args.seconds,
        "workers": args.workers,
        "rate_achieved": sum(r["rps"] for r in runs),
        "responses": codes,
        "errors": [r["errors"] for r in runs if r["errors"]],
        "rss_warm_mb": warm / 1024,
        "rss_end_mb": end / 1024,
        "rss_growth": (end - warm) / warm if warm else 0.0,
        "anon_warm_mb": warm_anon / 1024,
        "anon_end_mb": end_anon / 1024,
        "anon_growth": (end_anon - warm_anon) / warm_anon if warm_anon else 0.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        target = "every question unique" if args.unique else f"{args.rate:.0f} req/s target"
        print(
            f"{args.seconds:.0f} s, {target}, {args.workers} worker(s): "
            f"achieved {result['rate_achieved']:.1f} req/s; responses {codes}; "
            f"errors: {result['errors'] or 'none'}"
        )
        print(
            f"resident memory: {result['rss_warm_mb']:.1f} MB after {args.warmup:.0f} s warm-up, "
            f"{result['rss_end_mb']:.1f} MB at the end ({result['rss_growth']:+.1%}); private "
            f"(anonymous) {result['anon_warm_mb']:.1f} MB -> {result['anon_end_mb']:.1f} MB "
            f"({result['anon_growth']:+.1%})"
        )
    # The encoder reads its whole word-embedding table when it loads (bot/encoder.py), so new
    # words no longer map new pages in: the target is on the whole resident memory.
    ok = set(codes) == {200} and not result["errors"] and result["rss_growth"] <= MAX_GROWTH
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
