"""LibreTranslate's routes: `/translate`, `/detect`, `/languages`, `/frontend/settings`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ...languages import AUTO, ENGLISH, LANGUAGES, language_name, same_language
from ..bodies import check_chars, detect_or_400, extra_field, read_body, required, texts_of, word
from ..service import HttpError, Service

log = logging.getLogger(__name__)


def register(route, service: Service) -> None:
    """Add this module's routes to the app `route` builds (see `app.make_app`)."""
    options = service.options

    @route("/translate", ["POST"])
    async def translate(request: Request):
        params = await read_body(request, options.body_limit)
        service.check_key(params.get("api_key"))
        texts, many = texts_of(required(params, "q"), options.batch_limit)
        source = word(params, "source")
        target = word(params, "target")
        if source is None:
            raise HttpError(400, "Invalid request: missing source parameter")
        if target is None:
            raise HttpError(400, "Invalid request: missing target parameter")
        fmt = word(params, "format", "text")
        if fmt not in ("text", "html"):
            raise HttpError(400, f"Invalid request: format {fmt} is not text or html")
        check_chars(texts, options.char_limit)
        if target not in service.targets:
            raise HttpError(400, f"{target} is not supported")
        detected: list[dict] | None = None
        if source == AUTO:
            guesses = [detect_or_400(t) if t.strip() else (ENGLISH, 0.0) for t in texts]
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
        extra = [extra_field(r) for r in results]
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
        texts, _ = texts_of(required(params, "q"), options.batch_limit)
        check_chars(texts, options.char_limit)
        text = " ".join(texts)
        if not text.strip():  # no language to name: guessing one (it was always English) would mislead
            raise HttpError(400, "Invalid request: q has no text; send the text whose language to detect")
        lang, probability = detect_or_400(text)
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
