"""Question sets and metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import QuestionSetError, evaluate, parse_items


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
