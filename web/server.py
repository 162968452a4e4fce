"""Run the web app under uvicorn, refusing to start (with a plain message) when misconfigured."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from typing import Any

import uvicorn
from pydantic import ValidationError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from web.settings import Settings
from web.startup import StartupError, check_knowledge


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (its fastest HTTP/1.1 parser; h11 took about as long per
    request as the whole app) with TCP_NODELAY on every connection.

    With `--workers` above 1, uvicorn binds the shared socket without naming the TCP protocol, so
    asyncio does not set TCP_NODELAY on accepted connections; on keep-alive connections Nagle's
    algorithm and delayed ACKs then hold each response for ~40 ms.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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

    async def create_server(  # type: ignore[override]
        self, protocol_factory: Any, host: Any = None, port: Any = None, **kwargs: Any
    ) -> asyncio.Server:
        shared = kwargs.get("sock")
        if shared is not None and shared.family in (socket.AF_INET, socket.AF_INET6):
            kwargs["sock"] = reuse_port_socket(*shared.getsockname()[:2])
        return await super().create_server(protocol_factory, host, port, **kwargs)


def serve(host: str, port: int, workers: int, knowledge: str | None) -> int:
    """Check the settings and knowledge, then serve until stopped. Returns the exit code."""
    if knowledge is not None:
        os.environ["FAQBOT_KNOWLEDGE_DIR"] = knowledge  # workers read settings from the env
    try:
        settings = Settings()
        check_knowledge(settings)  # fail here, with every problem listed, not in each worker
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
    options: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "timeout_graceful_shutdown": 10,
        "http": NoDelayHttpToolsProtocol,
    }
    own_listeners = workers > 1 and hasattr(socket, "SO_REUSEPORT")
    if own_listeners:
        try:
            sock = reuse_port_socket(host, port)
        except OSError as exc:
            print(f"Cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return 1
    print(f"The chat is at http://{host}:{port}  (Ctrl+C stops it)", flush=True)
    if not own_listeners:
        uvicorn.run("web.app:create_app_from_env", **options)
        return 0
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "web.app:create_app_from_env", loop="web.server:OwnListenerEventLoop", **options
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()
    return 0
