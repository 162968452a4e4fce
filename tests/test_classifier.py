"""The message classifier: trained from examples, it reads kinds of messages."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix, hstack

from bot.assistant import shared_cache
from bot.classifier import KindScores, MessageClassifier, Words, side_by_side, words_of
from bot.knowledge import load_knowledge
from bot.vectors import encode_message


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> MessageClassifier:
    from tests.conftest import write_knowledge

    knowledge = load_knowledge(write_knowledge(tmp_path_factory.mktemp("k") / "k"))
    examples = knowledge.examples
    whole = shared_cache().wholes([e.text for e in examples])
    return MessageClassifier.train(examples, whole, Words.fit([e.text for e in examples]))


def read(classifier: MessageClassifier, text: str) -> KindScores:
    return classifier.read(text, encode_message(shared_cache().encoder, text)).whole


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("i want to kill myself", "crisis"),
        ("hello there!", "smalltalk"),
        ("can i stop my zoloft", "medical_advice"),
        ("how does ketamine work", "question"),
    ],
)
def test_learns_each_kind_from_a_few_examples(
    classifier: MessageClassifier, text: str, kind: str
) -> None:
    scores = read(classifier, text)
    best = max(
        ("crisis", "medical_advice", "smalltalk", "question"), key=lambda k: getattr(scores, k)
    )
    assert best == kind


def test_likeliest_leaves_crisis_to_its_own_threshold() -> None:
    scores = KindScores(crisis=0.9, medical_advice=0.1, smalltalk=0.2, question=0.3)
    assert scores.likeliest() == "question"


def test_sentences_are_read_only_when_there_are_several(classifier: MessageClassifier) -> None:
    cache = shared_cache()
    one = classifier.read("what is ketamine", encode_message(cache.encoder, "what is ketamine"))
    two_text = "hello there! what is ketamine?"
    two = classifier.read(two_text, encode_message(cache.encoder, two_text))
    assert one.sentences == () and len(two.sentences) == 2
    assert two.sentences[0].likeliest() == "smalltalk"


def test_word_view_reads_text_with_disguises_undone() -> None:
    assert words_of("K\u200bILL mуself") == "kill myself"


def test_linear_model_gives_scikit_learns_probabilities() -> None:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from bot.classifier import LinearModel

    rng = np.random.default_rng(0)
    words, vectors = csr_matrix(rng.normal(size=(60, 3))), rng.normal(size=(60, 2))
    features = csr_matrix(np.hstack([words.toarray(), vectors]))
    labels = rng.integers(0, 3, size=60)
    for fitted in (
        OneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(features, labels),
        LogisticRegression(solver="liblinear").fit(features, labels == 1),
    ):
        ours = LinearModel.of(fitted, word_columns=3).probabilities(words, vectors)
        assert ours == pytest.approx(fitted.predict_proba(features), abs=1e-12)


def test_a_vector_weight_is_fitted_on_scaled_vectors_and_read_on_plain_ones() -> None:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from bot.classifier import LinearModel, fit

    rng = np.random.default_rng(1)
    words, vectors = csr_matrix(rng.normal(size=(80, 3))), rng.normal(size=(80, 2))
    labels = rng.integers(0, 3, size=80)
    scaled = csr_matrix(np.hstack([words.toarray(), vectors * 0.5]))
    fitted = OneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(scaled, labels)
    ours = LinearModel.of(fitted, word_columns=3, vector_weight=0.5)
    assert ours.probabilities(words, vectors) == pytest.approx(
        fitted.predict_proba(scaled), abs=1e-12
    )
    # Held more strongly, the vector's weights come out smaller than fitted freely.
    free = fit(words, vectors, labels, 1.0, each_class=True)
    held = fit(words, vectors, labels, 1.0, each_class=True, vector_weight=0.5)
    assert np.abs(held.state()["weights"][3:]).sum() < np.abs(free.state()["weights"][3:]).sum()


def test_word_view_gives_the_vectorizers_rows() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["how does ketamine work", "what is the nmda receptor", "ketamine and nmda"]
    words = Words.fit(texts)
    reference = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
    ).fit([words_of(t) for t in texts])
    asked = ["How does the NMDA receptor work? nmda nmda", "", "zebras"]
    expected = reference.transform([words_of(t) for t in asked]).toarray()
    assert words.of(asked).toarray() == pytest.approx(expected, abs=1e-12)


def test_a_saved_and_restored_word_view_and_model_give_the_same_rows_and_probabilities() -> None:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from bot.classifier import LinearModel

    texts = ["how does ketamine work", "what is the nmda receptor", "ketamine and nmda"]
    words = Words.fit(texts)
    restored = Words.restore(words.state())
    asked = ["How does the NMDA receptor work?", "zebras"]
    assert (restored.of(asked) != words.of(asked)).nnz == 0
    assert (restored.matrix != words.matrix).nnz == 0
    rng = np.random.default_rng(0)
    features = csr_matrix(rng.normal(size=(30, 5)))
    labels = rng.choice(["crisis", "question", "smalltalk"], size=30)
    model = LinearModel.of(
        OneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(features, labels), 3
    )
    again = LinearModel.restore(model.state())
    assert again.classes == model.classes == ["crisis", "question", "smalltalk"]
    vectors = features[:, 3:].toarray()
    assert (
        again.probabilities(features[:, :3], vectors)
        == model.probabilities(features[:, :3], vectors)
    ).all()


def test_words_and_vectors_side_by_side_are_scipys_hstack() -> None:
    rng = np.random.default_rng(0)
    dense = rng.random((40, 300)) * (rng.random((40, 300)) < 0.03)
    dense[[3, 17]] = 0.0  # rows with no word of the vocabulary
    words = csr_matrix(dense)
    vectors = rng.standard_normal((40, 8)).astype(np.float32)
    joined = side_by_side(words, vectors, 0.5)
    expected = hstack([words, csr_matrix(vectors * 0.5)], format="csr")
    assert joined.shape == expected.shape == (40, 308)
    assert joined.dtype == np.float64
    assert abs(joined - expected).max() == 0.0
    assert joined.has_sorted_indices
