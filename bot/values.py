"""Frozen dataclasses that are cheap to construct, for the values made on every question.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__`, several
times the cost of a plain assignment, and a question builds some twenty such values (scored
documents, hits, quoted passages, the answer). `quick_init` gives a frozen dataclass an
`__init__` that stores the fields straight into the instance's dictionary instead: the same
signature, defaults and resulting instance, so equality, hashing, `repr`, `dataclasses.fields`
and `replace`, and the `FrozenInstanceError` on assignment all behave as before
(`python benchmarks/instructions.py` counts what a question costs).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def quick_init(cls: type[T]) -> type[T]:
    """Replace a frozen dataclass's `__init__` with one that fills `__dict__` directly.

    Apply it above `@dataclass(frozen=True)`. Classes with `__post_init__`, `slots`, fields
    left out of `__init__` or default factories are refused: the fast `__init__` would skip
    or break what they rely on.
    """
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: quick_init needs a frozen dataclass")
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__}: quick_init cannot keep __post_init__ or __slots__")
    namespace: dict[str, Any] = {}
    signature: list[str] = []
    body: list[str] = []
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # checked above
        if field.name in ("self", "_instance_dict"):
            raise TypeError(f"{cls.__name__}.{field.name}: a name quick_init's __init__ uses")
        if not field.init or field.default_factory is not dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: quick_init needs plain fields")
        if field.default is dataclasses.MISSING:
            signature.append(field.name)
        else:
            namespace[f"_default_{field.name}"] = field.default
            signature.append(f"{field.name}=_default_{field.name}")
        body.append(f"    _instance_dict[{field.name!r}] = {field.name}")
    source = "\n".join(
        [
            f"def __init__(self, {', '.join(signature)}):",
            "    _instance_dict = self.__dict__",
            *body,
        ]
    )
    exec(source, namespace)  # built from field names only, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = cls.__init__.__annotations__  # the same signature for inspect
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
