"""The example knowledge that ships with the bot, and `faqbot init`, which copies it for a clinic.

An installed package carries it as `bot/example_knowledge/` (setup.py's build hook copies the
clone's `knowledge/` there); a clone or an editable install reads the clone's `knowledge/`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "example_knowledge"
CLONE = Path(__file__).resolve().parent.parent / "knowledge"


class InitError(Exception):
    """The knowledge folder cannot be written; the message says why in plain words."""


def example_knowledge() -> Path:
    """The shipped example knowledge folder: the package's copy, else the clone's."""
    for folder in (PACKAGED, CLONE):
        if (folder / "articles").is_dir():
            return folder
    raise InitError(
        f"The example knowledge is missing from this installation (looked in {PACKAGED} and "
        f"{CLONE}); reinstall ketamine-faq-bot."
    )


def init_knowledge(target: Path) -> Path:
    """Copy the example knowledge into `target` (new or empty); returns the folder written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(
            f"{target} already exists and is not an empty folder; choose a new folder name "
            "(nothing was changed)."
        )
    source = example_knowledge()
    try:
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=_not_knowledge)
    except OSError as exc:
        raise InitError(f"Cannot write {target}: {exc.strerror or exc}") from None
    return target


def _not_knowledge(folder: str, names: list[str]) -> set[str]:
    """Files in the example folder that are not knowledge (caches, Python leftovers)."""
    return {n for n in names if n.startswith(".") or n == "__pycache__" or n.endswith(".pyc")}
