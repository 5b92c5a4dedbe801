"""The engine interface: `Work` to run, and the `LocalEngine` that runs it in this process."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


def _same(value: Any) -> Any:
    return value


# What only the driver holds: a remote worker gets no cache, no engine, and never refreshes one.
DRIVER_ONLY = frozenset({"self", "cache", "refresh", "engine"})


def worker_factory(cls: type, arguments: Mapping[str, Any], **overrides: Any) -> Callable[[], Any]:
    """A picklable way to build, in another process, what `cls(**arguments)` built here, less what
    only the driver holds. Call it with `locals()` first thing in `__init__`, before any is reassigned."""
    kept = {k: v for k, v in arguments.items() if k not in DRIVER_ONLY and not k.startswith("__")}
    return functools.partial(cls, **kept, **overrides)


@dataclass(frozen=True)
class Work:
    """Model work over distinct string inputs.

    `compute` runs a group in this process. `factory` (picklable: a class or a `functools.partial`)
    builds, in another process, a worker whose `remote_compute(items) -> list[dict]` does the same;
    `decode` turns one of those dicts back into what `compute` returns.
    """

    name: str
    compute: Callable[[list[str]], list[Any]]
    factory: Callable[[], Any] | None = None
    decode: Callable[[dict], Any] = _same
    group_size: int = 16


class Engine(Protocol):
    name: str

    def map(self, work: Work, items: list[str]) -> Iterator[list[tuple[str, Any]]]:
        """(input, output) pairs for every item, in batches as they finish (any order)."""
        ...

    def close(self) -> None: ...


class LocalEngine:
    """Everything in this process, one group after another."""

    name = "local"

    def map(self, work: Work, items: list[str]) -> Iterator[list[tuple[str, Any]]]:
        size = max(1, work.group_size)
        for start in range(0, len(items), size):
            group = items[start : start + size]
            outputs = work.compute(group)
            if len(outputs) != len(group):
                raise RuntimeError(f"{work.name}: {len(group)} inputs gave {len(outputs)} outputs")
            yield list(zip(group, outputs, strict=True))

    def close(self) -> None:
        pass


LOCAL = LocalEngine()
