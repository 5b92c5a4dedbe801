"""Our article routes: `/summarize` and `/digest` (an article by text or URL)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ...errors import ModelUnavailableError
from ...inputs.reading import Input, read_input
from ...pipeline import Failure
from ..bodies import NO_SUMMARY_MODEL, flag_field, read_body, summary_fields
from ..service import HttpError, Service

log = logging.getLogger(__name__)


def register(route, service: Service) -> None:
    """Add this module's routes to the app `route` builds (see `app.make_app`)."""
    options = service.options

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
        from ...api import summarize as summarize_text

        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        item = await article_input(params)
        method, count = summary_fields(params, "extractive")
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
            "flags": [flag_field(f) for f in summary.flags],
            "cached": summary.cached,
            "stand_in": summary.model.stand_in,
            "model": asdict(summary.model),
        }
        return JSONResponse(body)

    @route("/digest", ["POST"])
    async def digest(request: Request):
        from ...output.render.formats import render_digest

        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        item = await article_input(params)
        method, count = summary_fields(params, None)
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
