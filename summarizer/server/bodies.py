"""Requests read and answers shaped: a body in JSON, a form or multipart (capped), its parameters checked
one by one, and the `summarizer` field each answer carries.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from ..errors import InputError
from ..inputs.reading import detect_language
from ..results import Translation
from .service import HttpError

log = logging.getLogger(__name__)


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


def required(params: dict, name: str) -> Any:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip() and name != "q"):
        raise HttpError(400, f"Invalid request: missing {name} parameter")
    return value


def word(params: dict, name: str, default: str | None = None) -> str | None:
    """A parameter that must be one short string (a language code, a format, a method), lower-cased."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise HttpError(400, f"Invalid request: {name} must be a string")
    return str(value).strip().lower()


def texts_of(q: Any, limit: int) -> tuple[list[str], bool]:
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


def check_chars(texts: list[str], limit: int) -> None:
    chars = sum(len(t) for t in texts)
    if chars > limit:
        raise HttpError(400, f"Invalid request: request ({chars}) exceeds text limit ({limit})")


def detect_or_400(text: str) -> tuple[str, float]:
    try:
        return detect_language(text)
    except InputError:  # its advice (--from) is for the command line
        raise HttpError(400, "Invalid request: the language of q can't be identified; give source") from None


def summary_fields(params: dict, default_method: str | None) -> tuple[str | None, int | None]:
    """`method` and `sentences` of /summarize and /digest, checked (None: not given)."""
    method = word(params, "method", default_method)
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


def flag_field(f) -> dict:
    return {"code": f.code, "message": f.message, **({"score": f.score} if f.score is not None else {})}


def sentence_field(t: Translation) -> dict:
    return {
        "source": t.source,
        "text": t.text,
        "flags": [flag_field(f) for f in t.flags],
        "cached": t.cached,
        "memory": t.human,
        "protected": t.protected,
        "complete": t.complete,
    }


NO_SUMMARY_MODEL = "the abstractive summary model is not available on this server; ask for method extractive or lead"


def extra_field(result: dict) -> dict:
    """Our field of one answer: its sentences, the model, whether a stand-in made it, its flag codes."""
    sentences = result["sentences"]
    model = result.get("model")
    return {
        "stand_in": bool(model and model["stand_in"]),
        "flags": sorted({f.code for t in sentences for f in t.flags}),
        "sentences": [sentence_field(t) for t in sentences],
        **({"model": model} if model else {}),
    }
