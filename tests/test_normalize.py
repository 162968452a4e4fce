"""Disguises undone in a visitor's message, and the message split into sentences."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.normalize import clean, sentences

ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # NFKC: fullwidth, mathematical, circled, squared, superscript letters
        ("ｋｉｌｌ ｍｙｓｅｌｆ", "kill myself"),
        ("𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟", "kill myself"),
        ("𝓼𝓾𝓲𝓬𝓲𝓭𝓮", "suicide"),
        ("𝕜𝕚𝕝𝕝", "kill"),
        ("ⓚⓘⓛⓛ", "kill"),
        ("🄺🄸🄻🄻", "KILL"),
        ("ᵏⁱˡˡ", "kill"),
        ("ﬁnish it", "finish it"),
    ],
)
def test_clean_turns_compatibility_letters_into_plain_letters(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f"i want to ki{ZWSP}ll myself", "i want to kill myself"),
        (f"k{ZWNJ}i{ZWJ}l{WJ}l", "kill"),
        (f"{BOM}sui{SHY}cide", "suicide"),
        ("ki\u2061ll \u2064me", "kill me"),
        ("\u202ekill\u202c myself", "kill myself"),
        ("\u2066die\u2069 \u200eplease\u200f", "die please"),
        ("k\ufe0fill", "kill"),
        ("ki\u034fll", "kill"),
        ("ki\u180ell", "kill"),
        ("ki\U000e0069ll", "kill"),
        ("ki\u3164ll", "kill"),
        ("end\u061c it", "end it"),
    ],
)
def test_clean_removes_invisible_characters(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("kill\x00myself", "kill myself"),
        ("first line\nsecond line", "first line second line"),
        ("tabs\tand\r\nreturns", "tabs and returns"),
        ("bell\x07 and\x85next", "bell and next"),
        ("  lots   of\u00a0\u2003space  ", "lots of space"),
        ("\u2028 line separator", "line separator"),
    ],
)
def test_clean_turns_controls_into_one_space_and_strips(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("кill mуself", "kill myself"),  # Cyrillic к and у: lower case stays lower case
        ("і wаnt tо dіе", "i want to die"),  # every word disguised, "і" stands alone
        ("ѕսісіԁе", "suicide"),  # Cyrillic and Armenian only, no Latin letter at all
        ("KІLL", "KILL"),  # Cyrillic capital І
        ("ΚΙLL ΜΕ", "KILL ME"),  # Greek capitals
        ("κιll", "kill"),  # Greek small kappa and iota
        ("hօw tօ օverdօse", "how to overdose"),  # Armenian օ
        ("ᏞOL", "LOL"),  # Cherokee
        ("kіꮮꮮ", "kill"),  # Cherokee small letters
        ("ɑ lethɑl dose", "a lethal dose"),  # Latin alpha
        ("ᴋɪʟʟ ᴍʏꜱᴇʟꜰ", "kill myself"),  # small capitals
        ("wаnt tо bе dеаd", "want to be dead"),
        ("ηοt οkay", "not okay"),  # Greek eta reads n
    ],
)
def test_clean_folds_lookalike_letters_to_latin(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("su1c1de", "suicide"),
        ("k!ll myself", "kill myself"),
        ("$uicide", "suicide"),
        ("$elf-harm", "self-harm"),
        ("d1e", "die"),
        ("d!e", "die"),
        ("k|ll", "kill"),
        ("h@rm", "harm"),
        ("h4rm mys3lf", "harm myself"),
        ("l00k", "look"),
        ("ov3rd0se", "overdose"),
        ("KILL MY5ELF", "KILL MYSELF"),  # capitals between capitals
        ("I W4NT TO D1E", "I WANT TO DIE"),
        ("K!LL", "KILL"),
        ("$UICIDE", "SUICIDE"),
        ("i want to su1c1de!", "i want to suicide!"),  # the trailing "!" stays punctuation
    ],
)
def test_clean_folds_leetspeak_inside_words(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("i want to k i l l myself", "i want to kill myself"),
        ("k.i.l.l", "kill"),
        ("k.i.l.l.", "kill."),
        ("s-u-i-c-i-d-e", "suicide"),
        ("k*i*l*l", "kill"),
        ("k_i_l_l", "kill"),
        ("d i e", "die"),
        ("K I L L", "KILL"),
        ("k  i  l  l", "kill"),  # spaces are collapsed first
        ("s u 1 c 1 d e", "suicide"),  # joined, then leetspeak folded
        ("k-1-l-l", "kill"),
        ("k y s", "kys"),
        ("m o r i r", "morir"),
    ],
)
def test_clean_joins_letters_written_apart(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (f"i wаnt tо к {ZWSP}і l l mуself", "i want to kill myself"),
        (f"к{ZWSP}.і.{ZWJ}l.l", "kill"),
        (f"i'm going to 𝐤{ZWSP}𝐢𝐥𝐥 mу$elf", "i'm going to kill myself"),
        ("ｓ－ｕ－ｉ－ｃ－ｉ－ｄ－ｅ", "suicide"),
        ("к!ll mуѕеlf", "kill myself"),
        ("s u i с і d е", "suicide"),
        (f"quiero m{ZWSP}о{ZWSP}r{ZWSP}і{ZWSP}r", "quiero morir"),
        (f"q{ZWSP}u{ZWSP}і{ZWSP}е{ZWSP}r{ZWSP}о m о r і r", "quiero morir"),
        ("quіеrо m-о-r-і-r", "quiero morir"),
        ("𝐪𝐮𝐢𝐞𝐫𝐨 𝐦𝐨𝐫𝐢𝐫", "quiero morir"),
        ("qu13ro m0r1r", "quiero morir"),
        ("nо quіеrо vіvіr más", "no quiero vivir más"),
        ("k̷i̷l̷l̷ m̶e̶", "kill me"),  # combining strokes over letters
        ("Привет, кill mе", "Привет, kill me"),  # mixed words fold in a Russian message too
    ],
)
def test_clean_undoes_combined_disguises(message: str, expected: str) -> None:
    assert clean(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        # numbers, units, times, money, phone numbers, codes
        "988",
        "call 988 now",
        "24/7",
        "5mg",
        "take 0.5 mg/kg",
        "10am",
        "at 7:30pm",
        "b12",
        "vitamin d3",
        "2nd dose",
        "covid19",
        "mp3",
        "win10",
        "d13",
        "5htp",
        "cyp3a4",
        "h1n1 flu",
        "$200",
        "$5 copay",
        "20%",
        "1-800-273-8255",
        "I'm 17",
        "3x a week",
        "x3",
        # punctuation that only looks like leetspeak
        "hi!",
        "wow!!",
        "Hi!How are you",
        "@clinic can you help",
        "write to info@clinic.org",
        "see https://example.org/a1b?c=3",
        # Spanish, with accents
        "está mañana sí",
        "¿Qué es la ketamina? Está bien, gracias.",
        "no quiero vivir más",
        # real Russian and Greek
        "Привет, как дела?",
        "я хочу умереть",
        "Привет а как",
        "καλημέρα",
        "Γεια σου, τι κάνεις;",
        "και ο Θεός",
        # letters that look Latin but are not disguises here
        "5μg",
        "Straße heißt",
        # emoji
        "thanks 😊",
        "i ❤ this clinic",
        "👨👩👧",
        # single-letter words
        "can i get a dose",
        "i am a nurse",
        "a b test",
        "r u a nurse",
        "plan a b c",
        "i i i don't know",
        "y o u",
        "e.g. esketamine",
        "i.e. not now",
        "5 p.m.",
        "2.5 mg",
        # ordinary questions
        "How long does a ketamine infusion take?",
        "What's the difference between IV and IM?",
    ],
)
def test_clean_leaves_ordinary_text_unchanged(message: str) -> None:
    assert clean(message) == message


def test_clean_keeps_emoji_but_drops_their_invisible_selectors() -> None:
    assert clean("i ❤\ufe0f you 👨\u200d👩\u200d👧") == "i ❤ you 👨👩👧"


def test_clean_of_micro_sign_keeps_micrograms_apart_from_milligrams() -> None:
    assert clean("5µg") == "5μg"  # NFKC turns the micro sign into Greek mu, never into "m"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "\x00",
        "\ud800",
        "k\udfffill",
        "\u0301" * 10_000,
        "a" + "\u0301" * 10_000,
        "к" + "\u0334" * 10_000,
        "k i " * 2_500,
        "1!" * 5_000,
        "\U0010ffff\ufffe\uffff",
        "\u1100 \u1161 \u11a8",
        "𝐤" * 500,
    ],
)
def test_clean_and_sentences_never_raise(message: str) -> None:
    assert isinstance(clean(message), str)
    assert all(piece for piece in sentences(clean(message)))


def test_clean_drops_combining_marks_from_latin_letters_only() -> None:
    assert clean("n\u0308o") == "no"
    assert clean("e\u0301") == "é"  # composed by NFKC first
    assert clean("и\u0306") == "й"  # a Cyrillic letter keeps its mark


DISGUISE_ALPHABET = st.sampled_from(
    "kilmsyeKIL ._*-!$@|013457?\n\t\x00аеоікутнмвдлжяκτμηαΙΣßıñé😊ｋ𝐤ᴋ"
    "\u200b\u200d\u00ad\ufeff\u0301\u0334\u3164\u1100\u1161"
)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_clean_is_idempotent_on_arbitrary_text(message: str) -> None:
    cleaned = clean(message)
    assert clean(cleaned) == cleaned


@settings(max_examples=400, deadline=None)
@given(st.text(DISGUISE_ALPHABET, max_size=40))
def test_clean_is_idempotent_on_disguise_like_text(message: str) -> None:
    cleaned = clean(message)
    assert clean(cleaned) == cleaned


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec=None, exclude_categories=[])))
def test_clean_output_has_no_invisibles_controls_or_space_runs(message: str) -> None:
    cleaned = clean(message)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not any(unicodedata.category(char) == "Cc" for char in cleaned)
    assert not any(char in cleaned for char in (ZWSP, ZWNJ, ZWJ, WJ, BOM, SHY, "\u202e"))


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "how fast does it work? i cant hold on much longer",
            ["how fast does it work?", "i cant hold on much longer"],
        ),
        (
            "Hi! quick question - what is ketamine normally used for?",
            ["Hi!", "quick question", "what is ketamine normally used for?"],
        ),
        ("what??!! really... ok", ["what??!!", "really...", "ok"]),
        ("i'm fine. i'm not fine!", ["i'm fine.", "i'm not fine!"]),
        ('she said "stop." then left', ['she said "stop."', "then left"]),
        ("first line\nsecond line", ["first line", "second line"]),
        ("one\n\n\ntwo", ["one", "two"]),
        ("fine — actually not", ["fine", "actually not"]),
        ("fine -- actually not", ["fine", "actually not"]),
        ("i'm tired 😞 i can't do this", ["i'm tired 😞", "i can't do this"]),
        ("Hi! 😊 what is it for", ["Hi! 😊", "what is it for"]),
        ("take 2.5 mg. then rest", ["take 2.5 mg.", "then rest"]),
        ("write to info@clinic.org. thanks", ["write to info@clinic.org.", "thanks"]),
    ],
)
def test_sentences_split_at_breaks(message: str, expected: list[str]) -> None:
    assert sentences(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "what is ketamine",
        "dr. smith said it helps",
        "ask mr. jones or mrs. lee",
        "e.g. esketamine works faster",
        "i.e. not a sedative",
        "ketamine vs. esketamine",
        "approx. 2.5 mg per kg",
        "the clinic on st. mark street",
        "a dose of 2.5 mg every week",
        "come at 5 p.m. on friday",
        "see https://example.org/faq?q=dose.v2 for details",
        "mail help@clinic.example.org for details",
        "2 - 3 times a week",
        "thanks 🙏",
        "😊 hi there",
        "????",
    ],
)
def test_sentences_keep_a_message_without_breaks_whole(message: str) -> None:
    assert sentences(message) == [message]


@pytest.mark.parametrize("message", ["", " ", "\n\n", "\t \r\n"])
def test_sentences_of_blank_message_are_empty(message: str) -> None:
    assert sentences(message) == []


@given(st.text())
def test_sentences_are_stripped_nonempty_and_keep_every_word_in_order(message: str) -> None:
    pieces = sentences(message)
    assert all(piece and piece == piece.strip() for piece in pieces)
    assert [c for c in " ".join(pieces) if c.isalnum()] == [c for c in message if c.isalnum()]
