"""One version number, pyproject.toml's, shown by the API, the staff page and the command."""

from __future__ import annotations

import tomllib

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from bot import __version__
from tests.conftest import ROOT
from web.app import create_app
from web.cli import main
from web.settings import Settings

TOKEN = "a-long-staff-token-for-tests"


def pyproject_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def test_the_package_version_is_pyprojects() -> None:
    assert __version__ == pyproject_version()


def test_health_and_the_api_schema_name_the_version(client: TestClient) -> None:
    assert client.get("/api/health").json()["version"] == pyproject_version()
    assert client.get("/openapi.json").json()["info"]["version"] == pyproject_version()


def test_the_staff_page_names_the_version(settings: Settings) -> None:
    app = create_app(Settings(**{**settings.model_dump(), "admin_token": TOKEN}))
    with TestClient(app) as client:
        page = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert f"Bot version {pyproject_version()}." in BeautifulSoup(page.text, "html.parser").text


def test_faqbot_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"faqbot {pyproject_version()}"


def test_the_changelog_has_an_entry_for_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {pyproject_version()}" in changelog
