"""Trained models kept between starts (`bot.models`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import models
from bot.assistant import Assistant, shared_cache
from bot.knowledge import load_knowledge
from bot.vectors import VectorCache
from tests.conftest import write_knowledge

QUESTIONS = ["how does ketamine work", "i want to die", "what does it cost", "hello"]


@pytest.fixture
def cache(tmp_path: Path) -> VectorCache:
    """The process's encoder with a vector cache (and so a models folder) of the test's own."""
    return VectorCache(shared_cache().encoder, tmp_path / "cache" / "vectors.npz")


def test_a_second_start_reads_the_saved_models_and_answers_the_same(
    tmp_path: Path, cache: VectorCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_knowledge(tmp_path / "k")
    first = Assistant.from_folder(folder, cache)
    (saved,) = (tmp_path / "cache").glob("models-*.npz")

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained again")

    monkeypatch.setattr("bot.classifier.fit", no_training)
    monkeypatch.setattr("bot.evidence.fit", no_training)  # the ranker's content model
    monkeypatch.setattr("bot.assistant.adapt", no_training)  # the ranker's weights
    second = Assistant.from_folder(folder, cache)
    for q in QUESTIONS:
        a, b = first.ask(q), second.ask(q)
        assert a.to_dict() == b.to_dict()
        assert first.read(q)[0].reading == second.read(q)[0].reading
    assert saved.exists()


def test_changed_knowledge_trains_again(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    knowledge = load_knowledge(folder)
    key = models.training_key(knowledge)
    examples = folder / "examples" / "smalltalk.txt"
    before = examples.read_text()
    examples.write_text(before + "good evening to you\n")
    assert models.training_key(load_knowledge(folder)) != key
    examples.write_text(before)
    assert models.training_key(load_knowledge(folder)) == key


def test_a_damaged_file_is_trained_again_and_replaced(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    Assistant.from_folder(folder, cache)
    (saved,) = (tmp_path / "cache").glob("models-*.npz")
    saved.write_bytes(b"not a numpy file")
    assert models.load(saved) is None
    bot = Assistant.from_folder(folder, cache)
    assert bot.ask("how does ketamine work").kind == "answer"
    assert models.load(saved) is not None


def test_only_the_newest_files_are_kept(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    bot = Assistant.from_folder(folder, cache)
    trained = models.Trained(
        bot.classifier.words, bot.classifier.model, bot.ranker.evidence.content, bot.ranker.model
    )
    for i in range(models.KEPT + 3):
        models.save(tmp_path / "cache" / f"models-{i:032d}.npz", trained)
    kept = sorted(p.name for p in (tmp_path / "cache").glob("models-*.npz"))
    assert len(kept) == models.KEPT
    assert f"models-{models.KEPT + 2:032d}.npz" in kept


def test_nothing_a_visitor_types_is_saved(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    bot = Assistant.from_folder(folder, cache)
    bot.ask("my name is Zebulon Quillfeather, what does it cost")
    Assistant.from_folder(folder, cache)
    for saved in (tmp_path / "cache").glob("*.npz"):
        with np.load(saved, allow_pickle=False) as data:
            for name in data.files:
                if data[name].dtype.kind == "U":
                    assert not any("zebulon" in str(v).lower() for v in data[name].ravel())
