"""API fuzzing with schemathesis against the app's own OpenAPI schema: no 5xx, and every
response conforms to the schema (bounded examples per operation)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import SHIPPED_KNOWLEDGE
from web.app import create_app
from web.settings import Settings

_DB = Path(tempfile.mkdtemp(prefix="faqbot-fuzz-")) / "store.sqlite3"
APP = create_app(
    Settings(knowledge_dir=SHIPPED_KNOWLEDGE, db=_DB, rate_limit_per_minute=0, reload_interval=0)
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()
