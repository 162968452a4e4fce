"""The faqbot command line: check, ask, eval."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.store import Unanswered
from tests.conftest import (
    SHARED,
    SHIPPED_KNOWLEDGE,
    TINY_ARTICLE,
    TINY_CLINIC,
    needs_shared,
    write_knowledge,
)
from web.cli import main

DEV_SET = SHARED / "eval" / "questions.jsonl"


def test_check_passes_on_the_shipped_knowledge_with_example_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--knowledge", str(SHIPPED_KNOWLEDGE)]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out and "example value" in out


def test_check_fails_with_a_located_message_after_breaking_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, folder)
    article = next((folder / "articles").glob("*.md"))
    article.write_text(article.read_text().replace("reviewed_on: ", "reviewed_on: soon "))
    assert main(["check", "--knowledge", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{article}:5: `reviewed_on` must be a date" in out
    assert "Traceback" not in out


def test_ask_json_answers_how_ketamine_works_with_the_nmda_passage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["ask", "how does ketamine work", "--json", "--knowledge", str(SHIPPED_KNOWLEDGE)])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "answer" and data["passages"][0]["id"] == "glutamate-nmda"


def test_ask_side_effects_is_no_answer(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "ask",
            "what are the side effects of ketamine",
            "--json",
            "--knowledge",
            str(SHIPPED_KNOWLEDGE),
        ]
    )
    assert json.loads(capsys.readouterr().out)["kind"] == "no_answer"


def test_ask_prints_citation_disclaimer_and_contact(capsys: pytest.CaptureFixture[str]) -> None:
    main(["ask", "what is BDNF", "--knowledge", str(SHIPPED_KNOWLEDGE)])
    out = capsys.readouterr().out
    assert "brain-derived neurotrophic factor" in out and "reviewed 2026-" in out
    assert "not medical advice" in out and "Colorado Ketamine:" in out


def test_ask_with_broken_knowledge_exits_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "hi", "--knowledge", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


@needs_shared(DEV_SET)
def test_eval_json_meets_the_targets_on_the_development_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "eval",
            str(DEV_SET),
            "--json",
            "--knowledge",
            str(SHIPPED_KNOWLEDGE),
            "--min-routing",
            "0.95",
            "--min-hit1",
            "0.90",
            "--max-crisis-fp",
            "0",
            "--min-crisis-recall",
            "1",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0, data["failures"]
    assert {
        "routing",
        "routing_by_kind",
        "hit1",
        "hit3",
        "mrr",
        "crisis_recall",
        "crisis_fp_rate",
        "failures",
    } <= set(data)


@needs_shared(DEV_SET)
def test_eval_exits_1_when_a_threshold_is_missed(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["eval", str(DEV_SET), "--knowledge", str(SHIPPED_KNOWLEDGE), "--min-hit1", "1.01"])
        == 1
    )
    assert "threshold missed: hit@1" in capsys.readouterr().err


def test_eval_reports_a_malformed_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"question": "hi", "expect": "smalltalk"}\n{oops\n')
    assert main(["eval", str(bad), "--knowledge", str(SHIPPED_KNOWLEDGE)]) == 2
    assert f"{bad}:2: not valid JSON" in capsys.readouterr().err


def test_report_lists_unanswered_questions_and_votes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.store import Store, sqlite_dialect

    db = tmp_path / "store.sqlite3"
    monkeypatch.setenv("FAQBOT_DB", str(db))
    store = Store(sqlite_dialect(db))
    store.record_unanswered("what does it cost", ["cost"], "no_answer")
    store.record_unanswered("cost?", ["cost"], "no_answer")
    store.record_vote(["glutamate-nmda"], helpful=False)
    store.record_reply("no_answer")
    assert main(["report", "--since", "7d", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unanswered"][0]["count"] == 2
    assert data["votes"] == [{"passage": "glutamate-nmda", "helpful": 0, "not_helpful": 1}]
    assert main(["report"]) == 0
    assert "2 x  cost?" in capsys.readouterr().out
    assert main(["report", "--since", "soon"]) == 2
    assert "not a period" in capsys.readouterr().err


PLANTED = (
    "what does it cost"
    "\x1b[2J\x1b[H"  # clear the screen
    "\x1b]0;pwned\x07"  # set the window title
    "\x9b31m"  # C1 CSI: red
    "\u202egnp.exe\x7f "  # right-to-left override, DEL
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"  # a hyperlink (redacted to [url])
)


def test_report_shows_control_characters_visitors_typed_as_escapes(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Through the API such a question keeps its topic words only (bot/redaction.py `for_staff`:
    # "2j", "pwned" are not words of the knowledge); a question of known words can still carry
    # escapes, and the report must show whatever a row holds escaped. So the row is written as
    # the recorder writes one.
    store = client.app.state.recorder.store  # type: ignore[attr-defined]
    store.write(unanswered=[Unanswered(PLANTED, ("cost",), "not_helpful")])
    monkeypatch.setenv("FAQBOT_DB", str(client.app.state.settings.db))  # type: ignore[attr-defined]
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert "what does it cost\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07" in out
    assert "\\x9b31m\\u202egnp.exe\\x7f" in out
    assert main(["report", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.isascii() and not re.search("[\x00-\x09\x0b-\x1f\x7f]", out)
    (group,) = json.loads(out)["unanswered"]
    assert group["example"].startswith(PLANTED[:40])  # the same text, escaped only


def test_eval_folds_reports_cross_validated_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_knowledge(tmp_path / "k")
    questions = tmp_path / "set.jsonl"
    questions.write_text(
        "\n".join(
            [
                '{"question": "what receptor does ketamine block", "expect": "answer",'
                ' "answer_contains": ["NMDA"]}',
                '{"question": "i want to end my life", "expect": "crisis"}',
                '{"question": "good evening", "expect": "smalltalk"}',
                '{"question": "can i stop my lexapro", "expect": "medical_advice"}',
            ]
        )
    )
    assert main(["eval", str(questions), "--knowledge", str(folder), "--folds", "2"]) == 0
    assert "4 questions from" in (out := capsys.readouterr().out)
    assert "cross-validated over 2 folds" in out
    assert main(["eval", str(questions), "--knowledge", str(folder), "--folds", "9"]) == 2
    assert "--folds must be between 2 and 4" in capsys.readouterr().err


def test_check_warns_when_an_example_question_does_not_get_its_passage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = TINY_ARTICLE.replace(
        "? What kind of medicine is ketamine?",
        "? What kind of medicine is ketamine?\n? is it for people thinking about ending my life",
    )
    folder = write_knowledge(tmp_path / "k", article)
    assert main(["check", "--knowledge", str(folder)]) == 0
    out = capsys.readouterr().out
    assert (
        "tiny.md:14: warning: the example question 'is it for people thinking about ending "
        "my life' gets a crisis reply" in out
    )


def test_check_refuses_examples_too_few_to_learn_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_knowledge(tmp_path / "k", examples_smalltalk_txt="hi\nhello\n")
    assert main(["check", "--knowledge", str(folder)]) == 1
    assert "only 2 small-talk messages" in capsys.readouterr().out


def test_check_refuses_a_brand_colour_white_text_cannot_be_read_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_knowledge(tmp_path / "k", clinic_txt=TINY_CLINIC + "brand_color: #8fbcdb\n")
    assert main(["check", "--knowledge", str(folder)]) == 1
    out = capsys.readouterr().out
    line = TINY_CLINIC.count("\n") + 1
    assert f"clinic.txt:{line}: `brand_color` #8fbcdb is too light" in out
    assert "WCAG AA" in out and "Traceback" not in out


def test_a_passing_gate_lists_its_misses_under_a_plain_heading_not_as_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_knowledge(tmp_path / "k")
    questions = tmp_path / "set.jsonl"
    questions.write_text(
        '{"id": "q1", "question": "hello there", "expect": "smalltalk"}\n'
        '{"id": "q2", "question": "hello there", "expect": "no_answer"}\n',
        encoding="utf-8",
    )
    assert main(["eval", str(questions), "--knowledge", str(folder), "--min-routing", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "\nAnswered otherwise than expected (1):\n  q2: 'hello there' expected no_answer" in out
    assert not [line for line in out.splitlines() if line.startswith("FAIL")]
