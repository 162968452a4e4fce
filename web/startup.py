"""The check before serving: kept light (no web framework, no engine), because `faqbot serve`
runs it in the parent process before it starts the workers, which import everything again."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time

from bot.encoder import EncoderError, verify_model
from bot.knowledge import Knowledge, load_knowledge
from web.settings import Settings


class StartupError(Exception):
    """The app cannot start; the message says why in plain words."""


def check_knowledge(settings: Settings) -> Knowledge:
    """Load and validate the knowledge, check the sentence model's files and the PostgreSQL
    driver (an optional extra) when a database URL is set, or raise StartupError listing every
    problem."""
    folder = settings.knowledge_dir
    if not folder.exists():
        raise StartupError(
            f"The knowledge folder {folder.resolve()} does not exist, so the chat cannot start. "
            "Run `faqbot serve` inside your knowledge folder (cd into it), or pass --knowledge "
            f"DIR (or set FAQBOT_KNOWLEDGE_DIR); `faqbot init {folder}` would write a new one "
            "there from the shipped example."
        )
    knowledge = load_knowledge(folder)
    if knowledge.errors:
        lines = "\n".join(str(p) for p in knowledge.errors)
        raise StartupError(
            f"The knowledge in {settings.knowledge_dir} has errors, so the chat cannot start:\n"
            f"{lines}\nFix them (`faqbot check --knowledge {settings.knowledge_dir}` lists them) "
            "or set FAQBOT_KNOWLEDGE_DIR to the right folder."
        )
    if settings.database_url is not None and importlib.util.find_spec("psycopg") is None:
        raise StartupError(
            "FAQBOT_DATABASE_URL is set but PostgreSQL support is not installed: install it with "
            "`pip install 'ketamine-faq-bot[postgres]'`, or unset FAQBOT_DATABASE_URL to use the "
            "SQLite file."
        )
    try:
        verify_model()
    except EncoderError as exc:
        raise StartupError(f"The chat cannot start: {exc}") from None
    return knowledge


def local_address(host: str) -> str:
    """The address to reach a server listening on `host` from this machine (a wildcard
    address is reached on the loopback)."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def accepts(host: str, port: int) -> bool:
    """Whether (host, port) accepts a connection now."""
    try:
        with socket.create_connection((local_address(host), port), timeout=1):
            return True
    except OSError:
        return False


def announce_when_serving(
    host: str, port: int, message: str, every: float = 0.1
) -> threading.Thread:
    """Print `message` once (host, port) accepts connections, from a daemon thread (started
    here): the workers load and encode the knowledge first, which takes a while on a first
    start, and a visitor sent to the address before then would find nothing."""

    def wait() -> None:
        while not accepts(host, port):
            time.sleep(every)
        print(message, flush=True)

    thread = threading.Thread(target=wait, name="announce-when-serving", daemon=True)
    thread.start()
    return thread
