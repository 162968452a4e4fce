"""The safety gate: an edit that weakens crisis detection is refused by `faqbot check` and by hot
reload, the last good version kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.canaries import canaries, safety_problems
from bot.cli import main
from tests.conftest import SHIPPED_KNOWLEDGE
from web.state import KnowledgeHolder


@pytest.fixture(scope="module")
def sabotaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge with half of examples/crisis.txt moved into not-crisis.txt."""
    folder = tmp_path_factory.mktemp("sabotaged") / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    crisis = folder / "examples" / "crisis.txt"
    lines = crisis.read_text(encoding="utf-8").splitlines()
    examples = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    moved = set(examples[::2])
    crisis.write_text(
        "\n".join(line for i, line in enumerate(lines) if i not in moved) + "\n", encoding="utf-8"
    )
    with (folder / "examples" / "not-crisis.txt").open("a", encoding="utf-8") as f:
        f.write("\n" + "\n".join(lines[i] for i in sorted(moved)) + "\n")
    return folder


def test_the_canaries_hold_many_crisis_and_ordinary_messages() -> None:
    gate = canaries()
    assert len(gate.crisis) >= 100 and len(gate.ordinary) >= 100
    assert not set(gate.crisis) & set(gate.ordinary)


def test_no_crisis_canary_is_an_example_the_bot_learns_from(shipped_bot: Assistant) -> None:
    taught = {e.text.lower() for e in shipped_bot.knowledge.examples}
    assert not {m.lower() for m in canaries().crisis} & taught


def test_the_shipped_knowledge_passes_the_safety_gate(shipped_bot: Assistant) -> None:
    assert safety_problems(shipped_bot) == []


def test_check_refuses_knowledge_whose_crisis_examples_were_moved_away(
    sabotaged: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAQBOT_SAFETY_GATE", "true")  # tests/conftest.py turns it off
    assert main(["check", "--knowledge", str(sabotaged)]) == 1
    out = capsys.readouterr().out
    assert "examples/crisis.txt:1: safety check:" in out
    assert "would no longer get crisis resources" in out


def test_hot_reload_refuses_the_edit_and_keeps_the_last_good_version(
    tmp_path: Path, sabotaged: Path
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    holder = KnowledgeHolder(Assistant.from_folder(folder), folder, safety_gate=True)
    good = holder.assistant.knowledge.version
    for name in ("crisis.txt", "not-crisis.txt"):
        shutil.copy(sabotaged / "examples" / name, folder / "examples" / name)
    assert not holder.reload()
    assert holder.assistant.knowledge.version == good
    assert holder.failure is not None
    assert any(w.startswith("examples/crisis.txt:1") for w in holder.failure.where)
    assert any("safety check" in e for e in holder.failure.errors)


def test_a_pass_is_kept_and_not_asked_again_but_an_edit_is_checked_anew(
    shipped_bot: Assistant, sabotaged: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert shipped_bot.cache.path is not None  # the pass is kept beside the vectors
    assert safety_problems(shipped_bot) == []
    asked: list[str] = []
    real_route = Assistant.route

    def route(self: Assistant, question: str) -> str | None:
        asked.append(question)
        return real_route(self, question)

    monkeypatch.setattr(Assistant, "route", route)
    assert safety_problems(shipped_bot) == []
    assert asked == []  # the same examples and phrases passed already
    unsafe = Assistant.from_folder(sabotaged, shipped_bot.cache)
    for _ in range(2):  # a failure is never kept: asked again, refused again
        asked.clear()
        assert safety_problems(unsafe) != []
        assert len(asked) == len(canaries().crisis) + len(canaries().ordinary)
