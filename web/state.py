"""The assistant serving this process, and the typed dependency that routes use to reach it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.assistant import Assistant


class KnowledgeHolder:
    """Holds the assistant for the current knowledge version; swapped whole, never mutated."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant


async def get_assistant(request: Request) -> Assistant:
    """The assistant for this request (a request keeps the version it started with).

    `async` so that FastAPI does not send this one attribute read to the thread pool."""
    holder: KnowledgeHolder = request.app.state.holder
    return holder.assistant


AssistantDep = Annotated[Assistant, Depends(get_assistant)]
