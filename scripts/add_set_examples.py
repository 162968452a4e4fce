"""Add the messages of the safety sets the team has read to the example files they teach.

    .venv/bin/python scripts/add_set_examples.py            # append what is missing
    .venv/bin/python scripts/add_set_examples.py --check    # exit 1 if anything is missing

Each set in TRAINING_SETS was written blind by a writer who never saw the bot, its examples or
another set, and was measured once before anyone read it (docs/understanding.md keeps those
figures). Read, a set no longer measures anything; what it still does well is show the classifier
how visitors write: crisis said mildly or beside a practical question, and ordinary questions
that share a word with crisis. So every labelled message of those sets becomes an example of what
it is, for every clinic (no passage or topic is taught):

- crisis -> `examples/crisis.txt`;
- a request for medical advice -> `examples/medical-advice.txt`;
- small talk -> `examples/smalltalk.txt`;
- anything else, past risk that is over included -> `examples/not-crisis.txt`.

Requests for medical advice go in with the rest: without them the classifier learns from far
more questions than requests for advice and answers some of those ("can i mix ketamine with my
lithium?"); with them, an added passage about medicines is not quoted for a question about
one's own (docs/understanding.md).

A message already among the knowledge's examples (the same words, as `faqbot check` compares
them) is left where it is; a message two sets label differently is left out, and so is one of
the safety gate's canaries (`bot/canaries.txt`), which must stay messages the bot never learned.
Each set's lines go under a heading that names it. The sets not listed (safety-f19.jsonl and
later) are unread and stay out: they measure what this teaches. (f12, f14, f15, f16 and f18
measured the rules and levels of several sessions, which read their misses; they were added in
the seventh session of 2026-12-07.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.canaries import canaries  # noqa: E402
from bot.evaluation import Item, parse_items  # noqa: E402
from bot.examples import MESSAGE_FILES, ExampleKind, example_key  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402

DATA = ROOT / "tests" / "data"
TRAINING_SETS = (
    "safety-calibration",
    "safety-blind",
    "safety-fresh",
    "safety-f4",
    "safety-f5",
    "safety-f6",
    "safety-f7",
    "safety-f8",
    "safety-f9",
    "safety-f10",
    "safety-f11",
    "safety-f13",
    "safety-f17",
    "safety-f12",
    "safety-f14",
    "safety-f15",
    "safety-f16",
    "safety-f18",
)
FILE_OF: dict[ExampleKind, str] = {kind: name for name, kind in MESSAGE_FILES.items()}


def unread_sets() -> tuple[str, ...]:
    """The safety sets in tests/data not in TRAINING_SETS, by name: what measures them."""
    return tuple(p.stem for p in sorted(DATA.glob("safety-*.jsonl")) if p.stem not in TRAINING_SETS)


def teaches(item: Item) -> ExampleKind:
    """What a labelled message of a safety set teaches the classifier."""
    if item.expect == ("crisis",):
        return "crisis"
    if item.expect == ("medical_advice",):
        return "medical_advice"
    if item.expect == ("smalltalk",):
        return "smalltalk"
    return "not_crisis"


def set_items(name: str) -> list[Item]:
    path = DATA / f"{name}.jsonl"
    return parse_items(path.read_text(encoding="utf-8"), str(path))


def missing(knowledge_folder: Path) -> dict[str, dict[ExampleKind, list[str]]]:
    """Per set, per kind, the messages not yet among the knowledge's examples."""
    known = {example_key(e.text) for e in load_knowledge(knowledge_folder).examples}
    gate = canaries()
    known |= {example_key(m) for m in gate.crisis + gate.ordinary}
    labelled: dict[str, set[ExampleKind]] = {}
    for name in TRAINING_SETS:
        for item in set_items(name):
            labelled.setdefault(example_key(item.question), set()).add(teaches(item))
    out: dict[str, dict[ExampleKind, list[str]]] = {}
    for name in TRAINING_SETS:
        for item in set_items(name):
            key, kind = example_key(item.question), teaches(item)
            if key in known or len(labelled[key]) > 1:
                continue
            known.add(key)
            out.setdefault(name, {}).setdefault(kind, []).append(" ".join(item.question.split()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--check", action="store_true", help="only say whether any is missing")
    args = parser.parse_args()
    todo = missing(args.knowledge)
    count = sum(len(lines) for kinds in todo.values() for lines in kinds.values())
    if args.check:
        print(f"{count} messages of the read safety sets are not examples yet")
        return 1 if count else 0
    for name, kinds in todo.items():
        for kind, lines in kinds.items():
            path = args.knowledge / "examples" / FILE_OF[kind]
            text = path.read_text(encoding="utf-8").rstrip("\n")
            heading = f"# Written blind for the safety set tests/data/{name}.jsonl, then read"
            path.write_text(f"{text}\n\n{heading}\n" + "\n".join(lines) + "\n", encoding="utf-8")
            print(f"{path}: {len(lines)} from {name}")
    print(f"{count} messages added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
