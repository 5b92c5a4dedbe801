"""Dynamic batching: concurrent requests for one language pair gathered into one model call.

A request's sentences wait at most `wait_s` for others to join them (less when `max_sentences` are
already waiting); then every waiting request of the pair goes to the model in one call, which sorts
them by length as every batch job does, and each request gets back exactly its own sentences, in its
own order. Model calls run one at a time in a worker thread, so the event loop keeps taking requests
while the model works: what arrives meanwhile gathers into the next call, which starts as soon as the
model is free (continuous batching). With `enabled=False` every request is a model call of its own.

A model call takes at most `max_sentences`; a larger batch is several calls, and before each one the
requests that were abandoned (their deadline passed, their client left: the awaiting task cancelled)
are dropped, so abandoned work holds the model for one call at most.
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
    results: list[Any] = field(default_factory=list)  # of its sentences, in order, as the calls return

    @property
    def live(self) -> bool:
        return not self.future.done() and len(self.results) < len(self.sentences)


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
        if not self.enabled:  # call by call: a cancelled request stops after the call it is in
            out: list[Any] = []
            for start in range(0, len(sentences), self.max_sentences):
                part = list(sentences[start : start + self.max_sentences])
                out += await loop.run_in_executor(self._model, self._call, (source, target), part)
            return out
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
        loop = asyncio.get_running_loop()
        try:
            while live := [w for w in waiting if w.live]:  # a request that timed out is gone
                chunk: list[str] = []
                takes: list[tuple[_Waiting, int]] = []
                for w in live:
                    start = len(w.results)
                    part = w.sentences[start : start + self.max_sentences - len(chunk)]
                    chunk += part
                    takes.append((w, len(part)))
                    if len(chunk) >= self.max_sentences:
                        break
                results = await loop.run_in_executor(self._model, self._call, key, chunk)
                offset = 0
                for w, n in takes:
                    w.results += results[offset : offset + n]
                    offset += n
                    if len(w.results) == len(w.sentences) and not w.future.done():
                        w.future.set_result(list(w.results))
        except Exception as exc:  # every request of the batch still waiting gets the error
            for w in waiting:
                if not w.future.done():
                    w.future.set_exception(exc)
        finally:
            self._busy = False
            self._dispatch()  # what gathered meanwhile goes next

    def _call(self, key: tuple[str, str], sentences: list[str]) -> Sequence[Any]:
        results = self._translate(key[0], key[1], sentences)
        if len(results) != len(sentences):
            raise RuntimeError(f"{len(sentences)} sentences gave {len(results)} translations")
        return results

    def close(self) -> None:
        self._model.shutdown(wait=True, cancel_futures=True)  # the call in progress ends; queued ones don't start
