"""Load the staff-edited knowledge folder into frozen dataclasses, with located problems."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.brand import LOGO_MAX_BYTES, LOGO_TYPES, colour_problem
from bot.examples import (
    LEGACY_QUESTIONS_FILE,
    MESSAGE_FILES,
    QUESTIONS_FILE,
    Example,
    example_key,
    example_problems,
    parse_messages,
    parse_questions,
)
from bot.files import Refused, read_bytes, read_text
from bot.problems import Collector, Problem, lines

ARTICLE_FIELDS = ("title", "publisher", "reviewed_by", "reviewed_on", "topics")
CLINIC_FIELDS = (
    "name",
    "city",
    "phone",
    "email",
    "booking_url",
    "disclaimer",
    "contact_prompt",
)
OPTIONAL_CLINIC_FIELDS = ("brand_color", "logo")  # the clinic's look; defaults when left out
EXAMPLE_MARK = "[example]"
# What belongs to this clinic's articles lives beside them; older knowledge folders had these at
# the places named LEGACY_*, which are still read (with a warning to move them).
TOPICS_FILE = "articles/uncovered-topics.txt"
LEGACY_TOPICS_FILE = "uncovered-topics.txt"
REVIEW_MAX_AGE_DAYS = 365
_ID_LINE = re.compile(r"^<!--\s*id:\s*(?P<id>.*?)\s*-->$")
_VALID_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEY_VALUE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_ ]*?)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Article:
    """A vetted source article and its review metadata."""

    slug: str
    title: str
    publisher: str
    url: str
    reviewed_by: str
    reviewed_on: date
    topics: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class Passage:
    """A paragraph quoted verbatim to visitors, with its section and example questions."""

    id: str
    article: str
    section: str
    text: str
    questions: tuple[str, ...] = ()
    line: int = 0
    question_lines: tuple[int, ...] = ()  # where each question is in the article


@dataclass(frozen=True)
class SynonymGroup:
    """Words and phrases that mean the same; the first is the canonical form."""

    terms: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class UncoveredTopic:
    """An in-scope topic no reviewed passage answers, with the referral message to give and
    example questions visitors ask about it."""

    name: str
    phrases: tuple[str, ...]
    message: str
    line: int = 0
    questions: tuple[str, ...] = ()
    question_lines: tuple[int, ...] = ()
    path: str = ""  # the file it is written in, for messages to staff


@dataclass(frozen=True)
class Clinic:
    """The clinic's contact details, disclaimer and contact prompt."""

    name: str
    city: str
    phone: str
    email: str
    booking_url: str
    disclaimer: str
    contact_prompt: str
    examples: frozenset[str] = frozenset()
    brand_color: str = ""  # `#rrggbb` behind white text (checked for contrast), or "" for ours
    logo: str = ""  # an image file in the knowledge folder, shown in the chat's header


@dataclass(frozen=True)
class Knowledge:
    """Everything loaded from one knowledge folder, plus the problems found in it."""

    folder: str
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    synonyms: tuple[SynonymGroup, ...]
    uncovered: tuple[UncoveredTopic, ...]
    clinic: Clinic
    crisis_phrases: tuple[str, ...]
    problems: tuple[Problem, ...]
    version: str
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    examples: tuple[Example, ...] = ()  # everything the bot learns from, `?` lines included

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems that stop the knowledge from being used."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems worth fixing that do not stop the knowledge from being used."""
        return tuple(p for p in self.problems if p.severity == "warning")

    def article(self, slug: str) -> Article | None:
        """The article with this slug, if any."""
        return next((a for a in self.articles if a.slug == slug), None)

    def without(self, texts: Iterable[str]) -> Knowledge:
        """This knowledge with every example equal to one of `texts` left out, wherever it is
        (example files, passages' and topics' `?` lines): for measuring on held-out messages."""
        held = {example_key(t) for t in texts}

        def kept(questions: tuple[str, ...], where: tuple[int, ...]) -> dict[str, Any]:
            pairs = [
                (q, n) for q, n in zip(questions, where, strict=True) if example_key(q) not in held
            ]
            return {
                "questions": tuple(q for q, _ in pairs),
                "question_lines": tuple(n for _, n in pairs),
            }

        return replace(
            self,
            passages=tuple(
                replace(p, **kept(p.questions, p.question_lines)) for p in self.passages
            ),
            uncovered=tuple(
                replace(t, **kept(t.questions, t.question_lines)) for t in self.uncovered
            ),
            examples=tuple(e for e in self.examples if example_key(e.text) not in held),
            version=f"{self.version}-without-{len(held)}",
        )

    def with_examples(self, extra: Iterable[Example]) -> Knowledge:
        """This knowledge with more examples to learn from (cross-validation adds the training
        folds of a question set)."""
        added = tuple(extra)
        return replace(
            self, examples=self.examples + added, version=f"{self.version}-with-{len(added)}"
        )


class KnowledgeError(Exception):
    """Raised by `require_valid` when the knowledge has errors."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, for ids and anchors."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def _key_values(lines: Iterable[tuple[int, str]], out: Collector) -> dict[str, tuple[int, str]]:
    """Parse `key: value` lines (blank lines and `#` comments skipped) into key -> (line, value)."""
    values: dict[str, tuple[int, str]] = {}
    for n, line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _KEY_VALUE.match(line.strip())
        if not match:
            out.error(n, f"expected `name: value`, found {line.strip()[:40]!r}")
            continue
        key = match["key"].strip().lower().replace(" ", "_")
        if key in values:
            out.error(n, f"`{key}` is given twice (also on line {values[key][0]}); keep one")
        values[key] = (n, match["value"].strip())
    return values


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_article(
    text: str, rel: str, slug: str, today: date
) -> tuple[Article | None, list[Passage], list[Problem]]:
    """Parse one Markdown article: a `---` metadata header, then `## ` sections of paragraphs."""
    out = Collector(rel)
    numbered = list(lines(text))
    if not numbered or numbered[0][1].strip() != "---":
        out.error(1, "the file must start with a `---` line that opens the metadata header")
        return None, [], out.problems
    end = next((i for i, (_, line) in enumerate(numbered[1:], 1) if line.strip() == "---"), None)
    if end is None:
        out.error(1, "the metadata header is never closed; add a `---` line after it")
        return None, [], out.problems
    meta = _key_values(numbered[1:end], out)
    article = _article_from_meta(meta, rel, slug, end + 1, today, out)
    passages = _passages(numbered[end + 1 :], slug, out)
    if not passages:
        out.error(end + 1, "the article has no paragraphs to quote; add text under a `## ` heading")
    return article, passages, out.problems


def _article_from_meta(
    meta: dict[str, tuple[int, str]],
    rel: str,
    slug: str,
    end_line: int,
    today: date,
    out: Collector,
) -> Article | None:
    ok = True
    for name in ARTICLE_FIELDS:
        if not meta.get(name, (0, ""))[1]:
            where = meta[name][0] if name in meta else end_line
            out.error(
                where, f"metadata `{name}` is missing or empty; add `{name}: ...` to the header"
            )
            ok = False
    for key, (n, _) in meta.items():
        if key not in (*ARTICLE_FIELDS, "url"):
            out.warn(
                n, f"unknown metadata `{key}` is ignored; known: {', '.join(ARTICLE_FIELDS)}, url"
            )
    reviewed = _parse_date(meta.get("reviewed_on", (0, ""))[1])
    if ok and reviewed is None:
        out.error(meta["reviewed_on"][0], "`reviewed_on` must be a date written YYYY-MM-DD")
        ok = False
    if reviewed is not None:
        if reviewed > today:
            out.error(meta["reviewed_on"][0], "`reviewed_on` is in the future; use the review date")
            ok = False
        elif (today - reviewed).days > REVIEW_MAX_AGE_DAYS:
            out.warn(
                meta["reviewed_on"][0],
                "the review is older than 12 months; re-review the "
                "article and update `reviewed_on`",
            )
    url = meta.get("url", (0, ""))[1]
    if url and not url.startswith(("https://", "http://")):
        out.error(meta["url"][0], "`url` must start with https:// (or leave it out)")
        ok = False
    if not ok or reviewed is None:
        return None
    topics = tuple(t.strip() for t in meta["topics"][1].split(",") if t.strip())
    return Article(
        slug=slug,
        title=meta["title"][1],
        publisher=meta["publisher"][1],
        url=url,
        reviewed_by=meta["reviewed_by"][1],
        reviewed_on=reviewed,
        topics=topics,
        path=rel,
    )


def _blocks(lines: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    """Split lines into runs of non-blank lines."""
    block: list[tuple[int, str]] = []
    for n, line in lines:
        if line.strip():
            block.append((n, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _passages(lines: list[tuple[int, str]], slug: str, out: Collector) -> list[Passage]:
    """Turn the article body into passages: one per paragraph, under the latest `## ` heading."""
    passages: list[Passage] = []
    section = ""
    pending_id: tuple[int, str] | None = None
    questions: list[tuple[int, str]] = []
    last_note_line = 0
    for block in _blocks(lines):
        text_lines: list[tuple[int, str]] = []
        for n, line in block:
            stripped = line.strip()
            if stripped.startswith("## "):
                if pending_id or questions:
                    out.error(
                        last_note_line,
                        "an id or `?` question has no paragraph after it "
                        "in its section; put it directly above the paragraph it belongs to",
                    )
                    pending_id, questions = None, []
                section = stripped[3:].strip()
                if not section:
                    out.error(n, "a `## ` heading has no text; write the section title after `## `")
            elif stripped.startswith("#") and not stripped.startswith("#!"):
                out.error(n, "only `## ` headings are used for sections; write `## Title`")
            elif (match := _ID_LINE.match(stripped)) is not None:
                pending_id, last_note_line = (n, match["id"]), n
                if not _VALID_ID.match(match["id"]):
                    out.error(
                        n,
                        f"passage id {match['id']!r} must be lower-case letters, digits and "
                        "hyphens, like `what-is-ketamine`",
                    )
            elif stripped.startswith("<!--"):
                out.error(
                    n, "unrecognised comment; passage ids are written `<!-- id: some-name -->`"
                )
            elif stripped.startswith("?"):
                question = stripped[1:].strip()
                last_note_line = n
                if question:
                    questions.append((n, question))
                else:
                    out.error(n, "an empty `?` line; write the example question after the `?`")
            else:
                text_lines.append((n, stripped))
        if not text_lines:
            continue
        first_line = text_lines[0][0]
        if not section:
            out.error(
                first_line, "this paragraph comes before any `## ` heading; add a heading above it"
            )
            section = "Introduction"
        text = " ".join(t for _, t in text_lines)
        if pending_id is not None:
            pid = pending_id[1]
        else:
            pid = slugify(" ".join(text.split()[:6])) or f"passage-{first_line}"
        passages.append(
            Passage(
                id=pid,
                article=slug,
                section=section,
                text=text,
                questions=tuple(q for _, q in questions),
                line=pending_id[0] if pending_id else first_line,
                question_lines=tuple(n for n, _ in questions),
            )
        )
        pending_id, questions = None, []
    if pending_id or questions:
        out.error(
            last_note_line,
            "an id or `?` question has no paragraph after it; put it "
            "directly above the paragraph it belongs to",
        )
    return passages


def parse_synonyms(text: str, rel: str) -> tuple[list[SynonymGroup], list[Problem]]:
    """Parse one synonym group per line: comma-separated words or phrases, canonical first."""
    out = Collector(rel)
    groups: list[SynonymGroup] = []
    seen: dict[str, int] = {}
    for n, line in lines(text):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        terms = tuple(t.strip() for t in line.split(","))
        if any(not t for t in terms):
            out.error(n, "an empty entry between commas; remove the extra comma")
            terms = tuple(t for t in terms if t)
        if len(terms) < 2:
            out.error(n, "a synonym group needs at least two entries separated by commas")
            continue
        for term in terms:
            key = " ".join(term.lower().split())
            if key in seen and seen[key] != n:
                out.error(
                    n,
                    f"{term!r} is already in the group on line {seen[key]}; a word or "
                    "phrase can belong to one group only, so merge the two lines",
                )
            seen.setdefault(key, n)
        groups.append(SynonymGroup(terms=terms, line=n))
    return groups, out.problems


def parse_uncovered(text: str, rel: str) -> tuple[list[UncoveredTopic], list[Problem]]:
    """Parse `[topic]` blocks, each with `phrases:` (comma-separated) and `message:` lines and
    any number of `? example question` lines."""
    out = Collector(rel)
    topics: list[UncoveredTopic] = []
    current: tuple[int, str] | None = None
    body: list[tuple[int, str]] = []
    questions: list[tuple[int, str]] = []

    def finish() -> None:
        if current is None:
            if any(line.strip() and not line.lstrip().startswith("#") for _, line in body):
                out.error(
                    body[0][0],
                    "text before the first `[topic name]` line; start each "
                    "topic with its name in square brackets",
                )
            return
        values = _key_values(body, out)
        phrases = tuple(
            p.strip() for p in values.get("phrases", (0, ""))[1].split(",") if p.strip()
        )
        message = values.get("message", (0, ""))[1]
        if not phrases:
            out.error(
                current[0],
                f"topic [{current[1]}] needs a `phrases:` line listing the "
                "words visitors use for it, separated by commas",
            )
        if not message:
            out.error(
                current[0],
                f"topic [{current[1]}] needs a `message:` line with what the "
                "bot should say instead",
            )
        for key, (n, _) in values.items():
            if key not in ("phrases", "message"):
                out.error(n, f"unknown field `{key}`; a topic has `phrases:` and `message:` only")
        if phrases and message:
            topics.append(
                UncoveredTopic(
                    current[1],
                    phrases,
                    message,
                    current[0],
                    tuple(q for _, q in questions),
                    tuple(n for n, _ in questions),
                    rel,
                )
            )

    for n, line in lines(text):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            finish()
            current, body, questions = (n, stripped[1:-1].strip()), [], []
        elif stripped.startswith("?"):
            if current is None:
                out.error(n, "an example question before the first `[topic name]` line")
            elif not stripped[1:].strip():
                out.error(n, "an empty `?` line; write the example question after the `?`")
            else:
                questions.append((n, " ".join(stripped[1:].split())))
        else:
            body.append((n, line))
    finish()
    return topics, out.problems


def parse_clinic(
    text: str, rel: str, folder: Path | None = None
) -> tuple[Clinic | None, list[Problem]]:
    """Parse the clinic settings: `key: value` lines; `[example]` marks a placeholder value.
    A `logo` is looked for in `folder` (the knowledge folder)."""
    out = Collector(rel)
    values = _key_values(lines(text), out)
    examples: set[str] = set()
    clean: dict[str, str] = {}
    for name in CLINIC_FIELDS:
        n, value = values.get(name, (1, ""))
        if value.lower().startswith(EXAMPLE_MARK):
            value = value[len(EXAMPLE_MARK) :].strip()
            examples.add(name)
            out.warn(
                n,
                f"`{name}` is an example value ({value}); replace it with the clinic's "
                f"real {name.replace('_', ' ')} and remove {EXAMPLE_MARK}",
            )
        if not value:
            out.error(n, f"`{name}` is missing or empty; add `{name}: ...`")
        clean[name] = value
    for key, (n, _) in values.items():
        if key not in CLINIC_FIELDS + OPTIONAL_CLINIC_FIELDS:
            known = ", ".join(CLINIC_FIELDS + OPTIONAL_CLINIC_FIELDS)
            out.warn(n, f"unknown setting `{key}` is ignored; known: {known}")
    look = {
        name: values[name][1] for name in OPTIONAL_CLINIC_FIELDS if values.get(name, (0, ""))[1]
    }
    if "brand_color" in look and (problem := colour_problem(look["brand_color"])):
        out.error(values["brand_color"][0], problem)
    if "logo" in look and (problem := logo_problem(look["logo"], folder)):
        out.error(values["logo"][0], problem)
    if clean["email"] and "@" not in clean["email"]:
        out.error(values["email"][0], "`email` must be an e-mail address like info@example.com")
    if clean["booking_url"] and not clean["booking_url"].startswith(("https://", "http://")):
        out.error(values["booking_url"][0], "`booking_url` must start with https://")
    if any(p.severity == "error" for p in out.problems):
        return None, out.problems
    return Clinic(**clean, **look, examples=frozenset(examples)), out.problems


def parse_phrase_list(text: str, rel: str, what: str) -> tuple[list[str], list[Problem]]:
    """Parse a list of phrases, one per line; `#` starts a comment. An empty list is an error."""
    out = Collector(rel)
    phrases = [
        " ".join(line.split())
        for _, line in lines(text)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for n, line in lines(text):
        if line.strip() and not line.lstrip().startswith("#") and len(line.strip()) < 3:
            out.error(
                n,
                f"{line.strip()!r} is too short to be a {what} phrase; write at least "
                "three characters",
            )
    if not phrases:
        out.error(1, f"the {what} list is empty; it must list at least one phrase")
    return phrases, out.problems


def logo_problem(name: str, folder: Path | None) -> str | None:
    """Why `name` cannot be the clinic's logo, or None when it can: an image file of a known
    type, read by the knowledge folder's rule (`bot.files.read_bytes`: a regular file inside
    the folder), small enough to load at once."""
    if Path(name).suffix.lower() not in LOGO_TYPES:
        return (
            f"`logo` must be a {', '.join(LOGO_TYPES)} file in the knowledge folder, not {name!r}"
        )
    if folder is None:
        return None
    missing = f"`logo` file {name!r} was not found in the knowledge folder ({folder.resolve()})"
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return missing
    try:
        read_bytes(folder / name, folder, LOGO_MAX_BYTES)
    except FileNotFoundError:
        return missing
    except Refused as exc:
        return f"`logo` file {name!r}: {exc}"
    except OSError as exc:
        return f"`logo` file {name!r} cannot be read ({exc.strerror})"
    return None


_PLACEHOLDER_CLINIC = Clinic(
    name="the clinic",
    city="",
    phone="",
    email="",
    booking_url="",
    disclaimer="This assistant shares educational information only and is not medical advice.",
    contact_prompt="Please contact the clinic to talk with a clinician.",
)


def load_knowledge(folder: Path | str, today: date | None = None) -> Knowledge:
    """Load and validate a knowledge folder; problems are collected, never raised."""
    root = Path(folder)
    today = today or date.today()
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def read(rel: str, required: bool) -> str | None:
        path = root / rel
        shown = str(path)
        if not path.exists():
            if required:
                problems.append(Problem(shown, 1, f"the file is missing; create {rel}"))
            return None
        out = Collector(shown)
        text = read_text(path, root, out)
        problems.extend(out.problems)
        if text is not None:
            digest.update(rel.encode() + b"\0" + text.encode("utf-8") + b"\0")
        return text

    if not root.is_dir():
        problems.append(
            Problem(
                str(root),
                1,
                "the knowledge folder does not exist or is not a folder; check the path",
            )
        )
        return _empty(root, problems)

    articles: list[Article] = []
    passages: list[Passage] = []
    passage_ids: list[str] = []
    article_files = sorted((root / "articles").glob("*.md"))
    if not article_files:
        problems.append(
            Problem(
                str(root / "articles"),
                1,
                "no articles found; add at least one Markdown article to the articles folder",
            )
        )
    for path in article_files:
        rel = f"articles/{path.name}"
        text = read(rel, True)
        if text is None:
            continue
        article, found, article_problems = parse_article(text, str(path), path.stem, today)
        problems.extend(article_problems)
        passage_ids.extend(p.id for p in found)  # even of an article with errors
        if article is not None:
            articles.append(article)
            passages.extend(found)
    problems.extend(_passage_problems(passages, root))

    synonyms: list[SynonymGroup] = []
    if (text := read("synonyms.txt", False)) is not None:
        synonyms, found_problems = parse_synonyms(text, str(root / "synonyms.txt"))
        problems.extend(found_problems)
    uncovered: list[UncoveredTopic] = []
    for rel in (TOPICS_FILE, LEGACY_TOPICS_FILE):
        if (text := read(rel, False)) is not None:
            found_topics, found_problems = parse_uncovered(text, str(root / rel))
            uncovered += found_topics
            problems.extend(found_problems)
            if rel == LEGACY_TOPICS_FILE:
                problems.append(_moved(root, rel, TOPICS_FILE, "the articles' uncovered topics"))
    crisis: list[str] = []
    if (text := read("crisis-phrases.txt", True)) is not None:
        crisis, found_problems = parse_phrase_list(text, str(root / "crisis-phrases.txt"), "crisis")
        problems.extend(found_problems)
    clinic: Clinic | None = None
    if (text := read("clinic.txt", True)) is not None:
        clinic, found_problems = parse_clinic(text, str(root / "clinic.txt"), root)
        problems.extend(found_problems)
    examples = _question_examples(passages, uncovered, root)
    for name, kind in MESSAGE_FILES.items():
        if (text := read(f"examples/{name}", True)) is not None:
            found_examples, found_problems = parse_messages(
                text, str(root / "examples" / name), kind
            )
            examples += found_examples
            problems.extend(found_problems)
    for rel in (QUESTIONS_FILE, LEGACY_QUESTIONS_FILE):
        if (text := read(rel, False)) is not None:
            found_examples, found_problems = parse_questions(text, str(root / rel))
            examples += found_examples
            problems.extend(found_problems)
            if rel == LEGACY_QUESTIONS_FILE:
                problems.append(
                    _moved(root, rel, QUESTIONS_FILE, "the passages' example questions")
                )
    problems.extend(example_problems(examples, passage_ids))
    return Knowledge(
        folder=str(root),
        articles=tuple(articles),
        passages=tuple(passages),
        synonyms=tuple(synonyms),
        uncovered=tuple(uncovered),
        clinic=clinic or _PLACEHOLDER_CLINIC,
        crisis_phrases=tuple(crisis),
        problems=tuple(problems),
        version=digest.hexdigest()[:12],
        examples=tuple(examples),
    )


def _moved(root: Path, old: str, new: str, what: str) -> Problem:
    """A warning for a file still at its place in an older layout (it is read all the same)."""
    return Problem(
        str(root / old),
        1,
        f"{what} now live in {new}, beside the articles they belong to (see README.md); move "
        "this file there",
        "warning",
    )


def _question_examples(
    passages: Iterable[Passage], topics: Iterable[UncoveredTopic], root: Path
) -> list[Example]:
    """The `?` lines of passages and uncovered topics, as examples."""
    found = [
        Example(q, "passage", p.id, str(root / "articles" / f"{p.article}.md"), n)
        for p in passages
        for q, n in zip(p.questions, p.question_lines, strict=True)
    ]
    found += [
        Example(q, "topic", t.name, t.path, n)
        for t in topics
        for q, n in zip(t.questions, t.question_lines, strict=True)
    ]
    return found


def _passage_problems(passages: list[Passage], root: Path) -> list[Problem]:
    problems: list[Problem] = []
    by_id: dict[str, Passage] = {}
    by_text: dict[str, Passage] = {}
    for p in passages:
        path = str(root / "articles" / f"{p.article}.md")
        if p.id in by_id:
            first = by_id[p.id]
            problems.append(
                Problem(
                    path,
                    p.line,
                    f"passage id {p.id!r} is already used in "
                    f"{first.article}.md line {first.line}; give each passage a "
                    "unique `<!-- id: ... -->`",
                )
            )
        by_id.setdefault(p.id, p)
        key = " ".join(p.text.lower().split())
        if key in by_text:
            first = by_text[key]
            problems.append(
                Problem(
                    path,
                    p.line,
                    f"this passage has the same text as {first.id!r} "
                    f"({first.article}.md line {first.line}); remove one",
                    "warning",
                )
            )
        by_text.setdefault(key, p)
    return problems


def _empty(root: Path, problems: list[Problem]) -> Knowledge:
    return Knowledge(
        folder=str(root),
        articles=(),
        passages=(),
        synonyms=(),
        uncovered=(),
        clinic=_PLACEHOLDER_CLINIC,
        crisis_phrases=(),
        problems=tuple(problems),
        version="",
    )


def require_valid(knowledge: Knowledge) -> Knowledge:
    """Return the knowledge if it has no errors; otherwise raise KnowledgeError listing them."""
    if knowledge.errors:
        raise KnowledgeError(knowledge.errors)
    return knowledge
