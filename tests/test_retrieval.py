"""Retrieval: ranking, typo tolerance, uncovered topics and calibrated abstention."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.retrieval import MAX_SPELLED_WORDS, Retriever, Speller
from tests.conftest import SHIPPED_KNOWLEDGE


@pytest.fixture(scope="module")
def shipped() -> Retriever:
    return Retriever(load_knowledge(SHIPPED_KNOWLEDGE))


@pytest.fixture
def tiny(tiny_knowledge: Path) -> Retriever:
    return Retriever(load_knowledge(tiny_knowledge))


def test_how_ketamine_works_ranks_the_nmda_passage_first(shipped: Retriever) -> None:
    result = shipped.search("how does ketamine work")
    assert result.answered
    assert result.hits[0].passage.id == "glutamate-nmda"
    assert result.hits == tuple(sorted(result.hits, key=lambda h: -h.score))


def test_a_retriever_given_anothers_words_is_the_same(shipped: Retriever) -> None:
    again = Retriever(shipped.knowledge, questions=False, known_words=shipped.known_words)
    fresh = Retriever(shipped.knowledge, questions=False)
    assert again.known_words == fresh.known_words
    assert "ketamine" in again.known_words
    for question in ("how does ketamine work", "what is bdnf", "whats the cost"):
        found, expected = again.search(question), fresh.search(question)
        assert found.answered == expected.answered
        assert [(h.passage.id, h.score) for h in found.hits] == [
            (h.passage.id, h.score) for h in expected.hits
        ]


def test_side_effects_of_ketamine_is_an_uncovered_topic(shipped: Retriever) -> None:
    result = shipped.search("what are the side effects of ketamine")
    assert not result.answered
    assert result.uncovered is not None and result.uncovered.name == "side effects"


def test_a_passage_that_speaks_of_the_topic_and_the_rest_still_answers(shipped: Retriever) -> None:
    result = shipped.search("do mood stabilizers for bipolar disorder have side effects")
    assert result.answered and result.uncovered is None
    assert result.hits[0].passage.id == "bipolar-overview"


@pytest.mark.parametrize(
    ("typo", "passage"),
    [
        ("ketamin for depresion", "depression-rapid-effect"),
        ("bipoler disorder", "bipolar-overview"),
        ("what is serotinin", "serotonin"),
    ],
)
def test_typos_are_corrected(shipped: Retriever, typo: str, passage: str) -> None:
    result = shipped.search(typo)
    assert result.corrections
    assert result.answered and result.hits[0].passage.id == passage


@pytest.mark.parametrize(
    "nonsense",
    [
        "asdf qwerty zxcv",
        "zzzzzzzz",
        "lorem ipsum dolor",
        "what's the weather in denver",
        "help me fix my python code",
    ],
)
def test_nonsense_and_out_of_scope_questions_are_not_answered(
    shipped: Retriever, nonsense: str
) -> None:
    assert not shipped.search(nonsense).answered


def test_speller_does_not_correct_short_or_far_words() -> None:
    speller = Speller(["ketamine", "depression", "serotonin", "step"])
    assert speller.correct("depresion") == "depression"
    assert speller.correct("serotinin") == "serotonin"
    assert speller.correct("stop") is None  # under five letters: too many real words are close
    assert speller.correct("dxpresxixn") is None
    assert speller.correct("ketamine") is None
    assert speller.correct("k3tamine") is None


def test_synonyms_reach_passages_written_the_other_way(tiny: Retriever) -> None:
    result = tiny.search("what is N-methyl-D-aspartate")
    assert result.hits[0].passage.id == "tiny-nmda"
    assert tiny.search("manic depression").hits[0].passage.id == "tiny-bipolar"


def test_subject_only_question_gets_the_lead_passage(shipped: Retriever) -> None:
    assert shipped.search("What is ketamine?").hits[0].passage.id == "what-is-ketamine"


def test_confidence_is_the_matched_share_of_the_question(tiny: Retriever) -> None:
    full = tiny.search("serotonin mood sleep")
    half = tiny.search("serotonin quarterback touchdown zebra")
    assert full.confidence == pytest.approx(1.0)
    assert 0 < half.confidence < 0.34 and not half.answered


def test_empty_question_has_no_hits(tiny: Retriever) -> None:
    result = tiny.search("   ")
    assert result.hits == () and not result.answered


def random_words(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(8)) for _ in range(count)]


def test_unknown_words_looked_up_per_question_are_bounded(
    shipped: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    real = shipped.speller.correct
    monkeypatch.setattr(shipped.speller, "correct", lambda w: looked_up.append(w) or real(w))
    result = shipped.search("how does ketamne work " + " ".join(random_words(62)))
    assert len(looked_up) == MAX_SPELLED_WORDS  # was 63: a scan of the knowledge's words each
    assert ("ketamne", "ketamine") in result.corrections  # the first ones are still corrected
