"""Safety rules: each with positive and negative cases, and their order."""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import safety
from bot.safety import (
    RULES,
    Message,
    WordPatterns,
    is_crisis,
    is_medical_advice,
    is_smalltalk,
    route,
)

CRISIS = [
    "I want to kill myself",
    "thinking about suicide",
    "i feel suicidal",
    "kms",
    "kys",
    "I don't see the point in living anymore",
    "i'm going to end it tonight",
    "I wish I could go to sleep and never wake up",
    "my brother says he wants to die",
    "how many pills would it take to overdose",
    "i want to unalive myself",
    "I keep wanting to hurt myself",
    "been cutting myself",
    "what is a lethal dose",
    "im thinking about sucide",
    "suiside",
    "life is not worth living",
    "which bridge is high enough to jump from",
    "I just want it all to be over",
    "I can't take it anymore",
    "nothing to live for",
    "better off dead",
    "my son is talking about killing himself",
    "self-harm again",
    "I'm thinking of taking all my pills",
    "nobody would miss me if I was gone",
    "life is pointless",
    "how much ketamine would kill me",
    "whats the easiest way to die",
    "i feel like dying",
    "my daughter cuts herself",
    "I'm done with everything",
    "I'd be better off gone",
    "i want to stop existing",
    "is there a painless way to go",
    "my dad has a gun and talks about using it on himself",
    "su1cide",
    "i want to k!ll myself",
]
NOT_CRISIS = [
    "How does ketamine kill depression symptoms so quickly?",
    "I'm dying to know how the NMDA receptor works",
    "Can ketamine help PTSD from combat?",
    "does ketamine kill brain cells",
    "what is ketamine",
    "is the infusion painful",
    "How long does an infusion take?",
    "I have a question about NMDA",
    "is the drip given with a needle",
    "I am interested in ketamine for anxiety",
    "can ketamine treat depression in 1 day",
    "stop ptsd nightmares dead in their tracks",
]
ADVICE = [
    "How many mg of ketamine should I take?",
    "Should I stop taking my Zoloft before my infusion?",
    "Can I mix ketamine with my lithium?",
    "I'm pregnant, is a ketamine infusion safe for me?",
    "Do I have PTSD or just anxiety?",
    "Is ketamine right for me? I have high blood pressure.",
    "what dose is right for me",
    "can i keep taking my lexapro during treatment",
    "i'm breastfeeding, can i get an infusion",
    "am i bipolar?",
    "can i take xanax before",
    "I take sertraline, is that a problem with ketamine",
    "is it safe to take ketamine while on antidepressants",
    "I have bipolar, can I get ketamine?",
    "can I drink alcohol after an infusion",
    "how much ketamine is safe for someone my weight",
    "could my anxiety be PTSD?",
    "i'm 16, can i get ketamine",
    "is ketamine safe with my seizure medication",
]
NOT_ADVICE = [
    "What decides the dose and how long the infusion lasts",
    "My antidepressant took months to kick in. Is ketamine quicker?",
    "Will someone watch over me during the infusion?",
    "how soon will i feel relief",
    "Do mood stabilizers have side effects compared with ketamine for bipolar?",
    "what is the NMDA receptor",
]
SMALLTALK = [
    "hi",
    "Hello there!",
    "thanks, that helps",
    "Are you a real person?",
    "who are you",
    "bye",
    "good morning",
    "am I talking to a bot",
    "what can you do",
    "what's your name",
    "thank u",
    "what is this",
    "is this a bot",
    "can I talk to a real person",
    "how are you",
]
NOT_SMALLTALK = [
    "hi, how does ketamine work?",
    "thanks, and what is BDNF?",
    "what is ketamine",
    "who administers the infusion",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_fires(text: str) -> None:
    assert is_crisis(Message.of(text))


@pytest.mark.parametrize("text", NOT_CRISIS + ADVICE + SMALLTALK)
def test_crisis_does_not_fire_on_ordinary_words(text: str) -> None:
    assert not is_crisis(Message.of(text))


@pytest.mark.parametrize("text", ADVICE)
def test_medical_advice_fires(text: str) -> None:
    assert is_medical_advice(Message.of(text))


@pytest.mark.parametrize("text", NOT_ADVICE + SMALLTALK)
def test_medical_advice_does_not_fire_on_general_questions(text: str) -> None:
    assert not is_medical_advice(Message.of(text))


@pytest.mark.parametrize("text", SMALLTALK)
def test_smalltalk_fires(text: str) -> None:
    assert is_smalltalk(Message.of(text))


@pytest.mark.parametrize("text", NOT_SMALLTALK + NOT_ADVICE)
def test_smalltalk_does_not_fire_on_questions(text: str) -> None:
    assert not is_smalltalk(Message.of(text))


def test_reviewed_extra_crisis_phrases_are_matched_as_whole_words() -> None:
    assert is_crisis(Message.of("There is NO WAY OUT for me.", ["no way out"]))
    assert not is_crisis(Message.of("no wayout", ["no way out"]))


def test_crisis_overrides_every_other_rule() -> None:
    assert [name for name, _ in RULES] == ["crisis", "medical_advice", "smalltalk"]
    assert route(Message.of("hi, should I stop my meds? I want to die")) == "crisis"
    assert (
        route(Message.of("I have depression and suicidal thoughts, can ketamine help me?"))
        == "crisis"
    )
    assert route(Message.of("how does ketamine work")) is None


WORD_PATTERNS = [v for v in vars(safety).values() if isinstance(v, WordPatterns)]


def _starts_with_word_char(items: list[Any]) -> bool:
    """Whether every string the parsed regex items can match begins with a word character."""
    if not items:
        return False
    op, av = items[0]
    rest = items[1:]
    if op is sre.LITERAL:
        return bool(re.fullmatch(r"\w", chr(av)))
    if op is sre.IN:
        return all(
            (kind is sre.LITERAL and bool(re.fullmatch(r"\w", chr(value))))
            or (
                kind is sre.RANGE
                and all(re.fullmatch(r"\w", chr(c)) for c in range(value[0], value[1] + 1))
            )
            or (kind is sre.CATEGORY and value in (sre.CATEGORY_DIGIT, sre.CATEGORY_WORD))
            for kind, value in av
        )
    if op is sre.SUBPATTERN:
        return _starts_with_word_char([*av[3], *rest])
    if op is sre.BRANCH:
        return all(_starts_with_word_char([*alternative, *rest]) for alternative in av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, _, item = av
        if low == 0:  # may match nothing: what follows can come first
            return _starts_with_word_char([*item]) and _starts_with_word_char(rest)
        return _starts_with_word_char([*item])
    return False  # anything else (a look-around, `.`, `^`) may begin elsewhere


def test_the_rule_patterns_are_all_checked_here() -> None:
    assert len(WORD_PATTERNS) == 3  # crisis, medical advice, questions about the bot


@pytest.mark.parametrize(
    "alternative", [a for patterns in WORD_PATTERNS for a in patterns.alternatives]
)
def test_every_word_pattern_alternative_begins_at_a_word(alternative: str) -> None:
    # What makes WordPatterns' faster searches find exactly what the plain pattern finds.
    items = [*sre_parse.parse(alternative)]
    assert items[0] == (sre.AT, sre.AT_BOUNDARY), "must begin with \\b"
    assert _starts_with_word_char(items[1:]), "\\b must be followed by a letter or digit"


def test_the_word_start_check_rejects_what_may_begin_elsewhere() -> None:
    assert not _starts_with_word_char([*sre_parse.parse(r"(?:a )?-")])
    assert not _starts_with_word_char([*sre_parse.parse(r"[0-z]")])  # ":" is in the range
    assert not _starts_with_word_char([*sre_parse.parse(r"(?=a)a")])
    assert not _starts_with_word_char([*sre_parse.parse(r"[^a]")])
    assert _starts_with_word_char([*sre_parse.parse(r"(?:x|\d+)?[a-z]")])


_VOCABULARY = sorted(
    {
        w
        for patterns in WORD_PATTERNS
        for a in patterns.alternatives
        for w in re.findall("[a-z]+", a)
    }
)
_PIECES = st.one_of(
    st.sampled_from(_VOCABULARY),
    st.sampled_from([" ", "  ", ",", ".", "'", "-", "_", "?", "!", "1", "é", "ж", "\n"]),
)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=14).map("".join) | st.text(max_size=40))
def test_word_pattern_searches_find_what_the_plain_pattern_finds(text: str) -> None:
    message = Message.of(text)
    for patterns in WORD_PATTERNS:
        assert patterns.in_words(message.joined) == bool(patterns.pattern.search(message.joined))
        assert patterns.in_text(text) == bool(patterns.pattern.search(text))
        assert patterns.in_text(message.text) == bool(patterns.pattern.search(message.text))


# Matches right after punctuation, digits, underscores and other scripts' letters, and none.
EDGES = ["well...kms", "(suicide)", "#kys", "_kms", "2kms", "жkms", "é overdose", "x-noose", "kms_"]


@pytest.mark.parametrize("text", CRISIS + NOT_CRISIS + ADVICE + NOT_ADVICE + SMALLTALK + EDGES)
def test_word_pattern_searches_agree_on_the_rule_examples(text: str) -> None:
    message = Message.of(text)
    for patterns in WORD_PATTERNS:
        assert patterns.in_words(message.joined) == bool(patterns.pattern.search(message.joined))
        assert patterns.in_text(message.text) == bool(patterns.pattern.search(message.text))
