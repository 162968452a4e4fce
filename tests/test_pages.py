"""The HTML pages, tested by parsing: chat without JavaScript, sources, errors, escaping."""

from __future__ import annotations

import zlib
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import TINY_CLINIC, write_knowledge
from web.app import create_app
from web.settings import Settings


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


def test_reply_leads_with_one_passage_and_folds_the_others_in_a_closed_details(
    client: TestClient,
) -> None:
    reply = soup(
        client.post("/", data={"question": "does ketamine affect serotonin and glutamate"}).text
    )
    box = reply.select_one("#log .msg.bot")
    assert box["data-kind"] == "answer"
    top = box.find_all("figure", recursive=False)
    assert len(top) == 1  # the best passage alone, outside the fold
    more = box.select_one("details.more")
    assert more is not None and not more.has_attr("open")
    assert more.select_one("summary").text.startswith("More from our articles")
    assert more.select("figure.passage")
    cite = top[0].select_one("figcaption a")
    assert cite["target"] == "_blank" and cite["rel"] == ["noopener"]
    assert "opens in a new tab" in cite.text


def test_contact_is_compact_call_email_book_buttons(client: TestClient) -> None:
    page = soup(client.post("/", data={"question": "what is the NMDA receptor"}).text)
    contact = page.select_one("#log .contact")
    labels = [a.find(string=True, recursive=False).strip() for a in contact.select("a.action")]
    assert labels == ["Call", "E-mail", "Book"]
    assert contact.select_one("a.action")["aria-label"] == "Call (555) 010-0000"
    assert "Not medical advice." in contact.select_one(".fine").text
    assert "Talk to our team." in contact.select_one(".fine").text


def test_spanish_message_gets_a_spanish_reply_marked_as_spanish(client: TestClient) -> None:
    page = soup(client.post("/", data={"question": "¿Cómo funciona la ketamina?"}).text)
    reply = page.select_one("#log .msg.bot")
    assert reply["lang"] == "es" and "solo responde en inglés" in reply.select_one(".message").text
    assert reply.select_one(".contact a")["href"] == "tel:5550100000"
    assert reply.select_one(".contact a.action").text.strip() == "Llamar"


def test_clear_conversation_control_appears_with_a_conversation(client: TestClient) -> None:
    assert soup(client.get("/").text).select_one("form#clear").has_attr("hidden")
    after = soup(client.post("/embed", data={"question": "serotonin"}).text).select_one(
        "form#clear"
    )
    assert not after.has_attr("hidden") and after["action"] == "/embed" and after["method"] == "get"


def test_widget_script_carries_the_clinic_name_and_colour(client: TestClient) -> None:
    res = client.get("/widget.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert '"__FAQBOT_CONFIG__"' not in res.text
    assert '{"name": "Test Clinic", "color": "#0b5cad"' in res.text


def test_brand_colour_logo_and_script_config_come_from_clinic_txt(tmp_path: Path) -> None:
    folder = write_knowledge(
        tmp_path / "k",
        clinic_txt=TINY_CLINIC.replace("name: Test Clinic", "name: A </script> Clinic")
        + "brand_color: #5a2d82\nlogo: logo.png\n",
    )
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    app = create_app(Settings(knowledge_dir=folder, db=tmp_path / "db.sqlite3"))
    with TestClient(app) as c:
        page = soup(c.get("/").text)
        assert page.select_one("link[href='/brand.css']") is not None
        assert page.select_one("header img.logo")["src"] == "/brand/logo"
        css = c.get("/brand.css")
        assert css.headers["content-type"].startswith("text/css") and "#5a2d82" in css.text
        logo = c.get("/brand/logo")
        assert logo.headers["content-type"] == "image/png" and logo.content.endswith(b"fake")
        script = c.get("/widget.js").text
        assert '"color": "#5a2d82"' in script and "A </script>" not in script
        assert "A \\u003c/script> Clinic" in script


def test_without_brand_settings_there_is_no_logo_or_brand_stylesheet(client: TestClient) -> None:
    page = soup(client.get("/").text)
    assert (
        page.select_one("link[href='/brand.css']") is None and page.select_one("img.logo") is None
    )
    assert client.get("/brand/logo", headers={"accept": "text/html"}).status_code == 404


def test_the_site_icon_is_an_ico_in_the_clinics_colour(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k", clinic_txt=TINY_CLINIC + "brand_color: #7a1f5c\n")
    with TestClient(create_app(Settings(knowledge_dir=folder, db=tmp_path / "s.db"))) as c:
        res = c.get("/favicon.ico")
    assert res.status_code == 200
    assert res.headers["content-type"] == "image/vnd.microsoft.icon"
    assert res.content[:6] == b"\0\0\1\0\1\0"  # an icon file holding one image
    png = res.content[22:]
    assert png.startswith(b"\x89PNG")
    idat = png.index(b"IDAT")
    size = int.from_bytes(png[idat - 4 : idat], "big")
    raw = zlib.decompress(png[idat + 4 : idat + 4 + size])
    row = 16 * (1 + 32 * 4)  # the middle row: a filter byte, then 32 RGBA pixels
    assert raw[row + 1 + 4 * 4 : row + 1 + 4 * 4 + 4] == bytes([0x7A, 0x1F, 0x5C, 255])


def test_pages_name_the_icon(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/").text, "html.parser")
    assert page.select_one("link[rel=icon]")["href"] == "/favicon.ico"
