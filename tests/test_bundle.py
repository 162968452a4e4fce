"""`faqbot init`: a new clinic's knowledge folder from the shipped example, and the commands
saying which knowledge folder and store they use."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bundle import example_knowledge, init_knowledge
from bot.cli import knowledge_folder
from bot.knowledge import load_knowledge
from tests.conftest import SHIPPED_KNOWLEDGE
from web.cli import main


def test_example_knowledge_in_a_clone_is_the_shipped_folder() -> None:
    assert example_knowledge() == SHIPPED_KNOWLEDGE


def test_init_writes_a_valid_folder_with_the_example_contact_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "clinic-kb")]) == 0
    out = capsys.readouterr().out
    assert f"cd {tmp_path / 'clinic-kb'}\n  faqbot check\n  faqbot serve" in out
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


@pytest.mark.parametrize("where", [".", "articles", "examples"])
def test_commands_inside_a_knowledge_folder_use_it(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = init_knowledge(tmp_path / "clinic-kb")
    monkeypatch.delenv("FAQBOT_KNOWLEDGE_DIR", raising=False)
    monkeypatch.chdir(folder / where)
    assert main(["check"]) == 0
    out, err = capsys.readouterr()
    assert f"knowledge folder {folder}\n" in err
    assert "All good" in out or "0 error(s)" in out
    assert not (folder / where / "knowledge").exists()


def test_a_command_outside_any_knowledge_folder_says_to_go_inside_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FAQBOT_KNOWLEDGE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert f"knowledge folder {tmp_path / 'knowledge'}" in err
    assert "inside your knowledge folder (cd into it), or pass --knowledge DIR" in err


def test_the_option_and_the_environment_win_over_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = init_knowledge(tmp_path / "inside")
    monkeypatch.delenv("FAQBOT_KNOWLEDGE_DIR", raising=False)
    assert knowledge_folder("other", inside) == "other"
    assert knowledge_folder(None, inside) == "."
    assert knowledge_folder(None, inside / "articles") == ".."
    assert knowledge_folder(None, tmp_path) == "knowledge"
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", "from-env")
    assert knowledge_folder(None, inside) == "from-env"


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


def test_help_describes_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    listed = out.split("positional arguments:")[1].split("options:")[0]
    for command in ("init", "import", "check", "ask", "eval", "serve", "report"):
        line = next(x for x in listed.splitlines() if x.strip().startswith(command + " "))
        assert len(line.split(command, 1)[1].strip()) > 10, line


def test_the_copied_staff_guide_uses_the_command_as_installed_and_covers_import_and_admin(
    tmp_path: Path,
) -> None:
    guide = (init_knowledge(tmp_path / "kb") / "README.md").read_text(encoding="utf-8")
    blocks = guide.split("```sh\n")[1:]
    commands = [line for block in blocks for line in block.split("```")[0].splitlines() if line]
    assert commands and all(c.startswith("faqbot ") for c in commands), commands
    for command in ("faqbot check", "faqbot import", "faqbot serve"):
        assert command in commands or any(c.startswith(command) for c in commands), command
    assert "## The staff page" in guide and "/admin" in guide
    assert "command not found" in guide  # what to do when the command is elsewhere
