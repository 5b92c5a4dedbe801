"""The HTTP API: LibreTranslate's endpoints (`/translate`, `/detect`, `/languages`, `/frontend/settings`)
in its request and response shapes (and `/health`, `/spec`), plus `/summarize`, `/digest`, `/status` and
`/metrics`.

One `Service` holds the job's `Pipeline` (its settings, cache and models, loaded once and shared by
every request) and a `Batcher` that gathers concurrent requests per language pair into one model call.
A translation served here is the batch jobs' own: the same cache keys, translation memory and checks.
Every request is bounded as a whole (`--request-timeout`, less once SIGTERM's grace is running out): past
its deadline it is answered 503 in LibreTranslate's shape and the work it left is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable
from dataclasses import asdict, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ..errors import InputError, ModelUnavailableError, SummarizerError, UnknownLanguageError
from ..inputs.reading import MAX_BYTES, Input, detect_language, read_input
from ..inputs.segmenting import split_sentences
from ..inputs.web import fetch
from ..languages import AUTO, ENGLISH, LANGUAGES, language_name, same_language
from ..models.catalogue import pair_model
from ..options import JobSettings, SummaryOptions
from ..pipeline import Failure, Pipeline
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


async def read_body(request: Any, limit: int) -> dict[str, Any]:
    """A request's parameters: a JSON object, or a form (url-encoded), or the query string; bounded."""
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > limit:
        raise HttpError(413, f"Invalid request: the body is over {limit} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HttpError(413, f"Invalid request: the body is over {limit} bytes")
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(request.url.query).items()}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body.strip():
        return params
    if kind == "application/json" or (not kind and body.lstrip()[:1] in (b"{", b"[")):
        try:
            data = json.loads(body)
        except ValueError:
            raise HttpError(400, "Invalid request: the body is not valid JSON") from None
        except RecursionError:  # nested deeper than Python's parser goes
            raise HttpError(400, "Invalid request: the JSON body is nested too deeply") from None
        if not isinstance(data, dict):
            raise HttpError(400, "Invalid request: the body must be a JSON object")
        return {**params, **data}
    if kind in ("", "application/x-www-form-urlencoded"):
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise HttpError(400, "Invalid request: the body is not UTF-8") from None
        return {**params, **{k: (v if k == "q" and len(v) > 1 else v[-1]) for k, v in form.items()}}
    if kind == "multipart/form-data":
        from starlette.requests import Request as Replayed

        async def replay() -> dict:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Replayed(request.scope, replay).form()
        except Exception:  # a malformed multipart body
            raise HttpError(400, "Invalid request: the multipart body can't be read") from None
        fields = {k: form.getlist(k) for k in form}
        if any(not isinstance(v, str) for values in fields.values() for v in values):
            raise HttpError(400, "Invalid request: files are not translated here; send the text as q")
        return {**params, **{k: (v if k == "q" and len(v) > 1 else v[-1]) for k, v in fields.items()}}
    raise HttpError(400, f"Invalid request: unsupported content type {kind}")


def _required(params: dict, name: str) -> Any:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and name != "q"):
        raise HttpError(400, f"Invalid request: missing {name} parameter")
    return value


def _word(params: dict, name: str, default: str | None = None) -> str | None:
    """A parameter that must be one short string (a language code, a format, a method), lower-cased."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise HttpError(400, f"Invalid request: {name} must be a string")
    return str(value).strip().lower()


def _texts(q: Any, limit: int) -> tuple[list[str], bool]:
    """`q` as a list of texts, and whether it was one; at most `limit` texts (the server's --batch-limit)."""
    if isinstance(q, str):
        return [q], False
    if isinstance(q, list) and all(isinstance(x, str) for x in q):
        if len(q) > limit:
            raise HttpError(
                400, f"Invalid request: request ({len(q)} texts) exceeds batch limit ({limit}); send at most {limit}"
            )
        return list(q), True
    raise HttpError(400, "Invalid request: q must be a string or a list of strings")


def _check_chars(texts: list[str], limit: int) -> None:
    chars = sum(len(t) for t in texts)
    if chars > limit:
        raise HttpError(400, f"Invalid request: request ({chars}) exceeds text limit ({limit})")


def _detect(text: str) -> tuple[str, float]:
    try:
        return detect_language(text)
    except InputError:  # its advice (--from) is for the command line
        raise HttpError(400, "Invalid request: the language of q can't be identified; give source") from None


def _summary_fields(params: dict, default_method: str | None) -> tuple[str | None, int | None]:
    """`method` and `sentences` of /summarize and /digest, checked (None: not given)."""
    method = _word(params, "method", default_method)
    if method is not None and method not in ("abstractive", "extractive", "lead"):
        raise HttpError(400, f"Invalid request: method {method} is not abstractive, extractive or lead")
    raw = params.get("sentences")
    if raw is None or raw == "":
        return method, None
    try:
        if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
            raise TypeError
        count = int(raw)
    except (TypeError, ValueError, OverflowError):
        raise HttpError(400, "Invalid request: sentences must be a whole number") from None
    if not 1 <= count <= 50:
        raise HttpError(400, "Invalid request: sentences must be 1 to 50")
    return method, count


def _flag(f) -> dict:
    return {"code": f.code, "message": f.message, **({"score": f.score} if f.score is not None else {})}


def _sentence(t: Translation) -> dict:
    return {
        "source": t.source,
        "text": t.text,
        "flags": [_flag(f) for f in t.flags],
        "cached": t.cached,
        "memory": t.human,
        "protected": t.protected,
        "complete": t.complete,
    }


# ---- the app ------------------------------------------------------------------------------------------

# How each route says it failed (LibreTranslate's "Cannot translate text" for /translate).
ACTIONS = {"/summarize": "Cannot summarize", "/digest": "Cannot make the digest"}


def make_app(service: Service):
    """The FastAPI application for `service`."""
    app = FastAPI(title="summarizer", docs_url=None, redoc_url=None, openapi_url=None)
    options = service.options

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    def route(path: str, methods: list[str]):
        """A route whose errors are answered in LibreTranslate's shape and counted; never a traceback, a
        server path or advice meant for the operator (the log has those)."""
        action = ACTIONS.get(path, "Cannot translate text")

        def decorate(handler):
            async def endpoint(request: Request):
                started = time.perf_counter()
                try:
                    response = await service.bounded(handler(request))
                except HttpError as exc:
                    response = error(exc.status, str(exc))
                except UnknownLanguageError as exc:
                    response = error(400, str(exc))
                except ModelUnavailableError as exc:
                    log.warning("%s: %s", path, exc)
                    response = error(503, f"{action}: a model it needs is not available on this server")
                except SummarizerError as exc:
                    if exc.fatal:  # the server's own models or files: its operator's to fix
                        log.error("%s failed: %s", path, exc)
                        response = error(500, f"{action}: the server failed on it (its log says why)")
                    else:  # this request's article (unreadable, no text in it)
                        response = error(400, str(exc))
                except Exception as exc:  # the log has it; the caller gets one line
                    log.exception("%s failed", path)
                    response = error(500, f"{action}: the server failed on it ({type(exc).__name__})")
                service.metrics.requests.labels(path, str(response.status_code)).inc()
                service.metrics.latency.labels(path).observe(time.perf_counter() - started)
                return response

            app.add_api_route(path, endpoint, methods=methods)
            return handler

        return decorate

    @route("/translate", ["POST"])
    async def translate(request: Request):
        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        texts, many = _texts(_required(params, "q"), options.batch_limit)
        source = _word(params, "source")
        target = _word(params, "target")
        if source is None:
            raise HttpError(400, "Invalid request: missing source parameter")
        if target is None:
            raise HttpError(400, "Invalid request: missing target parameter")
        fmt = _word(params, "format", "text")
        if fmt not in ("text", "html"):
            raise HttpError(400, f"Invalid request: format {fmt} is not text or html")
        _check_chars(texts, options.char_limit)
        if target not in service.targets:
            raise HttpError(400, f"{target} is not supported")
        detected: list[dict] | None = None
        if source == AUTO:
            guesses = [_detect(t) if t.strip() else (ENGLISH, 0.0) for t in texts]
            detected = [{"confidence": round(p * 100, 1), "language": lang} for lang, p in guesses]
            sources = [lang for lang, _ in guesses]
        else:
            if source not in LANGUAGES and source != ENGLISH:
                raise HttpError(400, f"{source} is not supported")
            sources = [source] * len(texts)
        results: list[dict] = [{}] * len(texts)
        for lang in dict.fromkeys(sources):  # one batched call per source language
            idx = [i for i, s in enumerate(sources) if s == lang]
            if same_language(lang, target):
                for i in idx:
                    results[i] = {"text": texts[i], "sentences": []}
                continue
            if not service.covers(lang, target):
                raise HttpError(400, f"{lang} is not supported" if lang not in LANGUAGES else f"{lang} to {target} is not supported")  # fmt: skip
            done = await service.translate_texts([texts[i] for i in idx], lang, target, fmt == "html")
            for i, r in zip(idx, done, strict=True):
                results[i] = {**r, "model": service.provenance(lang, target)}
        extra = [_extra(r) for r in results]
        body: dict[str, Any] = {"translatedText": [r["text"] for r in results] if many else results[0]["text"]}
        if detected is not None:
            body["detectedLanguage"] = detected if many else detected[0]
        if str(params.get("alternatives") or "0") not in ("0", ""):  # asked for: we make one translation only
            body["alternatives"] = [[] for _ in texts] if many else []
        body["summarizer"] = extra if many else extra[0]
        return JSONResponse(body)

    @route("/detect", ["POST"])
    async def detect(request: Request):
        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        texts, _ = _texts(_required(params, "q"), options.batch_limit)
        _check_chars(texts, options.char_limit)
        text = " ".join(texts)
        if not text.strip():  # no language to name: guessing one (it was always English) would mislead
            raise HttpError(400, "Invalid request: q has no text; send the text whose language to detect")
        lang, probability = _detect(text)
        return JSONResponse([{"confidence": round(probability * 100, 1), "language": lang}])

    @route("/languages", ["GET"])
    async def languages(request: Request):
        return JSONResponse(service.languages())

    @route("/frontend/settings", ["GET"])
    async def frontend_settings(request: Request):
        first = service.targets[0] if service.targets else ENGLISH
        source = service.sources()[0]
        return JSONResponse(
            {
                "charLimit": options.char_limit,
                "frontendTimeout": 500,
                "apiKeys": service.options.key_required,
                "keyRequired": service.options.key_required,
                "suggestions": False,
                "filesTranslation": False,
                "supportedFilesFormat": [],
                "language": {
                    "source": {"code": source, "name": language_name(source)},
                    "target": {"code": first, "name": language_name(first)},
                },
            }
        )

    async def article_input(params: dict) -> Input:
        url, text = params.get("url"), params.get("text") or params.get("q")
        if url:
            if not isinstance(url, str):
                raise HttpError(400, "Invalid request: url must be a string")
            try:  # a port past 65535 or a broken [::1 literal: the caller's mistake, said as such
                parts = urlsplit(url)
                _ = parts.port, parts.hostname
            except ValueError:
                raise HttpError(400, f"Invalid request: url {url[:200]!r} is not a valid URL") from None
            service.check_url(url)
            page = await asyncio.to_thread(service.fetch_url, url)  # a thread of its own, as reading is
            return Input(source=url, location=url, name="request", page=page)
        if not isinstance(text, str) or not text.strip():
            raise HttpError(400, "Invalid request: missing text or url parameter")
        # A whole article: bounded by the body limit, not by the per-request text limit of /translate.
        return Input(source="request", location="request.txt", name="request", page=text.encode("utf-8"))

    @route("/summarize", ["POST"])
    async def summarize(request: Request):
        from ..api import summarize as summarize_text

        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        item = await article_input(params)
        method, count = _summary_fields(params, "extractive")
        # Reading (a URL's fetch, extraction) in a thread of its own: the model thread stays free for others.
        article = await asyncio.to_thread(read_input, item, lang=service.settings.source_lang)
        section = service.settings.summary
        model = section.model if section is not None and method == "abstractive" else None
        gen = dict(section.params.as_dict()) if section is not None and method == "abstractive" else {}

        def run():
            return summarize_text(
                " ".join(s.text for s in article.sentences),
                method=method,
                sentences=count or 3,
                model=model,
                lang=article.lang,
                cache=service.pipeline.cache,
                runtime=service.settings.runtime,
                **gen,
            )

        try:
            summary = await service.batcher.run(run)
        except ModelUnavailableError as exc:
            log.warning("/summarize: %s", exc)
            raise HttpError(503, f"Cannot summarize: {NO_SUMMARY_MODEL}") from None
        body = {
            "summary": summary.text,
            "method": summary.method,
            "lang": article.lang,
            "flags": [_flag(f) for f in summary.flags],
            "cached": summary.cached,
            "stand_in": summary.model.stand_in,
            "model": asdict(summary.model),
        }
        return JSONResponse(body)

    @route("/digest", ["POST"])
    async def digest(request: Request):
        from ..output.render.formats import render_digest

        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        item = await article_input(params)
        method, count = _summary_fields(params, None)
        pipeline = service.pipeline_for(method, count)

        def run():
            (result,) = list(pipeline.run([item]))
            return result

        try:
            result = await service.batcher.run(run)
        except ModelUnavailableError as exc:
            log.warning("/digest: %s", exc)
            summary = pipeline.settings.summary
            if summary is not None and summary.method == "abstractive" and exc.model == summary.model:
                raise HttpError(503, f"Cannot make the digest: {NO_SUMMARY_MODEL}") from None
            raise HttpError(503, "Cannot make the digest: a translation model it needs is not available on this server") from None  # fmt: skip
        if isinstance(result, Failure):
            raise HttpError(400, result.error)
        headers = {"X-Summarizer-Stand-In": "true" if result.stand_in else "false"}
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(render_digest(result, "html"), headers=headers)
        return Response(render_digest(result, "json"), media_type="application/json", headers=headers)

    @route("/health", ["GET"])
    async def health(request: Request):
        return JSONResponse({"status": "ok"})  # exactly LibreTranslate's; /status has the rest

    @route("/status", ["GET"])
    async def status(request: Request):
        languages = service.languages()
        return JSONResponse(
            {
                "status": "ok",
                "targets": service.targets,
                "uptime_s": round(time.time() - service.started, 1),
                "stand_in": any(entry["stand_in"] for entry in languages),
                "stand_in_targets": sorted({t for entry in languages for t in entry["stand_in_targets"]}),
                "limits": {
                    "char_limit": options.char_limit,
                    "batch_limit": options.batch_limit,
                    "body_bytes": options.body_limit,
                    "request_timeout_s": options.timeout_s,
                },
            }
        )

    @route("/spec", ["GET"])
    async def spec(request: Request):
        from .spec import openapi

        return JSONResponse(openapi(service))

    @route("/metrics", ["GET"])
    async def metrics(request: Request):
        data, kind = service.metrics.text()
        return Response(data, media_type=kind)

    @app.exception_handler(404)
    async def not_found(request, exc):
        return error(404, "Not found")

    @app.exception_handler(405)
    async def not_allowed(request, exc):
        return error(405, "Method not allowed")

    return app


NO_SUMMARY_MODEL = "the abstractive summary model is not available on this server; ask for method extractive or lead"


def _extra(result: dict) -> dict:
    """Our field of one answer: its sentences, the model, whether a stand-in made it, its flag codes."""
    sentences = result["sentences"]
    model = result.get("model")
    return {
        "stand_in": bool(model and model["stand_in"]),
        "flags": sorted({f.code for t in sentences for f in t.flags}),
        "sentences": [_sentence(t) for t in sentences],
        **({"model": model} if model else {}),
    }
