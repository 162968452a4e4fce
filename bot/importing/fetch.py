"""Fetch one web page for `faqbot import`: http(s) only, with a time limit and a size limit."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from bot import __version__
from bot.importing.faq import ImportRefused

TIMEOUT_S = 15.0  # for the whole page, and for each wait on the server
MAX_BYTES = 5 * 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
SAVE_HINT = (
    "save the page from the browser instead (Save Page As, 'Web page, HTML only') and import "
    "the file"
)
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Page:
    """A fetched HTML page: its final address (after redirects) and its bytes."""

    url: str
    body: bytes
    charset: str | None


class _WebOnly(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise ImportRefused(f"{req.full_url} redirects to {newurl}, which is not a web page")
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


def fetch_page(url: str, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> Page:
    """The page at `url`, or ImportRefused saying in plain words why not (no answer in time,
    an error status, not HTML, larger than `max_bytes`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImportRefused(f"{url} is not a web address (http:// or https://)")
    handlers: list[urllib.request.BaseHandler] = [_WebOnly()]
    if parts.hostname in _LOOPBACK:
        handlers.append(urllib.request.ProxyHandler({}))  # this machine: never through a proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"faqbot-import/{__version__} (ketamine-faq-bot)",
            "Accept": "text/html,application/xhtml+xml",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind not in HTML_TYPES:
                raise ImportRefused(f"{url} is not a web page ({kind}); {SAVE_HINT}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ImportRefused(_too_large(url, max_bytes))
            body = bytearray()
            while chunk := response.read(64 * 1024):
                body += chunk
                if len(body) > max_bytes:
                    raise ImportRefused(_too_large(url, max_bytes))
                if time.monotonic() > deadline:
                    raise TimeoutError
            return Page(response.geturl(), bytes(body), response.headers.get_content_charset())
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise ImportRefused(f"{url} redirects to an address that is not a web page") from None
        raise ImportRefused(
            f"{url}: the site answered {exc.code} {exc.reason}; check the address"
        ) from None
    except TimeoutError:
        raise ImportRefused(
            f"{url} did not arrive within {timeout:g} seconds; try again, or {SAVE_HINT}"
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise ImportRefused(
                f"{url} did not answer within {timeout:g} seconds; try again, or {SAVE_HINT}"
            ) from None
        why = getattr(reason, "strerror", None) or str(reason)
        raise ImportRefused(f"cannot reach {url} ({why}); check the address") from None
    except (OSError, ValueError) as exc:  # the connection broke, a malformed answer
        raise ImportRefused(f"cannot read {url} ({exc}); try again, or {SAVE_HINT}") from None


def _too_large(url: str, max_bytes: int) -> str:
    return f"{url} is larger than {max_bytes // (1024 * 1024)} MB, too large for an FAQ page"
