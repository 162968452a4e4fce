"""Knowledge folders as clinic staff change them, and the visitors' questions about each: for
measuring whether what the bot learned follows the knowledge (tests/test_knowledge_edits.py,
scripts/knowledge_figures.py, docs/understanding.md).

Every folder starts from the shipped knowledge:

- `added`: an article of eight practical passages added (tests/data/added-article, written
  blind, two `?` lines each as the staff guide suggests) and the uncovered topics it answers
  deleted; `added-topics-kept`: the same with the topics left in; `added-2`, `added-3`,
  `added-4`: other articles (seven passages each: safety and aftercare; booking, policies and
  the care team; boosters, maintenance and integration; tests/data/added-article-2, -3, -4, by
  other writers), the topics they answer deleted; `added-5`, `added-6`, `added-7`: six passages
  each (esketamine nasal spray; ketamine for chronic pain; support between visits;
  tests/data/added-article-5, -6, -7), the topics and no-answer examples `faqbot check` named
  deleted, as its warnings say;
- `without-ptsd`, `without-bipolar`, `without-depression`, `without-infusions`,
  `without-how-it-works`: a section removed, its example
  questions' block left in `articles/questions.txt` as the staff guide says (its questions then
  count as ones the articles no longer answer); questions only it answered, by the two
  articles' question writers and (the last two, tests/data/removed-sections) a third;
- `second-clinic` ... `fifth-clinic`: another clinic's FAQ page in place of the article, its
  example questions and uncovered topics emptied, the rest as shipped (tests/data/*-clinic: each
  FAQ written by one writer, the visitors' questions by another).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation import Item, parse_items

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "knowledge"
DATA = ROOT / "tests" / "data"
ARTICLE = "understanding-ketamine-infusions.md"
ADDED_ANSWERS = {"cost", "insurance", "number of sessions", "preparing for an infusion"}
SECOND_ADDED_ANSWERS = {"side effects", "addiction"}
THIRD_ADDED_ANSWERS = {"referrals and new patients", "opening hours", "changing an appointment"}
FOURTH_ADDED_ANSWERS = {"number of sessions"}
# What `faqbot check` named at 0f0c0ba, when these articles were measured blind.
FIFTH_ADDED_ANSWERS = {
    "esketamine and Spravato",
    "cost",
    "insurance",
    "number of sessions",
    "FDA approval",
}
FIFTH_ADDED_NO_ANSWER = {"killed my whole saturday researching this, is spravato the same thing"}
SIXTH_ADDED_ANSWERS = {
    "side effects",
    "conditions the articles do not cover",
    "referrals and new patients",
}
SEVENTH_ADDED_ANSWERS = {"opening hours"}  # at 01c284c ([referrals ...] answered in part only)


@dataclass(frozen=True)
class Edit:
    """A knowledge folder as staff changed it, and question sets about it."""

    name: str
    make: Callable[[Path], None]
    sets: tuple[tuple[str, str, bool], ...]  # (label, file under tests/data, expect no answer)


def _without_blocks(path: Path, pattern: str, names: set[str]) -> None:
    """Delete the blocks of a file that start with a line matching `pattern` (its group 1 one
    of `names`), up to the next such line."""
    kept, skipping = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(pattern, line.strip()):
            skipping = match[1] in names
        if not skipping:
            kept.append(line)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def _without_topics(folder: Path, names: set[str]) -> None:
    _without_blocks(folder / "articles" / "uncovered-topics.txt", r"\[(.*)\]\s*", names)


def _without_section(folder: Path, heading: str) -> None:
    article = folder / "articles" / ARTICLE
    text = article.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.index("\n## ", start + 3)
    article.write_text(text[:start] + text[end + 1 :], encoding="utf-8")


def _added(folder: Path, keep_topics: bool) -> None:
    shutil.copy(DATA / "added-article" / "articles" / "your-visit.md", folder / "articles")
    if not keep_topics:
        _without_topics(folder, ADDED_ANSWERS)


def _another_added(
    folder: Path, article: Path, answers: set[str], no_answer: set[str] | None = None
) -> None:
    shutil.copy(article, folder / "articles")
    _without_topics(folder, answers)
    if no_answer:
        path = folder / "examples" / "no-answer.txt"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        assert no_answer <= {line.strip() for line in lines}, "a no-answer example is not there"
        path.write_text("".join(x for x in lines if x.strip() not in no_answer), encoding="utf-8")


def _clinic(folder: Path, clinic: str) -> None:
    for article in (folder / "articles").glob("*.md"):
        article.unlink()
    shutil.copy(DATA / clinic / "articles" / "faq.md", folder / "articles" / "faq.md")
    shutil.copy(DATA / clinic / "clinic.txt", folder / "clinic.txt")
    (folder / "articles" / "questions.txt").write_text("", encoding="utf-8")
    (folder / "articles" / "uncovered-topics.txt").write_text("", encoding="utf-8")


EDITS = (
    Edit(
        "added",
        lambda f: _added(f, keep_topics=False),
        (
            ("questions about the new passages", "added-article/questions.jsonl", False),
            ("questions about the rest", "added-article/others.jsonl", False),
        ),
    ),
    Edit(
        "added-topics-kept",
        lambda f: _added(f, keep_topics=True),
        (("questions about the new passages", "added-article/questions.jsonl", False),),
    ),
    Edit(
        "added-2",
        lambda f: _another_added(
            f,
            DATA / "added-article-2" / "articles" / "safety-and-aftercare.md",
            SECOND_ADDED_ANSWERS,
        ),
        (
            ("questions about the new passages", "added-article-2/questions.jsonl", False),
            ("questions about the rest", "added-article-2/others.jsonl", False),
        ),
    ),
    Edit(
        "added-3",
        lambda f: _another_added(
            f,
            DATA / "added-article-3" / "articles" / "booking-and-policies.md",
            THIRD_ADDED_ANSWERS,
        ),
        (("questions about the new passages", "added-article-3/questions.jsonl", False),),
    ),
    Edit(
        "added-4",
        lambda f: _another_added(
            f,
            DATA / "added-article-4" / "articles" / "between-infusions.md",
            FOURTH_ADDED_ANSWERS,
        ),
        (("questions about the new passages", "added-article-4/questions.jsonl", False),),
    ),
    Edit(
        "added-5",
        lambda f: _another_added(
            f,
            DATA / "added-article-5" / "articles" / "spravato.md",
            FIFTH_ADDED_ANSWERS,
            FIFTH_ADDED_NO_ANSWER,
        ),
        (("questions about the new passages", "added-article-5/questions.jsonl", False),),
    ),
    Edit(
        "added-6",
        lambda f: _another_added(
            f, DATA / "added-article-6" / "articles" / "chronic-pain.md", SIXTH_ADDED_ANSWERS
        ),
        (("questions about the new passages", "added-article-6/questions.jsonl", False),),
    ),
    Edit(
        "added-7",
        lambda f: _another_added(
            f, DATA / "added-article-7" / "articles" / "between-visits.md", SEVENTH_ADDED_ANSWERS
        ),
        (("questions about the new passages", "added-article-7/questions.jsonl", False),),
    ),
    Edit(
        "without-ptsd",
        lambda f: _without_section(f, "PTSD"),
        (
            ("questions only the section answered", "added-article/only-ptsd.jsonl", True),
            (
                "the second writer's questions only it answered",
                "added-article-2/only-ptsd.jsonl",
                True,
            ),
            ("questions about the rest", "added-article/others.jsonl", False),
        ),
    ),
    Edit(
        "without-bipolar",
        lambda f: _without_section(f, "Bipolar Disorder"),
        (
            ("questions only the section answered", "added-article/only-bipolar.jsonl", True),
            (
                "the second writer's questions only it answered",
                "added-article-2/only-bipolar.jsonl",
                True,
            ),
        ),
    ),
    Edit(
        "without-depression",
        lambda f: _without_section(f, "Depression"),
        (("questions only the section answered", "added-article-2/only-depression.jsonl", True),),
    ),
    Edit(
        "without-infusions",
        lambda f: _without_section(f, "What are Ketamine Infusions?"),
        (
            (
                "questions only the section answered",
                "removed-sections/only-what-is-an-infusion.jsonl",
                True,
            ),
        ),
    ),
    Edit(
        "without-how-it-works",
        lambda f: _without_section(f, "How Do Ketamine Infusions Work?"),
        (
            (
                "questions only the section answered",
                "removed-sections/only-how-it-works.jsonl",
                True,
            ),
        ),
    ),
    Edit(
        "second-clinic",
        lambda f: _clinic(f, "second-clinic"),
        (("visitors' questions", "second-clinic/questions.jsonl", False),),
    ),
    Edit(
        "third-clinic",
        lambda f: _clinic(f, "third-clinic"),
        (("visitors' questions", "third-clinic/questions.jsonl", False),),
    ),
    Edit(
        "fourth-clinic",
        lambda f: _clinic(f, "fourth-clinic"),
        (("visitors' questions", "fourth-clinic/questions.jsonl", False),),
    ),
    Edit(
        "fifth-clinic",
        lambda f: _clinic(f, "fifth-clinic"),
        (("visitors' questions", "fifth-clinic/questions.jsonl", False),),
    ),
)


def build(edit: Edit, parent: Path) -> Path:
    """The edited knowledge folder, written under `parent`."""
    folder = parent / edit.name
    shutil.copytree(SHIPPED, folder)
    edit.make(folder)
    return folder


def questions(name: str, no_answer: bool) -> list[Item]:
    """A question set of tests/data; with `no_answer`, every item expects "not covered" (its
    passage is gone)."""
    text = (DATA / name).read_text(encoding="utf-8")
    if no_answer:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        text = "\n".join(
            json.dumps({**r, "expect": "no_answer", "answer_contains": []}) for r in rows
        )
    return parse_items(text, name)
