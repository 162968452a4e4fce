"""One rule for every file read or served from the knowledge folder (`bot/files.py`): regular
files inside the folder only, checked again when the logo is served; no NUL characters; no file
read whole past a size cap."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.cli import main
from bot.files import MAX_FILE_BYTES, Refused, read_bytes
from bot.knowledge import load_knowledge
from tests.conftest import TINY_ARTICLE, TINY_CLINIC, write_knowledge
from web.app import create_app
from web.settings import Settings

SECRET = b"root:x:0:0:root:/root:/bin/bash\n"
PNG = b"\x89PNG\r\n\x1a\nthe clinic's logo"


@pytest.fixture
def logo_client(tmp_path: Path) -> tuple[TestClient, Path, Settings]:
    """A client over a knowledge folder with a logo, loaded well; hot reload off, so that the
    knowledge served keeps naming the logo whatever happens to the file."""
    folder = write_knowledge(tmp_path / "k", clinic_txt=TINY_CLINIC + "logo: logo.png\n")
    (folder / "logo.png").write_bytes(PNG)
    settings = Settings(knowledge_dir=folder, db=tmp_path / "store.sqlite3", reload_interval=0)
    return TestClient(create_app(settings)), folder, settings


def test_the_logo_is_served_from_the_folder(
    logo_client: tuple[TestClient, Path, Settings],
) -> None:
    client, _, _ = logo_client
    with client:
        reply = client.get("/brand/logo")
    assert reply.status_code == 200 and reply.content == PNG


@pytest.mark.parametrize("target", ["outside", "store", "passwd"])
def test_a_logo_replaced_by_a_link_outside_after_a_good_load_is_not_served(
    logo_client: tuple[TestClient, Path, Settings], tmp_path: Path, target: str
) -> None:
    client, folder, settings = logo_client
    outside = tmp_path / "secret.png"
    outside.write_bytes(SECRET)
    with client:
        client.post("/api/ask", json={"question": "what does it cost"})  # the store has rows
        client.app.state.recorder.flush()  # type: ignore[attr-defined]
        linked = {"outside": outside, "store": settings.store_path, "passwd": Path("/etc/passwd")}
        (folder / "logo.png").unlink()
        (folder / "logo.png").symlink_to(linked[target])
        reply = client.get("/brand/logo")
    assert reply.status_code == 404
    assert b"root:" not in reply.content and b"SQLite" not in reply.content


def test_a_logo_replaced_by_a_pipe_is_not_served_and_does_not_hang(
    logo_client: tuple[TestClient, Path, Settings],
) -> None:
    client, folder, _ = logo_client
    with client:
        (folder / "logo.png").unlink()
        os.mkfifo(folder / "logo.png")
        started = time.monotonic()
        assert client.get("/brand/logo").status_code == 404
    assert time.monotonic() - started < 5


def test_a_logo_linked_to_another_file_inside_the_folder_is_served(
    logo_client: tuple[TestClient, Path, Settings],
) -> None:
    client, folder, _ = logo_client
    (folder / "images").mkdir()
    (folder / "logo.png").rename(folder / "images" / "logo.png")
    (folder / "logo.png").symlink_to(folder / "images" / "logo.png")
    with client:
        assert client.get("/brand/logo").content == PNG


def test_a_logo_link_outside_is_refused_when_the_knowledge_loads(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k", clinic_txt=TINY_CLINIC + "logo: logo.png\n")
    (tmp_path / "secret.png").write_bytes(SECRET)
    (folder / "logo.png").symlink_to(tmp_path / "secret.png")
    (error,) = load_knowledge(folder).errors
    assert error.path.endswith("clinic.txt") and "outside the knowledge folder" in error.message


def test_read_bytes_refuses_a_file_over_its_cap_without_reading_it_whole(tmp_path: Path) -> None:
    root = tmp_path
    (root / "small").write_bytes(b"12345")
    assert read_bytes(root / "small", root, 5) == b"12345"
    with pytest.raises(Refused, match="larger than"):
        read_bytes(root / "small", root, 4)


def test_knowledge_files_with_a_nul_character_are_refused_with_their_line(tmp_path: Path) -> None:
    article = TINY_ARTICLE.replace("Ketamine blocks", "Ketamine\0 blocks")
    folder = write_knowledge(tmp_path / "k", article=article)
    (error,) = [p for p in load_knowledge(folder).errors if p.path.endswith("tiny.md")]
    line = article[: article.index("\0")].count("\n") + 1
    assert error.line == line
    assert "NUL character" in error.message
    assert main(["check", "--knowledge", str(folder)]) == 1


def test_a_300_mb_knowledge_file_is_refused_at_once_not_read_whole(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k")
    with (folder / "articles" / "huge.md").open("wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: no disk used, 300 MB to read
    started = time.monotonic()
    errors = load_knowledge(folder).errors
    assert time.monotonic() - started < 10
    (error,) = errors
    assert error.path.endswith("huge.md") and error.line == 1
    assert f"larger than {MAX_FILE_BYTES // 1_048_576} MiB" in error.message
