"""The public forms take posts from the chat's own pages only, and what a post shows back (the
question) is never cached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from web.origin import same_origin

HTML = {"accept": "text/html"}


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("https://chat.example.com", "chat.example.com", True),
        ("https://chat.example.com", "chat.example.com:443", True),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
        ("http://127.0.0.1:8001", "127.0.0.1:8000", False),
        ("https://evil.example", "chat.example.com", False),
        ("https://chat.example.com.evil.example", "chat.example.com", False),
        ("null", "chat.example.com", False),
        ("", "chat.example.com", False),
        ("https://[::1", "chat.example.com", False),
    ],
)
def test_same_origin_compares_host_and_port(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host) is same


def stored(client: TestClient) -> tuple[int, int]:
    """Questions and votes in the store."""
    recorder = client.app.state.recorder  # type: ignore[attr-defined]
    recorder.flush()
    report = recorder.store.report(timedelta(days=1))
    return len(report.unanswered), sum(v.helpful + v.not_helpful for v in report.votes)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null", "sec-fetch-site": "cross-site"},  # a sandboxed frame elsewhere
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "https://www.testserver"},
    ],
)
def test_a_form_posted_from_another_site_is_refused_and_nothing_is_stored(
    client: TestClient, headers: dict[str, str]
) -> None:
    question = {"question": "planted words for the staff report"}
    page = client.post("/", data=question, headers={**HTML, **headers})
    vote = {"helpful": "no", "passage": "tiny-nmda", "question": "planted words"}
    api = client.post("/feedback", data=vote, headers=headers)
    assert (page.status_code, api.status_code) == (403, 403)
    assert "chat's own page" in BeautifulSoup(page.text, "html.parser").get_text()
    assert api.json()["error"]["code"] == "cross_origin"
    assert stored(client) == (0, 0)


def test_a_form_posted_from_the_chats_own_page_is_taken(client: TestClient) -> None:
    own = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
    assert client.post("/", data={"question": "what does it cost"}, headers=own).status_code == 200
    # Our pages ask for no referrer, so browsers send `Origin: null` with our own forms.
    no_referrer = {"origin": "null", "sec-fetch-site": "same-origin"}
    vote = {"helpful": "no", "passage": "tiny-nmda", "question": "what is NMDA"}
    assert client.post("/feedback", data=vote, headers=no_referrer).status_code == 200
    assert client.post("/embed", data={"question": "hello"}).status_code == 200  # no headers
    assert stored(client) == (2, 1)


def test_replies_that_show_a_question_are_never_cached(client: TestClient) -> None:
    posted = client.post("/", data={"question": "what does it cost"}, headers=HTML)
    voted = client.post("/feedback", data={"helpful": "yes", "passage": "tiny-nmda"})
    asked = client.post("/api/ask", json={"question": "what does it cost"})
    for reply in (posted, voted, asked):
        assert reply.headers["cache-control"] == "no-store"
    assert client.get("/", headers=HTML).headers.get("cache-control") != "no-store"
