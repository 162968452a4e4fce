"""Choose the crisis thresholds of `bot/safety.py` on a set written blind, and show what they do.

    .venv/bin/python scripts/calibrate_crisis.py                  # on the calibration set
    .venv/bin/python scripts/calibrate_crisis.py --measure FILE   # current thresholds on FILE

The calibration set was written by someone who never saw the examples, the bot or
visitors.jsonl (tests/data/README.md). For each message it reads what the classifier gives the
whole message and its likeliest sentence, and whether a phrase rule fires, then searches:

- the check-in level (crisis resources first, then "are you safe?"): the highest thresholds
  (whole, sentence) that still give crisis resources to at least RECALL of the crisis messages,
  so that as few other messages as possible get the check-in;
- the clear level (crisis resources alone): the lowest thresholds at which at most CLEAR_FP of the
  other messages would get crisis resources alone.

It prints them; they are copied into bot/safety.py by hand (a reviewed change). A figure on this
set is a calibration figure: measure on tests/data/safety-blind.jsonl, which no choice looked at.
"""

from __future__ import annotations

import argparse
import sys
from itertools import product
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import safety  # noqa: E402
from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import parse_items  # noqa: E402

CALIBRATION = ROOT / "tests" / "data" / "safety-calibration.jsonl"
RECALL = 0.99
CLEAR_FP = 0.005
CLEAR_RULES = tuple(
    rule for kind, rule in safety.RULES if kind == "crisis" and rule is not safety.reads_as_crisis
)
CHECK_IN_RULES = tuple(
    rule
    for kind, rule in safety.RULES
    if kind == "check_in" and rule is not safety.reads_as_possible_crisis
)


def readings(assistant: Assistant, questions: list[str]) -> np.ndarray:
    """Per message: whole-message crisis probability, likeliest sentence's, clear rule fired,
    check-in rule fired."""
    rows = []
    for question in questions:
        message = assistant.read(question)[0]
        reading = message.reading
        sentence = max((s.crisis for s in reading.sentences), default=0.0)
        rows.append(
            (
                reading.whole.crisis,
                sentence,
                any(rule(message) for rule in CLEAR_RULES),
                any(rule(message) for rule in CHECK_IN_RULES),
            )
        )
    return np.array(rows, dtype=float)


def levels(
    r: np.ndarray, check_in: tuple[float, float], clear: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Which messages get the clear level, and which the check-in."""
    clear_ = (r[:, 2] > 0) | (r[:, 0] >= clear[0]) | (r[:, 1] >= clear[1])
    either = clear_ | (r[:, 3] > 0) | (r[:, 0] >= check_in[0]) | (r[:, 1] >= check_in[1])
    return clear_, either & ~clear_


def calibrate(
    r: np.ndarray, crisis: np.ndarray, other: np.ndarray
) -> tuple[tuple[float, float], tuple[float, float]]:
    grid = np.unique(np.round(np.quantile(r[:, :2], np.linspace(0, 1, 201)), 4))
    grid = np.concatenate([grid, [1.01]])
    best_check, best_clear = None, None
    for w, s in product(grid, grid):
        got = (r[:, 2] > 0) | (r[:, 3] > 0) | (r[:, 0] >= w) | (r[:, 1] >= s)
        recall, rate = got[crisis].mean(), got[other].mean()
        if recall >= RECALL and (best_check is None or rate < best_check[0]):
            best_check = (rate, (float(w), float(s)))
        clear = (r[:, 2] > 0) | (r[:, 0] >= w) | (r[:, 1] >= s)
        fp, hit = clear[other].mean(), clear[crisis].mean()
        if fp <= CLEAR_FP and (best_clear is None or hit > best_clear[0]):
            best_clear = (hit, (float(w), float(s)))
    assert best_check is not None and best_clear is not None
    return best_check[1], best_clear[1]


def report(
    name: str,
    r: np.ndarray,
    crisis: np.ndarray,
    other: np.ndarray,
    check_in: tuple[float, float],
    clear: tuple[float, float],
) -> None:
    clear_, checked = levels(r, check_in, clear)
    print(
        f"{name}: crisis recall {np.mean((clear_ | checked)[crisis]):.3f} "
        f"(clear {np.mean(clear_[crisis]):.3f}), clear level on other messages "
        f"{np.mean(clear_[other]):.3f}, check-in on other messages {np.mean(checked[other]):.3f} "
        f"({int(crisis.sum())} crisis, {int(other.sum())} other)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", type=Path, help="measure the current thresholds on this set")
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    args = parser.parse_args()
    assistant = Assistant.from_folder(args.knowledge)
    path = args.measure or CALIBRATION
    items = parse_items(path.read_text(encoding="utf-8"), str(path))
    r = readings(assistant, [i.question for i in items])
    crisis = np.array([i.expect == ("crisis",) for i in items])
    other = np.array(["crisis" not in i.expect for i in items])
    current = (safety.CHECK_IN, safety.SENTENCE_CHECK_IN), (safety.CRISIS, safety.SENTENCE_CRISIS)
    report(f"{path.name}, thresholds in bot/safety.py {current}", r, crisis, other, *current)
    if args.measure is None:
        check_in, clear = calibrate(r, crisis, other)
        print(
            f"chosen on {path.name}: CHECK_IN={check_in[0]:.4f} "
            f"SENTENCE_CHECK_IN={check_in[1]:.4f} CRISIS={clear[0]:.4f} "
            f"SENTENCE_CRISIS={clear[1]:.4f}"
        )
        report(f"{path.name}, chosen", r, crisis, other, check_in, clear)
    return 0


if __name__ == "__main__":
    sys.exit(main())
