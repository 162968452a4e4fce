"""Typed settings from `FAQBOT_*` environment variables, with safe defaults."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.store import Store, open_store

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
    db: Path = Field(
        Path("data/faqbot.sqlite3"),
        description="SQLite file for unanswered questions and feedback (created on first use).",
    )
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL (postgresql://user:pass@host/db); when set, used instead "
        "of the SQLite file, for clinics running the bot on several machines.",
    )
    keep_questions: bool = Field(
        True,
        description='Keep unanswered questions and those voted "not helpful", redacted, for '
        "the staff report (`false`: only reply counts and votes are stored). Crisis, "
        "medical-advice and near-crisis messages are never kept.",
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

    def open_store(self) -> Store:
        """The store these settings name: PostgreSQL when a URL is set, else the SQLite file."""
        url = self.database_url.get_secret_value() if self.database_url else None
        return open_store(url, self.db, self.retention_days)
