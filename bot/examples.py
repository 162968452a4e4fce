"""Reviewed example messages, the data the bot learns from.

- `examples/crisis.txt`, `not-crisis.txt`, `medical-advice.txt`, `smalltalk.txt`,
  `no-answer.txt`: one message per line, each teaching the kind of its file. They hold for
  every clinic: how visitors write, whatever the articles say.
- `articles/questions.txt`: `[passage-id]` lines, each followed by questions that passage
  answers. They belong to the articles beside them.

Passages' `?` lines in the articles and uncovered topics' `?` lines are examples too
(`knowledge.load_knowledge` gathers them all into `Knowledge.examples`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bot.problems import Collector, Problem, lines

ExampleKind = Literal[
    "crisis", "not_crisis", "medical_advice", "smalltalk", "no_answer", "passage", "topic"
]
# The message files and the kind each teaches; all are required.
MESSAGE_FILES: dict[str, ExampleKind] = {
    "crisis.txt": "crisis",
    "not-crisis.txt": "not_crisis",
    "medical-advice.txt": "medical_advice",
    "smalltalk.txt": "smalltalk",
    "no-answer.txt": "no_answer",
}
# Example questions per passage belong to the articles, so they live beside them (older
# knowledge folders kept them in examples/, still read).
QUESTIONS_FILE = "articles/questions.txt"
LEGACY_QUESTIONS_FILE = "examples/questions.txt"
MIN_PER_KIND = 5  # fewer examples than this of a kind cannot train a classifier
_PUNCTUATION = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Example:
    """One reviewed message and what it teaches: its kind and, for questions, which passage
    (passage id) or uncovered topic (topic name) answers it."""

    text: str
    kind: ExampleKind
    target: str = ""
    path: str = ""
    line: int = 0
    heading: str = ""  # the `# ` note it is written under, if any (examples of a kind)

    @property
    def is_question_line(self) -> bool:
        """Whether it is a passage's `?` line in an article (not a staff example question)."""
        return self.kind == "passage" and self.path.endswith(".md")

    @property
    def where(self) -> str:
        """`file:line`, for messages to staff."""
        return f"{self.path}:{self.line}"


def example_key(text: str) -> str:
    """What makes two examples the same message: case, accents, punctuation and spacing
    ignored (a message of punctuation or emoji only is compared as written)."""
    plain = text.casefold()
    # ASCII has no accents to drop: skipping the decomposition for it saves half a second of
    # every start (13,000 examples, nearly all ASCII).
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", plain).split()) or " ".join(text.split())


def parse_messages(text: str, path: str, kind: ExampleKind) -> tuple[list[Example], list[Problem]]:
    """One example per non-blank line; `#` starts a comment line (the last one before an
    example is its heading)."""
    out = Collector(path)
    found: list[Example] = []
    heading = ""
    for n, line in lines(text):
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("# ")
            continue
        if not stripped:
            continue
        found.append(Example(" ".join(stripped.split()), kind, "", path, n, heading))
    if not found:
        out.error(1, "the file has no examples; add at least one message per line")
    return found, out.problems


def parse_questions(text: str, path: str) -> tuple[list[Example], list[Problem]]:
    """`[passage-id]` lines, each followed by example questions for that passage."""
    out = Collector(path)
    found: list[Example] = []
    target: str | None = None
    for n, line in lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            target = stripped[1:-1].strip()
            if not target:
                out.error(n, "an empty `[ ]`; write the passage id between the brackets")
            continue
        if target is None:
            out.error(n, "a question before the first `[passage-id]` line; put it under one")
            continue
        if target:
            found.append(Example(" ".join(stripped.split()), "passage", target, path, n))
    return found, out.problems


def example_problems(examples: Iterable[Example], passage_ids: Iterable[str]) -> list[Problem]:
    """Unknown passage ids, the same message taught as two different things, repeats, and kinds
    with too few examples to learn from."""
    problems: list[Problem] = []
    known = set(passage_ids)
    orphans: set[str] = set()
    seen: dict[str, Example] = {}
    counts: Counter[str] = Counter()
    for ex in examples:
        if ex.kind == "passage" and ex.target not in known:
            if ex.target not in orphans:  # one warning per block
                orphans.add(ex.target)
                problems.append(
                    Problem(
                        ex.path,
                        ex.line,
                        f"no passage has the id {ex.target!r} (was it removed?): these example "
                        "questions now count as questions the articles do not answer, so "
                        'visitors who ask them get "not covered"; keep the block for that, '
                        "move questions another passage answers under its id, or write the "
                        "passage's new id if it was renamed",
                        "warning",
                    )
                )
            continue
        counts["question" if ex.kind in ("passage", "topic", "no_answer") else ex.kind] += 1
        key = example_key(ex.text)
        first = seen.setdefault(key, ex)
        if first is ex:
            continue
        kinds = {first.kind, ex.kind}
        if kinds == {"passage", "not_crisis"}:
            continue  # a question a passage answers, and no crisis: both hold
        if "passage" in kinds and kinds & {"no_answer", "topic"}:
            unanswered = ex if ex.kind != "passage" else first
            answered = first if unanswered is ex else ex
            problems.append(
                Problem(
                    unanswered.path,
                    unanswered.line,
                    f"{_label(unanswered)}, but {_label(answered)} at {answered.where}: the "
                    "passage answers it now, so it is not counted as unanswered; delete this line",
                    "warning",
                )
            )
        elif (first.kind, first.target) != (ex.kind, ex.target):
            problems.append(
                Problem(
                    ex.path,
                    ex.line,
                    f"this message is also at {first.where} as {_label(first)}, here as "
                    f"{_label(ex)}; a message can teach one thing only: keep the right one",
                )
            )
        else:
            problems.append(
                Problem(ex.path, ex.line, f"repeats {first.where}; remove one", "warning")
            )
    for kind, what in (
        ("crisis", "crisis messages (examples/crisis.txt)"),
        ("medical_advice", "requests for medical advice (examples/medical-advice.txt)"),
        ("smalltalk", "small-talk messages (examples/smalltalk.txt)"),
        ("question", "questions (articles/questions.txt, no-answer.txt, `?` lines)"),
    ):
        if counts[kind] < MIN_PER_KIND:
            problems.append(
                Problem(
                    "examples",
                    1,
                    f"only {counts[kind]} {what}; the bot needs at least {MIN_PER_KIND} to "
                    "learn from, so it cannot be loaded",
                )
            )
    return problems


def _label(ex: Example) -> str:
    if ex.kind == "passage":
        return f"a question for passage {ex.target!r}"
    if ex.kind == "topic":
        return f"a question for the uncovered topic [{ex.target}]"
    return {
        "crisis": "a crisis message",
        "not_crisis": "a not-crisis message",
        "medical_advice": "a request for medical advice",
        "smalltalk": "small talk",
        "no_answer": "a question the articles do not answer",
    }[ex.kind]
