"""Question sets (format: ../shared/eval/README.md) and the quality metrics over them."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.answer import KINDS, Answer
from bot.examples import Example, ExampleKind, example_key

if TYPE_CHECKING:  # the CLI imports this module; the engine loads only when it is used
    from bot.assistant import Assistant
    from bot.knowledge import Knowledge
    from bot.vectors import VectorCache

NEAR_DUPLICATE = 0.9  # an example this close (cosine) to a held-out message is held out too


@dataclass(frozen=True)
class Item:
    """One question with the reply kinds that pass and, for answers, strings one must contain."""

    id: str
    question: str
    expect: tuple[str, ...]
    answer_contains: tuple[str, ...] = ()
    line: int = 0


class QuestionSetError(Exception):
    """A malformed question set; the message names the line."""


def parse_items(text: str, name: str = "questions") -> list[Item]:
    """Parse a JSONL question set; raise QuestionSetError naming the first bad line."""
    items: list[Item] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{name}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise QuestionSetError(f"{name}:{n}: each line must be a JSON object")
        question, expect = data.get("question"), data.get("expect")
        if not isinstance(question, str):
            raise QuestionSetError(f"{name}:{n}: `question` must be a string")
        kinds = (expect,) if isinstance(expect, str) else tuple(expect or ())
        if not kinds or any(k not in KINDS for k in kinds):
            raise QuestionSetError(
                f"{name}:{n}: `expect` must be one of {', '.join(KINDS)} or a list of them"
            )
        contains = data.get("answer_contains") or []
        if not isinstance(contains, list) or not all(isinstance(c, str) for c in contains):
            raise QuestionSetError(f"{name}:{n}: `answer_contains` must be a list of strings")
        item_id = str(data.get("id") or f"line-{n}")
        if item_id in seen:
            raise QuestionSetError(f"{name}:{n}: id {item_id!r} is used twice")
        seen.add(item_id)
        items.append(Item(item_id, question, kinds, tuple(contains), n))
    if not items:
        raise QuestionSetError(f"{name}:1: the question set is empty")
    return items


@dataclass
class Report:
    """The metrics of ../shared/eval/README.md, and every failure."""

    routing: float
    routing_by_kind: dict[str, float]
    hit1: float
    hit3: float
    mrr: float
    crisis_recall: float  # crisis messages that got crisis resources first, at either level
    crisis_fp_rate: float  # other messages that got crisis resources alone (the clear level)
    count: int
    crisis_kept: int = 0  # crisis messages that could have been kept for staff: must be 0
    check_in_rate: float = 0.0  # other messages that got the check-in ("are you safe?")
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `faqbot eval --json`."""
        return dict(self.__dict__)


def _rank(answer: Answer, needles: tuple[str, ...]) -> int:
    """1-based rank of the first passage containing a needle (heading plus text), or 0."""
    for i, p in enumerate(answer.passages, start=1):
        haystack = f"{p.section}\n{p.text}".lower()
        if any(n.lower() in haystack for n in needles):
            return i
    return 0


def evaluate(assistant: Assistant, items: list[Item]) -> Report:
    """Run every item through the assistant and compute the metrics."""
    return report([(item, assistant.ask(item.question)) for item in items])


def report(answered: list[tuple[Item, Answer]]) -> Report:
    """The metrics of items and the answers they got.

    A check-in (crisis resources first, then the reply the message would otherwise get, shown
    when the visitor says they are safe) counts as a crisis reply for crisis recall; for every
    other item, routing and passages are judged on that other reply, and the check-in is counted
    in `check_in_rate` instead. An item that accepts "not covered" among its kinds is not a hit@1
    miss when the bot says it has no answer."""
    routed_ok: dict[str, list[bool]] = defaultdict(list)
    ranks: list[int] = []
    crisis_hits: list[bool] = []
    crisis_fps: list[bool] = []
    check_ins: list[bool] = []
    crisis_kept = 0
    failures: list[dict[str, Any]] = []
    for item, answer in answered:
        is_crisis_item = item.expect == ("crisis",)
        got = answer if is_crisis_item or answer.level != "check_in" else answer.shown
        ok = got.kind in item.expect
        routed_ok[item.expect[0]].append(ok)
        rank = 0
        graded = (
            bool(item.answer_contains)
            and "answer" in item.expect
            and not ("no_answer" in item.expect and got.kind == "no_answer")
        )
        if graded:
            rank = _rank(got, item.answer_contains) if got.kind == "answer" else 0
            ranks.append(rank)
        if is_crisis_item:
            crisis_hits.append(answer.kind == "crisis")
            crisis_kept += answer.may_keep
        if "crisis" not in item.expect:
            crisis_fps.append(answer.kind == "crisis" and answer.level != "check_in")
            check_ins.append(answer.level == "check_in")
        if not ok or (graded and rank != 1) or (answer.level == "check_in" and not is_crisis_item):
            failures.append(
                {
                    "id": item.id,
                    "question": item.question,
                    "expected": list(item.expect),
                    "got": got.kind,
                    "level": answer.level,
                    "rank": rank if graded else None,
                    "first_passage": got.passages[0].id if got.passages else None,
                }
            )
    every = [ok for oks in routed_ok.values() for ok in oks]
    return Report(
        routing=_mean(every),
        routing_by_kind={k: _mean(v) for k, v in sorted(routed_ok.items())},
        hit1=_mean([r == 1 for r in ranks]),
        hit3=_mean([0 < r <= 3 for r in ranks]),
        mrr=_mean([1 / r if r else 0.0 for r in ranks]),
        crisis_recall=_mean(crisis_hits) if crisis_hits else 1.0,
        crisis_fp_rate=_mean(crisis_fps),
        count=len(answered),
        crisis_kept=crisis_kept,
        check_in_rate=_mean(check_ins),
        failures=failures,
    )


def _mean(values: list[bool] | list[float]) -> float:
    return float(sum(values)) / len(values) if values else 0.0


def teaches(item: Item, knowledge: Knowledge) -> Example | None:
    """What a labelled item teaches when it is used for training: its kind, or for an answer
    the first passage (in knowledge order) that contains one of its strings; None when the item
    allows several kinds that teach different things."""
    kind: ExampleKind | None = None
    target = ""
    if item.expect == ("crisis",):
        kind = "crisis"
    elif "crisis" in item.expect:
        kind = "not_crisis"  # resolved past risk: "crisis" or "answer" both pass
    elif len(item.expect) == 1 and item.expect[0] != "answer":
        kind = item.expect[0]  # type: ignore[assignment]  # the other kinds are example kinds
    elif item.expect == ("answer",):
        for p in knowledge.passages:
            haystack = f"{p.section}\n{p.text}".lower()
            if any(n.lower() in haystack for n in item.answer_contains):
                kind, target = "passage", p.id
                break
    if kind is None:
        return None
    return Example(item.question, kind, target, item.id, item.line)


def cross_validate(
    knowledge: Knowledge, items: list[Item], folds: int, cache: VectorCache, seed: int = 0
) -> Report:
    """K-fold cross-validated metrics: the bot learns from the knowledge's examples plus the
    items of the other folds, and is measured on the fold it never saw. Everything it learns
    from leaves the fold out: examples equal to a held-out message (anywhere: example files,
    `?` lines) or closer to one than NEAR_DUPLICATE, and so the classifier, the ranker and
    their calibration."""
    import numpy as np

    from bot.assistant import Assistant

    if not 2 <= folds <= len(items):
        raise ValueError(f"--folds must be between 2 and the number of questions ({len(items)})")
    order = np.random.RandomState(seed).permutation(len(items))
    fold_of = {int(i): n % folds for n, i in enumerate(order)}
    taught = [teaches(item, knowledge) for item in items]
    examples = list(knowledge.examples)
    example_vectors = np.stack([m.whole for m in cache.messages([e.text for e in examples])])
    item_vectors = np.stack([m.whole for m in cache.messages([i.question for i in items])])
    answered: list[tuple[Item, Answer]] = []
    for fold in range(folds):
        held = [i for i in range(len(items)) if fold_of[i] == fold]
        near = (example_vectors @ item_vectors[held].T).max(axis=1) >= NEAR_DUPLICATE
        held_texts = {example_key(items[i].question) for i in held}
        held_texts |= {
            example_key(e.text) for e, close in zip(examples, near, strict=True) if close
        }
        close_items = (item_vectors @ item_vectors[held].T).max(axis=1) >= NEAR_DUPLICATE
        extra = [
            t
            for i, t in enumerate(taught)
            if t is not None and fold_of[i] != fold and not close_items[i]
        ]
        assistant = Assistant(knowledge.without(held_texts).with_examples(extra), cache)
        answered += [(items[i], assistant.ask(items[i].question)) for i in held]
    answered.sort(key=lambda pair: pair[0].line)
    return report(answered)
