"""Golden questions: the development set and our own paraphrases, as a parametrized table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import Item, evaluate, parse_items
from tests.conftest import SHARED, needs_shared

SETS = {
    "dev": SHARED / "eval" / "questions.jsonl",
    "paraphrases": Path(__file__).parent / "data" / "paraphrases.jsonl",
}
ITEMS = [
    (name, item)
    for name, path in SETS.items()
    if path.is_file()  # the development set lives in ../shared, outside the repository
    for item in parse_items(path.read_text(encoding="utf-8"), str(path))
]
# Questions we know the bot still gets wrong, with the reason; strict xfail fails the suite
# once they pass. (None today.)
KNOWN_MISSES: dict[str, str] = {}


@pytest.mark.parametrize(
    ("name", "item"),
    [
        pytest.param(
            name,
            item,
            id=f"{name}:{item.id}",
            marks=[pytest.mark.xfail(reason=KNOWN_MISSES[item.id], strict=True)]
            if item.id in KNOWN_MISSES
            else [],
        )
        for name, item in ITEMS
    ],
)
def test_golden_question(shipped_bot: Assistant, name: str, item: Item) -> None:
    report = evaluate(shipped_bot, [item])
    assert report.failures == [], report.failures


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=needs_shared(path)) for name, path in SETS.items()]
)
def test_question_set_meets_the_targets(shipped_bot: Assistant, name: str) -> None:
    items = [item for set_name, item in ITEMS if set_name == name]
    report = evaluate(shipped_bot, items)
    assert report.routing >= 0.95 and report.hit1 >= 0.90
    assert report.crisis_recall == 1.0 and report.crisis_fp_rate == 0.0
