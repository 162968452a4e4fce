"""dev.py's set-up of system packages: it says which and why, asks on a terminal, goes on
without one (CI), installs nothing recommended, and keeps apt-get's output in a log."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest

import dev


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A root machine with apt-get where `present` is installed and `absent` and `other` are
    not; returns the apt-get commands run (none really runs)."""
    (tmp_path / "present").touch()
    monkeypatch.setattr(
        dev,
        "SYSTEM_PACKAGES",
        [
            (tmp_path / "present", "present", "nothing"),
            (tmp_path / "absent", "absent", "the browser tests"),
            (tmp_path / "other", "other", "the container test"),
        ],
    )
    monkeypatch.setattr(dev, "APT_LOG", tmp_path / "apt.log")
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    monkeypatch.setattr(dev.shutil, "which", lambda name: f"/usr/bin/{name}")
    ran: list[list[str]] = []

    def call(cmd: list[str], **kwargs: Any) -> int:
        ran.append(cmd)
        kwargs["stdout"].write("apt-get's output\n")
        return 0

    def dry_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append(cmd)
        out = "Inst libfoo [1.0] (1.1 Debian:12)\nInst absent (2.0 Debian:12)\n"
        return subprocess.CompletedProcess(cmd, 0, out, "")

    monkeypatch.setattr(dev.subprocess, "call", call)
    monkeypatch.setattr(dev.subprocess, "run", dry_run)
    return ran


def test_on_a_terminal_it_says_which_and_why_and_installs_nothing_when_told_no(
    machine: list[list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dev.sys, "stdin", _Terminal())
    questions: list[str] = []
    dev._ensure_system_packages(ask=lambda q: questions.append(q) or "n")
    out = capsys.readouterr().out
    assert "  absent          the browser tests\n" in out
    assert "  other           the container test\n" in out
    assert "present" not in out
    assert "apt-get would also upgrade, as they require: libfoo." in out
    assert questions == [
        f"Run `apt-get install --no-install-recommends absent other` now (output in "
        f"{dev.APT_LOG})? [Y/n] "
    ]
    assert [c for c in machine if c[:2] != ["apt-get", "install"] or "-s" not in c] == []


def test_on_a_terminal_yes_installs_without_recommends_and_logs_apt(
    machine: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dev.sys, "stdin", _Terminal())
    dev._ensure_system_packages(ask=lambda q: "")
    installs = [c for c in machine if "-s" not in c]
    assert installs == [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "absent", "other"],
    ]
    assert "apt-get's output" in dev.APT_LOG.read_text(encoding="utf-8")


def test_without_a_terminal_it_goes_on_and_says_so(
    machine: list[list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dev.sys, "stdin", io.StringIO())
    dev._ensure_system_packages(ask=lambda q: pytest.fail("asked without a terminal"))
    assert "No terminal to ask: running `apt-get install" in capsys.readouterr().out
    assert ["apt-get", "update", "-q"] in machine


def test_without_root_it_prints_the_command_to_run(
    machine: list[list[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    dev._ensure_system_packages(ask=lambda q: pytest.fail("asked without root"))
    out = capsys.readouterr().out
    assert "`sudo apt-get install --no-install-recommends absent other`" in out
    assert machine == []


def test_the_readme_lists_every_system_package_the_tests_use() -> None:
    readme = (Path(dev.ROOT) / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start")[1].split("\n## ")[0]
    missing = [p for _, p, _ in dev.SYSTEM_PACKAGES if f"`{p}`" not in quick_start]
    assert not missing, missing
