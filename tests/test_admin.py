"""/admin: off without a token; 401 without or with a wrong token; the report when signed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.conftest import TINY_ARTICLE
from web.app import create_app
from web.settings import Settings

TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def admin_client(settings: Settings) -> TestClient:
    app = create_app(
        Settings(knowledge_dir=settings.knowledge_dir, db=settings.db, admin_token=TOKEN)
    )
    with TestClient(app) as client:
        yield client  # type: ignore[misc]


def test_admin_does_not_exist_without_a_token(client: TestClient) -> None:
    assert client.get("/admin", headers={"accept": "text/html"}).status_code == 404
    assert client.post("/admin/login", data={"token": "x" * 20}).status_code == 404


def test_missing_or_wrong_token_gets_401_and_the_sign_in_form(admin_client: TestClient) -> None:
    res = admin_client.get("/admin")
    assert res.status_code == 401
    assert BeautifulSoup(res.text, "html.parser").select_one("input#token[type=password]")
    wrong = admin_client.post("/admin/login", data={"token": "wrong-token-wrong-token"})
    assert wrong.status_code == 401 and "not right" in wrong.text
    assert admin_client.get("/admin", headers={"authorization": "Bearer nope"}).status_code == 401
    assert admin_client.post("/admin/reload").status_code == 401


def test_right_token_signs_in_with_a_strict_cookie_and_shows_the_report(
    admin_client: TestClient,
) -> None:
    admin_client.post("/api/ask", json={"question": "what does it cost, call (719) 555-0123"})
    admin_client.app.state.recorder.flush()  # type: ignore[attr-defined]
    res = admin_client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/admin"
    cookie = res.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN not in cookie
    page = admin_client.get("/admin")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    soup = BeautifulSoup(page.text, "html.parser")
    rows = [td.text for td in soup.select("table td")]
    assert "what does it cost, call [phone]" in rows
    assert TOKEN not in page.text


def test_bearer_header_works_for_scripts(admin_client: TestClient) -> None:
    res = admin_client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 200


def test_reload_now_shows_errors_and_keeps_serving(
    admin_client: TestClient, tiny_knowledge: Path
) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    (tiny_knowledge / "articles" / "tiny.md").write_text(TINY_ARTICLE.replace("title: ", "name: "))
    page = admin_client.post("/admin/reload", headers=auth)
    assert "still serving the last good version" in page.text
    assert "tiny.md:" in page.text
    (tiny_knowledge / "articles" / "tiny.md").write_text(TINY_ARTICLE + "\n")
    page = admin_client.post("/admin/reload", headers=auth)
    assert "Loaded a new version" in page.text


def test_short_admin_token_is_refused_at_start(tiny_knowledge: Path) -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(knowledge_dir=tiny_knowledge, admin_token="short")


def test_report_is_in_plain_words_with_passages_by_section_title(
    admin_client: TestClient,
) -> None:
    admin_client.post("/api/ask", json={"question": "how does ketamine work"})
    admin_client.post("/api/ask", json={"question": "what is the weather on mars"})
    admin_client.post(
        "/api/feedback", json={"passages": ["tiny-nmda"], "helpful": False, "question": "hm"}
    )
    admin_client.app.state.recorder.flush()  # type: ignore[attr-defined]
    page = admin_client.get("/admin", headers={"authorization": f"Bearer {TOKEN}"})
    soup = BeautifulSoup(page.text, "html.parser")
    cells = [td.text.strip() for td in soup.select("table td")]
    assert "Answered" in cells and "Not covered" in cells
    assert not {"answer", "no_answer", "tiny-nmda"} & set(cells)
    assert "marked “not helpful”" in cells
    link = soup.select_one("td[data-label=Passage] a")
    assert link.text == "How does it work?" and link["href"] == "/sources/tiny#tiny-nmda"
    assert "Tiny Article" in link.parent.text
    assert all(t.get("class") == ["cards"] for t in soup.select("table"))
    assert all(td.has_attr("data-label") for td in soup.select("td:not([colspan])"))
