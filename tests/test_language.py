"""Language: whether a message is in Spanish."""

from __future__ import annotations

import pytest

from bot.language import is_spanish


@pytest.mark.parametrize(
    "text",
    [
        "quiero morirme",
        "ya no quiero vivir mas",
        "kiero kitarme la vida",
        "¿la ketamina funciona rápido?",
    ],
)
def test_spanish_messages_are_spanish(text: str) -> None:
    assert is_spanish(text)


@pytest.mark.parametrize(
    "text", ["i want to die", "suicidal rn", "kms", "", "hola", "how does it work"]
)
def test_english_and_unclear_short_messages_are_not_spanish(text: str) -> None:
    assert not is_spanish(text)
