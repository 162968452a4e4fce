"""An experiment, not part of the bot: the sentence model's last two layers tuned, with a head of
four kinds (crisis, medical advice, small talk, question), on the example messages, to read crisis
better than the shipped classifier (words and the shipped model's vectors, linear).

docs/understanding.md ("A sentence model tuned to read crisis") has the figures. Three steps:

    # 1. the messages it learns from: every example, less those of the sets it is measured on
    .venv/bin/python scripts/crisis_head_experiment.py data /tmp/head/data.json \
        --leave-out safety-f12 safety-f14 safety-f15 safety-f16 safety-f18

    # 2. the tuning, in a throwaway environment with PyTorch (CPU), safetensors and tokenizers
    #    (`pip install torch==2.13.0+cpu safetensors tokenizers numpy`); about 15 minutes on 2 cores
    /tmp/stvenv/bin/python scripts/crisis_head_experiment.py tune /tmp/head/data.json \
        "$(.venv/bin/python -c 'from bot.encoder import model_folder; print(model_folder())')" \
        /tmp/head/tuned.npz

    # 3. the sets left out, read by the shipped classifier (each by a bot that did not learn
    #    from it, as scripts/calibrate_crisis.py reads them) and by the tuned head
    .venv/bin/python scripts/crisis_head_experiment.py compare /tmp/head/data.json \
        /tmp/head/tuned.npz --sets safety-f12 safety-f14 safety-f15 safety-f16 safety-f18

Step 3 prints, for each reading and for a sum of the two log-odds, the fewest other messages
that get crisis resources (check-in or clear) while at least a given share of the crisis
messages do, the levels chosen on the measured sets themselves: a bound on what each could do,
a development figure. The network is BERT's as bot/encoder.py builds it (layers 0-3 kept as
shipped); `tune` checks its vectors against nothing, but step 3 does: the untuned copy's vectors
(`orig`) must equal the shipped encoder's.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("crisis", "medical_advice", "smalltalk", "question")  # bot.classifier.MESSAGE_KINDS
FROZEN_LAYERS, LAYERS, DIM, HEADS = 4, 6, 384, 12
EPOCHS, LEARNING_RATE, HEAD_RATE, BATCH, SCALE, SEED = 3, 5e-5, 1e-3, 32, 10.0, 0
RECALLS = (0.99, 0.995, 1.0)


def data(out: Path, leave_out: list[str]) -> None:
    """Every example message (sentences as the bot splits them, and what it teaches), less
    those equal to a message of a set left out; and every sentence of those sets."""
    sys.path.insert(0, str(ROOT))
    from bot.classifier import TEACHES
    from bot.examples import example_key
    from bot.knowledge import load_knowledge
    from bot.vectors import split
    from scripts.add_set_examples import set_items

    measured = {name: [i.question for i in set_items(name)] for name in leave_out}
    left_out = {example_key(q) for questions in measured.values() for q in questions}
    index: dict[str, int] = {}

    def sentences(text: str) -> list[int]:
        return [index.setdefault(s, len(index)) for s in split(text)]

    train = [
        (sentences(e.text), TEACHES[e.kind])
        for e in load_knowledge(ROOT / "knowledge").examples
        if example_key(e.text) not in left_out
    ]
    for questions in measured.values():
        for question in questions:
            sentences(question)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"sentences": list(index), "train": train}), encoding="utf-8")
    print(f"{len(train)} messages to learn from, {len(index)} sentences")


def tune(data_path: Path, folder: Path, out: Path) -> None:
    """Layers 4 and 5 and the head tuned on the messages (cross-entropy over the four kinds; a
    message's vector is its sentences' token-weighted mean, as bot/vectors.py makes it)."""
    import torch
    import torch.nn.functional as F
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
    from torch import nn

    torch.manual_seed(SEED)
    random.seed(SEED)
    stored = load_file(folder / "model.safetensors")
    weights = {k: torch.from_numpy(v.copy()) for k, v in stored.items()}
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    loaded = json.loads(data_path.read_text(encoding="utf-8"))
    ids = [e.ids for e in tokenizer.encode_batch(loaded["sentences"])]

    def copied(module: Any, name: str) -> Any:
        module.weight.data.copy_(weights[f"{name}.weight"])
        module.bias.data.copy_(weights[f"{name}.bias"])
        return module

    class Layer(nn.Module):
        def __init__(self, i: int) -> None:
            super().__init__()
            p = f"encoder.layer.{i}."

            def linear(name: str) -> Any:
                rows, columns = weights[f"{p}{name}.weight"].shape
                return copied(nn.Linear(columns, rows), p + name)

            self.q, self.k = linear("attention.self.query"), linear("attention.self.key")
            self.v, self.o = linear("attention.self.value"), linear("attention.output.dense")
            self.norm1 = copied(nn.LayerNorm(DIM, eps=1e-12), p + "attention.output.LayerNorm")
            self.up, self.down = linear("intermediate.dense"), linear("output.dense")
            self.norm2 = copied(nn.LayerNorm(DIM, eps=1e-12), p + "output.LayerNorm")

        def forward(self, x: Any, mask: Any) -> Any:
            b, t, d = x.shape

            def heads(y: Any) -> Any:
                return y.view(b, t, HEADS, d // HEADS).transpose(1, 2)

            scores = heads(self.q(x)) @ heads(self.k(x)).transpose(-1, -2) / math.sqrt(d // HEADS)
            scores = scores + (1 - mask)[:, None, None, :] * -1e9
            context = (scores.softmax(-1) @ heads(self.v(x))).transpose(1, 2).reshape(b, t, d)
            x = self.norm1(x + self.o(context))
            return self.norm2(x + self.down(F.gelu(self.up(x))))

    def by_length(order: Any, size: int = 64) -> Any:
        order = sorted(order, key=lambda i: len(ids[i]))
        for start in range(0, len(order), size):
            yield order[start : start + size]

    embedding_norm = copied(nn.LayerNorm(DIM, eps=1e-12), "embeddings.LayerNorm")
    bottom = [Layer(i) for i in range(FROZEN_LAYERS)]
    hidden: list[Any] = [None] * len(ids)
    with torch.no_grad():
        for chunk in by_length(range(len(ids))):
            length = max(len(ids[i]) for i in chunk)
            tokens = torch.zeros(len(chunk), length, dtype=torch.long)
            mask = torch.zeros(len(chunk), length)
            for row, i in enumerate(chunk):
                tokens[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            x = (
                weights["embeddings.word_embeddings.weight"][tokens]
                + weights["embeddings.position_embeddings.weight"][:length]
                + weights["embeddings.token_type_embeddings.weight"][0]
            )
            x = embedding_norm(x)
            for layer in bottom:
                x = layer(x, mask)
            for row, i in enumerate(chunk):
                hidden[i] = x[row, : len(ids[i])].clone()
    print("layers 0-3 done", flush=True)

    def top_vectors(layers: Any, chunk: list[int]) -> Any:
        length = max(len(ids[i]) for i in chunk)
        x, mask = torch.zeros(len(chunk), length, DIM), torch.zeros(len(chunk), length)
        for row, i in enumerate(chunk):
            x[row, : len(ids[i])] = hidden[i]
            mask[row, : len(ids[i])] = 1
        for layer in layers:
            x = layer(x, mask)
        return F.normalize((x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True), dim=-1)

    def all_vectors(layers: Any) -> Any:
        out = np.zeros((len(ids), DIM), dtype=np.float32)
        with torch.no_grad():
            for chunk in by_length(range(len(ids))):
                out[chunk] = top_vectors(layers, chunk).numpy()
        return out

    orig = all_vectors([Layer(i) for i in range(FROZEN_LAYERS, LAYERS)])
    top = nn.ModuleList([Layer(i) for i in range(FROZEN_LAYERS, LAYERS)])
    head = nn.Linear(DIM, len(KINDS))
    train = [(parts, KINDS.index(kind)) for parts, kind in loaded["train"]]
    optimizer = torch.optim.AdamW(
        [{"params": top.parameters(), "lr": LEARNING_RATE}, {"params": head.parameters()}],
        lr=HEAD_RATE,
        weight_decay=0.01,
    )
    steps, step = EPOCHS * math.ceil(len(train) / BATCH), 0
    for epoch in range(EPOCHS):
        random.shuffle(train)
        total = 0.0
        for start in range(0, len(train), BATCH):
            batch = train[start : start + BATCH]
            flat = sorted({i for parts, _ in batch for i in parts})
            where = {i: row for row, i in enumerate(flat)}
            vectors = top_vectors(top, flat)
            messages = []
            for parts, _ in batch:
                counts = torch.tensor([float(len(ids[i])) for i in parts])
                mean = (counts[:, None] * vectors[[where[i] for i in parts]]).sum(0)
                messages.append(F.normalize(mean, dim=-1))
            loss = F.cross_entropy(
                head(torch.stack(messages) * SCALE), torch.tensor([kind for _, kind in batch])
            )
            for group, rate in zip(optimizer.param_groups, (LEARNING_RATE, HEAD_RATE), strict=True):
                group["lr"] = rate * (1 - step / steps)  # linear decay
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            total += loss.item() * len(batch)
        print(f"epoch {epoch}: loss {total / len(train):.4f}", flush=True)
    np.savez(
        out,
        tuned=all_vectors(top),
        orig=orig,
        head_w=head.weight.detach().numpy() * SCALE,
        head_b=head.bias.detach().numpy(),
        tokens=np.array([len(seq) for seq in ids]),
    )
    print(f"wrote {out}")


def compare(data_path: Path, tuned_path: Path, sets: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from bot.assistant import shared_cache
    from bot.knowledge import load_knowledge
    from bot.vectors import combine, split
    from scripts.add_set_examples import set_items
    from scripts.calibrate_crisis import held_out, labels, readings

    loaded = json.loads(data_path.read_text(encoding="utf-8"))
    index = {s: i for i, s in enumerate(loaded["sentences"])}
    tuned = np.load(tuned_path)
    vectors, tokens = tuned["tuned"], tuned["tokens"]
    knowledge, cache = load_knowledge(ROOT / "knowledge"), shared_cache()
    shipped = cache.sentences(loaded["sentences"][:500])
    same = float((shipped * tuned["orig"][:500]).sum(axis=1).min())
    print(f"untuned copy against the shipped encoder: lowest cosine {same:.6f}")

    def crisis(rows: np.ndarray) -> np.ndarray:
        scores = rows @ tuned["head_w"].T + tuned["head_b"]
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return scores[..., 0] / scores.sum(axis=-1)  # type: ignore[no-any-return]

    base, head, crisis_items, other_items = [], [], [], []
    for name in sets:
        items = set_items(name)
        base.append(readings(held_out(knowledge, cache, name, items), [i.question for i in items]))
        for item in items:
            parts = [index[s] for s in split(item.question)]
            whole = combine(vectors[parts], list(tokens[parts]))
            sentence = float(crisis(vectors[parts]).max()) if len(parts) > 1 else 0.0
            head.append((float(crisis(whole[None])[0]), sentence))
        crisis_items.append(labels(items)[0])
        other_items.append(labels(items)[1])
        print(f"read {name}", flush=True)
    r, h = np.concatenate(base), np.array(head)
    is_crisis, is_other = np.concatenate(crisis_items), np.concatenate(other_items)
    rules = (r[:, 2] > 0) | (r[:, 3] > 0)

    def log_odds(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))  # type: ignore[no-any-return]

    def fewest(whole: np.ndarray, sentence: np.ndarray, recall: float) -> float:
        levels_w = np.unique(np.quantile(whole[is_crisis], np.linspace(0, 0.05, 60)))
        levels_s = np.unique(np.quantile(sentence[is_crisis], np.linspace(0, 0.3, 60)))
        best = 1.0
        for w, s in product(levels_w, [*levels_s, np.inf]):
            got = rules | (whole >= w) | (sentence >= s)
            if got[is_crisis].mean() >= recall:
                best = min(best, float(got[is_other].mean()))
        return best

    print(f"{int(is_crisis.sum())} crisis, {int(is_other.sum())} other messages")
    print("other messages given crisis resources, at the fewest for each crisis recall:")
    print("reading                          " + "  ".join(f"{r:>6}" for r in RECALLS))
    rows = [("shipped classifier", r[:, 0], r[:, 1]), ("tuned head", h[:, 0], h[:, 1])]
    for a in (0.5, 1.0):
        rows.append(
            (
                f"log-odds, shipped + {a} x tuned",
                log_odds(r[:, 0]) + a * log_odds(h[:, 0]),
                log_odds(r[:, 1]) + a * log_odds(h[:, 1]),
            )
        )
    for name, whole, sentence in rows:
        figures = "  ".join(f"{fewest(whole, sentence, recall):6.3f}" for recall in RECALLS)
        print(f"{name:32s} {figures}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    step = steps.add_parser("data")
    step.add_argument("out", type=Path)
    step.add_argument("--leave-out", nargs="+", default=[])
    step = steps.add_parser("tune")
    step.add_argument("data", type=Path)
    step.add_argument("model", type=Path)
    step.add_argument("out", type=Path)
    step = steps.add_parser("compare")
    step.add_argument("data", type=Path)
    step.add_argument("tuned", type=Path)
    step.add_argument("--sets", nargs="+", required=True)
    args = parser.parse_args()
    if args.step == "data":
        data(args.out, args.leave_out)
    elif args.step == "tune":
        tune(args.data, args.model, args.out)
    else:
        compare(args.data, args.tuned, args.sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
