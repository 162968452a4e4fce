"""Redaction of personal details before anything is stored: one case per kind."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.redaction import NEEDS, RULES, redact


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


def _every_rule(text: str) -> str:
    """`redact` without the shortcuts: every rule's pattern runs on every text."""
    text = " ".join(text.split())
    for replacement, pattern in RULES:
        text = pattern.sub(replacement, text)
    return text


_PIECES = st.sampled_from(
    [" ", "a", "Jane", "@", ".", "-", "/", "(", ")", "+", ":", "//", "7", "1", "555", "2026",
     "x@y.org", "http", "www", ".com", "com", "st", "Avenue", "apt", "#", "March", "may", "3rd",
     "of", "my name is", "My NAME'S", "i'm called", "called", "\u0663", "\u017f"]
)  # fmt: skip


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=16).map("".join) | st.text(max_size=60))
def test_skipping_rules_whose_needed_text_is_absent_changes_nothing(text: str) -> None:
    assert len(NEEDS) == len(RULES)
    assert redact(text) == _every_rule(text)


def test_only_these_letters_match_the_name_introduction_case_insensitively() -> None:
    # redact() looks for "name" and "called" in text.lower() instead of a case-insensitive
    # search: right only if no other character matches these letters under re.IGNORECASE.
    every_character = "".join(map(chr, range(0x110000)))
    assert set(re.findall("[namecld]", every_character, re.IGNORECASE)) == set("namecldNAMECLD")
