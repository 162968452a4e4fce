"""Choose the crisis thresholds of `bot/safety.py` on messages the bot did not learn from.

    .venv/bin/python scripts/calibrate_crisis.py                  # choose, on the read sets
    .venv/bin/python scripts/calibrate_crisis.py --evaluate       # and each set's eval figures
    .venv/bin/python scripts/calibrate_crisis.py --measure FILE   # current thresholds on FILE
    .venv/bin/python scripts/calibrate_crisis.py --held-out FILE  # FILE's eval figures, by a
                                                                  # bot that did not learn it

The messages of the safety sets the team has read are examples the classifier learns from
(`scripts/add_set_examples.py`), so no figure on them with the shipped bot means anything. Each
set is read instead by a bot that learned from everything else: its own messages, and any
example message closer to one of them than `NEAR_DUPLICATE`, left out (every set had its own
writer, so this is leave-one-writer-out). For each message the script takes what the
classifier gives the whole message and its likeliest sentence, and whether a phrase rule fires;
over all sets together it then searches:

- the check-in level (crisis resources first, then "are you safe?"): the highest thresholds
  (whole, sentence) that still give crisis resources to at least RECALL of the crisis messages,
  so that as few other messages as possible get the check-in;
- the clear level (crisis resources alone): the lowest thresholds at which at most CLEAR_FP of the
  other messages would get crisis resources alone.

It prints them; they are copied into bot/safety.py by hand (a reviewed change). The figures it
prints are development figures (the thresholds were chosen on those readings): the unread sets
(those not in TRAINING_SETS: f19 and later) measure them: with the shipped bot
(`faqbot eval FILE`), and with `--held-out`, read as the read sets are. The second says more:
writers write some of the same messages ("do you take insurance"), and the shipped bot may have
learned those from another set.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from itertools import product
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import safety  # noqa: E402
from bot.assistant import Assistant, shared_cache  # noqa: E402
from bot.evaluation import NEAR_DUPLICATE, Item, Report, evaluate, parse_items  # noqa: E402
from bot.examples import example_key  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.vectors import VectorCache  # noqa: E402
from scripts.add_set_examples import TRAINING_SETS, set_items  # noqa: E402

# What scripts/add_set_examples.py adds the sets to.
TAUGHT = ("crisis", "not_crisis", "medical_advice", "smalltalk")
RECALL = 0.997  # of all the read sets' crisis messages together
# Of all the read sets' other messages together. 0.25 % until the sixth session of 2026-12-07:
# the sets never read then gave 0.5-0.7 % resources alone at the levels it chose, so it aims lower.
CLEAR_FP = 0.001
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


def held_out(knowledge: Knowledge, cache: VectorCache, name: str, items: list[Item]) -> Assistant:
    """A bot that did not learn from these messages: each of them, and every example message
    closer to one than NEAR_DUPLICATE, left out of the example files the sets were added to.
    Passage and topic questions stay (no set was added to them), so its routing and hit@1 compare
    with the shipped bot's."""
    questions = [i.question for i in items]
    messages = [e for e in knowledge.examples if e.kind in TAUGHT]
    vectors = np.stack([m.whole for m in cache.messages(questions)])
    example_vectors = np.stack([m.whole for m in cache.messages([e.text for e in messages])])
    near = (example_vectors @ vectors.T).max(axis=1) >= NEAR_DUPLICATE
    left_out = {example_key(q) for q in questions} | {
        example_key(e.text) for e, is_near in zip(messages, near, strict=True) if is_near
    }
    kept = tuple(
        e for e in knowledge.examples if e.kind not in TAUGHT or example_key(e.text) not in left_out
    )
    return Assistant(
        replace(knowledge, examples=kept, version=f"{knowledge.version}-{name}"), cache
    )


def labels(items: list[Item]) -> tuple[np.ndarray, np.ndarray]:
    """Which items are crisis messages, and which are neither crisis nor past risk."""
    return (
        np.array([i.expect == ("crisis",) for i in items]),
        np.array(["crisis" not in i.expect for i in items]),
    )


def print_figures(name: str, e: Report) -> None:
    print(
        f"{name} held out: routing {e.routing:.3f}, hit@1 {e.hit1:.3f}, hit@3 {e.hit3:.3f}, "
        f"crisis recall {e.crisis_recall:.3f}, clear false alarms {e.crisis_fp_rate:.4f}, "
        f"check-in {e.check_in_rate:.3f}, kept {e.crisis_kept}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", type=Path, help="measure the current thresholds on this set")
    parser.add_argument(
        "--evaluate", action="store_true", help="also print each held-out set's eval figures"
    )
    parser.add_argument(
        "--held-out",
        type=Path,
        nargs="+",
        help="print these sets' eval figures, each read by a bot that did not learn from it",
    )
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    args = parser.parse_args()
    current = (safety.CHECK_IN, safety.SENTENCE_CHECK_IN), (safety.CRISIS, safety.SENTENCE_CRISIS)
    if args.measure is not None:
        items = parse_items(args.measure.read_text(encoding="utf-8"), str(args.measure))
        r = readings(Assistant.from_folder(args.knowledge), [i.question for i in items])
        report(f"{args.measure.name}, thresholds {current}", r, *labels(items), *current)
        return 0
    knowledge, cache = load_knowledge(args.knowledge), shared_cache()
    if args.held_out:
        for path in args.held_out:
            items = parse_items(path.read_text(encoding="utf-8"), str(path))
            print_figures(path.name, evaluate(held_out(knowledge, cache, path.stem, items), items))
        return 0
    sets = []
    for name in TRAINING_SETS:
        items = set_items(name)
        assistant = held_out(knowledge, cache, name, items)
        sets.append((name, readings(assistant, [i.question for i in items]), *labels(items)))
        if args.evaluate:
            print_figures(name, evaluate(assistant, items))
    r, crisis, other = (np.concatenate([s[k] for s in sets]) for k in (1, 2, 3))
    check_in, clear = calibrate(r, crisis, other)
    print(
        f"chosen on the read sets, each held out: CHECK_IN={check_in[0]:.4f} "
        f"SENTENCE_CHECK_IN={check_in[1]:.4f} CRISIS={clear[0]:.4f} SENTENCE_CRISIS={clear[1]:.4f}"
    )
    for name, thresholds in (
        ("thresholds in bot/safety.py", current),
        ("chosen", (check_in, clear)),
    ):
        print(f"{name}:")
        report("  all together", r, crisis, other, *thresholds)
        for set_name, set_r, set_crisis, set_other in sets:
            report(f"  {set_name}", set_r, set_crisis, set_other, *thresholds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
