"""Redaction of personal details before anything is stored: one case per kind, what may be kept
of a question, and two corpora of questions carrying personal data
(`tests/data/redaction-corpus.jsonl`: 402 messages, 475 marked details, 50 without any;
`tests/data/redaction-blind.jsonl`: 260 messages, 377 marked details, 60 without any)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.analysis import STOPWORDS, words
from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.redaction import TOPIC_ONLY, article_words, for_staff, knowledge_words, redact
from tests.conftest import SHIPPED_KNOWLEDGE

CORPUS = Path(__file__).parent / "data" / "redaction-corpus.jsonl"
# Written by a helper who never saw the redactor, aimed at the second review's gaps (health
# details without "I"/"my", medications, first names that are everyday words, towns, years of
# birth): 260 messages, 377 marked details, 60 without any (docs/security.md has its figures).
BLIND = Path(__file__).parent / "data" / "redaction-blind.jsonl"
CORPORA = (CORPUS, BLIND)
KNOWN = knowledge_words(
    [
        "how does ketamine work what is the nmda receptor can it help with ptsd",
        "is one infusion enough are six infusions typical how many sessions",
        "can I drive home after my infusion does insurance cover the cost ask",
        "will my insurance pay is there a payment plan what does it cost",
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email me at jane.doe+x@mail.example.com please", "email me at [email] please"),
        ("write to john dot smith at gmail dot com", "write to [email]"),
        ("see https://example.org/my/chart?id=3 and www.foo.com", "see [url] and [url]"),
        ("my portal is http://localhost:8000/me", "my portal is [url]"),
        ("I live at 1234 North Cascade Avenue Apt 5 in town", "I live at [address] in town"),
        ("send it to PO Box 1234 please", "send it to [address] please"),
        ("I live in Denver CO 80202", "I live [place]"),
        ("my infusion was on 03/14/2026", "my infusion was on [date]"),
        ("booked for March 3rd, 2026", "booked for [date]"),
        ("born on the fifth of march nineteen eighty two", "born on [date]"),
        ("my number is (719) 555-0123", "my number is [phone]"),
        ("text 719.555.0123 or +1 719 555 0123", "text [phone] or [phone]"),
        ("call 719/555/0142 or +44 20 7946 0958", "call [phone] or [phone]"),
        ("its seven one nine five five five zero one four two", "its [number]"),
        ("card 4111 1111 1111 1111 and id 12345678", "card [number] and id [number]"),
        ("my medicare number 1EG4-TE5-MK73", "my [id]"),
        ("my name is Jane Smith and I want to book", "my name is [name] and I want to book"),
        ("Hi, I'm called Bob. Is ketamine safe?", "Hi, I'm called [name]. Is ketamine safe?"),
        ("Hi I'm Sarah Connor, is it safe?", "Hi I'm [name], is it safe?"),
        ("my therapist Dr. Emily Chen sent me", "my therapist [name] sent me"),
        ("can I come? thanks, Tom Becker", "can I come? thanks, [name]"),
        ("I am HIV positive, can I get ketamine", "I am [health detail], can I get ketamine"),
        (
            "I was diagnosed with bipolar II last year. Can it help",
            "I was [health detail]. Can it help",
        ),
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
        "can ketamine help with PTSD",
        "are 6 infusions typical",
        "can I drive home after my infusion",
        "Will my insurance pay?",
    ],
)
def test_ordinary_questions_are_kept_as_written(text: str) -> None:
    assert redact(text) == text
    assert for_staff(text, KNOWN) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A name no pattern finds: an unknown word, so only topic words are kept.
        ("does insurance cover it, ask for nkechi", f"{TOPIC_ONLY} insurance cover"),
        # Capitalized inside a sentence: a name, even when it is a known word.
        ("is there a payment plan for the cost? my partner Will", f"{TOPIC_ONLY} payment plan"),
        # Another script.
        ("does insurance cover the cost? Анна", f"{TOPIC_ONLY} insurance cover"),
        # Identified and ill: the text is not kept, nor the health words or their neighbours.
        ("I'm Sarah Connor, I have PTSD, how many sessions", f"{TOPIC_ONLY} sessions"),
    ],
)
def test_a_question_that_cannot_be_redacted_with_confidence_keeps_topic_words_only(
    text: str, expected: str
) -> None:
    assert for_staff(text, KNOWN) == expected


def _leaks(kept: str, span: str) -> list[str]:
    """The words of an identifying span that are still in what is kept."""
    left = set(words(kept))
    return [w for w in words(span) if w not in STOPWORDS and len(w) > 1 and w in left]


@pytest.fixture(scope="module")
def known_words(shipped_bot: Assistant) -> frozenset[str]:
    return shipped_bot.known_words


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.name)
def test_nothing_identifying_survives_on_the_corpus(
    known_words: frozenset[str], corpus: Path
) -> None:
    """Every marked detail is gone, word by word: no word of it is left in what is kept."""
    lines = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 250
    leaks = []
    for n, item in enumerate(lines, start=1):
        kept = for_staff(item["text"], known_words)
        for span in item["identifying"]:
            assert span in item["text"], f"{corpus.name}:{n}: span not in text"
            if _leaks(kept, span) or span.lower() in kept.lower():
                leaks.append(f"{corpus.name}:{n}: {span!r} in {kept!r}")
    assert leaks == []


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda path: path.name)
def test_ordinary_questions_of_the_corpus_mostly_keep_their_words(
    known_words: frozenset[str], corpus: Path
) -> None:
    """The controls (no personal data) keep their text or at least a topic word: staff can
    still see what was asked."""
    lines = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    controls = [item["text"] for item in lines if not item["identifying"]]
    kept = [for_staff(text, known_words) for text in controls]
    as_written = sum(not k.startswith(TOPIC_ONLY) for k in kept)
    with_topics = sum(k != TOPIC_ONLY for k in kept)
    assert as_written >= len(controls) * 0.6
    assert with_topics >= len(controls) * 0.85


# The gaps of the second review: health details without "I" or "my", medications with or
# without a dose, first names that are everyday words, towns, ages and years of birth.
GAPS = [
    ("recovering alcoholic, 3 yrs sober, can ketamine help", ["alcoholic", "sober"]),
    ("had a heart attack last year, is ketamine safe", ["heart attack"]),
    ("gabapentin 300 three times a day, can i still do ketamine", ["gabapentin", "300"]),
    ("prozac 40mg, is that a problem", ["prozac", "40mg"]),
    ("on lexapro and wellbutrin, does that matter", ["lexapro", "wellbutrin"]),
    ("this is mary, does insurance cover it", ["mary"]),
    ("Faith here, how much does it cost", ["Faith"]),
    ("hi its hope, when are you open", ["hope"]),
    ("i live in denver, how far is the clinic", ["denver"]),
    ("we live in colorado springs, do you have parking", ["colorado springs"]),
    ("born in 87, am i too old for this", ["87"]),
    ("im 34 and wondering about the cost", ["34"]),
    ("34F, does it work quickly", ["34F"]),
    ("my son is 17 year old, can he come", ["17"]),
    ("bipolar 2 dx last spring, is it safe", ["bipolar"]),
    ("pregnant and wondering if it is safe", ["pregnant"]),
]


@pytest.fixture(scope="module")
def article_only() -> frozenset[str]:
    return article_words(load_knowledge(SHIPPED_KNOWLEDGE))


@pytest.mark.parametrize(("text", "spans"), GAPS)
def test_health_medication_name_place_and_age_forms_are_never_kept(
    article_only: frozenset[str], text: str, spans: list[str]
) -> None:
    kept = for_staff(text, article_only)
    assert kept.startswith(TOPIC_ONLY)
    for span in spans:
        assert _leaks(kept, span) == [] and span.lower() not in kept.lower(), kept


def test_known_words_come_from_the_articles_and_topics_never_the_example_files(
    article_only: frozenset[str],
) -> None:
    """The shipped example files hold first names, towns and medications that visitors wrote;
    none of them is a word a kept question may contain."""
    for word in ("mary", "faith", "denver", "pueblo", "prozac", "gabapentin", "lexapro"):
        assert word not in article_only
    assert {"ketamine", "infusion", "insurance", "cost", "parking"} <= article_only


@pytest.mark.parametrize(
    "text",
    [
        "does ketamine help depression",
        "can ketamine help with PTSD",
        "how much does one infusion cost?",
        "do you take insurance or is it cash only",
        "can i drive home after my session",
    ],
)
def test_general_questions_about_a_condition_or_a_visit_are_kept_as_written(
    article_only: frozenset[str], text: str
) -> None:
    assert for_staff(text, article_only) == text
