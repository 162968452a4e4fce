"""The shipped deployment files: the systemd unit keeps the service on this machine, and both
reverse-proxy configurations send HSTS on every HTTPS reply."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bot.encoder import TELEMETRY_OFF
from tests.test_proxy import need_caddy

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
YEAR_S = 365 * 24 * 3600


def unit_values(path: Path) -> dict[str, list[str]]:
    """Each `Key=value` of a unit file, every value of a key repeated."""
    values: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_service_may_reach_this_machine_only() -> None:
    unit = unit_values(DEPLOY / "ketamine-faq-bot.service")
    assert unit["IPAddressDeny"] == ["any"]
    assert unit["IPAddressAllow"] == ["localhost"]
    assert set(unit["RestrictAddressFamilies"][0].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert f"{TELEMETRY_OFF[0]}={TELEMETRY_OFF[1]}" in unit["Environment"]


def test_systemd_reads_every_line_of_the_units() -> None:
    """`systemd-analyze verify` knows every key (a misspelt sandboxing key is only a warning
    to systemd, and the protection silently missing)."""
    if shutil.which("systemd-analyze") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing in CI")
        pytest.skip("systemd-analyze is not installed")
    for unit in sorted(DEPLOY.glob("*.service")):
        done = subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
        )
        complaints = [
            line
            for line in done.stderr.splitlines()
            if "is not executable" not in line  # /opt/ketamine-faq-bot is not installed here
            and "does not exist" not in line
        ]
        assert complaints == [], unit.name


def handlers(config: Any) -> list[dict[str, Any]]:
    """Every handler in an adapted Caddy JSON configuration, at any depth."""
    found: list[dict[str, Any]] = []
    if isinstance(config, dict):
        if "handler" in config:
            found.append(config)
        for value in config.values():
            found += handlers(value)
    elif isinstance(config, list):
        for value in config:
            found += handlers(value)
    return found


def test_caddy_sends_hsts_for_a_year() -> None:
    caddy = need_caddy()
    adapted = subprocess.run(
        [caddy, "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    headers = [
        h["response"]["set"]
        for h in handlers(json.loads(adapted.stdout))
        if h["handler"] == "headers" and "set" in h.get("response", {})
    ]
    (hsts,) = [h["Strict-Transport-Security"] for h in headers if "Strict-Transport-Security" in h]
    assert int(re.fullmatch(r"max-age=(\d+)", hsts[0])[1]) >= YEAR_S  # type: ignore[index]


def test_nginx_sends_hsts_for_a_year_on_every_https_reply() -> None:
    """In the HTTPS server, `always` (error replies too), and no `add_header` in a location,
    which would drop the server's headers there (nginx inherits them only when it has none)."""
    text = (DEPLOY / "nginx-site.conf").read_text(encoding="utf-8")
    https = text[text.index("listen 443") :]
    found = re.search(r'add_header Strict-Transport-Security "max-age=(\d+)" always;', https)
    assert found is not None and int(found[1]) >= YEAR_S
    for block in re.findall(r"location [^{]*\{([^}]*)\}", https):
        assert "add_header" not in block
