"""Feedback and unanswered questions through the web app, with the privacy rules."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot.redaction import TOPIC_ONLY
from bot.store import Store, StoreReport, sqlite_dialect
from tests.conftest import broken_store_app, write_knowledge
from web.app import create_app
from web.routes import STORE_FAILING
from web.settings import Settings


def report(client: TestClient) -> StoreReport:
    recorder = client.app.state.recorder  # type: ignore[attr-defined]
    recorder.flush()
    return recorder.store.report(timedelta(days=1))  # type: ignore[no-any-return]


def test_no_answer_question_is_stored_as_written_when_nothing_personal_is_in_it(
    client: TestClient,
) -> None:
    client.post("/api/ask", json={"question": "what does it cost"})
    (group,) = report(client).unanswered
    assert group.example == "what does it cost"
    assert group.reasons == ("no_answer",)


def test_a_question_with_contact_details_keeps_topic_words_only(client: TestClient) -> None:
    client.post("/api/ask", json={"question": "what does it cost? my number is (719) 555-0123"})
    (group,) = report(client).unanswered
    assert group.example.startswith(TOPIC_ONLY)
    assert not any(c.isdigit() for c in group.example + group.terms)


def test_keeping_questions_can_be_turned_off(tmp_path: Path, tiny_knowledge: Path) -> None:
    settings = Settings(
        knowledge_dir=tiny_knowledge, db=tmp_path / "s.sqlite3", keep_questions=False
    )
    with TestClient(create_app(settings)) as off:
        off.post("/api/ask", json={"question": "what does it cost"})
        off.post(
            "/api/feedback",
            json={"passages": ["tiny-nmda"], "helpful": False, "question": "what is NMDA"},
        )
        r = report(off)
    assert r.unanswered == []
    assert r.replies_by_kind == {"no_answer": 1} and r.votes[0].not_helpful == 1


def test_stored_terms_come_from_the_redacted_question(client: TestClient) -> None:
    client.post(
        "/api/ask", json={"question": "my name is Jane Doe, what does it cost? 719 555 0123"}
    )
    client.post(
        "/api/feedback",
        json={"passages": ["tiny-nmda"], "helpful": False, "question": "im called Bob Ray, cost?"},
    )
    terms = " ".join(g.terms for g in report(client).unanswered)
    for personal in ("jane", "doe", "bob", "ray", "719", "555", "0123"):
        assert personal not in terms.split()


def test_answered_crisis_and_medical_messages_are_never_stored(client: TestClient) -> None:
    for question in (
        "what is the NMDA receptor",
        "I want to kill myself",
        "should I stop taking my zoloft",
        "hello",
    ):
        assert client.post("/api/ask", json={"question": question}).status_code == 200
    r = report(client)
    assert r.unanswered == []
    assert r.replies_by_kind == {"answer": 1, "crisis": 1, "medical_advice": 1, "smalltalk": 1}


def test_helpful_vote_is_stored_per_passage(client: TestClient) -> None:
    res = client.post("/api/feedback", json={"passages": ["tiny-nmda", "nope"], "helpful": True})
    assert res.status_code == 200 and res.json() == {"stored": True}
    assert [(v.passage, v.helpful) for v in report(client).votes] == [("tiny-nmda", 1)]


def test_not_helpful_vote_keeps_the_redacted_question(client: TestClient) -> None:
    client.post(
        "/api/feedback",
        json={
            "passages": ["tiny-nmda"],
            "helpful": False,
            "question": "hi im Ann Lee, what is NMDA",
        },
    )
    (group,) = report(client).unanswered
    assert group.example == f"{TOPIC_ONLY} nmda"
    assert group.reasons == ("not_helpful",)


def test_not_helpful_vote_on_a_crisis_message_keeps_no_text(client: TestClient) -> None:
    client.post(
        "/api/feedback",
        json={"passages": ["tiny-nmda"], "helpful": False, "question": "i want to die"},
    )
    r = report(client)
    assert r.unanswered == [] and r.votes[0].not_helpful == 1


def test_feedback_with_bad_input_is_a_422(client: TestClient) -> None:
    for body in (
        {"passages": [], "helpful": True},
        {"passages": ["a"]},
        {"passages": ["a"], "helpful": True, "question": "x" * 501},
    ):
        res = client.post("/api/feedback", json=body)
        assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_request"


def test_feedback_form_without_javascript_thanks_the_visitor(client: TestClient) -> None:
    page = BeautifulSoup(client.post("/", data={"question": "what is NMDA"}).text, "html.parser")
    form = page.select_one("form.feedback")
    fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert fields == {"question": "what is NMDA", "passage": "tiny-nmda"}
    res = client.post("/feedback", data={**fields, "helpful": "yes"})
    notice = BeautifulSoup(res.text, "html.parser").select_one(".notice")
    assert "Thank you" in notice.text
    assert report(client).votes[0].helpful == 1


def test_broken_store_never_breaks_a_reply_and_shows_in_health(tmp_path: Path) -> None:
    app = broken_store_app(tmp_path)
    with TestClient(app) as client:
        res = client.post("/api/ask", json={"question": "what does it cost"})
        assert res.status_code == 200 and res.json()["kind"] == "no_answer"
        app.state.recorder.flush()
        store = client.get("/api/health").json()["store"]
        assert store["status"] == "failing" and store["last_error"] == STORE_FAILING
        assert str(tmp_path) not in client.get("/api/health").text  # the error's text is not public
        assert "cannot open" in app.state.recorder.status().last_error  # for staff and the log
        vote = client.post("/api/feedback", json={"passages": ["tiny-nmda"], "helpful": True})
        assert vote.status_code == 503 and vote.json()["error"]["code"] == "store_unavailable"
        page = client.post("/feedback", data={"passage": "tiny-nmda", "helpful": "no"})
        assert "couldn't save" in BeautifulSoup(page.text, "html.parser").select_one(".notice").text


def test_recorder_purges_old_records_when_it_starts(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite3"
    Store(sqlite_dialect(db)).record_unanswered(
        "old", ["old"], "no_answer", now=time.time() - 100 * 86_400
    )
    folder = write_knowledge(tmp_path / "k")
    with TestClient(create_app(Settings(knowledge_dir=folder, db=db))) as client:
        client.app.state.recorder.flush()  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while report(client).unanswered:
            assert time.monotonic() < deadline, "old records were not purged at start"
            time.sleep(0.05)
