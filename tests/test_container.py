"""The container image: Containerfile built with podman and run alone (SQLite in the data
volume) and, through compose.yaml and podman-compose, beside the PostgreSQL image.

No registry is needed: deploy/container/debian-base.sh builds the Debian base with debootstrap
(its root file system is cached in ~/.cache/ketamine-faq-bot, the images in podman's storage,
so a rerun rebuilds only what changed). Needs root, podman, runc, iptables, debootstrap and
podman-compose: `python3 dev.py test` installs them when it runs as root. CI fails without
them; elsewhere the tests are skipped, saying why.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_faults import free_port

ROOT = Path(__file__).resolve().parent.parent
BASE = "localhost/debian-bookworm-base"
CHAT_IMAGE = "localhost/ketamine-faq-bot"
POSTGRES_IMAGE = "localhost/ketamine-faq-bot-postgres"
TOOLS = ("podman", "runc", "iptables", "debootstrap", "podman-compose")
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# runc, not Debian 12's crun, which refuses cgroups in hybrid mode (v1 with a v2 mount); and
# limits the container may set without CAP_SYS_RESOURCE (podman's defaults are above ours).
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=%(nofile)d:%(nofile)d", "nproc=%(nproc)d:%(nproc)d"]
[engine]
runtime = "runc"
"""
START_TIMEOUT_S = 180  # two workers load the model and encode the knowledge, on two busy cores

pytestmark = pytest.mark.timeout(1200)  # the first test builds the images (minutes, cold)


def unavailable(reason: str) -> None:
    """Fail in CI, where `python3 dev.py test` installs the tools; skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"the container tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"the container tests cannot run here: {reason}")


def run(env: dict[str, str], *cmd: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """A command from the project folder, its output captured."""
    return subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def checked(env: dict[str, str], *cmd: str, timeout: float = 900) -> str:
    """A command's output; a failure names the command and shows the end of its output."""
    done = run(env, *cmd, timeout=timeout)
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, f"{' '.join(cmd)} failed ({done.returncode}):\n{tail}"
    return done.stdout


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for podman, once the base image exists and runs a container."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        unavailable(
            f"{', '.join(missing)} not installed (`sudo apt-get install {' '.join(missing)}`)"
        )
    if os.geteuid() != 0:
        unavailable("they need root (debootstrap, and podman's bridge network)")
    nofile = min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    nproc = min(4096, resource.getrlimit(resource.RLIMIT_NPROC)[1])
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONTAINERS_CONF % {"nofile": nofile, "nproc": nproc}, encoding="utf-8")
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    base = run(env, "sh", "deploy/container/debian-base.sh", BASE, timeout=900)
    if base.returncode != 0:
        unavailable(f"the Debian base image could not be built:\n{base.stderr[-2000:]}")
    probe = run(env, "podman", "run", "--rm", BASE, "true", timeout=120)
    if probe.returncode != 0:
        unavailable(f"podman cannot run a container: {probe.stderr.strip()}")
    return env


@pytest.fixture(scope="module")
def images(podman_env: dict[str, str]) -> dict[str, str]:
    """The chat's and PostgreSQL's images, built from this checkout."""
    build = ["podman", "build", "--pull=never", "--build-arg", f"BASE={BASE}"]
    if HOST_CA.is_file():  # pip behind a TLS-inspecting proxy trusts what this machine trusts
        build += [
            "-v",
            f"{HOST_CA}:/run/host-ca.crt:ro",
            "--build-arg",
            "PIP_CERT=/run/host-ca.crt",
        ]
    checked(podman_env, *build, "-t", CHAT_IMAGE, ".")
    postgres = ["-f", "deploy/container/postgres.Containerfile", "deploy/container"]
    checked(podman_env, *build, "-t", POSTGRES_IMAGE, *postgres)
    return podman_env


def get_json(url: str, body: dict[str, str] | None = None) -> Any:
    """GET (or POST `body` as JSON to) `url` and return the JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as res:
        return json.load(res)


def wait_for_health(base: str, logs: list[str], env: dict[str, str]) -> dict[str, Any]:
    """/api/health's answer once the chat in the container answers; else fail with its logs."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            health: dict[str, Any] = get_json(f"{base}/api/health")
            return health
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    pytest.fail(f"the chat did not answer on {base}:\n{run(env, *logs).stdout[-3000:]}")


def assert_cited_answer(base: str) -> None:
    data = get_json(f"{base}/api/ask", {"question": "How does ketamine work?"})
    assert data["kind"] == "answer", data
    passage = data["passages"][0]  # quoted with its article, section and publisher
    assert "NMDA" in passage["text"] and passage["section"], passage
    assert passage["source"]["title"] and passage["source"]["publisher"], passage


@pytest.fixture
def chat_alone(images: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """The chat's image run by itself, with its data volume; its base URL and logs command."""
    name = f"faqbot-test-{secrets.token_hex(4)}"
    port = free_port()
    publish = f"127.0.0.1:{port}:8000"
    checked(images, "podman", "run", "-d", "--name", name, "-p", publish, CHAT_IMAGE)
    try:
        yield f"http://127.0.0.1:{port}", ["podman", "logs", name]
    finally:
        run(images, "podman", "rm", "-f", "-v", name, timeout=120)


def test_image_answers_with_a_cited_passage(
    chat_alone: tuple[str, list[str]], images: dict[str, str]
) -> None:
    base, logs = chat_alone
    health = wait_for_health(base, logs, images)
    assert health["status"] == "ok" and health["store"]["backend"] == "sqlite"
    assert_cited_answer(base)
    user = checked(images, "podman", "image", "inspect", "--format", "{{.Config.User}}", CHAT_IMAGE)
    assert user.strip() == "faqbot"


@pytest.fixture
def compose(images: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """compose.yaml up (the chat and PostgreSQL); the chat's base URL and its logs command."""
    project = f"faqbottest{secrets.token_hex(4)}"
    port = free_port()
    env = {**images, "POSTGRES_PASSWORD": secrets.token_urlsafe(24), "CHAT_PORT": str(port)}
    compose = ["podman-compose", "-f", "compose.yaml", "-p", project]
    try:
        checked(env, *compose, "up", "-d", timeout=300)
        yield f"http://127.0.0.1:{port}", ["podman", "logs", f"{project}_chat_1"]
    finally:
        run(env, *compose, "down", "-v", timeout=300)
        run(env, "podman", "network", "rm", "-f", f"{project}_default", timeout=120)


def test_compose_runs_the_chat_on_postgresql(
    compose: tuple[str, list[str]], images: dict[str, str]
) -> None:
    base, logs = compose
    health = wait_for_health(base, logs, images)
    assert health["status"] == "ok"
    assert health["store"] == {**health["store"], "status": "ok", "backend": "postgresql"}
    assert_cited_answer(base)
    ready = get_json(f"{base}/api/ready")
    assert ready["status"] == "ready" and ready["reasons"] == [], ready
