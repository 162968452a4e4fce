"""Hybrid ranking: fused signals with learned weights, and the calibrated answer decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.assistant import Assistant
from bot.ranking import ANSWER_AT, Ranker, _group_max


@pytest.fixture
def tiny_bot(tiny_knowledge: Path) -> Assistant:
    return Assistant.from_folder(tiny_knowledge)


def test_group_max_takes_the_best_of_each_group_and_zero_for_empty_ones() -> None:
    similarities = np.array([[0.1, 0.5, 0.3, -0.2]])
    starts = np.array([0, 2, 4])
    empty = np.array([False, False, True])
    assert _group_max(similarities, starts, empty).tolist() == [[0.5, 0.3, 0.0]]


def test_question_ranks_its_passage_first_with_signals(tiny_bot: Assistant) -> None:
    ranking = tiny_bot.rank("which receptor does ketamine block in the brain")
    assert ranking.answered and ranking.confidence >= ANSWER_AT
    first = ranking.candidates[0]
    assert first.passage.id == "tiny-nmda"
    assert [c.score for c in ranking.candidates] == sorted(
        (c.score for c in ranking.candidates), reverse=True
    )
    assert 0 < first.dense <= 1 and 0 <= first.lexical <= 1


@pytest.mark.parametrize("text", ["best pizza near me", "what is the weather today in denver"])
def test_out_of_scope_questions_are_not_answered(tiny_bot: Assistant, text: str) -> None:
    assert not tiny_bot.rank(text).answered


def test_an_uncovered_topic_wins_over_a_passage_that_shares_words(tiny_bot: Assistant) -> None:
    ranking = tiny_bot.rank("what are the side effects")
    assert not ranking.answered
    assert ranking.topic is not None and ranking.topic.name == "side effects"


def test_fusion_weights_are_learned_from_the_examples(tiny_bot: Assistant) -> None:
    weights = tiny_bot.ranker._fusion
    assert weights[0] == 1.0 and len(weights) == 4
    signals = np.zeros((2, 3, 4))
    signals[0, 1, 0] = 1.0  # dense alone points to passage 1
    signals[1, 2, 1] = 1.0  # words alone point to passage 2
    assert Ranker._fusion_weights(signals, np.array([1, 2]))[1] > 0
