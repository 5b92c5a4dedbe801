"""The engine interface: `Work` to run, and the `LocalEngine` that runs it in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Work:
    """Model work over distinct string inputs.

    `compute` runs a group in this process. `factory` (picklable: a `functools.partial` of a worker class
    and its settings values, never a live cache or engine) builds, in another process, a worker whose
    `load()` loads its model and whose `remote_compute(items) -> list[dict]` does what `compute` does;
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

    def each(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        """`fn(item)` for every item, in order: stateless per-item work (reading an input). `fn` and the
        items must pickle for a remote engine; an exception `fn` raises fails the call."""
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

    def each(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        return [fn(item) for item in items]

    def close(self) -> None:
        pass


LOCAL = LocalEngine()
