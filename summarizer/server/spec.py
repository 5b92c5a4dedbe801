"""`GET /spec`: the server's OpenAPI 3 description, as LibreTranslate serves its own at that path."""

from __future__ import annotations

from typing import Any

from ..version import __version__

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_TEXTS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


def _form(properties: dict[str, Any], required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    kinds = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
    return {"required": True, "content": {kind: {"schema": schema} for kind in kinds}}


def _answers(ok: dict, *errors: int) -> dict:
    out: dict[str, Any] = {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}}
    for code in errors:
        out[str(code)] = {"description": "Error", "content": {"application/json": {"schema": _ERROR}}}
    return out


def _post(summary: str, body: dict, ok: dict, *errors: int) -> dict:
    return {"post": {"summary": summary, "requestBody": body, "responses": _answers(ok, *errors)}}


def _get(summary: str, ok: dict) -> dict:
    return {"get": {"summary": summary, "responses": _answers(ok)}}


def openapi(service: Any) -> dict:
    """The spec, with this server's limits in the descriptions."""
    options = service.options
    key = {"api_key": {"type": "string", "description": "Required when the server was started with --api-keys."}}
    article = {
        "text": {"type": "string"},
        "url": {"type": "string", "description": "Fetched only when the server allows URLs."},
        "method": {"type": "string", "enum": ["abstractive", "extractive", "lead"]},
        "sentences": {"type": "integer", "minimum": 1, "maximum": 50},
        **key,
    }
    obj = {"type": "object"}
    sentence_list = {"type": "array", "items": obj}
    errors = (400, 403, 413, 429, 500, 503)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "summarizer",
            "version": __version__,
            "description": "LibreTranslate's API (translate, detect, languages, frontend settings, health, spec) "
            f"plus summaries and digests. Limits: {options.char_limit} characters and {options.batch_limit} "
            f"texts per request, {options.body_limit} bytes of body, {options.timeout_s:g} s per request.",
        },
        "paths": {
            "/translate": _post(
                "Translate text or HTML",
                _form(
                    {
                        "q": _TEXTS,
                        "source": {"type": "string", "description": "A language code, or auto."},
                        "target": {"type": "string"},
                        "format": {"type": "string", "enum": ["text", "html"]},
                        "alternatives": {"type": "integer"},
                        **key,
                    },
                    ["q", "source", "target"],
                ),
                {"type": "object", "properties": {"translatedText": _TEXTS, "summarizer": {}}},
                *errors,
            ),
            "/detect": _post(
                "Detect the language of text", _form({"q": _TEXTS, **key}, ["q"]), sentence_list, 400, 403, 429
            ),
            "/summarize": _post("Summarize an article", _form(article, []), obj, *errors),
            "/digest": _post("Summary and translations into every target", _form(article, []), obj, *errors),
            "/languages": _get("Languages and the targets each can be translated into", sentence_list),
            "/frontend/settings": _get("Settings a LibreTranslate front end reads", obj),
            "/health": _get("Is the server up", {"type": "object", "properties": {"status": {"type": "string"}}}),
            "/status": _get("Uptime, targets, stand-in models and limits", obj),
            "/spec": _get("This document", obj),
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "OK"}}}},
        },
    }
