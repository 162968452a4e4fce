"""`GET /api/ready`: whether this worker serves as it should, for a monitor or load balancer.

`/api/health` stays a cheap liveness check (the process answers); readiness says `degraded`,
with HTTP 503, while the store is failing or the last reload of the knowledge failed.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from web.routes import STORE_FAILING
from web.state import KnowledgeHolder

ready = APIRouter(prefix="/api", tags=["api"])


class Readiness(BaseModel):
    """`ready`, or `degraded` with the reasons (each a short sentence for whoever is on call)."""

    status: Literal["ready", "degraded"]
    knowledge_version: str
    reasons: list[str]


@ready.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Degraded: see `reasons`"}},
    summary="Readiness: 503 while the store fails or the last reload failed",
)
async def readiness(request: Request) -> JSONResponse:
    """200 `ready`, or 503 `degraded` with reasons: the store is failing (replies still go
    out, but what staff review is being lost) or a changed knowledge folder was refused."""
    holder: KnowledgeHolder = request.app.state.holder
    reasons = []
    store = request.app.state.recorder.status()
    if store.status == "failing":
        reasons.append(f"The store is failing; {store.dropped} dropped. {STORE_FAILING}.")
    if holder.failure is not None:
        reasons.append(
            f"The last knowledge reload failed ({len(holder.failure.errors)} problem(s)); the "
            "previous version is served. /api/health lists them."
        )
    body = Readiness(
        status="degraded" if reasons else "ready",
        knowledge_version=holder.assistant.knowledge.version,
        reasons=reasons,
    )
    return JSONResponse(body.model_dump(), status_code=503 if reasons else 200)
