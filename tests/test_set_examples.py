"""The read safety sets are examples the classifier learns from; the unread ones are not
(`scripts/add_set_examples.py`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.canaries import canaries
from bot.evaluation import Item, parse_items
from bot.examples import example_key
from bot.knowledge import load_knowledge
from scripts.add_set_examples import TRAINING_SETS, missing, teaches
from tests.conftest import SHIPPED_KNOWLEDGE

DATA = Path(__file__).parent / "data"
LAST = TRAINING_SETS[-1]  # the set added last: its lines come last in each file
LAST_HEADING = f"# Written blind for the safety set tests/data/{LAST}.jsonl, then read"


def test_a_message_teaches_what_its_label_says() -> None:
    def item(*expect: str) -> Item:
        return Item("x", "a message", expect)

    assert teaches(item("crisis")) == "crisis"
    assert teaches(item("medical_advice")) == "medical_advice"
    assert teaches(item("no_answer", "medical_advice")) == "not_crisis"
    assert teaches(item("smalltalk")) == "smalltalk"
    assert teaches(item("answer")) == "not_crisis"
    assert teaches(item("no_answer")) == "not_crisis"
    assert teaches(item("crisis", "answer")) == "not_crisis"  # past risk, over
    assert teaches(item("smalltalk", "no_answer")) == "not_crisis"


def test_every_message_of_the_read_sets_is_an_example() -> None:
    assert missing(SHIPPED_KNOWLEDGE) == {}


def test_no_canary_is_added_and_a_new_set_would_be(tmp_path: Path) -> None:
    knowledge = load_knowledge(SHIPPED_KNOWLEDGE)
    taught = {example_key(e.text) for e in knowledge.examples}
    gate = canaries()
    assert not taught & {example_key(m) for m in gate.crisis}
    (tmp_path / "examples").mkdir()
    for file in (SHIPPED_KNOWLEDGE / "examples").iterdir():
        lines = file.read_text(encoding="utf-8").splitlines()
        cut = next((n for n, line in enumerate(lines) if line == LAST_HEADING), len(lines))
        (tmp_path / "examples" / file.name).write_text("\n".join(lines[:cut]), encoding="utf-8")
    shutil.copytree(SHIPPED_KNOWLEDGE / "articles", tmp_path / "articles")
    for name in ("clinic.txt", "crisis-phrases.txt", "synonyms.txt"):
        shutil.copy(SHIPPED_KNOWLEDGE / name, tmp_path / name)
    todo = missing(tmp_path)
    assert set(todo) == {LAST}
    assert sum(len(lines) for lines in todo[LAST].values()) > 500


def test_the_unread_sets_are_not_learned_from() -> None:
    """A message of an unread set may equal an example only as writers write the same common
    messages ("do you take insurance"): a set added by mistake would be nearly all of it."""
    taught = {example_key(e.text) for e in load_knowledge(SHIPPED_KNOWLEDGE).examples}
    unread = [p for p in DATA.glob("safety-*.jsonl") if p.stem not in TRAINING_SETS]
    assert {"safety-f19", "safety-f20"} <= {p.stem for p in unread}
    for path in unread:
        items = parse_items(path.read_text(encoding="utf-8"), str(path))
        shared = sum(example_key(i.question) in taught for i in items)
        assert shared / len(items) < 0.2, path.name
