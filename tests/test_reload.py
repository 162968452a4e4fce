"""Hot reload: a valid edit goes live without restart; a broken edit keeps the old version."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import TINY_ARTICLE
from web.app import create_app
from web.settings import Settings
from web.state import KnowledgeHolder


def article(folder: Path) -> Path:
    return folder / "articles" / "tiny.md"


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_valid_edit_goes_live_and_health_names_the_new_version(
    client: TestClient, tiny_knowledge: Path
) -> None:
    before = client.get("/api/health").json()
    edit(
        article(tiny_knowledge),
        TINY_ARTICLE + "\n## Cost\n\n<!-- id: tiny-cost -->\nZebras graze near the clinic.\n",
    )
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    assert holder.check()
    after = client.get("/api/health").json()
    assert after["passages"] == before["passages"] + 1
    assert after["knowledge_version"] != before["knowledge_version"]
    assert after["reload"] == {"status": "ok", "failed_at": None, "errors": []}
    res = client.post("/api/ask", json={"question": "do zebras graze"}).json()
    assert res["passages"][0]["id"] == "tiny-cost"


def test_broken_edit_keeps_serving_the_last_good_knowledge(
    client: TestClient, tiny_knowledge: Path
) -> None:
    good = client.get("/api/health").json()
    edit(article(tiny_knowledge), TINY_ARTICLE.replace("title: Tiny Article\n", ""))
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    assert not holder.check()
    health = client.get("/api/health").json()
    assert health["knowledge_version"] == good["knowledge_version"]
    assert health["reload"]["status"] == "failed"
    assert health["reload"]["errors"] == ["articles/tiny.md:7"]  # what is wrong: on /admin
    res = client.post("/api/ask", json={"question": "what is the NMDA receptor"})
    assert res.status_code == 200 and res.json()["passages"][0]["id"] == "tiny-nmda"
    edit(article(tiny_knowledge), TINY_ARTICLE + "\n")  # fixed: loads, failure cleared
    holder.check()
    assert client.get("/api/health").json()["reload"]["status"] == "ok"


def test_unchanged_folder_is_not_reloaded(client: TestClient) -> None:
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    first = holder.assistant
    assert not holder.check()
    assert holder.assistant is first


def test_watcher_notices_an_edit_within_five_seconds(tiny_knowledge: Path) -> None:
    app = create_app(
        Settings(
            knowledge_dir=tiny_knowledge, reload_interval=0.2, db=tiny_knowledge.parent / "w.db"
        )
    )
    with TestClient(app) as client:
        version = client.get("/api/health").json()["knowledge_version"]
        edit(article(tiny_knowledge), TINY_ARTICLE.replace("used for decades", "used for years"))
        deadline = time.monotonic() + 5
        while client.get("/api/health").json()["knowledge_version"] == version:
            assert time.monotonic() < deadline, "the edit was not noticed within 5 s"
            time.sleep(0.1)
