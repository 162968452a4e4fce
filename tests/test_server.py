"""`faqbot serve` sets TCP_NODELAY on every connection (multi-worker keep-alive stalls)."""

from __future__ import annotations

import socket
from typing import Any

from web.server import NoDelayH11Protocol


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def test_connection_made_sets_tcp_nodelay(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        "uvicorn.protocols.http.h11_impl.H11Protocol.connection_made", lambda self, transport: None
    )
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # proto 0, as uvicorn binds
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayH11Protocol.__new__(NoDelayH11Protocol)
        protocol.connection_made(_Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
