"""`faqbot serve` sets TCP_NODELAY on every connection (multi-worker keep-alive stalls)."""

from __future__ import annotations

import socket
from typing import Any

from web.server import NoDelayHttpToolsProtocol


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def test_connection_made_sets_tcp_nodelay(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        "uvicorn.protocols.http.httptools_impl.HttpToolsProtocol.connection_made",
        lambda self, transport: None,
    )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # proto 0, as uvicorn binds
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayHttpToolsProtocol.__new__(NoDelayHttpToolsProtocol)
        protocol.connection_made(_Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
