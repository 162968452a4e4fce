"""How the bot loads a large knowledge folder: first load, later starts, one passage edited.

    .venv/bin/python benchmarks/scale.py --passages 500
    .venv/bin/python benchmarks/scale.py --passages 2000 --only first

Builds the shipped knowledge plus an article of N passages (abstracts of the Vaswani collection,
../shared/benchmarks/vaswani, ten to a section, each with one `?` line made of its first words),
then, each in a fresh process so that time and memory are its own:

- first load: an empty cache folder (every text encoded, everything learned);
- warm start: the same folder again (vectors and what was learned read back);
- edit: one word of one passage changed, then loaded (what a reload does);
- ask: `faqbot ask` on the warm cache, the whole command.

Prints seconds and the peak resident memory of each. docs/performance.md has the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VASWANI = ROOT.parent / "shared" / "benchmarks" / "vaswani" / "corpus.jsonl"
LOAD = """
import resource, sys, time
start = time.perf_counter()
from bot.assistant import Assistant
bot = Assistant.from_folder(sys.argv[1])
bot.ask("what is the frequency of the oscillator")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{seconds:.1f} {peak:.0f}")
"""


def article(passages: int) -> str:
    """An article of `passages` abstracts, ten to a section."""
    lines = [
        "---",
        "title: Abstracts",
        "publisher: Vaswani collection (benchmark only)",
        "reviewed_by: benchmark",
        "reviewed_on: 2026-12-01",
        "topics: physics, electronics",
        "---",
        "",
    ]
    with VASWANI.open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n == passages:
                break
            text = json.loads(line)["text"]
            if n % 10 == 0:
                lines += [f"## Abstracts {n + 1} to {n + 10}", ""]
            question = " ".join(text.split()[:8])
            lines += [f"<!-- id: abstract-{n + 1} -->", f"? {question} (abstract {n + 1})?"]
            lines += [text[0].upper() + text[1:] + ".", ""]
    return "\n".join(lines)


def run(folder: Path, cache: Path) -> tuple[float, float]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(folder)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"loading failed:\n{done.stderr[-3000:]}")
    out = done.stdout.split()
    return float(out[0]), float(out[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--only", choices=["first"], help="measure the first load only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scale-") as work:
        folder, cache = Path(work) / "knowledge", Path(work) / "cache"
        shutil.copytree(ROOT / "knowledge", folder)
        (folder / "articles" / "abstracts.md").write_text(article(args.passages), "utf-8")
        print(f"{args.passages} passages beside the shipped article")
        seconds, peak = run(folder, cache)
        print(f"first load (empty cache)  {seconds:7.1f} s  peak {peak:6.0f} MB")
        if args.only:
            return 0
        seconds, peak = run(folder, cache)
        print(f"warm start                {seconds:7.1f} s  peak {peak:6.0f} MB")
        path = folder / "articles" / "abstracts.md"
        text = path.read_text("utf-8")
        path.write_text(text.replace("digital data storage", "digital data keeping", 1), "utf-8")
        seconds, peak = run(folder, cache)
        print(f"one passage edited        {seconds:7.1f} s  peak {peak:6.0f} MB")
        env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
        start = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "faqbot"), "ask", "--knowledge", str(folder), "hello"],
            env=env,
            capture_output=True,
            check=True,
        )
        print(f"faqbot ask (warm)         {time.perf_counter() - start:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
