"""The check before serving: a PostgreSQL URL without the `[postgres]` extra is a plain message."""

from __future__ import annotations

import importlib.util
from importlib.machinery import ModuleSpec

import pytest

from web.settings import Settings
from web.startup import StartupError, check_knowledge


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
