"""Dynamic batching: concurrent requests for one language pair gathered into one model call.

A request's sentences wait at most `wait_s` for others to join them (less when `max_sentences` are
already waiting); then every waiting request of the pair goes to the model in one call, which sorts
them by length as every batch job does, and each request gets back exactly its own sentences, in its
own order. Model calls run one at a time in a worker thread, so the event loop keeps taking requests
while the model works: what arrives meanwhile gathers into the next call, which starts as soon as the
model is free (continuous batching). With `enabled=False` every request is a model call of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Translate = Callable[[str, str, list[str]], Sequence[Any]]  # (source, target, sentences) -> one result each


@dataclass
class _Waiting:
    sentences: list[str]
    future: asyncio.Future


@dataclass
class _Pair:
    waiting: list[_Waiting] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None
    due: bool = False  # its wait is over: it goes as soon as the model is free

    @property
    def size(self) -> int:
        return sum(len(w.sentences) for w in self.waiting)


class Batcher:
    """Gathers `translate` calls per (source, target) into model calls (the app counts them in /metrics)."""

    def __init__(self, translate: Translate, *, wait_s: float = 0.01, max_sentences: int = 256, enabled: bool = True):
        self._translate = translate
        self.wait_s = max(0.0, wait_s)
        self.max_sentences = max(1, max_sentences)
        self.enabled = enabled
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._busy = False  # a gathered call is with the model
        self._model = ThreadPoolExecutor(max_workers=1, thread_name_prefix="summarizer-model")

    async def translate(self, source: str, target: str, sentences: list[str]) -> list[Any]:
        """The results for `sentences`, in order, from a model call shared with whatever else waits."""
        if not sentences:
            return []
        loop = asyncio.get_running_loop()
        if not self.enabled:
            return list(await loop.run_in_executor(self._model, self._call, (source, target), list(sentences)))
        future: asyncio.Future = loop.create_future()
        key = (source, target)
        pair = self._pairs.setdefault(key, _Pair())
        pair.waiting.append(_Waiting(list(sentences), future))
        if pair.size >= self.max_sentences or self.wait_s == 0:
            pair.due = True
            self._dispatch()
        elif pair.timer is None:
            pair.timer = loop.call_later(self.wait_s, self._wait_over, key)
        return await future

    def _wait_over(self, key: tuple[str, str]) -> None:
        pair = self._pairs.get(key)
        if pair is not None:
            pair.due = True
            self._dispatch()

    def _dispatch(self) -> None:
        """Send the first pair whose wait is over (or that is full) to the model, if the model is free."""
        if self._busy:
            return
        for key, pair in list(self._pairs.items()):
            if pair.due or pair.size >= self.max_sentences:
                del self._pairs[key]
                if pair.timer is not None:
                    pair.timer.cancel()
                self._busy = True
                asyncio.get_running_loop().create_task(self._run(key, pair.waiting))
                return

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in the model thread, after the model calls queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._model, lambda: fn(*args, **kwargs))

    async def _run(self, key: tuple[str, str], waiting: list[_Waiting]) -> None:
        flat = [s for w in waiting for s in w.sentences]
        loop = asyncio.get_running_loop()
        try:
            results = await loop.run_in_executor(self._model, self._call, key, flat)
        except Exception as exc:  # every request of the batch gets the error
            for w in waiting:
                if not w.future.done():
                    w.future.set_exception(exc)
            return
        finally:
            self._busy = False
            self._dispatch()  # what gathered meanwhile goes next
        offset = 0
        for w in waiting:
            mine = list(results[offset : offset + len(w.sentences)])
            offset += len(w.sentences)
            if not w.future.done():  # a request that timed out is gone
                w.future.set_result(mine)

    def _call(self, key: tuple[str, str], sentences: list[str]) -> Sequence[Any]:
        results = self._translate(key[0], key[1], sentences)
        if len(results) != len(sentences):
            raise RuntimeError(f"{len(sentences)} sentences gave {len(results)} translations")
        return results

    def close(self) -> None:
        self._model.shutdown(wait=True)
