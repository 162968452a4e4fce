"""The JSON API: answers, health, OpenAPI, and one error shape for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_ask_returns_the_answer_json_form(client: TestClient) -> None:
    res = client.post("/api/ask", json={"question": "What is the NMDA receptor?"})
    assert res.status_code == 200
    data = res.json()
    assert data["kind"] == "answer"
    assert data["passages"][0]["id"] == "tiny-nmda"
    assert data["passages"][0]["source"]["url"] == "https://example.org/tiny"
    assert data["disclaimer"] == "Educational only, not medical advice."
    assert data["contact"]["booking_url"] == "https://example.org/book"


def test_ask_crisis_reply_has_resources_and_no_contact(client: TestClient) -> None:
    data = client.post("/api/ask", json={"question": "i want to end my life"}).json()
    assert data["kind"] == "crisis" and data["contact"] is None and data["passages"] == []
    assert any(r["href"] == "tel:988" for r in data["resources"])


@pytest.mark.parametrize(
    "question",
    ["What is the NMDA receptor?", "i want to end my life", "hello", "how much does it cost?"],
)
def test_ask_body_is_the_answers_documented_form(
    app: FastAPI, client: TestClient, question: str
) -> None:
    expected = app.state.holder.assistant.ask(question).to_dict()
    assert client.post("/api/ask", json={"question": question}).json() == expected


def test_health_names_the_knowledge_version(client: TestClient) -> None:
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["passages"] == 4 and data["articles"] == 1
    assert len(data["knowledge_version"]) == 12 and data["loaded_at"]


def assert_error(res: object, status: int, code: str, words: str) -> None:
    assert res.status_code == status  # type: ignore[attr-defined]
    body = res.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert words in body["error"]["message"]


def test_ask_with_empty_question_returns_422(client: TestClient) -> None:
    assert_error(client.post("/api/ask", json={"question": ""}), 422, "invalid_request", "empty")
    assert_error(client.post("/api/ask", json={"question": "   "}), 422, "invalid_request", "empty")


def test_ask_with_question_over_500_characters_returns_422(client: TestClient) -> None:
    assert_error(
        client.post("/api/ask", json={"question": "a" * 501}),
        422,
        "invalid_request",
        "500 characters",
    )
    assert client.post("/api/ask", json={"question": "a" * 500}).status_code == 200


def test_ask_with_invalid_json_or_wrong_type_returns_422(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    assert_error(
        client.post("/api/ask", content=b"{nope", headers=headers),
        422,
        "invalid_request",
        "not valid JSON",
    )
    assert_error(client.post("/api/ask", json={"question": 5}), 422, "invalid_request", "text")
    assert_error(client.post("/api/ask", json=["x"]), 422, "invalid_request", "question")
    assert_error(client.post("/api/ask", json={}), 422, "invalid_request", "question")


def test_ask_with_wrong_content_type_returns_422(client: TestClient) -> None:
    res = client.post("/api/ask", content=b"question=hi", headers={"content-type": "text/plain"})
    assert res.status_code == 422 and res.json()["error"]["code"] == "invalid_request"


def test_body_over_16_kb_returns_413(client: TestClient) -> None:
    big = b'{"question": "' + b"a" * 20_000 + b'"}'
    assert_error(
        client.post("/api/ask", content=big, headers={"content-type": "application/json"}),
        413,
        "too_large",
        "larger than 16384 bytes",
    )


def test_streamed_body_over_the_limit_returns_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"a" * 1_000

    res = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert res.status_code == 413


def test_unknown_api_path_and_wrong_method_use_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/nothing"), 404, "not_found", "nothing at this path")
    assert_error(client.get("/api/ask"), 405, "method_not_allowed", "Method Not Allowed")


def test_openapi_schema_describes_ask_and_health(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert next(iter(schema["paths"])) == "/api/ask" and "/api/health" in schema["paths"]
    ask = schema["paths"]["/api/ask"]["post"]
    assert set(ask["responses"]) == {"200", "413", "422", "429"}
    answer = ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert answer == "#/components/schemas/Answer"
    assert {"Answer", "QuotedPassage", "Contact", "ErrorResponse"} <= set(
        schema["components"]["schemas"]
    )


def test_security_headers_on_every_response(client: TestClient) -> None:
    for res in (
        client.get("/"),
        client.get("/api/health"),
        client.get("/nope"),
        client.get("/static/app.css"),
        client.post("/api/ask", content=b"x" * 20_000),
    ):
        csp = res.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'self' https://clinic.example" in csp or res.status_code == 413
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "no-referrer"


def test_public_health_says_where_reload_errors_are_but_not_what_the_lines_say(
    client: TestClient, tiny_knowledge: Path
) -> None:
    clinic = tiny_knowledge / "clinic.txt"
    clinic.write_text(clinic.read_text() + "root secret line without a colon\n")
    holder = client.app.state.holder  # type: ignore[attr-defined]
    assert not holder.check()
    res = client.get("/api/health")
    assert res.json()["reload"]["errors"] == ["clinic.txt:8"]
    assert "secret line" not in res.text and str(tiny_knowledge) not in res.text
    assert any("secret line" in e for e in holder.failure.errors)  # shown to staff on /admin


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    for path in ("/", "/api/health", "/docs", "/static/app.css", "/openapi.json"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
        assert "content-security-policy" in head.headers
    head = client.head("/api/ask")
    assert head.status_code == 405 and head.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "location"),
    [("/admin/", "/admin"), ("/docs/?a=1", "/docs?a=1"), ("/sources/tiny//", "/sources/tiny")],
)
def test_trailing_slash_redirect_is_relative_and_ignores_the_host_header(
    client: TestClient, path: str, location: str
) -> None:
    res = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert res.status_code == 307 and res.headers["location"] == location


def test_no_redirect_to_another_host_from_a_double_slash_path(client: TestClient) -> None:
    for path in ("//evil.example/", "/%2F%2Fevil.example/", "/\\evil.example/"):
        res = client.get(f"http://testserver{path}", follow_redirects=False)
        assert res.status_code == 404 and "location" not in res.headers, path
