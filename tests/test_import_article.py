"""`faqbot import` writes an article staff review: `faqbot check` refuses it until the review
lines are filled in, then accepts it, and the bot answers each imported question with the
passage the page gave it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.bundle import init_knowledge
from bot.importing import import_source
from bot.importing.article import article_text, write_article
from bot.importing.faq import Entry, Faq, ImportRefused
from bot.knowledge import load_knowledge, parse_uncovered
from web.cli import main

PAGES = Path(__file__).resolve().parent / "data" / "import"
BUILT_DIFFERENTLY = [
    "wordpress-blocks.html",
    "wordpress-rank-math.html",
    "elementor.html",
    "squarespace.html",
    "wix.html",
    "bootstrap.html",
    "plain.html",
]


def reviewed(path: Path) -> None:
    """Fill in the review lines, as a clinician does after reading the article."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("reviewed_by:\n", "reviewed_by: Dr. Jane Reviewer, MD\n", 1)
    path.write_text(text.replace("reviewed_on:\n", "reviewed_on: 2026-11-30\n", 1), "utf-8")


def without_topics(folder: Path, names: list[str]) -> None:
    """Remove topics from articles/uncovered-topics.txt, as the import's message asks once
    reviewed."""
    path = folder / "articles" / "uncovered-topics.txt"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    topics, _ = parse_uncovered("".join(lines), str(path))
    starts = sorted(t.line for t in topics)
    drop: set[int] = set()
    for topic in (t for t in topics if t.name in names):
        end = next((s for s in starts if s > topic.line), len(lines) + 1)
        drop.update(range(topic.line, end))
    path.write_text("".join(x for n, x in enumerate(lines, 1) if n not in drop), "utf-8")


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    return init_knowledge(tmp_path / "clinic-kb")


def test_the_article_leaves_the_review_to_staff_and_check_refuses_it_until_then(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FAQBOT_KNOWLEDGE_DIR", raising=False)  # `faqbot serve` tests set it
    monkeypatch.chdir(clinic)
    assert main(["import", str(PAGES / "bootstrap.html")]) == 0
    out = capsys.readouterr().out
    path = clinic / "articles" / "frequently-asked-questions.md"
    assert f"Imported 4 question(s) from {PAGES / 'bootstrap.html'}" in out
    assert "fill in reviewed_by and reviewed_on" in out
    text = path.read_text(encoding="utf-8")
    assert "\nreviewed_by:\nreviewed_on:\n" in text
    assert (
        "title: Frequently asked questions\npublisher: Colorado Ketamine (Colorado Springs, CO)"
        in (text)
    )
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "frequently-asked-questions.md:" in out and "`reviewed_by` is missing or empty" in out
    reviewed(path)
    assert main(["check"]) == 0


def test_each_question_becomes_a_passage_with_its_question_and_its_answer_verbatim(
    clinic: Path,
) -> None:
    written = import_source(str(PAGES / "plain.html"), clinic)
    text = written.path.read_text(encoding="utf-8")
    assert (
        "## Medicines\n\n<!-- id: should-i-keep-taking-my-other-medicines -->\n"
        "? Should I keep taking my other medicines?\n"
        "Keep taking everything as prescribed unless our physician tells you otherwise at your "
        "consultation. Bring a list of:\n1. prescription medicines,\n"
        "2. supplements and vitamins, and\n3. anything you take only when needed.\n"
    ) in text
    reviewed(written.path)
    passages = {p.id: p for p in load_knowledge(clinic).passages}
    cancel = passages["how-far-ahead-do-i-need-to-cancel"]
    assert cancel.questions == ("How far ahead do I need to cancel?",)
    assert cancel.section == "Booking"
    assert cancel.text == (
        "Please tell us at least 48 hours before your appointment, by phone or by replying to "
        "your reminder e-mail. Late cancellations are charged a fee, except in an emergency."
    )


def test_the_same_page_is_not_imported_twice_and_no_file_is_overwritten(clinic: Path) -> None:
    first = import_source(str(PAGES / "wix.html"), clinic)
    with pytest.raises(ImportRefused, match="is already imported"):
        import_source(str(PAGES / "wix.html"), clinic)
    second = import_source(str(PAGES / "elementor.html"), clinic)  # the same title, no url
    assert first.path.name == "frequently-asked-questions.md"
    assert second.path.name == "frequently-asked-questions-2.md"


def test_passage_ids_stay_unique_across_articles_even_unreviewed_ones(clinic: Path) -> None:
    page = "<main><h2>Is there parking?</h2><p>Yes, {}.</p></main>"
    for n, where in enumerate(("behind the clinic", "on the street")):
        (clinic / f"p{n}.html").write_text(page.format(where), encoding="utf-8")
        import_source(str(clinic / f"p{n}.html"), clinic)
    for path in (clinic / "articles").glob("*.md"):
        reviewed(path)
    ids = [p.id for p in load_knowledge(clinic).passages if p.id.startswith("is-there")]
    assert sorted(ids) == ["is-there-parking", "is-there-parking-2"]


def test_answer_lines_the_article_would_misread_join_the_line_before() -> None:
    faq = Faq(
        "FAQ",
        (
            Entry("Which room?", ("Room", "#4, upstairs.", "? is on the door.")),
            Entry("Rank?", ("#1 in town.",)),
        ),
        "x.html",
        "headings",
    )
    text, count, skipped = article_text(faq, "Clinic", set(), date(2026, 11, 1))
    assert "? Which room?\nRoom #4, upstairs. ? is on the door.\n" in text
    assert count == 1
    assert skipped == [
        "'Rank?': its answer starts with '#', which an article reads as markup; add it by hand"
    ]


def test_questions_on_uncovered_topics_are_named_with_the_topic(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(PAGES / "plain.html"), "--knowledge", str(clinic)]) == 0
    out = capsys.readouterr().out
    assert "[changing an appointment]: How far ahead do I need to cancel?" in out
    assert "Once it is reviewed, remove the topics above." in out


def test_a_page_without_questions_is_refused_and_nothing_is_written(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in (clinic / "articles").iterdir())
    code = main(
        [
            "import",
            str(PAGES / "about.html"),
            str(PAGES / "squarespace.html"),
            "--knowledge",
            str(clinic),
        ]
    )
    assert code == 1
    out, err = capsys.readouterr()
    assert "about.html: no questions with answers were found on this page" in err
    assert "Traceback" not in err
    assert "Imported 4 question(s)" in out  # the other source still went in
    after = sorted(p.name for p in (clinic / "articles").iterdir())
    assert after == [*before, "your-questions-answered.md"]


def test_importing_into_a_folder_that_does_not_exist_says_how_to_make_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert main(["import", str(PAGES / "plain.html"), "--knowledge", str(missing)]) == 1
    assert f"`faqbot init {missing}` makes one" in capsys.readouterr().err
    assert not missing.exists()


def test_write_article_refuses_a_folder_it_cannot_write(tmp_path: Path) -> None:
    faq = Faq("FAQ", (Entry("Open?", ("Yes.",)),), "x.html", "headings")
    (tmp_path / "articles").write_text("a file where the articles folder should be")
    with pytest.raises(ImportRefused, match="cannot write"):
        write_article(tmp_path, faq)
    assert not list(tmp_path.glob(".import-*"))


@pytest.mark.parametrize("page", BUILT_DIFFERENTLY)
def test_the_bot_answers_each_imported_question_with_that_pages_answer_first(
    tmp_path: Path, page: str
) -> None:
    """faqbot init DIR && faqbot import PAGE --knowledge DIR; review; remove the topics the
    import names; then every question of the page gets its own passage first."""
    folder = init_knowledge(tmp_path / "clinic-kb")
    written = import_source(str(PAGES / page), folder)
    reviewed(written.path)
    without_topics(folder, list(written.topics))
    knowledge = load_knowledge(folder)
    assert not knowledge.errors, [str(p) for p in knowledge.errors]
    bot = Assistant(knowledge)
    imported = [p for p in knowledge.passages if p.article == written.path.stem]
    assert len(imported) == written.passages == len(written.faq.entries)
    missed = []
    for passage in imported:
        (question,) = passage.questions
        answer = bot.ask(question)
        first = answer.passages[0].id if answer.passages else f"a {answer.kind} reply"
        if first != passage.id:
            missed.append(f"{question!r} -> {first}")
    assert not missed, missed


def test_a_question_asked_twice_on_a_page_is_written_once(clinic: Path) -> None:
    page = (
        "<main><h2>Hours</h2><h3>Are you open on Mondays?</h3><p>Yes, from 8.</p>"
        "<h2>Visits</h2><h3>Are you open on Mondays?</h3><p>Yes.</p></main>"
    )
    (clinic / "twice.html").write_text(page, encoding="utf-8")
    written = import_source(str(clinic / "twice.html"), clinic)
    assert written.passages == 1
    assert written.skipped == ("'Are you open on Mondays?': asked twice; the first answer is kept",)
    reviewed(written.path)
    assert not load_knowledge(clinic).errors


def test_a_question_that_is_already_an_example_message_is_named_with_where(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = "<main><h3>How much is one infusion?</h3><p>See our price list.</p></main>"
    (clinic / "price.html").write_text(page, encoding="utf-8")
    assert main(["import", str(clinic / "price.html"), "--knowledge", str(clinic)]) == 0
    out = capsys.readouterr().out
    topics = clinic / "articles" / "uncovered-topics.txt"
    line = topics.read_text(encoding="utf-8").splitlines().index("? how much is one infusion")
    assert f"'How much is one infusion?' is also {topics}:{line + 1}" in out
