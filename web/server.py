"""Run the web app under uvicorn, refusing to start (with a plain message) when misconfigured."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import uvicorn
from pydantic import ValidationError
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from web.headers import security_headers
from web.logs import configure_logging, log_config
from web.settings import Settings
from web.startup import StartupError, announce_when_serving, check_knowledge


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus our limits for slow or oversized requests and for requests
    in progress, and the headers of the server's own refusals (it travels to each worker
    process with the rest). uvicorn's `limit_concurrency` is not used: it counts every open
    connection, so 300 idle ones shut every visitor out."""

    def __init__(
        self,
        app: str | Callable[[], Any],
        *,
        max_header_bytes: int,
        request_timeout: float,
        max_requests: int | None = None,
        frame_ancestors: str = "'self'",
        **kwargs: Any,
    ):
        super().__init__(app, **kwargs)
        self.max_header_bytes = max_header_bytes
        self.request_timeout = request_timeout
        self.max_requests = max_requests
        self.frame_ancestors = frame_ancestors


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (its fastest HTTP/1.1 parser; h11 took about as long per
    request as the whole app), with TCP_NODELAY on every connection and three limits httptools
    lacks: the request line and headers must fit in `max_header_bytes` (else 431), a request
    must arrive whole within `request_timeout` seconds of the connection or of its first byte
    (else the connection is closed: a client sending a byte a minute holds no worker slot), and
    at most `max_requests` requests are served at once (else 503 `too_busy`). A request counts
    from the moment it has arrived whole until its reply is sent: idle keep-alive connections
    and requests still arriving hold no place (the timeouts bound those). The 431 and 503 carry
    the security headers of every other reply (`web.headers`).

    TCP_NODELAY: with `--workers` above 1, uvicorn binds the shared socket without naming the TCP
    protocol, so asyncio does not set TCP_NODELAY on accepted connections; on keep-alive
    connections Nagle's algorithm and delayed ACKs then hold each response for ~40 ms.
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.max_header_bytes: int = getattr(config, "max_header_bytes", 16_384)
        self.request_timeout: float = getattr(config, "request_timeout", 10.0)
        self.max_requests: int | None = getattr(config, "max_requests", None)
        self.refusal_headers = security_headers(getattr(config, "frame_ancestors", "'self'"))
        self._header_bytes = 0
        self._tail = b""  # the last bytes seen, to find a blank line split across reads
        self._in_headers = True
        self._request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]
        self._start_request_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_request_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_headers:  # count the bytes up to the blank line that ends the headers
            end = (self._tail + data).find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else end + 4 - len(self._tail)
            if self._header_bytes > self.max_header_bytes:
                self._refuse_headers()
                return
            self._tail = (self._tail + data)[-3:]
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._request_timer is None:
            self._start_request_timer()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_request_timer()
        self._in_headers, self._header_bytes, self._tail = True, 0, b""
        super().on_message_complete()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        # Over the cap of requests in progress (FAQBOT_MAX_CONNECTIONS): the API's JSON error,
        # with a time to come back (uvicorn's own cap, if set, answers in plain text).
        if app is service_unavailable or (
            self.max_requests is not None and self.requests_in_progress() >= self.max_requests
        ):
            app = partial(too_busy, headers=self.refusal_headers)
        super()._start_asgi_task(cycle, app)

    def requests_in_progress(self) -> int:
        """Requests of this worker that arrived whole and whose reply is not yet sent (this
        connection's new request not counted: its body may still be coming)."""
        return sum(
            1
            for connection in self.connections
            if connection is not self
            and (cycle := getattr(connection, "cycle", None)) is not None
            and not cycle.more_body
            and not cycle.response_complete
        )

    def _refuse_headers(self) -> None:
        self._in_headers = False
        self._stop_request_timer()
        self.logger.info("request headers over %d bytes refused", self.max_header_bytes)
        if not self.transport.is_closing():
            body = b"Request headers too large."
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"connection", b"close"),
                (b"content-length", str(len(body)).encode()),
                *self.refusal_headers,
            ]
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                + b"".join(k + b": " + v + b"\r\n" for k, v in headers)
                + b"\r\n"
                + body
            )
            self.transport.close()

    def _start_request_timer(self) -> None:
        self._stop_request_timer()
        self._request_timer = self.loop.call_later(self.request_timeout, self._request_too_slow)

    def _stop_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_too_slow(self) -> None:
        self._request_timer = None
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            return  # the reply is being written (it did not need the rest of the request)
        if not self.transport.is_closing():
            self.transport.close()


TOO_BUSY = json.dumps(
    {
        "error": {  # the shape of web.middleware.error_body, not imported by a parent process
            "code": "too_busy",
            "message": "The chat is very busy right now. Please try again in a moment.",
        }
    }
).encode()


async def too_busy(
    scope: Any, receive: Any, send: Any, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """The reply to a request over the cap: 503, JSON, `headers`, and the connection closed."""
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(TOO_BUSY)).encode()),
                (b"retry-after", b"5"),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_BUSY, "more_body": False})


def bound_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to (host, port) as uvicorn binds one (SO_REUSEADDR), with
    SO_REUSEPORT too when `reuse_port`, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class OwnListenerEventLoop(asyncio.SelectorEventLoop):
    """The workers' event loop with `--workers` above 1: each worker listens on a socket of its
    own, so that the kernel shares new connections out among the workers.

    uvicorn gives every worker the one socket its parent bound. On a shared listening socket,
    the first worker to wake accepts every waiting connection at once (asyncio accepts up to the
    backlog per wake-up), so 8 connections opened together often all went to one worker and the
    other stayed idle (2 workers then served no more than 1: `benchmarks/load.py`). Here the
    parent's socket is bound with SO_REUSEPORT and never listens; each worker binds its own
    socket to the same address with SO_REUSEPORT and listens on that, and Linux spreads
    connections over the listening sockets by a hash of their addresses, at no cost per
    connection.
    """

    async def create_server(
        self, protocol_factory: Any, host: Any = None, port: Any = None, **kwargs: Any
    ) -> asyncio.Server:
        shared = kwargs.get("sock")
        if shared is not None and shared.family in (socket.AF_INET, socket.AF_INET6):
            address, number = shared.getsockname()[:2]
            kwargs["sock"] = bound_socket(address, number, reuse_port=True)
        return await super().create_server(protocol_factory, host, port, **kwargs)


def port_in_use(host: str, port: int) -> str | None:
    """Why (host, port) cannot be ours, or None: another program, or another `faqbot serve`
    (whose sockets use SO_REUSEPORT, which would otherwise let us share its port silently)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not SO_REUSEPORT
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def server_config(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    own_listeners: bool,
    app: str | Callable[[], Any] = "web.app:create_app_from_env",
) -> ServerConfig:
    """uvicorn's configuration for these settings: our logging, limits and trusted proxies.
    `app` makes the app in each worker (by default from the environment's settings)."""
    trusted = settings.forwarded_allow_ips
    return ServerConfig(
        app,
        max_header_bytes=settings.max_header_bytes,
        request_timeout=settings.request_timeout,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(settings.log_level, settings.log_format),
        log_level=settings.log_level,
        access_log=False,  # it would record every visitor's address and path
        server_header=False,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or "",  # never uvicorn's FORWARDED_ALLOW_IPS or its default
        max_requests=settings.max_connections,
        frame_ancestors=settings.frame_ancestors,
        timeout_graceful_shutdown=10,
        http=LimitedHttpToolsProtocol,
        loop="web.server:OwnListenerEventLoop" if own_listeners else "auto",
    )


def serve(
    host: str,
    port: int,
    workers: int,
    knowledge: str | None,
    forwarded_allow_ips: str | None = None,
) -> int:
    """Check the settings and knowledge, then serve until stopped. Returns the exit code."""
    if knowledge is not None:
        os.environ["FAQBOT_KNOWLEDGE_DIR"] = knowledge  # workers read settings from the env
    if forwarded_allow_ips is not None:
        os.environ["FAQBOT_FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
    try:
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        # Fail here, with every problem listed, not in each worker.
        loaded = check_knowledge(settings)
    except ValidationError as exc:
        for error in exc.errors():
            name = "FAQBOT_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"Setting {name}: {error['msg']}", file=sys.stderr)
        return 1
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    if workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    busy = port_in_use(host, port)
    if busy is not None:
        print(
            f"Cannot listen on {host}:{port}: {busy}. Another program (or another "
            "`faqbot serve`) uses that port: stop it, or choose another with --port.",
            file=sys.stderr,
        )
        return 1
    own_listeners = workers > 1 and hasattr(socket, "SO_REUSEPORT")
    try:
        sock = bound_socket(host, port, reuse_port=own_listeners)
    except OSError as exc:
        print(f"Cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    if workers == 1:  # this process serves: it makes the app over the knowledge checked above
        from web.app import create_app  # here: a parent of several workers never needs the app

        config = server_config(
            settings, host, port, 1, False, app=lambda: create_app(settings, loaded)
        )
    else:
        config = server_config(settings, host, port, workers, own_listeners)
    trusted = settings.forwarded_allow_ips
    print(
        f"Knowledge folder: {settings.knowledge_dir.resolve()} (version {loaded.version}, "
        f"{len(loaded.passages)} passages)\n"
        f"Store: {settings.describe_store()}\n"
        f"Data folder: {settings.data_folder.resolve()}\n"
        f"Trusted reverse proxies: {trusted or 'none'}\n"
        f"Starting the chat on http://{host}:{port} (a first start encodes the knowledge "
        "first, about half a minute; the log shows how far) ...",
        flush=True,
    )
    announce_when_serving(host, port, f"The chat is at http://{host}:{port}  (Ctrl+C stops it)")
    sock.set_inheritable(True)
    with contextlib.suppress(KeyboardInterrupt):
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server = uvicorn.Server(config)
            server.run(sockets=[sock])
            return 0 if server.started else 3
    return 0
