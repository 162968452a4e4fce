"""CPU time of one question for messages shaped to cost the most, against ordinary questions.

    python benchmarks/hostile.py [--rounds 7] [--json]

Every shape is 500 characters (the limit) or the ordinary question it is compared with: random
letter words (62 of them), the same words as one-word sentences, "a. " repeated, digits, CJK
characters, one 500-letter word, and a long English question; "ordinary" is the median over
the eval sets' first 40 questions. Each is asked --rounds times after two warm-up asks;
the figure is the median CPU time of the asking thread (`time.thread_time`: the encoder runs
on that thread, so other processes on a shared machine do not count). Imports this checkout's
`bot`. Target: no shape costs more than 8x an ordinary question (before the bounds on the
encoder's tokens, the sentences and the speller's lookups per question, "a. " repeated cost
15x).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import MAX_QUESTION_CHARS, Assistant  # noqa: E402  (after the path is set)

EVAL = ROOT.parent / "shared" / "eval"
TARGET_RATIO = 8.0


def random_words(rng: random.Random) -> str:
    words: list[str] = []
    while True:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))
        if len(" ".join([*words, word])) > MAX_QUESTION_CHARS:
            return " ".join(words)
        words.append(word)


def shapes() -> dict[str, str]:
    rng = random.Random(1)
    words = random_words(rng)
    english = (
        "I have been struggling with depression for years and my doctor mentioned ketamine "
        "infusions as an option, so I wanted to understand how the treatment actually works, "
        "how many sessions people usually need, whether the effects last, what side effects "
        "are common, and whether it is safe alongside my other medication. My sister had it "
        "done last spring and she said it helped her a lot, but I am nervous about it."
    )
    return {
        "random words": words,
        "one-word sentences": ". ".join(words.split())[:MAX_QUESTION_CHARS],
        "a. repeated": ("a. " * 200)[:MAX_QUESTION_CHARS],
        "digits": " ".join(str(rng.randint(10**6, 10**7)) for _ in range(70))[:MAX_QUESTION_CHARS],
        "CJK": "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(MAX_QUESTION_CHARS)),
        "one long word": "".join(rng.choice(string.ascii_lowercase) for _ in range(500)),
        "long English question": english[:MAX_QUESTION_CHARS],
    }


def cpu_ms(assistant: Assistant, text: str, rounds: int) -> float:
    for _ in range(2):
        assistant.ask(text)
    took = []
    for _ in range(rounds):
        start = time.thread_time()
        assistant.ask(text)
        took.append((time.thread_time() - start) * 1000)
    return statistics.median(took)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    assistant = Assistant.from_folder(ROOT / "knowledge")
    ordinary = [
        json.loads(line)["question"]
        for name in ("questions.jsonl", "visitors.jsonl")
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()[:20]
        if line.strip()
    ]
    base = statistics.median(cpu_ms(assistant, q, args.rounds) for q in ordinary)
    result = {"ordinary_ms": base} | {
        name: cpu_ms(assistant, text, args.rounds) for name, text in shapes().items()
    }
    worst = max(v for k, v in result.items() if k != "ordinary_ms")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, ms in result.items():
            print(f"{name:>24}  {ms:7.1f} ms CPU  ({ms / base:4.1f}x ordinary)")
    return 0 if worst <= TARGET_RATIO * base else 1


if __name__ == "__main__":
    sys.exit(main())
