"""Hostile text: any Unicode never raises and gives the same reply twice; over HTTP it gets a
200 or a clear 4xx."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analysis import Analyzer
from bot.assistant import Assistant
from bot.safety import RULES
from tests.conftest import SHIPPED_KNOWLEDGE
from web.app import create_app
from web.settings import Settings

BOT = Assistant.from_folder(SHIPPED_KNOWLEDGE)
HOSTILE = st.one_of(
    st.text(max_size=600),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.sampled_from(
        [
            "\x00",
            "\u202e\u202dketamine",
            "\u200b" * 50,
            "🙂" * 300,
            "ا" * 100 + " NMDA",
            "a" * 500,
            "k" * 10_000,
            "\ud800",
            "\n\r\t" * 50,
            "<script>alert(1)</script>",
            "ketamine " * 100,
            "ｋｅｔａｍｉｎｅ",
            "K\u0301etamine",
            "%s%n%x",
            "' OR 1=1 --",
        ]
    ),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(HOSTILE)
def test_analyzer_never_raises_and_is_deterministic(text: str) -> None:
    analyzer = BOT.retriever.analyzer
    assert (
        analyzer.terms(text)
        == analyzer.terms(text)
        == Analyzer(g.terms for g in BOT.knowledge.synonyms).terms(text)
    )


@FAST
@given(HOSTILE)
def test_safety_rules_never_raise(text: str) -> None:
    message, _ = BOT.read(text)
    for _, rule in RULES:
        assert rule(message) in (True, False)


@FAST
@given(HOSTILE)
def test_assistant_gives_the_same_reply_twice(text: str) -> None:
    first, second = BOT.ask(text), BOT.ask(text)
    assert first == second
    assert first.kind in ("answer", "no_answer", "crisis", "medical_advice", "smalltalk")


@FAST
@given(st.lists(st.text(max_size=30), max_size=20))
def test_engine_ranks_any_token_list(tokens: list[str]) -> None:
    hits = BOT.retriever.index.top(tokens, k=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.score > 0 for h in hits)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    db = tmp_path_factory.mktemp("store") / "s.sqlite3"
    app = create_app(
        Settings(knowledge_dir=SHIPPED_KNOWLEDGE, db=db, rate_limit_per_minute=0, reload_interval=0)
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client  # type: ignore[misc]


@FAST
@given(HOSTILE)
def test_http_answers_any_text_with_200_or_a_clear_4xx(http: TestClient, text: str) -> None:
    # Sent as raw bytes, lone surrogates included, the way a hostile client could.
    body = json.dumps({"question": text}).encode()
    res = http.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert res.status_code in (200, 422), res.text
    if res.status_code == 422:
        assert res.json()["error"]["message"]
    form = urlencode({"question": text.encode("utf-8", "surrogatepass")})
    page = http.post(
        "/", content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert page.status_code in (200, 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "\\ud800"}',
        b'{"question": "a\\u0000b"}',
        b"\xff\xfe{}",
        b'{"question": ',
        b'{"question": ["x"]}',
        b'{"question": null}',
        b"[]",
        b"null",
        b"",
    ],
)
def test_malformed_json_bodies_get_a_clear_422(http: TestClient, raw: bytes) -> None:
    res = http.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert res.status_code in (200, 422)
    if res.status_code == 422:
        assert res.json()["error"]["code"] == "invalid_request"
