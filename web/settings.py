"""Typed settings from `FAQBOT_*` environment variables, with safe defaults."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import string
from collections import Counter
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store import Store, open_store

APP_NAME = "ketamine-faq-bot"
# https:// origins, and http:// only on this machine (to try the widget on a local page).
_SOURCE = re.compile(
    r"^(?:'self'|'none'|https://[A-Za-z0-9.-]+(?::\d+)?|\*\.[A-Za-z0-9.-]+"
    r"|http://(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?)$"
)


MIN_TOKEN_CHARS = 16
MIN_TOKEN_BITS = 64
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation)


def token_bits(token: str) -> float:
    """A cautious estimate of a token's randomness in bits: the smaller of two estimates.

    One is the length times the Shannon entropy of the token's own character frequencies
    (16 x "a" is 0 bits, "abab..." 1 bit a character). The other counts log2 of the alphabet
    the token draws from (the character classes it uses; 100 more for any non-ASCII) per
    character, except that a character continuing a run or a +1/-1 sequence ("aaa", "abc",
    "321") counts 1 bit.
    """
    if not token:
        return 0.0
    counts = Counter(token)
    shannon = -sum(n * math.log2(n / len(token)) for n in counts.values())
    pool = sum(len(c) for c in _CLASSES if any(ch in c for ch in token))
    pool += 100 if any(ord(ch) > 127 for ch in token) else 0
    per_char = math.log2(max(pool, 2))
    alphabet = 0.0
    for i, ch in enumerate(token):
        step = ord(ch) - ord(token[i - 1]) if i else None
        before = ord(token[i - 1]) - ord(token[i - 2]) if i >= 2 else None
        alphabet += 1.0 if step is not None and abs(step) <= 1 and step == before else per_char
    return max(0.0, min(shannon, alphabet))


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
    data_dir: Path | None = Field(
        None,
        description="Folder for the SQLite store and what the workers share; default "
        "`$XDG_DATA_HOME/ketamine-faq-bot`, else `~/.local/share/ketamine-faq-bot`.",
    )
    db: Path | None = Field(
        None,
        description="SQLite file for unanswered questions and feedback (created on first use); "
        "default `faqbot.sqlite3` in the data folder.",
    )
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:pass@host/db); when set, used instead "
        "of the SQLite file, for clinics running the bot on several machines.",
    )
    server_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="This server's name on the staff page, where the workers of every server "
        "sharing a PostgreSQL store are listed; default: the machine's host name.",
    )
    keep_questions: bool = Field(
        True,
        description='Keep unanswered questions and those voted "not helpful", redacted, for '
        "the staff report (`false`: only reply counts and votes are stored). Crisis, "
        "medical-advice and near-crisis messages are never kept.",
    )
    safety_gate: bool = Field(
        True,
        description="Refuse knowledge that routes the bot's own crisis test messages unsafely "
        "(bot/canaries.txt), at start, on every reload and in `faqbot check`. Turn off only to "
        "try a tiny knowledge folder that cannot learn crisis detection (tests do).",
    )
    retention_days: int = Field(
        90, ge=1, le=3650, description="Days after which stored questions and votes are deleted."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Turns on /admin for staff who know this token; without it /admin does not "
        "exist. At least 16 characters and about 64 bits of randomness: make one with "
        '`python3 -c "import secrets; print(secrets.token_urlsafe(32))"`.',
    )
    admin_session_hours: float = Field(
        8.0,
        ge=0.1,
        le=720,
        description="Hours a staff sign-in lasts; staff then sign in again (signing out ends "
        "it at once, in every worker).",
    )
    rate_limit_per_minute: int = Field(
        30,
        ge=0,
        le=100_000_000,
        description="Questions and votes a minute allowed from one address (0 turns limiting "
        "off); one limit per address for all the workers of a machine.",
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

    max_connections: int = Field(
        200,
        ge=1,
        le=100_000,
        description="Requests one worker serves at once (arrived whole, reply not yet sent); "
        "above it a request gets 503 at once. Idle and half-sent connections do not count: "
        "the request timeout closes them.",
    )
    max_header_bytes: int = Field(
        16_384,
        ge=1_024,
        le=1_048_576,
        description="Largest request line plus headers accepted, in bytes; above it: 431.",
    )
    request_timeout: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Seconds a client has to send a whole request once it connects or starts "
        "one; a slower connection is closed.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe log lines written: debug, info, warning or error."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or one JSON object a line for log collectors."
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto "
        "are believed, comma-separated (e.g. `127.0.0.1`); empty: believe nobody.",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network; give addresses like "
                    "127.0.0.1 or 10.0.0.0/8, comma-separated"
                ) from None
        return ",".join(items)

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
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        token = value.get_secret_value()
        bits = token_bits(token)
        if len(token) < MIN_TOKEN_CHARS or bits < MIN_TOKEN_BITS:
            raise ValueError(
                f"is too easy to guess ({len(token)} characters, about {bits:.0f} bits of "
                f"randomness; it needs at least {MIN_TOKEN_CHARS} characters and "
                f"{MIN_TOKEN_BITS} bits). Make one with: "
                'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        return value

    @property
    def data_folder(self) -> Path:
        """The data folder: the setting, else the XDG data folder of this user."""
        if self.data_dir is not None:
            return self.data_dir
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
        return base / APP_NAME

    @property
    def store_path(self) -> Path:
        """The SQLite file: the setting, else `faqbot.sqlite3` in the data folder."""
        return self.db if self.db is not None else self.data_folder / "faqbot.sqlite3"

    def describe_store(self) -> str:
        """Which store these settings name, for people (no password)."""
        if self.database_url is None:
            return f"SQLite file {self.store_path.resolve()}"
        url = urlsplit(self.database_url.get_secret_value())
        where = f"{url.hostname or 'localhost'}{f':{url.port}' if url.port else ''}{url.path}"
        return f"PostgreSQL database {where}"

    def open_store(self) -> Store:
        """The store these settings name: PostgreSQL when a URL is set, else the SQLite file."""
        url = self.database_url.get_secret_value() if self.database_url else None
        return open_store(url, self.store_path, self.retention_days)
