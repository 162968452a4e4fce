"""What a change of the safety rules changes: every message of the question sets
(`tests/data/**/*.jsonl`, `../shared/eval/*.jsonl`), routed by the rules alone (the classifier
left aside) with `bot/safety.py` and `knowledge/crisis-phrases.txt` as they are at a git
revision and as they are now; prints each message whose rule-level reply differs, with the
reply its set expects, then counts.

    .venv/bin/python scripts/rule_changes.py 4ea88bf
    .venv/bin/python scripts/rule_changes.py 4ea88bf --skip safety-f19 safety-f20   # sets to
                                                        # keep unread: counted, not printed

A rule change should give crisis messages a reply and take one only from ordinary messages
(docs/understanding.md, "Figures of speech, two more writers").
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import safety  # noqa: E402
from bot.classifier import KindScores, Reading  # noqa: E402

NOTHING = Reading(KindScores(0.0, 0.0, 0.0, 0.0), ())
# The rules that read the classifier: left aside, so that only the rules themselves compare.
MODEL_RULES = {
    "reads_as_crisis",
    "reads_as_possible_crisis",
    "reads_as_medical_advice",
    "reads_as_smalltalk",
}


def at_revision(revision: str, path: str) -> str:
    return subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def phrases(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def rule_reply(module: ModuleType, question: str, crisis_phrases: list[str]) -> str | None:
    """The reply kind the first rule that fires gives (crisis or check_in), if any."""
    message = module.Message.of(question, NOTHING, crisis_phrases)
    for kind, rule in module.RULES:
        if rule.__name__ not in MODEL_RULES and rule(message):
            return str(kind)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the git revision to compare with, e.g. main~3")
    parser.add_argument("--skip", nargs="*", default=[], help="sets whose messages not to print")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        old_path = Path(scratch) / "safety_then.py"
        old_path.write_text(at_revision(args.revision, "bot/safety.py"), encoding="utf-8")
        spec = importlib.util.spec_from_file_location("safety_then", old_path)
        assert spec is not None and spec.loader is not None
        then = importlib.util.module_from_spec(spec)
        sys.modules["safety_then"] = then  # its dataclasses look their module up
        spec.loader.exec_module(then)
    old_phrases = phrases(at_revision(args.revision, "knowledge/crisis-phrases.txt"))
    new_phrases = phrases((ROOT / "knowledge" / "crisis-phrases.txt").read_text(encoding="utf-8"))
    files = sorted((ROOT / "tests" / "data").glob("**/*.jsonl"))
    files += sorted((ROOT.parent / "shared" / "eval").glob("*.jsonl"))
    counts: Counter[str] = Counter()
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            question = item.get("question")
            if not isinstance(question, str):
                continue
            counts["messages"] += 1
            before = rule_reply(then, question, old_phrases)
            after = rule_reply(safety, question, new_phrases)
            if before == after:
                continue
            expect = item.get("expect")
            crisis = expect == "crisis" or expect == ["crisis"]
            counts[f"{'crisis' if crisis else 'other'} {before} -> {after}"] += 1
            if path.stem not in args.skip:
                print(f"{path.relative_to(ROOT.parent)}: {expect}, {before} -> {after}: {question}")
    for key, count in sorted(counts.items()):
        print(f"{count:6d}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
