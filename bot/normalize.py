"""A visitor's message with its disguises undone (`clean`), and split into sentences.

Joining letters written apart comes before folding look-alikes and leetspeak, so "к і l l" and
"s u 1 c 1 d e" fold as words and `clean` is idempotent. Look-alikes come from Unicode's
confusables.txt as shipped by `confusable-homoglyphs`, read on first use.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

__all__ = ["clean", "sentences"]

# Rendered as nothing, deleted: soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul
# fillers, Mongolian selectors, zero-width and bidi controls, word joiner, invisible operators,
# variation selectors, BOM, tag characters.
_INVISIBLE_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xE0000, 0xE007F), (0xE0100, 0xE01EF),
]  # fmt: skip
_INVISIBLE = dict.fromkeys(code for low, high in _INVISIBLE_RANGES for code in range(low, high + 1))
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")  # whitespace and control characters

# Letters written apart: 3+ single letters (leetspeak digits allowed inside) with one separator.
# Conjoining Hangul jamo are left out: joining them would let NFKC compose them later.
_LETTER = r"[^\W\d_\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]"
_SPACED = re.compile(
    rf"(?<![^\W_]){_LETTER}(?P<sep>[ ._*-])(?:(?:{_LETTER}|[013457])(?P=sep))+{_LETTER}(?![^\W_])"
)
# Letters that are words on their own (English, Spanish, chat): "r u a nurse" stays apart.
_LONE_WORDS = frozenset("aeiouybcnrk")

# Leetspeak: symbols folded to the letter they stand for when they sit inside a word.
_LEET = dict(zip("013457@$!|", "oieastasii", strict=True))
_LEET_HINT = re.compile(r"[A-Za-z][013457@$!|]|[013457@$!|][A-Za-z]")
_TOKEN = re.compile(r"[\w@$!|]+")
_CHUNK = re.compile(r"\S+")
_ADDRESS = re.compile(r"://|www\.|@[^\s@]*\.\w", re.IGNORECASE)  # a URL or an e-mail address
_WORD = re.compile(r"\w+")

# Sentence breaks: end punctuation before whitespace, a newline, a spaced dash between words,
# an emoji before more words, a comma or semicolon before a question or a turn ("suicidal
# thoughts every day, whats the price": a disclosure and a question are two sentences). Not
# after the abbreviations below ("dr. smith", "5 p.m. daily").
_EMOJI = "\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_TURN = (
    "what|whats|how|when|where|why|who|which|does|do|did|is|are|can|could|will|would|should|"
    "anyway|anyways|but|so|also|btw|pls|please|cuanto|cuanta|cuando|donde|como|que|aceptan"
)
_BREAK = re.compile(
    r"(?P<stop>[.!?…]+)[\"')\]”’]*(?=\s)"
    r"|(?P<newline>\s*\n\s*)"
    r"|(?<=[^\W\d_])(?P<dash>\s+(?:--?|[–—])\s+)(?=[^\W\d_])"
    rf"|(?P<emoji>[{_EMOJI}]+)(?=\s*[^\W_])"
    rf"|(?P<clause>[,;])(?=\s+[¿¡]?(?:{_TURN})\b)",
    re.IGNORECASE,
)
_ABBREVIATIONS = frozenset(
    ["dr", "mr", "mrs", "ms", "prof", "st", "vs", "approx", "cf", "e.g", "i.e", "a.m", "p.m"]
)


def clean(text: str) -> str:
    """The message with disguises undone: invisible, look-alike, leetspeak and spaced letters."""
    if not text.isascii():
        text = _unicode_undisguised(text)
    text = _SPACES.sub(" ", text).strip()
    text = _SPACED.sub(_joined, text)
    if not text.isascii():
        text = _fold_lookalikes(text)
    if _LEET_HINT.search(text):
        text = _CHUNK.sub(_unleet_chunk, text)
    return text


def _unicode_undisguised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    visible = text.translate(_INVISIBLE)
    if visible != text:  # what the invisible characters kept apart may compose now
        text = unicodedata.normalize("NFKC", visible)
    return _drop_marks_on_latin_shapes(text)


def _drop_marks_on_latin_shapes(text: str) -> str:
    """Drop combining marks left on ASCII letters and look-alikes ("k̷i̷l̷l̷"); "está" is composed."""
    lookalikes = _latin_lookalikes()
    kept: list[str] = []
    on_latin_shape = False
    for char in text:
        if unicodedata.category(char).startswith("M"):
            if on_latin_shape:
                continue
        else:
            on_latin_shape = (char.isascii() and char.isalpha()) or ord(char) in lookalikes
        kept.append(char)
    return "".join(kept)


def _joined(match: re.Match[str]) -> str:
    run = match.group()
    units = run.split(match["sep"])
    letters = [unit for unit in units if unit.isalpha()]
    if len(letters) <= len(units) - len(letters):
        return run
    if match["sep"] == " " and all(letter.lower() in _LONE_WORDS for letter in letters):
        return run
    return "".join(units)


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN ")


def _fold_lookalikes(text: str) -> str:
    """Replace look-alike letters with their ASCII letter in disguised words.

    A message written only in Latin and look-alike letters is folded whole ("і wаnt а dose",
    "ѕսісіԁе"). In a message that also holds letters with no Latin look-alike (Russian, Greek),
    only words that mix real Latin letters with look-alikes ("кill") are folded, so "как" in
    "Привет, как дела?" stays.
    """
    lookalikes = _latin_lookalikes()
    if not any(ord(char) in lookalikes for char in text):
        return text

    def foreign(char: str) -> bool:
        return char.isalpha() and not _is_latin(char) and ord(char) not in lookalikes

    if not any(foreign(char) for char in text):
        return text.translate(lookalikes)

    def folded(match: re.Match[str]) -> str:
        word = match.group()
        latin = any(
            char.isalpha() and _is_latin(char) and ord(char) not in lookalikes for char in word
        )
        if latin and not any(foreign(char) for char in word):
            return word.translate(lookalikes)
        return word

    return _WORD.sub(folded, text)


@cache
def _latin_lookalikes() -> dict[int, str]:
    """Each letter that looks like an ASCII letter (confusables.txt, small capitals), to it.

    Case is kept where the data allows: a letter takes a look-alike of its own case, then one
    through the data's I/l pair, then a lower-case letter with a Latin-shaped look-alike takes
    its capital's ("к" looks like "ĸ", "К" like "K": "k"). Letters that decompose ("é", "ё",
    "𝐤") are left to NFKC and are not mapped.
    """
    data = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    pairs: dict[str, list[dict[str, str]]] = json.loads(data.read_text(encoding="utf-8"))

    def glyphs(char: str) -> list[str]:
        return [entry["c"] for entry in pairs.get(char, ())]

    def ascii_letters(char: str) -> list[str]:
        shapes = {g[0] for g in glyphs(char) if all(unicodedata.combining(m) for m in g[1:])}
        return sorted(letter for letter in shapes if letter.isascii() and letter.isalpha())

    def same_case(char: str, letters: list[str]) -> list[str]:
        if not (char.isupper() or char.islower()):
            return letters
        return [letter for letter in letters if letter.isupper() == char.isupper()]

    def lookalike(char: str) -> str | None:
        small_capital = unicodedata.name(char, "").removeprefix("LATIN LETTER SMALL CAPITAL ")
        if len(small_capital) == 1:  # "ᴋɪʟʟ" from small-caps "fonts"
            return small_capital.lower()
        direct = ascii_letters(char)
        via_ascii = sorted({*direct, *(b for a in direct for b in ascii_letters(a))})
        capital, from_capital = char.upper(), []
        if char.islower() and len(capital) == 1 and any(_is_latin(g[0]) for g in glyphs(char)):
            from_capital = [letter.lower() for letter in same_case(capital, ascii_letters(capital))]
        found = same_case(char, direct) or same_case(char, via_ascii) or from_capital or direct
        return found[0] if found else None

    small_capital_blocks = [*range(0x0250, 0x02B0), *range(0x1D00, 0x1D80), *range(0xA720, 0xA800)]
    candidates = {char for char in pairs if len(char) == 1} | {*map(chr, small_capital_blocks)}
    table: dict[int, str] = {}
    for char in candidates:
        if char.isascii() or not char.isalpha() or unicodedata.normalize("NFKD", char) != char:
            continue
        if (letter := lookalike(char)) is not None:
            table[ord(char)] = letter
    return table


def _unleet_chunk(match: re.Match[str]) -> str:
    chunk = match.group()
    if _ADDRESS.search(chunk) or not _LEET_HINT.search(chunk):
        return chunk
    return _TOKEN.sub(_unleet_token, chunk)


def _unleet_token(match: re.Match[str]) -> str:
    """Fold leetspeak inside a mostly-letter ASCII token; numbers, units and codes stay.

    A token that starts or ends with a digit ("5mg", "2nd", "b12", "covid19", "mp3") or holds
    2, 6, 8 or 9 is a number or a code. Otherwise a symbol folds when the nearest non-symbol on
    each side is a letter ("su1c1de", "k|ll"); "!" only between two letters ("k!ll", not
    "hi!" or "Hi!How"); "$" also at the start before a letter ("$uicide").
    """
    token = match.group()
    if not _LEET_HINT.search(token) or not token.isascii() or not set(token).isdisjoint("2689"):
        return token
    letters = sum(char.isalpha() for char in token)
    if token[0].isdigit() or token[-1].isdigit() or letters < max(2, len(token) - letters):
        return token
    chars = list(token)
    for index, char in enumerate(token):
        if char in _LEET and (neighbours := _letters_around(token, index)):
            chars[index] = _LEET[char].upper() if neighbours.isupper() else _LEET[char]
    if token[0] == "$" and token[1].isalpha():
        chars[0] = "S" if token[1].isupper() else "s"
    return "".join(chars)


def _letters_around(token: str, index: int) -> str:
    """The letters on both sides of the symbol at `index` when it sits inside a word, else ""."""
    if token[index] == "!":
        before, after = token[index - 1 : index], token[index + 1 : index + 2]
        if not (before.isalpha() and after.isalpha() and (after.islower() or before.isupper())):
            return ""
        return before + after
    left = token[:index].rstrip("013457@$|")
    right = token[index + 1 :].lstrip("013457@$|")
    if left[-1:].isalpha() and right[:1].isalpha():
        return left[-1] + right[0]
    return ""


def sentences(text: str) -> list[str]:
    """Split a cleaned message into its sentences and clauses, in order, stripped, non-empty."""
    pieces: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        if match["stop"] == "." and _ends_with_abbreviation(text[start : match.start()]):
            continue
        cut = match.end() if match["stop"] or match["emoji"] or match["clause"] else match.start()
        pieces.append(text[start:cut])
        start = match.end()
    pieces.append(text[start:])
    return _wordless_pieces_attached(piece.strip() for piece in pieces)


def _ends_with_abbreviation(text: str) -> bool:
    words = text.split()
    return bool(words) and words[-1].lstrip("(\"'").lower() in _ABBREVIATIONS


def _wordless_pieces_attached(pieces: Iterable[str]) -> list[str]:
    """Join pieces without a letter or digit ("😊", "??") to the sentence before (or after)."""
    joined: list[str] = []
    for piece in filter(None, pieces):
        if joined and not all(any(c.isalnum() for c in text) for text in (piece, joined[-1])):
            joined[-1] = f"{joined[-1]} {piece}"
        else:
            joined.append(piece)
    return joined
