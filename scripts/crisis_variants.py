"""Variants of the message classifier, measured for safety as `calibrate_crisis.py` measures the
shipped one (docs/understanding.md, "Figures of speech, two more writers"):

    .venv/bin/python scripts/crisis_variants.py base      # the shipped classifier
    .venv/bin/python scripts/crisis_variants.py sent=q    # each sentence of an ordinary
                                                          # example taught as a question too
    .venv/bin/python scripts/crisis_variants.py C=10      # another regularization
    .venv/bin/python scripts/crisis_variants.py multinomial   # one softmax over the kinds
    .venv/bin/python scripts/crisis_variants.py base --recall 0.995   # levels for less recall

Each of the read safety sets (`TRAINING_SETS`) is read by a bot that did not learn from it; the
check-in and clear levels are chosen on those readings together (recall 0.997, as
`calibrate_crisis.py` chooses them); then the unread sets named by `--unread` are read the same
way and measured at the chosen levels and at the shipped ones. It also prints the check-in of a
decision on a weighted sum of the whole message's and likeliest sentence's log-odds, chosen for
the same recall. Nothing is saved: trained models are neither read from nor written to the
cache (a variant must not reuse the shipped classifier). About seven minutes a variant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import classifier, models, safety  # noqa: E402
from bot.assistant import Assistant, shared_cache  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.vectors import split  # noqa: E402
from scripts import calibrate_crisis  # noqa: E402
from scripts.add_set_examples import TRAINING_SETS, set_items, unread_sets  # noqa: E402
from scripts.calibrate_crisis import (  # noqa: E402
    RECALL,
    calibrate,
    held_out,
    labels,
    levels,
    readings,
)

UNREAD = unread_sets()
Levels = tuple[tuple[float, float], tuple[float, float]]


def with_sentences(self: Assistant, knowledge: Knowledge, folder: Path | None) -> object:
    """`Assistant._classifier`, also taught each sentence of an example of several sentences
    that teaches "question" (an ordinary message's sentences are each ordinary)."""
    examples = list(knowledge.examples)
    texts = [e.text for e in examples]
    taught = [classifier.TEACHES[e.kind] for e in examples]
    seen, extra = set(texts), []
    for example in examples:
        parts = split(example.text)
        if classifier.TEACHES[example.kind] != "question" or len(parts) < 2:
            continue
        for part in parts:
            if part not in seen:
                seen.add(part)
                extra.append(part)
    words = classifier.Words.fit(texts + extra)
    vectors = np.vstack([self.cache.wholes(texts), self.cache.sentences(extra)])
    model = classifier.fit(
        words.matrix,
        vectors,
        taught + ["question"] * len(extra),
        classifier.REGULARIZATION,
        True,
        classifier.VECTOR_WEIGHT,
    )
    print(f"  taught {len(extra)} sentences more", flush=True)
    return classifier.MessageClassifier(words, model)


class Softmax(classifier.LinearModel):
    """A multinomial logistic regression: one softmax over the kinds, not one model a kind."""

    def probabilities(self, words: object, vectors: np.ndarray) -> np.ndarray:  # type: ignore[override]
        scores = (words @ self._on_words).toarray() + vectors @ self._on_vector + self._bias  # type: ignore[operator]
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def fit_multinomial(
    words: object,
    vectors: np.ndarray,
    labels: list[str],
    regularization: float,
    each_class: bool,
    vector_weight: float = 1.0,
) -> classifier.LinearModel:
    """`classifier.fit`, multinomial (lbfgs) in place of one-vs-rest (liblinear)."""
    from sklearn.linear_model import LogisticRegression

    examples = classifier.side_by_side(words, vectors, vector_weight)  # type: ignore[arg-type]
    fitted = LogisticRegression(C=regularization, solver="lbfgs", max_iter=500, tol=1e-4)
    fitted.fit(examples, labels)
    columns = words.shape[1]  # type: ignore[attr-defined]
    weights = fitted.coef_.T.copy()
    weights[columns:] *= vector_weight
    return Softmax(list(fitted.classes_), False, weights, fitted.intercept_, columns)


def figures(r: np.ndarray, crisis: np.ndarray, other: np.ndarray, at: Levels) -> str:
    clear, checked = levels(r, *at)
    return (
        f"recall {np.mean((clear | checked)[crisis]):.3f} clear {np.mean(clear[other]):.4f} "
        f"check-in {np.mean(checked[other]):.3f}"
    )


def weighted_sum(read: tuple[np.ndarray, ...], unread: tuple[np.ndarray, ...]) -> None:
    """Check-in when log-odds(whole) + a * log-odds(sentence) reaches a level chosen for RECALL
    on the read sets (the clear level and the rules as shipped)."""

    def log_odds(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))  # type: ignore[no-any-return]

    def check_ins(r: np.ndarray, a: float, level: float) -> tuple[np.ndarray, np.ndarray]:
        clear = (r[:, 2] > 0) | (r[:, 0] >= safety.CRISIS) | (r[:, 1] >= safety.SENTENCE_CRISIS)
        score = log_odds(r[:, 0]) + a * log_odds(r[:, 1])
        return clear, ~clear & ((r[:, 3] > 0) | (score >= level))

    r, crisis = read[0], read[1]
    for a in (0.0, 0.1, 0.2, 0.5, 1.0):
        scores = log_odds(r[:, 0]) + a * log_odds(r[:, 1])
        chosen = None
        for level in np.unique(np.quantile(scores, np.linspace(0, 1, 2001))):
            clear, checked = check_ins(r, a, float(level))
            if np.mean((clear | checked)[crisis]) >= calibrate_crisis.RECALL:
                chosen = float(level)
        if chosen is None:
            continue
        clear, checked = check_ins(unread[0], a, chosen)
        print(
            f"  weighted sum, a={a}: unread recall {np.mean((clear | checked)[unread[1]]):.3f} "
            f"check-in {np.mean(checked[unread[2]]):.3f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", help="base, sent=q, multinomial, or C=<regularization>")
    parser.add_argument("--unread", nargs="+", default=list(UNREAD), help="sets to measure")
    parser.add_argument(
        "--recall", type=float, default=RECALL, help="the read sets' recall the levels keep"
    )
    args = parser.parse_args()
    models.load_classifier = lambda folder, knowledge: None  # type: ignore[assignment]
    models.save_classifier = lambda *args, **kwargs: None  # type: ignore[assignment]
    if args.variant.startswith("C="):
        classifier.REGULARIZATION = float(args.variant[2:])
    elif args.variant == "multinomial":
        classifier.fit = fit_multinomial  # type: ignore[assignment]
    elif args.variant == "sent=q":
        Assistant._classifier = with_sentences  # type: ignore[assignment,method-assign]
    elif args.variant != "base":
        parser.error(f"unknown variant {args.variant!r}")
    knowledge, cache = load_knowledge(ROOT / "knowledge"), shared_cache()

    def read(names: list[str]) -> list[tuple[np.ndarray, ...]]:
        parts = []
        for name in names:
            items = set_items(name)
            assistant = held_out(knowledge, cache, name, items)
            parts.append((readings(assistant, [i.question for i in items]), *labels(items)))
            print(f"  read {name}", flush=True)
        return parts

    def pooled(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))

    each_unread = read(args.unread)
    read_sets, unread_sets = pooled(read(list(TRAINING_SETS))), pooled(each_unread)
    calibrate_crisis.RECALL = args.recall
    chosen = calibrate(*read_sets)
    shipped = (safety.CHECK_IN, safety.SENTENCE_CHECK_IN), (safety.CRISIS, safety.SENTENCE_CRISIS)
    for name, at in (
        ("chosen on the read sets", chosen),
        ("check-in chosen, clear shipped", (chosen[0], shipped[1])),
        ("shipped", shipped),
    ):
        print(f"{args.variant}, levels {name} {at}:")
        print(f"  read sets  {figures(*read_sets, at)}")
        print(f"  unread     {figures(*unread_sets, at)}")
        for set_name, one in zip(args.unread, each_unread, strict=True):
            print(f"    {set_name:12s} {figures(*one, at)}")
    weighted_sum(read_sets, unread_sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
