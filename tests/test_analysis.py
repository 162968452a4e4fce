"""Text analysis: normalization, stopwords, stemming, synonyms."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.analysis import (
    Analyzer,
    _normalize_unicode,
    contains_sequence,
    normalize,
    stemmed_words,
    words,
)
from bot.knowledge import load_knowledge


def test_normalize_folds_case_accents_apostrophes_and_invisible_characters() -> None:
    assert normalize("KETAMINE’s Café\u200b\x00") == "ketamine's cafe  "


def test_words_fold_possessives_and_expand_negations() -> None:
    assert words("Ketamine’s effect isn't instant; I can't wait") == [
        "ketamine",
        "effect",
        "is",
        "not",
        "instant",
        "i",
        "can",
        "not",
        "wait",
    ]


def test_terms_drop_stopwords_and_stem() -> None:
    assert Analyzer().terms("How does ketamine help with depression?") == [
        "ketamin",
        "help",
        "depress",
    ]


def test_synonyms_map_multiword_variants_to_the_canonical_form() -> None:
    analyzer = Analyzer(
        [
            ("PTSD", "post-traumatic stress disorder", "post traumatic stress"),
            ("bipolar disorder", "manic depression"),
        ]
    )
    assert analyzer.terms("post-traumatic stress disorder") == ["ptsd"]
    assert analyzer.terms("Post traumatic stress and PTSD") == ["ptsd", "ptsd"]
    assert analyzer.terms("manic depression") == ["bipolar", "disord"]
    assert analyzer.terms("depression") == ["depress"]


def test_longest_synonym_wins() -> None:
    analyzer = Analyzer([("ptsd", "post traumatic stress disorder"), ("stress", "strain")])
    assert analyzer.terms("post traumatic stress disorder") == ["ptsd"]
    assert analyzer.terms("strain") == ["stress"]


def test_phrase_matching_keeps_stopwords() -> None:
    haystack = stemmed_words("How many infusions will I need?")
    assert contains_sequence(haystack, stemmed_words("how many infusions"))
    assert not contains_sequence(haystack, stemmed_words("many how"))
    assert not contains_sequence(haystack, [])


def test_empty_and_symbol_only_text_give_no_terms() -> None:
    assert Analyzer().terms("") == []
    assert Analyzer().terms("?!? ... 🙂") == []


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_normalize_of_ascii_text_equals_the_full_unicode_path(text: str) -> None:
    assert normalize(text) == _normalize_unicode(text)


def test_stems_of_a_visitors_words_are_not_remembered(tiny_knowledge: Path) -> None:
    from bot import analysis
    from bot.retrieval import Retriever

    Retriever(load_knowledge(tiny_knowledge))
    assert "ketamine" in analysis._KNOWN_STEMS
    assert analysis.stem("zebraquestionword") == "zebraquestionword"
    assert "zebraquestionword" not in analysis._KNOWN_STEMS
