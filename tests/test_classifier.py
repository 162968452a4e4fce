"""The message classifier: trained from examples, it reads kinds of messages."""

from __future__ import annotations

import pytest

from bot.assistant import shared_cache
from bot.classifier import KindScores, MessageClassifier, Words, words_of
from bot.knowledge import load_knowledge
from bot.vectors import encode_message


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> MessageClassifier:
    from tests.conftest import write_knowledge

    knowledge = load_knowledge(write_knowledge(tmp_path_factory.mktemp("k") / "k"))
    examples = knowledge.examples
    vectors = shared_cache().messages([e.text for e in examples])
    return MessageClassifier(examples, vectors, Words([e.text for e in examples]))


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
