"""Problems found in staff-edited files, each located by file and line, and the line reader
that numbers them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file, located by path and line."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class Collector:
    """Accumulates the problems of one file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "warning"))


def lines(text: str) -> Iterator[tuple[int, str]]:
    """The text's lines, numbered from 1, trailing whitespace removed."""
    return ((n, line.rstrip()) for n, line in enumerate(text.splitlines(), start=1))
