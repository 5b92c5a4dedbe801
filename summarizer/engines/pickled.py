"""An engine that runs in this process the way a remote one does: every task crosses a pickle boundary and
is rebuilt from its `factory`, so the worker protocol (`factory`, `load`, `remote_compute`, `decode`) runs
without Ray, in the tests' fast lane."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any

from .base import LOCAL, Work


def _crossed(value: Any) -> Any:
    """`value` as another process would receive it: pickled and unpickled (what won't pickle fails here)."""
    return pickle.loads(pickle.dumps(value))


class PickledEngine:
    """Remote work in this process: one worker per distinct factory, built from an unpickled copy of it and
    loaded once (as an actor is), groups of inputs sent and results returned through pickle, each result
    turned back by `Work.decode`. Work without a factory runs as the local engine runs it."""

    name = "pickled"

    def __init__(self) -> None:
        self._workers: dict[bytes, Any] = {}

    def _worker(self, factory: Callable[[], Any]) -> Any:
        key = pickle.dumps(factory)
        worker = self._workers.get(key)
        if worker is None:
            worker = pickle.loads(key)()
            load = getattr(worker, "load", None)  # a worker whose model loads apart from its construction
            if load is not None:
                load()
            self._workers[key] = worker
        return worker

    def map(self, work: Work, items: list[str]) -> Iterator[list[tuple[str, Any]]]:
        if work.factory is None:
            yield from LOCAL.map(work, items)
            return
        worker = self._worker(work.factory)
        size = max(1, work.group_size)
        for start in range(0, len(items), size):
            group = items[start : start + size]
            results = _crossed(worker.remote_compute(_crossed(group)))
            if len(results) != len(group):
                raise RuntimeError(f"{work.name}: {len(group)} inputs gave {len(results)} outputs")
            yield [(item, work.decode(result)) for item, result in zip(group, results, strict=True)]

    def each(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        remote = _crossed(fn)
        return [_crossed(remote(_crossed(item))) for item in items]

    def close(self) -> None:
        pass  # the workers stay for whoever asks what was built (tests); they go with the engine
