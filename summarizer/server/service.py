"""What every route calls: the job's `Pipeline` (settings, cache and models, loaded once and shared by every
request), the `Batcher` in front of its translators, keys and limits, metrics, and `HttpError`, an answer in
LibreTranslate's error shape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ..errors import SummarizerError
from ..inputs.reading import MAX_BYTES
from ..inputs.segmenting import split_sentences
from ..inputs.web import fetch
from ..languages import AUTO, ENGLISH, LANGUAGES, language_name, same_language
from ..models.catalogue import pair_model
from ..options import JobSettings, SummaryOptions
from ..pipeline import Pipeline
from ..results import Translation
from .batching import Batcher
from .markup import html_pieces, join, text_pieces
from .settings import ServerOptions

log = logging.getLogger(__name__)


class HttpError(Exception):
    """A request that gets LibreTranslate's error shape: `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Metrics:
    """Prometheus counters and a latency histogram, in a registry of their own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("summarizer_requests", "HTTP requests", ["endpoint", "status"], registry=self.registry)
        self.sentences = Counter("summarizer_sentences", "Sentences translated", ["source", "target"], registry=self.registry)  # fmt: skip
        self.cache_hits = Counter("summarizer_cache_hits", "Sentences served from the cache", registry=self.registry)
        self.memory_hits = Counter("summarizer_memory_hits", "Sentences from the translation memory", registry=self.registry)  # fmt: skip
        self.flags = Counter("summarizer_flags", "Quality flags on served outputs", ["code"], registry=self.registry)
        self.model_calls = Counter("summarizer_model_calls", "Batched model calls", registry=self.registry)
        self.latency = Histogram("summarizer_request_seconds", "Request latency", ["endpoint"], registry=self.registry)

    def text(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Limiter:
    """Requests a minute per API key (a sliding window of the last 60 seconds)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str, per_minute: int | None) -> bool:
        if per_minute is None:
            return True
        now, seen = time.monotonic(), self._seen[key]
        while seen and now - seen[0] > 60:
            seen.popleft()
        if len(seen) >= per_minute:
            return False
        seen.append(now)
        return True


MAX_VARIANTS = 8  # summary variants (method, sentences) of /digest kept ready at once


class Service:
    """What the routes call: the job's pipeline and the batcher in front of its translators."""

    def __init__(self, settings: JobSettings, options: ServerOptions):
        self.settings = settings
        self.options = options
        self.pipeline = Pipeline(settings)
        self.metrics = Metrics()
        self.limiter = Limiter()
        self.keys = {k.key: k for k in options.keys}
        self.batcher = Batcher(
            self._translate_now,
            wait_s=options.batch_wait_ms / 1000,
            max_sentences=options.batch_max,
            enabled=options.batching,
        )
        self.started = time.time()
        self.stop_by: float | None = None  # set on SIGTERM: requests still running then are answered 503
        self._pipelines: dict[tuple[str, int], Pipeline] = {}  # /digest's summary variants, sharing the cache
        self._stand_in: dict[tuple[str, str], bool] = {}  # (source, target) -> is its model a stand-in

    # -- the deadline of every request ---------------------------------------------------------------

    def stopping(self) -> None:
        """SIGTERM came: requests get most of the grace period to finish, then a 503 of our own, sent
        before uvicorn's cancel would cut them off with a bare 500."""
        if self.stop_by is None:
            grace = self.options.graceful_s
            self.stop_by = time.monotonic() + grace - min(2.0, grace / 2)

    async def bounded(self, work: Awaitable[Any]) -> Any:
        """`work` (a whole request), cancelled when its deadline passes or the server stops; then a 503.
        Cancelling it drops what it still had queued for the model (see `Batcher`)."""
        task = asyncio.ensure_future(work)
        deadline = time.monotonic() + self.options.timeout_s
        try:
            while True:
                end = deadline if self.stop_by is None else min(deadline, self.stop_by)
                remaining = end - time.monotonic()
                if remaining <= 0:
                    break
                # A short step, so a SIGTERM that comes meanwhile moves this request's deadline up.
                done, _ = await asyncio.wait({task}, timeout=min(remaining, 0.25))
                if done:
                    return task.result()
        finally:
            if not task.done():
                task.cancel()
        if self.stop_by is not None and time.monotonic() >= self.stop_by:
            raise HttpError(503, "Cannot finish the request: the server is shutting down; send it again later")
        raise HttpError(
            503,
            f"Cannot finish the request within {self.options.timeout_s:g} s (the server's request timeout); "
            "send less text at once",
        )

    # -- languages ---------------------------------------------------------------------------------

    @property
    def targets(self) -> list[str]:
        return [t.lang for t in self.settings.targets]

    def covers(self, source: str, target: str) -> bool:
        """Is there a model for the pair: the job's own for `target`, else the registry's."""
        if same_language(source, target) or target not in self.targets:
            return False
        return self.settings.target(target).model is not None or pair_model(source, target) is not None

    def sources(self) -> list[str]:
        if self.settings.source_lang != AUTO:
            return [self.settings.source_lang]
        return [ENGLISH, *(c for c in LANGUAGES if c != ENGLISH)]

    def languages(self) -> list[dict]:
        out = []
        for code in dict.fromkeys([*self.sources(), *self.targets]):
            targets = [t for t in self.targets if self.covers(code, t)]
            noise = [t for t in targets if self.stand_in(code, t)]
            entry = {"code": code, "name": language_name(code), "targets": targets}
            out.append({**entry, "stand_in": bool(noise), "stand_in_targets": noise})
        return out

    def stand_in(self, source: str, target: str) -> bool:
        """Is the pair's model a stand-in (random weights: its output is noise)? Resolved, never loaded."""
        key = (source, target)
        if key not in self._stand_in:
            from ..models.hub import resolve_model

            section = self.settings.target(target)
            name = section.model or pair_model(source, target)
            try:
                found = name is not None and resolve_model(name, section.revision).info.stand_in
            except SummarizerError:  # not available here: whatever serves it later says so in its answer
                found = False
            self._stand_in[key] = found
        return self._stand_in[key]

    # -- translating -------------------------------------------------------------------------------

    def _translate_now(self, source: str, target: str, sentences: list[str]) -> list[Translation]:
        """One model call (in the batcher's model thread): the job's translator, cache and checks."""
        self.metrics.model_calls.inc()
        translated = self.pipeline.translator(target, source).translate(sentences)
        return list(translated.translations)

    async def translate_texts(self, texts: list[str], source: str, target: str, markup: bool) -> list[dict]:
        """Each text translated sentence by sentence (markup kept for HTML), with what we know of each."""
        pieces_of = [html_pieces(t) if markup else text_pieces(t) for t in texts]
        groups = [[split_sentences(p.text, source) or [p.text] for p in pieces if p.translate] for pieces in pieces_of]
        flat = [s for g in groups for sentences in g for s in sentences]
        done = await self.batcher.translate(source, target, flat)  # bounded by the request's deadline
        self.metrics.sentences.labels(source, target).inc(len(flat))
        out, it = [], iter(done)
        for pieces, group in zip(pieces_of, groups, strict=True):
            per_piece, sentences = [], []
            for piece_sentences in group:
                mine = [next(it) for _ in piece_sentences]
                per_piece.append(" ".join(t.text for t in mine))
                sentences.extend(mine)
            for t in sentences:
                self.metrics.cache_hits.inc(t.cached)
                self.metrics.memory_hits.inc(t.human)
                for f in t.flags:
                    self.metrics.flags.labels(f.code).inc()
            out.append({"text": join(pieces, per_piece, markup=markup), "sentences": sentences})
        return out

    def provenance(self, source: str, target: str) -> dict:
        info = self.pipeline.translator(target, source).model_info
        return {"model": info.name, "revision": info.revision, "backend": info.backend, "stand_in": info.stand_in}

    # -- digests -------------------------------------------------------------------------------------

    def pipeline_for(self, method: str | None, sentences: int | None) -> Pipeline:
        """The job's pipeline, or one whose summary is made as a request asks (sharing the cache)."""
        summary = self.settings.summary or SummaryOptions()
        wanted = (method or summary.method, sentences or summary.sentences)
        if self.settings.summary is not None and wanted == (summary.method, summary.sentences):
            return self.pipeline
        if wanted not in self._pipelines:
            if len(self._pipelines) >= MAX_VARIANTS:  # bounded: the oldest variant goes
                self._pipelines.pop(next(iter(self._pipelines)))
            settings = replace(self.settings, summary=replace(summary, method=wanted[0], sentences=wanted[1]))
            self._pipelines[wanted] = Pipeline(settings, cache=self.pipeline.cache)
        return self._pipelines[wanted]

    # -- checks on what a caller asks for ----------------------------------------------------------

    def check_key(self, key: Any) -> None:
        if not self.keys:
            return
        if not key:
            raise HttpError(400, "Invalid request: missing api_key parameter")
        if not isinstance(key, str):
            raise HttpError(400, "Invalid request: api_key must be a string")
        found = self.keys.get(key)
        if found is None:
            raise HttpError(403, "Invalid API key")
        if not self.limiter.allow(key, found.per_minute):
            raise HttpError(429, "Too many request limits violations")

    def check_url(self, url: str) -> None:
        """A URL this server may fetch: only with allow_urls, and http(s). Where it may connect (not into
        private networks, unless allow_private_urls) is checked by `fetch_url`, at each connection."""
        if not self.options.allow_urls:
            raise HttpError(400, "Invalid request: URLs are not fetched by this server (start it with --allow-urls)")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(400, f"Invalid request: {url!r} is not an http(s) URL")

    def fetch_url(self, url: str) -> bytes:
        """The body of a URL `check_url` passed, fetched here under the one rule of inputs/web.py (every
        redirect checked, each host resolved once and connected to at the address checked); never by
        whatever reads the article later (a Ray task, say), where this server's setting would not reach."""
        return fetch(
            url, max_bytes=MAX_BYTES, deadline=self.settings.url_deadline, allow_private=self.options.allow_private_urls
        )


# ---- request bodies ---------------------------------------------------------------------------------
