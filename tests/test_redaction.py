"""Redaction of personal details before anything is stored: one case per kind."""

from __future__ import annotations

import pytest

from bot.redaction import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at jane.doe+x@mail.example.com please", "email me at [email] please"),
        ("see https://example.org/my/chart?id=3 and www.foo.com", "see [url] and [url]"),
        ("my portal is http://localhost:8000/me", "my portal is [url]"),
        ("I live at 1234 North Cascade Avenue Apt 5 in town", "I live at [address] in town"),
        ("my infusion was on 03/14/2026", "my infusion was on [date]"),
        ("booked for March 3rd, 2026", "booked for [date]"),
        ("call me back on the 3rd of May", "call me back on the [date]"),
        ("my number is (719) 555-0123", "my number is [phone]"),
        ("text 719.555.0123 or +1 719 555 0123", "text [phone] or [phone]"),
        ("card 4111 1111 1111 1111 and id 12345678", "card [number] and id [number]"),
        ("my name is Jane Smith and I have PTSD", "my name is [name] and I have PTSD"),
        ("Hi, I'm called Bob. Is ketamine safe?", "Hi, I'm called [name]. Is ketamine safe?"),
    ],
)
def test_each_kind_of_detail_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how does ketamine work?",
        "is 1 infusion enough",
        "what is the NMDA receptor",
        "can ketamine help with PTSD from 2 tours",
        "are 6 infusions typical",
    ],
)
def test_ordinary_questions_are_unchanged(text: str) -> None:
    assert redact(text) == text
