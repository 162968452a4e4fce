"""Routes: the chat pages (work without JavaScript), source pages, and the JSON API."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot import __version__
from bot.answer import Answer
from bot.assistant import MAX_QUESTION_CHARS, Assistant
from bot.brand import LOGO_MAX_BYTES, LOGO_TYPES
from bot.files import Refused, read_bytes
from bot.store import StoreError
from web.icon import favicon
from web.origin import FromOurPages
from web.ratelimit import RateLimit
from web.recorder import StoreStatus
from web.settings import Settings
from web.state import AssistantDep, KnowledgeHolder

api = APIRouter(prefix="/api", tags=["api"])
pages = APIRouter(include_in_schema=False)
MAX_PASSAGES_VOTED = 5
STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_BRAND = "#0b5cad"  # the stylesheet's own accent, used when clinic.txt names none
CHAT_TITLE = "Questions about ketamine infusions"
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
    safe: bool = Field(
        False,
        description="The visitor said they are safe after a check-in (a crisis reply with "
        '`level` "check_in"): the reply it held back is given at once (a message that '
        "clearly speaks of risk still gets crisis resources alone). Such a reply is neither "
        "counted nor kept for staff.",
    )


class ReloadStatus(BaseModel):
    """The last knowledge reload: `failed` while a changed folder has errors. `errors` says
    where each is (`file:line`, relative to the knowledge folder); what is wrong is shown to
    staff on /admin and in the server log."""

    status: Literal["ok", "failed"]
    failed_at: datetime | None = None
    errors: list[str] = []


class StoreHealth(BaseModel):
    """The store of unanswered questions and feedback; replies never wait for it. `last_error`
    says only that writing failed: the error's own text (which may name the store's file,
    host or user) is on the staff page and in the log."""

    status: Literal["ok", "failing", "off"]
    backend: str
    last_error: str | None
    last_error_at: datetime | None
    dropped: int


STORE_FAILING = "the store could not be written; details on the staff page and in the log"


def public_store_status(status: StoreStatus) -> dict[str, Any]:
    """The recorder's status for the public: the error's text replaced by STORE_FAILING."""
    return {**status.__dict__, "last_error": STORE_FAILING if status.last_error else None}


class WorkerHealth(BaseModel):
    """One worker process of this machine and the knowledge version it serves."""

    pid: int
    knowledge_version: str
    loaded_at: datetime
    reload: Literal["ok", "failed"]


class Health(BaseModel):
    """Whether the bot is serving, which knowledge version it serves, and reload status."""

    status: Literal["ok"]
    version: str = Field(description="The bot's version (CHANGELOG.md)")
    passages: int
    articles: int
    knowledge_version: str
    loaded_at: datetime
    reload: ReloadStatus
    store: StoreHealth
    workers: list[WorkerHealth] = []


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The one JSON error shape."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (413, 422)
}


@api.post(
    "/ask",
    response_model=Answer,
    response_description="The answer's JSON form",
    responses={429: {"model": ErrorResponse}, **ERRORS},
    summary="Answer one question",
)
def ask(
    request: Request, response: Response, body: AskRequest, assistant: AssistantDep, _: RateLimit
) -> Answer:
    """Safety rules first, then retrieval; returns the answer's JSON form. When the bot is not
    sure a message speaks of risk it checks in (`level` "check_in"): crisis resources first, and
    the reply it would otherwise give in `held`, shown once the visitor says they are safe (or
    asked again with `safe`)."""
    response.headers["cache-control"] = "no-store"  # it holds the question
    answer = assistant.ask(body.question, safe=body.safe)
    request.app.state.recorder.reply(assistant, answer, safe=body.safe)
    return answer


@api.get("/health", response_model=Health, summary="Service and knowledge status")
async def health(request: Request) -> Health:
    """Status, passage count, the knowledge version served and when it loaded, and whether
    the last reload of a changed knowledge folder failed (with where its errors are)."""
    holder: KnowledgeHolder = request.app.state.holder
    k = holder.assistant.knowledge
    failure = holder.failure
    reload = (
        ReloadStatus(status="ok")
        if failure is None
        else ReloadStatus(status="failed", failed_at=failure.at, errors=list(failure.where))
    )
    return Health(
        status="ok",
        version=__version__,
        store=StoreHealth(**public_store_status(request.app.state.recorder.status())),
        passages=len(k.passages),
        articles=len(k.articles),
        knowledge_version=k.version,
        loaded_at=k.loaded_at,
        reload=reload,
        workers=[
            WorkerHealth(
                pid=w.pid,
                knowledge_version=w.knowledge_version,
                loaded_at=datetime.fromisoformat(w.loaded_at),
                reload="failed" if w.reload == "failed" else "ok",
            )
            for w in holder.workers()
        ],
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
    _: FromOurPages,
    __: RateLimit,
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
    safe: bool = False,
) -> Response:
    """Render the chat page, with one exchange when a question was posted. `safe`: the visitor
    said they are safe after a check-in; the check-in is shown again, then the reply it held
    back (`Answer.held`), neither counted nor kept (`Recorder.reply`)."""
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
            # Asked as a check-in even when safe, to show it again above the reply it held back
            # (the same reply `ask(question, safe=True)` gives).
            answer = assistant.ask(question)
            request.app.state.recorder.reply(assistant, answer, safe=safe)
    context = {
        "clinic": assistant.knowledge.clinic,
        "starters": assistant.starters,
        "answer": answer,
        "safe": safe and answer is not None,
        "note": note,
        "notice": notice,
        "question": question or "",
        "embed": embed,
        "max_chars": MAX_QUESTION_CHARS,
        "action": "/embed" if embed else "/",
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "chat.html", context, status_code=status
    )
    if question is not None or notice:  # the reply to a post: it may show what was asked
        response.headers["cache-control"] = "no-store"
    return response


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
    _: FromOurPages,
    __: RateLimit,
    question: Annotated[str, Form()] = "",
    safe: Annotated[str, Form()] = "",
) -> Response:
    """The chat without JavaScript: the form posts here and the reply is rendered; a check-in's
    "I'm safe" button posts the question again with `safe=1`."""
    return _chat(
        request,
        assistant,
        embed=request.url.path == "/embed",
        question=question,
        safe=safe == "1",
    )


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
    response: Response = request.app.state.templates.TemplateResponse(
        request, "source.html", {"article": article, "sections": sections, "clinic": k.clinic}
    )
    return response


@pages.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, assistant: AssistantDep) -> Response:
    """The API reference, rendered from the OpenAPI schema (also at /openapi.json)."""
    schema = request.app.openapi()
    operations = [
        (method.upper(), path, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
    ]
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "api_docs.html",
        {"schema": schema, "operations": operations, "clinic": assistant.knowledge.clinic},
    )
    return response


@pages.get("/widget.js")
def widget_script(request: Request, assistant: AssistantDep) -> Response:
    """The launcher for the clinic's site: `<script src="https://BOT/widget.js" defer>`. The
    clinic's name and colour are written into the script; everything else is static."""
    clinic = assistant.knowledge.clinic
    settings: Settings = request.app.state.settings
    config = {
        "name": clinic.name,
        "color": clinic.brand_color or DEFAULT_BRAND,
        "title": CHAT_TITLE,
        # The sites that may show the chat (also in every page's CSP frame-ancestors): on any
        # other, the panel says so instead of a frame the browser refuses to draw.
        "allowed": settings.frame_ancestors.split(),
        "setting": "FAQBOT_FRAME_ANCESTORS",
    }
    text = (STATIC / "widget.js").read_text(encoding="utf-8")
    script = text.replace('"__FAQBOT_CONFIG__"', json.dumps(config).replace("<", "\\u003c"), 1)
    return Response(
        script,
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=300"},
    )


@pages.get("/brand.css")
def brand_stylesheet(assistant: AssistantDep) -> Response:
    """The clinic's colour as CSS variables (a file, since the pages allow no inline style);
    as text it is used on the light scheme only, the dark one keeps its light accent."""
    colour = assistant.knowledge.clinic.brand_color or DEFAULT_BRAND
    return Response(
        f":root {{ --brand: {colour}; }}\n"  # behind white text: AA in both schemes
        f"@media (prefers-color-scheme: light) {{ :root {{ --accent: {colour}; }} }}\n",
        media_type="text/css; charset=utf-8",
        headers={"cache-control": "public, max-age=300"},
    )


@pages.get("/favicon.ico")
def favicon_icon(assistant: AssistantDep) -> Response:
    """The site's icon, in the clinic's colour (browsers ask for it on every site)."""
    colour = assistant.knowledge.clinic.brand_color or DEFAULT_BRAND
    return Response(
        favicon(colour),
        media_type="image/vnd.microsoft.icon",
        headers={"cache-control": "public, max-age=86400"},
    )


@pages.get("/brand/logo")
def brand_logo(assistant: AssistantDep) -> Response:
    """The clinic's logo file from the knowledge folder, read by the knowledge's own rule each
    time (`bot.files.read_bytes`): a regular file inside the folder, so a link put in its
    place after a good load (to /etc/passwd, or the store) is not served."""
    k = assistant.knowledge
    if not k.clinic.logo:
        raise HTTPException(404)
    path = Path(k.folder) / k.clinic.logo
    try:
        data = read_bytes(path, Path(k.folder), LOGO_MAX_BYTES)
    except (Refused, OSError):
        raise HTTPException(404) from None
    media_type = LOGO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return Response(data, media_type=media_type, headers={"cache-control": "max-age=300"})
