"""What kind of message this is, learned from the reviewed examples: crisis, a request for
medical advice, small talk, or a question for retrieval.

One linear model (scikit-learn's logistic regression, one-vs-rest) reads two views of a message:
its sentence vector (`bot.vectors`) and its words and word pairs (TF-IDF). The vector carries
meaning across wordings; the words carry what a mean of a long message dilutes, such as a short
crisis sentence inside a treatment question. docs/understanding.md gives the measurements behind
this choice. It is trained when a knowledge version first loads (8-10 s on the shipped 16,000
examples, `benchmarks/latency.py`), and kept between starts (`bot/models.py`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

if TYPE_CHECKING:  # scikit-learn is imported only to train (1.3 s), not to answer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

from bot.encoder import Vectors
from bot.examples import Example, ExampleKind
from bot.memory import give_back
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
# The vector view is scaled by this before fitting (and its weights by it after), so that its
# weights are held four times as strongly as the words': fitted as freely as the words, the
# vector read ordinary questions as crisis for their shape alone ("whats ur policy if i need to
# cancel last minute" 0.69, "how many times a week would i be coming in for the spray" 0.56).
VECTOR_WEIGHT = 0.5
_TOKEN = re.compile(r"(?u)\b\w+\b")  # scikit-learn's token pattern, as the word view used it
_NUMBER = re.compile(r"\d+")
Arrays = Mapping[str, npt.NDArray[Any]]


def words_of(text: str) -> str:
    """The text the word view reads: disguises undone, lower case, every number read as "0"
    (a number's value teaches nothing that holds: "3" was a crisis word only because screening
    answers in the crisis examples are numbers)."""
    return _NUMBER.sub("0", clean(text).lower())


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


def terms(text: str) -> list[str]:
    """The words and word pairs of a text (lower-cased), as scikit-learn's analyzer gives them
    for `ngram_range=(1, 2)` (tested)."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


class Words:
    """The word view: TF-IDF of words and word pairs, fitted on the examples' texts."""

    def __init__(self, columns: dict[str, int], idf: npt.NDArray[np.float64], matrix: csr_matrix):
        self._columns = columns
        self._idf = idf
        self.matrix = matrix  # the fitted texts' rows

    @classmethod
    def fit(cls, texts: Sequence[str]) -> Words:
        """Fitted on texts with scikit-learn's TfidfVectorizer."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, token_pattern=_TOKEN.pattern
        )
        matrix = vectorizer.fit_transform([words_of(t) for t in texts])
        return cls(dict(vectorizer.vocabulary_), vectorizer.idf_, matrix)

    def state(self) -> dict[str, npt.NDArray[Any]]:
        """Arrays to save (`restore` reads them back)."""
        vocabulary = np.empty(len(self._columns), dtype=object)
        for term, column in self._columns.items():
            vocabulary[column] = term
        return {
            "vocabulary": vocabulary.astype(str),
            "idf": self._idf,
            "data": self.matrix.data,
            "indices": self.matrix.indices,
            "indptr": self.matrix.indptr,
            "shape": np.array(self.matrix.shape),
        }

    @classmethod
    def restore(cls, state: Arrays) -> Words:
        matrix = csr_matrix(
            (state["data"], state["indices"], state["indptr"]), shape=tuple(state["shape"])
        )
        columns = {str(term): i for i, term in enumerate(state["vocabulary"])}
        return cls(columns, np.asarray(state["idf"]), matrix)

    def of(self, texts: Sequence[str]) -> csr_matrix:
        """TF-IDF rows (unit length) of texts, as the fitted vectorizer's `transform` gives them
        (tested), without its per-call checks: a question reads a few texts each time."""
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for text in texts:
            counts = Counter(t for t in terms(words_of(text)) if t in self._columns)
            columns = sorted(self._columns[t] for t in counts)
            by_column = {self._columns[t]: n for t, n in counts.items()}
            weights = np.array([(1 + math.log(by_column[c])) * self._idf[c] for c in columns])
            norm = float(np.linalg.norm(weights)) if len(weights) else 0.0
            data += list(weights / norm) if norm else []
            indices += columns if norm else []
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(texts), len(self._idf)))


class LinearModel:
    """A logistic regression (binary, or one-vs-rest over several classes) over the two views of
    a message, its words and its vector, applied with numpy: scikit-learn's `predict_proba`
    checks its input on every call and for every class, which cost more than the sentence
    encoder on each question. Same probabilities (tested)."""

    def __init__(
        self,
        classes: list[Any],
        one_vs_rest: bool,
        weights: npt.NDArray[np.float64],
        bias: npt.NDArray[np.float64],
        word_columns: int,
    ) -> None:
        """`weights` has a row per feature (the words' columns, then the vector's), a column
        per model."""
        self.classes = classes
        self._one_vs_rest = one_vs_rest
        self._weights = weights
        self._bias = bias
        self._word_columns = word_columns
        self._on_words = csr_matrix(weights[:word_columns])
        self._on_vector = np.ascontiguousarray(weights[word_columns:])

    @classmethod
    def of(
        cls,
        fitted: LogisticRegression | OneVsRestClassifier,
        word_columns: int,
        vector_weight: float = 1.0,
    ) -> LinearModel:
        """The numpy form of a fitted scikit-learn model (fitted on vectors times
        `vector_weight`: their weights are scaled to read unscaled vectors)."""
        from sklearn.multiclass import OneVsRestClassifier

        classes = list(fitted.classes_)
        one_vs_rest = isinstance(fitted, OneVsRestClassifier)
        if one_vs_rest:
            weights = np.vstack([e.coef_ for e in fitted.estimators_]).T
            bias = np.concatenate([e.intercept_ for e in fitted.estimators_])
        else:
            weights, bias = fitted.coef_.T.copy(), fitted.intercept_
        weights[word_columns:] *= vector_weight
        return cls(classes, one_vs_rest, weights, bias, word_columns)

    def state(self) -> dict[str, npt.NDArray[Any]]:
        """Arrays to save (`restore` reads them back)."""
        return {
            "classes": np.array(self.classes),
            "one_vs_rest": np.array(self._one_vs_rest),
            "weights": self._weights,
            "bias": self._bias,
            "word_columns": np.array(self._word_columns),
        }

    @classmethod
    def restore(cls, state: Arrays) -> LinearModel:
        return cls(
            state["classes"].tolist(),
            bool(state["one_vs_rest"]),
            np.asarray(state["weights"]),
            np.asarray(state["bias"]),
            int(state["word_columns"]),
        )

    def probabilities(self, words: csr_matrix, vectors: Vectors) -> npt.NDArray[np.float64]:
        """Rows of class probabilities, columns in the order of `classes`."""
        scores = (words @ self._on_words).toarray() + vectors @ self._on_vector + self._bias
        positive = 1.0 / (1.0 + np.exp(-scores))
        if not self._one_vs_rest:
            return np.hstack([1.0 - positive, positive])
        total = positive.sum(axis=1, keepdims=True)
        return positive / np.where(total > 0, total, 1.0)  # type: ignore[no-any-return]


def fit(
    words: csr_matrix,
    vectors: Vectors,
    labels: Sequence[object] | npt.NDArray[Any],
    regularization: float,
    each_class: bool,
    vector_weight: float = 1.0,
) -> LinearModel:
    """A logistic regression over words and vectors, fitted with liblinear (one-vs-rest when
    `each_class`); the vectors count `vector_weight` times as much as the words while fitting
    (below 1, their weights are held more strongly) and are read unscaled after."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    model = LogisticRegression(
        C=regularization,
        solver="liblinear",
        dual=True,  # fast on many more features than examples
        tol=1e-2,
        random_state=0,
    )
    # liblinear may stop at its iteration limit on examples that contradict each other (a
    # message taught as crisis and a near copy as not); the fit it reached is still used, and
    # the safety gate (`bot.canaries`) judges whether it is good enough.
    examples = side_by_side(words, vectors, vector_weight)
    give_back()  # what encoding the examples freed: liblinear's copy comes on top of it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = (OneVsRestClassifier(model) if each_class else model).fit(examples, labels)
    del examples
    give_back()  # liblinear's copy of the examples, about twice their size
    return LinearModel.of(fitted, words.shape[1], vector_weight)


def side_by_side(words: csr_matrix, vectors: Vectors, vector_weight: float) -> csr_matrix:
    """Each row's words, then its vector times `vector_weight`, as one matrix (float64, as
    liblinear reads it). Written in place: scipy's `hstack` goes through copies of both parts,
    which on 12,700 examples took 100 MB more than the result (docs/performance.md)."""
    rows, dim = vectors.shape
    counts = np.diff(words.indptr) + dim
    total = int(counts.sum())
    index = np.int32 if total < 2**31 else np.int64
    indptr = np.zeros(rows + 1, dtype=index)
    np.cumsum(counts, out=indptr[1:])
    data = np.empty(total, dtype=np.float64)
    indices = np.empty(total, dtype=index)
    vector_columns = np.arange(words.shape[1], words.shape[1] + dim, dtype=index)
    for row in range(rows):
        start, end = words.indptr[row], words.indptr[row + 1]
        at = indptr[row]
        middle = at + end - start
        data[at:middle] = words.data[start:end]
        indices[at:middle] = words.indices[start:end]
        data[middle : indptr[row + 1]] = vectors[row] * vector_weight
        indices[middle : indptr[row + 1]] = vector_columns
    return csr_matrix((data, indices, indptr), shape=(rows, words.shape[1] + dim))


class MessageClassifier:
    """Reads a message's kind; trained from examples when the knowledge loads."""

    def __init__(self, words: Words, model: LinearModel) -> None:
        self.words = words
        self.model = model
        self._columns = [model.classes.index(k) for k in MESSAGE_KINDS]

    @classmethod
    def train(cls, examples: Sequence[Example], whole: Vectors, words: Words) -> MessageClassifier:
        """Trained on the examples, given each one's vector as a whole (a row of `whole`, as
        `VectorCache.wholes` gives them) and the word view fitted on their texts."""
        labels = [TEACHES[e.kind] for e in examples]
        model = fit(words.matrix, whole, labels, REGULARIZATION, True, VECTOR_WEIGHT)
        return cls(words, model)

    def read(self, text: str, message: MessageVectors) -> Reading:
        """Scores for the message as a whole and for each sentence (when there are several)."""
        texts = [text] if len(message.sentences) < 2 else [text, *message.sentences]
        vectors = (
            message.whole[None] if len(texts) == 1 else np.vstack([message.whole, message.parts])
        )
        probabilities = self.model.probabilities(self.words.of(texts), vectors)
        scores = [KindScores(*(float(row[c]) for c in self._columns)) for row in probabilities]
        return Reading(scores[0], tuple(scores[1:]))
