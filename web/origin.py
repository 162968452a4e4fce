"""The public forms (the no-JavaScript question and vote) take posts from the chat's own pages
only: a page on another site must not make visitors' browsers post questions or votes that end
up in the staff report (or spend the visitors' rate limits).

Browsers say where a form was sent from: `Sec-Fetch-Site` (same-origin, same-site, cross-site,
none) and `Origin` (scheme, host and port of the page). A post is refused when either names
another site; a post without either (curl, an old browser) is taken, as before: a script can
post whatever it likes anyway, within the rate limit. `Origin: null` names no site: browsers
send it for our own forms, since our pages ask for no referrer (`Referrer-Policy:
no-referrer`), so `Sec-Fetch-Site` decides then.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

ALLOWED_FETCH_SITES = ("same-origin", "none")
DEFAULT_PORTS = {"http": 80, "https": 443}


class CrossOriginPost(Exception):
    """A form posted from a page of another site."""


def same_origin(origin: str, host: str) -> bool:
    """Whether an `Origin` header names the host the request was sent to (its `Host` header;
    the port compared when `Host` has one, as a proxy may drop it)."""
    try:
        sent = urlsplit(origin)
        sent_port = sent.port or DEFAULT_PORTS.get(sent.scheme)
        here = urlsplit(f"//{host}")
        here_port = here.port
    except ValueError:
        return False
    if sent.hostname is None or here.hostname is None or sent.hostname != here.hostname:
        return False
    return here_port is None or sent_port == here_port


async def _from_our_pages(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ALLOWED_FETCH_SITES:
        raise CrossOriginPost
    origin = request.headers.get("origin")
    if origin not in (None, "null") and not same_origin(origin, request.headers.get("host", "")):
        raise CrossOriginPost


FromOurPages = Annotated[None, Depends(_from_our_pages)]
