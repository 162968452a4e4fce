"""The staff page: the report, the knowledge status and a "reload now" button.

It exists only when FAQBOT_ADMIN_TOKEN is set (otherwise every /admin path is a 404). Staff
sign in by typing the token into a form (never in a URL); the browser then keeps a cookie
derived from the token (HttpOnly, SameSite=Strict, path /admin). Scripts may send
`Authorization: Bearer <token>` instead. Comparisons are constant-time, and the token is never
logged.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot import __version__
from bot.store import StoreError, StoreReport
from web.recorder import Recorder
from web.settings import Settings
from web.state import KnowledgeHolder

admin = APIRouter(prefix="/admin", include_in_schema=False)
COOKIE = "faqbot_admin"
REPORT_PERIOD = timedelta(days=30)


def _token(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        raise HTTPException(404)
    return settings.admin_token.get_secret_value()


def _session_value(token: str) -> str:
    return hmac.new(token.encode(), b"faqbot admin session", hashlib.sha256).hexdigest()


def _signed_in(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(cookie.encode(), _session_value(token).encode())


def _page(request: Request, status: int = 200, message: str = "") -> Response:
    holder: KnowledgeHolder = request.app.state.holder
    recorder: Recorder = request.app.state.recorder
    report: StoreReport | None = None
    store_error = ""
    if status == 200 and recorder.store is not None:
        try:
            report = recorder.store.report(REPORT_PERIOD)
        except StoreError as exc:
            store_error = str(exc)
    context = {
        "clinic": holder.assistant.knowledge.clinic,
        "signed_in": status == 200,
        "message": message,
        "knowledge": holder.assistant.knowledge,
        "failure": holder.failure,
        "store": recorder.status(),
        "store_error": store_error,
        "report": report,
        "workers": holder.workers(),
        "version": __version__,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "admin.html", context, status_code=status
    )
    response.headers["cache-control"] = "no-store"
    return response


@admin.get("")
def admin_page(request: Request) -> Response:
    """The report and knowledge status, or the sign-in form (401) when not signed in."""
    return _page(request) if _signed_in(request, _token(request)) else _page(request, 401)


@admin.post("/login")
def login(request: Request, token: Annotated[str, Form()] = "") -> Response:
    """Check the typed token; on success set the session cookie and go to /admin."""
    expected = _token(request)
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return _page(request, 401, "That token is not right.")
    response = RedirectResponse("/admin", status_code=303)
    response.set_cookie(
        COOKIE,
        _session_value(expected),
        httponly=True,
        samesite="strict",
        path="/admin",
        secure=request.url.scheme == "https",
        max_age=8 * 3600,
    )
    return response


@admin.post("/logout")
def logout(request: Request) -> Response:
    """Forget the session cookie."""
    _token(request)
    response = RedirectResponse("/admin", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@admin.post("/reload")
def reload_now(request: Request) -> Response:
    """Validate and load the knowledge folder now, in every worker."""
    if not _signed_in(request, _token(request)):
        return _page(request, 401)
    holder: KnowledgeHolder = request.app.state.holder
    loaded = holder.reload_everywhere()  # the other workers follow within seconds
    message = (
        "Loaded a new version of the knowledge."
        if loaded
        else "The knowledge has errors; still serving the last good version."
        if holder.failure
        else "No changes: the knowledge is up to date."
    )
    return _page(request, message=message)
