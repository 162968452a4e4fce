"""Dynamic int8 quantization of the sentence encoder, measured beside the float32 one: speed per
question, how far the vectors move, and the eval figures. It measures; the bot is not changed.

    python benchmarks/quantized.py [--core 1] [--variants s8 s8-channel ...] [--rounds 3]
                                   [--no-eval] [--json]

The float32 graph is the one the bot builds (`bot.encoder._graph` over the installed weights);
each variant is `onnxruntime.quantization.quantize_dynamic` of it (VARIANTS: int8 or uint8
weights, per tensor or per output channel; activations are quantized at run time, per tensor;
two variants leave each layer's feed-forward MatMuls, or the second of them, in float32),
written to a temporary folder with the float32 graph, and deleted at the end. Each encoder is
the bot's `Encoder` (its tokenizer, embedding look-up and batching) with its onnxruntime
session replaced by one over the quantized graph, with the same session options (one thread).
Nothing is downloaded; the bot's caches are not read or written (XDG_CACHE_HOME points at the
temporary folder, and every `VectorCache` here lives in memory only).

Like benchmarks/latency.py, the script pins itself to one core (`--core`, default 1) and
re-executes itself with one BLAS/OpenMP thread and this checkout first on the path.

1. Speed: every question of the eval sets (latency.py's QUESTION_FILES, de-duplicated, in its
   fixed order), `encode([q])` one at a time after latency.py's warm-up messages; --rounds
   rounds, the encoders taking turns on each question (in a rotating order); each question's
   time is its median over the rounds. p50/p90/p99 over the questions, and float32's time
   over each variant's (ratios of the percentiles, and the median of the per-question ratios).
2. Vectors: the cosine between the float32 and the quantized vector of each question
   (`encode([q])`), of each knowledge passage's text (`encode(texts)`, batched as the bot's
   vector cache does), and of each example sentence the Assistant build encoded (read back from
   the two builds' caches: this also shows that the quantized build encoded them itself);
   min, p1, p5 and median. Also: the share of questions whose nearest passage is the same.
3. Eval: for each encoder, `Assistant(load_knowledge("knowledge"), VectorCache(encoder))`
   builds from nothing (no saved models: the message classifier, the ranker's content model
   and its adaptation to the knowledge's examples are all learned again with that encoder's
   vectors), then every item of EVAL_FILES is asked and scored as `faqbot eval` (without
   --folds) scores it. The shipped ranker weights (bot/relevance.json) were learned with
   float32 vectors and are not learned again; only their adaptation at load is. These figures
   are not cross-validated: both sets were used to build and calibrate the bot, so they show
   the difference quantization makes, not how either encoder does on new visitors.

Exits 0 after printing the report.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from latency import (  # benchmarks/ is the script's folder
    QUESTION_FILES,
    REPO,
    THREAD_VARIABLES,
    WARMUP,
    load_questions,
    percentile,
    provenance,
    summary,
)

if TYPE_CHECKING:
    from bot.encoder import Encoder, Vectors
    from bot.evaluation import Item

EVAL_FILES = [
    REPO.parent / "shared" / "eval" / "visitors.jsonl",
    REPO / "tests" / "data" / "safety-calibration.jsonl",
]
FLOAT32 = "float32"


# The MatMuls a variant may leave in float32, by the names of their weights: each layer's
# feed-forward MatMuls, the first (up to 1536) and the second (down, reading the GELU's output).
FEED_FORWARD = {
    "up": r"intermediate\.dense\.weight$",
    "down": r"layer\.\d+\.output\.dense\.weight$",
}


@dataclass(frozen=True)
class Variant:
    """One way to quantize: the weights' type (onnxruntime's QuantType name), per channel or
    not, and the feed-forward MatMuls left in float32 (FEED_FORWARD's keys)."""

    weight_type: str
    per_channel: bool = False
    keep_float: tuple[str, ...] = ()

    def describe(self) -> str:
        """The call that makes it, in short."""
        kept = ", ".join(f"feed-forward {k}" for k in self.keep_float)
        return f"weight_type={self.weight_type}, per_channel={self.per_channel}" + (
            f"; not quantized: {kept} (6 MatMuls each)" if kept else ""
        )


VARIANTS = {
    "s8": Variant("QInt8"),
    "s8-channel": Variant("QInt8", per_channel=True),
    "u8": Variant("QUInt8"),
    "u8-channel": Variant("QUInt8", per_channel=True),
    "s8-no-down": Variant("QInt8", keep_float=("down",)),
    "s8-no-ffn": Variant("QInt8", keep_float=("up", "down")),
}


def reexec_if_needed(core: int) -> None:
    """Pin to `core`, and restart this script with one BLAS thread and this checkout first on
    the path (latency.py's `reexec_if_needed` restarts latency.py itself, so it is not reused)."""
    os.sched_setaffinity(0, {core})
    wanted = {name: "1" for name in THREAD_VARIABLES}
    wanted["PYTHONPATH"] = str(REPO)
    if all(os.environ.get(name) == value for name, value in wanted.items()):
        return
    env = {**os.environ, **wanted}
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], env)


class QuantizerLog(logging.Handler):
    """Collects what onnxruntime's quantizer logs (it logs through the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage().strip()}")


def build_graphs(folder: Path, names: Sequence[str]) -> dict[str, Any]:
    """The float32 graph as the bot builds it and each variant of it, as files in `folder`,
    with their sizes, their nodes by kind and what the quantizer logged."""
    import onnx

    from bot.encoder import _graph, _Weights, import_onnxruntime, model_folder, verify_model

    import_onnxruntime()  # before onnxruntime.quantization imports onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weights_path, _ = verify_model(model_folder())
    paths = {FLOAT32: folder / "float32.onnx"}
    paths[FLOAT32].write_bytes(_graph(_Weights(weights_path)))
    # The quantizer leaves nodes out by name; the bot's nodes have none. A copy gets names
    # (names change nothing that is computed).
    model = onnx.load(str(paths[FLOAT32]))
    for i, node in enumerate(model.graph.node):
        node.name = f"node{i}"
    named = folder / "float32-named.onnx"
    onnx.save(model, str(named))
    weights = {t.name for t in model.graph.initializer}
    linear = [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    handler = QuantizerLog()
    root = logging.getLogger()
    root.addHandler(handler)
    quantize_s = {}
    try:
        for name in names:
            variant = VARIANTS[name]
            paths[name] = folder / f"{name}.onnx"
            start = time.perf_counter()
            patterns = [FEED_FORWARD[k] for k in variant.keep_float]
            kept = [n.name for n in linear if any(re.search(k, n.input[1]) for k in patterns)]
            quantize_dynamic(
                named,
                paths[name],
                weight_type=QuantType[variant.weight_type],
                per_channel=variant.per_channel,
                nodes_to_exclude=kept,
            )
            quantize_s[name] = time.perf_counter() - start
    finally:
        root.removeHandler(handler)
    nodes = {
        name: dict(Counter(node.op_type for node in onnx.load(str(path)).graph.node))
        for name, path in paths.items()
    }
    return {
        "paths": paths,
        "mb": {name: path.stat().st_size / 1e6 for name, path in paths.items()},
        "nodes": nodes,
        "quantize_s": quantize_s,
        "log": sorted(set(handler.lines)),
    }


def with_graph(encoder: Encoder, path: Path) -> Encoder:
    """A copy of `encoder` (same tokenizer, embedding tables and batching) running `path`, with
    the same session options."""
    from bot.encoder import import_onnxruntime

    onnxruntime = import_onnxruntime()
    twin = copy.copy(encoder)
    options = encoder._session.get_session_options()
    twin._session = onnxruntime.InferenceSession(
        str(path), options, providers=["CPUExecutionProvider"]
    )
    return twin


def time_questions(
    encoders: dict[str, Encoder], questions: Sequence[str], rounds: int
) -> tuple[dict[str, list[float]], dict[str, Vectors]]:
    """Each question's median ms of `encode([q])` over `rounds` per encoder, the encoders taking
    turns in a rotating order; and the vectors of the last round."""
    names = list(encoders)
    for name in names:
        for text in WARMUP * 2:
            encoders[name].encode([text])
    timings: dict[str, list[list[float]]] = {n: [[] for _ in questions] for n in names}
    vectors = {n: np.zeros((len(questions), encoders[n].dim), dtype=np.float32) for n in names}
    for round_ in range(rounds):
        for i, question in enumerate(questions):
            shift = (i + round_) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter_ns()
                vector = encoders[name].encode([question])
                timings[name][i].append((time.perf_counter_ns() - start) / 1e6)
                vectors[name][i] = vector[0]
    medians = {n: [statistics.median(t) for t in timings[n]] for n in names}
    return medians, vectors


def cosines(a: Vectors, b: Vectors) -> list[float]:
    """Row-wise cosines of two sets of vectors (rows of unit length or zero)."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = (a * b).sum(axis=1)
    return [float(x) for x in np.where(norms > 0, dots / np.maximum(norms, 1e-12), 1.0)]


def spread(values: Sequence[float]) -> dict[str, float]:
    """min, p1, p5 and median of cosines."""
    return {
        "count": len(values),
        "min": min(values),
        "p1": percentile(values, 0.01),
        "p5": percentile(values, 0.05),
        "median": percentile(values, 0.50),
    }


def build_and_ask(encoder: Encoder, items: dict[str, list[Item]]) -> dict[str, Any]:
    """An Assistant learned from nothing with `encoder`'s vectors (its cache in memory only),
    every item of each set asked, and the scores of each set."""
    from bot.assistant import Assistant
    from bot.evaluation import report
    from bot.knowledge import load_knowledge
    from bot.vectors import VectorCache

    cache = VectorCache(encoder, None)  # no file: nothing saved is read, nothing is saved
    start = time.perf_counter()
    assistant = Assistant(load_knowledge(REPO / "knowledge"), cache)
    build_s = time.perf_counter() - start
    result: dict[str, Any] = {
        "build_s": build_s,
        "adapted": assistant.ranker.shipped is not None,
        "cache": cache,
        "sets": {},
    }
    for name, set_items in items.items():
        answers = [assistant.ask(item.question) for item in set_items]
        scores = report(list(zip(set_items, answers, strict=True)))
        replies = [
            (a.kind, a.level, a.shown.kind, a.shown.passages[0].id if a.shown.passages else "")
            for a in answers
        ]
        result["sets"][name] = {
            "report": scores.to_dict(),
            "failed": sorted(f["id"] for f in scores.failures),
            "replies": replies,
        }
    return result


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Everything the report shows."""
    from bot.encoder import Encoder
    from bot.evaluation import parse_items
    from bot.knowledge import load_knowledge
    from bot.vectors import split

    graphs = build_graphs(scratch, args.variants)
    base = Encoder.load(cache_dir=None)  # the graph built in memory; no cache folder
    encoders = {FLOAT32: base}
    encoders.update({name: with_graph(base, graphs["paths"][name]) for name in args.variants})
    questions = load_questions(args.questions)
    timings, question_vectors = time_questions(encoders, questions, args.rounds)
    knowledge = load_knowledge(REPO / "knowledge")
    passages = [p.text for p in knowledge.passages]
    passage_vectors = {name: encoder.encode(passages) for name, encoder in encoders.items()}
    nearest = {
        name: (question_vectors[name] @ passage_vectors[name].T).argmax(axis=1) for name in encoders
    }
    report: dict[str, Any] = {
        "core": args.core,
        "rounds": args.rounds,
        "questions": len(questions),
        "question_files": [str(f) for f in args.questions],
        "passages": len(passages),
        "graphs": {k: v for k, v in graphs.items() if k != "paths"},
        "speed": {name: summary(timings[name]) for name in encoders},
        "variants": {},
    }
    for name in args.variants:
        per_question = [f / q for f, q in zip(timings[FLOAT32], timings[name], strict=True)]
        singles = [encoders[name].encode([text])[0] for text in passages]
        report["variants"][name] = {
            "ratio": {k: report["speed"][FLOAT32][k] / v for k, v in report["speed"][name].items()},
            "ratio_per_question_median": statistics.median(per_question),
            "cosine_questions": spread(cosines(question_vectors[FLOAT32], question_vectors[name])),
            "cosine_passages": spread(cosines(passage_vectors[FLOAT32], passage_vectors[name])),
            # Activations are quantized per batch: a text's vector depends on its batch-mates.
            "cosine_passages_batched_vs_alone": spread(
                cosines(passage_vectors[name], np.stack(singles))
            ),
            "same_nearest_passage": float((nearest[name] == nearest[FLOAT32]).mean()),
        }
    if args.no_eval:
        return report
    items = {
        os.path.relpath(path, REPO): parse_items(path.read_text(encoding="utf-8"), path.name)
        for path in EVAL_FILES
    }
    built = {name: build_and_ask(encoder, items) for name, encoder in encoders.items()}
    sentences = sorted({s for e in knowledge.examples for s in split(e.text)})
    learned = {name: run["cache"].sentences(sentences) for name, run in built.items()}
    report["eval"] = {
        name: {k: v for k, v in run.items() if k != "cache"} for name, run in built.items()
    }
    for name in args.variants:
        values = cosines(learned[FLOAT32], learned[name])
        differing = (np.abs(learned[FLOAT32] - learned[name]).max(axis=1) > 0).sum()
        report["variants"][name]["cosine_examples"] = spread(values)
        report["variants"][name]["examples_differing"] = int(differing)
    report["cache_home_files"] = sorted(
        str(p.relative_to(scratch)) for p in (scratch / "cache").rglob("*") if p.is_file()
    )
    return report


def render(report: dict[str, Any], variants: Sequence[str]) -> str:
    """The report as plain tables."""
    names = [FLOAT32, *variants]
    width = max(12, *(len(n) + 2 for n in names))
    head = "".join(f"{n:>{width}}" for n in names)
    graphs = report["graphs"]
    changed = ", ".join(report["changed"]) or "none"
    lines = [
        f"code: {REPO} at {report['commit']} (changed since: {changed}; bot/ web/ knowledge/ "
        f"sha256 {report['code_sha256']}); core {report['core']}, one thread",
        "variants, each quantize_dynamic(...) of the float32 graph:",
        *(f"  {n}: {VARIANTS[n].describe()}" for n in variants),
        "",
        f"{'graph':<34}{head}",
        f"{'file size, MB':<34}" + "".join(f"{graphs['mb'][n]:>{width}.1f}" for n in names),
    ]
    kinds = sorted({k for n in names for k in graphs["nodes"][n]})
    for kind in kinds:
        cells = "".join(f"{graphs['nodes'][n].get(kind, 0):>{width}}" for n in names)
        lines.append(f"{'  nodes ' + kind:<34}{cells}")
    lines += ["quantizer's log: " + (" | ".join(graphs["log"]) or "nothing")]
    lines += [
        "",
        f"encode([q]) per question, ms: {report['questions']} unique questions "
        f"({', '.join(Path(f).name for f in report['question_files'])}), each the median of "
        f"{report['rounds']} rounds",
        f"{'':<34}{head}",
    ]
    for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "mean_ms"):
        cells = "".join(f"{report['speed'][n][key]:>{width}.2f}" for n in names)
        lines.append(f"{key[:-3]:<34}{cells}")
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        cells = "".join(f"{report['variants'][n]['ratio'][key]:>{width}.2f}" for n in variants)
        lines.append(f"{'speed-up (float32 / int8) ' + key[:3]:<34}{'-':>{width}}{cells}")
    cells = "".join(
        f"{report['variants'][n]['ratio_per_question_median']:>{width}.2f}" for n in variants
    )
    lines.append(f"{'speed-up, median per question':<34}{'-':>{width}}{cells}")
    lines += ["", "cosine to the float32 vector: min / p1 / p5 / median"]
    rows = [
        ("cosine_questions", f"questions, encode([q]) ({report['questions']})"),
        ("cosine_passages", f"passages, batched ({report['passages']})"),
        ("cosine_examples", "example sentences, from the build"),
        ("cosine_passages_batched_vs_alone", "int8 passages batched vs alone"),
    ]
    for key, label in rows:
        for n in variants:
            if key not in report["variants"][n]:
                continue
            s = report["variants"][n][key]
            lines.append(
                f"  {n:<12}{label:<42}{s['min']:.4f} / {s['p1']:.4f} / {s['p5']:.4f} / "
                f"{s['median']:.4f}  (n={s['count']})"
            )
    for n in variants:
        share = report["variants"][n]["same_nearest_passage"]
        lines.append(f"  {n:<12}{'questions with the same nearest passage':<42}{share:.3f}")
    if "eval" not in report:
        return "\n".join([*lines, "", "eval skipped (--no-eval)"])
    runs = report["eval"]
    lines += [
        "",
        "eval: for each encoder an Assistant learned from nothing with its vectors (message",
        "classifier, ranker content model, adaptation of the shipped ranker weights at load);",
        "bot/relevance.json itself was learned with float32 vectors and is NOT relearned for int8.",
        "Scored as `faqbot eval` without --folds: NOT cross-validated (both sets were used to",
        "build and calibrate the bot); read the columns as a difference, not as quality.",
        f"{'':<34}{head}",
        f"{'build, s':<34}" + "".join(f"{runs[n]['build_s']:>{width}.1f}" for n in names),
        f"{'shipped weights adapted at load':<34}"
        + "".join(f"{'yes' if runs[n]['adapted'] else 'no':>{width}}" for n in names),
    ]
    metrics = [
        ("routing", "routing accuracy"),
        ("hit1", "hit@1"),
        ("hit3", "hit@3"),
        ("mrr", "MRR"),
        ("crisis_recall", "crisis recall"),
        ("crisis_fp_rate", "crisis FP rate"),
        ("check_in_rate", "check-in rate"),
        ("crisis_kept", "crisis keepable"),
    ]
    for set_name in runs[FLOAT32]["sets"]:
        sets = {n: runs[n]["sets"][set_name] for n in names}
        lines += ["", f"{set_name} ({sets[FLOAT32]['report']['count']} items)"]
        for key, label in metrics:
            cells = "".join(
                f"{sets[n]['report'][key]:>{width}}"
                if key == "crisis_kept"
                else f"{sets[n]['report'][key]:>{width}.3f}"
                for n in names
            )
            lines.append(f"  {label:<32}{cells}")
        base = sets[FLOAT32]
        differ = [
            sum(a != b for a, b in zip(base["replies"], sets[n]["replies"], strict=True))
            for n in variants
        ]
        lines.append(
            f"  {'replies unlike float32 ones':<32}{'-':>{width}}"
            + "".join(f"{d:>{width}}" for d in differ)
        )
        for n in variants:
            worse = sorted(set(sets[n]["failed"]) - set(base["failed"]))
            better = sorted(set(base["failed"]) - set(sets[n]["failed"]))
            lines.append(
                f"  {n}: fails where float32 passes ({len(worse)}): {', '.join(worse) or '-'}"
            )
            lines.append(
                f"  {n}: passes where float32 fails ({len(better)}): {', '.join(better) or '-'}"
            )
    lines += [""]
    for n in variants:
        v = report["variants"][n]
        lines.append(
            f"check: {n}'s build encoded its own example sentences: "
            f"{v['examples_differing']} of {v['cosine_examples']['count']} vectors differ from "
            "float32's"
        )
    files = report["cache_home_files"]
    lines.append(f"files written under the temporary XDG_CACHE_HOME: {len(files)} {files or ''}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", type=int, default=1, help="the one CPU to run on (default 1)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--rounds", type=int, default=3, help="timings per question (median)")
    parser.add_argument("--questions", nargs="+", type=Path, default=QUESTION_FILES)
    parser.add_argument("--no-eval", action="store_true", help="speed and cosines only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    reexec_if_needed(args.core)
    with tempfile.TemporaryDirectory(prefix="faqbot-quantized-") as folder:
        scratch = Path(folder)
        os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")  # read when a cache is made
        report = {**provenance(), **measure(args, scratch)}
    if args.json:
        print(json.dumps(report, default=str))
    else:
        print(render(report, args.variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
