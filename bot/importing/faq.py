"""What an imported FAQ is: its questions and answers, as read, before it becomes an article."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TITLE = "Frequently asked questions"


@dataclass(frozen=True)
class Entry:
    """One question and its answer, as lines that read on their own (paragraphs and list items,
    links written out), under the section heading the source gives it."""

    question: str
    answer: tuple[str, ...]
    section: str = ""


@dataclass(frozen=True)
class Faq:
    """The questions and answers found in one source, with what the source says about itself."""

    title: str
    entries: tuple[Entry, ...]
    source: str  # the file or address it was read from
    shape: str  # how the questions were recognised, for people ("accordion", "JSON-LD", ...)
    url: str = ""  # the page's address, when known
    site_name: str = ""  # the site's own name, when the page gives one
    notes: tuple[str, ...] = ()  # what was read in an unusual way (an encoding guessed, ...)


class ImportRefused(Exception):
    """The source cannot be imported; the message says why in plain words and what to do."""


def is_question(text: str) -> bool:
    """Whether a title reads as a question: it ends with a question mark (before any closing
    quote or bracket)."""
    return text.rstrip(" \"'”’)]»").endswith(("?", "？"))


def clean_line(text: str) -> str:
    """The text on one line, runs of white space made one space."""
    return " ".join(text.split())
