"""A sample clinic web page with the chat launcher on it, served from another origin, and a
helper that serves an ASGI app on a free loopback port in a background thread.

The browser tests and `scripts/screenshots.py` use both: the bot at http://127.0.0.1:PORT, the
clinic's page at http://localhost:OTHER (another origin) with a strict CSP of its own that lets
in only the bot's script and frame, so the widget is tried as a clinic would embed it.
"""

from __future__ import annotations

import html
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Ketamine infusions · Sample clinic page</title>
  <link rel="stylesheet" href="/site.css">
  <script src="{bot}/widget.js" defer></script>
</head>
<body>
  <header><p class="logo">Colorado Ketamine</p>
    <nav aria-label="Site"><a href="/">Home</a> <a href="/">Treatments</a>
      <a href="/">Contact</a></nav>
  </header>
  <main>
    <h1>Ketamine infusion therapy</h1>
    <p>This is a sample page standing in for the clinic's website. The chat button in the
      corner comes from one script tag, served by the bot.</p>
    <h2>What to expect</h2>
    <p>Each visit starts with a conversation with our clinical team. Questions about how
      ketamine works can be asked in the chat at any time.</p>
    <p><a id="after" href="/">Read about our team</a></p>
  </main>
</body>
</html>
"""
SITE_CSS = """
body { margin: 0; font: 17px/1.6 Georgia, serif; color: #222; background: #fbfaf7; }
header { display: flex; justify-content: space-between; align-items: center; padding: 1rem 1.5rem;
  background: #2d3a2e; color: #fff; flex-wrap: wrap; gap: .5rem; }
header a { color: #fff; margin-left: 1rem; }
.logo { font-weight: 700; margin: 0; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem; }
a { color: #1d4f91; }
"""


def sample_site(bot_url: str) -> Starlette:
    """The sample page, embedding the bot at `bot_url` with `<script src=... defer>`; its CSP
    allows scripts and frames from the bot only, and no inline script or style."""
    csp = (
        f"default-src 'none'; script-src {bot_url}; frame-src {bot_url}; style-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'"
    )

    async def page(request: Request) -> Response:
        body = PAGE.format(bot=html.escape(bot_url, quote=True))
        return HTMLResponse(body, headers={"content-security-policy": csp})

    async def css(request: Request) -> Response:
        return Response(SITE_CSS, media_type="text/css")

    return Starlette(routes=[Route("/", page), Route("/site.css", css)])


def free_port() -> int:
    """A TCP port free on the loopback interface just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: object, port: int, host: str = "127.0.0.1") -> Iterator[None]:
    """Run `app` under uvicorn on host:port in a daemon thread until the block ends."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="error"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the server on {host}:{port} did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(10)
