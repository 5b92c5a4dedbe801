"""The digest as versioned JSON (`render_json`, read back by `digest_from_json`), its schema, and the index listing."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from ...errors import InputError
from ...results import Digest, Edition, IndexEntry, TranslationSet

SCHEMA_NAME = "summarizer.digest"
INDEX_SCHEMA_NAME = "summarizer.index"
FORMAT_VERSION = 1
# Keys written for readers' convenience and ignored when reading.
_DERIVED_KEYS: dict[type, frozenset[str]] = {
    Digest: frozenset({"schema", "stand_in", "stand_in_parts"}),
    TranslationSet: frozenset({"cache_hits"}),
}


def plain(obj: Any) -> Any:
    """JSON-ready data: dataclasses in field order, mappings with sorted keys, tuples as lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, TranslationSet):
            out["cache_hits"] = obj.cache_hits
        return out
    if isinstance(obj, Mapping):
        return {str(k): plain(obj[k]) for k in sorted(obj, key=str)}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def dumps(data: Any) -> str:
    """The one JSON text style of every output: UTF-8 as is, indented, strict about NaN, newline at the end."""
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render_json(digest: Digest) -> str:
    """The whole digest as JSON, described by `summarizer/output/schema/digest.schema.json` (draft 2020-12):

        {"schema": "summarizer.digest", "format_version": 1, "stand_in": bool,
         "stand_in_parts": [{"part": "summary" | "full", "target": code | null}, ...],
         "article": {...}, "summary": {...} | null, "summary_sentences": [...],
         "languages": [{"target", "summary": TranslationSet | null, "full": TranslationSet | null}],
         "warnings": [...], "timings": {...}}

    Objects mirror the dataclasses of `summarizer.results` field by field, in field order; tuples become
    arrays; free-form mappings (`params`, `timings`) have sorted keys, so the output is deterministic.
    `stand_in` and `stand_in_parts` (top level) and `cache_hits` (per translation set) are derived, for
    readers' convenience, and ignored when reading. Lists stored inside `params` come back as lists.
    """
    body = plain(digest)
    head = {"schema": SCHEMA_NAME, "format_version": body.pop("format_version"), "stand_in": digest.stand_in}
    return dumps(head | {"stand_in_parts": stand_in_parts(digest)} | body)


def stand_in_parts(digest: Digest) -> list[dict[str, str | None]]:
    """Each part a stand-in model made, from its own model record: the summary (target None), then each
    language's translated summary and full text."""
    out: list[dict[str, str | None]] = []
    if digest.summary is not None and digest.summary.model.stand_in:
        out.append({"part": "summary", "target": None})
    for lang in digest.languages:
        for kind, ts in (("summary", lang.summary), ("full", lang.full)):
            if ts is not None and ts.model.stand_in:
                out.append({"part": kind, "target": lang.target})
    return out


def render_index_json(entries: Iterable[IndexEntry], title: str = "Digests") -> str:
    """The same listing as `render_index`, for programs."""
    head = {"schema": INDEX_SCHEMA_NAME, "format_version": FORMAT_VERSION, "title": title}
    return dumps(head | {"entries": [plain(e) for e in entries]})


def digest_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that `render_json` output follows."""
    from importlib.resources import files

    return json.loads(files("summarizer.output").joinpath("schema", "digest.schema.json").read_text(encoding="utf-8"))


def digest_from_json(text: str) -> Digest:
    """Rebuild a Digest from `render_json` output. Malformed input raises InputError naming the key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"digest JSON is not valid JSON: {err}") from None
    except RecursionError:  # the parser's own depth limit: no digest nests more than a few levels
        raise InputError("digest JSON is nested too deeply to be a digest; give the file render_json wrote") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_NAME:
        raise InputError(f'not a digest: expected "schema": "{SCHEMA_NAME}" at the top level')
    if data.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"digest format_version {data.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION}); re-render it with this version of summarizer"
        )
    return _build(Digest, data, "digest")


def index_from_json(text: str) -> list[IndexEntry]:
    """The entries of `render_index_json` output; InputError naming the key when it is not an index."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError("index JSON is not valid JSON") from None
    if (
        not isinstance(data, dict)
        or data.get("schema") != INDEX_SCHEMA_NAME
        or not isinstance(data.get("entries"), list)
    ):
        raise InputError(f'not an index: expected "schema": "{INDEX_SCHEMA_NAME}" and "entries"')
    return [_build(IndexEntry, e, f"entries[{i}]") for i, e in enumerate(data["entries"])]


def edition_from_json(text: str) -> Edition:
    """An Edition from `render_edition_json` output; InputError when it is not one."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError("edition JSON is not valid JSON") from None
    if not isinstance(data, dict) or data.get("schema") != "summarizer.edition":
        raise InputError('not an edition: expected "schema": "summarizer.edition"')
    body = {k: v for k, v in data.items() if k not in ("schema", "format_version", "stories")}
    return _build(Edition, body, "edition")


def _build(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        derived = _DERIVED_KEYS.get(tp, frozenset())
        unknown = sorted(set(value) - names - derived)
        if unknown:
            raise InputError(f"{where}: unknown key {unknown[0]!r}")
        try:
            return tp(**{k: _build(hints[k], v, f"{where}.{k}") for k, v in value.items() if k in names})
        except TypeError as err:  # a required field is missing
            raise InputError(f"{where}: {err}") from None
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _build(inner, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise InputError(f"{where}: expected an array, got {type(value).__name__}")
        return tuple(_build(typing.get_args(tp)[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object, got {type(value).__name__}")
        (_, value_type) = typing.get_args(tp)
        return {k: _build(value_type, v, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise InputError(f"{where}: expected a number, got {type(value).__name__}")
    if tp in (str, int, bool) and type(value) is not tp:
        raise InputError(f"{where}: expected {tp.__name__}, got {type(value).__name__}")
    return value
