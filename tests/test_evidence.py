"""The evidence's signals: how a question compares with what each passage offers now."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.assistant import shared_cache
from bot.classifier import Words
from bot.evidence import PASSAGE_SIGNALS, QUESTION_SIGNALS, Evidence, Holdout
from bot.knowledge import load_knowledge


@pytest.fixture
def evidence(tiny_knowledge: Path) -> Evidence:
    knowledge = load_knowledge(tiny_knowledge)
    return Evidence(knowledge, shared_cache(), Words.fit([e.text for e in knowledge.examples]))


def _ask(evidence: Evidence, *texts: str, holdout: Holdout | None = None):  # type: ignore[no-untyped-def]
    vectors = np.stack([m.whole for m in shared_cache().messages(list(texts))])
    return evidence.signals(list(texts), vectors, holdout)


def _passage(evidence: Evidence, pid: str) -> int:
    return [p.id for p in evidence.passages].index(pid)


def test_signals_have_a_row_per_question_and_a_column_per_passage(evidence: Evidence) -> None:
    signals = _ask(evidence, "how does ketamine work", "what is ketamine")
    assert signals.passages.shape == (2, len(evidence.passages), len(PASSAGE_SIGNALS))
    assert signals.question.shape == (2, len(QUESTION_SIGNALS))
    assert np.all(signals.column("vote").sum(axis=1) == pytest.approx(1.0))


def test_a_question_equal_to_an_example_is_closest_to_its_passage(evidence: Evidence) -> None:
    signals = _ask(evidence, "what receptor does it block")
    nmda = _passage(evidence, "tiny-nmda")
    assert signals.column("ex_max")[0, nmda] == pytest.approx(1.0, abs=1e-5)
    assert np.argmax(signals.column("vote")[0]) == nmda


def test_hidden_examples_do_not_count(evidence: Evidence) -> None:
    text = "what receptor does it block"
    hidden = np.array([[t != text for t in evidence.example_texts]])
    nmda = _passage(evidence, "tiny-nmda")
    seen = _ask(evidence, text).column("ex_max")[0, nmda]
    unseen = _ask(evidence, text, holdout=Holdout(examples=hidden)).column("ex_max")[0, nmda]
    assert unseen < seen


def test_hidden_passages_score_nothing(evidence: Evidence) -> None:
    visible = np.ones((1, len(evidence.passages)), dtype=bool)
    visible[0, _passage(evidence, "tiny-nmda")] = False
    signals = _ask(evidence, "which receptor", holdout=Holdout(passages=visible))
    assert not signals.passages[0, _passage(evidence, "tiny-nmda")].any()


def test_richness_counts_example_questions_up_to_twenty(evidence: Evidence) -> None:
    richness = _ask(evidence, "anything").column("richness")[0]
    what = _passage(evidence, "tiny-what")  # one `?` line and four examples
    assert richness[what] == pytest.approx(5 / 20)


def test_the_lexical_share_is_the_part_of_the_question_a_passage_contains(
    evidence: Evidence,
) -> None:
    signals = _ask(evidence, "NMDA receptor glutamate")
    nmda = _passage(evidence, "tiny-nmda")
    assert signals.column("share")[0, nmda] == pytest.approx(1.0)
    assert signals.column("bm25")[0, nmda] == pytest.approx(1.0)
    novelty = signals.question[0, QUESTION_SIGNALS.index("novelty")]
    assert novelty == 0.0
    unknown = _ask(evidence, "zebrafish aquarium").question[0, QUESTION_SIGNALS.index("novelty")]
    assert unknown == 1.0


def test_unanswered_questions_are_read_apart_from_uncovered_topics(evidence: Evidence) -> None:
    def question(signal: str, text: str) -> float:
        return float(_ask(evidence, text).question[0, QUESTION_SIGNALS.index(signal)])

    assert question("has_topics", "hi") == 1.0
    assert question("topic_max", "will it make me sick") == pytest.approx(1.0, abs=1e-5)
    assert question("unanswered_max", "best pizza near me") == pytest.approx(1.0, abs=1e-5)


def test_leaving_out_unanswered_questions_keeps_the_others(evidence: Evidence) -> None:
    everything = evidence.all_unanswered
    keep = np.array([t != "best pizza near me" for t in everything.texts])
    fewer = evidence.with_unanswered(keep)
    assert "best pizza near me" not in fewer.unanswered.texts
    assert len(fewer.unanswered.texts) == len(everything.texts) - 1
    assert fewer.content is None and evidence.unanswered is everything


def test_the_content_model_needs_unanswered_questions(evidence: Evidence) -> None:
    none = np.zeros(len(evidence.all_unanswered.texts), dtype=bool)
    assert evidence.train_content(unanswered=none) is None
    words, model = evidence.train_content()  # type: ignore[misc]
    covered = evidence.with_content((words, model))
    signals = _ask(covered, "does ketamine block the nmda receptor", "best pizza near me")
    content = signals.question[:, QUESTION_SIGNALS.index("content")]
    assert content[0] > content[1]


def test_a_removed_passages_example_questions_count_as_unanswered(tmp_path: Path) -> None:
    """Staff removed the bipolar paragraph and left its block: what visitors asked it, no
    passage answers now."""
    from tests.conftest import TINY_EXAMPLES, write_knowledge

    questions = TINY_EXAMPLES["questions.txt"].replace("[tiny-bipolar]", "[tiny-removed]")
    knowledge = load_knowledge(write_knowledge(tmp_path / "k", examples_questions_txt=questions))
    evidence = Evidence(knowledge, shared_cache(), Words.fit([e.text for e in knowledge.examples]))
    u = evidence.all_unanswered
    removed = [i for i, t in enumerate(u.texts) if t == "what about manic depression"]
    assert len(removed) == 1
    assert u.group[removed[0]] == "passage tiny-removed, removed"
    assert u.topic[removed[0]] == "" and u.where[removed[0]].endswith("articles/questions.txt:20")
    assert "what about manic depression" not in evidence.example_texts
    assert "best pizza near me" in u.texts  # the no-answer examples still count
