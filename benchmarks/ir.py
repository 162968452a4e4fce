"""Retrieval benchmark on a BEIR-layout collection: quality, speed and memory, side by side with
plain rank-bm25 over the same tokens in the same run.

    python benchmarks/ir.py ../shared/benchmarks/vaswani [--json] [--idf okapi|smoothed]

Quality: nDCG@10 (graded gain, over queries with at least one judgment above 0), MRR@10 and
Recall@100 (relevant = score >= 1). Speed: index build seconds and per-query latency
(p50/p95/p99) of retrieving the top 100 from already-analyzed tokens; the baseline is
`BM25Okapi.get_scores` plus a top-100 selection. Memory: peak RSS of the process after the
engine has been built and queried (before the baseline is built), and again at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from bot.analysis import Analyzer
from bot.bm25 import BM25Index, SmoothedBM25

K1, B = 1.5, 0.75


def read_corpus(folder: Path) -> Iterator[tuple[str, str]]:
    """(id, title and text) for each document, read one line at a time."""
    with (folder / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                yield str(d["_id"]), f"{d.get('title') or ''} {d.get('text') or ''}".strip()


def load_queries(folder: Path) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """Queries (id -> text) and qrels (query -> doc -> grade)."""
    queries: dict[str, str] = {}
    with (folder / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                q = json.loads(line)
                queries[str(q["_id"])] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / "test.tsv").open(encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(float(parts[2]))
    return queries, qrels


def ndcg_at_10(ranked: Sequence[str], grades: dict[str, int]) -> float:
    """nDCG@10 with the graded gain (2^grade - 1)."""
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def quality(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """nDCG@10, MRR@10 and Recall@100 over the judged queries."""
    ndcgs, mrrs, recalls = [], [], []
    for qid, ranked in runs.items():
        grades = qrels.get(qid, {})
        if not any(g > 0 for g in grades.values()):
            continue
        ndcgs.append(ndcg_at_10(ranked, grades))
        relevant = {d for d, g in grades.items() if g >= 1}
        rank = next((i for i, d in enumerate(ranked[:10], 1) if d in relevant), 0)
        mrrs.append(1 / rank if rank else 0.0)
        recalls.append(len(relevant & set(ranked[:100])) / len(relevant) if relevant else 0.0)
    return {
        "ndcg@10": statistics.fmean(ndcgs) if ndcgs else 0.0,
        "mrr@10": statistics.fmean(mrrs) if mrrs else 0.0,
        "recall@100": statistics.fmean(recalls) if recalls else 0.0,
    }


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_queries(
    search: Callable[[list[str]], list[int]],
    queries: dict[str, list[str]],
    ids: list[str],
    repeat: int,
) -> tuple[dict[str, list[str]], list[float]]:
    """Rank documents for every query; latency per query in ms (best of `repeat` runs)."""
    runs: dict[str, list[str]] = {}
    latencies: list[float] = []
    for qid, tokens in queries.items():
        best = math.inf
        for _ in range(repeat):
            start = time.perf_counter()
            docs = search(tokens)
            best = min(best, time.perf_counter() - start)
        runs[qid] = [ids[d] for d in docs]
        latencies.append(best * 1000)
    return runs, latencies


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 in ms."""
    arr = np.asarray(values)
    return {f"p{p}_ms": float(np.percentile(arr, p)) for p in (50, 95, 99)}


def benchmark(folder: Path, idf: str, repeat: int, baseline: bool) -> dict[str, Any]:
    """Run the whole benchmark on one collection and return the figures."""
    raw_queries, qrels = load_queries(folder)
    analyzer = Analyzer()
    ids: list[str] = []
    docs: list[list[str]] = []
    start = time.perf_counter()
    for doc_id, text in read_corpus(folder):  # streamed: the raw texts are never all held
        ids.append(doc_id)
        docs.append(analyzer.terms(text))
    analyze_s = time.perf_counter() - start
    queries = {qid: analyzer.terms(text) for qid, text in raw_queries.items()}

    start = time.perf_counter()
    index = BM25Index(docs, k1=K1, b=B, idf=idf)  # type: ignore[arg-type]
    build_s = time.perf_counter() - start
    engine_runs, engine_lat = run_queries(
        lambda q: [h.doc for h in index.top(q, k=100)], queries, ids, repeat
    )
    result: dict[str, Any] = {
        "collection": folder.name,
        "documents": len(ids),
        "queries": len(queries),
        "idf": idf,
        "analyze_s": analyze_s,
        "build_s": build_s,
        "rss_mb": rss_mb(),
        **quality(engine_runs, qrels),
        **percentiles(engine_lat),
    }
    if not baseline:
        return result

    start = time.perf_counter()
    model = (SmoothedBM25 if idf == "smoothed" else BM25Okapi)(docs, k1=K1, b=B)
    base_build = time.perf_counter() - start

    def plain(q: list[str]) -> list[int]:
        scores = model.get_scores(q)
        top = np.argpartition(-scores, 100)[:100] if len(scores) > 100 else np.arange(len(scores))
        order = np.lexsort((top, -scores[top]))
        return [int(top[i]) for i in order if scores[top[i]] > 0]

    base_runs, base_lat = run_queries(plain, queries, ids, 1)
    result["baseline"] = {
        "build_s": base_build,
        "rss_mb": rss_mb(),
        **quality(base_runs, qrels),
        **percentiles(base_lat),
    }
    result["speedup_p50"] = result["baseline"]["p50_ms"] / result["p50_ms"]
    same = [engine_runs[q][:10] == base_runs[q][:10] for q in queries]
    result["top10_identical"] = sum(same) / len(same) if same else 1.0
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a BEIR-layout collection")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--idf",
        choices=["okapi", "smoothed"],
        default="okapi",
        help="BM25 idf: rank-bm25's Okapi (default) or the bot's smoothed one",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per query (best kept)")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain rank-bm25")
    args = parser.parse_args(argv)
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (args.folder / name).is_file():
            print(f"{args.folder / name}: missing; expected a BEIR-layout folder", file=sys.stderr)
            return 2
    r = benchmark(args.folder, args.idf, args.repeat, not args.no_baseline)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"{r['collection']}: {r['documents']} documents, {r['queries']} queries, idf={r['idf']}")
    rows = [("", "engine", "rank-bm25")]
    base = r.get("baseline", {})
    for key, fmt in (
        ("ndcg@10", "{:.4f}"),
        ("mrr@10", "{:.4f}"),
        ("recall@100", "{:.4f}"),
        ("build_s", "{:.2f}"),
        ("rss_mb", "{:.0f}"),
        ("p50_ms", "{:.3f}"),
        ("p95_ms", "{:.3f}"),
        ("p99_ms", "{:.3f}"),
    ):
        rows.append((key, fmt.format(r[key]), fmt.format(base[key]) if key in base else "-"))
    for row in rows:
        print(f"{row[0]:<12}{row[1]:>12}{row[2]:>12}")
    print(f"reading and analysis of the corpus: {r['analyze_s']:.2f} s")
    if base:
        print(
            f"speed-up at p50: {r['speedup_p50']:.1f}x; identical top 10: "
            f"{r['top10_identical']:.1%} of queries"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
