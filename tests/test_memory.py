"""Freed memory given back to the system (`bot.memory`)."""

from __future__ import annotations

import platform
import sys

import pytest

from bot.memory import give_back

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * 4096 / 2**20


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's; elsewhere give_back does nothing")
def test_memory_freed_between_kept_pieces_goes_back_to_the_system() -> None:
    # 100 MB in pieces of 20 KB (glibc's heap, below its mmap threshold), each followed by a
    # small piece that stays: freed, the big pieces sit between live ones, where glibc keeps
    # them for reuse until asked to give them back.
    big, kept = [], []
    for _ in range(5_000):
        big.append(bytearray(20_000))
        kept.append(bytearray(600))
    del big
    before = resident_mb()
    give_back()
    assert before - resident_mb() > 50
    assert len(kept) == 5_000


def test_give_back_does_nothing_harmful_when_nothing_is_free() -> None:
    give_back()
    give_back()
