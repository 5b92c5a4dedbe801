"""The self-contained HTML pages: a bilingual digest, and the job's index of digests."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..languages import direction, language_tag
from ..results import Digest
from .common import (
    PART_TITLES,
    RETRIED_NOTE,
    STAND_IN_NOTICE,
    align,
    cache_lines,
    chunking,
    language_name,
    model_lines,
    parts,
    plural,
    quality,
    stand_in_models,
    targets,
    timing_lines,
    warning_lines,
)

if TYPE_CHECKING:
    from ..outputs import IndexEntry


@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer", "templates"),
        autoescape=True,  # every template, whatever its name: input is never trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plural"] = plural  # {{ n|plural("sentence") }} -> "1 sentence", "2 sentences"
    return env


def _lang(code: str) -> dict[str, str]:
    """What the template puts on a language's text: its `lang` tag, its `dir`, and its name."""
    return {"tag": language_tag(code), "dir": direction(code), "name": language_name(code)}


def render_html(digest: Digest, target: str | None = None) -> str:
    """A self-contained HTML page: all target languages (`target=None`) or just one."""
    codes = targets(digest, target)
    article = digest.article
    languages = {code: {**_lang(code), "code": code, "parts": []} for code in codes}
    found = quality(digest, codes)
    flagged = {(p.target, p.kind): p.flagged for p in found.parts}
    extracted = bool(digest.summary and digest.summary.method != "abstractive")
    kinds = {(code, kind) for code, kind, _, _ in parts(digest, codes)}
    for code, kind, sentences, ts in parts(digest, codes):
        rows, _ = align(sentences, ts)
        # An extractive summary's rows are the article's own sentences: link each to its full-text row.
        link = extracted and kind == "summary" and (code, "full") in kinds
        languages[code]["parts"].append(
            {
                "kind": kind,
                "title": PART_TITLES[kind],
                "rows": rows,
                "stand_in": ts.model.stand_in,
                "cache_hits": ts.cache_hits,
                "flagged": flagged[code, kind],
                "links": {r.sid: f"#{code}-full-{r.sid.split('.')[0]}" for r in rows} if link else {},
            }
        )
    context = {
        "article": article,
        "src": _lang(article.lang),
        "languages": list(languages.values()),
        "single": target is not None,
        "stand_in": digest.stand_in,
        "stand_in_notice": STAND_IN_NOTICE,
        "stand_in_models": stand_in_models(digest),
        "chunking": chunking(digest),
        "chunked": bool(digest.summary and digest.summary.chunked),
        "method": digest.summary.method if digest.summary else None,
        "models": model_lines(digest, codes),
        "warnings": warning_lines(digest, codes),
        "quality": found,
        "retried_note": RETRIED_NOTE,
        "cache": cache_lines(digest, codes),
        "timings": timing_lines(digest, codes),
        "summary_sentences": digest.summary_sentences,
        "format_version": digest.format_version,
    }
    return _env().get_template("digest.html").render(context)


def render_index(entries: Iterable[IndexEntry], title: str = "Digests") -> str:
    """The job's index page: one row per input, linking every digest file or showing its error."""
    rows = []
    for e in entries:
        combined = [link for link in e.links if link.target is None]
        per_lang = {t: [link for link in e.links if link.target == t] for t in e.targets}
        main = next((link.href for link in combined if link.format == "html"), None)
        # `flags` is counted by IndexEntry when it has the field; entries without it show no count.
        flags = getattr(e, "flags", 0)
        rows.append({"entry": e, "combined": combined, "per_lang": per_lang, "main": main, "flags": flags})
    failed = sum(r["entry"].status == "failed" for r in rows)
    context = {
        "title": title,
        "rows": rows,
        "ok": len(rows) - failed,
        "failed": failed,
        "flagged": sum(r["flags"] > 0 for r in rows),
        "stand_in": any(r["entry"].stand_in for r in rows),
        "stand_in_notice": STAND_IN_NOTICE,
        "language_name": language_name,
        "language_tag": language_tag,
    }
    return _env().get_template("index.html").render(context)
