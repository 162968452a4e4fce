"""Which passages answer a question, best first, and whether any of them does.

Both decisions read the evidence's signals (`bot.evidence`): how a question compares with what
each passage says, with its `?` lines and example questions, and with the questions no passage
answers. How much each signal counts was learned once, content-independently, on many clinics'
knowledge and visitors' questions (`scripts/train_relevance.py`, `training/relevance/`) and
ships with the package as `bot/relevance.json`: nothing in it is about one clinic's passages or
topics, so it holds for passages added today and for another clinic's FAQ.

- The ranker: a linear score per passage over its signals, their ranks among the passages, and
  the signals again weighted by how many example questions the passage has (so a paragraph with
  fifty examples and one with only its `?` line are judged each by what it has).
- Whether the articles cover the question: a logistic regression over the best passages' scores
  and signals and the question's closeness to unanswered questions; below `answer_at` the bot
  says it has no reviewed answer. An uncovered topic the question names still wins over a passage
  that only shares its words, unless the passages cover it very surely (`TOPIC_OVERRIDE`).
- Unanswered questions and uncovered topics that a passage answers (`answered_unanswered`) are
  left out at load, and `faqbot check` names them: a passage staff add is never vetoed by an old
  "not covered" example.

docs/understanding.md gives the figures and how they were measured.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.analysis import split_words, words
from bot.encoder import Vectors
from bot.evidence import PASSAGE_SIGNALS, QUESTION_SIGNALS, Evidence, Floats, Signals
from bot.examples import example_key
from bot.knowledge import Passage, UncoveredTopic
from bot.vectors import MessageVectors

Matrix = npt.NDArray[np.float64]
MODEL_FILE = Path(__file__).with_name("relevance.json")
RANK_DEPTH = 10  # a rank signal is RANK_DEPTH / (RANK_DEPTH + rank), rank 0 for the best
TOPIC_OVERRIDE = 0.9  # a question naming an uncovered topic is answered only this surely
TOPIC_ANSWERED = 0.5  # a topic whose questions a passage answers at least this surely ...
TOPIC_ANSWERED_SHARE = 0.5  # ... this share of them, is answered by that passage
TOPIC_PARTLY_SHARE = 0.25  # ... this share of them, is answered in part: no veto over it
QUESTION_ANSWERED = 0.9  # an unanswered example a passage answers this surely is answered
POOR = 0.5  # a passage with fewer than half of RICH_AT example questions is judged as new
# Beside passages with many examples, the shipped weights answer for a new passage from this
# surely (their `answer_at` was learned on pages where every passage is new; here the clinic's
# many unanswered questions and uncovered topics read close to the new passages' questions).
# 0.35 was chosen on two added articles; 0.30 on six (docs/understanding.md).
NEW_ANSWER_AT = 0.3


@dataclass(frozen=True, eq=False)  # numpy arrays: compare `to_json()` forms
class Linear:
    """Named inputs and their weights (a coverage model also has a bias, and the mean and scale
    its inputs are standardized with)."""

    inputs: tuple[str, ...]
    weights: Matrix
    bias: float = 0.0
    mean: Matrix | None = None
    scale: Matrix | None = None

    def apply(self, values: Matrix) -> Matrix:
        """The linear score (or, with a mean and scale, the logistic probability) per row."""
        if self.mean is None or self.scale is None:
            return values @ self.weights
        z = ((values - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"inputs": list(self.inputs), "weights": self.weights.tolist()}
        if self.mean is not None and self.scale is not None:
            out |= {"bias": self.bias, "mean": self.mean.tolist(), "scale": self.scale.tolist()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Linear:
        def array(key: str) -> Matrix | None:
            value = data.get(key)
            return None if value is None else np.asarray(value, dtype=float)

        weights = array("weights")
        assert weights is not None
        return cls(
            tuple(str(i) for i in data["inputs"]),  # type: ignore[attr-defined]
            weights,
            float(data.get("bias", 0.0)),  # type: ignore[arg-type]
            array("mean"),
            array("scale"),
        )


@dataclass(frozen=True, eq=False)
class RelevanceModel:
    """The learned weights: the ranker, the coverage model, and a coverage model that reads the
    passages' evidence only (to find unanswered examples a passage answers)."""

    ranker: Linear
    coverage: Linear
    evidence_only: Linear
    answer_at: float

    def to_json(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_json(),
            "coverage": self.coverage.to_json(),
            "evidence_only": self.evidence_only.to_json(),
            "answer_at": self.answer_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> RelevanceModel:
        return cls(
            Linear.from_json(data["ranker"]),  # type: ignore[arg-type]
            Linear.from_json(data["coverage"]),  # type: ignore[arg-type]
            Linear.from_json(data["evidence_only"]),  # type: ignore[arg-type]
            float(data["answer_at"]),  # type: ignore[arg-type]
        )


@cache
def shipped_model() -> RelevanceModel:
    """The model shipped with the package, read once per process."""
    return RelevanceModel.from_json(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


# -- inputs -------------------------------------------------------------------------------------


def _rank_signal(values: Floats) -> Matrix:
    """RANK_DEPTH / (RANK_DEPTH + rank) of each passage by a signal, per question."""
    ranks = np.argsort(np.argsort(-values, axis=-1, kind="stable"), axis=-1, kind="stable")
    return RANK_DEPTH / (RANK_DEPTH + ranks)


def ranker_inputs(signals: Signals, names: Sequence[str]) -> Matrix:
    """Per question and passage, the ranker's inputs: a signal, `rank:signal`, `rich:signal`
    (the signal times the passage's richness in examples) or `poor:signal` (times one minus
    it)."""
    columns = []
    for name in names:
        kind, _, signal = name.rpartition(":")
        values = signals.column(signal)
        if kind == "rank":
            values = _rank_signal(values)
        elif kind == "rich":
            values = values * signals.column("richness")
        elif kind == "poor":
            values = values * (1.0 - signals.column("richness"))
        columns.append(values)
    return np.stack(columns, axis=-1)


def coverage_inputs(signals: Signals, scores: Matrix, names: Sequence[str]) -> Matrix:
    """Per question, the coverage model's inputs, from the passages' scores and signals:
    `best`, `margin`, `share` (of the best passage), `top:signal` (the best passage's signal),
    `question:signal`, `unanswered_gap`, `topic_gap`, each also as `rich*input`."""
    rows = np.arange(len(scores))
    order = np.argsort(-scores, axis=1, kind="stable")
    first = order[:, 0]
    second = order[:, 1] if scores.shape[1] > 1 else first
    best = scores[rows, first]
    top = signals.passages[rows, first]
    question = signals.question

    def top_(name: str) -> Floats:
        return top[:, PASSAGE_SIGNALS.index(name)]

    def question_(name: str) -> Matrix:
        return question[:, QUESTION_SIGNALS.index(name)]

    evidence = np.maximum(top_("t_whole"), top_("ex_max"))
    base: dict[str, Matrix] = {
        "best": best,
        "margin": best - scores[rows, second],
        "share": 1.0 / np.exp(scores - best[:, None]).sum(axis=1),
        "unanswered_gap": question_("unanswered_max") - evidence,
        "topic_gap": (question_("topic_max") - evidence) * question_("has_topics"),
    }
    columns = []
    for name in names:
        rich, _, plain = name.rpartition("*")
        kind, _, signal = plain.rpartition(":")
        if kind == "top":
            values = top_(signal)
        elif kind == "question":
            values = question_(signal)
        else:
            values = base[plain]
        columns.append(values * top_("richness") if rich else values)
    return np.column_stack(columns)


# -- the ranker ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A passage with its score and its share among the passages (both higher is better)."""

    passage: Passage
    score: float  # the ranker's share for this passage: 0..1, summing to 1 over passages
    signals: tuple[float, ...]  # its signals, in the order of `bot.evidence.PASSAGE_SIGNALS`


@dataclass(frozen=True)
class Ranking:
    """Passages for one question, best first, and whether the best one answers it."""

    candidates: tuple[Candidate, ...]
    confidence: float  # probability that the passages cover the question
    topic: UncoveredTopic | None  # the uncovered topic it is about, if any: then no answer
    answer_at: float = 0.5

    @property
    def answered(self) -> bool:
        """Whether the first passage is presented as the answer."""
        return bool(self.candidates) and self.topic is None and self.confidence >= self.answer_at


@dataclass(frozen=True)
class Answered:
    """An unanswered example, or an uncovered topic, that a passage now answers."""

    where: str  # `file:line` of the example, or of the topic's `[name]` line
    what: str  # "the example", or the uncovered topic's name
    passage: Passage
    partly: bool = False  # a topic the passage answers in part: it still holds for the rest


def answered_unanswered(
    evidence: Evidence, model: RelevanceModel
) -> tuple[npt.NDArray[np.bool_], list[Answered]]:
    """Which unanswered questions still count, and those a passage answers now: an uncovered
    topic when most of its questions get the same passage, or one of its phrases is in a
    passage's heading or `?` lines; a no-answer example when a passage answers it very surely
    (read by the passages' evidence alone)."""
    u = evidence.all_unanswered
    keep = np.ones(len(u.texts), dtype=bool)
    found: list[Answered] = []
    topics = {t.name: t for t in evidence.knowledge.uncovered}
    passages = evidence.passages
    if not len(u.texts) or not passages:
        return keep, found
    signals = evidence.signals(u.texts, u.vectors)
    scores = ranker_inputs(signals, model.ranker.inputs) @ model.ranker.weights
    covered = model.evidence_only.apply(
        coverage_inputs(signals, scores, model.evidence_only.inputs)
    )
    best = np.argmax(scores, axis=1)
    poor = signals.column("richness")[0] < POOR  # per passage: judged as new
    by_topic: dict[str, list[int]] = {}
    for i, topic in enumerate(u.topic):
        by_topic.setdefault(topic, []).append(i)
    for name, rows in by_topic.items():
        if not name:
            for i in rows:
                if covered[i] >= QUESTION_ANSWERED:
                    keep[i] = False
                    found.append(Answered(u.where[i], "the example", passages[best[i]]))
            continue
        answered = [i for i in rows if covered[i] >= TOPIC_ANSWERED]
        where = f"{topics[name].path}:{topics[name].line}"
        passage = partly = None
        if answered:
            most, count = Counter(int(best[i]) for i in answered).most_common(1)[0]
            if count >= TOPIC_ANSWERED_SHARE * len(rows):
                passage = passages[most]
            elif count >= TOPIC_PARTLY_SHARE * len(rows) and poor[most]:
                partly = passages[most]
        passage = passage or _naming_passage(topics[name], passages)
        if passage is not None:
            keep[rows] = False
            found.append(Answered(where, name, passage))
        elif partly is not None:
            found.append(Answered(where, name, partly, partly=True))
    for name, uncovered in topics.items():  # topics with phrases only
        if name in by_topic:
            continue
        if (passage := _naming_passage(uncovered, passages)) is not None:
            found.append(Answered(f"{uncovered.path}:{uncovered.line}", name, passage))
    return keep, found


def _naming_passage(topic: UncoveredTopic, passages: Sequence[Passage]) -> Passage | None:
    """The first passage whose heading or `?` lines contain one of the topic's phrases."""
    phrases = [" ".join(words(p)) for p in topic.phrases if words(p)]
    for passage in passages:
        for line in (passage.section, *passage.questions):
            said = f" {' '.join(split_words(' '.join(words(line))))} "
            if any(f" {p} " in said for p in phrases):
                return passage
    return None


class Ranker:
    """Ranks one knowledge version's passages for questions and decides whether they cover
    them; safe to share across threads."""

    def __init__(
        self,
        evidence: Evidence,
        model: RelevanceModel,
        answered: Sequence[Answered] = (),
        shipped: RelevanceModel | None = None,
    ) -> None:
        """`evidence` without the unanswered questions a passage answers (`answered`, from
        `answered_unanswered`), and with its content model. When `model` was adapted to this
        knowledge's examples, `shipped` (the weights learned across clinics) decides whether a
        passage without examples of its own answers: the adapted model never saw one answer."""
        self.evidence = evidence
        self.model = model
        self.shipped = shipped
        self.passages = evidence.passages
        self.topics = {t.name: t for t in evidence.knowledge.uncovered}
        self.answered_unanswered = tuple(answered)
        answered_topics = {a.what for a in answered if not a.partly}
        self.active_topics = frozenset(name for name in self.topics if name not in answered_topics)
        # A topic a passage answers in part vetoes that passage only when it is not sure.
        self.partly = {a.what: a.passage.id for a in answered if a.partly}
        # The questions staff wrote for one passage (`?` lines, example questions, and a
        # heading that is a question, for the first passage under it), as written.
        owners: dict[str, set[int]] = {}
        for text, owner in zip(evidence.example_texts, evidence.example_owner, strict=True):
            owners.setdefault(example_key(text), set()).add(int(owner))
        for i, passage in enumerate(self.passages):
            if evidence.leads[i] and passage.section.rstrip().endswith("?"):
                owners.setdefault(example_key(passage.section), set()).add(i)
        self._written = {key: next(iter(o)) for key, o in owners.items() if len(o) == 1}

    # -- ranking --------------------------------------------------------------------------------

    def rank(self, question: str, message: MessageVectors) -> Ranking:
        """Passages for a question, best first, with the probability that they cover it."""
        return self.rank_each([question], message.whole[None])[0]

    def rank_each(self, texts: Sequence[str], vectors: Vectors) -> list[Ranking]:
        """`rank` for several readings of a message at once (the whole, each sentence): one
        pass over the evidence for all. Vectors are compared in float32, the encoder's
        precision, as they were when the ranker learned."""
        if not self.passages:
            return [Ranking((), 0.0, None, self.model.answer_at) for _ in texts]
        signals = self.evidence.signals(texts, vectors.astype(np.float32))
        scores = ranker_inputs(signals, self.model.ranker.inputs) @ self.model.ranker.weights
        rows = np.arange(len(texts))
        richness = signals.column("richness")
        confidence = self._coverage(self.model, signals, scores)
        if self.shipped is not None and (richness < POOR).any():
            # Passages without examples of their own beside ones with many: the adapted weights
            # favour the rich ones, so the shipped weights judge a poor passage, both whether it
            # answers when the adapted ranking puts it first, and when theirs does: their
            # ranking wins when its poor passage covers the question, and more surely, or when
            # the adapted weights are not sure and theirs reach NEW_ANSWER_AT.
            shipped = (
                ranker_inputs(signals, self.shipped.ranker.inputs) @ self.shipped.ranker.weights
            )
            sure = self._coverage(self.shipped, signals, shipped)
            poor_first = richness[rows, np.argmax(scores, axis=1)] < POOR
            confidence = np.where(poor_first, sure, confidence)
            answer_at = self.model.answer_at
            theirs_poor = richness[rows, np.argmax(shipped, axis=1)] < POOR
            theirs = theirs_poor & (sure >= answer_at) & (sure > confidence)
            # Neither sure enough: the shipped weights' new passage answers from NEW_ANSWER_AT,
            # its probability rescaled so that this level reads as `answer_at`.
            new = theirs_poor & ~theirs & (confidence < answer_at) & (sure >= NEW_ANSWER_AT)
            rescaled = answer_at + (sure - NEW_ANSWER_AT) * (1 - answer_at) / (1 - NEW_ANSWER_AT)
            scores = np.where((theirs | new)[:, None], shipped, scores)
            confidence = np.select([theirs, new], [sure, rescaled], confidence)
        return [
            self._ranking(text, signals, scores[i], float(confidence[i]), i, vectors[i])
            for i, text in enumerate(texts)
        ]

    @staticmethod
    def _coverage(model: RelevanceModel, signals: Signals, scores: Matrix) -> Matrix:
        return model.coverage.apply(coverage_inputs(signals, scores, model.coverage.inputs))

    def _ranking(
        self,
        question: str,
        signals: Signals,
        scores: Matrix,
        confidence: float,
        row: int,
        vector: Vectors,
    ) -> Ranking:
        """One reading's ranking: a question staff wrote for a passage gets it; an uncovered
        topic it names (or, when not covered, the nearest) is given."""
        scores = scores.copy()
        written = self._written.get(example_key(question))
        if written is not None:  # a question staff wrote for a passage: that passage answers
            scores[written] = scores.max() + 1.0
            confidence = max(confidence, TOPIC_OVERRIDE)
        shares = np.exp(scores - scores.max())
        shares /= shares.sum()
        order = np.argsort(-scores, kind="stable")
        candidates = tuple(
            Candidate(self.passages[i], float(shares[i]), tuple(signals.passages[row, i].tolist()))
            for i in order
        )
        topic = None
        if confidence < TOPIC_OVERRIDE:  # (a sure answer needs no topic: not looked up)
            named = self.evidence.lexical.search(question).uncovered
            topic = named if named is not None and named.name in self.active_topics else None
            if (
                topic is not None
                and confidence >= self.model.answer_at
                and self.partly.get(topic.name) == candidates[0].passage.id
            ):
                topic = None
            if confidence < self.model.answer_at:
                topic = topic or self._nearest_topic(signals.question[row], vector)
        return Ranking(candidates, confidence, topic, self.model.answer_at)

    def _nearest_topic(self, question: Matrix, vector: Vectors) -> UncoveredTopic | None:
        """The uncovered topic of the closest unanswered question, when that is a topic's
        (`question`: the reading's question signals)."""
        u = self.evidence.unanswered
        topic_max = question[QUESTION_SIGNALS.index("topic_max")]
        unanswered_max = question[QUESTION_SIGNALS.index("unanswered_max")]
        if not len(u.texts) or topic_max <= max(unanswered_max, 0.0):
            return None
        closest = u.topic[int(np.argmax(u.vectors @ vector))]
        return self.topics.get(closest) if closest in self.active_topics else None
