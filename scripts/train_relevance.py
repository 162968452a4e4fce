"""Learn the ranker and coverage weights (`bot/relevance.json`) from many clinics' knowledge.

    .venv/bin/python scripts/train_relevance.py            # writes bot/relevance.json
    .venv/bin/python scripts/train_relevance.py --check    # exit 1 when the file differs
                                                           # by more than numeric noise

What it learns from (nothing of it ships, only the weights):

- `training/relevance/*/`: fictional clinics' FAQ pages (`faq.md`, one `?` line per answer) and
  visitors' questions about them (`questions.jsonl`, answered and not). Each page is put in a
  knowledge folder with the shipped `examples/` (the part that holds for every clinic). Its
  questions are asked twice: against the page alone (every passage new), and with half of them
  written in as example questions and unanswered questions (a clinic that has taught it), asking
  the other half.
- the shipped knowledge (`knowledge/`): its example questions and unanswered questions, asked as
  `bot.fitting.knowledge_batches` describes (each as if unseen; with passages stripped of their
  examples; with its section removed).

The ranker is a linear score over passages fitted to put the right passage first (softmax over
passages); the coverage model a logistic regression on whether a question is answered; a third
model reads the passages' evidence alone (it finds unanswered examples a passage now answers).
All read only signals that compare questions with passages (`bot.evidence`), so the weights hold
for any clinic's knowledge. docs/understanding.md reports how they do on knowledge they never saw.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import shared_cache  # noqa: E402
from bot.classifier import Words  # noqa: E402
from bot.evaluation import parse_items  # noqa: E402
from bot.evidence import Evidence  # noqa: E402
from bot.examples import Example  # noqa: E402
from bot.fitting import Batch, ask, fit_coverage, fit_ranker, knowledge_batches  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.ranking import MODEL_FILE, Linear, RelevanceModel  # noqa: E402

TRAINING = ROOT / "training" / "relevance"
SHIPPED = ROOT / "knowledge"
SHIPPED_WEIGHT = 1.5  # the shipped knowledge's questions count this much (it has examples)
FAQ_UNANSWERED_WEIGHT = 2.0  # a FAQ page's unanswered questions count this much (30 of 120)
ANSWER_AT = 0.5
# Two machines, or two vector caches, learn weights that differ in the second or third digit: a
# text's vector depends in its last digits on the texts it was encoded with (a batch is padded
# to its longest text), and the fits carry that on (at most 0.012 between this checkout's cache
# and an empty one). `--check` allows this much, absolute and relative to the weight; an edit of
# a few examples moves the weights by less, a change to the code or the training data by more.
CHECK_TOLERANCE = 0.05
SIGNALS = ("t_whole", "t_sent", "ex_max", "bm25", "share", "head", "ex_words", "vote", "centroid")
RANKER = (
    *SIGNALS,
    *(f"rank:{s}" for s in ("t_whole", "t_sent", "ex_max", "bm25")),
    *(
        f"rich:{s}"
        for s in ("t_whole", "t_sent", "ex_max", "bm25", "share", "vote", "centroid", "ex_words")
    ),
)
EVIDENCE_ONLY = (
    "best",
    "margin",
    "share",
    *(f"top:{s}" for s in ("t_whole", "t_sent", "ex_max", "bm25", "share", "vote")),
    "question:novelty",
)
COVERAGE_BASE = (
    *EVIDENCE_ONLY,
    *(
        f"question:{s}"
        for s in ("unanswered_max", "topic_max", "topic_words", "has_topics", "known_share")
    ),
    "unanswered_gap",
    "topic_gap",
    "question:content",
)
COVERAGE = (*COVERAGE_BASE, *(f"rich*{name}" for name in COVERAGE_BASE), "top:richness")


def faq_knowledge(page: Path, folder: Path) -> Knowledge:
    """A knowledge folder with a FAQ page for articles and the shipped examples (the part that
    holds for every clinic), no example questions and no uncovered topics."""
    shutil.copytree(SHIPPED, folder)
    for article in (folder / "articles").glob("*.md"):
        article.unlink()
    (folder / "articles" / "questions.txt").write_text("# none\n", encoding="utf-8")
    (folder / "articles" / "uncovered-topics.txt").write_text("# none\n", encoding="utf-8")
    shutil.copy(page / "faq.md", folder / "articles" / "faq.md")
    if (page / "clinic.txt").exists():
        shutil.copy(page / "clinic.txt", folder / "clinic.txt")
    return load_knowledge(folder)


def evidence_of(knowledge: Knowledge) -> Evidence:
    return Evidence(knowledge, shared_cache(), Words.fit([e.text for e in knowledge.examples]))


def vectors(texts: list[str]) -> np.ndarray:
    return np.stack([m.whole for m in shared_cache().messages(texts)])


def target_of(knowledge: Knowledge, needles: tuple[str, ...]) -> int:
    """The first passage containing one of the strings (heading or text), -2 when none does."""
    for i, p in enumerate(knowledge.passages):
        haystack = f"{p.section}\n{p.text}".lower()
        if any(n.lower() in haystack for n in needles):
            return i
    return -2


def faq_batches(page: Path, rng: np.random.Generator, work: Path) -> list[Batch]:
    """A FAQ page's questions, against the page alone and with half of them taught."""
    knowledge = faq_knowledge(page, work / page.name)
    items = parse_items((page / "questions.jsonl").read_text(encoding="utf-8"), page.name)
    pairs = []
    for item in items:
        if item.expect == ("answer",):
            pairs.append((item.question, target_of(knowledge, item.answer_contains)))
        elif item.expect == ("no_answer",):
            pairs.append((item.question, -1))
    pairs = [(q, t) for q, t in pairs if t != -2]
    texts = [q for q, _ in pairs]
    target = np.array([t for _, t in pairs])
    evidence = evidence_of(knowledge)
    batches = [
        Batch(ask(evidence, texts, vectors(texts)), target, 1.0, None, FAQ_UNANSWERED_WEIGHT)
    ]
    taught = set(rng.permutation(len(pairs))[: len(pairs) // 2].tolist())
    ids = [p.id for p in knowledge.passages]
    extra = [
        Example(texts[i], "passage", ids[target[i]], "training", i)
        if target[i] >= 0
        else Example(texts[i], "topic", "taught", "training", i)
        for i in sorted(taught)
    ]
    richer = evidence_of(knowledge.with_examples(extra))
    asked = [texts[i] for i in range(len(pairs)) if i not in taught]
    rest = np.array([target[i] for i in range(len(pairs)) if i not in taught])
    batches.append(Batch(ask(richer, asked, vectors(asked)), rest, 1.0))
    return batches


def train() -> RelevanceModel:
    rng = np.random.default_rng(0)
    batches: list[Batch] = []
    with tempfile.TemporaryDirectory(prefix="relevance-") as work:
        for page in sorted(p for p in TRAINING.iterdir() if (p / "questions.jsonl").exists()):
            print(f"learning from {page.relative_to(ROOT)}", flush=True)
            batches += faq_batches(page, rng, Path(work))
    print(f"learning from {SHIPPED.relative_to(ROOT)}", flush=True)
    batches += knowledge_batches(evidence_of(load_knowledge(SHIPPED)), rng, SHIPPED_WEIGHT)
    ranker = Linear(RANKER, fit_ranker(batches, RANKER))
    coverage = fit_coverage(batches, ranker, COVERAGE)
    evidence_only = fit_coverage(batches, ranker, EVIDENCE_ONLY)
    return RelevanceModel(ranker, coverage, evidence_only, ANSWER_AT)


def rounded(value: object) -> object:
    """Numbers to 6 significant digits, so the file reads the same on every machine."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def close(learned: object, shipped: object) -> bool:
    """Whether two weight files (as JSON values) have the same shape and numbers within
    CHECK_TOLERANCE."""
    if isinstance(learned, dict) and isinstance(shipped, dict):
        return learned.keys() == shipped.keys() and all(
            close(learned[k], shipped[k]) for k in learned
        )
    if isinstance(learned, list) and isinstance(shipped, list):
        return len(learned) == len(shipped) and all(map(close, learned, shipped))
    if isinstance(learned, float) and isinstance(shipped, float | int):
        return abs(learned - shipped) <= CHECK_TOLERANCE * (1.0 + abs(shipped))
    return learned == shipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with bot/relevance.json")
    args = parser.parse_args()
    learned = rounded(train().to_json())
    if args.check:
        shipped = (
            json.loads(MODEL_FILE.read_text(encoding="utf-8")) if MODEL_FILE.exists() else None
        )
        same = close(learned, shipped)
        print(
            "bot/relevance.json is up to date"
            if same
            else "bot/relevance.json differs: run scripts/train_relevance.py to learn it again"
        )
        return 0 if same else 1
    MODEL_FILE.write_text(json.dumps(learned, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
