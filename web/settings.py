"""Typed settings from `FAQBOT_*` environment variables, with safe defaults."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store import Store, open_store

# https:// origins, and http:// only on this machine (to try the widget on a local page).
_SOURCE = re.compile(
    r"^(?:'self'|'none'|https://[A-Za-z0-9.-]+(?::\d+)?|\*\.[A-Za-z0-9.-]+"
    r"|http://(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?)$"
)


class Settings(BaseSettings):
    """Every setting of the web app. Each is documented in the README's Configuration table."""

    model_config = SettingsConfigDict(env_prefix="FAQBOT_", frozen=True, extra="ignore")

    knowledge_dir: Path = Field(
        Path("knowledge"), description="Folder with the knowledge files (articles, clinic, ...)."
    )
    frame_ancestors: str = Field(
        "'self'",
        description="Sites allowed to embed the chat in an iframe (CSP frame-ancestors), "
        "space-separated, e.g. `'self' https://www.coloradoketamine.com`; http:// only for "
        "localhost, to try embedding on this machine.",
    )
    reload_interval: float = Field(
        2.0,
        ge=0,
        le=60,
        description="Seconds between checks of the knowledge folder for edits (0 turns hot "
        "reload off).",
    )
    db: Path = Field(
        Path("data/faqbot.sqlite3"),
        description="SQLite file for unanswered questions and feedback (created on first use).",
    )
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:pass@host/db); when set, used instead "
        "of the SQLite file, for clinics running the bot on several machines.",
    )
    retention_days: int = Field(
        90, ge=1, le=3650, description="Days after which stored questions and votes are deleted."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Turns on /admin for staff who know this token (at least 16 characters); "
        "without it /admin does not exist.",
    )
    rate_limit_per_minute: int = Field(
        30,
        ge=0,
        le=100_000_000,
        description="Questions and votes a minute allowed from one address (0 turns limiting "
        "off); counted per worker process.",
    )
    rate_limit_burst: int = Field(
        10,
        ge=1,
        le=1_000_000,
        description="Questions one address may send at once, above the rate.",
    )
    max_body_bytes: int = Field(
        16_384, ge=1_024, le=1_048_576, description="Largest request body accepted, in bytes."
    )

    @field_validator("frame_ancestors")
    @classmethod
    def _valid_sources(cls, value: str) -> str:
        sources = value.split()
        bad = [s for s in sources if not _SOURCE.match(s)]
        if not sources or bad:
            raise ValueError(
                "must be 'self', 'none', https:// origins or http://localhost:PORT origins "
                "separated by spaces; "
                f"not understood: {' '.join(bad) or '(empty)'}"
            )
        return " ".join(sources)

    @field_validator("admin_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (use a long random string)")
        return value

    def open_store(self) -> Store:
        """The store these settings name: PostgreSQL when a URL is set, else the SQLite file."""
        url = self.database_url.get_secret_value() if self.database_url else None
        return open_store(url, self.db, self.retention_days)
