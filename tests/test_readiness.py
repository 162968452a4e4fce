"""`/api/ready`: 503 `degraded` while the store fails or the last reload failed; `/api/health`
stays 200 (the process is alive)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import TINY_ARTICLE, broken_store_app
from web.state import KnowledgeHolder


def test_a_healthy_worker_is_ready(client: TestClient) -> None:
    res = client.get("/api/ready")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ready" and body["reasons"] == []
    assert body["knowledge_version"] == client.get("/api/health").json()["knowledge_version"]


def test_a_failed_reload_is_degraded_until_a_good_version_loads(
    client: TestClient, tiny_knowledge: Path
) -> None:
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    article = tiny_knowledge / "articles" / "tiny.md"
    article.write_text(TINY_ARTICLE.replace("title: Tiny Article\n", ""), encoding="utf-8")
    assert not holder.check()
    res = client.get("/api/ready")
    assert res.status_code == 503
    assert res.json()["status"] == "degraded"
    assert "reload failed" in res.json()["reasons"][0]
    assert client.get("/api/health").status_code == 200  # liveness is unaffected
    article.write_text(TINY_ARTICLE + "\n", encoding="utf-8")
    holder.check()
    assert client.get("/api/ready").status_code == 200


def test_a_failing_store_is_degraded(tmp_path: Path) -> None:
    app = broken_store_app(tmp_path)
    with TestClient(app) as client:
        client.post("/api/ask", json={"question": "what does it cost"})
        app.state.recorder.flush()
        res = client.get("/api/ready")
        assert res.status_code == 503
        (reason,) = res.json()["reasons"]
        assert reason.startswith("The store is failing;")
        assert "what does it cost" not in res.text
        assert str(tmp_path) not in res.text  # the store's error names its file: not public
