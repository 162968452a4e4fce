"""Per-client-address rate limiting: a token bucket per address, in bounded memory, shared by
every worker of a machine through a small SQLite file in the data folder (`SharedRateLimiter`),
or held by one process (`RateLimiter`)."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from bot.store import create_private, use_wal

log = logging.getLogger("faqbot.ratelimit")
PURGE_EVERY_S = 60.0
BUSY_MS = 2000  # how long a check waits for another worker's transaction on the file


class RateLimited(Exception):
    """Too many requests from one address; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """Allows `burst` requests at once, refilled at `per_minute` a minute, per address.

    Keeps at most `max_clients` addresses: the least recently seen is forgotten first (it
    gets a full bucket if it returns), so memory stays bounded however many addresses appear.
    """

    def __init__(
        self,
        per_minute: int,
        burst: int,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: str) -> int:
        """0 when a request from `key` may go ahead now (and count it), else seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, seen = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0
            else:
                self._buckets[key] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


class SharedRateLimiter:
    """The same buckets as RateLimiter, kept in a SQLite file that every worker process of the
    machine uses, so that a client gets one limit however many workers serve it.

    Each check is one short write transaction (the file is never synced to disk: losing it
    only refills the buckets). Buckets that would be full again are deleted at the first check
    after PURGE_EVERY_S, so the file stays small and keeps a visitor's address only while it
    counts: the file and its -wal and -shm are the owner's only (0600), deleted rows are
    overwritten with zeros (`secure_delete`), and the write-ahead log, which holds every
    address written since the last checkpoint, is emptied after each purge (a checkpoint that
    never waits; tried again at the next checks while other workers are busy with the file).
    If the file cannot be used (a read-only or full disk), this worker falls back to its own
    in-memory buckets and says so once in the log.
    """

    def __init__(
        self,
        path: Path,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.fallback = RateLimiter(per_minute, burst, clock=clock)
        self._local = threading.local()
        self._purged = 0.0
        self._log_to_empty = False  # a purge happened since the write-ahead log was emptied
        self._failed = False

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            create_private(self.path)
            conn = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
            use_wal(conn)
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS buckets "
                "(address TEXT PRIMARY KEY, tokens REAL NOT NULL, seen REAL NOT NULL)"
            )
            self._local.conn = conn
        return conn

    def wait(self, key: str) -> int:
        """0 when a request from `key` may go ahead now (and count it), else seconds to wait."""
        try:
            return self._shared_wait(key)
        except (sqlite3.Error, OSError) as exc:
            if not self._failed:
                log.error("rate limits counted per worker: cannot use %s (%s)", self.path, exc)
            self._failed = True
            self._local.conn = None
            return self.fallback.wait(key)

    def _shared_wait(self, key: str) -> int:
        conn = self._connection()
        now = self.clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT tokens, seen FROM buckets WHERE address = ?", (key,)
            ).fetchone()
            tokens, seen = row if row is not None else (self.burst, now)
            tokens = min(self.burst, tokens + max(0.0, now - seen) * self.rate)
            wait = 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))
            conn.execute(
                "INSERT INTO buckets (address, tokens, seen) VALUES (?, ?, ?) ON CONFLICT "
                "(address) DO UPDATE SET tokens = excluded.tokens, seen = excluded.seen",
                (key, tokens - 1.0 if wait == 0 else tokens, now),
            )
            if now - self._purged >= PURGE_EVERY_S:  # forget buckets that have refilled:
                self._purged = now  # a visitor's address is kept no longer than it counts
                conn.execute("DELETE FROM buckets WHERE seen < ?", (now - self.burst / self.rate,))
                self._log_to_empty = True
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if self._log_to_empty:
            self._log_to_empty = not _emptied_log(conn)
        self._failed = False
        return wait


def _emptied_log(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the file and truncate it to nothing, without waiting for
    other connections (a visitor's request must not wait here); False when they were busy."""
    conn.execute("PRAGMA busy_timeout=0")
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.OperationalError:
        busy = 1
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return not busy


Limiter = RateLimiter | SharedRateLimiter


def enforce(limiter: Limiter, address: str) -> None:
    """Count a request from `address`, or raise RateLimited when it must wait."""
    wait = limiter.wait(address)
    if wait:
        raise RateLimited(wait)


async def _limit(request: Request) -> None:
    limiter: Limiter | None = request.app.state.limiter
    if limiter is not None:
        enforce(limiter, request.client.host if request.client else "unknown")


RateLimit = Annotated[None, Depends(_limit)]
