"""Trained models kept between starts, so that a restart or a second worker does not train again.

Training on the examples takes about two seconds and needs scikit-learn (1.3 s to import); the
result is a few arrays. They are saved in the cache folder beside the knowledge's sentence
vectors as `models-<key>.npz`, where the key is a digest of everything training reads: the
knowledge's passages, topics and examples, the model weights, scikit-learn's version and the
source of this package and the ranker's weights (`bot/relevance.json`). Any change to one of
them trains again. Only arrays are read back
(no pickle), a damaged file is trained again, and only the newest `KEPT` files are kept.
Nothing a visitor typed is in them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
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
KEPT = 4  # model files kept in the cache folder (a cross-validation writes one per fold)
_SOURCE = Path(__file__).parent


@dataclass(frozen=True)
class Trained:
    """Everything the assistant learns from a knowledge version's examples."""

    words: Words
    classifier: LinearModel
    content: tuple[Words, LinearModel] | None  # the ranker's content model (`bot.evidence`)
    relevance: RelevanceModel  # the ranker's weights (adapted to this knowledge, or shipped)


def training_key(knowledge: Knowledge) -> str:
    """A digest of everything training reads (see the module's docstring)."""
    digest = hashlib.sha256()
    try:
        sklearn = version("scikit-learn")
    except PackageNotFoundError:  # pragma: no cover - a dependency of this package
        sklearn = "unknown"
    digest.update(f"{MODEL_SHA256}\0{sklearn}\0{_source_digest()}\0".encode())
    digest.update(MODEL_FILE.read_bytes())
    knowledge_repr = repr((knowledge.passages, knowledge.uncovered, knowledge.examples))
    digest.update(knowledge_repr.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


@cache
def _source_digest() -> str:
    """A digest of this package's source, read once per process (reloads do not change it)."""
    digest = hashlib.sha256()
    for source in sorted(_SOURCE.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def path_for(folder: Path, key: str) -> Path:
    return folder / f"models-{key}.npz"


def load(path: Path) -> Trained | None:
    """The models saved at `path`, or None when there are none (or they cannot be read)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            parts: dict[str, dict[str, npt.NDArray[Any]]] = {}
            for name in data.files:
                group, _, field = name.partition(".")
                parts.setdefault(group, {})[field] = data[name]
        content = None
        if "content" in parts:
            content = (Words.restore(parts["content_words"]), LinearModel.restore(parts["content"]))
        relevance = RelevanceModel.from_json(json.loads(str(parts["relevance"]["json"])))
        trained = Trained(
            Words.restore(parts["words"]),
            LinearModel.restore(parts["classifier"]),
            content,
            relevance,
        )
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file is trained again, never fatal
        log.warning("ignoring the saved models %s (%s); training again", path, exc)
        return None
    os.utime(path)  # recently used: kept by `save`'s clean-up
    return trained


def save(path: Path, trained: Trained) -> None:
    """Write the models atomically (workers starting together may both write), then delete
    all but the newest KEPT model files. A folder that cannot be written is logged, not fatal."""
    arrays: dict[str, Any] = {}  # (numpy's stubs type savez's keyword arrays as its options)
    groups = [
        ("words", trained.words.state()),
        ("classifier", trained.classifier.state()),
        ("relevance", {"json": np.array(json.dumps(trained.relevance.to_json()))}),
    ]
    if trained.content is not None:
        groups += [
            ("content_words", trained.content[0].state()),
            ("content", trained.content[1].state()),
        ]
    for group, state in groups:
        arrays.update({f"{group}.{field}": value for field, value in state.items()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            np.savez(f, **arrays)
        os.replace(f.name, path)
        saved = sorted(path.parent.glob("models-*.npz"), key=lambda p: p.stat().st_mtime)
        for old in saved[:-KEPT]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not save the trained models in %s (%s)", path.parent, exc)
