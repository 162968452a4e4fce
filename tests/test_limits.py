"""Server limits for slow or greedy clients, on a real uvicorn with our protocol: oversized
headers get 431, a request that does not arrive whole in time is cut off, and connections
above the per-worker cap get a JSON 503 at once."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from tests.test_faults import free_port
from web.server import LimitedHttpToolsProtocol, ServerConfig, server_config
from web.settings import Settings


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny ASGI app: reads the whole body, answers with its length."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    """A uvicorn with our protocol in a thread: 1 KiB of headers, 1 s per request, 2
    connections."""
    config = ServerConfig(
        echo_app,  # type: ignore[arg-type]
        max_header_bytes=1024,
        request_timeout=1.0,
        host="127.0.0.1",
        port=free_port(),
        http=LimitedHttpToolsProtocol,
        limit_concurrency=2,
        log_level="critical",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield config.host, config.port
    server.should_exit = True
    thread.join(timeout=10)


def exchange(address: tuple[str, int], data: bytes, pause: float = 0.0) -> bytes:
    """Send `data` (optionally waiting `pause` seconds first), read until the server closes."""
    with socket.create_connection(address, timeout=5) as sock:
        time.sleep(pause)
        sock.sendall(data)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def request(headers: str = "", body: bytes = b"") -> bytes:
    head = f"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
    return (head + headers + "\r\n").encode() + body


def test_a_normal_request_with_a_body_larger_than_the_header_limit_is_served(
    address: tuple[str, int],
) -> None:
    reply = exchange(address, request(body=b"x" * 8000))
    assert reply.startswith(b"HTTP/1.1 200") and b"\r\n8000\r\n" in reply


def test_oversized_headers_get_431_and_the_connection_closes(address: tuple[str, int]) -> None:
    reply = exchange(address, request(headers=f"X-Big: {'a' * 2000}\r\n"))
    assert reply.startswith(b"HTTP/1.1 431 ")


def test_oversized_headers_over_several_reads_get_431(address: tuple[str, int]) -> None:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):  # 1.2 KiB in three reads, the blank line never sent
            time.sleep(0.05)
            sock.sendall(f"X-Part: {'a' * 400}\r\n".encode())
        assert read_all(sock).startswith(b"HTTP/1.1 431 ")


def test_headers_sent_a_byte_at_a_time_are_cut_off_after_the_request_timeout(
    address: tuple[str, int],
) -> None:
    started = time.monotonic()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            for _ in range(40):  # a slow client: one header line every 0.1 s, never ending
                time.sleep(0.1)
                sock.sendall(b"X-Slow: 1\r\n")
            pytest.fail("the server still reads a request after 4 s")
    assert time.monotonic() - started < 3


def test_a_connection_that_sends_nothing_is_closed_after_the_request_timeout(
    address: tuple[str, int],
) -> None:
    started = time.monotonic()
    with socket.create_connection(address, timeout=5) as sock:
        assert read_all(sock) == b""
    assert 0.9 < time.monotonic() - started < 3


def test_a_body_that_never_finishes_is_cut_off(address: tuple[str, int]) -> None:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(request(body=b"x" * 100)[:-50])  # 50 bytes of the body never come
        assert read_all(sock) == b""


def test_connections_above_the_cap_get_503_at_once(address: tuple[str, int]) -> None:
    held = [socket.create_connection(address, timeout=5) for _ in range(2)]
    try:
        time.sleep(0.1)
        reply = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 503 ")
        head, body = reply.split(b"\r\n\r\n", 1)
        assert b"content-type: application/json" in head and b"retry-after: 5" in head
        assert json.loads(body)["error"]["code"] == "too_busy"  # the API's error shape
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    assert exchange(address, request()).startswith(b"HTTP/1.1 200")


def test_serve_config_carries_the_settings_and_trusts_no_proxy_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable must not count
    settings = Settings(max_header_bytes=2048, request_timeout=3, max_connections=7)
    config = server_config(settings, "127.0.0.1", 8000, 1, own_listeners=False)
    assert (config.max_header_bytes, config.request_timeout) == (2048, 3)
    assert config.limit_concurrency == 7
    assert config.proxy_headers is False and config.access_log is False
    trusting = server_config(
        Settings(forwarded_allow_ips="127.0.0.1"), "127.0.0.1", 8000, 1, own_listeners=False
    )
    assert trusting.proxy_headers is True and trusting.forwarded_allow_ips == "127.0.0.1"
