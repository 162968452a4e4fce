"""What the workers of one machine share, through small files in the data folder: the reload
generation ("Reload now" in one worker makes every worker reload) and each worker's status
(the knowledge version it serves), for health and the staff page.

Files, not the store: they work the same with SQLite and PostgreSQL, cost one small read per
worker every reload interval, and vanish with the machine. Each file is replaced atomically
(written beside it, then renamed), so a reader never sees half of one.

Each worker's status also goes to the store (`share`, by the store writer), so that with
several servers sharing one PostgreSQL store the staff page of any of them lists the workers
of all (`shared`), and staff see when a server still serves another knowledge version.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.store import Store, private_folder

GENERATION = "generation"


@dataclass(frozen=True)
class WorkerStatus:
    """One worker process: what it serves and when it last said so."""

    host: str
    pid: int
    knowledge_version: str
    loaded_at: str
    reload: str  # "ok" or "failed"
    seen_at: float


class Roster:
    """The shared files of the workers on this machine, in `folder` (created on first use);
    `host` names the machine to staff (default: its host name)."""

    def __init__(self, folder: Path, host: str | None = None) -> None:
        self.folder = folder
        self.host = host or socket.gethostname()

    def generation(self) -> int:
        """The reload generation: raised by every "Reload now"; 0 before the first."""
        try:
            return int((self.folder / GENERATION).read_text(encoding="ascii") or 0)
        except (OSError, ValueError):
            return 0

    def bump(self) -> int:
        """Raise the reload generation by one (under a lock: two at once both count)."""
        private_folder(self.folder)
        with open(self.folder / f"{GENERATION}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            generation = self.generation() + 1
            self._replace(self.folder / GENERATION, str(generation))
        return generation

    def report(self, status: WorkerStatus) -> None:
        """Write this worker's status (and forget workers of this host that have exited)."""
        private_folder(self.folder)
        self._replace(self._file(status.pid), json.dumps(asdict(status)))
        for path in self.folder.glob(f"{self.host}-*.json"):
            pid = path.stem.rsplit("-", 1)[-1]
            if pid.isdigit() and not _alive(int(pid)):
                path.unlink(missing_ok=True)

    def forget(self, pid: int) -> None:
        """Remove a worker's status (it is stopping)."""
        self._file(pid).unlink(missing_ok=True)

    def workers(self, max_age: float) -> list[WorkerStatus]:
        """The workers that reported within `max_age` seconds, oldest process first."""
        found = []
        now = time.time()
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError, TypeError):
                status = WorkerStatus(**json.loads(path.read_text(encoding="utf-8")))
                if now - status.seen_at <= max_age:
                    found.append(status)
        return sorted(found, key=lambda s: (s.host, s.pid))

    def _file(self, pid: int) -> Path:
        return self.folder / f"{self.host}-{pid}.json"

    def _replace(self, path: Path, text: str) -> None:
        scratch = path.with_name(f".{path.name}.{os.getpid()}")
        scratch.write_text(text, encoding="utf-8")
        scratch.replace(path)


FORGET_AFTER_S = 86_400.0  # a worker not heard from for a day is deleted from the store


def share(store: Store, status: WorkerStatus) -> None:
    """Write this worker's status to the store (and delete workers gone for a day)."""
    row = asdict(status)
    updated = ", ".join(f"{name} = excluded.{name}" for name in row if name not in ("host", "pid"))
    with store.transaction() as cur:
        cur.execute(
            store.sql(
                f"INSERT INTO workers ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) "
                f"ON CONFLICT (host, pid) DO UPDATE SET {updated}"
            ),
            tuple(row.values()),
        )
        cur.execute(
            store.sql("DELETE FROM workers WHERE seen_at < ?"), (status.seen_at - FORGET_AFTER_S,)
        )


def unshare(store: Store, host: str, pid: int) -> None:
    """Delete a worker's status from the store (it is stopping)."""
    with store.transaction() as cur:
        cur.execute(store.sql("DELETE FROM workers WHERE host = ? AND pid = ?"), (host, pid))


def shared(store: Store, max_age: float, now: float | None = None) -> list[WorkerStatus]:
    """The workers of every server sharing the store that reported within `max_age` seconds,
    by server, then process."""
    columns = ", ".join(WorkerStatus.__dataclass_fields__)
    with store.transaction() as cur:
        cur.execute(
            store.sql(f"SELECT {columns} FROM workers WHERE seen_at >= ? ORDER BY host, pid"),
            ((now or time.time()) - max_age,),
        )
        return [WorkerStatus(*row) for row in cur.fetchall()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
