"""Generate a synthetic BEIR-layout collection of passage-sized documents, for scale tests.

    python benchmarks/synthetic.py --docs 100000 --out benchmarks/data/synthetic-100k

Words follow a Zipf distribution over a fixed vocabulary of made-up words (so stemming and
stopwords barely touch them), documents are 30 to 120 words long, and each query is 3 to 6
words drawn from one document, which is judged relevant to it. The same seed gives the same
collection.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up words of two to four syllables."""
    words: set[str] = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(SYLLABLES[int(i)] for i in rng.integers(0, len(SYLLABLES), n)))
    return sorted(words)


def generate(out: Path, docs: int, queries: int, vocab_size: int, seed: int) -> None:
    """Write corpus.jsonl, queries.jsonl and qrels/test.tsv under `out`."""
    rng = np.random.default_rng(seed)
    words = np.asarray(vocabulary(vocab_size, rng))
    ranks = np.arange(1, vocab_size + 1)
    weights = 1.0 / ranks**1.07
    weights /= weights.sum()
    lengths = rng.integers(30, 121, docs)
    out.mkdir(parents=True, exist_ok=True)
    (out / "qrels").mkdir(exist_ok=True)
    chosen = set(rng.choice(docs, size=queries, replace=False).tolist())
    query_rows: list[tuple[str, str]] = []
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for i, length in enumerate(lengths):
            tokens = words[rng.choice(vocab_size, size=int(length), p=weights)]
            f.write(json.dumps({"_id": f"d{i}", "title": "", "text": " ".join(tokens)}) + "\n")
            if i in chosen:
                picked = rng.choice(tokens, size=int(rng.integers(3, 7)), replace=False)
                query_rows.append((f"d{i}", " ".join(picked)))
    with (
        (out / "queries.jsonl").open("w", encoding="utf-8") as fq,
        (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as fr,
    ):
        fr.write("query-id\tcorpus-id\tscore\n")
        for n, (doc, text) in enumerate(query_rows):
            fq.write(json.dumps({"_id": f"q{n}", "text": text}) + "\n")
            fr.write(f"q{n}\t{doc}\t1\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vocab", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    generate(args.out, args.docs, args.queries, args.vocab, args.seed)
    print(f"wrote {args.docs} documents and {args.queries} queries to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
