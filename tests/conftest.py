"""Shared fixtures: a tiny knowledge folder, and settings -> app -> client over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.assistant import Assistant
from bot.encoder import Encoder
from bot.store import Store, postgres_dialect, sqlite_dialect
from web.app import create_app
from web.settings import Settings

# The tiny knowledge folders of most tests cannot learn crisis detection well enough to pass
# the safety gate (bot/canaries.py), which the app would then refuse to serve: tests turn the
# gate off unless they test it (tests/test_canaries.py passes safety_gate=True).
os.environ.setdefault("FAQBOT_SAFETY_GATE", "false")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"


def needs_shared(path: Path) -> pytest.MarkDecorator:
    """Skip a test whose data lives in ../shared (the development set and the article's source,
    kept outside the repository) when this clone has no ../shared beside it."""
    return pytest.mark.skipif(
        not path.is_file(),
        reason=f"{path} is not here: the development data live in ../shared, outside the "
        "repository, beside the clone that has them",
    )


TINY_ARTICLE = """---
title: Tiny Article
publisher: Test Clinic
url: https://example.org/tiny
reviewed_by: Dr Test
reviewed_on: 2026-01-15
topics: ketamine, mechanism
---

## What is ketamine?

<!-- id: tiny-what -->
? What kind of medicine is ketamine?
Ketamine is an anesthetic medicine used for decades.

## How does it work?

<!-- id: tiny-nmda -->
Ketamine blocks the NMDA receptor in the glutamate system.

<!-- id: tiny-serotonin -->
Ketamine may also raise serotonin, which helps regulate mood and sleep.

## Bipolar disorder

<!-- id: tiny-bipolar -->
Mood stabilizers for bipolar disorder can have side effects; ketamine is being studied.
"""

TINY_CLINIC = """name: Test Clinic
city: Testville
phone: (555) 010-0000
email: hello@example.org
booking_url: https://example.org/book
disclaimer: Educational only, not medical advice.
contact_prompt: Talk to our team.
"""

# Just enough reviewed examples of each kind for the classifiers to train on.
TINY_EXAMPLES = {
    "crisis.txt": "i want to kill myself\nim thinking about suicide\ni want to end my life\n"
    "i dont want to be alive anymore\ni have pills saved up to take them all\n"
    "i keep cutting myself\nmy son says he wants to die\nquiero morir\n",
    "not-crisis.txt": "im dying to know how it works\nmy feet are killing me lol\n"
    "how many people overdose on ketamine each year\nis suicide squad a good movie\n"
    "i used to self harm years ago, doing well now\n",
    "medical-advice.txt": "what dose should i take\ncan i stop my zoloft\n"
    "is it safe for me while pregnant\ncan i mix it with my xanax\ndo i have bipolar\n"
    "how many mg for my weight\n",
    "smalltalk.txt": "hi\nhello there\nthanks so much\nbye for now\nare you a bot\n"
    "good morning\nwho are you\n",
    "no-answer.txt": "how much does it cost\nwhat is the weather today\ndo you take insurance\n"
    "asdfgh jkl\nwhat are your opening hours\nbest pizza near me\n",
    "questions.txt": "[tiny-what]\nwhat is ketamine\nis ketamine a real medicine\n"
    "how long has ketamine been used\nisnt ketamine an anesthetic\n"
    "[tiny-nmda]\nhow does ketamine work\nwhat receptor does it block\n"
    "what does ketamine do to glutamate\nhow does it act in the brain\n"
    "[tiny-serotonin]\ndoes ketamine affect serotonin\ndoes it help mood and sleep\n"
    "is it like an ssri\nwhat brain chemicals does it change\n"
    "[tiny-bipolar]\ncan it help bipolar disorder\nis ketamine studied for bipolar\n"
    "what are mood stabilizers\nwhat about manic depression\n",
}


def write_knowledge(folder: Path, article: str = TINY_ARTICLE, **files: str) -> Path:
    """Write a knowledge folder: one article plus clinic, synonyms, topics, crisis phrases and
    example files (`examples/...`, given as `examples_crisis_txt=...`)."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "examples").mkdir(exist_ok=True)
    (folder / "articles" / "tiny.md").write_text(article, encoding="utf-8")
    defaults = {
        "clinic.txt": TINY_CLINIC,
        "synonyms.txt": "NMDA, N-methyl-D-aspartate\nbipolar disorder, manic depression\n",
        "uncovered-topics.txt": "[side effects]\nphrases: side effects, side effect\n"
        "message: Ask our team about side effects.\n? will it make me sick\n? is ketamine risky\n"
        "? what are the downsides\n",
        "crisis-phrases.txt": "no way out\n",
        **{f"examples/{name}": text for name, text in TINY_EXAMPLES.items()},
    }
    # What belongs to the article lives beside it (bot.knowledge.TOPICS_FILE, QUESTIONS_FILE).
    beside = {
        "uncovered-topics.txt": "articles/uncovered-topics.txt",
        "examples/questions.txt": "articles/questions.txt",
    }
    for name, text in {
        **defaults,
        **{
            k.replace("_", "-").replace("-txt", ".txt").replace("examples-", "examples/"): v
            for k, v in files.items()
        },
    }.items():
        (folder / beside.get(name, name)).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session", autouse=True)
def session_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The default data folder for session-wide apps (set before any of them is built)."""
    folder = tmp_path_factory.mktemp("xdg-session")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        yield folder / "ketamine-faq-bot"


@pytest.fixture(autouse=True)
def data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A default data folder (store, shared rate limits, workers' files) of each test's own, in
    a temporary directory rather than the user's (XDG_DATA_HOME; subprocesses inherit it)."""
    folder = tmp_path_factory.mktemp("xdg-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        patch.delenv("FAQBOT_DATA_DIR", raising=False)
        yield folder / "ketamine-faq-bot"


def broken_store_app(tmp_path: Path) -> FastAPI:
    """An app over the tiny knowledge whose SQLite store cannot open: its folder is a file."""
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")
    folder = write_knowledge(tmp_path / "k")
    return create_app(Settings(knowledge_dir=folder, db=blocked / "store.sqlite3"))


@pytest.fixture
def tiny_knowledge(tmp_path: Path) -> Path:
    """A small valid knowledge folder in a temporary directory."""
    return write_knowledge(tmp_path / "knowledge")


@pytest.fixture
def settings(tiny_knowledge: Path) -> Settings:
    """Settings over the tiny knowledge folder."""
    return Settings(
        knowledge_dir=tiny_knowledge,
        data_dir=tiny_knowledge.parent / "data",
        db=tiny_knowledge.parent / "store.sqlite3",
        frame_ancestors="'self' https://clinic.example",
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The sentence encoder over the installed model, loaded once per test session."""
    return Encoder.load()


@pytest.fixture(scope="session")
def shipped_bot() -> Assistant:
    """The assistant over the shipped knowledge, trained once per test session."""
    return Assistant.from_folder(SHIPPED_KNOWLEDGE)


@pytest.fixture(scope="session")
def shipped_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the shipped knowledge, with its own store."""
    db = tmp_path_factory.mktemp("store") / "store.sqlite3"
    with TestClient(
        create_app(Settings(knowledge_dir=SHIPPED_KNOWLEDGE, db=db)), raise_server_exceptions=False
    ) as c:
        yield c


POSTGRES_URL = os.environ.get("FAQBOT_TEST_DATABASE_URL", "")


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS replies, unanswered, votes, workers, housekeeping")


@pytest.fixture
def postgres_url() -> str:
    """The URL of an emptied PostgreSQL database. It needs FAQBOT_TEST_DATABASE_URL
    (`python3 dev.py test` starts a server for it); CI fails without it, a laptop skips."""
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("FAQBOT_TEST_DATABASE_URL is not set in CI", pytrace=False)
        pytest.skip("no PostgreSQL: set FAQBOT_TEST_DATABASE_URL (python3 dev.py test does)")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store on each backend (PostgreSQL: see `postgres_url`)."""
    if request.param == "sqlite":
        return Store(sqlite_dialect(tmp_path / "store.sqlite3"))
    return Store(postgres_dialect(request.getfixturevalue("postgres_url")))
