"""Sentence vectors of messages, and a cache of the knowledge's own vectors.

A message is read sentence by sentence as well as whole: each sentence is encoded on its own,
and the whole message's vector is the token-weighted mean of its sentences' vectors (the mean
pooling the model does, taken over each sentence's tokens), so one pass over the message's
tokens gives both. Examples and visitors' messages go through the same steps.

The encoder's work per message is bounded (a message is at most 500 characters, but 500
characters of random letters or of one-word sentences make many more tokens than a question
does): past MAX_SENTENCES, the rest of a message is read as one last sentence, and a message's
sentences are cut to MAX_MESSAGE_TOKENS tokens in all, the longest first. The evaluation sets'
messages are far inside both bounds; every word still reaches the word features and the rules.

`VectorCache` keeps the vectors of knowledge texts (example messages, passages) by a hash of
their text, in memory for the process and in a file, so a reload or a restart encodes only
texts it has not seen. Processes sharing the file (a server's workers) encode one at a time,
under a lock on a file beside it, each first taking what the others saved: workers starting
together on a new knowledge version encode it once, and none overwrites another's vectors. It is
never given what a visitor typed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.encoder import MODEL_SHA256, Encoder, Vectors, default_cache_dir
from bot.memory import give_back
from bot.normalize import clean, sentences

log = logging.getLogger("faqbot.vectors")
PROGRESS_FROM = 500  # sentences to encode at once from which progress is logged
PROGRESS_STEPS = 10
MAX_CACHED = 50_000  # vectors kept in the cache file (~75 MB); older ones are dropped
MAX_SENTENCES = 8  # the evaluation sets' messages have 5 at most
MAX_MESSAGE_TOKENS = 160  # theirs have 101 at most; 500 characters of English make ~130


@dataclass(frozen=True)
class MessageVectors:
    """A message's vector as a whole (`whole`, unit length) and each sentence's (`parts`)."""

    whole: Vectors
    parts: Vectors
    sentences: tuple[str, ...]
    tokens: tuple[int, ...]  # each sentence's number of tokens

    def only(self, keep: Sequence[int]) -> MessageVectors:
        """The message made of some of its sentences (in order)."""
        parts = self.parts[list(keep)]
        tokens = tuple(self.tokens[i] for i in keep)
        return MessageVectors(
            combine(parts, tokens), parts, tuple(self.sentences[i] for i in keep), tokens
        )


def split(text: str) -> tuple[str, ...]:
    """The sentences of a message after its disguises are undone (`bot.normalize`); past
    MAX_SENTENCES, the rest of the message is the last one."""
    parts = tuple(sentences(clean(text))) or ("",)
    if len(parts) > MAX_SENTENCES:
        parts = (*parts[: MAX_SENTENCES - 1], " ".join(parts[MAX_SENTENCES - 1 :]))
    return parts


def within_budget(ids: list[list[int]], budget: int = MAX_MESSAGE_TOKENS) -> list[list[int]]:
    """A message's sentences' token ids cut to `budget` tokens in all: every sentence longer
    than a common length is cut to it (its first tokens and its closing [SEP] kept), the
    common length being the largest that fits. The same lists when they fit already."""
    if sum(len(seq) for seq in ids) <= budget:
        return ids
    cap = max(len(seq) for seq in ids)
    while cap > 2 and sum(min(len(seq), cap) for seq in ids) > budget:
        cap -= 1
    return [seq if len(seq) <= cap else [*seq[: cap - 1], seq[-1]] for seq in ids]


def combine(parts: Vectors, weights: Sequence[int]) -> Vectors:
    """One unit vector from sentence vectors, each weighted by its number of tokens."""
    total = np.asarray(weights, dtype=np.float32) @ parts
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else total


class VectorCache:
    """Sentence vectors of knowledge texts, encoded once per process and kept in `path`."""

    def __init__(self, encoder: Encoder, path: Path | None = None) -> None:
        self.encoder = encoder
        self.path = path
        self._vectors: dict[str, Vectors] = {}
        self._asked: set[str] = set()  # keys asked for since `release_unasked`
        self._lock = threading.Lock()
        if path is not None:
            self._read(path)

    @staticmethod
    def default_path() -> Path:
        """`vectors-<model>.npz` in `bot.encoder.default_cache_dir()`."""
        return default_cache_dir() / f"vectors-{MODEL_SHA256[:12]}.npz"

    def _read(self, path: Path) -> None:
        """Add the vectors saved in `path` to those in memory."""
        try:
            with np.load(path) as data:
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            return
        except Exception as exc:  # a damaged cache is rebuilt, never fatal
            log.warning("ignoring the vector cache %s (%s); it will be rebuilt", path, exc)
            return
        if vectors.ndim == 2 and vectors.shape[1] == self.encoder.dim:
            saved = dict(zip(keys.tolist(), vectors.astype(np.float32), strict=True))
            self._vectors = saved | self._vectors

    @contextmanager
    def _shared(self) -> Iterator[None]:
        """Hold the lock of the cache file (taken by one process at a time), then read what
        other processes saved meanwhile. Without a cache file, or when the lock file cannot be
        made, the process goes on alone."""
        if self.path is None:
            yield
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115 (with below)
        except OSError:
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            self._read(self.path)
            yield

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def sentences(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors of sentences (knowledge texts only), encoding those not cached."""
        keys = [self._key(t) for t in texts]
        with self._lock:
            self._asked.update(keys)
            if any(k not in self._vectors for k in keys):
                with self._shared():
                    missing = {
                        k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors
                    }
                    if missing:
                        self._vectors.update(zip(missing, self._encode(missing), strict=True))
                        self._save()
            if not keys:
                return np.zeros((0, self.encoder.dim), dtype=np.float32)
            return np.stack([self._vectors[k] for k in keys])

    def _encode(self, missing: dict[str, str]) -> Vectors:
        """Encode the texts of `missing`, saying how far it got: a first start encodes
        thousands of example sentences, which takes a while (a restart finds them cached)."""
        texts = list(missing.values())
        if len(texts) < PROGRESS_FROM:
            log.info("encoding %d new knowledge sentences", len(texts))
            return self.encoder.encode(texts)
        log.info(
            "encoding %d knowledge sentences (only once: later starts find them in %s)",
            len(texts),
            self.path or "memory",
        )
        # In portions of texts of like length (as the encoder batches them), to say how far.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.encoder.dim), dtype=np.float32)
        step = max(1, -(-len(texts) // PROGRESS_STEPS))
        for start in range(0, len(order), step):
            portion = order[start : start + step]
            out[portion] = self.encoder.encode([texts[i] for i in portion])
            done = start + len(portion)
            log.info("encoded %d of %d (%d%%)", done, len(texts), 100 * done // len(texts))
        give_back()  # the encoder's working memory for thousands of sentences
        return out

    def messages(self, texts: Sequence[str]) -> list[MessageVectors]:
        """`MessageVectors` of knowledge messages (examples), from cached sentence vectors; a
        message over MAX_MESSAGE_TOKENS is encoded as `encode_message` would (not cached)."""
        split_texts = [split(t) for t in texts]
        flat = [s for parts in split_texts for s in parts]
        vectors = self.sentences(flat)
        ids = self.encoder.token_ids(flat)
        out: list[MessageVectors] = []
        start = 0
        for parts in split_texts:
            end = start + len(parts)
            bounded = within_budget(ids[start:end])
            tokens = tuple(len(seq) for seq in bounded)
            found = vectors[start:end] if bounded == ids[start:end] else None
            if found is None:
                found = self.encoder.encode_ids(bounded)
            out.append(MessageVectors(combine(found, tokens), found, parts, tokens))
            start = end
        return out

    def wholes(self, texts: Sequence[str]) -> Vectors:
        """The vector of each knowledge message as a whole (a row each): what `messages` gives
        as `.whole`, without keeping its sentences' vectors."""
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([m.whole for m in self.messages(texts)])

    def release_unasked(self) -> None:
        """Keep in memory only the vectors asked for since the last call; the file keeps them
        all, and a text asked for again is read back from it (not encoded). Called once a
        knowledge version is built: a worker then holds its own knowledge's vectors, not those
        of every example the classifier learned from (restored, it needs none) or of texts an
        earlier version had (with 13,000 examples, 60 MB of 377 in a serve worker)."""
        with self._lock:
            if self.path is None or not self.path.is_file():  # nothing to read them back from
                self._asked = set()
                return
            keys = [k for k in self._vectors if k in self._asked]
            kept = (
                np.stack([self._vectors[k] for k in keys])
                if keys
                else np.zeros((0, self.encoder.dim), dtype=np.float32)
            )
            self._vectors = dict(zip(keys, kept, strict=True))  # rows of one new block
            self._asked = set()
        give_back()

    def _save(self) -> None:
        if self.path is None:
            return
        keys = list(self._vectors)[-MAX_CACHED:]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=self.path.parent, prefix=".vectors-", suffix=".npz", delete=False
            ) as f:
                np.savez(f, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
            os.replace(f.name, self.path)
        except OSError as exc:
            log.warning(
                "cannot write the vector cache %s (%s); vectors stay in memory", self.path, exc
            )


def encode_message(encoder: Encoder, text: str) -> MessageVectors:
    """A visitor's message as `MessageVectors`; nothing about it is kept."""
    parts = split(text)
    ids = within_budget(encoder.token_ids(parts))
    tokens = tuple(len(seq) for seq in ids)
    vectors = encoder.encode_ids(ids)
    return MessageVectors(combine(vectors, tokens), vectors, parts, tokens)
