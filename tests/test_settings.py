"""Settings: environment prefix, validation, and the README keeps documenting every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import ROOT
from web.settings import Settings


def test_settings_read_the_faqbot_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", str(tmp_path))
    monkeypatch.setenv("FAQBOT_FRAME_ANCESTORS", "'self'   https://clinic.example")
    settings = Settings()
    assert settings.knowledge_dir == tmp_path
    assert settings.frame_ancestors == "'self' https://clinic.example"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "javascript:alert(1)",
        "'self'; script-src *",
        "http://x",
        "http://clinic.example:8080",
        "http://localhost.evil.example",
    ],
)
def test_bad_frame_ancestors_fail_with_a_plain_message(value: str) -> None:
    with pytest.raises(
        ValidationError, match="must be 'self', 'none', https:// origins or http://localhost"
    ):
        Settings(frame_ancestors=value)


def test_local_http_origins_are_allowed_for_trying_the_widget() -> None:
    value = "'self' http://localhost:8080 http://127.0.0.1:5500 http://[::1]:3000"
    assert Settings(frame_ancestors=value).frame_ancestors == value


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(FAQBOT_[A-Z_]+)` \|", section, re.MULTILINE))
    expected = {f"FAQBOT_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_store_defaults_to_the_xdg_data_folder_not_the_current_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("FAQBOT_DB", "FAQBOT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings().store_path == tmp_path / "xdg" / "ketamine-faq-bot" / "faqbot.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")  # the XDG spec ignores relative paths
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".local" / "share" / "ketamine-faq-bot"
    assert Settings().data_folder == expected
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(tmp_path / "data"))
    assert Settings().store_path == tmp_path / "data" / "faqbot.sqlite3"
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "own.sqlite3"))
    assert Settings().store_path == tmp_path / "own.sqlite3"


def test_store_description_never_shows_the_database_password() -> None:
    settings = Settings(database_url="postgresql://bot:s3cret@db.example:5433/faq")
    assert settings.describe_store() == "PostgreSQL database db.example:5433/faq"


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "127.0.0.1;rm"])
def test_bad_forwarded_allow_ips_fail_with_a_plain_message(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(forwarded_allow_ips=value)


def test_forwarded_allow_ips_default_trusts_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAQBOT_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable is not ours
    assert Settings().forwarded_allow_ips == ""
    assert Settings(forwarded_allow_ips=" 127.0.0.1 , ::1 ").forwarded_allow_ips == "127.0.0.1,::1"
