"""The app factory: `create_app(settings)` builds the FastAPI app over one knowledge folder."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException

from bot import __version__
from bot.assistant import Assistant
from bot.canaries import safety_problems
from bot.encoder import EncoderError
from bot.knowledge import Knowledge
from bot.store import private_folder
from web.admin import admin
from web.middleware import (
    BodyLimitMiddleware,
    HeadMiddleware,
    SecurityHeadersMiddleware,
    TrailingSlashMiddleware,
    error_body,
)
from web.origin import CrossOriginPost
from web.ratelimit import RateLimited, SharedRateLimiter
from web.readiness import ready
from web.recorder import Recorder
from web.routes import api, pages
from web.sessions import SignInThrottle, StaffSessions
from web.settings import Settings
from web.startup import StartupError, check_knowledge
from web.state import KnowledgeHolder, Watcher
from web.workers import Roster

HERE = Path(__file__).resolve().parent
log = logging.getLogger("faqbot")
WORKER_SYNC_INTERVAL = 2.0  # seconds; how soon workers follow "Reload now" with hot reload off


def load_assistant(settings: Settings, knowledge: Knowledge | None = None) -> Assistant:
    """Load the knowledge (unless given, checked) and train on it, or raise StartupError
    listing every problem."""
    if knowledge is None:
        knowledge = check_knowledge(settings)
    try:
        assistant = Assistant(knowledge)
    except EncoderError as exc:
        raise StartupError(f"The chat cannot start: {exc}") from None
    if settings.safety_gate and (problems := safety_problems(assistant)):
        listed = "\n".join(str(p) for p in problems)
        raise StartupError(f"The chat cannot start: the knowledge is not safe to serve.\n{listed}")
    return assistant


def create_app(settings: Settings | None = None, knowledge: Knowledge | None = None) -> FastAPI:
    """Build the app: load the knowledge once (or take it, already checked), mount pages, API,
    static files and handlers."""
    settings = settings or Settings()
    private_folder(settings.data_folder)  # before anything is written there (0700 when new)
    holder = KnowledgeHolder(
        load_assistant(settings, knowledge), settings.knowledge_dir, settings.safety_gate
    )
    recorder = Recorder(settings.open_store(), keep_questions=settings.keep_questions)
    roster = Roster(settings.data_folder / "workers", host=settings.server_name)
    holder.attach(roster, on_status=recorder.status_changed)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is loaded by now lives as long as the process: move it out of the cyclic
        # garbage collector's way, so a full collection scans only newer objects (it took
        # ~40 ms over the loaded app and would stall every reply waiting behind it).
        gc.collect()
        gc.freeze()
        # Hot reload off (interval 0) still follows "Reload now" from the other workers.
        interval = settings.reload_interval or WORKER_SYNC_INTERVAL
        watcher = Watcher(holder, interval, watch_folder=bool(settings.reload_interval))
        watcher.start()
        recorder.start()
        try:
            yield
        finally:
            recorder.stop()
            watcher.stop()
            holder.forget()

    app = FastAPI(
        lifespan=lifespan,
        title="Ketamine FAQ bot API",
        version=__version__,
        summary="Answers questions by quoting the clinic's reviewed article passages.",
        docs_url=None,  # our own /docs page: Swagger UI would load third-party scripts
        redoc_url=None,
        redirect_slashes=False,  # TrailingSlashMiddleware: its redirects never use Host
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.recorder = recorder
    app.state.staff_sessions = (
        StaffSessions(
            settings.admin_token.get_secret_value(),
            recorder.store,
            settings.admin_session_hours * 3600,
        )
        if settings.admin_token is not None and recorder.store is not None
        else None
    )
    app.state.signin_throttle = SignInThrottle()
    app.state.limiter = (
        SharedRateLimiter(
            settings.data_folder / "ratelimit.sqlite3",
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
        )
        if settings.rate_limit_per_minute
        else None
    )
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    templates = Jinja2Templates(env=env)
    templates.env.filters["tel"] = lambda phone: "".join(
        c for c in str(phone) if c.isdigit() or c == "+"
    )
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api)
    app.include_router(ready)
    app.include_router(admin)
    app.include_router(pages)
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, frame_ancestors=settings.frame_ancestors)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeadMiddleware)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
            "accept", ""
        )

    def page_error(request: Request, status: int, title: str, message: str) -> Response:
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": title, "message": message, "clinic": holder.assistant.knowledge.clinic},
            status_code=status,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse(error_body("invalid_request", _validation_message(exc)), 422)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        message = "You're sending questions very quickly. Please wait a moment and try again."
        if wants_json(request):
            return JSONResponse(error_body("rate_limited", message), 429, headers=headers)
        response = page_error(request, 429, "Please wait a moment", message)
        response.headers.update(headers)
        return response

    @app.exception_handler(CrossOriginPost)
    async def cross_origin_post(request: Request, exc: CrossOriginPost) -> Response:
        message = "This form can only be sent from the chat's own page. Please ask there."
        if wants_json(request):
            return JSONResponse(error_body("cross_origin", message), 403)
        return page_error(request, 403, "Please use the chat's own page", message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not wants_json(request):
            return page_error(
                request,
                404,
                "Page not found",
                "We couldn't find that page. The chat is on the home page.",
            )
        if exc.status_code == 400:  # FastAPI could not read the body at all
            message = 'The request body could not be read. Send JSON like {"question": "..."}.'
            return JSONResponse(error_body("invalid_request", message), 422)
        message = str(exc.detail) if exc.status_code != 404 else "There is nothing at this path."
        code = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            503: "store_unavailable",
        }.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "Something went wrong on our side. Please try again in a moment."
        if wants_json(request):
            return JSONResponse(error_body("internal_error", message), 500)
        return page_error(request, 500, "Something went wrong", message)

    return app


def _validation_message(exc: RequestValidationError) -> str:
    """One plain sentence for the first problem in a request."""
    for error in exc.errors():
        kind = error.get("type", "")
        if isinstance(error.get("input"), bytes):  # a body not sent as JSON stays unparsed
            return "Send the question as JSON (Content-Type: application/json)."
        if kind == "json_invalid":
            return 'The request body is not valid JSON. Send {"question": "..."}.'
        if kind == "missing":
            return 'Send JSON like {"question": "How does ketamine work?"}.'
        if kind in ("string_too_short", "string_pattern_mismatch") or "blank" in str(
            error.get("msg", "")
        ):
            return "The question is empty. Please type a question."
        if kind == "string_too_long":
            return "The question is longer than 500 characters. Please shorten it."
        if kind in ("string_type", "model_attributes_type", "dict_type", "model_type"):
            return 'Send JSON like {"question": "How does ketamine work?"} with a text question.'
    return 'The request could not be understood. Send {"question": "..."}.'


def create_app_from_env() -> FastAPI:
    """Factory for uvicorn: settings from the environment."""
    return create_app(Settings())
