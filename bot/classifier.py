"""What kind of message this is, learned from the reviewed examples: crisis, a request for
medical advice, small talk, or a question for retrieval.

One linear model (scikit-learn's logistic regression, one-vs-rest) reads two views of a message:
its sentence vector (`bot.vectors`) and its words and word pairs (TF-IDF). The vector carries
meaning across wordings; the words carry what a mean of a long message dilutes, such as a short
crisis sentence inside a treatment question. docs/understanding.md gives the measurements behind
this choice. It is trained when the knowledge loads, in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from bot.encoder import Vectors
from bot.examples import Example, ExampleKind
from bot.normalize import clean
from bot.vectors import MessageVectors

MessageKind = Literal["crisis", "medical_advice", "smalltalk", "question"]
MESSAGE_KINDS: tuple[MessageKind, ...] = ("crisis", "medical_advice", "smalltalk", "question")
# What each kind of example teaches the classifier. Hard negatives (not-crisis) are mostly
# questions; what matters is that they are not crisis.
TEACHES: dict[ExampleKind, MessageKind] = {
    "crisis": "crisis",
    "not_crisis": "question",
    "medical_advice": "medical_advice",
    "smalltalk": "smalltalk",
    "no_answer": "question",
    "passage": "question",
    "topic": "question",
}
REGULARIZATION = 30.0  # scikit-learn's C; chosen by cross-validation (docs/understanding.md)


def words_of(text: str) -> str:
    """The text the word view reads: disguises undone, lower case."""
    return clean(text).lower()


@dataclass(frozen=True)
class KindScores:
    """The classifier's probability of each kind, for one message or sentence (one-vs-rest:
    they need not sum to 1)."""

    crisis: float
    medical_advice: float
    smalltalk: float
    question: float

    def likeliest(self) -> MessageKind:
        """The most probable kind other than crisis (crisis has a threshold of its own)."""
        others: dict[MessageKind, float] = {
            "medical_advice": self.medical_advice,
            "smalltalk": self.smalltalk,
            "question": self.question,
        }
        return max(others, key=lambda kind: others[kind])


@dataclass(frozen=True)
class Reading:
    """The classifier's view of a message as a whole and of each of its sentences."""

    whole: KindScores
    sentences: tuple[KindScores, ...]


class Words:
    """The word view: TF-IDF of words and word pairs, fitted on the examples' texts."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        )
        self.matrix: csr_matrix = self._vectorizer.fit_transform([words_of(t) for t in texts])

    def of(self, texts: Sequence[str]) -> csr_matrix:
        """TF-IDF rows (unit length) of texts."""
        return self._vectorizer.transform([words_of(t) for t in texts])


class MessageClassifier:
    """Reads a message's kind; trained from examples when the knowledge loads."""

    def __init__(
        self, examples: Sequence[Example], vectors: Sequence[MessageVectors], words: Words
    ) -> None:
        self.words = words
        labels = [TEACHES[e.kind] for e in examples]
        features = self._features(words.matrix, np.stack([v.whole for v in vectors]))
        model = LogisticRegression(
            C=REGULARIZATION, solver="liblinear", dual=True, tol=1e-2, random_state=0
        )
        self._model = OneVsRestClassifier(model).fit(features, labels)
        self._columns = [list(self._model.classes_).index(k) for k in MESSAGE_KINDS]

    @staticmethod
    def _features(words: csr_matrix, vectors: Vectors) -> csr_matrix:
        return hstack([words, csr_matrix(vectors)], format="csr")

    def read(self, text: str, message: MessageVectors) -> Reading:
        """Scores for the message as a whole and for each sentence (when there are several)."""
        texts = [text] if len(message.sentences) < 2 else [text, *message.sentences]
        vectors = (
            message.whole[None] if len(texts) == 1 else np.vstack([message.whole, message.parts])
        )
        probabilities = self._model.predict_proba(self._features(self.words.of(texts), vectors))
        scores = [KindScores(*(float(row[c]) for c in self._columns)) for row in probabilities]
        return Reading(scores[0], tuple(scores[1:]))
