"""What the load generator's own work does to `load.py`'s comparison, on 127.0.0.1 only.

    python benchmarks/load_generator.py [--workers 1] [--connections 8 32] [--seconds 5]
                                        [--rounds 6] [--json]

wrk shares the machine's two cores with the server, and a Lua `request` function costs its
threads a call per request. `load.py` sends both endpoints from such a script; this script
measures why, on one server: `GET /api/health` plain (wrk's built-in request) and from a Lua
script, and `POST /api/ask` from its script, the three cells taking turns as in `load.py`
(medians over the rounds), and prints ask's throughput and p99 relative to each form of health.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# benchmarks/ is the script's folder
from load import median_run, start_server, take_turns, warm_up, wrk_installed, wrk_script


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not wrk_installed():
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="faqbot-load-"))
    scripts = {
        "health_plain": ("/api/health", None),
        "health_script": ("/api/health", wrk_script(scratch, "trivial")),
        "ask_script": ("/api/ask", wrk_script(scratch, "ask")),
    }
    server = start_server(args.workers, scratch, pin=False)
    cells = {name: (server.base + path, lua, None) for name, (path, lua) in scripts.items()}
    rows = []
    try:
        warm_up(cells)
        for c in args.connections:
            found = take_turns(cells, c, args.seconds, args.rounds)
            medians = {name: median_run(runs) for name, runs in found.items()}
            rows.append({"workers": args.workers, "connections": c, **medians})
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps({"seconds": args.seconds, "rounds": args.rounds, "rows": rows}, indent=2))
        return 0
    for row in rows:
        ask = row["ask_script"]
        print(f"{row['workers']} worker(s), {row['connections']} connections:")
        for name in cells:
            print(f"  {name:<14} {row[name]['rps']:>8.0f} req/s  p99 {row[name]['p99_ms']:.2f} ms")
        for health in ("health_plain", "health_script"):
            h = row[health]
            print(
                f"  ask / {health}: throughput {ask['rps'] / h['rps']:.2f}, "
                f"p99 {ask['p99_ms'] / h['p99_ms']:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
