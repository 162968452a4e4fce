"""Hot reload: a valid edit goes live without restart; a broken edit keeps the old version."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.knowledge import Knowledge
from tests.conftest import TINY_ARTICLE
from web import state as state_module
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


def test_a_successful_reload_is_logged_as_information_not_a_warning(
    client: TestClient, tiny_knowledge: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edit(article(tiny_knowledge), TINY_ARTICLE + "\n")
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    with caplog.at_level(logging.DEBUG, logger="faqbot.reload"):
        assert holder.check()
    (record,) = [r for r in caplog.records if r.getMessage().startswith("knowledge reloaded")]
    assert record.levelno == logging.INFO


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


def long_article(passages: int) -> str:
    """The tiny article with `passages` more passages, each a sentence of its own."""
    extra = "".join(
        f"\n<!-- id: tiny-extra-{i} -->\nExtra fact number {i} about infusions, which can take "
        "about forty minutes in a quiet room.\n"
        for i in range(passages)
    )
    return TINY_ARTICLE + "\n## More facts\n" + extra


def test_an_article_caught_half_written_never_goes_live(
    client: TestClient, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    before = holder.assistant.knowledge.version
    full = long_article(11)
    cut = full.index("which can take", full.index("tiny-extra-2")) + len("which can take")
    writer = article(tiny_knowledge).open("w", encoding="utf-8")  # an editor writing in place
    writer.write(full[:cut])
    writer.flush()

    def editor_goes_on() -> None:  # the rest of the write lands while the reload waits
        if not writer.closed:
            writer.write(full[cut:])
            writer.close()

    monkeypatch.setattr(state_module, "_settle", editor_goes_on, raising=False)
    assert not holder.check()  # was loaded: 3 of 4 new passages, one cut mid-sentence
    assert holder.assistant.knowledge.version == before
    assert holder.check()  # the whole edit, once it stayed the same
    texts = [p.text for p in holder.assistant.knowledge.passages]
    assert len(texts) == 4 + 11 and not any(t.endswith("which can take") for t in texts)


def test_an_article_changed_while_it_is_read_is_read_again(
    client: TestClient, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    monkeypatch.setattr(state_module, "_settle", lambda: None, raising=False)
    edit(article(tiny_knowledge), long_article(1))
    real_load = state_module.load_knowledge
    loads: list[Knowledge] = []

    def load_during_an_edit(folder: Path) -> Knowledge:
        loads.append(real_load(folder))
        if len(loads) == 1:  # the editor appends a passage while the first read goes on
            with article(tiny_knowledge).open("a", encoding="utf-8") as f:
                f.write("\n<!-- id: tiny-extra-1 -->\nOne more fact, added while reading.\n")
        return loads[-1]

    monkeypatch.setattr(state_module, "load_knowledge", load_during_an_edit)
    assert not holder.check()
    assert holder.check()
    assert [p.id for p in holder.assistant.knowledge.passages][-2:] == [
        "tiny-extra-0",
        "tiny-extra-1",
    ]


def test_a_fifo_in_articles_is_refused_and_hot_reload_goes_on(
    client: TestClient, tiny_knowledge: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder: KnowledgeHolder = client.app.state.holder  # type: ignore[attr-defined]
    monkeypatch.setattr(state_module, "_settle", lambda: None, raising=False)
    fifo = tiny_knowledge / "articles" / "pipe.md"
    os.mkfifo(fifo)
    checked = threading.Thread(target=holder.check, daemon=True)
    checked.start()
    checked.join(timeout=20)
    hung = checked.is_alive()
    if hung:  # free the reader that waits for a writer (before the fix)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert not hung, "reading the FIFO stopped hot reload"
    assert holder.failure is not None
    assert f"{fifo}:1: the file is not a regular file" in "\n".join(holder.failure.errors)
    fifo.unlink()
    edit(article(tiny_knowledge), TINY_ARTICLE.replace("used for decades", "used for years"))
    assert holder.check() and holder.failure is None  # later edits still go live
