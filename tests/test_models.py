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
    saved = sorted(models.saved_files(tmp_path / "cache"))
    assert [p.name.split("-")[0] for p in saved] == ["adapted", "classifier", "ranker"]

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
    assert all(p.exists() for p in saved)


def _keys(folder: Path) -> tuple[str, str, str]:
    knowledge = load_knowledge(folder)
    return (
        models.classifier_key(knowledge),
        models.ranker_key(knowledge),
        models.adapted_key(knowledge),
    )


def test_an_example_edited_trains_every_part_again(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    before = _keys(folder)
    examples = folder / "examples" / "no-answer.txt"
    text = examples.read_text()
    examples.write_text(text + "do you sell gift cards\n")
    assert all(a != b for a, b in zip(_keys(folder), before, strict=True))
    examples.write_text(text)
    assert _keys(folder) == before


def test_a_passage_without_examples_edited_trains_only_the_ranker_again(tmp_path: Path) -> None:
    """tiny-bipolar has no `?` line and no example question of its own."""
    folder = write_knowledge(tmp_path / "k", examples_questions_txt="[tiny-what]\nwhat is it\n")
    classifier, ranker, adapted = _keys(folder)
    article = folder / "articles" / "tiny.md"
    article.write_text(article.read_text().replace("being studied", "being researched"))
    assert _keys(folder) == (classifier, _keys(folder)[1], adapted)
    assert _keys(folder)[1] != ranker


def test_a_damaged_file_is_trained_again_and_replaced(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    Assistant.from_folder(folder, cache)
    knowledge = load_knowledge(folder)
    (saved,) = (tmp_path / "cache").glob("classifier-*.npz")
    saved.write_bytes(b"not a numpy file")
    assert models.load_classifier(tmp_path / "cache", knowledge) is None
    bot = Assistant.from_folder(folder, cache)
    assert bot.ask("how does ketamine work").kind == "answer"
    assert models.load_classifier(tmp_path / "cache", knowledge) is not None


def test_only_the_newest_files_are_kept(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    bot = Assistant.from_folder(folder, cache)
    learned = models.Classifier(bot.classifier.words, bot.classifier.model)
    for i in range(models.KEPT + 3):
        edited = write_knowledge(tmp_path / f"k{i}", examples_smalltalk_txt=f"hi\nhello {i}\n" * 3)
        models.save_classifier(tmp_path / "cache", load_knowledge(edited), learned)
    kept = list((tmp_path / "cache").glob("classifier-*.npz"))
    assert len(kept) == models.KEPT
    assert len(list((tmp_path / "cache").glob("ranker-*.npz"))) == 1  # each part apart


def test_nothing_a_visitor_types_is_saved(tmp_path: Path, cache: VectorCache) -> None:
    folder = write_knowledge(tmp_path / "k")
    bot = Assistant.from_folder(folder, cache)
    bot.ask("my name is Zebulon Quillfeather, what does it cost")
    Assistant.from_folder(folder, cache)
    for saved in models.saved_files(tmp_path / "cache"):
        with np.load(saved, allow_pickle=False) as data:
            for name in data.files:
                if data[name].dtype.kind == "U":
                    assert not any("zebulon" in str(v).lower() for v in data[name].ravel())
