"""Text analysis: normalize, tokenize, drop stopwords, stem and canonicalize synonyms.

Uses only NLTK parts that need no downloaded data (SnowballStemmer).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any


def _snowball_english() -> Any:
    """NLTK's English Snowball stemmer. Importing any part of NLTK runs its package's
    `__init__`, which imports optional helpers of other parts: scikit-learn (its classifier
    bridge) and scipy.stats (its association measures), 2.5 s and ~40 MB per worker together,
    though the stemmer needs neither. They are hidden from that import (NLTK expects them to be
    missing, and then leaves them out) and can be imported later as usual; only training imports
    scikit-learn."""
    hidden = [name for name in ("sklearn", "scipy.stats") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "not installed" to importers
    try:
        from nltk.stem.snowball import SnowballStemmer
    finally:
        for name in hidden:
            del sys.modules[name]
    return SnowballStemmer("english", ignore_stopwords=False)


# Our own list: English function words plus words that carry no topic in a visitor's question.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "either",
        "else",
        "etc",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "getting",
        "got",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "like",
        "ll",
        "may",
        "me",
        "might",
        "mine",
        "more",
        "most",
        "much",
        "must",
        "mustn",
        "my",
        "myself",
        "need",
        "needs",
        "neither",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "please",
        "re",
        "really",
        "s",
        "same",
        "shall",
        "shan",
        "she",
        "should",
        "shouldn",
        "so",
        "some",
        "still",
        "such",
        "t",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "to",
        "too",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "ve",
        "very",
        "via",
        "was",
        "wasn",
        "we",
        "were",
        "weren",
        "what",
        "whatever",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "won",
        "would",
        "wouldn",
        "yes",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "tell",
        "know",
        "explain",
        "want",
        "wondering",
        "wonder",
        "curious",
        "question",
        "questions",
        "anyone",
        "someone",
        "something",
        "anything",
        "kind",
        "sort",
        "okay",
        "ok",
        "hey",
        "im",
        "ive",
        "id",
        "dont",
        "doesnt",
        "isnt",
        "cant",
        "wont",
        "whats",
        "hows",
        "thats",
        "theres",
        "exactly",
        "actually",
        "basically",
        "literally",
        "honestly",
        "just",
        "even",
        "maybe",
        "perhaps",
        "nothing",
        "everything",
        "take",
        "takes",
        "taking",
        "mean",
        "means",
        "meaning",
        "define",
        "definition",
        "stand",
        "stands",
    ]
)

# Our own linear pattern with the standard `re`: NLTK's RegexpTokenizer now runs every pattern
# through the `regex` engine under a per-call timeout (nltk.redos), 5x slower per message here,
# a guard against backtracking that this pattern (no nested or alternated repeats) cannot do.
_TOKENS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STEMMER = _snowball_english()
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_INVISIBLE = re.compile(
    r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]"
)


def normalize(text: str) -> str:
    """Unicode-normalize (NFKC), fold case, unify apostrophes and drop invisible characters."""
    if text.isascii():  # the same result without the Unicode steps, which change no ASCII text
        if "`" in text:  # the one ASCII character among _APOSTROPHES
            text = text.replace("`", "'")
        if not text.isprintable():  # in ASCII, exactly the control characters of _INVISIBLE
            text = _INVISIBLE.sub(" ", text)
        return text.lower()
    return _normalize_unicode(text)


def _normalize_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    text = _INVISIBLE.sub(" ", text)
    # Drop combining accents so that "café" and "cafe" meet.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The normalized surface words of a text, possessive `'s` and contractions folded in.

    Not memoized: visitors' messages are health information and are not kept, not even in a
    cache. Analyse a message once and pass its words on (`Assistant.ask` does)."""
    return split_words(normalize(text))


def split_words(normalized: str) -> list[str]:
    """`words` of a text that `normalize` has already been applied to."""
    out = []
    for token in _TOKENS.findall(normalized):
        base, _, tail = token.partition("'")
        if tail in ("s", ""):
            out.append(base)
        elif tail == "t" and base.endswith("n"):
            out.append(base[:-1] if base not in ("can", "won") else base)
            out.append("not")
        else:
            out.append(base + tail)
    return out


# Stems of the knowledge's own words, remembered when a knowledge version is indexed
# (`remember_stems`). A visitor's words are stemmed each time and never remembered.
_KNOWN_STEMS: dict[str, str] = {}
MAX_KNOWN_STEMS = 200_000


def stem(word: str) -> str:
    """The Snowball stem of one normalized word."""
    known = _KNOWN_STEMS.get(word)
    return known if known is not None else str(_STEMMER.stem(word))


def remember_stems(knowledge_words: Iterable[str]) -> None:
    """Remember the stems of words of the knowledge (never of what a visitor typed)."""
    if len(_KNOWN_STEMS) > MAX_KNOWN_STEMS:
        _KNOWN_STEMS.clear()
    for word in knowledge_words:
        if word not in _KNOWN_STEMS:
            _KNOWN_STEMS[word] = str(_STEMMER.stem(word))


def is_content(word: str) -> bool:
    """Whether a normalized word carries meaning for retrieval (not a stopword or lone letter)."""
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


class Analyzer:
    """Turns text into index terms; the same analysis serves passages and questions."""

    def __init__(self, synonym_groups: Iterable[Sequence[str]] = ()) -> None:
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._longest = 1
        for group in synonym_groups:
            canonical = self._plain_terms(group[0])
            for variant in group:
                key = self._plain_terms(variant)
                if key and canonical:
                    self._phrases[key] = canonical
                    self._longest = max(self._longest, len(key))
        self._synonym_words = frozenset(t for key in self._phrases for t in key)
        self._starts = frozenset(key[0] for key in self._phrases)  # stems that can begin one

    @staticmethod
    def _plain_terms(text: str) -> tuple[str, ...]:
        return tuple(stem(w) for w in words(text) if is_content(w))

    @property
    def synonym_words(self) -> frozenset[str]:
        """Every stem that occurs in a synonym entry."""
        return self._synonym_words

    def terms_from_words(self, tokens: Iterable[str]) -> list[str]:
        """Index terms from normalized words: stopwords dropped, stemmed, synonyms canonicalized."""
        return self.canonical([stem(w) for w in tokens if is_content(w)])

    def canonical(self, stems: list[str]) -> list[str]:
        """Stems of content words with each synonym phrase replaced by its group's first entry."""
        if not self._phrases:
            return stems
        out: list[str] = []
        i = 0
        while i < len(stems):
            if stems[i] not in self._starts:  # no synonym entry starts here
                out.append(stems[i])
                i += 1
                continue
            for size in range(min(self._longest, len(stems) - i), 0, -1):
                canonical = self._phrases.get(tuple(stems[i : i + size]))
                if canonical is not None:
                    out.extend(canonical)
                    i += size
                    break
            else:
                out.append(stems[i])
                i += 1
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of a text."""
        return self.terms_from_words(words(text))


def stemmed_words(text: str) -> list[str]:
    """Stems of every word, stopwords kept: for matching phrases such as "how many sessions"."""
    return [stem(w) for w in words(text)]


def contains_sequence(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether `needle` occurs as a contiguous run in `haystack`."""
    n = len(needle)
    if n == 0:
        return False
    first = needle[0]
    return any(
        haystack[i] == first and tuple(haystack[i : i + n]) == tuple(needle)
        for i in range(len(haystack) - n + 1)
    )
