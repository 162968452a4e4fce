"""Server limits for slow or greedy clients, on a real uvicorn with our protocol: oversized
headers get 431, a request that does not arrive whole in time is cut off, requests in progress
above the per-worker cap get a JSON 503 at once, and idle or half-sent connections never count
against the cap; the server's own refusals carry the security headers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.test_faults import free_port, serve
from web.server import LimitedHttpToolsProtocol, ServerConfig, server_config
from web.settings import Settings

FRAME_ANCESTORS = "'self' https://clinic.example"


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny ASGI app: reads the whole body, answers with its length; at /slow, a second
    later."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/slow":
        await asyncio.sleep(1.0)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


@contextlib.contextmanager
def running(request_timeout: float, max_requests: int) -> Iterator[tuple[str, int]]:
    """A uvicorn with our protocol in a thread, serving `echo_app`: 1 KiB of headers."""
    config = ServerConfig(
        echo_app,  # type: ignore[arg-type]
        max_header_bytes=1024,
        request_timeout=request_timeout,
        max_requests=max_requests,
        frame_ancestors=FRAME_ANCESTORS,
        host="127.0.0.1",
        port=free_port(),
        http=LimitedHttpToolsProtocol,
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


@pytest.fixture
def address() -> Iterator[tuple[str, int]]:
    """1 s per request, 2 requests in progress at once."""
    with running(request_timeout=1.0, max_requests=2) as where:
        yield where


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


def refusal_headers(reply: bytes) -> dict[str, str]:
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    return dict(line.split(": ", 1) for line in head.split("\r\n")[1:])


def test_requests_in_progress_above_the_cap_get_a_json_503_with_the_security_headers(
    address: tuple[str, int],
) -> None:
    slow = b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    held = [socket.create_connection(address, timeout=5) for _ in range(2)]
    try:
        for sock in held:
            sock.sendall(slow)  # two requests in progress: the cap
        time.sleep(0.2)
        reply = exchange(address, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 503 ")
        headers = refusal_headers(reply)
        assert headers["content-type"] == "application/json" and headers["retry-after"] == "5"
        assert json.loads(reply.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "too_busy"
        assert headers["content-security-policy"].endswith(f"frame-ancestors {FRAME_ANCESTORS}")
        assert headers["x-content-type-options"] == "nosniff"
        assert all(read_all(sock).startswith(b"HTTP/1.1 200") for sock in held)
    finally:
        for sock in held:
            sock.close()
    assert exchange(address, request()).startswith(b"HTTP/1.1 200")


def test_the_431_carries_the_security_headers(address: tuple[str, int]) -> None:
    headers = refusal_headers(exchange(address, request(headers=f"X-Big: {'a' * 2000}\r\n")))
    assert headers["content-security-policy"].endswith(f"frame-ancestors {FRAME_ANCESTORS}")
    assert headers["referrer-policy"] == "no-referrer" and headers["connection"] == "close"


def test_idle_and_half_sent_connections_never_refuse_a_real_request() -> None:
    """300 idle connections, 50 with headers half sent and 50 with a body half sent, against a
    cap of 200 requests: every real request is still served."""
    with running(request_timeout=10.0, max_requests=200) as where:
        idle = [socket.create_connection(where, timeout=5) for _ in range(300)]
        half_headers = [socket.create_connection(where, timeout=5) for _ in range(50)]
        half_bodies = [socket.create_connection(where, timeout=5) for _ in range(50)]
        try:
            for sock in half_headers:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            for sock in half_bodies:
                sock.sendall(request(body=b"x" * 100)[:-50])
            time.sleep(0.2)
            for _ in range(20):
                assert exchange(where, request(body=b"hello")).startswith(b"HTTP/1.1 200")
        finally:
            for sock in idle + half_headers + half_bodies:
                sock.close()


def test_serve_config_carries_the_settings_and_trusts_no_proxy_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own variable must not count
    settings = Settings(max_header_bytes=2048, request_timeout=3, max_connections=7)
    config = server_config(settings, "127.0.0.1", 8000, 1, own_listeners=False)
    assert (config.max_header_bytes, config.request_timeout) == (2048, 3)
    assert config.max_requests == 7 and config.limit_concurrency is None
    assert config.proxy_headers is False and config.access_log is False
    trusting = server_config(
        Settings(forwarded_allow_ips="127.0.0.1"), "127.0.0.1", 8000, 1, own_listeners=False
    )
    assert trusting.proxy_headers is True and trusting.forwarded_allow_ips == "127.0.0.1"


def test_faqbot_serve_answers_visitors_while_300_idle_connections_are_open(
    tmp_path: Path,
) -> None:
    """The review's case on the real server at its defaults (200 requests, 10 s): 300 idle
    connections and 100 half-sent ones are open while visitors ask, a crisis message among
    them; every visitor gets a reply."""
    proc, base = serve(tmp_path)
    where = ("127.0.0.1", int(base.rsplit(":", 1)[1]))
    try:
        open_ = [socket.create_connection(where, timeout=5) for _ in range(400)]
        try:
            for sock in open_[300:350]:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            for sock in open_[350:]:
                sock.sendall(
                    b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b'Content-Length: 40\r\n\r\n{"question": "'
                )
            time.sleep(0.5)
            kinds = []
            for question in ["i want to kill myself", *["how does ketamine work?"] * 9]:
                body = json.dumps({"question": question}).encode()
                ask = urllib.request.Request(
                    f"{base}/api/ask", body, {"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(ask, timeout=30) as reply:  # raises on a 503
                    kinds.append(json.load(reply)["kind"])
            assert kinds[0] == "crisis" and set(kinds[1:]) == {"answer"}
        finally:
            for sock in open_:
                sock.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
