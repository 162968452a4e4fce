"""The bot's figures on knowledge its examples were not written for (tests/edits.py): an article
added, sections removed, other clinics' FAQ pages.

    .venv/bin/python scripts/knowledge_figures.py          # a Markdown table
    .venv/bin/python scripts/knowledge_figures.py --json

tests/test_knowledge_edits.py keeps these figures from dropping; docs/understanding.md has them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import evaluate  # noqa: E402
from tests.edits import EDITS, build, questions  # noqa: E402


def figures() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="edits-") as work:
        for edit in EDITS:
            bot = Assistant.from_folder(build(edit, Path(work)))
            for label, name, no_answer in edit.sets:
                report = evaluate(bot, questions(name, no_answer))
                rows.append(
                    {
                        "knowledge": edit.name,
                        "questions": label,
                        "file": f"tests/data/{name}",
                        "count": report.count,
                        "routing": report.routing,
                        "hit1": report.hit1,
                        **{f"routing_{k}": v for k, v in report.routing_by_kind.items()},
                        "crisis_recall": report.crisis_recall,
                        "crisis_fp_rate": report.crisis_fp_rate,
                        "check_in_rate": report.check_in_rate,
                    }
                )
                print(f"measured {edit.name}: {label}", file=sys.stderr, flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = figures()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print("| knowledge | questions | n | routing | hit@1 | answer | not covered | check-in |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:

        def cell(key: str, row: dict[str, object] = r) -> str:
            value = row.get(key)
            return f"{value:.2f}" if isinstance(value, float) else ""

        hit1 = cell("hit1") if r.get("routing_answer") is not None else ""
        print(
            f"| {r['knowledge']} | {r['questions']} | {r['count']} | {cell('routing')} | {hit1} | "
            f"{cell('routing_answer')} | {cell('routing_no_answer')} | {cell('check_in_rate')} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
