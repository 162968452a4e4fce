"""Routes: the chat pages (work without JavaScript), source pages, and the JSON API."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from starlette.types import Receive, Scope, Send

from bot.answer import Answer
from bot.assistant import MAX_QUESTION_CHARS, Assistant
from bot.store import StoreError
from web.middleware import send_json
from web.ratelimit import RateLimit, RateLimiter, enforce
from web.recorder import Recorder
from web.state import AssistantDep, KnowledgeHolder

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)
MAX_PASSAGES_VOTED = 5
REF = "#/components/schemas/{model}"
PassageId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


# A question must have a character outside this set. Spelled out rather than `\s`, whose
# meaning differs between Python, pydantic's Rust engine and the JSON Schema (ECMA) readers.
_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"[^{_WHITESPACE}]"


class AskRequest(BaseModel):
    """A visitor's question."""

    model_config = ConfigDict(strict=True)

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        pattern=NOT_BLANK,
        examples=["How does ketamine work?"],
    )


class ReloadStatus(BaseModel):
    """The last knowledge reload: `failed` while a changed folder has errors."""

    status: Literal["ok", "failed"]
    failed_at: datetime | None = None
    errors: list[str] = []


class StoreHealth(BaseModel):
    """The store of unanswered questions and feedback; replies never wait for it."""

    status: Literal["ok", "failing", "off"]
    backend: str
    last_error: str | None
    last_error_at: datetime | None
    dropped: int


class Health(BaseModel):
    """Whether the bot is serving, which knowledge version it serves, and reload status."""

    status: Literal["ok"]
    passages: int
    articles: int
    knowledge_version: str
    loaded_at: datetime
    reload: ReloadStatus
    store: StoreHealth


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The one JSON error shape."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (413, 422)
}


class AskEndpoint:
    """`POST /api/ask` as a plain ASGI app.

    This is the busiest route, and FastAPI's per-request machinery (request objects, dependency
    resolution, body and response handling) cost more than the whole bot here (in-process,
    benchmarks/asgi.py). So the route is a Starlette `Route` over this object. It behaves as the
    other routes do: the rate limit first, then the body checked by the `AskRequest` model
    straight from its bytes; problems raise the same exceptions, which the app's handlers turn
    into the one JSON error shape; the middleware around every route adds the security headers
    and enforces the body limit. `document_ask` puts it in the OpenAPI schema.
    """

    def __init__(
        self, holder: KnowledgeHolder, recorder: Recorder, limiter: RateLimiter | None
    ) -> None:
        self.holder = holder
        self.recorder = recorder
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is not None:
            client = scope.get("client")
            enforce(self.limiter, client[0] if client else "unknown")
        if not _is_json(scope):
            raise RequestValidationError([{"type": "content_type", "loc": ("body",), "msg": ""}])
        body = await _read_body(receive)
        if body is None:
            return  # the visitor left before sending the question: nobody to answer
        try:
            question = AskRequest.model_validate_json(body).question
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        assistant = self.holder.assistant
        answer = assistant.ask(question)
        self.recorder.reply(assistant, answer)
        await send_json(send, 200, answer.to_json())


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.decode("latin-1").partition(";")[0].strip().lower()
            return kind == "application/json" or kind.endswith("+json")
    return False


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def document_ask(schema: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI schema with `POST /api/ask` first (FastAPI documents only the routes
    it serves itself). Idempotent: the app calls it on every schema request."""
    models = schema.setdefault("components", {}).setdefault("schemas", {})

    def ref(name: str, model: Any) -> dict[str, str]:
        found = TypeAdapter(model).json_schema(ref_template=REF, mode="serialization")
        models.update(found.pop("$defs", {}))
        models[name] = found
        return {"$ref": REF.format(model=name)}

    def response(status: int, model: dict[str, str], description: str = "") -> dict[str, Any]:
        return {
            "description": description or HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": model}},
        }

    answer, error = ref("Answer", Answer), ref("ErrorResponse", ErrorResponse)
    operation = {
        "tags": ["api"],
        "summary": "Answer one question",
        "description": "Safety rules first, then retrieval; returns the answer's JSON form.",
        "operationId": "ask_api_ask_post",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": AskRequest.model_json_schema()}},
        },
        "responses": {
            "200": response(200, answer, "The answer's JSON form"),
            **{str(status): response(status, error) for status in (413, 422, 429)},
        },
    }
    others = {path: item for path, item in schema["paths"].items() if path != "/api/ask"}
    schema["paths"] = {"/api/ask": {"post": operation}, **others}
    return schema


@api.get("/health", response_model=Health, summary="Service and knowledge status")
async def health(request: Request) -> Health:
    """Status, passage count, the knowledge version served and when it loaded, and whether
    the last reload of a changed knowledge folder failed (with its errors)."""
    holder: KnowledgeHolder = request.app.state.holder
    k = holder.assistant.knowledge
    failure = holder.failure
    reload = (
        ReloadStatus(status="ok")
        if failure is None
        else ReloadStatus(status="failed", failed_at=failure.at, errors=list(failure.errors))
    )
    return Health(
        status="ok",
        store=StoreHealth(**request.app.state.recorder.status().__dict__),
        passages=len(k.passages),
        articles=len(k.articles),
        knowledge_version=k.version,
        loaded_at=k.loaded_at,
        reload=reload,
    )


class Feedback(BaseModel):
    """A vote on one reply: the passages it showed, and (for "not helpful") the question."""

    model_config = ConfigDict(strict=True)

    passages: list[PassageId] = Field(min_length=1, max_length=MAX_PASSAGES_VOTED)
    helpful: bool
    question: str = Field("", max_length=MAX_QUESTION_CHARS)


class Stored(BaseModel):
    stored: Literal[True]


@api.post(
    "/feedback",
    response_model=Stored,
    responses={503: {"model": ErrorResponse}, **ERRORS},
    summary="Was this helpful?",
)
def feedback(request: Request, body: Feedback, assistant: AssistantDep, _: RateLimit) -> Stored:
    """Store a helpful / not-helpful vote (503 when the store cannot take it right now)."""
    try:
        request.app.state.recorder.vote(assistant, body.question, body.passages, body.helpful)
    except StoreError:
        raise HTTPException(503, "Sorry, we couldn't save your feedback just now.") from None
    return Stored(stored=True)


@pages.post("/feedback", response_class=HTMLResponse)
def feedback_form(
    request: Request,
    assistant: AssistantDep,
    _: RateLimit,
    helpful: Annotated[str, Form()] = "",
    passage: Annotated[list[str] | None, Form()] = None,
    question: Annotated[str, Form()] = "",
    embed: Annotated[str, Form()] = "",
) -> Response:
    """The vote without JavaScript: store it, then show the chat with a thank-you note."""
    note = "Thank you for your feedback."
    if helpful not in ("yes", "no") or not passage:
        note = "Please choose Yes or No."
    else:
        try:
            request.app.state.recorder.vote(
                assistant,
                question[:MAX_QUESTION_CHARS],
                passage[:MAX_PASSAGES_VOTED],
                helpful == "yes",
            )
        except StoreError:
            note = "Sorry, we couldn't save your feedback just now."
    return _chat(request, assistant, embed=embed == "1", notice=note)


def _chat(
    request: Request,
    assistant: Assistant,
    *,
    embed: bool,
    question: str | None = None,
    status: int = 200,
    notice: str = "",
) -> Response:
    """Render the chat page, with one exchange when a question was posted."""
    answer: Answer | None = None
    note = ""
    if question is not None:
        if not question.strip():
            note, status = "Please type a question first.", 422
        elif len(question) > MAX_QUESTION_CHARS:
            note, status = (
                (
                    f"Your question is longer than {MAX_QUESTION_CHARS} characters. "
                    "Please shorten it."
                ),
                422,
            )
        else:
            answer = assistant.ask(question)
            request.app.state.recorder.reply(assistant, answer)
    context = {
        "clinic": assistant.knowledge.clinic,
        "starters": assistant.starters,
        "answer": answer,
        "note": note,
        "notice": notice,
        "question": question or "",
        "embed": embed,
        "max_chars": MAX_QUESTION_CHARS,
        "action": "/embed" if embed else "/",
    }
    return request.app.state.templates.TemplateResponse(
        request, "chat.html", context, status_code=status
    )


@pages.get("/", response_class=HTMLResponse)
@pages.get("/embed", response_class=HTMLResponse)
def chat_page(request: Request, assistant: AssistantDep) -> Response:
    """The chat; at /embed, the same chat for an iframe on the clinic's site."""
    return _chat(request, assistant, embed=request.url.path == "/embed")


@pages.post("/", response_class=HTMLResponse)
@pages.post("/embed", response_class=HTMLResponse)
def chat_post(
    request: Request,
    assistant: AssistantDep,
    _: RateLimit,
    question: Annotated[str, Form()] = "",
) -> Response:
    """The chat without JavaScript: the form posts here and the reply is rendered."""
    return _chat(request, assistant, embed=request.url.path == "/embed", question=question)


@pages.get("/sources/{slug}", response_class=HTMLResponse)
def source_page(request: Request, slug: str, assistant: AssistantDep) -> Response:
    """A whole article; the passage named in the URL fragment is highlighted."""
    k = assistant.knowledge
    article = k.article(slug)
    if article is None:
        raise HTTPException(404)
    sections: list[tuple[str, list[Any]]] = []
    for p in k.passages:
        if p.article != slug:
            continue
        if not sections or sections[-1][0] != p.section:
            sections.append((p.section, []))
        sections[-1][1].append(p)
    return request.app.state.templates.TemplateResponse(
        request, "source.html", {"article": article, "sections": sections, "clinic": k.clinic}
    )


@pages.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, assistant: AssistantDep) -> Response:
    """The API reference, rendered from the OpenAPI schema (also at /openapi.json)."""
    schema = request.app.openapi()
    operations = [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
    ]
    return request.app.state.templates.TemplateResponse(
        request,
        "api_docs.html",
        {"schema": schema, "operations": operations, "clinic": assistant.knowledge.clinic},
    )
