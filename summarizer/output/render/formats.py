"""Rendering a digest in one of the output formats (which exist, and checking a choice of them, are settings:
`options.check_formats`)."""

from __future__ import annotations

import json

from ...options import check_formats
from ...results import Digest
from .html import render_html
from .json import render_json
from .markdown import render_markdown
from .translation_text import render_translation_text


def one_line(rendered_json: str) -> str:
    """A rendered JSON document as one JSONL line."""
    return json.dumps(json.loads(rendered_json), ensure_ascii=False, separators=(",", ":"))


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
