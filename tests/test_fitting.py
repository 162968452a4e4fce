"""Learning the ranker and coverage weights: across clinics, and adapted at load."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.assistant import Assistant, shared_cache
from bot.classifier import Words
from bot.evidence import PASSAGE_SIGNALS, QUESTION_SIGNALS, Evidence, Signals
from bot.fitting import Batch, adapt, fit_coverage, fit_ranker, knowledge_batches
from bot.knowledge import load_knowledge
from bot.ranking import MODEL_FILE, Linear, shipped_model


def _batch(rng: np.random.Generator, answered: bool = True) -> Batch:
    """Questions over five passages whose `t_whole` marks the right one (noisy otherwise)."""
    n, p = 60, 5
    passages = rng.random((n, p, len(PASSAGE_SIGNALS))) * 0.3
    target = rng.integers(0, p, n)
    passages[np.arange(n), target, PASSAGE_SIGNALS.index("t_whole")] += 0.6 if answered else 0
    question = np.zeros((n, len(QUESTION_SIGNALS)))
    return Batch(Signals(passages, question), target if answered else np.full(n, -1), 1.0)


def test_the_ranker_learns_which_signal_marks_the_right_passage() -> None:
    rng = np.random.default_rng(0)
    weights = fit_ranker([_batch(rng)], ["t_whole", "t_sent"])
    assert weights[0] > 1.0 > abs(weights[1])


def test_the_coverage_model_learns_the_best_passage_s_evidence_and_its_prior_pull() -> None:
    rng = np.random.default_rng(1)
    batches = [_batch(rng), _batch(rng, answered=False)]
    ranker = Linear(("t_whole",), np.array([5.0]))
    learned = fit_coverage(batches, ranker, ["top:t_whole"])
    assert learned.weights[0] > 0
    pulled = fit_coverage(batches, ranker, ["top:t_whole"], prior=learned, pull=1e6)
    assert pulled.weights[0] == pytest.approx(learned.weights[0], rel=1e-3)


def test_a_knowledge_with_few_example_questions_keeps_the_shipped_weights(
    tiny_knowledge: Path,
) -> None:
    knowledge = load_knowledge(tiny_knowledge)
    evidence = Evidence(knowledge, shared_cache(), Words.fit([e.text for e in knowledge.examples]))
    assert adapt(evidence, shipped_model()) is None


def test_the_shipped_knowledge_adapts_the_weights_to_its_examples(shipped_bot: Assistant) -> None:
    adapted = shipped_bot.ranker.model
    shipped = shipped_model()
    assert adapted is not shipped and shipped_bot.ranker.shipped is shipped
    assert adapted.ranker.inputs == shipped.ranker.inputs
    assert not np.allclose(adapted.ranker.weights, shipped.ranker.weights)


def test_a_knowledge_s_questions_are_asked_as_if_unseen_and_with_their_section_removed(
    shipped_bot: Assistant,
) -> None:
    evidence = shipped_bot.ranker.evidence
    batches = knowledge_batches(evidence, np.random.default_rng(0))
    normal, removed = batches[0], batches[1]
    staff = int((~evidence.example_is_line).sum())
    assert len(normal.target) == staff and (normal.target >= 0).all()
    assert (removed.target == -1).all() and removed.visible is not None
    own = normal.target
    assert not removed.visible[np.arange(staff), own].any()  # its own section is hidden
    # its own example is hidden: no question is its own closest example
    assert (normal.signals.column("ex_max")[np.arange(staff), own] < 0.9999).all()
    # in the vectors' own precision: a knowledge of 500 passages learns from arrays of every
    # question by every passage, and float64 took its first load over 600 MB
    assert normal.signals.passages.dtype == np.float32


def test_the_shipped_weights_are_what_the_training_script_learns_from_this_checkout() -> None:
    """bot/relevance.json must follow the code and the data it learns from (a change to
    either means running the script again), and learning must not depend on Python's hash
    seed (a set's order once changed the weights from run to run). What the vector cache
    holds moves the weights a little (`CHECK_TOLERANCE`): CI learns from an empty cache."""
    root = Path(__file__).resolve().parent.parent
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, str(root / "scripts" / "train_relevance.py"), "--check"],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_check_allows_numeric_noise_but_not_a_changed_weight_or_input() -> None:
    path = Path(__file__).resolve().parent.parent / "scripts" / "train_relevance.py"
    spec = importlib.util.spec_from_file_location("train_relevance", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    noisy, changed, renamed = (copy.deepcopy(shipped) for _ in range(3))
    noisy["coverage"]["weights"][0] += 0.012  # two vector caches differed this much at most
    changed["coverage"]["weights"][0] += 0.5
    renamed["ranker"]["inputs"][0] = "something else"
    assert script.close(shipped, shipped) and script.close(noisy, shipped)
    assert not script.close(changed, shipped)
    assert not script.close(renamed, shipped)
