"""Staff sessions: signed, timestamped cookies that expire and are revoked at sign-out, CSRF
tokens for the staff forms, and a per-address throttle on sign-in attempts.

The signing key is HMAC-SHA256 of the admin token under a random secret made once per
install and kept in the store (table `staff_secret`), so every worker process, and every
machine sharing a PostgreSQL store, signs and checks with the same key, and a captured cookie
cannot be used to guess the token offline. Changing the token changes the key: every session
ends. A cookie is `session-id.timestamp.signature` (itsdangerous' TimestampSigner): the id is
random, the timestamp makes it expire. Sign-out writes the id to the store (table
`staff_signouts`, kept until the session would have expired anyway), and every check looks
there, so a signed-out cookie is refused by every worker.

The throttle is kept in each worker's memory, per client address: a visitor's wrong tokens
lock out the visitor's address, never the staff's.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from itsdangerous import BadSignature, TimestampSigner

from bot.store import Store


class _Signer(TimestampSigner):
    """itsdangerous' signer on an injectable clock (tests move time forward)."""

    def __init__(self, key: bytes, clock: Callable[[], float]) -> None:
        super().__init__(key, salt="faqbot staff session", digest_method=hashlib.sha256)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock())


class StaffSessions:
    """Issues, checks and revokes staff sessions over the store; see the module docstring.

    Every method that needs the key or the sign-out list raises StoreError when the store
    cannot be reached: sessions fail closed.
    """

    def __init__(
        self,
        token: str,
        store: Store,
        lifetime_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token = token.encode()
        self.store = store
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        """The signing key: the install's secret (made on first use) combined with the token."""
        with self._lock:
            if self._key is None:
                with self.store.transaction() as cur:
                    cur.execute(
                        self.store.sql(
                            "INSERT INTO staff_secret (id, secret) VALUES (1, ?) "
                            "ON CONFLICT (id) DO NOTHING"
                        ),
                        (secrets.token_hex(32),),
                    )
                    cur.execute("SELECT secret FROM staff_secret WHERE id = 1")
                    (secret,) = cur.fetchone()
                self._key = hmac.new(bytes.fromhex(secret), self._token, hashlib.sha256).digest()
            return self._key

    def _signer(self) -> _Signer:
        return _Signer(self.key(), self.clock)

    def issue(self) -> str:
        """A new session's cookie value."""
        return self._signer().sign(secrets.token_urlsafe(16)).decode()

    def _unsign(self, cookie: str) -> tuple[str, float] | None:
        try:
            sid, issued = self._signer().unsign(
                cookie, max_age=math.ceil(self.lifetime_s), return_timestamp=True
            )
        except BadSignature:  # also expired (SignatureExpired) and malformed values
            return None
        return sid.decode(), issued.timestamp()

    def check(self, cookie: str) -> str | None:
        """The session id of a valid, unexpired, not signed-out cookie; else None."""
        if not cookie:
            return None
        found = self._unsign(cookie)
        if found is None:
            return None
        sid = found[0]
        with self.store.transaction() as cur:
            cur.execute(self.store.sql("SELECT 1 FROM staff_signouts WHERE session = ?"), (sid,))
            revoked = cur.fetchone() is not None
        return None if revoked else sid

    def revoke(self, cookie: str) -> None:
        """Sign this session out everywhere (a cookie that is not valid is ignored)."""
        found = self._unsign(cookie)
        if found is None:
            return
        sid, issued = found
        with self.store.transaction() as cur:
            cur.execute(
                self.store.sql("DELETE FROM staff_signouts WHERE expires < ?"), (self.clock(),)
            )
            cur.execute(
                self.store.sql(
                    "INSERT INTO staff_signouts (session, expires) VALUES (?, ?) "
                    "ON CONFLICT (session) DO NOTHING"
                ),
                (sid, issued + self.lifetime_s + 1),
            )

    def csrf(self, binding: str) -> str:
        """The CSRF token for forms of this session (or of this sign-in form's nonce)."""
        return hmac.new(self.key(), b"csrf\0" + binding.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, binding: str, token: str) -> bool:
        """Whether a form's CSRF token belongs to this session or nonce (constant-time)."""
        return bool(binding) and hmac.compare_digest(self.csrf(binding).encode(), token.encode())


class SignInThrottle:
    """At most `max_failures` wrong tokens per address within `window_s` seconds; then that
    address is refused until its oldest failure in the window is `window_s` old.

    Keeps at most `max_clients` addresses (the least recently failing is forgotten first).
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 900.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_clients = max_clients
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address) or deque(maxlen=self.max_failures)
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def wait(self, address: str) -> int:
        """0 when `address` may try a token now, else whole seconds until it may."""
        now = self.clock()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                return 0
            return max(1, math.ceil(self.window_s - (now - times[0])))

    def failed(self, address: str) -> None:
        """Count a wrong token from `address`."""
        now = self.clock()
        with self._lock:
            times = self._recent(address, now)
            times.append(now)
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        """Forget the failures of an address that gave the right token."""
        with self._lock:
            self._failures.pop(address, None)
