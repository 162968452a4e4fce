"""`faqbot import`: a clinic's existing FAQ (a web page saved or fetched, Markdown, CSV or TSV,
a Word document) becomes an article of its knowledge folder, for staff to review.

`faq` holds what was read, `text` turns HTML into lines that read on their own, `page` finds
the questions in a web page, `sources` reads each kind of source, `fetch` gets a page by its
address, `article` writes the article.
"""

from __future__ import annotations

from pathlib import Path

from bot.importing.article import Written, write_article
from bot.importing.faq import Entry, Faq, ImportRefused
from bot.importing.sources import KINDS, read_source

__all__ = ["KINDS", "Entry", "Faq", "ImportRefused", "Written", "describe", "import_source"]


def import_source(source: str, folder: Path) -> Written:
    """Read the FAQ in `source` and write it as a new article in the knowledge `folder`."""
    if not folder.is_dir():
        raise ImportRefused(
            f"the knowledge folder {folder} does not exist; `faqbot init {folder}` makes one, "
            "or pass --knowledge DIR"
        )
    return write_article(folder, read_source(source))


def describe(written: Written) -> str:
    """What an import wrote, and what staff do next, in plain words."""
    faq = written.faq
    sections = len({e.section for e in faq.entries})
    lines = [
        f"Imported {written.passages} question(s) from {faq.source} ({faq.shape}; "
        f"{sections} section(s)) into {written.path}.",
        *(f"  note: {note}" for note in faq.notes),
        *(f"  left out {why}" for why in written.skipped),
    ]
    if written.elsewhere:
        lines.append(
            "  already example messages elsewhere (a message teaches one thing: `faqbot check` "
            "will ask you to keep one):"
        )
        lines += [f"    {where}" for where in written.elsewhere]
    if written.topics:
        lines.append(
            "  articles/uncovered-topics.txt lists topics these questions are about; the bot "
            "now leaves those topics out (the article answers them) and `faqbot check` names "
            "them: delete them there"
        )
        for topic, questions in written.topics.items():
            shown = "; ".join(questions[:3]) + ("; ..." if len(questions) > 3 else "")
            lines.append(f"    [{topic}]: {shown}")
    lines.append(
        f"Next: check its title and publisher, then have a clinician compare every answer with "
        f"the source and fill in reviewed_by and reviewed_on at the top of {written.path.name}; "
        "`faqbot check` refuses the article until then."
        + (" Once it is reviewed, remove the topics above." if written.topics else "")
    )
    return "\n".join(lines)
