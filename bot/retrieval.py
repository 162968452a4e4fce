"""Retrieval over the knowledge: ranked, scored passages with a calibrated confidence."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from bot.analysis import (
    Analyzer,
    contains_sequence,
    is_content,
    remember_stems,
    stem,
    stemmed_words,
    words,
)
from bot.bm25 import BM25Index, Scored
from bot.knowledge import Knowledge, Passage, UncoveredTopic

HEADING_WEIGHT = 2  # a section heading counts as if its words appeared this many times
QUESTION_WEIGHT = 1  # each alternate question's words count once more
MIN_CONFIDENCE = 0.34  # below this share of the question's weight matched, reply no_answer
RELATIVE_CUTOFF = 0.75  # further passages are shown when they score this close to the best
MAX_PASSAGES = 3
LEAD_TIE = 0.9  # a lead passage this close to the best counts as tied with it
# Unknown words looked up in the speller per question (each lookup scans the knowledge's words:
# 62 random words cost 62 scans). The visitors' evaluation set needs 13 at most.
MAX_SPELLED_WORDS = 24


@dataclass(frozen=True)
class Hit:
    """A passage with its BM25 score and the share of the question it covers (0..1)."""

    passage: Passage
    score: float
    coverage: float


@dataclass(frozen=True)
class SearchResult:
    """What retrieval found for one question."""

    question: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    confidence: float
    corrections: tuple[tuple[str, str], ...] = ()
    uncovered: UncoveredTopic | None = None
    ranked: tuple[Passage, ...] = ()  # every passage that matched, best first (up to ten)
    scores: npt.NDArray[np.float64] | None = None  # BM25 of every passage, in knowledge order

    @property
    def answered(self) -> bool:
        """Whether the best passage is confident enough to present as the answer."""
        return bool(self.hits) and self.uncovered is None and self.confidence >= MIN_CONFIDENCE


class Speller:
    """Corrects a word the knowledge does not know to a close known word, if one is close enough.

    Keeps nothing of the words it is asked about."""

    def __init__(self, known_words: Iterable[str]) -> None:
        self._known = frozenset(w for w in known_words if w.isalpha())
        self._candidates = sorted(w for w in self._known if len(w) >= 5)

    @staticmethod
    def max_distance(word: str) -> int:
        """Edits allowed: none under 5 letters (too many real words are that close), one up to
        8, two from 9."""
        return 0 if len(word) < 5 else 1 if len(word) <= 8 else 2

    def searches(self, word: str) -> bool:
        """Whether `correct` looks for the word among the known ones (the costly part)."""
        return word not in self._known and self.max_distance(word) > 0 and word.isalpha()

    def correct(self, word: str) -> str | None:
        """The closest known word within the allowed distance (a swap of two letters counts as
        one edit, and the first letter may be wrong too), or None; ties go to the first."""
        if not self.searches(word):
            return None
        found = process.extractOne(
            word,
            self._candidates,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=self.max_distance(word),
        )
        return None if found is None else str(found[0])


class Retriever:
    """BM25 over passages (body, heading and alternate questions) for one knowledge version."""

    def __init__(
        self,
        knowledge: Knowledge,
        questions: bool = True,
        known_words: frozenset[str] | None = None,
    ) -> None:
        """`questions`: whether a passage's `?` lines count among its words (the ranker's
        lexical signal reads heading and paragraph only: the `?` lines have signals of their
        own). `known_words`: another retriever's over the same knowledge, to save reading its
        12,000 examples again (half a second of every start)."""
        self.knowledge = knowledge
        self.passages = knowledge.passages
        self._with_questions = questions
        # Every word of the knowledge's texts: their stems are remembered, and a question kept
        # for staff may contain only these (`bot.redaction.for_staff`).
        if known_words is None:
            known_words = frozenset(
                w
                for text in (
                    *(f"{p.section} {p.text} {' '.join(p.questions)}" for p in self.passages),
                    *(f"{t.message} {' '.join(t.questions)}" for t in knowledge.uncovered),
                    *(e.text for e in knowledge.examples),
                )
                for w in words(text)
            )
            remember_stems(known_words)
        self.known_words = known_words
        self.analyzer = Analyzer(group.terms for group in knowledge.synonyms)
        docs = [
            self._document_terms(p, i == 0 or self.passages[i - 1].section != p.section)
            for i, p in enumerate(self.passages)
        ]
        self._doc_terms = [frozenset(d) for d in docs]
        self.index = BM25Index(docs or [[]])
        self._stemmed = [stemmed_words(f"{p.section} {p.text}") for p in self.passages]
        # Topic phrases indexed by their first stem: (topic order, topic, phrase, stems).
        self._topic_phrases: dict[str, list[tuple[int, UncoveredTopic, str, list[str]]]] = {}
        for order, topic in enumerate(knowledge.uncovered):
            for phrase in topic.phrases:
                stems = stemmed_words(phrase)
                if stems:
                    self._topic_phrases.setdefault(stems[0], []).append(
                        (order, topic, phrase, stems)
                    )
        known = set()
        for p in self.passages:
            known.update(words(f"{p.section} {p.text} {' '.join(p.questions)}"))
        for group in knowledge.synonyms:
            known.update(w for term in group.terms for w in words(term))
        for topic in knowledge.uncovered:
            known.update(w for phrase in topic.phrases for w in words(phrase))
        self.speller = Speller(known)
        # An unknown question word weighs as much as the rarest known word (a term in one passage).
        n = max(len(self.passages), 1)
        self._unknown_weight = math.log(1.0 + (n - 0.5) / 1.5)
        self._leads = [
            i
            for i, p in enumerate(self.passages)
            if i == 0 or self.passages[i - 1].article != p.article
        ]

    def _document_terms(self, passage: Passage, leads_section: bool) -> list[str]:
        """Body, heading and example-question terms; the heading weighs most on the first
        paragraph of its section, which is usually the one that answers it."""
        terms = self.analyzer.terms(passage.text)
        terms += self.analyzer.terms(passage.section) * (HEADING_WEIGHT if leads_section else 1)
        if self._with_questions:
            for question in passage.questions:
                terms += self.analyzer.terms(question) * QUESTION_WEIGHT
        return terms

    @property
    def document_terms(self) -> list[frozenset[str]]:
        """Each passage's index terms."""
        return self._doc_terms

    def analyze_question(
        self, question: str, said: Sequence[str] | None = None
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """Question terms after typo correction, and the corrections made. `said`: the
        question's `words`, when the caller has them already."""
        terms, corrections, _ = self._analyze(words(question) if said is None else said)
        return terms, corrections

    def _analyze(self, said: Sequence[str]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
        """`analyze_question` of the question's words, plus the stem of every word as said
        (stopwords kept, no corrections), for `matching_topic`: each word is stemmed once."""
        synonym_words = self.analyzer.synonym_words
        said_stems: list[str] = []
        content: list[str] = []
        corrections: list[tuple[str, str]] = []
        searched = 0
        for word in said:
            stem_ = stem(word)
            said_stems.append(stem_)
            if not is_content(word):
                continue
            if (
                not self.index.df(stem_)
                and stem_ not in synonym_words
                and self.speller.searches(word)
                and searched < MAX_SPELLED_WORDS
            ):
                searched += 1
                better = self.speller.correct(word)
                if better is not None:
                    corrections.append((word, better))
                    if not is_content(better):
                        continue
                    stem_ = stem(better)
            content.append(stem_)
        return self.analyzer.canonical(content), corrections, said_stems

    def term_weights(self, terms: Iterable[str]) -> dict[str, float]:
        """Each distinct term's weight for coverage: its idf, or the rarest known term's if
        unknown."""
        idf, unknown = self.index.idf, self._unknown_weight
        return {t: idf.get(t, unknown) for t in terms}

    def _coverage(self, weights: dict[str, float], doc: int) -> float:
        """The share of the terms' total weight found in passage `doc`."""
        total = sum(weights.values())
        in_doc = self._doc_terms[doc]
        matched = sum(w for t, w in weights.items() if t in in_doc)
        return matched / total if total else 0.0

    def matching_topic(
        self, question: str, said: Sequence[str] | None = None
    ) -> tuple[UncoveredTopic, str] | None:
        """The first uncovered topic whose phrase occurs in the question, with that phrase."""
        return self._topic(stemmed_words(question) if said is None else [stem(w) for w in said])

    def _topic(self, stems: list[str]) -> tuple[UncoveredTopic, str] | None:
        """`matching_topic` from the stems of every word of the question."""
        found: tuple[int, UncoveredTopic, str] | None = None
        for i, stem_ in enumerate(stems):
            for order, topic, phrase, phrase_stems in self._topic_phrases.get(stem_, ()):
                if (found is None or order < found[0]) and stems[
                    i : i + len(phrase_stems)
                ] == phrase_stems:
                    found = (order, topic, phrase)
        return None if found is None else (found[1], found[2])

    def search(
        self, question: str, k: int = MAX_PASSAGES, said: Sequence[str] | None = None
    ) -> SearchResult:
        """Rank passages for a question; see `SearchResult.answered` for the verdict. `said`:
        the question's `words`, when the caller has them already."""
        terms, corrections, said_stems = self._analyze(words(question) if said is None else said)
        if not self.passages or not terms:
            return SearchResult(question, tuple(terms), (), 0.0, tuple(corrections))
        distinct = set(terms)
        top = self.index.top(terms, k=max(k, 10))
        if top and self._only_common(distinct):
            # A question about nothing but what the whole knowledge is about ("what is
            # ketamine?") barely separates passages; when an article's lead passage, which
            # introduces its subject, scores close to the best, it goes first.
            scores = self.index.scores(terms)
            lead = max(self._leads, key=lambda doc: scores[doc])
            if scores[lead] >= LEAD_TIE * top[0].score:
                top = [Scored(lead, float(scores[lead])), *(s for s in top if s.doc != lead)]
        cutoff = RELATIVE_CUTOFF * top[0].score if top else 0.0
        weights = self.term_weights(distinct)
        shown = tuple(
            Hit(self.passages[s.doc], s.score, self._coverage(weights, s.doc))
            for s in top[:k]
            if s.score >= cutoff
        )
        confidence = shown[0].coverage if shown else 0.0
        uncovered = None
        found = self._topic(said_stems)
        if found is not None and not self._covers_topic(
            found[1], distinct, top[0].doc if top else -1
        ):
            uncovered = found[0]
        return SearchResult(
            question,
            tuple(terms),
            shown,
            confidence,
            tuple(corrections),
            uncovered,
            ranked=tuple([self.passages[s.doc] for s in top]),
            scores=self.index.scores(terms),
        )

    def _only_common(self, terms: set[str]) -> bool:
        """Whether every term is known and found in more than half of the passages."""
        half = len(self.passages) / 2
        return bool(terms) and all(self.index.df(t) > half for t in terms)

    def _covers_topic(self, phrase: str, terms: set[str], doc: int) -> bool:
        """Whether passage `doc` speaks of the topic phrase and of the rest of the question too.

        A passage that merely mentions the phrase ("side effects" of mood stabilizers) answers a
        question about it only when it also matches what the question asks beyond the phrase and
        beyond words nearly every passage shares ("ketamine").
        """
        if doc < 0 or not contains_sequence(self._stemmed[doc], stemmed_words(phrase)):
            return False
        phrase_terms = set(self.analyzer.terms(phrase))
        half = len(self.passages) / 2
        rest = {t for t in terms - phrase_terms if self.index.df(t) <= half}
        if not rest:
            return False
        return self._coverage(self.term_weights(rest), doc) >= MIN_CONFIDENCE
