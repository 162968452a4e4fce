"""Redaction of personal details from a visitor's question, before anything is written.

Replaced, in this order, by a placeholder in square brackets: e-mail addresses, URLs, street
addresses, dates, phone numbers, long digit runs (IDs, card numbers), and names introduced by
"my name is" or "I'm called".
"""

from __future__ import annotations

import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|"
    r"circle|cir|parkway|pkwy|highway|hwy|terrace|trail|trl)"
)
_NAME_WORD = r"[A-Za-z][A-Za-z'\-]+"

# (replacement, pattern) in the order they are applied.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[email]", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)),
    (
        "[url]",
        re.compile(
            r"\b(?:https?://|www\.)\S+|\b[\w\-]+\.(?:com|org|net|io|gov|edu|us)\b\S*", re.IGNORECASE
        ),
    ),
    (
        "[address]",
        re.compile(
            rf"\b\d{{1,6}}\s+(?:[A-Za-z0-9.'\-]+\s+){{0,4}}{_STREET}\b\.?(?:\s*(?:apt|unit|suite|#)"
            rf"\s*\w+)?",
            re.IGNORECASE,
        ),
    ),
    (
        "[date]",
        re.compile(
            rf"\b\d{{1,4}}[/\-.]\d{{1,2}}[/\-.]\d{{1,4}}\b|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?"
            rf"(?:,?\s+\d{{4}})?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+\d{{4}})?",
            re.IGNORECASE,
        ),
    ),
    (
        "[phone]",
        re.compile(
            r"(?:(?<!\w)\+?1[\s.\-]?)?(?:\(\d{3}\)\s*|(?<!\d)\d{3}[\s.\-])\d{3}[\s.\-]?\d{4}(?!\d)"
        ),
    ),
    ("[number]", re.compile(r"(?<!\d)\d(?:[\s\-]?\d){5,}(?!\d)")),
    (
        "\\g<intro>[name]",
        re.compile(
            rf"(?P<intro>\b(?:my name is|my name's|i am called|i'm called|im called)\s+)"
            rf"{_NAME_WORD}(?:\s+(?!and\b|but\b|i\b){_NAME_WORD})?",
            re.IGNORECASE,
        ),
    ),
)


def redact(text: str) -> str:
    """The text with every personal detail above replaced by its placeholder."""
    text = " ".join(text.split())
    for replacement, pattern in RULES:
        text = pattern.sub(replacement, text)
    return text
