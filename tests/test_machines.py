"""Several machines sharing one PostgreSQL store: the staff report merges what both served,
staff see the knowledge version each server's workers serve (and when they differ), a staff
sign-in on one server holds on the other until signed out on either, and the retention runs
once for both.

Two apps in one process stand for the two servers: each has its own knowledge folder, data
folder and server name, as two machines do; only the database is the same."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.store import Store, postgres_dialect
from tests.conftest import TINY_ARTICLE, write_knowledge
from tests.test_admin import TOKEN, csrf_of, sign_in
from web.app import create_app
from web.recorder import Recorder
from web.settings import Settings

NEW_PASSAGE = "\n## Zebras\n\n<!-- id: tiny-zebra -->\nZebras graze near the clinic.\n"


def server(tmp_path: Path, name: str, database_url: str, article: str = TINY_ARTICLE) -> FastAPI:
    return create_app(
        Settings(
            knowledge_dir=write_knowledge(tmp_path / name / "knowledge", article),
            data_dir=tmp_path / name / "data",
            database_url=database_url,
            server_name=name,
            admin_token=TOKEN,
        )
    )


@pytest.fixture
def two_servers(tmp_path: Path, postgres_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """server-a and server-b on one database; server-b's knowledge has one passage more."""
    a = server(tmp_path, "server-a", postgres_url)
    b = server(tmp_path, "server-b", postgres_url, TINY_ARTICLE + NEW_PASSAGE)
    with TestClient(a) as client_a, TestClient(b) as client_b:
        yield client_a, client_b


def flush(client: TestClient) -> None:
    recorder: Recorder = client.app.state.recorder  # type: ignore[attr-defined]
    recorder.flush()


def test_the_staff_report_on_either_server_counts_what_both_served(
    two_servers: tuple[TestClient, TestClient],
) -> None:
    a, b = two_servers
    for client, question in ((a, "How does ketamine work?"), (b, "what does it cost")):
        assert client.post("/api/ask", json={"question": question}).status_code == 200
    assert a.post("/api/ask", json={"question": "do you take insurance"}).status_code == 200
    flush(a)
    flush(b)
    for client in (a, b):
        sign_in(client)
        tables = BeautifulSoup(client.get("/admin").text, "html.parser").select("table")
        text = " ".join(t.get_text(" ", strip=True) for t in tables)
        assert "what does it cost" in text and "do you take insurance" in text


def test_staff_see_each_servers_version_and_that_they_differ(
    two_servers: tuple[TestClient, TestClient],
) -> None:
    a, b = two_servers
    versions = {
        name: c.get("/api/health").json()["knowledge_version"]
        for name, c in (("server-a", a), ("server-b", b))
    }
    assert versions["server-a"] != versions["server-b"]
    for client in (a, b):  # each worker's status goes to the store with the writer's next batch
        flush(client)
    sign_in(a)
    page = BeautifulSoup(a.get("/admin").text, "html.parser")
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td")]
        for row in page.select("table.cards tbody tr")
        if row.select_one("td[data-label=Server]")
    ]
    assert {(r[0], r[2]) for r in rows} == set(versions.items())
    note = page.select_one("p.note")
    assert note is not None and "Not every worker serves the same knowledge version" in note.text


def test_a_staff_sign_in_on_one_server_holds_on_the_other_until_sign_out(
    two_servers: tuple[TestClient, TestClient],
) -> None:
    a, b = two_servers
    cookie = sign_in(a)
    b.cookies.set("faqbot_admin", cookie)
    page = b.get("/admin")
    assert page.status_code == 200
    out = b.post("/admin/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    a.cookies.set("faqbot_admin", cookie)  # a copy of the cookie kept on the first server
    assert a.get("/admin").status_code == 401


def test_the_retention_ran_once_for_both_servers(
    two_servers: tuple[TestClient, TestClient], postgres_url: str
) -> None:
    for client in two_servers:  # both writers have started, and tried to purge
        flush(client)
    assert Store(postgres_dialect(postgres_url)).purge_due(3600, now=time.time()) is None
