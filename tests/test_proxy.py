"""Behind a real reverse proxy: Debian's Caddy on 127.0.0.1 in front of `faqbot serve`.

Visitors reach the chat and the API through it; rate limits count the visitor's address (from
the trusted proxy's X-Forwarded-For), not the proxy's; an X-Forwarded-For sent straight to the
bot by anyone else is ignored. Clients use distinct loopback source addresses (127.0.0.2, ...)
so that each is a different visitor; Caddy reaches the bot from 127.0.0.1, the one trusted.
Needs `caddy` (`python3 dev.py test` installs it when it runs as root).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from tests.test_faults import free_port, serve

CADDY = shutil.which("caddy")
CADDYFILE = """{
	admin off
	auto_https off
}

http://127.0.0.1:%(proxy_port)d {
	reverse_proxy 127.0.0.1:%(bot_port)d
}
"""


@dataclass(frozen=True)
class Site:
    proxy: int  # Caddy's port
    bot: int  # faqbot serve's port


def need_caddy() -> str:
    if CADDY is None:
        if os.environ.get("CI") == "true":
            pytest.fail("caddy is not installed in CI (python3 dev.py test installs it)")
        pytest.skip("caddy is not installed: `sudo apt-get install caddy` enables this test")
    return CADDY


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """faqbot serve trusting 127.0.0.1, rate limit 2 at once then 1 a minute; Caddy before it."""
    caddy = need_caddy()
    scratch = tmp_path_factory.mktemp("proxy")
    proc, base = serve(
        scratch,
        "--forwarded-allow-ips",
        "127.0.0.1",
        env={"FAQBOT_RATE_LIMIT_PER_MINUTE": "1", "FAQBOT_RATE_LIMIT_BURST": "2"},
    )
    bot_port = int(base.rsplit(":", 1)[1])
    proxy_port = free_port()
    (scratch / "Caddyfile").write_text(
        CADDYFILE % {"proxy_port": proxy_port, "bot_port": bot_port}, encoding="utf-8"
    )
    home = {"HOME": str(scratch), "XDG_DATA_HOME": str(scratch), "XDG_CONFIG_HOME": str(scratch)}
    proxy = subprocess.Popen(
        [caddy, "run", "--config", str(scratch / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, **home},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", proxy_port), timeout=1).close()
                break
            except OSError:
                if proxy.poll() is not None or time.monotonic() > deadline:
                    proxy.kill()
                    pytest.fail(f"caddy did not start:\n{proxy.communicate()[0][-3000:]}")
                time.sleep(0.05)
        yield Site(proxy_port, bot_port)
    finally:
        proxy.terminate()
        proxy.communicate(timeout=15)
        proc.terminate()
        proc.communicate(timeout=30)


def call(
    port: int,
    source: str,
    method: str = "GET",
    path: str = "/",
    body: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """One request to 127.0.0.1:`port` from the loopback address `source`: status and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=data, headers={**sent, **(headers or {})})
        res = conn.getresponse()
        return res.status, res.read().decode()
    finally:
        conn.close()


def ask(port: int, source: str, headers: dict[str, str] | None = None) -> int:
    return call(port, source, "POST", "/api/ask", {"question": "hello"}, headers)[0]


def test_visitors_reach_the_chat_and_the_api_through_the_proxy(site: Site) -> None:
    status, page = call(site.proxy, "127.0.0.10")
    assert status == 200 and "<form" in page
    stylesheet = BeautifulSoup(page, "html.parser").select_one("link[rel=stylesheet]")["href"]
    status, css = call(site.proxy, "127.0.0.10", path=str(stylesheet))
    assert status == 200 and "{" in css
    status, body = call(
        site.proxy, "127.0.0.10", "POST", "/api/ask", {"question": "how does ketamine work?"}
    )
    assert status == 200 and json.loads(body)["kind"] == "answer"
    status, body = call(site.proxy, "127.0.0.10", path="/api/health")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_rate_limits_count_each_visitor_not_the_proxy(site: Site) -> None:
    assert [ask(site.proxy, "127.0.0.2") for _ in range(3)] == [200, 200, 429]
    assert ask(site.proxy, "127.0.0.3") == 200  # another visitor, the same proxy
    # The proxy replaces what a visitor claims: a forged header does not buy a new bucket.
    assert ask(site.proxy, "127.0.0.2", {"X-Forwarded-For": "203.0.113.9"}) == 429


def test_forwarded_for_sent_straight_to_the_bot_is_ignored(site: Site) -> None:
    forged = [ask(site.bot, "127.0.0.4", {"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(3)]
    assert forged == [200, 200, 429]  # one bucket, the sender's own address
