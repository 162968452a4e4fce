"""The check before serving: a PostgreSQL URL without the `[postgres]` extra is a plain message;
`faqbot serve` says where the chat is only once it is there."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_knowledge
from tests.test_faults import FAQBOT, free_port
from web.settings import Settings
from web.startup import StartupError, accepts, check_knowledge


def test_database_url_without_the_postgres_extra_names_the_extra(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def without_psycopg(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "psycopg" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without_psycopg)
    with_url = settings.model_copy(update={"database_url": "postgresql://db/faq"})
    with pytest.raises(StartupError, match=r"ketamine-faq-bot\[postgres\]"):
        check_knowledge(with_url)
    assert check_knowledge(settings).passages  # SQLite needs no extra


def test_serve_says_the_chat_is_there_only_once_it_accepts_connections(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # a first start: nothing encoded yet
        "FAQBOT_DB": str(tmp_path / "store.sqlite3"),
    }
    proc = subprocess.Popen(
        [str(FAQBOT), "serve", "--port", str(port), "--knowledge", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("The chat is at"):
                assert accepts("127.0.0.1", port), lines  # at once, no waiting
                break
        assert lines[-1] == f"The chat is at http://127.0.0.1:{port}  (Ctrl+C stops it)\n"
        assert any(line.startswith("Starting the chat on") for line in lines[:-1])
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_announcing_waits_for_a_listening_socket() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        port = sock.getsockname()[1]
        assert not accepts("127.0.0.1", port)
        sock.listen()
        assert accepts("0.0.0.0", port)  # a wildcard address is reached on the loopback
