"""The HTML pages, tested by parsing: chat without JavaScript, sources, errors, escaping."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_chat_page_has_labelled_input_live_log_crisis_link_and_disclaimer(
    client: TestClient,
) -> None:
    res = client.get("/")
    assert res.status_code == 200
    page = soup(res.text)
    log = page.select_one("#log")
    assert log is not None and log["role"] == "log" and log["aria-live"] == "polite"
    assert page.select_one("label[for=question]") is not None
    assert page.select_one("input#question")["maxlength"] == "500"
    assert page.select_one("header a.crisis-link")["href"] == "tel:988"
    assert "Educational only" in page.select_one("footer .disclaimer").text
    assert "personal health details" in page.select_one(".privacy").text
    assert page.select_one("form#ask")["method"] == "post"
    assert page.select("script[src='/static/chat.js']") and not page.select("script:not([src])")


def test_form_post_renders_the_cited_passage_disclaimer_and_contact(client: TestClient) -> None:
    page = soup(client.post("/", data={"question": "what is the NMDA receptor"}).text)
    reply = page.select_one("#log .msg.bot")
    assert reply is not None and reply["data-kind"] == "answer"
    assert "blocks the NMDA receptor" in reply.select_one("blockquote").text
    cite = reply.select_one("figcaption a")
    assert cite["href"] == "/sources/tiny#tiny-nmda" and "Tiny Article" in cite.text
    assert "Reviewed 2026-01-15" in reply.select_one("figcaption").text
    links = [a["href"] for a in reply.select(".contact a")]
    assert links == ["tel:5550100000", "mailto:hello@example.org", "https://example.org/book"]
    assert all(b["name"] == "question" for b in reply.select(".follow-ups button"))


def test_form_post_crisis_reply_has_tap_to_call_and_text_links(client: TestClient) -> None:
    page = soup(client.post("/", data={"question": "I want to kill myself"}).text)
    reply = page.select_one(".msg.kind-crisis")
    hrefs = [a["href"] for a in reply.select(".resources a")]
    assert "tel:988" in hrefs and "sms:988" in hrefs and "sms:741741?body=HOME" in hrefs
    assert not reply.select(".passage") and not reply.select(".contact")


def test_form_post_no_answer_says_so_with_examples_and_contact(client: TestClient) -> None:
    page = soup(client.post("/", data={"question": "what are the side effects"}).text)
    reply = page.select_one(".msg.kind-no_answer")
    assert "side effects" in reply.select_one(".message").text
    assert reply.select(".suggestions button") and reply.select(".contact a")


def test_empty_form_post_shows_a_friendly_inline_note(client: TestClient) -> None:
    res = client.post("/", data={"question": "  "})
    assert res.status_code == 422
    note = soup(res.text).select_one("#note")
    assert note is not None and not note.has_attr("hidden") and "type a question" in note.text
    too_long = soup(client.post("/", data={"question": "x" * 501}).text).select_one("#note")
    assert "500 characters" in too_long.text


def test_visitor_text_is_escaped(client: TestClient) -> None:
    res = client.post("/", data={"question": "<script>alert(1)</script> ketamine"})
    assert "<script>alert(1)</script>" not in res.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.text
    page = soup(res.text)
    assert page.select_one(".msg.visitor").text.count("<script>alert(1)</script>") == 1
    assert not page.select("script:not([src])")


def test_embed_page_posts_to_itself(client: TestClient) -> None:
    page = soup(client.get("/embed").text)
    assert page.select_one("form#ask")["action"] == "/embed"
    assert page.select_one("body")["class"] == ["chat", "embed"]
    reply = soup(client.post("/embed", data={"question": "serotonin"}).text)
    assert reply.select_one(".msg.bot")["data-kind"] == "answer"


def test_source_page_shows_the_whole_article_with_passage_anchors(client: TestClient) -> None:
    page = soup(client.get("/sources/tiny").text)
    assert page.select_one("h1").text == "Tiny Article"
    assert [p["id"] for p in page.select(".source-passage")] == [
        "tiny-what",
        "tiny-nmda",
        "tiny-serotonin",
        "tiny-bipolar",
    ]
    assert "Dr Test" in page.select_one(".meta").text


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    for path in ("/nowhere", "/sources/unknown-article"):
        res = client.get(path, headers={"accept": "text/html"})
        assert res.status_code == 404
        page = soup(res.text)
        assert page.select_one("h1").text == "Page not found"
        assert page.select_one("main a")["href"] == "/"


def test_api_docs_page_lists_the_operations(client: TestClient) -> None:
    page = soup(client.get("/docs").text)
    titles = [h.text for h in page.select(".operation h2")]
    assert any("POST /api/ask" in t for t in titles) and any("GET /api/health" in t for t in titles)


def test_shipped_knowledge_answers_how_ketamine_works(shipped_client: TestClient) -> None:
    page = soup(shipped_client.post("/", data={"question": "how does ketamine work?"}).text)
    first = page.select_one(".msg.bot .passage")
    assert "N-methyl-D-aspartate (NMDA)" in first.select_one("blockquote").text
    assert (
        first.select_one("a")["href"] == "/sources/understanding-ketamine-infusions#glutamate-nmda"
    )
