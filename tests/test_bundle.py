"""`faqbot init`: a new clinic's knowledge folder from the shipped example, and the commands
saying which knowledge folder and store they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bundle import example_knowledge, init_knowledge
from bot.knowledge import load_knowledge
from tests.conftest import SHIPPED_KNOWLEDGE
from web.cli import main


def test_example_knowledge_in_a_clone_is_the_shipped_folder() -> None:
    assert example_knowledge() == SHIPPED_KNOWLEDGE


def test_init_writes_a_valid_folder_with_the_example_contact_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "clinic-kb")]) == 0
    assert "faqbot check --knowledge" in capsys.readouterr().out
    knowledge = load_knowledge(tmp_path / "clinic-kb")
    assert not knowledge.errors
    assert knowledge.version == load_knowledge(SHIPPED_KNOWLEDGE).version
    warned = {p.message.split("`")[1] for p in knowledge.problems if p.severity == "warning"}
    assert {"phone", "email"} <= warned, [str(p) for p in knowledge.problems]


def test_init_into_an_empty_folder_works(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert (init_knowledge(tmp_path / "empty") / "clinic.txt").is_file()


@pytest.mark.parametrize("existing", ["folder", "file"])
def test_init_refuses_an_existing_folder_or_file_and_changes_nothing(
    tmp_path: Path, existing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kb"
    if existing == "folder":
        target.mkdir()
        (target / "clinic.txt").write_text("mine", encoding="utf-8")
    else:
        target.write_text("mine", encoding="utf-8")
    assert main(["init", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert (target / "clinic.txt" if existing == "folder" else target).read_text() == "mine"


def test_a_missing_knowledge_folder_points_to_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "hello", "--knowledge", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert f"knowledge folder {tmp_path / 'nowhere'}" in err
    assert f"faqbot init {tmp_path / 'nowhere'}" in err


def test_commands_use_and_name_the_knowledge_folder_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", str(tmp_path / "from-env"))
    assert main(["check"]) == 1
    assert f"knowledge folder {tmp_path / 'from-env'}" in capsys.readouterr().err


def test_report_names_its_store_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FAQBOT_DB", raising=False)
    monkeypatch.delenv("FAQBOT_DATA_DIR", raising=False)
    monkeypatch.delenv("FAQBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 0
    store = tmp_path / "xdg" / "ketamine-faq-bot" / "faqbot.sqlite3"
    assert f"store SQLite file {store}" in capsys.readouterr().err
    assert store.is_file()
    assert not (tmp_path / "data").exists()
