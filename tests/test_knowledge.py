"""Loading and validating knowledge files."""

from __future__ import annotations

import os
import socket
import threading
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge import (
    Knowledge,
    KnowledgeError,
    load_knowledge,
    parse_article,
    parse_uncovered,
    require_valid,
)
from tests.conftest import (
    SHARED,
    SHIPPED_KNOWLEDGE,
    TINY_ARTICLE,
    needs_shared,
    write_knowledge,
)

TODAY = date(2026, 6, 1)


def test_tiny_knowledge_loads_passages_with_ids_sections_and_questions(
    tiny_knowledge: Path,
) -> None:
    k = load_knowledge(tiny_knowledge, today=TODAY)
    assert k.errors == ()
    assert [p.id for p in k.passages] == [
        "tiny-what",
        "tiny-nmda",
        "tiny-serotonin",
        "tiny-bipolar",
    ]
    first = k.passages[0]
    assert first.section == "What is ketamine?"
    assert first.questions == ("What kind of medicine is ketamine?",)
    assert first.text == "Ketamine is an anesthetic medicine used for decades."
    assert k.articles[0].reviewed_on == date(2026, 1, 15)
    assert k.version and len(k.version) == 12


def test_shipped_knowledge_has_no_errors() -> None:
    k = load_knowledge(SHIPPED_KNOWLEDGE)
    assert [str(p) for p in k.errors] == []
    assert len(k.passages) >= 12


SOURCE = SHARED / "sources" / "understanding-ketamine-infusions.md"


@needs_shared(SOURCE)
def test_shipped_article_quotes_the_source_verbatim() -> None:
    source = SOURCE.read_text(encoding="utf-8")
    body = source.split("\n---\n", 1)[1]
    paragraphs = [p.strip() for p in body.strip().split("\n\n")]
    k = load_knowledge(SHIPPED_KNOWLEDGE)
    texts = [p.text for p in k.passages]
    headings = {p.section for p in k.passages}
    for paragraph in paragraphs:
        assert paragraph in texts or paragraph in headings, paragraph[:60]
    assert all(t in paragraphs for t in texts)


def test_missing_metadata_is_an_error_with_its_line(tmp_path: Path) -> None:
    broken = TINY_ARTICLE.replace("publisher: Test Clinic\n", "")
    k = load_knowledge(write_knowledge(tmp_path / "k", broken), today=TODAY)
    messages = [str(p) for p in k.errors]
    assert len(messages) == 1
    assert messages[0].startswith(str(tmp_path / "k" / "articles" / "tiny.md") + ":7: ")
    assert "publisher" in messages[0]


def test_unclosed_header_and_bad_date_are_errors(tmp_path: Path) -> None:
    _, _, problems = parse_article("---\ntitle: x\n", "a.md", "a", TODAY)
    assert [p.line for p in problems] == [1]
    bad_date = TINY_ARTICLE.replace("2026-01-15", "15/01/2026")
    _, _, problems = parse_article(bad_date, "a.md", "a", TODAY)
    assert any("YYYY-MM-DD" in p.message and p.line == 6 for p in problems)


def test_old_review_is_a_warning_not_an_error(tmp_path: Path) -> None:
    old = TINY_ARTICLE.replace("2026-01-15", "2024-01-15")
    k = load_knowledge(write_knowledge(tmp_path / "k", old), today=TODAY)
    assert k.errors == ()
    assert any("older than 12 months" in p.message for p in k.warnings)


def test_duplicate_id_is_an_error_and_duplicate_text_a_warning(tmp_path: Path) -> None:
    dup = TINY_ARTICLE.replace("<!-- id: tiny-nmda -->", "<!-- id: tiny-what -->")
    dup += "\n<!-- id: tiny-again -->\nKetamine is an anesthetic medicine used for decades.\n"
    k = load_knowledge(write_knowledge(tmp_path / "k", dup), today=TODAY)
    assert any("already used" in p.message for p in k.errors)
    assert any("same text" in p.message for p in k.warnings)


def test_passage_ids_do_not_change_when_other_passages_are_edited(tmp_path: Path) -> None:
    no_ids = TINY_ARTICLE.replace("<!-- id: tiny-nmda -->\n", "").replace(
        "<!-- id: tiny-serotonin -->\n", ""
    )
    before = load_knowledge(write_knowledge(tmp_path / "a", no_ids), today=TODAY)
    edited = no_ids.replace(
        "Ketamine blocks the NMDA receptor", "Ketamine is thought to block the NMDA receptor"
    )
    after = load_knowledge(write_knowledge(tmp_path / "b", edited), today=TODAY)
    assert before.passages[2].id == after.passages[2].id
    assert before.passages[0].id == after.passages[0].id == "tiny-what"


def test_orphan_question_and_text_before_heading_are_errors(tmp_path: Path) -> None:
    orphan = TINY_ARTICLE + "\n? A question with no paragraph\n"
    k = load_knowledge(write_knowledge(tmp_path / "a", orphan), today=TODAY)
    assert any("no paragraph after it" in p.message for p in k.errors)
    early = TINY_ARTICLE.replace("## What is ketamine?\n", "", 1)
    k = load_knowledge(write_knowledge(tmp_path / "b", early), today=TODAY)
    assert any("before any `## ` heading" in p.message for p in k.errors)


def test_synonym_in_two_groups_is_an_error(tmp_path: Path) -> None:
    k = load_knowledge(
        write_knowledge(tmp_path / "k", synonyms_txt="IV, intravenous\ndrip, iv\n"), today=TODAY
    )
    (problem,) = k.errors
    assert problem.line == 2 and "line 1" in problem.message


def test_example_contact_values_warn_and_are_shown_without_the_mark(tmp_path: Path) -> None:
    k = load_knowledge(
        write_knowledge(
            tmp_path / "k",
            clinic_txt=(
                "name: C\ncity: X\nphone: [example] 555\nemail: a@b.c\nbooking_url: https://b\n"
                "disclaimer: D\ncontact_prompt: P\n"
            ),
        ),
        today=TODAY,
    )
    assert k.errors == ()
    assert k.clinic.phone == "555" and "phone" in k.clinic.examples
    assert [p.line for p in k.warnings] == [3]


def test_missing_clinic_field_and_empty_crisis_list_are_errors(tmp_path: Path) -> None:
    k = load_knowledge(
        write_knowledge(
            tmp_path / "k", clinic_txt="name: C\n", crisis_phrases_txt="# nothing here\n"
        ),
        today=TODAY,
    )
    messages = " ".join(p.message for p in k.errors)
    assert "`phone` is missing" in messages
    assert "crisis list is empty" in messages


def test_uncovered_topic_needs_phrases_and_message(tmp_path: Path) -> None:
    k = load_knowledge(
        write_knowledge(tmp_path / "k", uncovered_topics_txt="[cost]\nphrases: cost\n"), today=TODAY
    )
    (problem,) = k.errors
    assert problem.line == 1 and "message:" in problem.message


def test_unreadable_file_and_missing_folder_are_located_errors(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    (folder / "articles" / "tiny.md").write_bytes(b"\xff\xfe bad")
    k = load_knowledge(folder, today=TODAY)
    assert any("UTF-8" in p.message for p in k.errors)
    k = load_knowledge(tmp_path / "nowhere", today=TODAY)
    assert "does not exist" in k.errors[0].message


def test_require_valid_raises_with_every_error(tmp_path: Path) -> None:
    k = load_knowledge(write_knowledge(tmp_path / "k", "not an article"), today=TODAY)
    with pytest.raises(KnowledgeError) as info:
        require_valid(k)
    assert "tiny.md:1:" in str(info.value)


def test_uncovered_topic_reads_example_questions(tmp_path: Path) -> None:
    text = "[cost]\nphrases: cost\n? how much is it\nmessage: Ask us.\n?   what do   you charge\n"
    topics, problems = parse_uncovered(text, "uncovered-topics.txt")
    assert problems == []
    assert topics[0].questions == ("how much is it", "what do you charge")


def test_uncovered_topic_example_before_any_topic_is_an_error(tmp_path: Path) -> None:
    _, problems = parse_uncovered("? how much\n[cost]\nphrases: cost\nmessage: Ask.\n", "u.txt")
    assert [(p.line, "before the first" in p.message) for p in problems] == [(1, True)]


def test_a_link_to_a_file_outside_the_folder_is_refused_without_its_lines(
    tmp_path: Path,
) -> None:
    folder = write_knowledge(tmp_path / "k")
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (folder / "clinic.txt").unlink()
    (folder / "clinic.txt").symlink_to(secret)
    k = load_knowledge(folder, today=TODAY)
    shown = "\n".join(str(p) for p in k.errors)
    assert f"{folder / 'clinic.txt'}:1: the file is a link to a file outside" in shown
    assert "root:" not in shown  # was: "expected `name: value`, found 'root:x:0:0:...'"


def test_a_link_to_a_file_inside_the_folder_is_read(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    (folder / "drafts").mkdir()
    (folder / "articles" / "tiny.md").rename(folder / "drafts" / "tiny.md")
    (folder / "articles" / "tiny.md").symlink_to(folder / "drafts" / "tiny.md")
    k = load_knowledge(folder, today=TODAY)
    assert k.errors == () and len(k.passages) == 4


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_pipe_or_socket_among_the_articles_is_a_located_error(tmp_path: Path, kind: str) -> None:
    folder = write_knowledge(tmp_path / "k")
    path = folder / "articles" / "odd.md"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
    loaded: list[Knowledge] = []
    reader = threading.Thread(target=lambda: loaded.append(load_knowledge(folder)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # free the reader that waits for a writer (before the fix)
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    if kind == "socket":
        listener.close()
    assert loaded, "loading waited for a writer"
    shown = [str(p) for p in loaded[0].errors]
    assert shown == [
        f"{path}:1: the file is not a regular file (a pipe, socket or device); "
        "replace it with a text file"
    ]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k", article="\ufeff" + TINY_ARTICLE)
    clinic = folder / "clinic.txt"
    clinic.write_text("\ufeff" + clinic.read_text(encoding="utf-8"), encoding="utf-8")
    k = load_knowledge(folder, today=TODAY)
    assert k.errors == () and len(k.passages) == 4  # was "must start with a `---` line"
    assert k.version == load_knowledge(write_knowledge(tmp_path / "plain"), today=TODAY).version
