"""Ranking and coverage over the evidence's signals, with the shipped (content-independent)
weights; unanswered examples and topics a passage answers are left out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.assistant import Assistant
from bot.evidence import PASSAGE_SIGNALS, QUESTION_SIGNALS, Signals
from bot.ranking import (
    MODEL_FILE,
    Linear,
    RelevanceModel,
    coverage_inputs,
    ranker_inputs,
    shipped_model,
)
from tests.conftest import SHIPPED_KNOWLEDGE, write_knowledge


@pytest.fixture
def tiny_bot(tiny_knowledge: Path) -> Assistant:
    return Assistant.from_folder(tiny_knowledge)


def _signals(**columns: list[list[float]]) -> Signals:
    """Signals of questions by passages, given columns by name (others zero)."""
    shape = np.asarray(next(iter(columns.values()))).shape
    passages = np.zeros((*shape, len(PASSAGE_SIGNALS)))
    for name, values in columns.items():
        passages[..., PASSAGE_SIGNALS.index(name)] = values
    return Signals(passages, np.zeros((shape[0], len(QUESTION_SIGNALS))))


def test_rank_inputs_score_the_best_passage_10_over_10_and_the_next_10_over_11() -> None:
    signals = _signals(t_whole=[[0.2, 0.9, 0.5]])
    ranks = ranker_inputs(signals, ["rank:t_whole"])[0, :, 0]
    assert ranks.tolist() == pytest.approx([10 / 12, 1.0, 10 / 11])


def test_rich_and_poor_inputs_split_a_signal_by_the_passage_examples() -> None:
    signals = _signals(ex_max=[[0.8, 0.8]], richness=[[1.0, 0.25]])
    rich, poor = ranker_inputs(signals, ["rich:ex_max", "poor:ex_max"])[0].T
    assert rich.tolist() == pytest.approx([0.8, 0.2])
    assert poor.tolist() == pytest.approx([0.0, 0.6])


def test_coverage_inputs_read_the_best_passage_and_the_margin_to_the_second() -> None:
    signals = _signals(t_whole=[[0.3, 0.7]], richness=[[0.0, 1.0]])
    scores = np.array([[1.0, 3.0]])
    names = ["best", "margin", "top:t_whole", "rich*best", "top:richness"]
    row = coverage_inputs(signals, scores, names)[0]
    assert row.tolist() == pytest.approx([3.0, 2.0, 0.7, 3.0, 1.0])


def test_a_logistic_linear_model_standardizes_its_inputs() -> None:
    model = Linear(("a",), np.array([2.0]), -1.0, np.array([1.0]), np.array([0.5]))
    assert model.apply(np.array([[1.5]]))[0] == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_the_shipped_weights_read_back_as_they_were_written() -> None:
    written = json.loads(MODEL_FILE.read_text())
    model = shipped_model()
    assert RelevanceModel.from_json(written).to_json() == model.to_json() == written


def test_question_ranks_its_passage_first(tiny_bot: Assistant) -> None:
    ranking = tiny_bot.rank("which receptor does ketamine block in the brain")
    assert ranking.answered
    assert ranking.candidates[0].passage.id == "tiny-nmda"
    shares = [c.score for c in ranking.candidates]
    assert shares == sorted(shares, reverse=True) and sum(shares) == pytest.approx(1.0)


def test_a_passage_without_examples_is_found_by_what_it_says(tmp_path: Path) -> None:
    """tiny-bipolar has neither `?` lines nor example questions in this folder."""
    folder = write_knowledge(tmp_path / "kb", examples_questions_txt="# none\n")
    bot = Assistant.from_folder(folder)
    ranking = bot.rank("are mood stabilizers for bipolar disorder hard on people")
    assert ranking.candidates[0].passage.id == "tiny-bipolar"


@pytest.mark.parametrize("text", ["best pizza near me", "what is the weather today in denver"])
def test_out_of_scope_questions_are_not_answered(tiny_bot: Assistant, text: str) -> None:
    assert not tiny_bot.rank(text).answered


def test_an_uncovered_topic_wins_over_a_passage_that_shares_words(tiny_bot: Assistant) -> None:
    ranking = tiny_bot.rank("what are the side effects")
    assert not ranking.answered
    assert ranking.topic is not None and ranking.topic.name == "side effects"


def test_a_topic_a_passage_answers_is_left_out_and_named(tmp_path: Path) -> None:
    """A passage whose `?` line names the topic's phrase answers the topic: it no longer vetoes
    questions about it."""
    article = (SHIPPED_KNOWLEDGE / "articles" / "understanding-ketamine-infusions.md").read_text()
    folder = tmp_path / "kb"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    added = article.split("## ")[0] + (
        "## Side effects\n\n<!-- id: common-side-effects -->\n? What are the side effects?\n"
        "The most common side effects of an infusion are nausea, dizziness and a feeling of "
        "detachment, which pass within a couple of hours.\n"
    )
    (folder / "articles" / "side-effects.md").write_text(
        added.replace("title: Understanding", "title: Side Effects of"), encoding="utf-8"
    )
    bot = Assistant.from_folder(folder)
    answered = {a.what: a for a in bot.ranker.answered_unanswered}
    assert answered["side effects"].passage.id == "common-side-effects"
    topics = (folder / "articles" / "uncovered-topics.txt").read_text().splitlines()
    line = topics.index("[side effects]") + 1
    assert answered["side effects"].where.endswith(f"articles/uncovered-topics.txt:{line}")
    assert "side effects" not in bot.ranker.active_topics
    ranking = bot.rank("what side effects do infusions have")
    assert ranking.answered and ranking.candidates[0].passage.id == "common-side-effects"


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("What are ketamine infusions?", "what-is-an-infusion"),
        ("how do ketamine infusions work", "glutamate-nmda"),
    ],
)
def test_a_heading_that_is_a_question_gets_the_first_passage_under_it(
    shipped_bot: Assistant, question: str, first: str
) -> None:
    ranking = shipped_bot.rank(question)
    assert ranking.answered and ranking.candidates[0].passage.id == first
