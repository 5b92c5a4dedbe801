"""Digest rendering: bilingual HTML, GitHub Markdown, versioned JSON, the job index, and the summary alone."""

from .formats import render_digest
from .html import render_html, render_index
from .json import digest_from_json, digest_schema, render_index_json, render_json
from .markdown import md_escape, render_markdown
from .summary import render_summary
from .translation_text import render_translation_text

__all__ = [
    "digest_from_json",
    "digest_schema",
    "md_escape",
    "render_digest",
    "render_html",
    "render_index",
    "render_index_json",
    "render_json",
    "render_markdown",
    "render_summary",
    "render_translation_text",
]
