"""Print the privacy figures of docs/security.md: what redaction leaves of marked details, what
it keeps of ordinary questions, and which messages the keep rule would let through.

    .venv/bin/python scripts/privacy_figures.py redaction tests/data/redaction-blind.jsonl
    .venv/bin/python scripts/privacy_figures.py keep ../shared/eval/visitors.jsonl

`redaction FILE...`: files of {"text", "identifying": [spans]} lines (tests/data), against the
shipped knowledge's words: details with a word left in what is kept, and ordinary questions (no
span) kept as written or with topic words. `keep FILE...`: eval files of {"question", "expect"}
lines: crisis messages that may be kept, by the reading alone and with the lexicon's lock too,
and how many ordinary questions (answer, no_answer) may be kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.analysis import STOPWORDS, words
from bot.assistant import MAX_QUESTION_CHARS, Assistant
from bot.knowledge import load_knowledge
from bot.redaction import TOPIC_ONLY, article_words, for_staff
from bot.safety import near_crisis, route

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def _left(kept: str, span: str) -> bool:
    left = set(words(kept))
    found = [w for w in words(span) if w not in STOPWORDS and len(w) > 1 and w in left]
    return bool(found) or span.lower() in kept.lower()


def redaction(paths: list[str]) -> None:
    known = article_words(load_knowledge(KNOWLEDGE))
    for path in paths:
        rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
        spans = [(r, s) for r in rows for s in r["identifying"]]
        kept = {r["text"]: for_staff(r["text"], known) for r in rows}
        leaked = [(r, s) for r, s in spans if _left(kept[r["text"]], s)]
        controls = [kept[r["text"]] for r in rows if not r["identifying"]]
        print(
            f"{path}: {len(rows)} messages, {len(spans)} marked details in "
            f"{len(rows) - len(controls)}; left in what is kept: {len(leaked)} details, in "
            f"{len({r['text'] for r, _ in leaked})} messages; {len(controls)} ordinary "
            f"questions: {sum(not k.startswith(TOPIC_ONLY) for k in controls)} kept as written, "
            f"{sum(k != TOPIC_ONLY for k in controls)} with topic words at least"
        )
        for r, span in leaked:
            print(f"  {span!r} in {kept[r['text']]!r}")


def keep(paths: list[str]) -> None:
    bot = Assistant.from_folder(KNOWLEDGE)

    def by_reading(question: str) -> bool:
        message = bot.read(question[:MAX_QUESTION_CHARS])[0]
        return route(message) not in ("crisis", "medical_advice") and not near_crisis(message)

    for path in paths:
        rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
        crisis = [r["question"] for r in rows if r["expect"] == "crisis"]
        ordinary = [r["question"] for r in rows if r["expect"] in ("answer", "no_answer")]
        print(
            f"{path}: {len(crisis)} crisis messages, may be kept by the reading alone "
            f"{sum(map(by_reading, crisis))}, with the lexicon's lock too "
            f"{sum(map(bot.may_keep, crisis))}; {len(ordinary)} answer or no_answer questions, "
            f"may be kept {sum(map(by_reading, ordinary))} by the reading alone, "
            f"{sum(map(bot.may_keep, ordinary))} with both locks"
        )


if __name__ == "__main__":
    {"redaction": redaction, "keep": keep}[sys.argv[1]](sys.argv[2:])
