"""The whole bot per question on one core, side by side with sentence-transformers, plus start-up
time and resident memory.

    python benchmarks/latency.py [--core 0] [--reference-python /tmp/stvenv/bin/python]
                                 [--questions FILE ...] [--starts 3] [--json]

Questions: every question of the eval sets (QUESTION_FILES, or --questions), de-duplicated and
shuffled in a fixed order; each is asked once, so nothing the bot could keep helps a later one.
The script pins itself to one core and runs with one BLAS/OpenMP thread (it re-executes itself
with OMP_NUM_THREADS=1 and friends, and with PYTHONPATH at this checkout, so that the `bot`
imported is this folder's, not an editable install's). Every child process inherits the core.

1. Ours: `shared_cache()`, the message classifier's training alone (`MessageClassifier.train`
   on every example), `Assistant.from_folder("knowledge")` training everything (saved models
   ignored), then the build that is reported, from the models that one saved; the collector
   is frozen as `faqbot serve` does (web/app.py); WARMUP questions
   (not in the set), then `Assistant.ask` once per question, then `encoder.encode([q])` alone
   and the bot's own encoding step (`encode_message`, sentence by sentence) on the same
   questions.
2. Reference (with --reference-python, a Python with sentence-transformers): a child runs
   `SentenceTransformer(model_folder(), device="cpu")` with one torch thread on the same core,
   warms up, and times `model.encode([q], normalize_embeddings=True)` per question.
3. Start-up and memory, in child processes with warm caches (after one discarded start that
   fills them; bytecode goes to a scratch PYTHONPYCACHEPREFIX) and with an empty
   XDG_CACHE_HOME (the first start ever): wall time from process start to an `Assistant` ready
   and to its first answer; and `faqbot serve --workers 1` (this checkout's `web.cli`) from
   process start to its first 200 on /api/health, then every question POSTed to /api/ask once,
   then the serving process's VmRSS (the process that listens on the port).

Targets (TARGETS): `ask` p50 <= 10 ms and p99 <= 30 ms, and at most half of
sentence-transformers' own p50 and p99 (twice as fast: the issue "Understanding that follows the
knowledge"; they were 8 and 25 ms and "faster" before the ranker read every passage's evidence
and the crisis check-in came); start-up with warm caches <= 3 s (median of the fresh processes
to an Assistant, and serve to its first health reply); VmRSS <= 350 MB (the serve worker after
the questions, and this process after phase 1). The start with empty caches is reported, with no
target. Exits 1 when a target is missed, after printing everything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from load import LOAD_ENV, free_port, wait_ready  # benchmarks/ is the script's folder

if TYPE_CHECKING:
    from bot.assistant import Assistant

REPO = Path(__file__).resolve().parent.parent
QUESTION_FILES = [
    REPO.parent / "shared" / "eval" / "visitors.jsonl",
    REPO.parent / "shared" / "eval" / "questions.jsonl",
    REPO / "tests" / "data" / "paraphrases.jsonl",
]
SEED = 20261203  # the fixed order of the questions
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
TARGETS = {"p50_ms": 10.0, "p99_ms": 30.0, "vs_reference": 0.5, "start_s": 3.0, "rss_mb": 350.0}
STVENV_HINT = (
    "python3 -m venv /tmp/stvenv && "
    "/tmp/stvenv/bin/pip install torch==2.13.0+cpu sentence-transformers"
)
# Warm-up messages, none of them in the question sets: every path of `ask` (answers, no answer,
# small talk, thanks, goodbye, medical advice, crisis in English and Spanish, several sentences,
# typos, a long message), so that what loads lazily has loaded before the timing.
WARMUP = [
    "what actually happens at a ketamine appointment from start to finish",
    "hey there",
    "thank you so much, that helped",
    "ok bye for now",
    "how much does one infusion cost and does my plan pay for it",
    "should I stop my sertraline the week before my first infusion",
    "I don't see the point of living anymore",
    "ya no quiero vivir, estoy muy cansada de todo",
    "¿cuánto dura cada sesión de ketamina?",
    "ketamnie infusoin for depresion does it wrk",
    "Hi! My sister told me about your clinic. Is ketamine addictive if you take it for months?",
    "what's the weather going to be like tomorrow in denver",
    "can ketamine treat migraines",
    "how does ketamine compare with electroconvulsive therapy",
    "my doctor wants me to double my lithium dose, is that ok with ketamine",
    "do I need someone to drive me home afterwards",
    "what is the mechanism behind the antidepressant effect",
    "is it normal to feel floaty and detached during the treatment",
    "I have been depressed for twelve years and tried nine medications. I also have chronic "
    "back pain and I live alone, about an hour away from the Springs. Could I be a candidate, "
    "how many sessions would I need, and what happens if the first one does nothing for me?",
    "NMDA glutamate BDNF synapse",
]

# The reference, run by --reference-python: argv[1] the model folder, argv[2] the core; the
# questions and warm-up on stdin as JSON; one JSON line on stdout.
REFERENCE_CHILD = r"""
import json, os, sys, time
os.sched_setaffinity(0, {int(sys.argv[2])})
import torch
torch.set_num_threads(1)
torch.set_num_interop_threads(1)
import sentence_transformers
from sentence_transformers import SentenceTransformer
data = json.load(sys.stdin)
start = time.perf_counter()
model = SentenceTransformer(sys.argv[1], device="cpu")
load_s = time.perf_counter() - start
for q in data["warmup"]:
    model.encode([q], normalize_embeddings=True)
timings = []
for q in data["questions"]:
    start = time.perf_counter_ns()
    model.encode([q], normalize_embeddings=True)
    timings.append((time.perf_counter_ns() - start) / 1e6)
print(json.dumps({
    "encode_ms": timings,
    "load_s": load_s,
    "torch": torch.__version__,
    "sentence_transformers": sentence_transformers.__version__,
    "threads": torch.get_num_threads(),
    "max_seq_length": model.max_seq_length,
}))
"""

# A fresh process up to an Assistant and its first answer; one JSON line on stdout.
START_CHILD = r"""
import time
begun, begun_at = time.perf_counter(), time.time()
import json, sys
import bot, web
from bot.assistant import Assistant, shared_cache
imported = time.perf_counter()
shared_cache()
encoder = time.perf_counter()
assistant = Assistant.from_folder("knowledge")
built, built_at = time.perf_counter(), time.time()
assistant.ask(sys.argv[1])
answered, answered_at = time.perf_counter(), time.time()
if "--web" in sys.argv:
    import web.app, web.server  # fill the bytecode cache for `faqbot serve` too
print(json.dumps({
    "code": [bot.__file__, web.__file__],
    "import_s": imported - begun,
    "shared_cache_s": encoder - imported,
    "from_folder_s": built - encoder,
    "first_ask_s": answered - built,
    "begun_at": begun_at,
    "built_at": built_at,
    "answered_at": answered_at,
}))
"""

# `faqbot serve` from this checkout: say which code runs, then hand over to the command.
SERVE_CHILD = (
    "import sys, bot, web; print('code', bot.__file__, web.__file__, flush=True); "
    "from web.cli import main; sys.exit(main())"
)


def reexec_if_needed(core: int) -> None:
    """Pin to `core`, and restart this script with one BLAS thread and this checkout first on
    the path (before numpy or the bot are imported)."""
    os.sched_setaffinity(0, {core})
    env = dict(os.environ)
    wanted = {name: "1" for name in THREAD_VARIABLES}
    wanted["PYTHONPATH"] = str(REPO)
    if all(env.get(name) == value for name, value in wanted.items()):
        return
    env.update(wanted)
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], env)


def check_code(paths: Sequence[str], what: str) -> None:
    """Stop unless every module file named is inside this checkout."""
    for path in paths:
        if not Path(path).resolve().is_relative_to(REPO):
            raise SystemExit(f"{what} ran {path}, not this checkout's code ({REPO})")


def provenance() -> dict[str, Any]:
    """The commit measured, the files changed since (read-only git), and a hash of the code
    actually run (bot/, web/, knowledge/), so that two runs can be seen to measure the same."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(REPO), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.rstrip("\n")  # status lines begin with a space

    digest = hashlib.sha256()
    for folder in ("bot", "web", "knowledge"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed": [line[3:] for line in changed],
        "code_sha256": digest.hexdigest()[:12],
    }


def load_questions(files: Sequence[Path]) -> list[str]:
    """Every question of the files, each once (first seen), in a fixed shuffled order."""
    seen: dict[str, None] = {}
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = str(json.loads(line)["question"]).strip()
                if question and question not in WARMUP:
                    seen.setdefault(question, None)
    questions = list(seen)
    random.Random(SEED).shuffle(questions)
    return questions


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile (0..1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, max and mean of timings in ms."""
    return {
        "p50_ms": percentile(values, 0.50),
        "p90_ms": percentile(values, 0.90),
        "p99_ms": percentile(values, 0.99),
        "max_ms": max(values),
        "mean_ms": statistics.fmean(values),
    }


def status_kb(pid: int | str, field: str) -> int:
    """A field of /proc/PID/status in kB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def time_each(function: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    """Milliseconds of one call of `function` per question."""
    timings = []
    for question in questions:
        start = time.perf_counter_ns()
        function(question)
        timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def measure_ours(questions: Sequence[str]) -> dict[str, Any]:
    """Phase 1: build the assistant, then time `ask` and the encoder per question."""
    import gc

    import bot
    from bot.assistant import MAX_QUESTION_CHARS, Assistant, shared_cache
    from bot.vectors import encode_message

    check_code([bot.__file__ or ""], "phase 1")
    start = time.perf_counter()
    shared_cache()
    load_s = time.perf_counter() - start
    from bot import models
    from bot.classifier import MessageClassifier, Words
    from bot.knowledge import load_knowledge

    examples = load_knowledge(REPO / "knowledge").examples
    texts = [e.text for e in examples]
    whole = shared_cache().wholes(texts)  # encodes them if the cache is empty
    import importlib

    for module in ("sklearn.feature_extraction.text", "sklearn.linear_model", "sklearn.multiclass"):
        importlib.import_module(module)  # imported first: importing scikit-learn is not training

    start = time.perf_counter()
    MessageClassifier.train(examples, whole, Words.fit(texts))
    classifier_train_s = time.perf_counter() - start
    saved = (models.load_classifier, models.load_ranker, models.load_adapted)
    models.load_classifier = lambda folder, knowledge: None  # type: ignore[assignment]
    models.load_ranker = lambda folder, knowledge: None  # type: ignore[assignment]
    models.load_adapted = lambda folder, knowledge: None  # type: ignore[assignment]
    start = time.perf_counter()
    Assistant.from_folder(REPO / "knowledge")  # this build learns everything
    train_build_s = time.perf_counter() - start
    models.load_classifier, models.load_ranker, models.load_adapted = saved
    start = time.perf_counter()
    assistant: Assistant = Assistant.from_folder(REPO / "knowledge")  # from the saved models
    build_s = time.perf_counter() - start
    gc.collect()
    gc.freeze()  # as web/app.py does once the app is loaded
    for question in WARMUP:
        assistant.ask(question)
    kinds: dict[str, int] = {}
    ask_ms = []
    for question in questions:
        start = time.perf_counter_ns()
        answer = assistant.ask(question)
        ask_ms.append((time.perf_counter_ns() - start) / 1e6)
        kinds[answer.kind] = kinds.get(answer.kind, 0) + 1
    encoder = assistant.encoder
    encode_ms = time_each(lambda q: encoder.encode([q]), questions)
    message_ms = time_each(lambda q: encode_message(encoder, q[:MAX_QUESTION_CHARS]), questions)
    slowest = sorted(range(len(questions)), key=ask_ms.__getitem__, reverse=True)[:5]
    return {
        "code": bot.__file__,
        "encoder_load_s": load_s,
        "examples": len(examples),
        "classifier_train_s": classifier_train_s,
        "train_build_s": train_build_s,
        "build_s": build_s,
        "kinds": kinds,
        "ask": summary(ask_ms),
        "encode": summary(encode_ms),
        "encode_message": summary(message_ms),
        "ask_ms": ask_ms,
        "slowest": [
            {"ms": ask_ms[i], "chars": len(questions[i]), "question": questions[i][:70]}
            for i in slowest
        ],
        "rss_mb": status_kb("self", "VmRSS") / 1024,
        "peak_rss_mb": status_kb("self", "VmHWM") / 1024,
    }


def measure_reference(python: str, questions: Sequence[str], core: int) -> dict[str, Any]:
    """Phase 2: sentence-transformers in `python`, on the same core, one thread."""
    from bot.encoder import model_folder

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run(
        [python, "-c", REFERENCE_CHILD, str(model_folder()), str(core)],
        input=json.dumps({"questions": list(questions), "warmup": WARMUP}),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the reference failed ({python}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["encode"] = summary(result["encode_ms"])
    return result


def child_env(pycache: Path, cache_home: Path | None) -> dict[str, str]:
    """The environment of a start-up child: this checkout first on the path, bytecode kept in
    `pycache`, and the bot's caches under `cache_home` (None: the user's own)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    return env


def start_once(env: dict[str, str], web: bool = False) -> dict[str, Any]:
    """A fresh Python process until its Assistant is ready and has answered once."""
    launched = time.time()  # the child reports wall-clock times on the same clock
    done = subprocess.run(
        [sys.executable, "-c", START_CHILD, WARMUP[0], *(["--web"] if web else [])],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"a start-up child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    check_code(result["code"], "a start-up child")
    result["interpreter_s"] = result["begun_at"] - launched
    result["ready_s"] = result["built_at"] - launched
    result["first_answer_s"] = result["answered_at"] - launched
    return result


def listening_pid(root: int, port: int) -> int:
    """The process, among `root` and its descendants, holding the socket listening on `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(f"socket:[{fields[9]}]")
    pids, found = [root], []
    while pids:
        pid = pids.pop()
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids += [int(child) for child in children]
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) in inodes:
                    found.append(pid)
                    break
            except OSError:
                continue
    if len(found) != 1:
        raise RuntimeError(f"expected one process listening on {port}, found {found}")
    return found[0]


def post(url: str, question: str) -> None:
    """POST one question to /api/ask; any status but 200 stops the run."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"question": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"/api/ask answered {response.status}")
        response.read()


def serve_once(
    env: dict[str, str], scratch: Path, questions: Sequence[str] | None
) -> dict[str, Any]:
    """`faqbot serve --workers 1` from this checkout: time to its first 200 on /api/health;
    with `questions`, POST each once to /api/ask, then read the serving process's memory."""
    port = free_port()
    log = scratch / f"serve-{port}.log"
    env = {**env, **LOAD_ENV, "FAQBOT_DB": str(scratch / f"serve-{port}.sqlite3")}
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        start = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE_CHILD, "serve", "--port", str(port), "--workers", "1"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # An empty cache means every example is encoded and learned from first: minutes on
            # one core with 12,000 examples. The bound only stops a server that never answers.
            wait_ready(f"{base}/api/health", timeout=600)
            result: dict[str, Any] = {"ready_s": time.monotonic() - start}
            code = log.read_text().split("\n", 1)[0].split()
            if code[:1] != ["code"]:
                raise RuntimeError(f"the server did not say which code it runs: {code}")
            check_code(code[1:], "faqbot serve")
            result["code"] = code[1:]
            if questions is not None:
                worker = listening_pid(process.pid, port)
                result["worker_is_started_process"] = worker == process.pid
                result["rss_after_start_mb"] = status_kb(worker, "VmRSS") / 1024
                http_ms = time_each(lambda q: post(f"{base}/api/ask", q), questions)
                result["http"] = summary(http_ms)
                result["rss_mb"] = status_kb(worker, "VmRSS") / 1024
                result["peak_rss_mb"] = status_kb(worker, "VmHWM") / 1024
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return result


def measure_startup(questions: Sequence[str], starts: int) -> dict[str, Any]:
    """Phase 3: start-up warm and cold, and the server's worker memory."""
    with tempfile.TemporaryDirectory(prefix="faqbot-latency-") as folder:
        scratch = Path(folder)
        pycache = scratch / "pycache"
        warm_env = child_env(pycache, None)
        start_once(warm_env, web=True)  # discarded: fills the bytecode and the bot's caches
        warm = [start_once(warm_env) for _ in range(starts)]
        cold = []
        for i in range(starts):
            cold_env = child_env(pycache, scratch / f"empty-cache-{i}")
            cold.append(start_once(cold_env))
        serve_cold = serve_once(child_env(pycache, scratch / "empty-cache-serve"), scratch, None)
        serve_warm = serve_once(warm_env, scratch, questions)
    return {"warm": warm, "cold": cold, "serve_warm": serve_warm, "serve_cold": serve_cold}


def median_of(runs: Sequence[dict[str, Any]], key: str) -> float:
    """The median of one figure over several runs."""
    return float(statistics.median(run[key] for run in runs))


def target(name: str, value: float | None, limit: float | None) -> dict[str, Any]:
    """One target row: met when `value` is at most `limit` (None: not measured)."""
    met = None if value is None or limit is None else value <= limit
    return {"target": name, "value": value, "met": met}


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value and whether it was met (None: not measured)."""
    ours, reference = report["ours"]["ask"], report.get("reference")
    rows = [
        target(f"ask p50 <= {TARGETS['p50_ms']:g} ms", ours["p50_ms"], TARGETS["p50_ms"]),
        target(f"ask p99 <= {TARGETS['p99_ms']:g} ms", ours["p99_ms"], TARGETS["p99_ms"]),
    ]
    for key in ("p50_ms", "p99_ms"):
        most = TARGETS["vs_reference"]
        name = f"ask {key[:3]} / sentence-transformers' encode {key[:3]} <= {most:g}"
        ratio = None if reference is None else ours[key] / reference["encode"][key]
        rows.append(target(name, ratio, most))
    startup = report.get("startup")
    if startup is not None:
        start_s = TARGETS["start_s"]
        warm = median_of(startup["warm"], "ready_s")
        rows.append(
            target(f"start to Assistant ready, warm, median <= {start_s:g} s", warm, start_s)
        )
        ready = startup["serve_warm"]["ready_s"]
        rows.append(
            target(f"serve: start to first 200 on health, warm <= {start_s:g} s", ready, start_s)
        )
        rss = startup["serve_warm"]["rss_mb"]
        rows.append(target(f"RSS serve worker <= {TARGETS['rss_mb']:g} MB", rss, TARGETS["rss_mb"]))
    rss = report["ours"]["rss_mb"]
    rows.append(target(f"RSS in-process <= {TARGETS['rss_mb']:g} MB", rss, TARGETS["rss_mb"]))
    return rows


def render(report: dict[str, Any]) -> str:
    """The report as readable tables."""
    ours, reference = report["ours"], report.get("reference")
    changed = ", ".join(report["changed"]) or "none"
    lines = [
        f"{report['questions']} unique questions on core {report['core']}, one thread; "
        f"code: {REPO} at {report['commit']} (changed since: {changed}; "
        f"bot/ web/ knowledge/ sha256 {report['code_sha256']})",
        f"encoder load (shared_cache) {ours['encoder_load_s']:.2f} s; Assistant.from_folder "
        f"{ours['train_build_s']:.2f} s training, {ours['build_s']:.2f} s from the saved models; "
        f"the message classifier alone trains on {ours['examples']} examples in "
        f"{ours['classifier_train_s']:.2f} s",
        "kinds: " + ", ".join(f"{k} {n}" for k, n in sorted(ours["kinds"].items())),
        "",
        f"{'ms per question':<44}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}{'mean':>8}",
    ]
    rows = [
        ("ours: Assistant.ask (the whole bot)", ours["ask"]),
        ("ours: encoder.encode([q]) alone", ours["encode"]),
        ("ours: encode_message (the bot's encoding)", ours["encode_message"]),
    ]
    if reference is not None:
        rows.append(("sentence-transformers: model.encode([q])", reference["encode"]))
        rows.append(
            (
                "ratio ask / sentence-transformers",
                {k: ours["ask"][k] / v for k, v in reference["encode"].items()},
            )
        )
    if "startup" in report:
        rows.append(
            (
                "HTTP POST /api/ask (client on the same core)",
                report["startup"]["serve_warm"]["http"],
            )
        )
    for name, values in rows:
        cells = "".join(f"{values[k]:>8.2f}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms"))
        lines.append(f"{name:<44}{cells}{values['mean_ms']:>8.2f}")
    if reference is None:
        lines += [
            "",
            "sentence-transformers comparison skipped: give --reference-python, e.g. after",
            f"  {STVENV_HINT}",
        ]
    else:
        lines.append(
            f"reference: torch {reference['torch']}, sentence-transformers "
            f"{reference['sentence_transformers']}, {reference['threads']} thread, "
            f"max_seq_length {reference['max_seq_length']}, load {reference['load_s']:.2f} s"
        )
    lines += ["", "slowest asks:"]
    lines += [
        f"  {s['ms']:8.2f} ms  {s['chars']:4d} chars  {s['question']!r}" for s in ours["slowest"]
    ]
    startup = report.get("startup")
    if startup is not None:
        lines += ["", f"{'start-up, s (each run)':<44}{'warm':>20}{'cold (empty cache)':>24}"]
        for key, name in (
            ("import_s", "import bot"),
            ("shared_cache_s", "shared_cache() (encoder)"),
            ("from_folder_s", "Assistant.from_folder"),
            ("interpreter_s", "process start to its first line"),
            ("first_ask_s", "first ask()"),
            ("ready_s", "process start to Assistant ready"),
            ("first_answer_s", "process start to first answer"),
        ):
            warm = " ".join(f"{run[key]:.2f}" for run in startup["warm"])
            cold = " ".join(f"{run[key]:.2f}" for run in startup["cold"])
            lines.append(f"{name:<44}{warm:>20}{cold:>24}")
        warm_serve, cold_serve = startup["serve_warm"], startup["serve_cold"]
        worker = "the started process" if warm_serve["worker_is_started_process"] else "a child"
        lines += [
            "faqbot serve --workers 1, process start to first 200 on /api/health: "
            f"{warm_serve['ready_s']:.2f} s warm, {cold_serve['ready_s']:.2f} s cold",
            f"serve worker ({worker}): VmRSS {warm_serve['rss_after_start_mb']:.0f} MB after "
            f"start, {warm_serve['rss_mb']:.0f} MB after the questions "
            f"(peak {warm_serve['peak_rss_mb']:.0f} MB)",
        ]
    lines.append(
        f"in-process after phase 1: VmRSS {ours['rss_mb']:.0f} MB "
        f"(peak {ours['peak_rss_mb']:.0f} MB)"
    )
    lines += ["", "targets:"]
    for row in report["targets"]:
        value = "-" if row["value"] is None else f"{row['value']:.2f}"
        met = {True: "met", False: "MISSED", None: "not measured"}[row["met"]]
        lines.append(f"  {met:<13}{row['target']:<62}{value:>8}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", type=int, default=0, help="the one CPU to run on (default 0)")
    parser.add_argument("--questions", nargs="+", type=Path, default=QUESTION_FILES)
    parser.add_argument("--reference-python", help="a Python with sentence-transformers")
    parser.add_argument("--starts", type=int, default=3, help="fresh processes per start-up case")
    parser.add_argument("--no-startup", action="store_true", help="skip phase 3")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    reexec_if_needed(args.core)
    questions = load_questions(args.questions)
    report: dict[str, Any] = {"core": args.core, "questions": len(questions), "code": str(REPO)}
    report.update(provenance())
    report["ours"] = measure_ours(questions)
    if args.reference_python:
        report["reference"] = measure_reference(args.reference_python, questions, args.core)
    if not args.no_startup:
        report["startup"] = measure_startup(questions, args.starts)
    report["targets"] = verdicts(report)
    if args.json:
        print(json.dumps(report))
    else:
        print(render(report))
    return 1 if any(row["met"] is False for row in report["targets"]) else 0


if __name__ == "__main__":
    sys.exit(main())
