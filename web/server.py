"""Run the web app under uvicorn, refusing to start (with a plain message) when misconfigured."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys

import uvicorn
from pydantic import ValidationError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

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
    print(f"The chat is at http://{host}:{port}  (Ctrl+C stops it)", flush=True)
    uvicorn.run(
        "web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        http=NoDelayHttpToolsProtocol,
    )
    return 0
