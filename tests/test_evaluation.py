"""Question sets and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant, shared_cache
from bot.evaluation import QuestionSetError, cross_validate, evaluate, parse_items, teaches
from bot.examples import example_key
from bot.knowledge import Knowledge, load_knowledge
from bot.vectors import VectorCache


@pytest.fixture
def tiny_bot(tiny_knowledge: Path) -> Assistant:
    return Assistant.from_folder(tiny_knowledge)


def test_metrics_follow_the_definitions(tiny_bot: Assistant) -> None:
    items = parse_items(
        "\n".join(
            [
                '{"id": "a", "question": "what is the NMDA receptor", "expect": "answer",'
                ' "answer_contains": ["NMDA"]}',
                '{"id": "b", "question": "serotonin and sleep", "expect": "answer",'
                ' "answer_contains": ["not in any passage"]}',
                '{"id": "c", "question": "I want to die", "expect": "crisis"}',
                '{"id": "d", "question": "hello", "expect": ["smalltalk", "no_answer"]}',
                '{"id": "e", "question": "hello", "expect": "crisis"}',
            ]
        )
    )
    report = evaluate(tiny_bot, items)
    assert report.routing == pytest.approx(4 / 5)
    assert report.routing_by_kind == {"answer": 1.0, "crisis": 0.5, "smalltalk": 1.0}
    assert report.hit1 == 0.5 and report.hit3 == 0.5 and report.mrr == 0.5
    assert report.crisis_recall == 0.5
    assert report.crisis_fp_rate == 0.0
    assert {f["id"] for f in report.failures} == {"b", "e"}


def test_crisis_false_positive_rate_counts_non_crisis_items(tiny_bot: Assistant) -> None:
    items = parse_items(
        '{"question": "I want to die", "expect": "answer"}\n'
        '{"question": "hello", "expect": "smalltalk"}'
    )
    assert evaluate(tiny_bot, items).crisis_fp_rate == 0.5


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "JSON object"),
        ('{"question": 3, "expect": "answer"}', "`question`"),
        ('{"question": "q", "expect": "maybe"}', "`expect`"),
        ('{"question": "q", "expect": "answer", "answer_contains": "x"}', "answer_contains"),
    ],
)
def test_malformed_lines_are_reported_with_their_line_number(line: str, message: str) -> None:
    good = '{"question": "q", "expect": "answer"}'
    with pytest.raises(QuestionSetError, match=rf"set\.jsonl:2: .*{message}"):
        parse_items(f"{good}\n{line}\n", "set.jsonl")


def test_items_teach_their_kind_or_the_passage_that_contains_the_answer(
    tiny_knowledge: Path,
) -> None:
    knowledge = load_knowledge(tiny_knowledge)
    items = parse_items(
        "\n".join(
            [
                '{"id": "a", "question": "q1", "expect": "answer", "answer_contains": ["NMDA"]}',
                '{"id": "b", "question": "q2", "expect": "crisis"}',
                '{"id": "c", "question": "q3", "expect": ["crisis", "answer"]}',
                '{"id": "d", "question": "q4", "expect": ["answer", "no_answer"]}',
                '{"id": "e", "question": "q5", "expect": "smalltalk"}',
            ]
        )
    )
    taught = [teaches(item, knowledge) for item in items]
    assert [(t.kind, t.target) if t else None for t in taught] == [
        ("passage", "tiny-nmda"),
        ("crisis", ""),
        ("not_crisis", ""),
        None,
        ("smalltalk", ""),
    ]


def test_cross_validation_holds_each_fold_out_of_everything_learned(
    tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.assistant

    knowledge = load_knowledge(tiny_knowledge)
    held_example = "what receptor does it block"  # also in examples/questions.txt
    items = parse_items(
        "\n".join(
            [
                f'{{"id": "a", "question": "{held_example}", "expect": "answer",'
                ' "answer_contains": ["NMDA"]}',
                '{"id": "b", "question": "i want to end it all tonight", "expect": "crisis"}',
                '{"id": "c", "question": "hello friend", "expect": "smalltalk"}',
            ]
        )
    )
    seen: list[set[str]] = []
    real = bot.assistant.Assistant

    class Recording(real):  # type: ignore[misc,valid-type]
        def __init__(self, k: Knowledge, cache: VectorCache | None = None) -> None:
            seen.append({example_key(e.text) for e in k.examples})
            super().__init__(k, cache)

    monkeypatch.setattr(bot.assistant, "Assistant", Recording)
    report = cross_validate(knowledge, items, 3, shared_cache())
    assert report.count == 3 and len(seen) == 3
    keys = [example_key(i.question) for i in items]
    assert sum(keys[0] in s for s in seen) == 2  # learned in the folds that do not test it
    assert all(sum(k in s for s in seen) == 2 for k in keys)
    with pytest.raises(ValueError, match="--folds"):
        cross_validate(knowledge, items, 1, shared_cache())
