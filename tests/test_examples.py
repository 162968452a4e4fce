"""Example files: parsing, located problems, and holding examples out."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bot.examples import Example, example_key, example_problems, parse_messages, parse_questions
from bot.knowledge import load_knowledge
from tests.conftest import SHIPPED_KNOWLEDGE, TINY_EXAMPLES, write_knowledge


def test_message_file_gives_one_example_per_line_without_comments() -> None:
    examples, problems = parse_messages(
        "# crisis messages\n\ni want to die\n  so   tired of living  \n", "crisis.txt", "crisis"
    )
    assert problems == []
    assert [(e.text, e.kind, e.line) for e in examples] == [
        ("i want to die", "crisis", 3),
        ("so tired of living", "crisis", 4),
    ]


def test_empty_message_file_is_an_error() -> None:
    _, problems = parse_messages("# nothing yet\n", "smalltalk.txt", "smalltalk")
    assert [(p.path, p.line) for p in problems] == [("smalltalk.txt", 1)]
    assert "no examples" in problems[0].message


def test_message_of_punctuation_or_emoji_only_is_an_example() -> None:
    examples, problems = parse_messages("??\n👋\n", "no-answer.txt", "no_answer")
    assert problems == [] and [e.text for e in examples] == ["??", "👋"]
    assert example_key("??") != example_key("👋")


def test_questions_file_groups_questions_under_passage_ids() -> None:
    examples, problems = parse_questions(
        "# help\n[what-is]\nwhat is it\n\n[how]\nhow does it work\n", "questions.txt"
    )
    assert problems == []
    assert [(e.target, e.text, e.line) for e in examples] == [
        ("what-is", "what is it", 3),
        ("how", "how does it work", 6),
    ]


def test_question_before_any_passage_id_is_an_error() -> None:
    _, problems = parse_questions("what is it\n[what-is]\n", "questions.txt")
    assert [p.line for p in problems] == [1]


def test_unknown_passage_id_is_an_error_with_its_line() -> None:
    found = [Example("what is it", "passage", "nope", "questions.txt", 4)]
    problems = example_problems(found, ["what-is"])
    assert any(p.line == 4 and "nope" in p.message for p in problems)


def test_same_message_taught_as_two_kinds_is_an_error_naming_both_places() -> None:
    found = [
        Example("I want to die!", "crisis", "", "crisis.txt", 2),
        Example("i want to die", "not_crisis", "", "not-crisis.txt", 9),
    ]
    problems = [p for p in example_problems(found, []) if "also at" in p.message]
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == ("not-crisis.txt", 9)
    assert "crisis.txt:2" in problems[0].message and problems[0].severity == "error"


def test_repeated_message_of_one_kind_is_a_warning() -> None:
    found = [
        Example("hi there", "smalltalk", "", "smalltalk.txt", 1),
        Example("Hi, there.", "smalltalk", "", "smalltalk.txt", 5),
    ]
    problems = [p for p in example_problems(found, []) if "repeats" in p.message]
    assert [(p.line, p.severity) for p in problems] == [(5, "warning")]


def test_too_few_examples_of_a_kind_is_an_error() -> None:
    found = [Example(f"hello number {i}", "smalltalk", "", "smalltalk.txt", i) for i in range(3)]
    messages = [p.message for p in example_problems(found, []) if p.severity == "error"]
    assert any("only 3 small-talk" in m for m in messages)
    assert any("only 0 crisis" in m for m in messages)


def test_example_key_is_the_same_with_or_without_its_shortcut_for_ascii() -> None:
    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        return " ".join(re.sub(r"[\W_]+", " ", plain).split()) or " ".join(text.split())

    texts = [e.text for e in load_knowledge(SHIPPED_KNOWLEDGE).examples]
    texts += ["Straße", "\u212a", "naïve CAFÉ", "ＡＢＣ ｄｅｆ", "¿Qué  PASA?", "👋", "?!", "  "]
    assert [example_key(t) for t in texts] == [reference(t) for t in texts]


def test_example_key_ignores_case_accents_punctuation_and_spacing() -> None:
    assert example_key("¿Qué  PASA?") == example_key("que pasa")
    assert example_key("i want to die") != example_key("i want to dine")


def test_knowledge_gathers_examples_from_files_and_question_lines(tiny_knowledge: Path) -> None:
    knowledge = load_knowledge(tiny_knowledge)
    assert knowledge.errors == ()
    kinds = {e.kind for e in knowledge.examples}
    assert kinds == {
        "crisis",
        "not_crisis",
        "medical_advice",
        "smalltalk",
        "no_answer",
        "passage",
        "topic",
    }
    from_article = [e for e in knowledge.examples if e.path.endswith("tiny.md")]
    assert [(e.text, e.target) for e in from_article] == [
        ("What kind of medicine is ketamine?", "tiny-what")
    ]
    assert from_article[0].line == 13


def test_missing_example_file_is_an_error(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    (folder / "examples" / "smalltalk.txt").unlink()
    knowledge = load_knowledge(folder)
    assert any(
        p.path.endswith("smalltalk.txt") and "missing" in p.message for p in knowledge.errors
    )


def test_without_leaves_out_examples_everywhere(tiny_knowledge: Path) -> None:
    knowledge = load_knowledge(tiny_knowledge)
    held = [TINY_EXAMPLES["crisis.txt"].splitlines()[0], "what kind of medicine is KETAMINE"]
    smaller = knowledge.without(held)
    keys = {example_key(e.text) for e in smaller.examples}
    assert not keys & {example_key(t) for t in held}
    assert len(smaller.examples) == len(knowledge.examples) - 2
    assert smaller.passages[0].questions == () and smaller.passages[0].question_lines == ()
    assert smaller.version != knowledge.version
