"""An imported FAQ written as an article of the knowledge folder: one passage per question,
its `?` line the question and its text the answer as the source words it, under the source's
own headings; the review lines left for staff to fill in."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.analysis import stem, words
from bot.examples import example_key
from bot.importing.faq import DEFAULT_TITLE, Entry, Faq, ImportRefused, clean_line
from bot.knowledge import load_knowledge, parse_article, parse_clinic, slugify

MAX_ID_WORDS = 8
MAX_SLUG_CHARS = 60
# How a line of passage text must not begin: the article format reads these as a heading, a
# comment or an example question.
MISREAD = ("#", "?", "<!--")


@dataclass(frozen=True)
class Written:
    """An article written by an import, and what staff should know about it."""

    path: Path
    faq: Faq
    passages: int
    skipped: tuple[str, ...]  # questions left out, each with why
    topics: dict[str, list[str]]  # uncovered topic -> imported questions it would catch
    elsewhere: tuple[str, ...] = ()  # imported questions already example messages, and where


def ascii_slug(text: str, max_chars: int = MAX_SLUG_CHARS) -> str:
    """`slugify` after accents are taken off letters ("¿Cuánto?" -> "cuanto"), cut at a
    hyphen to at most `max_chars`."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = slugify(plain)
    if len(slug) > max_chars:
        slug = slug[:max_chars].rsplit("-", 1)[0]
    return slug


def taken_ids(folder: Path) -> set[str]:
    """The passage ids of every article in the folder, those of articles with errors too."""
    ids: set[str] = set()
    for path in sorted((folder / "articles").glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        _, passages, _ = parse_article(text, str(path), path.stem, date.today())
        ids.update(p.id for p in passages)
    return ids


def _header_value(path: Path, key: str) -> str:
    """A `key:` value of an article's metadata header, read line by line ("" if none)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    if not lines or lines[0].strip() != "---":
        return ""
    for line in lines[1:]:
        if line.strip() == "---":
            break
        name, _, value = line.partition(":")
        if name.strip().lower() == key:
            return value.strip()
    return ""


def publisher_for(folder: Path, faq: Faq) -> str:
    """Who published the source: the clinic of clinic.txt (with its city) when the page is
    the clinic's or names no site, else the site's own name."""
    clinic = ""
    try:
        parsed, _ = parse_clinic((folder / "clinic.txt").read_text(encoding="utf-8-sig"), "")
    except (OSError, UnicodeDecodeError):
        parsed = None
    if parsed is not None:
        clinic = f"{parsed.name} ({parsed.city})" if parsed.city else parsed.name
    site = faq.site_name
    if not site or (parsed is not None and parsed.name.lower() in site.lower()):
        return clinic or site
    return site


def _answer_lines(entry: Entry) -> list[str] | None:
    """The answer's lines as the article holds them; a line that would be misread joins the
    line before it. None when the first line would be misread (nothing to join it to)."""
    lines: list[str] = []
    for line in entry.answer:
        if line.startswith(MISREAD):
            if not lines:
                return None
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def article_text(
    faq: Faq, publisher: str, taken: set[str], today: date
) -> tuple[str, int, list[str]]:
    """The article's text, how many passages it has, and the questions left out (with why).
    Passage ids are made from the questions, unique against `taken` (which grows)."""
    sections = list(dict.fromkeys(e.section or faq.title for e in faq.entries))
    topics = [s.replace(",", " ") for s in sections if s != faq.title] or [faq.title]
    out = [
        "---",
        f"title: {clean_line(faq.title) or DEFAULT_TITLE}",
        f"publisher: {publisher or 'the clinic'}",
        *([f"url: {faq.url}"] if faq.url else []),
        f"# Imported by `faqbot import` on {today.isoformat()} from",
        f"#   {faq.source}",
        "# Before the bot may quote it, a clinician compares every answer with the source,",
        "# then fills in reviewed_by (who reviewed it) and reviewed_on (the date, YYYY-MM-DD);",
        "# until then `faqbot check` refuses this article.",
        "reviewed_by:",
        "reviewed_on:",
        f"topics: {', '.join(dict.fromkeys(topics))}",
        "---",
    ]
    skipped: list[str] = []
    written = 0
    asked: set[str] = set()
    for section in sections:
        out += ["", f"## {section}"]
        for entry in (e for e in faq.entries if (e.section or faq.title) == section):
            key = example_key(entry.question)
            if key in asked:
                skipped.append(f"{entry.question!r}: asked twice; the first answer is kept")
                continue
            lines = _answer_lines(entry)
            if lines is None:
                skipped.append(
                    f"{entry.question!r}: its answer starts with {entry.answer[0][:1]!r}, "
                    "which an article reads as markup; add it by hand"
                )
                continue
            passage_id = _unique(ascii_slug(" ".join(entry.question.split()[:MAX_ID_WORDS])), taken)
            out += ["", f"<!-- id: {passage_id} -->", f"? {clean_line(entry.question)}", *lines]
            asked.add(key)
            written += 1
    return "\n".join(out) + "\n", written, skipped


def _unique(base: str, taken: set[str]) -> str:
    base = base or "question"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    taken.add(found)
    return found


def uncovered_overlap(folder: Path, questions: Iterable[str]) -> dict[str, list[str]]:
    """The uncovered topics (articles/uncovered-topics.txt) whose phrases an imported question
    uses, each with those questions: the article now answers them, so the topic should go."""
    topics = load_knowledge(folder).uncovered
    found: dict[str, list[str]] = {}
    for question in questions:
        words = f" {_words(question)} "
        for topic in topics:
            if any(f" {_words(p)} " in words for p in topic.phrases if _words(p)):
                found.setdefault(topic.name, []).append(question)
    return found


def already_examples(folder: Path, questions: Iterable[str]) -> list[str]:
    """Imported questions that are already example messages of the knowledge (an example
    file, another paragraph's or a topic's `?` line), each with where: a message can teach one
    thing only, so `faqbot check` will ask staff to keep one."""
    examples = {example_key(e.text): e for e in load_knowledge(folder).examples}
    found = []
    for question in questions:
        if (example := examples.get(example_key(question))) is not None:
            found.append(f"{question!r} is also {example.where}")
    return found


def _words(text: str) -> str:
    """The text's words, stemmed ("eating before" reads as "eat befor", like "eat before")."""
    return " ".join(stem(w) for w in words(text))


def write_article(folder: Path, faq: Faq, today: date | None = None) -> Written:
    """Write `faq` as a new article in `folder`/articles (named after its title, never over
    an existing file); refuses a page already imported (an article with the same url)."""
    articles = folder / "articles"
    existing = sorted(articles.glob("*.md")) if articles.is_dir() else []
    if faq.url:
        for path in existing:
            if _header_value(path, "url").rstrip("/") == faq.url.rstrip("/"):
                raise ImportRefused(
                    f"{faq.url} is already imported, as {path}; to import it again, delete "
                    "that file first (nothing was changed)"
                )
    slug = ascii_slug(faq.title) or "imported-faq"
    name, n = slug, 1
    while (articles / f"{name}.md").exists():
        n += 1
        name = f"{slug}-{n}"
    questions = [e.question for e in faq.entries]
    elsewhere = already_examples(folder, questions)  # read before the article is there
    text, count, skipped = article_text(
        faq, publisher_for(folder, faq), taken_ids(folder), today or date.today()
    )
    if not count:
        raise ImportRefused(f"{faq.source}: none of its answers could be written as passages")
    path = articles / f"{name}.md"
    temporary = ""
    try:
        articles.mkdir(parents=True, exist_ok=True)
        # Written whole under another name first: the running chat never reads half a file.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=articles, prefix=".import-", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise ImportRefused(f"cannot write {path} ({exc.strerror or exc})") from None
    overlap = uncovered_overlap(folder, questions)
    return Written(path, faq, count, tuple(skipped), overlap, tuple(elsewhere))
