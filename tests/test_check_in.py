"""The crisis check-in in the web app: the API's `safe` flag, the page's "I'm safe" form, and
that neither the check-in nor the reply it held back is ever kept for staff.

A staff crisis phrase (`crisis-phrases.txt`) gives the check-in level (`bot.safety.RULES`), so
these tests get one reliably over a tiny knowledge folder.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from bot.answer import CHECK_IN_MESSAGE
from bot.store import StoreReport
from tests.conftest import write_knowledge
from web.app import create_app
from web.settings import Settings

CHECK_IN = "No way out. How does ketamine work?"  # held back: an answer (tiny-nmda)
CHECK_IN_UNCOVERED = "no way out. what does it cost"  # held back: a no-answer, keepable alone
CHECK_IN_ES = "Sin salida. ¿Cómo funciona la ketamina?"
SAFE_BUTTON = "I'm safe — show me the answer"
HTML = {"accept": "text/html"}


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return write_knowledge(tmp_path / "k", crisis_phrases_txt="no way out\nsin salida\n")


def settings_for(knowledge: Path, **overrides: object) -> Settings:
    return Settings(
        knowledge_dir=knowledge,
        data_dir=knowledge.parent / "data",
        db=knowledge.parent / "store.sqlite3",
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(knowledge: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(knowledge)), raise_server_exceptions=False) as c:
        yield c


def report(client: TestClient) -> StoreReport:
    recorder = client.app.state.recorder  # type: ignore[attr-defined]
    recorder.flush()
    return recorder.store.report(timedelta(days=1))  # type: ignore[no-any-return]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def log_items(html: str) -> list[Tag]:
    log = soup(html).select_one("#log")
    assert log is not None
    return log.find_all("div", recursive=False)


# The API


def test_a_check_in_gives_resources_first_and_holds_the_reply_back(client: TestClient) -> None:
    data = client.post("/api/ask", json={"question": CHECK_IN}).json()
    assert (data["kind"], data["level"], data["language"]) == ("crisis", "check_in", "en")
    assert data["message"] == CHECK_IN_MESSAGE and "Are you safe right now?" in data["message"]
    assert data["resources"][0]["href"] == "tel:988"
    assert data["passages"] == [] and data["contact"] is None
    held = data["held"]
    assert held["kind"] == "answer" and held["passages"][0]["id"] == "tiny-nmda"
    assert held["question"] == CHECK_IN and held["level"] is None and held["held"] is None


def test_ask_with_safe_gives_the_held_reply_at_once(client: TestClient) -> None:
    check_in = client.post("/api/ask", json={"question": CHECK_IN}).json()
    safe = client.post("/api/ask", json={"question": CHECK_IN, "safe": True})
    assert safe.status_code == 200 and safe.headers["cache-control"] == "no-store"
    assert safe.json() == check_in["held"]


def test_safe_leaves_other_replies_as_they_are(client: TestClient) -> None:
    for question in ("i want to end my life", "what is the NMDA receptor", "hello"):
        plain = client.post("/api/ask", json={"question": question}).json()
        assert client.post("/api/ask", json={"question": question, "safe": True}).json() == plain
    crisis = client.post("/api/ask", json={"question": "i want to end my life", "safe": True})
    assert crisis.json()["kind"] == "crisis" and crisis.json()["level"] == "clear"


@pytest.mark.parametrize("safe", ["yes", 1, None, "true"])
def test_safe_must_be_true_or_false(client: TestClient, safe: object) -> None:
    res = client.post("/api/ask", json={"question": CHECK_IN, "safe": safe})
    assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_request"


def test_the_schema_documents_safe_level_and_held(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    safe = schemas["AskRequest"]["properties"]["safe"]
    assert safe["type"] == "boolean" and safe["default"] is False
    assert "check-in" in safe["description"]
    answer = schemas["Answer"]["properties"]
    assert {"level", "held"} <= set(answer)


def test_check_ins_count_as_crisis_and_nothing_after_safe_is_counted_or_kept(
    client: TestClient, knowledge: Path
) -> None:
    # Alone, the uncovered question would be kept for staff (the control).
    assert client.post("/api/ask", json={"question": "what does it cost"}).json()["kind"] == (
        "no_answer"
    )
    for question in (CHECK_IN_UNCOVERED, CHECK_IN):
        assert client.post("/api/ask", json={"question": question}).json()["level"] == "check_in"
        safe = client.post("/api/ask", json={"question": question, "safe": True}).json()
        assert safe["kind"] in ("no_answer", "answer")
        page = client.post("/", data={"question": question, "safe": "1"}, headers=HTML)
        assert page.status_code == 200
    r = report(client)
    assert r.replies_by_kind == {"crisis": 2, "no_answer": 1}
    assert [g.example for g in r.unanswered] == ["what does it cost"]
    with sqlite3.connect(knowledge.parent / "store.sqlite3") as conn:
        kept = [q for (q,) in conn.execute("SELECT question FROM unanswered")]
    assert kept == ["what does it cost"]


def test_a_check_in_asked_through_the_page_is_counted_as_crisis_and_not_kept(
    client: TestClient,
) -> None:
    client.post("/", data={"question": CHECK_IN_UNCOVERED}, headers=HTML)
    r = report(client)
    assert r.replies_by_kind == {"crisis": 1} and r.unanswered == []


# The page without JavaScript


def test_check_in_page_shows_the_message_resources_then_an_im_safe_button(
    client: TestClient,
) -> None:
    question = 'no way out "><script>alert(1)</script> how does it work'
    res = client.post("/", data={"question": question}, headers=HTML)
    assert "<script>alert(1)" not in res.text
    _, reply = log_items(res.text)
    assert reply["data-kind"] == "crisis" and reply["data-level"] == "check_in"
    assert reply.select_one(".who").text == "Checking in with you"
    parts = [c for c in reply.children if isinstance(c, Tag)]
    names = [(c.name, c.get("class")) for c in parts]
    assert names == [
        ("p", ["who"]),
        ("p", ["message"]),
        ("ul", ["resources"]),
        ("form", ["check-in"]),
    ]
    assert "Are you safe right now?" in reply.select_one(".message").text
    assert reply.select_one(".resources a")["href"] == "tel:988"
    form = reply.select_one("form.check-in")
    assert form["method"] == "post" and form["action"] == "/"
    fields = form.select("input, textarea, select, button")
    assert [(f.name, f.get("type"), f.get("name")) for f in fields] == [
        ("input", "hidden", "question"),
        ("button", "submit", "safe"),
    ]
    assert fields[0]["value"] == question  # escaped in the page, the same text once parsed
    button = fields[1]
    assert button["value"] == "1" and button.text == SAFE_BUTTON
    assert not reply.select(".passage, .contact, .feedback")


def test_posting_safe_shows_the_check_in_then_the_held_answer_without_a_vote(
    client: TestClient,
) -> None:
    res = client.post("/", data={"question": CHECK_IN, "safe": "1"}, headers=HTML)
    assert res.status_code == 200 and res.headers["cache-control"] == "no-store"
    asked, check_in, said, answer = log_items(res.text)
    assert "You asked" in asked.text and CHECK_IN in asked.text
    assert check_in["data-level"] == "check_in" and check_in.select(".resources a")
    assert not check_in.select("form")  # answered: the button is gone
    assert said["class"] == ["msg", "visitor"] and "I'm safe" in said.text
    assert answer["data-kind"] == "answer" and not answer.has_attr("data-level")
    cite = answer.select_one("figcaption a")
    assert cite["href"] == "/sources/tiny#tiny-nmda"
    assert not answer.select("form.feedback")  # a vote would be stored
    assert answer.select(".contact a")


def test_safe_never_softens_a_clear_crisis_on_the_page(client: TestClient) -> None:
    res = client.post("/", data={"question": "i want to end my life", "safe": "1"}, headers=HTML)
    _, reply = log_items(res.text)
    assert reply["data-level"] == "clear" and reply.select_one(".who").text == (
        "Please reach out now"
    )
    assert not reply.select("form") and not reply.select(".passage")


def test_check_in_works_at_embed_and_posts_to_it(client: TestClient) -> None:
    _, reply = log_items(client.post("/embed", data={"question": CHECK_IN}, headers=HTML).text)
    assert reply.select_one("form.check-in")["action"] == "/embed"
    res = client.post("/embed", data={"question": CHECK_IN, "safe": "1"}, headers=HTML)
    assert soup(res.text).select_one("body")["class"] == ["chat", "embed"]
    assert log_items(res.text)[-1]["data-kind"] == "answer"


def test_spanish_check_in_reads_in_spanish_before_and_after_safe(client: TestClient) -> None:
    _, reply = log_items(client.post("/", data={"question": CHECK_IN_ES}, headers=HTML).text)
    assert reply["lang"] == "es" and reply["data-level"] == "check_in"
    assert reply.select_one(".who").text == "Queremos saber cómo está"
    assert "¿está a salvo ahora mismo?" in reply.select_one(".message").text
    assert reply.select_one(".resources a")["href"] == "tel:988"
    assert reply.select_one("form.check-in button").text == "Estoy a salvo — muéstreme la respuesta"
    res = client.post("/", data={"question": CHECK_IN_ES, "safe": "1"}, headers=HTML)
    *_, said, held = log_items(res.text)
    assert said.select_one("p[lang=es]").text == "Estoy a salvo"
    assert held["lang"] == "es" and "solo responde en inglés" in held.select_one(".message").text


def test_safe_post_from_another_site_is_refused_and_nothing_is_counted(
    client: TestClient,
) -> None:
    data = {"question": CHECK_IN, "safe": "1"}
    res = client.post("/", data=data, headers={**HTML, "sec-fetch-site": "cross-site"})
    assert res.status_code == 403
    embed = client.post("/embed", data=data, headers={**HTML, "origin": "https://evil.example"})
    assert embed.status_code == 403
    assert report(client).replies_by_kind == {}


def test_safe_post_is_rate_limited(knowledge: Path) -> None:
    limited = settings_for(knowledge, rate_limit_per_minute=6, rate_limit_burst=2)
    with TestClient(create_app(limited)) as client:
        data = {"question": CHECK_IN, "safe": "1"}
        codes = [client.post("/", data=data, headers=HTML).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
