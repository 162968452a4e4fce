"""How long `faqbot serve --workers N` takes from an empty cache folder until every worker
serves: a new install's first start, or the first start of a container with a new data volume.

    python benchmarks/cold_start.py [--workers 2] [--runs 2] [--json]

Each run starts `faqbot serve` from this checkout on a free 127.0.0.1 port with a new, empty
XDG_CACHE_HOME and data folder, then asks `/api/health` every 0.1 s until it lists --workers
workers, and reports the seconds from process start; then stops the server. It also reports
how many knowledge sentences the workers encoded in all (from their logs): once per knowledge
version is the least a start can do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAQBOT = Path(sys.executable).with_name("faqbot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workers_serving(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/api/health", timeout=2) as res:
            return len(json.load(res)["workers"])
    except (OSError, ValueError, KeyError):
        return 0


def one_start(workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="faqbot-cold-") as scratch:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "XDG_CACHE_HOME": f"{scratch}/cache",
            "FAQBOT_DATA_DIR": f"{scratch}/data",
            "FAQBOT_LOG_LEVEL": "info",
        }
        command = [str(FAQBOT), "serve", "--port", str(port), "--workers", str(workers)]
        log_path = Path(scratch) / "log"
        with open(log_path, "w") as log:
            start = time.perf_counter()
            server = subprocess.Popen(
                [*command, "--knowledge", str(ROOT / "knowledge")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                while workers_serving(f"http://127.0.0.1:{port}") < workers:
                    if server.poll() is not None or time.perf_counter() - start > 600:
                        raise SystemExit(f"the server did not start:\n{log_path.read_text()}")
                    time.sleep(0.1)
                seconds = time.perf_counter() - start
            finally:
                server.terminate()
                server.wait(timeout=60)
        text = log_path.read_text()
    encoded = sum(int(n) for n in re.findall(r"encoding (\d+) new knowledge sentences", text))
    return {"seconds": round(seconds, 2), "sentences_encoded": encoded}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    runs = [one_start(args.workers) for _ in range(args.runs)]
    result = {
        "workers": args.workers,
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"faqbot serve --workers {args.workers}, empty cache, process start to every worker:")
    for run in runs:
        print(f"  {run['seconds']:6.2f} s, {run['sentences_encoded']} sentences encoded in all")
    print(f"median {result['median_seconds']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
