"""The assistant: routing order, answer composition and the JSON form."""

from __future__ import annotations

import gc
import json
import random
import string
from pathlib import Path

import pytest

from bot.assistant import MAX_QUESTION_CHARS, Assistant
from bot.knowledge import KnowledgeError
from tests.conftest import write_knowledge


@pytest.fixture
def bot(shipped_bot: Assistant) -> Assistant:
    return shipped_bot


def test_answer_json_form_has_every_documented_field(bot: Assistant) -> None:
    data = bot.ask("how does ketamine work").to_dict()
    assert set(data) == {
        "kind",
        "question",
        "message",
        "passages",
        "resources",
        "disclaimer",
        "contact",
        "suggestions",
        "language",
        "level",
        "held",
    }
    assert data["kind"] == "answer" and data["language"] == "en"
    assert data["level"] is None and data["held"] is None
    first = data["passages"][0]
    assert set(first) == {"id", "article", "section", "text", "source", "reviewed_on", "score"}
    assert first["id"] == "glutamate-nmda"
    assert set(first["source"]) == {"title", "publisher", "url"}
    assert "N-methyl-D-aspartate" in first["text"]
    assert data["contact"]["phone"] and data["disclaimer"]
    assert 0 < len(data["suggestions"]) <= 3
    assert all(s not in {"How do Ketamine Infusions Work?"} for s in data["suggestions"])
    json.dumps(data)  # serializable as is


def test_passages_are_quoted_verbatim(bot: Assistant) -> None:
    answer = bot.ask("what is BDNF")
    texts = {p.text for p in bot.knowledge.passages}
    assert answer.passages and all(p.text in texts for p in answer.passages)


def test_crisis_reply_has_resources_first_and_no_passages_or_booking(bot: Assistant) -> None:
    answer = bot.ask("I want to kill myself. How does ketamine work?")
    assert answer.kind == "crisis"
    assert answer.passages == () and answer.contact is None and answer.suggestions == ()
    hrefs = [r.href for r in answer.resources]
    assert "tel:988" in hrefs and "sms:988" in hrefs and "tel:911" in hrefs
    assert any("741741" in r.detail for r in answer.resources)
    assert answer.disclaimer


def test_medical_advice_reply_declines_without_passages(bot: Assistant) -> None:
    answer = bot.ask("How many mg of ketamine should I take?")
    assert answer.kind == "medical_advice" and answer.passages == ()
    assert "can't give personal medical advice" in answer.message
    assert answer.contact is not None


def test_no_answer_gives_the_topic_message_and_example_questions(bot: Assistant) -> None:
    answer = bot.ask("what are the side effects of ketamine")
    assert answer.kind == "no_answer" and answer.passages == ()
    assert "side effects" in answer.message
    assert answer.suggestions and answer.contact is not None
    plain = bot.ask("who won the world series")
    assert plain.kind == "no_answer" and "don't have a reviewed answer" in plain.message


def test_smalltalk_is_honest_about_being_automated(bot: Assistant) -> None:
    answer = bot.ask("are you a real person?")
    assert answer.kind == "smalltalk" and "automated assistant" in answer.message
    assert bot.ask("thanks!").message.startswith("You're welcome")
    assert bot.ask("bye").message.startswith("Take care")


@pytest.mark.parametrize("text", ["", "   ", "\x00\u202e", "🙂" * 600, "a" * 5000, "<script>"])
def test_any_text_gets_a_reply(bot: Assistant, text: str) -> None:
    answer = bot.ask(text)
    assert answer.kind in {"no_answer", "smalltalk", "answer"}
    assert len(answer.question) <= MAX_QUESTION_CHARS


def test_invalid_knowledge_is_refused_with_locations(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k", "---\ntitle: x\n---\n")
    with pytest.raises(KnowledgeError, match=r"tiny\.md:\d+:"):
        Assistant.from_folder(folder)


def test_crisis_in_spanish_gets_the_spanish_crisis_reply(bot: Assistant) -> None:
    answer = bot.ask("ya no quiero vivir, estoy pensando en suicidarme")
    assert answer.kind == "crisis" and answer.message.startswith("Parece que")
    details = " ".join(r.detail for r in answer.resources)
    assert "oprima 2" in details and "AYUDA" in details and "988lineadevida.org" in details
    english = bot.ask("i want to end my life")
    assert english.kind == "crisis" and english.message.startswith("It sounds like")
    assert answer.language == "es" and english.language == "en"


@pytest.mark.parametrize(
    "text", ["¿Cómo funciona la ketamina?", "hola, ¿la ketamina ayuda con la depresión?"]
)
def test_a_spanish_question_gets_a_spanish_note_and_the_clinic_contact(
    bot: Assistant, text: str
) -> None:
    answer = bot.ask(text)
    assert answer.kind == "no_answer" and answer.language == "es"
    assert "solo responde en inglés" in answer.message
    assert answer.contact is not None and answer.contact.phone
    assert answer.passages == () and answer.suggestions == ()


def test_a_spanish_greeting_stays_small_talk_with_the_spanish_note(bot: Assistant) -> None:
    answer = bot.ask("buenas tardes")
    assert answer.kind == "smalltalk" and answer.language == "es"
    assert "solo responde en inglés" in answer.message and answer.contact is not None


def test_a_near_duplicate_passage_is_not_shown_twice(bot: Assistant) -> None:
    # rapid-relief and depression-rapid-effect repeat the same sentence; both rank close here
    ranked = [c.passage.id for c in bot.rank("rapid antidepressant effect").candidates[:2]]
    assert ranked == ["rapid-relief", "depression-rapid-effect"]
    assert [p.id for p in bot.ask("rapid antidepressant effect").passages] == ["rapid-relief"]
    assert "depression-rapid-effect" not in {
        p.id for p in bot.ask("Can ketamine help with PTSD?").passages
    }


def test_related_suggestions_are_nearest_and_never_the_question_itself(bot: Assistant) -> None:
    own = "What does ketamine do in the brain?"
    answer = bot.ask(own)
    assert answer.kind == "answer" and 0 < len(answer.suggestions) <= 3
    keys = {s.casefold().rstrip("?") for s in answer.suggestions}
    assert own.casefold().rstrip("?") not in keys
    shown = {p.id for p in answer.passages}
    assert not {q for p in bot.knowledge.passages if p.id in shown for q in p.questions} & set(
        answer.suggestions
    )
    assert bot.related(own.upper() + "!!", 3) == bot.related(own, 3)
    assert own not in bot.related(own, 3) and len(bot.related(own, 2)) == 2


def test_no_answer_suggests_questions_related_to_what_was_asked(bot: Assistant) -> None:
    insurance = bot.ask("do you take insurance")
    assert insurance.kind == "no_answer"
    assert insurance.suggestions != bot.starters  # not the same three whatever was asked
    booking = "How do I book an appointment?"
    assert booking in insurance.suggestions
    assert insurance.suggestions == bot.related("do you take insurance")


def test_a_greeting_or_aside_before_the_question_does_not_stop_the_answer(bot: Assistant) -> None:
    for text in (
        "Hi! quick question - what is ketamine normally used for?",
        "this commute is killing me lol. anyway how does ketamine work in the brain",
    ):
        answer = bot.ask(text)
        assert answer.kind == "answer", text


def test_crisis_in_any_sentence_is_a_crisis(bot: Assistant) -> None:
    assert bot.ask("how fast does it work? i cant hold on much longer").kind == "crisis"
    assert bot.ask("what is bdnf? also i want to kill myself").kind == "crisis"


def test_what_a_visitor_types_is_not_kept_in_the_vector_cache(bot: Assistant) -> None:
    before = len(bot.cache._vectors)
    bot.ask("a question nobody has ever typed before about zebras and ketamine")
    assert len(bot.cache._vectors) == before


def test_reloaded_knowledge_shares_the_encoder(bot: Assistant) -> None:
    again = Assistant(bot.knowledge)
    assert again.encoder is bot.encoder and again.cache is bot.cache


@pytest.mark.parametrize(
    "question",
    [
        "I want to kill myself",
        "honestly kinda want to die lol. are you guys open saturdays",
        "should I stop taking my zoloft",
    ],
)
def test_crisis_medical_and_near_crisis_messages_may_not_be_kept(
    bot: Assistant, question: str
) -> None:
    assert not bot.ask(question).may_keep
    assert not bot.may_keep(question)


@pytest.mark.parametrize("question", ["what are your hours", "how does ketamine work"])
def test_ordinary_questions_may_be_kept(bot: Assistant, question: str) -> None:
    assert bot.ask(question).may_keep and bot.may_keep(question)


def strings_holding(needles: tuple[str, ...]) -> list[str]:
    """Every string that an object the collector tracks refers to, directly or through
    containers it does not track (a dict of strings only, as a cache of words is, is not
    tracked), and that holds one of `needles` (the needles themselves left out)."""
    gc.collect()
    found: list[str] = []
    seen: set[int] = set()
    stack = gc.get_objects()
    while stack:
        obj = stack.pop()
        for ref in gc.get_referents(obj):
            if isinstance(ref, str):
                if any(n in ref for n in needles) and not any(ref is n for n in needles):
                    found.append(ref)
            elif isinstance(ref, CONTAINERS) and not gc.is_tracked(ref) and id(ref) not in seen:
                seen.add(id(ref))
                stack.append(ref)
    return found


CONTAINERS = (dict, list, tuple, set, frozenset)


def test_nothing_keeps_a_visitors_words_after_the_reply(bot: Assistant) -> None:
    rng = random.Random()  # words no one has typed: built here, never literals of this file
    made_up = tuple("".join(rng.choice(string.ascii_lowercase) for _ in range(12)) for _ in "abc")
    misspelt = "glutamatte" + rng.choice("xz")  # a word the speller corrects

    def visit() -> None:
        for message in (
            f"what does {made_up[0]} cost? {misspelt} and ketamine",
            f"I feel {made_up[1]}, suicidel and {made_up[2]}",
            f"{made_up[0]}. {made_up[1]}! {misspelt}?",
        ):
            bot.ask(message)
            bot.rank(message)

    visit()
    assert strings_holding((*made_up, misspelt)) == []
