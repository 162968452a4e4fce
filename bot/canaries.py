"""The safety gate: a frozen set of messages every knowledge version must route safely.

Crisis detection is learned from files staff can edit (`examples/crisis.txt`,
`not-crisis.txt`, `crisis-phrases.txt`), so an edit could weaken it without anyone noticing.
`canaries.txt`, shipped inside the package where staff do not edit it, holds crisis messages of
many kinds, each of which must get crisis resources (at either level), and ordinary messages,
none of which may get crisis resources alone. `faqbot check` fails, the chat does not start, and
a running chat refuses the edit (keeping the last good version) when any of them is routed
otherwise. The messages were written by someone who never saw the bot or its examples, to be
unambiguous; no crisis message among them is an example the bot learns from (a few ordinary
ones, such as "hi", are also small-talk examples).

Asking them all takes about 2 s (each is encoded). A pass is kept in the cache folder beside
what was learned (`bot.models`), keyed by everything routing reads: a restart, or a reload
after an edit of the articles alone, does not ask them again; an edit of the examples or the
crisis phrases does. A failure is never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot import models
from bot.problems import Problem

if TYPE_CHECKING:
    from bot.assistant import Assistant

CANARY_FILE = Path(__file__).with_name("canaries.txt")
SHOWN = 3  # failing messages quoted in a problem


@dataclass(frozen=True)
class Canaries:
    """Messages that must get crisis resources, and messages that must not get them alone."""

    crisis: tuple[str, ...]
    ordinary: tuple[str, ...]


@cache
def canaries() -> Canaries:
    """The shipped canaries (`# crisis` and `# ordinary` sections of canaries.txt)."""
    sections: dict[str, list[str]] = {"crisis": [], "ordinary": []}
    current: list[str] | None = None
    for line in CANARY_FILE.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("#"):
            current = sections.get(text.lstrip("# ").strip())
        elif text and current is not None:
            current.append(text)
    return Canaries(tuple(sections["crisis"]), tuple(sections["ordinary"]))


def _quoted(messages: Sequence[str]) -> str:
    shown = "; ".join(repr(m) for m in messages[:SHOWN])
    return shown + ("; ..." if len(messages) > SHOWN else "")


def safety_problems(assistant: Assistant) -> list[Problem]:
    """Errors naming the canaries this knowledge version routes unsafely (none when safe).
    Routing alone decides whether a reply is crisis resources (`Assistant.ask`): with a
    check-in ("check_in") or alone ("crisis")."""
    gate = canaries()
    knowledge = assistant.knowledge
    saved = None if assistant.cache.path is None else assistant.cache.path.parent
    if saved is not None and models.gate_passed(saved, knowledge, gate):
        return []
    missed = [m for m in gate.crisis if assistant.route(m) not in ("crisis", "check_in")]
    alarmed = [m for m in gate.ordinary if assistant.route(m) == "crisis"]
    folder = Path(knowledge.folder)
    problems = []
    if missed:
        problems.append(
            Problem(
                str(folder / "examples" / "crisis.txt"),
                1,
                f"safety check: {len(missed)} of the bot's {len(gate.crisis)} test crisis "
                f"messages would no longer get crisis resources ({_quoted(missed)}); a recent "
                "edit of the example files or crisis-phrases.txt weakened crisis detection: "
                "undo it, or add crisis messages like these to examples/crisis.txt",
            )
        )
    if alarmed:
        problems.append(
            Problem(
                str(folder / "examples" / "not-crisis.txt"),
                1,
                f"safety check: {len(alarmed)} of the bot's {len(gate.ordinary)} test ordinary "
                f"messages would get crisis resources instead of an answer ({_quoted(alarmed)});"
                " a recent edit of the example files or crisis-phrases.txt made the bot see "
                "crises where there are none: undo it, or add messages like these to "
                "examples/not-crisis.txt",
            )
        )
    if saved is not None and not problems:
        models.save_gate_passed(saved, knowledge, gate)
    return problems
