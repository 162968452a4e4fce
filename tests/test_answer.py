"""The answer's JSON form matches the dataclasses field for field."""

from __future__ import annotations

from dataclasses import asdict

from bot.answer import CRISIS_RESOURCES, Answer, Contact, QuotedPassage, Source

FULL = Answer(
    kind="answer",
    question="q",
    message="m",
    disclaimer="d",
    contact=Contact("p", "n", "c", "1", "e@x.org", "https://x.org"),
    passages=(
        QuotedPassage("id", "art", "sec", "text", Source("t", "pub", ""), "2026-01-01", 1.5),
    ),
    resources=CRISIS_RESOURCES,
    suggestions=("a", "b"),
)


def test_to_dict_equals_asdict_for_every_field() -> None:
    answer = FULL
    expected = asdict(answer)
    expected["passages"] = list(expected["passages"])
    expected["resources"] = list(expected["resources"])
    expected["suggestions"] = list(expected["suggestions"])
    del expected["may_keep"]  # whether the recorder may keep the question: not in the JSON form
    assert answer.to_dict() == expected


def test_to_dict_of_a_reply_without_contact() -> None:
    answer = Answer(kind="crisis", question="q", message="m", disclaimer="d", contact=None)
    assert answer.to_dict()["contact"] is None
