"""What the assistant learns, kept between starts, each part keyed by what it learns from, so
that a restart, a second worker or an edit trains only what the edit changed.

Three parts, each a `.npz` file in the cache folder beside the knowledge's sentence vectors:

- `classifier-<key>`: the word view and the message classifier, learned from the examples;
  a passage's text edited, added or removed does not change it (its `?` lines do);
- `ranker-<key>`: which unanswered questions a passage answers and the ranker's content model,
  learned from the passages, topics and examples together;
- `adapted-<key>`: the ranker's weights refit on the knowledge's own example questions
  (`bot.fitting.adapt`), learned from the passages that have example questions, those
  questions and the unanswered ones: a passage added or edited that has none does not change
  it.

And `gate-<key>`, no arrays: the safety gate (`bot.canaries`) passed for the examples and
crisis phrases of the key, and the canaries it held then; routing reads nothing else, so the
messages are not asked again at the next start or at a reload that did not change them.

Every key also holds the sentence model's sha256, scikit-learn's version, this package's source
and the shipped weights (`bot/relevance.json`). Only arrays are read back (no pickle), a damaged
file is learned again, and only the newest `KEPT` files of each part are kept. Nothing a visitor
typed is in them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.classifier import LinearModel, Words
from bot.encoder import MODEL_SHA256
from bot.knowledge import Knowledge
from bot.ranking import MODEL_FILE, RelevanceModel

log = logging.getLogger("faqbot.models")
KEPT = 6  # files of each part kept in the cache folder (a cross-validation writes one per fold)
_SOURCE = Path(__file__).parent
Arrays = dict[str, npt.NDArray[Any]]


@dataclass(frozen=True)
class Classifier:
    """The word view and the message classifier."""

    words: Words
    model: LinearModel


@dataclass(frozen=True)
class RankerState:
    """Which unanswered questions still count, the ones a passage answers (where, what, the
    passage's id, whether in part), and the content model trained on the rest."""

    keep: npt.NDArray[np.bool_]
    answered: tuple[tuple[str, str, str, bool], ...]
    content: tuple[Words, LinearModel] | None


@dataclass(frozen=True)
class Adapted:
    """The ranker's weights for this knowledge: refit on its examples, or None (shipped)."""

    relevance: RelevanceModel | None


def _digest(*parts: object) -> str:
    digest = hashlib.sha256()
    try:
        sklearn = version("scikit-learn")
    except PackageNotFoundError:  # pragma: no cover - a dependency of this package
        sklearn = "unknown"
    digest.update(f"{MODEL_SHA256}\0{sklearn}\0{_source_digest()}\0".encode())
    digest.update(MODEL_FILE.read_bytes())
    digest.update(repr(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def classifier_key(knowledge: Knowledge) -> str:
    """What the classifier learns from: the examples (the `?` lines among them)."""
    return _digest(knowledge.examples)


def ranker_key(knowledge: Knowledge) -> str:
    """What the ranker's content model learns from: passages, topics, examples."""
    return _digest(knowledge.passages, knowledge.uncovered, knowledge.examples)


def adapted_key(knowledge: Knowledge) -> str:
    """What adaptation learns from: the passages with example questions of their own (beyond
    `?` lines), those questions, the unanswered ones and the topics."""
    taught = {
        e.target for e in knowledge.examples if e.kind == "passage" and not e.is_question_line
    }
    return _digest(
        tuple(p for p in knowledge.passages if p.id in taught),
        tuple(e for e in knowledge.examples if e.kind in ("passage", "no_answer", "topic")),
        knowledge.uncovered,
    )


@cache
def _source_digest() -> str:
    """A digest of this package's source, read once per process (reloads do not change it)."""
    digest = hashlib.sha256()
    for source in sorted(_SOURCE.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _path(folder: Path, part: str, key: str) -> Path:
    return folder / f"{part}-{key}.npz"


def _read(path: Path) -> dict[str, Arrays] | None:
    """The groups of arrays saved at `path`, or None (none, or unreadable: learned again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            groups: dict[str, Arrays] = {}
            for name in data.files:
                group, _, field = name.partition(".")
                groups.setdefault(group, {})[field] = data[name]
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file is learned again, never fatal
        log.warning("ignoring the saved models %s (%s); learning again", path, exc)
        return None
    os.utime(path)  # recently used: kept by `_write`'s clean-up
    return groups


def _write(path: Path, groups: Mapping[str, Mapping[str, Any]]) -> None:
    """Write atomically (workers starting together may both write), then delete all but the
    newest KEPT files of the same part. A folder that cannot be written is logged, not fatal."""
    arrays = {
        f"{g}.{field}": value for g, state in groups.items() for field, value in state.items()
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            np.savez(f, **arrays)
        os.replace(f.name, path)
        part = path.name.split("-", 1)[0]
        saved = sorted(path.parent.glob(f"{part}-*.npz"), key=lambda p: p.stat().st_mtime)
        for old in saved[:-KEPT]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not save the trained models in %s (%s)", path.parent, exc)


def _content_groups(content: tuple[Words, LinearModel] | None) -> dict[str, Arrays]:
    if content is None:
        return {}
    return {"content_words": content[0].state(), "content": content[1].state()}


def _content(groups: Mapping[str, Arrays]) -> tuple[Words, LinearModel] | None:
    if "content" not in groups:
        return None
    return Words.restore(groups["content_words"]), LinearModel.restore(groups["content"])


def load_classifier(folder: Path, knowledge: Knowledge) -> Classifier | None:
    groups = _read(_path(folder, "classifier", classifier_key(knowledge)))
    if groups is None:
        return None
    return Classifier(Words.restore(groups["words"]), LinearModel.restore(groups["classifier"]))


def save_classifier(folder: Path, knowledge: Knowledge, learned: Classifier) -> None:
    groups = {"words": learned.words.state(), "classifier": learned.model.state()}
    _write(_path(folder, "classifier", classifier_key(knowledge)), groups)


def load_ranker(folder: Path, knowledge: Knowledge) -> RankerState | None:
    groups = _read(_path(folder, "ranker", ranker_key(knowledge)))
    if groups is None:
        return None
    answered = tuple(
        (str(w), str(what), str(pid), partly == "partly")
        for w, what, pid, partly in groups["answered"]["rows"].reshape(-1, 4).tolist()
    )
    return RankerState(groups["keep"]["mask"].astype(bool), answered, _content(groups))


def save_ranker(folder: Path, knowledge: Knowledge, learned: RankerState) -> None:
    rows = np.array(
        [[w, what, pid, "partly" if partly else ""] for w, what, pid, partly in learned.answered],
        dtype=str,
    ).reshape(-1, 4)
    groups = {
        "keep": {"mask": learned.keep},
        "answered": {"rows": rows},
        **_content_groups(learned.content),
    }
    _write(_path(folder, "ranker", ranker_key(knowledge)), groups)


def load_adapted(folder: Path, knowledge: Knowledge) -> Adapted | None:
    groups = _read(_path(folder, "adapted", adapted_key(knowledge)))
    if groups is None:
        return None
    text = str(groups["relevance"]["json"])
    return Adapted(None if text == "null" else RelevanceModel.from_json(json.loads(text)))


def save_adapted(folder: Path, knowledge: Knowledge, learned: Adapted) -> None:
    model = None if learned.relevance is None else learned.relevance.to_json()
    _write(
        _path(folder, "adapted", adapted_key(knowledge)),
        {"relevance": {"json": np.array(json.dumps(model))}},
    )


def gate_key(knowledge: Knowledge, checked: object) -> str:
    """What the safety gate's verdict depends on: what routing reads (the classifier's examples,
    the crisis phrases; the package's source is in every key) and the messages `checked`."""
    return _digest(knowledge.examples, knowledge.crisis_phrases, checked)


def gate_passed(folder: Path, knowledge: Knowledge, checked: object) -> bool:
    """Whether the gate passed before for what `gate_key` holds."""
    return _read(_path(folder, "gate", gate_key(knowledge, checked))) is not None


def save_gate_passed(folder: Path, knowledge: Knowledge, checked: object) -> None:
    _write(_path(folder, "gate", gate_key(knowledge, checked)), {})


def saved_files(folder: Path) -> Iterable[Path]:
    """Every file this module keeps in `folder`."""
    for part in ("classifier", "ranker", "adapted", "gate"):
        yield from folder.glob(f"{part}-*.npz")
