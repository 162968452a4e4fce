"""Reading the staff-edited files of a knowledge folder safely, and noticing that they changed.

Only regular files inside the folder are read: a link to a file elsewhere (say `/etc/passwd`)
is refused, and so is a pipe, socket or device, which is opened without waiting (reading a FIFO
would wait for a writer forever and stop hot reload for good). Text is UTF-8, with or without
the byte-order mark some editors add.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from bot.problems import Collector

_NOT_REGULAR = (
    "the file is not a regular file (a pipe, socket or device); replace it with a text file"
)


def read_text(path: Path, root: Path, out: Collector) -> str | None:
    """The text of the knowledge file at `path`, or None with the problem added to `out`."""
    try:
        target = path.resolve(strict=True)
        if not target.is_relative_to(root.resolve()):
            out.error(
                1,
                "the file is a link to a file outside the knowledge folder; "
                "put the file itself in the folder",
            )
            return None
        if not stat.S_ISREG(target.stat().st_mode):
            out.error(1, _NOT_REGULAR)
            return None
        # O_NONBLOCK: should a FIFO take the file's place after the check, opening it does not
        # wait for a writer; fstat below then refuses it.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                out.error(1, _NOT_REGULAR)
                return None
            data = f.read()
        return data.decode("utf-8-sig")  # a leading byte-order mark is not part of the text
    except UnicodeDecodeError as exc:
        out.error(1, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")
    except OSError as exc:
        out.error(1, f"the file cannot be read ({exc.strerror}); check it exists and is readable")
    return None


def fingerprint(folder: Path | str) -> str:
    """A cheap summary of the folder's entries (names, kinds, sizes, modification times) that
    changes whenever one is added, removed or edited; for noticing edits without reading files.

    Every entry but folders counts, pipes and links included, so that adding one is noticed
    (and refused with a message by `read_text`); a link counts with its target's size and time.
    """
    root = Path(folder)
    digest = hashlib.sha256()
    try:
        paths = sorted(p for p in root.rglob("*") if not p.is_dir())
    except OSError:
        return ""
    for path in paths:
        try:
            st = path.stat() if path.exists() else path.lstat()
        except OSError:
            continue
        digest.update(
            f"{path.relative_to(root)}\0{stat.S_IFMT(st.st_mode)}\0{st.st_size}\0"
            f"{st.st_mtime_ns}\0".encode()
        )
    return digest.hexdigest()
