"""The staff page: the report, the knowledge status and a "reload now" button.

It exists only when FAQBOT_ADMIN_TOKEN is set (otherwise every /admin path is a 404). Staff
sign in by typing the token into a form (never in a URL); the browser then keeps a signed,
timestamped session cookie (HttpOnly, SameSite=Strict, path /admin) that expires after
FAQBOT_ADMIN_SESSION_HOURS and is refused by every worker once signed out (`web.sessions`).
Every staff form carries a CSRF token bound to the session (or, for the sign-in form, to a
nonce cookie). Scripts may send `Authorization: Bearer <token>` instead and need no CSRF token.
Wrong tokens are throttled per client address; each sign-in attempt is logged with the
address and the outcome, never the token. Comparisons are constant-time.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot import __version__
from bot.store import StoreError, StoreReport
from web.recorder import Recorder
from web.sessions import SignInThrottle, StaffSessions
from web.settings import Settings
from web.state import WORKER_MAX_AGE, KnowledgeHolder
from web.workers import shared

admin = APIRouter(prefix="/admin", include_in_schema=False)
COOKIE = "faqbot_admin"
FORM_COOKIE = "faqbot_admin_form"  # the sign-in form's nonce, which its CSRF token is bound to
FLASH_COOKIE = "faqbot_admin_flash"  # what "Reload now" did, shown once on the page it leads to
RELOADED = {
    "loaded": "Loaded a new version of the knowledge.",
    "failed": "The knowledge has errors; still serving the last good version.",
    "unchanged": "No changes: the knowledge is up to date.",
}
REPORT_PERIOD = timedelta(days=30)
log = logging.getLogger("faqbot.admin")
CsrfField = Annotated[str, Form()]


@dataclass(frozen=True)
class Staff:
    """Who is signed in: a browser session (its id) or a script with the bearer token."""

    session: str | None


class _Refused(Exception):
    """The request ends here with this status and message (locked out, store down)."""

    def __init__(self, status: int, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def _token(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        raise HTTPException(404)
    return settings.admin_token.get_secret_value()


def _sessions(request: Request) -> StaffSessions:
    sessions: StaffSessions = request.app.state.staff_sessions
    return sessions


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_throttle(request: Request) -> None:
    throttle: SignInThrottle = request.app.state.signin_throttle
    wait = throttle.wait(_address(request))
    if wait:
        log.warning("staff sign-in from %s refused: locked out for %d s", _address(request), wait)
        minutes = max(1, round(wait / 60))
        raise _Refused(
            429,
            f"Too many wrong tokens from this address. Try again in about {minutes} minute(s).",
            wait,
        )


def _token_matches(request: Request, given: str, expected: str, how: str) -> bool:
    """Compare a typed or sent token; count and log the outcome for this address."""
    throttle: SignInThrottle = request.app.state.signin_throttle
    address = _address(request)
    if hmac.compare_digest(given.encode(), expected.encode()):
        throttle.succeeded(address)
        log.warning("staff sign-in from %s (%s): accepted", address, how)
        return True
    throttle.failed(address)
    log.warning("staff sign-in from %s (%s): wrong token", address, how)
    return False


def _signed_in(request: Request) -> Staff | None:
    """The staff member behind this request, if any (raises _Refused when locked out)."""
    expected = _token(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        _check_throttle(request)
        matches = _token_matches(request, header[7:].strip(), expected, "bearer")
        return Staff(None) if matches else None
    cookie = request.cookies.get(COOKIE, "")
    if not cookie:
        return None
    session = _sessions(request).check(cookie)
    return None if session is None else Staff(session)


def _page(request: Request, staff: Staff | None, status: int = 200, message: str = "") -> Response:
    """The staff page when `staff` is signed in, else the sign-in form (with its nonce)."""
    holder: KnowledgeHolder = request.app.state.holder
    recorder: Recorder = request.app.state.recorder
    sessions = _sessions(request)
    report: StoreReport | None = None
    store_error = ""
    nonce = ""
    workers = holder.workers()  # this machine's, from the data folder
    if staff is not None:
        csrf = sessions.csrf(f"session:{staff.session}") if staff.session else ""
        if recorder.store is not None:
            try:
                report = recorder.store.report(REPORT_PERIOD)
                # The workers of every server sharing the store (this machine's until they
                # first wrote there).
                workers = shared(recorder.store, WORKER_MAX_AGE) or workers
            except StoreError as exc:
                store_error = str(exc)
    else:
        nonce = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(16)
        csrf = sessions.csrf(f"sign-in:{nonce}")
    context = {
        "clinic": holder.assistant.knowledge.clinic,
        "signed_in": staff is not None,
        "csrf": csrf,
        "message": message,
        "knowledge": holder.assistant.knowledge,
        "failure": holder.failure,
        "store": recorder.status(),
        "store_error": store_error,
        "report": report,
        "workers": workers,
        "versions": sorted({w.knowledge_version for w in workers}),
        "version": __version__,
        "staff_page": True,  # no visitors' crisis banner or disclaimer on it
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "admin.html", context, status_code=status
    )
    response.headers["cache-control"] = "no-store"
    if nonce:
        _set_cookie(request, response, FORM_COOKIE, nonce, 3600)
    return response


def _refusal(request: Request, refused: _Refused) -> Response:
    """A plain page for a refused request; it needs neither a session nor the store."""
    holder: KnowledgeHolder = request.app.state.holder
    response: Response = request.app.state.templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": "Staff sign-in",
            "message": refused.message,
            "clinic": holder.assistant.knowledge.clinic,
            "staff_page": True,
        },
        status_code=refused.status,
    )
    response.headers["cache-control"] = "no-store"
    if refused.retry_after:
        response.headers["retry-after"] = str(refused.retry_after)
    return response


def _store_down(exc: StoreError) -> _Refused:
    log.error("staff sign-in unavailable: %s", exc)
    return _Refused(
        503,
        "Staff sign-in needs the store, which cannot be reached right now. Please try again "
        "in a moment; scripts can still send the token as Authorization: Bearer.",
    )


def _set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        path="/admin",
        secure=request.url.scheme == "https",
        max_age=age,
    )


@admin.get("")
def admin_page(request: Request) -> Response:
    """The report and knowledge status, or the sign-in form (401) when not signed in."""
    try:
        staff = _signed_in(request)
        if staff is None:
            return _page(request, None, 401)
        flash = request.cookies.get(FLASH_COOKIE, "")
        response = _page(request, staff, message=RELOADED.get(flash, ""))
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/admin")
        return response
    except StoreError as exc:
        return _refusal(request, _store_down(exc))
    except _Refused as refused:
        return _refusal(request, refused)


@admin.post("/login")
def login(request: Request, token: Annotated[str, Form()] = "", csrf: CsrfField = "") -> Response:
    """Check the typed token; on success start a session and go to /admin."""
    expected = _token(request)
    sessions = _sessions(request)
    try:
        _check_throttle(request)
        if not sessions.csrf_ok(f"sign-in:{request.cookies.get(FORM_COOKIE, '')}", csrf):
            log.warning("staff sign-in from %s: form expired (no CSRF match)", _address(request))
            message = "The sign-in form had expired. Please type the token again."
            return _page(request, None, 403, message)
        if not _token_matches(request, token.strip(), expected, "form"):
            return _page(request, None, 401, "That token is not right.")
        response = RedirectResponse("/admin", status_code=303)
        lifetime = int(sessions.lifetime_s)
        _set_cookie(request, response, COOKIE, sessions.issue(), lifetime)
        response.delete_cookie(FORM_COOKIE, path="/admin")
        return response
    except StoreError as exc:
        return _refusal(request, _store_down(exc))
    except _Refused as refused:
        return _refusal(request, refused)


@admin.post("/logout")
def logout(request: Request, csrf: CsrfField = "") -> Response:
    """End the session, in every worker, and forget the cookie."""
    _token(request)
    sessions = _sessions(request)
    cookie = request.cookies.get(COOKIE, "")
    try:
        session = sessions.check(cookie) if cookie else None
        if session is not None:
            if not sessions.csrf_ok(f"session:{session}", csrf):
                message = "That form had expired. Please press Sign out again."
                return _page(request, Staff(session), 403, message)
            sessions.revoke(cookie)
            log.warning("staff sign-out from %s", _address(request))
    except StoreError as exc:
        return _refusal(request, _store_down(exc))
    response = RedirectResponse("/admin", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@admin.post("/reload")
def reload_now(request: Request, csrf: CsrfField = "") -> Response:
    """Validate and load the knowledge folder now, in every worker."""
    try:
        staff = _signed_in(request)
        if staff is None:
            return _page(request, None, 401)
        if staff.session is not None and not _sessions(request).csrf_ok(
            f"session:{staff.session}", csrf
        ):
            message = "That form had expired. Please press Reload now again."
            return _page(request, staff, 403, message)
    except StoreError as exc:
        return _refusal(request, _store_down(exc))
    except _Refused as refused:
        return _refusal(request, refused)
    holder: KnowledgeHolder = request.app.state.holder
    loaded = holder.reload_everywhere()  # the other workers follow within seconds
    outcome = "loaded" if loaded else "failed" if holder.failure else "unchanged"
    if staff.session is None:  # a script: the page at once
        return _page(request, staff, message=RELOADED[outcome])
    # A browser goes back to /admin (reloading that page does not post again), where the
    # outcome is shown once.
    response = RedirectResponse("/admin", status_code=303)
    _set_cookie(request, response, FLASH_COOKIE, outcome, 60)
    return response
