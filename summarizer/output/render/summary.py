"""The summary alone, as `summarizer summarize` prints or writes it: plain text, Markdown or JSON."""

from __future__ import annotations

from ...options import check_formats
from ...results import Digest
from .common import shown
from .formats import one_line
from .json import FORMAT_VERSION, dumps, plain
from .markdown import MARKDOWN_MARK, md_escape, md_header

SUMMARY_SCHEMA_NAME = "summarizer.summary"
_ARTICLE_KEYS = (
    *("id", "title", "source", "date", "author", "site", "url"),
    *("lang", "lang_origin", "lang_probability", "encoding"),
)


def render_summary(digest: Digest, fmt: str = "txt", header: bool = False) -> str:
    """Just the summary of a digest, as plain text, Markdown or JSON (`schema: summarizer.summary`).

    `header` starts plain text with a `==> source <==` line, for output that holds several articles.
    Stand-in output says so on its first line (txt), in a notice (md) or in `stand_in` (json).
    The summary's quality flags follow it as `[quality: code: message]` lines (txt), make the Quality
    bullet of the header (md), or are in `summary.flags` (json).
    """
    (fmt,) = check_formats(fmt, kind="summary")
    text = digest.summary.text if digest.summary else ""
    if fmt == "txt":
        lines = [f"==> {shown(digest.article.source)} <=="] if header else []
        if digest.summary is not None and digest.summary.model.stand_in:
            lines.append("[STAND-IN MODEL: random weights, this summary is noise]")
        flags = digest.summary.flags if digest.summary else ()
        # One line per flag whatever the message holds, so tools can grep for `[quality:`.
        quality = [f"[quality: {f.code}: {shown(' '.join(f.message.split()))}]" for f in flags]
        return "\n".join([*lines, text.rstrip("\n"), *quality]).rstrip("\n") + "\n"
    if fmt == "md":
        out = md_header(digest, []) + ["## Summary", "", md_escape(text, "<br>") or "*No summary was made.*"]
        return "\n".join(out) + f"\n\n{MARKDOWN_MARK}\n"
    if fmt == "jsonl":
        return one_line(render_summary(digest, "json")) + "\n"
    article = digest.article
    return dumps(
        {
            "schema": SUMMARY_SCHEMA_NAME,
            "format_version": FORMAT_VERSION,
            "stand_in": digest.stand_in,
            "article": {k: getattr(article, k) for k in _ARTICLE_KEYS}
            | {"sentences": len(article.sentences), "warnings": list(article.warnings)},
            "summary": plain(digest.summary),
            "summary_sentences": plain(digest.summary_sentences),
            "warnings": list(digest.warnings),
            "timings": plain(digest.timings),
        }
    )
