"""The output formats: which exist, checking a choice of them, and rendering a digest in one."""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..errors import ConfigError
from ..results import Digest
from .html import render_html
from .json import render_json
from .markdown import render_markdown
from .plain import render_translation_text

DIGEST_FORMATS = ("html", "md", "json")  # what a digest job writes unless told otherwise
SUMMARY_FORMATS = ("txt", "md", "json")
# `jsonl`: the JSON object on one line, for streams (one article per line, the same shape every time).
# `txt`: the translations alone, paragraphs kept (one file per language when written to a folder).
_CHOICES = {"digest": (*DIGEST_FORMATS, "jsonl", "txt"), "summary": (*SUMMARY_FORMATS, "jsonl")}


def one_line(rendered_json: str) -> str:
    """A rendered JSON document as one JSONL line."""
    return json.dumps(json.loads(rendered_json), ensure_ascii=False, separators=(",", ":"))


def check_formats(formats: str | Iterable[str], *, kind: str = "digest", where: str = "--format") -> tuple[str, ...]:
    """`formats` in order without repeats. An unknown format, or none, raises ConfigError naming `where`.

    `kind` is "digest" (html, md, json, jsonl) or "summary" (txt, md, json, jsonl). A string is one format.
    """
    if kind not in _CHOICES:
        raise ValueError(f"kind must be one of {', '.join(_CHOICES)}, got {kind!r}")
    choices = _CHOICES[kind]
    out: list[str] = []
    for fmt in (formats,) if isinstance(formats, str) else formats:
        if not isinstance(fmt, str) or fmt not in choices:
            raise ConfigError(f"{where}: unknown format {fmt!r} for a {kind}; choose from {', '.join(choices)}")
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise ConfigError(f"{where}: no {kind} format given; choose from {', '.join(choices)}")
    return tuple(out)


def render_digest(digest: Digest, fmt: str, target: str | None = None) -> str:
    """The digest in one of the digest formats: all target languages (`target=None`) or one (html, md, txt)."""
    (fmt,) = check_formats(fmt, where="format")
    if fmt == "html":
        return render_html(digest, target)
    if fmt == "md":
        return render_markdown(digest, target)
    if fmt == "txt":
        return render_translation_text(digest, target)
    if target is not None:
        raise ValueError("a JSON digest always holds every target language; pass target=None")
    return one_line(render_json(digest)) + "\n" if fmt == "jsonl" else render_json(digest)
