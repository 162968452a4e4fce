"""The app factory and `faqbot serve` refuse to start on bad knowledge, with a plain message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import write_knowledge
from web.app import create_app
from web.cli import main
from web.settings import Settings
from web.startup import StartupError


def test_create_app_with_missing_knowledge_raises_a_plain_startup_error(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match="does not exist") as info:
        create_app(Settings(knowledge_dir=tmp_path / "missing"))
    assert "FAQBOT_KNOWLEDGE_DIR" in str(info.value)


def test_each_app_has_its_own_knowledge(tmp_path: Path, tiny_knowledge: Path) -> None:
    other = write_knowledge(
        tmp_path / "other",
        (tiny_knowledge / "articles" / "tiny.md")
        .read_text()
        .replace("Tiny Article", "Other Article"),
    )
    first = create_app(Settings(knowledge_dir=tiny_knowledge, db=tmp_path / "a.sqlite3"))
    second = create_app(Settings(knowledge_dir=other, db=tmp_path / "b.sqlite3"))
    assert first.state.holder.assistant.knowledge.articles[0].title == "Tiny Article"
    assert second.state.holder.assistant.knowledge.articles[0].title == "Other Article"


def test_serve_with_broken_knowledge_exits_1_with_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", "knowledge")  # serve sets it; restored after
    folder = write_knowledge(tmp_path / "k", "---\ntitle: x\n---\n")
    assert main(["serve", "--knowledge", str(folder), "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'articles' / 'tiny.md'}:" in err and "Traceback" not in err


def test_serve_with_a_bad_setting_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_MAX_BODY_BYTES", "lots")
    assert main(["serve"]) == 1
    assert "FAQBOT_MAX_BODY_BYTES" in capsys.readouterr().err
