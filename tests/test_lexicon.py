"""The crisis lexicon and the keep rule's two locks: a message is kept only when the reading
allows it and no crisis word or phrase is in it, disguised, misspelled or in Spanish."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from fastapi.testclient import TestClient

from bot.assistant import Assistant
from bot.classifier import KindScores, Reading
from bot.lexicon import crisis_terms, mentions_crisis
from bot.safety import Message, keepable
from web.app import create_app
from web.settings import Settings

QUESTION = KindScores(crisis=0.0, medical_advice=0.0, smalltalk=0.0, question=1.0)
STATEMENTS = (
    "suicidal",
    "thoughts of dying again",
    "estoy harta de vivir",
    "feeling unalive lately",
    "sewerslide thoughts all week",
    "kms honestly",
    "been self harming again",
    "i dont want to be here anymore",
)
PRACTICAL = ("what does insurance cover", "what are the side effects", "how much does it cost")
COMBINED = [f"{s}, {q}" for s, q in product(STATEMENTS, PRACTICAL)]


@pytest.mark.parametrize(
    "text",
    [
        "suicidal, what does insurance cover",
        "sucidal again lol",  # misspelled
        "suiside",
        "i feel suicdal",
        "Su1c1dal thoughts, is it covered",  # leetspeak
        "s u i c i d e",  # letters written apart
        "ѕuicidal",  # a Cyrillic look-alike
        "thinking of unaliving myself",
        "i might just unalive",
        "sewer slide is on my mind",
        "sewerslide",
        "kinda sewerslidal lol, any student discount",
        "kms",
        "kys",
        "i want to kill myself",
        "been cutting again",
        "better off dead tbh",
        "i don't want to live anymore",
        "thoughts of dying again, what are the side effects",
        "whats the point of living",
        "estoy harta de vivir, what does insurance cover",
        "quiero morirme",
        "pienso en suicidarme",
        "no quiero vivir así",
        "quiero quitarme la vida",
    ],
)
def test_crisis_words_and_phrases_are_found_disguised_misspelled_or_in_spanish(
    text: str,
) -> None:
    assert mentions_crisis(text), text


@pytest.mark.parametrize(
    "text",
    [
        "how does ketamine work?",
        "will the side effects subside after a day",
        "how do i decide if ketamine is right",
        "does it help people succeed at work",
        "is it covered by insurance",
        "can i drive home after my infusion",
        "how many kms is the clinic from the airport? 50 kms",
        "what does the NMDA receptor do",
        "is an unlikely reaction dangerous",
        "¿cuánto cuesta una sesión?",
    ],
)
def test_ordinary_questions_hold_no_crisis_term(text: str) -> None:
    assert crisis_terms(text) == ()


def test_no_passage_of_the_shipped_articles_holds_a_crisis_term(shipped_bot: Assistant) -> None:
    texts = [t for p in shipped_bot.knowledge.passages for t in (p.section, p.text, *p.questions)]
    assert [t for t in texts if mentions_crisis(t)] == []


def test_a_crisis_word_locks_the_keep_rule_whatever_the_reading_says() -> None:
    calm = Reading(QUESTION, ())
    assert keepable(Message.of("what does insurance cover", calm), None)
    assert keepable(Message.of("what does insurance cover", calm), "no_answer")
    assert not keepable(Message.of("suicidal, what does insurance cover", calm), None)
    assert not keepable(Message.of("SUIC1DAL, what does insurance cover", calm), "no_answer")


@pytest.mark.parametrize("text", COMBINED)
def test_a_crisis_statement_before_a_practical_question_is_never_kept(
    shipped_bot: Assistant, text: str
) -> None:
    assert not shipped_bot.may_keep(text)
    assert not shipped_bot.ask(text).may_keep


def test_neither_a_question_nor_a_vote_with_a_crisis_statement_reaches_the_store(
    settings: Settings,
) -> None:
    unlimited = settings.model_copy(update={"rate_limit_per_minute": 0})
    with TestClient(create_app(unlimited)) as client:
        _post_each_way(client)
        recorder = client.app.state.recorder  # type: ignore[attr-defined]
        recorder.flush()
        report = recorder.store.report(timedelta(days=1))
    assert report.unanswered == []
    assert report.votes and report.votes[0].not_helpful == 2 * len(COMBINED)


def _post_each_way(client: TestClient) -> None:
    """Each combined message as an API question, an API vote, a form vote and a form question."""
    for text in COMBINED:
        assert client.post("/api/ask", json={"question": text}).status_code == 200
        vote = {"passages": ["tiny-nmda"], "helpful": False, "question": text}
        assert client.post("/api/feedback", json=vote).status_code == 200
        form = {"helpful": "no", "passage": "tiny-nmda", "question": text}
        assert client.post("/feedback", data=form).status_code == 200
        assert client.post("/", data={"question": text}).status_code == 200
