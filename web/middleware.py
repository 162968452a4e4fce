"""ASGI middleware: request body limit, security headers on every response, HEAD wherever GET
is answered, and trailing-slash redirects that never use the Host header."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.headers import security_headers


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one JSON error shape: {"error": {"code": ..., "message": ...}}."""
    return {"error": {"code": code, "message": message}}


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, from Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:  # raised outside a route (which turns it into its own 413 reply)
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request is larger than {self.max_bytes} bytes."
        headers = {"connection": "close"}
        headers.update((k.decode(), v.decode()) for k, v in security_headers("'none'"))
        response = JSONResponse(error_body("too_large", message), 413, headers=headers)
        await response(scope, receive, send)


class _TooLarge(HTTPException):
    """Raised while reading a streamed body past the limit; FastAPI passes HTTP errors through."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request is larger than {max_bytes} bytes.")


class SecurityHeadersMiddleware:
    """Adds CSP (no inline script; frame-ancestors from settings) and other headers."""

    def __init__(self, app: ASGIApp, frame_ancestors: str) -> None:
        self.app = app
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in existing]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadMiddleware:
    """Answers HEAD wherever GET is answered: routed as GET, sent without the body.

    FastAPI routes declared with GET answer HEAD with 405 (Starlette's own routes add HEAD
    themselves); this keeps the status and headers of the GET reply, Content-Length included.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class TrailingSlashMiddleware:
    """Redirects `/admin/` to `/admin` when only the path without the slash exists, with a
    relative Location. Starlette's own `redirect_slashes` (turned off in `create_app`) builds
    an absolute URL from the Host header, which a client chooses: `Host: evil.example` got a
    redirect to http://evil.example/admin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        target = path.rstrip("/")
        if (
            path != target
            and target[1:2] not in ("", "/", "\\")  # never "//host" (a protocol-relative URL)
            and not _routed(scope, path)
            and _routed(scope, target)
        ):
            query = scope.get("query_string", b"").decode("latin-1")
            location = target + (f"?{query}" if query else "")
            await RedirectResponse(location, status_code=307)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _routed(scope: Scope, path: str) -> bool:
    """Whether a route of the app takes this path (for any method)."""
    routes = scope["app"].router.routes
    return any(route.matches({**scope, "path": path})[0] is not Match.NONE for route in routes)
