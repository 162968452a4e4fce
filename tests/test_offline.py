"""No network call by the bot or any dependency: the server's start and a question, and the CLI,
in a network namespace of their own (`tests/offline.py`), where every DNS query is recorded and
every socket call that sends is traced. onnxruntime's wheels call home unless told not to
(`bot.encoder.import_onnxruntime`); the last tests show the probe sees exactly that call, and
look-ups and connections from Python and from C, so that an empty report means something.

Needs `unshare` (util-linux), `ip` (iproute2) and `strace`, all on the project's machines; the
namespace needs root or unprivileged user namespaces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.encoder import TELEMETRY_OFF, default_cache_dir
from tests.offline import DNS_SEEN
from tests.test_faults import free_port

# A cold cache encodes the knowledge first (half a minute, more on a busy machine), under strace.
pytestmark = pytest.mark.timeout(600)
ROOT = Path(__file__).resolve().parent.parent
UNSHARE = ["unshare", "--net", "--mount", "--map-root-user"]
HOLD_S = 12  # onnxruntime's first upload came 9 s after its session was made
# onnxruntime sends no telemetry when one of these is set (a CI machine: `strings` on its
# library lists them; PR microsoft/onnxruntime#27379 names them). They are not passed on, so the
# tests see what a clinic's server does, in CI as anywhere.
CI_MARKERS = (
    "CI",
    "TF_BUILD",
    "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
    "TRAVIS",
    "CIRCLECI",
    "BUILDKITE",
    "CODEBUILD_BUILD_ID",
    "APPVEYOR",
    "BITBUCKET_BUILD_NUMBER",
    "ORT_RUNNING_UNIT_TESTS",
)
# The control waits for the look-up itself (up to 120 s) rather than a fixed time.
CALLS_HOME = f"""
import numpy as np, onnxruntime, os, pathlib, time
from onnx import TensorProto, helper
graph = helper.make_graph(
    [helper.make_node("Identity", ["x"], ["y"])], "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
session = onnxruntime.InferenceSession(
    model.SerializeToString(), providers=["CPUExecutionProvider"]
)
session.run(["y"], {{"x": np.ones(1, np.float32)}})
seen, deadline = pathlib.Path(os.environ["{DNS_SEEN}"]), time.monotonic() + 120
while "microsoft" not in seen.read_text() and time.monotonic() < deadline:
    time.sleep(0.5)
"""
LOOKS_UP = """
import ctypes, socket
try:
    socket.getaddrinfo("python-lookup.invalid", 80)
except OSError:
    pass
libc = ctypes.CDLL(None)
result = ctypes.c_void_p()
libc.getaddrinfo(b"c-lookup.invalid", b"80", None, ctypes.byref(result))
with socket.socket() as s:
    try:
        s.connect(("192.0.2.1", 80))  # TEST-NET-1: no route in the namespace, nothing is sent
    except OSError:
        pass
"""


def need_namespace() -> None:
    """Skip (fail in CI) when a network namespace or strace cannot be had here."""
    missing = [tool for tool in ("unshare", "ip", "strace") if shutil.which(tool) is None]
    why = f"missing {', '.join(missing)}" if missing else ""
    if not why:
        tried = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, timeout=30)
        why = tried.stderr.strip() if tried.returncode else ""
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the no-network test cannot run in CI: {why}")
        pytest.skip(f"no network namespace here: {why}")


def offline(tmp_path: Path, *command: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `command` (from the checkout) in a network namespace; the probe's report. The cache
    folder is new (XDG_CACHE_HOME), with the bot's own cache linked in to save its encoding;
    onnxruntime's telemetry setting is not passed on (this process's encoder set it), nor the
    variables that mark a CI machine (CI_MARKERS)."""
    need_namespace()
    cache = tmp_path / "cache"
    cache.mkdir()
    warm = default_cache_dir()
    warm.mkdir(parents=True, exist_ok=True)
    (cache / warm.name).symlink_to(warm, target_is_directory=True)
    report = tmp_path / "report.json"
    left_out = {TELEMETRY_OFF[0], *CI_MARKERS}  # turning telemetry off is the code's job
    inherited = {k: v for k, v in os.environ.items() if k not in left_out}
    run_env = {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "XDG_CACHE_HOME": str(cache),
        "FAQBOT_DB": str(tmp_path / "store.sqlite3"),
        "FAQBOT_RATE_LIMIT_PER_MINUTE": "0",
        **(env or {}),
    }
    probe = [sys.executable, "-m", "tests.offline", str(report), "--", *command]
    done = subprocess.run(
        [*UNSHARE, *probe], cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0 and report.is_file(), done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result["telemetry_files"] = (cache / "Microsoft").exists()
    result["output"] = done.stdout[-3000:] + done.stderr[-3000:]
    return result


def assert_stayed_home(report: dict[str, Any]) -> None:
    assert report["code"] == 0, report["output"]
    assert report["traced_calls"] > 0  # strace saw the loopback traffic at least
    assert report["dns"] == []
    assert report["strace"] == []
    assert report["audit"] == []
    assert not report["telemetry_files"]


def test_serving_and_answering_a_question_reach_no_address_but_loopback(tmp_path: Path) -> None:
    report = offline(
        tmp_path,
        sys.executable,
        "-m",
        "tests.offline",
        "serve",
        str(free_port()),
        str(HOLD_S),
        "what does insurance cover",
    )
    assert "asked: " in report["output"]
    assert_stayed_home(report)


def test_the_cli_reaches_no_address_but_loopback(tmp_path: Path) -> None:
    report = offline(
        tmp_path, sys.executable, "-m", "tests.offline", "cli", "how does ketamine work?"
    )
    assert_stayed_home(report)


def test_a_telemetry_setting_from_the_environment_cannot_turn_it_back_on(tmp_path: Path) -> None:
    report = offline(
        tmp_path,
        sys.executable,
        "-m",
        "tests.offline",
        "cli",
        "how does ketamine work?",
        env={TELEMETRY_OFF[0]: "0"},
    )
    assert_stayed_home(report)


def test_the_probe_sees_onnxruntime_call_home_when_its_telemetry_is_left_on(
    tmp_path: Path,
) -> None:
    report = offline(tmp_path, sys.executable, "-c", CALLS_HOME)
    assert report["code"] == 0, report["output"]
    assert "mobile.events.data.microsoft.com" in report["dns"]
    assert report["telemetry_files"]


def test_the_probe_sees_lookups_and_connections_from_python_and_from_c(tmp_path: Path) -> None:
    report = offline(tmp_path, sys.executable, "-c", LOOKS_UP)
    assert report["code"] == 0, report["output"]
    assert {"python-lookup.invalid", "c-lookup.invalid"} <= set(report["dns"])
    assert any("192.0.2.1" in line for line in report["strace"])
    hosts = {note["host"] for note in report["audit"]}
    assert {"'python-lookup.invalid'", "'192.0.2.1'"} <= hosts
