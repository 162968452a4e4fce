"""What the bot keeps for staff: counts of replies by kind, redacted unanswered questions, and
helpful / not-helpful votes per passage. SQLite by default; PostgreSQL for several machines.

Question text is redacted here, before it is written, whoever calls. Which questions may be
kept at all (never crisis or medical-advice messages) is decided by the caller that knows the
routing: `web.recorder.Recorder`. Rows older than the retention period are deleted by `purge`.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from bot.redaction import redact

Reason = Literal["no_answer", "not_helpful"]


class Connection(Protocol):
    """The part of a DB-API connection the store uses."""

    def cursor(self) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class StoreError(Exception):
    """The store could not be reached or written; the message says why."""


class RowRejected(StoreError):
    """The store is working but refused a value in what was written (a data error)."""


_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def writable(text: str) -> str:
    """The text with what no store can take replaced by U+FFFD: NUL (PostgreSQL refuses it
    in text) and unpaired surrogates (not UTF-8: SQLite's driver refuses them)."""
    return _UNWRITABLE.sub("\ufffd", text)


def _rejects_data(exc: Exception) -> bool:
    """Whether the error is about the values written rather than the store: DB-API's DataError
    and IntegrityError (by name: sqlite3 and psycopg each have their own), or a value the
    driver could not encode."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"DataError", "IntegrityError"}) or isinstance(exc, ValueError)


@dataclass(frozen=True)
class Dialect:
    """What differs between SQLite and PostgreSQL."""

    name: str
    connect: Callable[[], Connection]
    param: str  # "?" or "%s"
    id_column: str


@dataclass(frozen=True)
class Unanswered:
    """A question to keep. It is redacted (and cut to 500 characters) as the object is made, so
    no `Unanswered` ever holds the visitor's raw words, in memory or on the way to the store."""

    question: str
    terms: tuple[str, ...]
    reason: Reason
    passages: tuple[str, ...] = ()
    created: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        object.__setattr__(self, "question", writable(redact(self.question)[:500]))


@dataclass(frozen=True)
class Vote:
    """One vote about the passages of one reply."""

    passages: tuple[str, ...]
    helpful: bool
    created: float = field(default_factory=time.time)


@dataclass(frozen=True)
class UnansweredGroup:
    """Unanswered questions that reduce to the same analyzed terms."""

    terms: str
    count: int
    example: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PassageVotes:
    """Helpful and not-helpful votes for one passage."""

    passage: str
    helpful: int
    not_helpful: int


@dataclass
class StoreReport:
    """Everything `faqbot report` and /admin show."""

    since: date
    replies_by_kind: dict[str, int] = field(default_factory=dict)
    unanswered: list[UnansweredGroup] = field(default_factory=list)
    votes: list[PassageVotes] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `faqbot report --json`."""
        return {
            "since": self.since.isoformat(),
            "replies_by_kind": self.replies_by_kind,
            "unanswered": [u.__dict__ | {"reasons": list(u.reasons)} for u in self.unanswered],
            "votes": [v.__dict__ for v in self.votes],
        }


def sqlite_dialect(path: Path | str) -> Dialect:
    """SQLite in WAL mode: several worker processes may write to the same file, which only its
    owner may read."""

    def connect() -> Connection:
        try:
            create_private(Path(path))
            conn = sqlite3.connect(str(path), timeout=BUSY_SECONDS, isolation_level=None)
            use_wal(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.isolation_level = "DEFERRED"  # implicit transactions again, committed by the store
            return conn
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the SQLite store {path}: {exc}") from None

    return Dialect("sqlite", connect, "?", "id INTEGER PRIMARY KEY AUTOINCREMENT")


BUSY_SECONDS = 2.0  # how long a statement waits for another connection's lock


def use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL mode, which it keeps. While another connection switches a new file,
    SQLite answers "database is locked" at once, without waiting the busy timeout: so wait here,
    as long as that timeout, for the switch to be done."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def private_folder(path: Path) -> Path:
    """Create the folder `path` readable by its owner only (0700) when it is new (folders above
    it that are missing too are made as usual); an existing folder keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)  # another worker may create it first
    return path


def create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), in a folder of the owner's only
    (0700) when the folder is new too. SQLite gives the -wal and -shm files it creates the
    database file's permissions. An existing file or folder is left as it is."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):  # another worker may create it first
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def postgres_dialect(url: str) -> Dialect:
    """PostgreSQL through psycopg 3."""

    def connect() -> Connection:
        try:
            import psycopg  # here: only clinics using PostgreSQL connect

            return psycopg.connect(url, connect_timeout=3)
        except ImportError:
            raise StoreError(
                "FAQBOT_DATABASE_URL is set but psycopg is not installed: install the "
                "PostgreSQL extra, `pip install 'ketamine-faq-bot[postgres]'`"
            ) from None
        except Exception as exc:  # psycopg raises its own hierarchy
            raise StoreError(f"cannot connect to PostgreSQL: {type(exc).__name__}") from None

    return Dialect("postgresql", connect, "%s", "id BIGSERIAL PRIMARY KEY")


ROWS_PER_INSERT = 100  # 500 parameters, within every SQLite's and PostgreSQL's limit

SCHEMA_LOCK = 0x6661_7162_6F74  # "faqbot": the advisory lock key held while creating tables
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS replies (day TEXT NOT NULL, kind TEXT NOT NULL, "
    "count INTEGER NOT NULL, PRIMARY KEY (day, kind))",
    "CREATE TABLE IF NOT EXISTS unanswered ({id}, created DOUBLE PRECISION NOT NULL, "
    "reason TEXT NOT NULL, question TEXT NOT NULL, terms TEXT NOT NULL, passages TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS votes ({id}, created DOUBLE PRECISION NOT NULL, "
    "passage TEXT NOT NULL, helpful INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS unanswered_created ON unanswered (created)",
    "CREATE INDEX IF NOT EXISTS votes_created ON votes (created)",
    # Staff sessions (web/sessions.py): the install's signing secret and the signed-out sessions.
    "CREATE TABLE IF NOT EXISTS staff_secret (id INTEGER PRIMARY KEY, secret TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS staff_signouts (session TEXT PRIMARY KEY, "
    "expires DOUBLE PRECISION NOT NULL)",
    # Every worker of every server sharing the store and the version it serves (web/workers.py).
    "CREATE TABLE IF NOT EXISTS workers (host TEXT NOT NULL, pid INTEGER NOT NULL, "
    "knowledge_version TEXT NOT NULL, loaded_at TEXT NOT NULL, reload TEXT NOT NULL, "
    "seen_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (host, pid))",
    # When a periodic task (the purge) last ran, on whichever server: it runs once per period.
    "CREATE TABLE IF NOT EXISTS housekeeping (task TEXT PRIMARY KEY, "
    "done_at DOUBLE PRECISION NOT NULL)",
)


class Store:
    """The store over one dialect. Each call opens, uses and closes its own connection, so a
    store that was down, deleted or replaced is picked up again on the next call."""

    def __init__(self, dialect: Dialect, retention_days: int = 90) -> None:
        self.dialect = dialect
        self.retention_days = retention_days
        self._ready = False

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        conn = self.dialect.connect()
        try:
            cur = conn.cursor()
            if not self._ready:
                if self.dialect.name == "postgresql":
                    # Workers and machines starting at once would race on CREATE TABLE IF NOT
                    # EXISTS (pg_type_typname_nsp_index): one at a time, until this commits.
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                for statement in _SCHEMA:
                    cur.execute(statement.format(id=self.dialect.id_column))
            yield cur
            conn.commit()
            self._ready = True
        except StoreError:
            self._ready = False
            raise
        except Exception as exc:
            with contextlib.suppress(Exception):  # the original error is the one to report
                conn.rollback()
            if _rejects_data(exc):  # the store works: only these values were refused
                name = type(exc).__name__  # not its message, which may quote the value
                raise RowRejected(f"{self.dialect.name} refused a value ({name})") from None
            self._ready = False  # e.g. the file was deleted: create the tables again next time
            raise StoreError(f"{self.dialect.name} store error: {exc}") from None
        finally:
            conn.close()

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.dialect.param)

    def write(
        self,
        counts: Mapping[str, int] | None = None,
        unanswered: Sequence[Unanswered] = (),
        votes: Sequence[Vote] = (),
        day: date | None = None,
    ) -> None:
        """Write reply counts, questions and votes in one transaction: all or nothing.

        Raises RowRejected when the store refused a value (then nothing was written and the
        caller may write the rows one by one), StoreError when the store failed."""
        with self.transaction() as cur:
            if counts:
                self._insert_counts(cur, counts, day or datetime.now(UTC).date())
            if unanswered:
                self._insert_unanswered(cur, unanswered)
            for vote in votes:
                for passage in vote.passages:
                    cur.execute(
                        self.sql("INSERT INTO votes (created, passage, helpful) VALUES (?, ?, ?)"),
                        (vote.created, writable(passage), 1 if vote.helpful else 0),
                    )

    def record_reply(self, kind: str, day: date | None = None) -> None:
        """Count one reply of this kind (no text is kept)."""
        self.record_replies({kind: 1}, day)

    def record_replies(self, counts: Mapping[str, int], day: date | None = None) -> None:
        """Add reply counts per kind for a day, in one transaction (no text is kept)."""
        self.write(counts=counts, day=day)

    def record_unanswered(
        self,
        question: str,
        terms: Sequence[str],
        reason: Reason,
        passages: Sequence[str] = (),
        now: float | None = None,
    ) -> None:
        """Keep a redacted question that got no answer or a "not helpful" vote."""
        self.record_unanswered_many(
            [Unanswered(question, tuple(terms), reason, tuple(passages), now or time.time())]
        )

    def record_unanswered_many(self, items: Sequence[Unanswered]) -> None:
        """Keep several redacted questions in one transaction."""
        self.write(unanswered=items)

    def record_vote(self, passages: Sequence[str], helpful: bool, now: float | None = None) -> None:
        """One vote about the passages of one reply."""
        self.write(votes=[Vote(tuple(passages), helpful, now or time.time())])

    def _insert_counts(self, cur: Any, counts: Mapping[str, int], day: date) -> None:
        for kind, n in counts.items():
            cur.execute(
                self.sql(
                    "INSERT INTO replies (day, kind, count) VALUES (?, ?, ?) "
                    "ON CONFLICT (day, kind) DO UPDATE SET count = replies.count + ?"
                ),
                (day.isoformat(), kind, n, n),
            )

    def _insert_unanswered(self, cur: Any, items: Sequence[Unanswered]) -> None:
        rows = [
            (
                item.created,
                item.reason,
                item.question,  # redacted, and made writable, when the item was made
                writable(" ".join(sorted(set(item.terms)))),
                writable(" ".join(item.passages)),
            )
            for item in items
        ]
        # Many rows per statement: executemany runs one statement per row and the sqlite3
        # module hands the GIL back and forth around each, so a writer thread making a
        # batch kept interrupting the event loop (a switch every 5 ms under load).
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            cur.execute(
                self.sql(
                    "INSERT INTO unanswered (created, reason, question, terms, passages) "
                    "VALUES " + ", ".join(["(?, ?, ?, ?, ?)"] * len(chunk))
                ),
                [value for row in chunk for value in row],
            )

    def purge(self, now: float | None = None) -> int:
        """Delete everything older than the retention period; returns how many rows went."""
        with self.transaction() as cur:
            return self._purge(cur, now or time.time())

    def purge_due(self, every_s: float, now: float | None = None) -> int | None:
        """Purge unless a worker of this or another server sharing the store did within the
        last `every_s` seconds: the retention runs once per period, however many workers and
        machines there are. Returns how many rows went, or None when it was not due."""
        now = now or time.time()
        with self.transaction() as cur:
            cur.execute(
                "INSERT INTO housekeeping (task, done_at) VALUES ('purge', 0) "
                "ON CONFLICT (task) DO NOTHING"
            )
            # One row, one UPDATE: a second server's UPDATE waits for the first's commit, then
            # finds the condition false, so only one of two at once purges.
            cur.execute(
                self.sql(
                    "UPDATE housekeeping SET done_at = ? WHERE task = 'purge' AND done_at <= ?"
                ),
                (now, now - every_s),
            )
            if cur.rowcount != 1:
                return None
            return self._purge(cur, now)

    def _purge(self, cur: Any, now: float) -> int:
        cutoff = now - self.retention_days * 86_400
        day = datetime.fromtimestamp(cutoff, UTC).date().isoformat()
        removed = 0
        for statement, value in (
            ("DELETE FROM unanswered WHERE created < ?", cutoff),
            ("DELETE FROM votes WHERE created < ?", cutoff),
            ("DELETE FROM replies WHERE day < ?", day),
        ):
            cur.execute(self.sql(statement), (value,))
            removed += max(cur.rowcount, 0)
        return removed

    def report(self, since: timedelta, limit: int = 20, now: float | None = None) -> StoreReport:
        """Replies by kind, the most frequent unanswered questions grouped by analyzed terms,
        and votes per passage, over the period `since`."""
        start = (now or time.time()) - since.total_seconds()
        first_day = datetime.fromtimestamp(start, UTC).date()
        report = StoreReport(since=first_day)
        with self.transaction() as cur:
            cur.execute(
                self.sql(
                    "SELECT kind, SUM(count) FROM replies WHERE day >= ? "
                    "GROUP BY kind ORDER BY kind"
                ),
                (first_day.isoformat(),),
            )
            report.replies_by_kind = {kind: int(n) for kind, n in cur.fetchall()}
            cur.execute(
                self.sql(
                    "SELECT terms, COUNT(*), MIN(question), MIN(reason), MAX(reason) "
                    "FROM unanswered WHERE created >= ? GROUP BY terms "
                    "ORDER BY COUNT(*) DESC, MIN(question) LIMIT ?"
                ),
                (start, limit),
            )
            report.unanswered = [
                UnansweredGroup(terms, int(n), example, tuple(sorted({lo, hi})))
                for terms, n, example, lo, hi in cur.fetchall()
            ]
            cur.execute(
                self.sql(
                    "SELECT passage, SUM(helpful), SUM(1 - helpful) FROM votes WHERE created >= ? "
                    "GROUP BY passage ORDER BY SUM(1 - helpful) DESC, passage"
                ),
                (start,),
            )
            report.votes = [PassageVotes(p, int(h), int(n)) for p, h, n in cur.fetchall()]
        return report


def open_store(database_url: str | None, path: Path | str, retention_days: int) -> Store:
    """PostgreSQL when a database URL is given, otherwise SQLite at `path`."""
    dialect = postgres_dialect(database_url) if database_url else sqlite_dialect(path)
    return Store(dialect, retention_days)


def parse_period(text: str) -> timedelta:
    """A period like `30d`, `12h` or `2w` (days, hours, weeks); ValueError otherwise."""
    units = {"h": 1 / 24, "d": 1, "w": 7}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) == 0:
        raise ValueError(f"{text!r} is not a period; write e.g. 30d, 12h or 2w")
    return timedelta(days=int(number) * units[unit])


# What a terminal acts on rather than shows: C0 controls (ESC starts colour, cursor, title and
# hyperlink sequences), DEL, C1 controls (U+009B is a one-character CSI), the line and paragraph
# separators, and the bidirectional marks, embeddings, overrides and isolates that reorder text.
_TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with every character a terminal would act on shown as an escape (`\\x1b`)."""
    return _TERMINAL_CONTROLS.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def render_report(report: StoreReport) -> str:
    """The report as plain text, for the terminal; what visitors typed is made `printable`."""
    lines = [f"Since {report.since.isoformat()}", "", "Replies by kind:"]
    total = sum(report.replies_by_kind.values())
    for kind, n in sorted(report.replies_by_kind.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {printable(kind):<15} {n:>6}")
    lines.append(f"  {'total':<15} {total:>6}")
    lines += ["", "Most frequent unanswered questions (same analyzed terms grouped):"]
    if not report.unanswered:
        lines.append("  none")
    for g in report.unanswered:
        reasons = printable(", ".join(g.reasons))
        lines.append(f"  {g.count:>4} x  {printable(g.example)}   [{reasons}]")
    lines += ["", "Votes per passage (helpful / not helpful):"]
    if not report.votes:
        lines.append("  none")
    for v in report.votes:
        lines.append(f"  {printable(v.passage):<32} {v.helpful:>4} / {v.not_helpful}")
    return "\n".join(lines)
