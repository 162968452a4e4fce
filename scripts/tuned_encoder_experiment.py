"""An experiment, not part of the bot: the sentence model's last two layers tuned to match
visitors' questions with the passages that answer them, measured on knowledge it never saw.

docs/understanding.md ("A sentence model tuned for questions and passages") has the figures.
Three steps, each printing what it measured:

    # 1. the question-passage pairs and the measured sets, with the project's Python
    .venv/bin/python scripts/tuned_encoder_experiment.py pairs /tmp/tuned/pairs.json

    # 2. the tuning, in a throwaway environment with PyTorch (CPU) and sentence-transformers
    #    (as scripts/encoder_reference.py says); prints rank-1 by plain cosine, before and after
    /tmp/stvenv/bin/python scripts/tuned_encoder_experiment.py tune /tmp/tuned/pairs.json \
        "$(.venv/bin/python -c 'from bot.encoder import model_folder; print(model_folder())')" \
        /tmp/tuned/model

    # 3. the bot's figures with the tuned model's cosines (question to passage as a whole, to
    #    its closest sentence, to its heading) in place of the shipped model's; `--retrain`
    #    first learns the ranker's weights again with them (it rewrites bot/relevance.json:
    #    run it in a scratch checkout, `git worktree add /tmp/scratch`)
    .venv/bin/python scripts/tuned_encoder_experiment.py measure /tmp/tuned/model [--retrain]

    # 4. the shipped knowledge, cross-validated, with the weights step 3 learned (in the scratch
    #    checkout, after step 3 with --retrain)
    .venv/bin/python scripts/tuned_encoder_experiment.py measure /tmp/tuned/model \
        --cross-validate ../shared/eval/visitors.jsonl

`tune --shipped-per-passage 0` learns from the training clinics alone; `measure --beside`
(steps 3 and 4 alike, from a fresh `bot/relevance.json`) keeps the shipped model's cosines and
adds the tuned ones as two signals of their own.

What it learns from: the five training clinics' FAQ pages and visitors' questions
(`training/relevance`, as scripts/train_relevance.py) and 20 example questions per passage of
the shipped knowledge. What it is measured on: the added articles and the other clinics' FAQ
pages of tests/edits.py, none of which it learns from. Layers 0-3 stay as shipped, so the
message classifier (crisis) could keep reading the shipped model's vectors from the same pass.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "training" / "relevance"
MEASURED = ("added", "added-2", "added-3", "added-4", "added-5", "added-6", "added-7")
CLINICS = ("second-clinic", "third-clinic", "fourth-clinic", "fifth-clinic")
SHIPPED_PER_PASSAGE = 20
FROZEN_LAYERS = 4  # of six: the last two are tuned
EPOCHS, LEARNING_RATE, BATCH, SCALE, SEED = 2, 5e-5, 32, 20.0, 0
BESIDE = ("u_whole", "u_sent")  # the tuned cosines, as signals of their own (`measure --beside`)
BESIDE_RANKER = (*BESIDE, *(f"rank:{s}" for s in BESIDE), *(f"rich:{s}" for s in BESIDE))


def _passage_text(p: Any) -> str:
    return f"{p.section}. {p.text}"


def _gold(passages: list[Any], needles: list[str]) -> list[int]:
    return [i for i, p in enumerate(passages) if any(n.lower() in p.text.lower() for n in needles)]


def pairs(out: Path) -> None:
    """Write the training pairs and the measured sets (passages, questions, right passages)."""
    sys.path.insert(0, str(ROOT))
    from bot.evaluation import parse_items
    from bot.knowledge import load_knowledge
    from tests.edits import EDITS, build, questions

    data: dict[str, dict[str, Any]] = {"train": {}, "measure": {}}
    shipped = load_knowledge(ROOT / "knowledge")
    passages = list(shipped.passages)
    where = {p.id: i for i, p in enumerate(passages)}
    data["train"]["shipped"] = {
        "passages": [_passage_text(p) for p in passages],
        "questions": [
            (e.text, [where[e.target]])
            for e in shipped.examples
            if e.kind == "passage" and e.target in where
        ],
    }
    with tempfile.TemporaryDirectory() as work:
        for clinic in sorted(TRAINING.iterdir()):
            folder = Path(work) / clinic.name
            shutil.copytree(ROOT / "knowledge" / "examples", folder / "examples")
            (folder / "articles").mkdir()
            shutil.copy(clinic / "clinic.txt", folder / "clinic.txt")
            shutil.copy(clinic / "faq.md", folder / "articles" / "faq.md")
            passages = list(load_knowledge(folder).passages)
            items = parse_items((clinic / "questions.jsonl").read_text(encoding="utf-8"))
            found = [
                (i.question, _gold(passages, list(i.answer_contains)))
                for i in items
                if "answer" in i.expect and i.answer_contains
            ]
            found += [(q, [j]) for j, p in enumerate(passages) for q in p.questions]
            data["train"][clinic.name] = {
                "passages": [_passage_text(p) for p in passages],
                "questions": [q for q in found if q[1]],
            }
        for edit in EDITS:
            if edit.name not in MEASURED + CLINICS:
                continue
            passages = list(load_knowledge(build(edit, Path(work))).passages)
            for _label, name, no_answer in edit.sets:
                items = [
                    i
                    for i in questions(name, no_answer)
                    if "answer" in i.expect and i.answer_contains
                ]
                data["measure"][f"{edit.name}: {name}"] = {
                    "passages": [_passage_text(p) for p in passages],
                    "questions": [
                        (i.question, _gold(passages, list(i.answer_contains))) for i in items
                    ],
                }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data), encoding="utf-8")
    for part, sets in data.items():
        for key, s in sets.items():
            counts = f"passages {len(s['passages']):3}  questions {len(s['questions'])}"
            print(f"{part:8} {key:45} {counts}")


def tune(data_path: Path, model_folder: Path, out: Path, shipped_per_passage: int) -> None:
    """Tune the last two layers (in-batch negatives, both directions) and print rank-1 by plain
    cosine on the measured sets, before and after."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(SEED)
    data = json.loads(data_path.read_text(encoding="utf-8"))
    model = SentenceTransformer(str(model_folder), device="cpu")
    model.max_seq_length = 256

    def rank1() -> dict[str, float]:
        model.eval()
        found = {}
        with torch.no_grad():
            for key, s in data["measure"].items():
                p = model.encode(s["passages"], normalize_embeddings=True)
                q = model.encode([t for t, _ in s["questions"]], normalize_embeddings=True)
                best = np.argmax(q @ p.T, axis=1)
                right = [b in g for b, (_, g) in zip(best, s["questions"], strict=True)]
                found[key] = float(np.mean(right))
        return found

    before = rank1()
    rng = random.Random(SEED)
    examples = []
    for key, s in data["train"].items():
        chosen = s["questions"]
        if key == "shipped":
            by: dict[int, list[str]] = {}
            for text, (target,) in chosen:
                by.setdefault(target, []).append(text)
            chosen = [
                (t, [g])
                for g, texts in by.items()
                for t in rng.sample(texts, min(shipped_per_passage, len(texts)))
            ]
        examples += [(t, s["passages"][g[0]], f"{key}:{g[0]}") for t, g in chosen]
    bert = model[0].auto_model
    for parameter in bert.embeddings.parameters():
        parameter.requires_grad = False
    for layer in bert.encoder.layer[:FROZEN_LAYERS]:
        for parameter in layer.parameters():
            parameter.requires_grad = False
    tuned = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(tuned, lr=LEARNING_RATE)

    def embed(texts: list[str]) -> Any:
        vectors = model(model.tokenize(texts))["sentence_embedding"]
        return torch.nn.functional.normalize(vectors, dim=-1)

    for epoch in range(EPOCHS):
        rng.shuffle(examples)
        model.train()
        # Batches without two questions of one passage (its other questions are no negatives).
        batches, pool = [], list(examples)
        while pool:
            batch: list[tuple[str, str, str]] = []
            seen, rest = set(), []
            for example in pool:
                if example[2] in seen or len(batch) >= BATCH:
                    rest.append(example)
                else:
                    batch.append(example)
                    seen.add(example[2])
            batches.append(batch)
            pool = rest
        total = 0.0
        for batch in batches:
            scores = embed([b[0] for b in batch]) @ embed([b[1] for b in batch]).T * SCALE
            labels = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(scores, labels)
                + torch.nn.functional.cross_entropy(scores.T, labels)
            ) / 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        loss_mean = total / len(batches)
        print(f"epoch {epoch + 1}: {len(examples)} pairs, loss {loss_mean:.3f}", flush=True)
    after = rank1()
    model.save(str(out))
    print("rank-1 by plain cosine (passage as one text): shipped model -> tuned")
    for key in before:
        print(f"  {key:45} {before[key]:.2f} -> {after[key]:.2f}")
    # "others.jsonl" asks about the shipped passages, whose example questions it learned from.
    new = [key for key in before if not key.endswith("others.jsonl")]
    mean_before, mean_after = np.mean([before[k] for k in new]), np.mean([after[k] for k in new])
    print(f"  {'mean, passages it never learned from':45} {mean_before:.3f} -> {mean_after:.3f}")


def measure(tuned: Path, retrain: bool, cross_validate: Path | None, beside: bool) -> None:
    """The knowledge edits' figures with the tuned model's question-passage cosines, or the
    shipped knowledge's cross-validated figures on `cross_validate` (`faqbot eval --folds 5`).
    `beside`: the tuned cosines (to the passage as a whole and to its closest sentence) are
    two more signals, and the shipped model's stay; with `retrain`, the ranker learns weights
    for them too (`BESIDE_RANKER`)."""
    # A cache of its own: the adapted ranker kept in the bot's cache was fitted on the shipped
    # model's cosines.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="tuned-cache-")
    sys.path.insert(0, str(ROOT))
    import numpy as np

    import bot.encoder as encoder_module
    import bot.evidence as evidence
    import bot.fitting as fitting
    import bot.ranking as ranking
    from bot.vectors import VectorCache

    if beside:
        extended = (*evidence.PASSAGE_SIGNALS, *BESIDE)
        for module in (evidence, fitting, ranking):
            setattr(module, "PASSAGE_SIGNALS", extended)  # noqa: B010

    shipped_check = encoder_module.verify_model

    def verify(folder: Path | None = None) -> tuple[Path, Path]:
        if folder is not None and Path(folder) == tuned:  # the tuned weights are not the shipped
            return tuned / "model.safetensors", tuned / "tokenizer.json"
        return shipped_check(folder)

    setattr(encoder_module, "verify_model", verify)  # noqa: B010 (a patch, for this run only)
    vectors = VectorCache(encoder_module.Encoder(tuned, None), None)
    shipped_init, shipped_signals = evidence.Evidence.__init__, evidence.Evidence.signals

    def init(self: Any, knowledge: Any, cache: Any, words: Any) -> None:
        shipped_init(self, knowledge, cache, words)
        read = vectors.messages([_passage_text(p) for p in self.passages])
        self.tuned_whole = np.stack([m.whole for m in read])
        self.tuned_sentences = np.vstack([m.parts for m in read])
        self.tuned_heading = vectors.sentences([p.section for p in self.passages])

    def signals(self: Any, texts: Any, question_vectors: Any, holdout: Any = None) -> Any:
        found = shipped_signals(self, texts, question_vectors, holdout)
        if not len(texts):
            return found
        q = np.stack([m.whole for m in vectors.messages(list(texts))])
        count = len(self.passages)
        sentence = evidence._group_max(q @ self.tuned_sentences.T, self.sentence_owner, count, 0.0)
        if beside:
            added = np.stack([q @ self.tuned_whole.T, sentence], axis=-1)
            out = np.concatenate([found.passages, added], axis=-1)
        else:
            out = found.passages.copy()
            for name, value in (
                ("t_whole", q @ self.tuned_whole.T),
                ("t_sent", sentence),
                ("head", (q @ self.tuned_heading.T) * self.leads),
            ):
                out[..., evidence.PASSAGE_SIGNALS.index(name)] = value
        hold = holdout or evidence.Holdout()
        if hold.passages is not None:
            out = np.where(hold.passages[..., None], out, 0.0)
        return evidence.Signals(out, found.question)

    setattr(evidence.Evidence, "__init__", init)  # noqa: B010
    setattr(evidence.Evidence, "signals", signals)  # noqa: B010
    if retrain:
        import importlib.util

        path = ROOT / "scripts" / "train_relevance.py"
        spec = importlib.util.spec_from_file_location("train_relevance", path)
        assert spec is not None and spec.loader is not None
        trainer = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(trainer)
        if beside:
            trainer.RANKER = (*trainer.RANKER, *BESIDE_RANKER)
        saved = sys.argv
        sys.argv = [str(path)]
        try:
            trainer.main()
        finally:
            sys.argv = saved
    if cross_validate is not None:
        from web.cli import main as faqbot

        folder = str(ROOT / "knowledge")
        faqbot(["eval", str(cross_validate), "--folds", "5", "--knowledge", folder])
        return
    from bot.assistant import Assistant
    from bot.evaluation import evaluate
    from tests.edits import EDITS, build, questions

    print("| knowledge | questions | n | routing | hit@1 | answered | not covered |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for edit in EDITS:
            if edit.name not in MEASURED + CLINICS:
                continue
            bot = Assistant.from_folder(build(edit, Path(work)))
            for _label, name, no_answer in edit.sets:
                r = evaluate(bot, questions(name, no_answer))
                kinds = r.routing_by_kind
                print(
                    f"| {edit.name} | {name} | {r.count} | {r.routing:.2f} | {r.hit1:.2f} | "
                    f"{kinds.get('answer', float('nan')):.2f} | "
                    f"{kinds.get('no_answer', float('nan')):.2f} |",
                    flush=True,
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    p = steps.add_parser("pairs")
    p.add_argument("out", type=Path)
    t = steps.add_parser("tune")
    t.add_argument("pairs", type=Path)
    t.add_argument("model", type=Path)
    t.add_argument("out", type=Path)
    t.add_argument(
        "--shipped-per-passage",
        type=int,
        default=SHIPPED_PER_PASSAGE,
        help="example questions of each shipped passage learned from (0: none)",
    )
    m = steps.add_parser("measure")
    m.add_argument("tuned", type=Path)
    m.add_argument("--retrain", action="store_true")
    m.add_argument("--cross-validate", type=Path, metavar="FILE")
    m.add_argument("--beside", action="store_true")
    args = parser.parse_args()
    if args.step == "pairs":
        pairs(args.out)
    elif args.step == "tune":
        tune(args.pairs, args.model, args.out, args.shipped_per_passage)
    else:
        measure(args.tuned.resolve(), args.retrain, args.cross_validate, args.beside)
    return 0


if __name__ == "__main__":
    sys.exit(main())
