"""Learning the ranker and coverage weights (`bot.ranking`) from questions whose answers are
known: across many clinics' knowledge once (`scripts/train_relevance.py`), and on one clinic's
own example questions when its knowledge loads (`adapt`).

A clinic whose articles come with many reviewed example questions (the shipped knowledge has
about 900) teaches the ranker how its visitors' wordings map to its passages better than any
other clinic's data can. `adapt` refits the shipped weights on those examples, each asked as if
unseen (itself and its near paraphrases hidden; again with half of the passages stripped of their
examples, as when passages were just added; again with its whole section hidden, as when a
section was removed), and on the questions no passage answers (each with its topic hidden); the
ranker learns from the first and last of these only, the coverage model from all. The fit is
pulled toward the shipped weights (`ADAPT_PULL`), so what holds for every clinic stays; a
passage without examples of its own is still judged by the shipped weights
(`bot.ranking.Ranker`). Knowledge with few examples keeps the shipped weights as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from bot.evidence import PASSAGE_SIGNALS, QUESTION_SIGNALS, Evidence, Holdout, Signals
from bot.ranking import Linear, RelevanceModel, coverage_inputs, ranker_inputs

Matrix = npt.NDArray[np.float64]
NEAR = 0.9  # a question this close (cosine) to an example is its paraphrase: hidden with it
ADAPT_MIN_EXAMPLES = 200  # example questions (beyond `?` lines) a knowledge needs to adapt
ADAPT_MIN_UNANSWERED = 50  # ... and questions no passage answers
ADAPT_PULL = 0.01  # how strongly adapted weights are pulled toward the shipped ones
REMOVED_WEIGHT = 0.5  # questions whose section is hidden (not covered) count this much
STRIPPED = 0.5  # share of passages stripped of their example questions ("just added")
STRIPPED_LINES = 0.3  # ... of which this share lose their `?` lines too
RANKER_L2 = 1e-2  # pull toward zero when learning across clinics
SHORTLIST = 40  # passages per question learned from (the likeliest; see `_shortlisted`)


@dataclass(frozen=True)
class Batch:
    """Questions asked of one knowledge: their signals, the passage that answers each (-1 for
    none), how much they count, and which passages each may choose from (None: all)."""

    signals: Signals
    target: npt.NDArray[np.intp]
    weight: float
    visible: npt.NDArray[np.bool_] | None = None
    unanswered_weight: float = 1.0  # an unanswered question counts this much more
    ranks: bool = True  # whether the ranker learns from it (the coverage model always does)


def ask(
    evidence: Evidence,
    texts: Sequence[str],
    vectors: Matrix,
    examples: npt.NDArray[np.bool_] | None = None,
    unanswered: npt.NDArray[np.bool_] | None = None,
    passages: npt.NDArray[np.bool_] | None = None,
    groups: npt.NDArray[np.intp] | None = None,
) -> Signals:
    """Signals of questions, each with its paraphrases hidden (examples and unanswered questions
    within cosine NEAR) and whatever `examples`, `unanswered` and `passages` hide from it. The
    content model is trained once per group of questions (`groups`, else five folds), without
    what any question of the group may not see, except the examples `examples` hides (those
    stand for passages just added, which the content model reads by their sentences)."""
    near_examples = vectors @ evidence.example_vectors.T < NEAR
    near_unanswered = vectors @ evidence.unanswered.vectors.T < NEAR
    shown_examples = near_examples if examples is None else examples & near_examples
    shown_unanswered = near_unanswered if unanswered is None else unanswered & near_unanswered
    groups = np.arange(len(texts)) % 5 if groups is None else groups
    found_passages = np.zeros(
        (len(texts), len(evidence.passages), len(PASSAGE_SIGNALS)), dtype=np.float32
    )
    found_question = np.zeros((len(texts), len(QUESTION_SIGNALS)))
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        hidden = None if passages is None else passages[rows]
        content = evidence.train_content(
            np.all(near_examples[rows], axis=0),
            np.all(shown_unanswered[rows], axis=0),
            None if hidden is None else np.all(hidden, axis=0),
        )
        holdout = Holdout(shown_examples[rows], shown_unanswered[rows], hidden)
        found = evidence.with_content(content).signals(
            [texts[int(i)] for i in rows], vectors[rows], holdout
        )
        found_passages[rows], found_question[rows] = found.passages, found.question
    return Signals(found_passages, found_question)


def knowledge_batches(
    evidence: Evidence, rng: np.random.Generator, weight: float = 1.0, stripped_ranks: bool = True
) -> list[Batch]:
    """A knowledge's own example questions and unanswered questions, asked as described in the
    module's docstring. `stripped_ranks`: whether the ranker learns from the questions asked
    with passages stripped of their examples (across clinics it does; adapted to one knowledge
    it does not, so that the passages with examples are ranked as its own examples teach)."""
    staff = np.flatnonzero(~evidence.example_is_line)
    texts = [evidence.example_texts[i] for i in staff]
    vectors = evidence.example_vectors[staff]
    target = evidence.example_owner[staff]
    owner = evidence.example_owner
    count = len(evidence.passages)
    stripped = rng.random((len(texts), count)) < STRIPPED
    lines_too = stripped & (rng.random((len(texts), count)) < STRIPPED_LINES)
    mixed = ~(stripped[:, owner] & ~evidence.example_is_line) & ~lines_too[:, owner]
    sections = np.unique(
        [f"{p.article}/{p.section}" for p in evidence.passages], return_inverse=True
    )[1]
    same_section = sections[None, :] != sections[target][:, None]
    # Passages without example questions of their own (just added, say) are left out of these
    # questions' choices: they are never the answer here, which would teach that a passage
    # without examples never is. The stripped passages stand for them instead.
    taught = np.bincount(target, minlength=count) > 0
    choices = np.broadcast_to(taught, (len(texts), count)).copy()
    batches = []
    for examples in (None, mixed):
        found = ask(evidence, texts, vectors, examples)
        ranks = examples is None or stripped_ranks
        batches.append(_shortlisted(Batch(found, target, weight, choices, ranks=ranks)))
        shown = np.ones_like(mixed) if examples is None else examples
        removed = ask(
            evidence,
            texts,
            vectors,
            shown & same_section[:, owner],
            None,
            same_section,
            sections[target],
        )
        none = np.full(len(texts), -1)
        hidden = Batch(removed, none, weight * REMOVED_WEIGHT, same_section & choices)
        batches.append(_shortlisted(hidden))
    u = evidence.unanswered
    group = np.unique(u.group, return_inverse=True)[1]
    folds = group % 5
    other_group = group[:, None] != group[None, :]
    unanswered = ask(evidence, list(u.texts), u.vectors, None, other_group, None, folds)
    batches.append(_shortlisted(Batch(unanswered, np.full(len(u.texts), -1), weight)))
    return batches


def _shortlisted(batch: Batch) -> Batch:
    """The batch with each question's SHORTLIST likeliest passages only (by the closeness to
    their text and example questions), its own always among them: the passages further down
    weigh nothing in what is learned, and a knowledge of 500 passages would not fit."""
    signals = batch.signals
    count = signals.passages.shape[1]
    if count <= SHORTLIST:
        return batch
    near = signals.column("t_whole") + signals.column("ex_max")
    if batch.visible is not None:
        near = np.where(batch.visible, near, -np.inf)
    rows = np.arange(len(near))
    answered = batch.target >= 0
    near[rows[answered], batch.target[answered]] = np.inf
    chosen = np.argsort(-near, axis=1, kind="stable")[:, :SHORTLIST]
    target = np.full(len(near), -1)
    found = chosen[answered] == batch.target[answered][:, None]
    target[answered] = np.argmax(found, axis=1)
    visible = None if batch.visible is None else batch.visible[rows[:, None], chosen]
    passages = signals.passages[rows[:, None], chosen]
    return replace(
        batch, signals=Signals(passages, signals.question), target=target, visible=visible
    )


def _padded(
    batches: Sequence[Batch], names: Sequence[str]
) -> tuple[Matrix, npt.NDArray[np.intp], npt.NDArray[np.bool_], Matrix]:
    """Ranker inputs of the batches' answered questions padded to the largest number of
    passages, their targets, which passages each may choose from, and how much each counts."""
    most = max(b.signals.passages.shape[1] for b in batches)
    inputs, targets, visible, weights = [], [], [], []
    for b in batches:
        answered = b.target >= 0
        if not answered.any() or not b.ranks:
            continue
        x = ranker_inputs(b.signals, names)[answered]
        pad = most - x.shape[1]
        inputs.append(np.pad(x, ((0, 0), (0, pad), (0, 0))))
        shown = np.ones(x.shape[:2], dtype=bool) if b.visible is None else b.visible[answered]
        visible.append(np.pad(shown, ((0, 0), (0, pad))))
        targets.append(b.target[answered])
        weights.append(np.full(int(answered.sum()), b.weight))
    return (
        np.concatenate(inputs),
        np.concatenate(targets),
        np.concatenate(visible),
        np.concatenate(weights),
    )


def fit_ranker(
    batches: Sequence[Batch],
    names: Sequence[str],
    prior: Matrix | None = None,
    pull: float = RANKER_L2,
) -> Matrix:
    """Weights that put each answered question's passage first (softmax over the passages it
    may choose from), pulled toward `prior` (or zero)."""
    x, target, visible, weight = _padded(batches, names)
    weight = weight / weight.mean()
    rows = np.arange(len(target))
    centre = np.zeros(x.shape[-1]) if prior is None else prior

    def loss(w: Matrix) -> tuple[float, Matrix]:
        s = np.where(visible, x @ w, -1e9)
        s = s - s.max(axis=1, keepdims=True)
        log_total = np.log(np.exp(s).sum(axis=1))
        p = np.exp(s - log_total[:, None])
        off = w - centre
        each = x[rows, target] - (p[..., None] * x).sum(axis=1)
        grad = -(weight[:, None] * each).mean(axis=0) + pull * off
        log_likelihood = (weight * (s[rows, target] - log_total)).mean()
        return float(-log_likelihood + 0.5 * pull * off @ off), grad

    found = minimize(loss, centre.copy(), jac=True, method="L-BFGS-B")
    return np.asarray(found.x)


def fit_coverage(
    batches: Sequence[Batch],
    ranker: Linear,
    names: Sequence[str],
    prior: Linear | None = None,
    pull: float | None = None,
) -> Linear:
    """A logistic regression on whether each question is answered, over standardized inputs
    (by the prior's mean and scale when there is a prior, and pulled toward its weights)."""
    rows, answered, weights = [], [], []
    for b in batches:
        scores = ranker_inputs(b.signals, ranker.inputs) @ ranker.weights
        if b.visible is not None:
            scores = np.where(b.visible, scores, -1e9)
        rows.append(coverage_inputs(b.signals, scores, names))
        answered.append(b.target >= 0)
        weights.append(np.where(b.target >= 0, b.weight, b.weight * b.unanswered_weight))
    x = np.concatenate(rows)
    y = np.concatenate(answered).astype(float)
    w = np.concatenate(weights)
    if prior is not None and prior.mean is not None and prior.scale is not None:
        mean, scale = prior.mean, prior.scale
        centre = np.append(prior.weights, prior.bias)
    else:
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        centre = np.zeros(x.shape[1] + 1)
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    pull = 1.0 / w.sum() if pull is None else pull  # scikit-learn's C = 1 by default
    penalized = np.append(np.ones(x.shape[1]), 0.0 if prior is None else 1.0)  # not the bias

    def loss(c: Matrix) -> tuple[float, Matrix]:
        p = 1.0 / (1.0 + np.exp(-(z @ c)))
        off = (c - centre) * penalized
        log_loss = -(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).sum()
        grad = z.T @ (w * (p - y)) / w.sum() + pull * off
        return float(log_loss / w.sum() + 0.5 * pull * off @ off), grad

    c = np.asarray(minimize(loss, centre.copy(), jac=True, method="L-BFGS-B").x)
    return Linear(tuple(names), c[:-1], float(c[-1]), mean, scale)


def adapt(evidence: Evidence, prior: RelevanceModel) -> RelevanceModel | None:
    """The prior's weights refit on this knowledge's own example questions, or None when it
    has too few to learn from (see the module's docstring)."""
    staff = int((~evidence.example_is_line).sum())
    if staff < ADAPT_MIN_EXAMPLES or len(evidence.unanswered.texts) < ADAPT_MIN_UNANSWERED:
        return None
    batches = knowledge_batches(evidence, np.random.default_rng(0), stripped_ranks=False)
    weights = fit_ranker(batches, prior.ranker.inputs, prior.ranker.weights, ADAPT_PULL)
    ranker = Linear(prior.ranker.inputs, weights)
    coverage = fit_coverage(batches, ranker, prior.coverage.inputs, prior.coverage, ADAPT_PULL)
    return RelevanceModel(ranker, coverage, prior.evidence_only, prior.answer_at)
