"""`faqbot serve`: TCP_NODELAY on every connection (multi-worker keep-alive stalls), and with
several workers a listening socket per worker, so that connections reach every worker."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import ROOT, write_knowledge
from tests.test_faults import FAQBOT, serve
from web.server import LimitedHttpToolsProtocol, OwnListenerEventLoop, bound_socket

LISTEN, ESTABLISHED = "0A", "01"  # socket states in /proc/net/tcp


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
        protocol = LimitedHttpToolsProtocol.__new__(LimitedHttpToolsProtocol)
        protocol.loop = loop = asyncio.new_event_loop()
        protocol.request_timeout, protocol._request_timer = 10.0, None
        try:
            protocol.connection_made(_Transport(sock))  # type: ignore[arg-type]
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            protocol._stop_request_timer()
            loop.close()


def test_reuse_port_sockets_share_one_address() -> None:
    with bound_socket("127.0.0.1", 0, reuse_port=True) as first:
        address = first.getsockname()
        with bound_socket(*address, reuse_port=True) as second:
            assert second.getsockname() == address
            assert second.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) != 0


def test_reuse_port_socket_on_a_taken_port_raises_oserror() -> None:
    with socket.socket() as taken:  # bound without SO_REUSEPORT, as another program would
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            bound_socket(*taken.getsockname(), reuse_port=True)


def test_own_listener_loop_listens_on_its_own_socket_at_the_shared_address() -> None:
    loop = OwnListenerEventLoop()
    try:
        with bound_socket("127.0.0.1", 0, reuse_port=True) as shared:
            server = loop.run_until_complete(loop.create_server(asyncio.Protocol, sock=shared))
            (own,) = server.sockets
            assert own.getsockname() == shared.getsockname()
            assert own.fileno() != shared.fileno()
            assert shared.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0
            with socket.create_connection(shared.getsockname(), timeout=5):
                pass  # the worker's own socket takes the connection
            server.close()
            loop.run_until_complete(server.wait_closed())
    finally:
        loop.close()


def _inodes(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 sockets with local `port` in `state` (hex code of /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            found.add(fields[9])
    return found


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                found.add(target[len("socket:[") : -1])
    return found


def _wait_for_listeners(port: int, ready: Callable[[set[str]], bool]) -> set[str]:
    """The listening sockets on `port` once `ready` accepts them, or after 20 s."""
    deadline = time.monotonic() + 20
    while not ready(found := _inodes(port, LISTEN)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_two_workers_each_listen_and_both_get_connections(tmp_path: Path) -> None:
    """16 connections opened together reach both workers (a shared socket often gave all of
    them to one); the chance that hashing sends all 16 to one worker is 2 in 65,536."""
    proc, base = serve(tmp_path, "--workers", "2")
    port = int(base.rsplit(":", 1)[1])
    try:
        listening = _wait_for_listeners(port, lambda found: len(found) >= 2)
        assert len(listening) == 2  # one listening socket per worker
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        for c in connections:
            c.connect()
        for c in connections:
            c.request("GET", "/api/health")
        assert [c.getresponse().status for c in connections] == [200] * 16
        established = _inodes(port, ESTABLISHED)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        per_worker = [len(_socket_inodes(int(pid)) & established) for pid in children]
        assert sum(per_worker) == 16
        assert sorted(per_worker)[-2] >= 1, per_worker  # at least two processes serve
        for c in connections:
            c.close()
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def test_a_killed_worker_is_replaced_and_listens_on_a_socket_of_its_own(tmp_path: Path) -> None:
    proc, base = serve(tmp_path, "--workers", "2")
    port = int(base.rsplit(":", 1)[1])
    try:
        before = _wait_for_listeners(port, lambda found: len(found) >= 2)
        assert len(before) == 2
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        victim = next(int(pid) for pid in children if _socket_inodes(int(pid)) & before)
        os.kill(victim, signal.SIGKILL)
        after = _wait_for_listeners(port, lambda found: len(found) == 2 and found != before)
        assert len(after) == 2 and len(after & before) == 1  # the new worker's own socket
        for _ in range(8):
            with urllib.request.urlopen(f"{base}/api/health", timeout=10) as res:
                assert res.status == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def test_serve_with_workers_on_a_taken_port_says_so_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(FAQBOT), "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_one_worker_serves_the_knowledge_it_checked_without_reading_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web import server, startup

    folder = write_knowledge(tmp_path / "k")
    reads: list[Path] = []
    real_load = startup.load_knowledge
    monkeypatch.setattr(startup, "load_knowledge", lambda f: reads.append(f) or real_load(f))
    served: list[Any] = []

    def run(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        self.config.load()  # makes the app, as uvicorn does before serving
        served.append(self.config.loaded_app)
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(server, "configure_logging", lambda *args: None)  # the tests' logging
    monkeypatch.setenv("FAQBOT_KNOWLEDGE_DIR", str(folder))  # serve() sets it; undone after
    monkeypatch.setenv("FAQBOT_DATA_DIR", str(tmp_path / "data"))
    server.serve("127.0.0.1", 0, 1, str(folder))
    assert reads == [folder] and len(served) == 1
