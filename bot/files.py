"""Reading the staff-edited files of a knowledge folder safely, and noticing that they changed.

Only regular files inside the folder are read: a link to a file elsewhere (say `/etc/passwd`)
is refused, and so is a pipe, socket or device, which is opened without waiting (reading a FIFO
would wait for a writer forever and stop hot reload for good). The same rule holds for every
file the web app serves from the folder (the logo), checked again each time it is served.
Text is UTF-8, with or without the byte-order mark some editors add, without NUL characters,
and a file of at most MAX_FILE_BYTES: a bigger one is refused, not read whole.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from bot.problems import Collector

MAX_FILE_BYTES = 1_048_576  # a knowledge file over 1 MiB is refused, never read whole
_NOT_REGULAR = (
    "the file is not a regular file (a pipe, socket or device); replace it with a text file"
)
_OUTSIDE = (
    "the file is a link to a file outside the knowledge folder; put the file itself in the folder"
)


class Refused(Exception):
    """A file the folder's rule does not allow to be read; the message says why and what to do."""


def read_bytes(path: Path, root: Path, max_bytes: int) -> bytes:
    """The bytes of the file at `path`, when it is a regular file inside `root` once links are
    followed, of at most `max_bytes`; raises Refused (or OSError when it cannot be read).

    The rule is checked on the file as opened, not only on its name: the name's target is
    opened without following a link there (a link swapped in after the check is refused), and
    the opened file's own path (Linux: /proc/self/fd) must still be inside `root`."""
    inside = root.resolve()
    target = path.resolve(strict=True)
    if not target.is_relative_to(inside):
        raise Refused(_OUTSIDE)
    if not stat.S_ISREG(target.stat().st_mode):
        raise Refused(_NOT_REGULAR)
    # O_NONBLOCK: should a FIFO take the file's place after the check, opening it does not wait
    # for a writer; fstat below then refuses it.
    fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(_NOT_REGULAR)
        opened = Path(f"/proc/self/fd/{fd}")
        if opened.is_symlink() and not Path(os.readlink(opened)).is_relative_to(inside):
            raise Refused(_OUTSIDE)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(
            f"the file is larger than {_size(max_bytes)}; split it, or remove what is not needed"
        )
    return data


def read_text(path: Path, root: Path, out: Collector) -> str | None:
    """The text of the knowledge file at `path`, or None with the problem added to `out`."""
    try:
        text = read_bytes(path, root, MAX_FILE_BYTES).decode("utf-8-sig")  # BOM: not text
    except Refused as exc:
        out.error(1, str(exc))
    except UnicodeDecodeError as exc:
        out.error(1, f"the file is not UTF-8 text ({exc.reason}); save it as UTF-8")
    except OSError as exc:
        out.error(1, f"the file cannot be read ({exc.strerror}); check it exists and is readable")
    else:
        if "\0" not in text:
            return text
        line = text.count("\n", 0, text.index("\0")) + 1
        out.error(
            line,
            "the line holds a NUL character (a zero byte), which is never part of text; "
            "save the file again as plain UTF-8 text",
        )
    return None


def _size(n: int) -> str:
    return f"{n // 1_048_576} MiB" if n >= 1_048_576 else f"{n // 1024} KiB"


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
