"""Message vectors: sentences read apart and together, and the cache of knowledge vectors."""

from __future__ import annotations

import logging
import random
import string
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot import vectors as vectors_module
from bot.encoder import Encoder, Vectors
from bot.vectors import (
    MAX_MESSAGE_TOKENS,
    MAX_SENTENCES,
    VectorCache,
    combine,
    encode_message,
    split,
    within_budget,
)


class CountingEncoder:
    """Stands in for the encoder: counts the texts it is asked to encode."""

    dim = 4

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.encoded += texts
        rows = [[len(t), t.count("a"), 1.0, 0.0] for t in texts]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [[0] * (len(t.split()) + 2) for t in texts]


def cache(path: Path | None = None) -> tuple[VectorCache, CountingEncoder]:
    encoder = CountingEncoder()
    return VectorCache(encoder, path), encoder  # type: ignore[arg-type]


def test_split_undoes_disguises_then_splits_sentences() -> None:
    assert split("hi! how does it w\u200bork?") == ("hi!", "how does it work?")
    assert split("") == ("",)


def test_combine_weights_sentences_by_tokens_and_is_unit_length() -> None:
    parts = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    whole = combine(parts, [3, 1])
    assert whole == pytest.approx(np.array([3, 1]) / np.sqrt(10))


def test_cache_encodes_each_text_once(tmp_path: Path) -> None:
    vectors, encoder = cache()
    first = vectors.sentences(["alpha", "beta"])
    again = vectors.sentences(["beta", "alpha", "gamma"])
    assert encoder.encoded == ["alpha", "beta", "gamma"]
    assert np.array_equal(first[0], again[1])


def test_a_long_encoding_says_how_far_it_got_and_keeps_each_text_its_vector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(vectors_module, "PROGRESS_FROM", 5)
    texts = ["a" * n + "b" * (20 - n) for n in range(20)][::-1]
    vectors, _ = cache(tmp_path / "vectors.npz")
    with caplog.at_level(logging.INFO, logger="faqbot.vectors"):
        found = vectors.sentences(texts)
    said = [r.getMessage() for r in caplog.records]
    assert said[0].startswith("encoding 20 knowledge sentences (only once")
    assert said[1:] == [f"encoded {n} of 20 ({5 * n}%)" for n in range(2, 21, 2)]
    one_by_one, _ = cache()
    assert np.array_equal(found, np.stack([one_by_one.sentences([t])[0] for t in texts]))


def test_cache_file_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "vectors.npz"
    cache(path)[0].sentences(["alpha", "beta"])
    restarted, encoder = cache(path)
    restarted.sentences(["alpha", "beta"])
    assert path.is_file() and encoder.encoded == []


def test_vectors_not_asked_for_are_released_and_read_back_not_encoded(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    first, _ = cache(path)
    saved = first.sentences(["alpha", "beta", "gamma"])
    worker, encoder = cache(path)
    assert set(worker._vectors) == {VectorCache._key(t) for t in ("alpha", "beta", "gamma")}
    worker.sentences(["beta"])
    worker.release_unasked()
    assert set(worker._vectors) == {VectorCache._key("beta")}
    again = worker.sentences(["alpha", "gamma", "delta"])  # alpha and gamma from the file
    assert encoder.encoded == ["delta"]
    assert np.array_equal(again[0], saved[0]) and np.array_equal(again[1], saved[2])
    worker.release_unasked()
    assert len(worker._vectors) == 3
    worker.release_unasked()  # nothing asked since: nothing kept in memory, all in the file
    assert worker._vectors == {}
    restarted, encoder = cache(path)
    restarted.sentences(["alpha", "beta", "gamma", "delta"])
    assert encoder.encoded == []


def test_a_cache_without_a_file_releases_nothing() -> None:
    vectors, encoder = cache()
    vectors.sentences(["alpha", "beta"])
    vectors.release_unasked()
    vectors.release_unasked()  # nothing asked since: with a file, nothing would stay in memory
    vectors.sentences(["alpha", "beta"])
    assert encoder.encoded == ["alpha", "beta"]


def test_damaged_cache_file_is_rebuilt_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not a numpy file")
    vectors, encoder = cache(path)
    vectors.sentences(["alpha"])
    assert encoder.encoded == ["alpha"]
    assert cache(path)[0].sentences(["alpha"]).shape == (1, 4)


def test_unwritable_cache_keeps_vectors_in_memory(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")
    vectors, encoder = cache(blocked / "vectors.npz")
    vectors.sentences(["alpha"])
    vectors.sentences(["alpha"])
    assert encoder.encoded == ["alpha"]


def test_messages_read_each_sentence_and_the_whole(tmp_path: Path) -> None:
    vectors, _ = cache()
    (message,) = vectors.messages(["hi there. how does it work"])
    assert message.sentences == ("hi there.", "how does it work")
    assert message.parts.shape == (2, 4) and message.tokens == (4, 6)
    only = message.only([1])
    assert only.sentences == ("how does it work",)
    assert only.whole == pytest.approx(message.parts[1])


def test_wholes_are_the_messages_whole_vectors_a_row_each() -> None:
    vectors, _ = cache()
    texts = ["hi there. how does it work", "what does it cost", "a. b. c"]
    wholes = vectors.wholes(texts)
    assert wholes.shape == (3, 4)
    for row, message in zip(wholes, vectors.messages(texts), strict=True):
        assert row == pytest.approx(message.whole)
    assert vectors.wholes([]).shape == (0, 4)


def test_a_visitor_message_is_encoded_without_the_cache(encoder: Encoder) -> None:
    message = encode_message(encoder, "hi! what is bdnf?")
    assert message.sentences == ("hi!", "what is bdnf?")
    assert float(np.linalg.norm(message.whole)) == pytest.approx(1.0, abs=1e-5)
    alone = encoder.encode(["what is bdnf?"])[0]
    assert float(message.parts[1] @ alone) == pytest.approx(1.0, abs=1e-5)


def test_past_the_sentence_bound_the_rest_of_a_message_is_one_sentence() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(20))
    parts = split(text)
    assert len(parts) == MAX_SENTENCES and parts[0] == "Sentence number 0 is here."
    assert parts[-1].startswith(f"Sentence number {MAX_SENTENCES - 1} ")
    assert parts[-1].endswith("Sentence number 19 is here.")  # no word is dropped


def test_a_message_within_the_token_bound_is_left_alone() -> None:
    ids = [[101, 5, 6, 102], [101, 7, 102]]
    assert within_budget(ids, budget=7) is ids


def test_the_longest_sentences_are_cut_first_keeping_their_ends() -> None:
    short, long = [101, 1, 2, 102], [101, *range(10, 60), 102]
    cut = within_budget([short, long, short], budget=30)
    assert cut[0] == short and cut[2] == short
    assert cut[1] == [101, *range(10, 30), 102]  # its first tokens, then [SEP]
    assert sum(len(seq) for seq in cut) <= 30


def test_the_encoders_work_per_message_is_bounded(encoder: Encoder) -> None:
    rng = random.Random(1)
    noise = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(7)) for _ in range(62)
    )
    for text in (noise, ". ".join(noise.split()), "a. " * 166):
        message = encode_message(encoder, text[:500])
        assert sum(message.tokens) <= MAX_MESSAGE_TOKENS  # were 256, 428 and 668 tokens
        assert len(message.sentences) <= MAX_SENTENCES


def test_caches_sharing_a_file_keep_each_others_vectors(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    first, _ = cache(path)
    second, second_encoder = cache(path)  # another worker, started before the first saved
    first.sentences(["alpha"])
    second.sentences(["alpha", "beta"])  # takes alpha from the file, encodes only beta
    assert second_encoder.encoded == ["beta"]
    restarted, encoder = cache(path)
    restarted.sentences(["alpha", "beta"])
    assert encoder.encoded == []  # the file kept both


def test_workers_starting_together_encode_the_knowledge_once(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    workers = [cache(path) for _ in range(4)]
    texts = [f"sentence {i}" for i in range(50)]
    barrier = threading.Barrier(len(workers))

    def start(vectors: VectorCache) -> None:
        barrier.wait()
        vectors.sentences(texts)

    threads = [threading.Thread(target=start, args=(vectors,)) for vectors, _ in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(len(encoder.encoded) for _, encoder in workers) == len(texts)
