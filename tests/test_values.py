"""quick_init: frozen dataclasses built faster, and otherwise unchanged."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from bot.values import quick_init


@dataclass(frozen=True)
class Plain:
    name: str
    score: float
    tags: tuple[str, ...] = ()
    note: str | None = None
    values: tuple[int, ...] = ()


@quick_init
@dataclass(frozen=True)
class Quick:
    name: str
    score: float
    tags: tuple[str, ...] = ()
    note: str | None = None
    values: tuple[int, ...] = ()  # a name the generated __init__ must not confuse with its own


def _same(quick: Quick, plain: Plain) -> None:
    assert dataclasses.astuple(quick) == dataclasses.astuple(plain)
    assert repr(quick).removeprefix("Quick") == repr(plain).removeprefix("Plain")
    assert vars(quick) == vars(plain)


def test_instances_equal_those_of_the_plain_dataclass() -> None:
    _same(Quick("a", 1.5), Plain("a", 1.5))
    _same(Quick("a", 1.5, ("x",), "n"), Plain("a", 1.5, ("x",), "n"))
    _same(Quick(name="a", note="n", score=2.0), Plain(name="a", note="n", score=2.0))
    _same(Quick("a", 1.0, values=(1, 2)), Plain("a", 1.0, values=(1, 2)))


def test_equality_hashing_and_replace_work_as_for_frozen_dataclasses() -> None:
    assert Quick("a", 1.0) == Quick("a", 1.0)
    assert Quick("a", 1.0) != Quick("a", 2.0)
    assert hash(Quick("a", 1.0)) == hash(Quick("a", 1.0))
    assert dataclasses.replace(Quick("a", 1.0), score=3.0) == Quick("a", 3.0)
    assert [f.name for f in dataclasses.fields(Quick)] == [
        "name",
        "score",
        "tags",
        "note",
        "values",
    ]


def test_assignment_still_raises() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Quick("a", 1.0).score = 2.0  # type: ignore[misc]


def test_signature_and_argument_errors_match_the_generated_init() -> None:
    assert inspect.signature(Quick) == inspect.signature(Plain)
    with pytest.raises(TypeError):
        Quick("a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", 1.0, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("a", 1.0, (), None, (), "extra")  # type: ignore[call-arg]


def test_classes_it_cannot_serve_are_refused() -> None:
    @dataclass
    class Mutable:
        x: int

    @dataclass(frozen=True)
    class WithPostInit:
        x: int

        def __post_init__(self) -> None:
            pass

    @dataclass(frozen=True)
    class WithFactory:
        x: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class WithSlots:
        x: int

    @dataclass(frozen=True)
    class WithReservedName:
        _instance_dict: int

    for cls in (Mutable, WithPostInit, WithFactory, WithSlots, WithReservedName):
        with pytest.raises(TypeError):
            quick_init(cls)
