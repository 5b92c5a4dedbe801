"""The engine interface: `Work` to run, and the `LocalEngine` that runs it in this process."""

from __future__ import annotations

import time
from collections import deque
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

    `pace_s` (set while someone watches the progress): the local engine sizes its groups so that each
    takes about this long, at most `group_size`, so that counts move on a slow model; unset, every group
    is `group_size` (the fastest way through). A remote engine's groups come back as they finish anyway.
    """

    name: str
    compute: Callable[[list[str]], list[Any]]
    factory: Callable[[], Any] | None = None
    decode: Callable[[dict], Any] = _same
    group_size: int = 16
    pace_s: float | None = None


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


FIRST_PACED_GROUP = 2  # paced work starts small: the first count comes soon, and it measures the rate
SLOWER_THAN_ONE = 1.5  # where one input alone takes longer than the pace, a group may take this much longer
SEEN = 6  # the recent groups that the time of a group is estimated from


class Pacer:
    """The group sizes of paced work. A model call takes about `a + b * n` seconds for `n` inputs (a fixed
    part, the decoding steps, and a part per input), fitted on the last few groups; the next group is the
    largest that takes `pace_s`, at most `most`, growing at most twofold at a time. Where even one input
    takes longer than the pace (a slow model on a busy machine), counts can't move that often anyway:
    a group then takes up to SLOWER_THAN_ONE times one input's time, for several times the throughput."""

    def __init__(self, pace_s: float, most: int):
        self.pace_s, self.most = pace_s, max(1, most)
        self.size = min(self.most, FIRST_PACED_GROUP)
        self.seen: deque[tuple[int, float]] = deque(maxlen=SEEN)
        self.shape: float | None = None  # a / b of the last fit over two sizes or more
        self.warm = False

    def took(self, n: int, seconds: float) -> None:
        """A group of `n` inputs took `seconds`: the next one's size. The first call's time is not the
        model's pace (it loads the model, or converts it): the second call is as small, and is measured."""
        if not self.warm:
            self.warm = True
            return
        self.seen.append((n, max(seconds, 1e-6)))
        a, b = self._fit()
        target = max(self.pace_s, SLOWER_THAN_ONE * (a + b))
        self.size = max(1, min(self.most, 2 * n, int((target - a) / b)))

    def _fit(self) -> tuple[float, float]:
        """(a, b) by least squares. From one size alone, the shape of the last fit scaled to the times
        seen (the machine got busier or quieter); with no fit yet, the time is taken to be all per input."""
        ns = [n for n, _ in self.seen]
        ts = [t for _, t in self.seen]
        mean_n, mean_t = sum(ns) / len(ns), sum(ts) / len(ts)
        spread = sum((n - mean_n) ** 2 for n in ns)
        if spread == 0:
            shape = self.shape or 0.0
            b = mean_t / (shape + mean_n)
            return shape * b, b
        b = sum((n - mean_n) * (t - mean_t) for n, t in self.seen) / spread
        b = max(b, mean_t / mean_n / 100)  # a larger group that came back sooner (noise): inputs still cost
        a = max(0.0, mean_t - b * mean_n)
        self.shape = a / b
        return a, b


class LocalEngine:
    """Everything in this process, one group after another."""

    name = "local"

    def map(self, work: Work, items: list[str]) -> Iterator[list[tuple[str, Any]]]:
        pacer = Pacer(work.pace_s, work.group_size) if work.pace_s is not None else None
        start = 0
        while start < len(items):
            group = items[start : start + (pacer.size if pacer else max(1, work.group_size))]
            began = time.perf_counter()
            outputs = work.compute(group)
            if len(outputs) != len(group):
                raise RuntimeError(f"{work.name}: {len(group)} inputs gave {len(outputs)} outputs")
            if pacer:
                pacer.took(len(group), time.perf_counter() - began)
            start += len(group)
            yield list(zip(group, outputs, strict=True))

    def each(self, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        return [fn(item) for item in items]

    def close(self) -> None:
        pass


LOCAL = LocalEngine()
