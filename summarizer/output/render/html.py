"""The self-contained HTML pages: a bilingual digest, and the job's index of digests."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from html import escape  # the standard library's (this module is the package's own `html`)

from ...languages import direction, language_name, language_tag, plural
from ...results import Digest, IndexEntry, set_html_repr
from .common import (
    FACT_KIND_NAMES,
    HUMAN_NOTE,
    PART_TITLES,
    PROTECTED_NOTE,
    RETRIED_NOTE,
    STAND_IN_NOTICE,
    TITLE_ORIGINS,
    Quality,
    article_facts,
    cache_lines,
    chunking,
    columns,
    fact_lines,
    human_count,
    link_target,
    model_lines,
    quality,
    shown,
    stand_in_models,
    stand_in_notice,
    targets,
    timing_lines,
    warning_lines,
)


@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer.output", "templates"),
        autoescape=True,  # every template, whatever its name: input is never trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plural"] = plural  # {{ n|plural("sentence") }} -> "1 sentence", "2 sentences"
    env.filters["shown"] = shown  # metadata: controls and bidirectional controls shown as escapes
    return env


def _lang(code: str) -> dict[str, str]:
    """What the template puts on a language's text: its `lang` tag, its `dir`, and its name."""
    return {"tag": language_tag(code), "dir": direction(code), "name": language_name(code), "code": code}


def _status(found: Quality, warnings: int) -> str:
    """The one line near the top: `3 of 21 translations flagged · summary flagged · 2 warnings`; the details
    are folded away below the text."""
    if found.clean:
        pieces = ["no quality flags"]
    else:
        flagged, sentences = sum(p.flagged for p in found.parts), sum(p.sentences for p in found.parts)
        pieces = (
            [f"{flagged} of {plural(sentences, 'translation')} flagged"] if flagged or not found.summary_flags else []
        )
        pieces += ["summary flagged"] if found.summary_flags else []
    return " · ".join(pieces + ([plural(warnings, "warning")] if warnings else []))


def render_html(digest: Digest, target: str | None = None) -> str:
    """A self-contained HTML page: all target languages (`target=None`) or just one.

    Each part (summary, full text) is one table with a row per source sentence and a column per
    language, and the same text as paragraphs in a second view, chosen with a CSS-only switch (the
    page runs no script). Quality details, warnings and provenance are folded away below the text.
    """
    codes = targets(digest, target)
    article = digest.article
    found = quality(digest, codes)
    flagged = {(p.target, p.kind): p.flagged for p in found.parts}
    extracted = bool(digest.summary and digest.summary.method != "abstractive")
    found_parts = columns(digest, codes)
    has_full = any(part.kind == "full" for part in found_parts)
    shown = []
    noise_summary = bool(digest.summary and digest.summary.model.stand_in)
    for part in found_parts:
        # An extractive summary's rows are the article's own sentences: link each to its full-text row.
        link = extracted and part.kind == "summary" and has_full
        shown.append(
            {
                "kind": part.kind,
                "title": PART_TITLES[part.kind],
                "part": part,
                # Each column says whether a stand-in made it; so does the source column of a stand-in summary.
                "source": _lang(article.lang) | {"stand_in": part.kind == "summary" and noise_summary},
                "columns": [
                    _lang(code) | {"stand_in": ts.model.stand_in}
                    for code, ts in zip(part.targets, part.sets, strict=True)
                ],
                "stand_in": any(ts.model.stand_in for ts in part.sets),
                "flagged": sum(flagged[code, part.kind] for code in part.targets),
                "human": sum(human_count(ts) for ts in part.sets),
                "link": f"#{part.targets[0]}-full-" if link else None,
            }
        )
    warnings = warning_lines(digest, codes)
    notice = stand_in_notice(digest, codes)
    longest = max((len(para) for p in shown for para in p["part"].paragraphs()), default=0)
    context = {
        "article": article,
        "src": _lang(article.lang),
        "languages": [_lang(code) for code in codes],
        "facts": article_facts(article),
        "url": link_target(article.url),  # the link's target, and its text
        "parts": shown,
        "widest": max((len(p["columns"]) for p in shown), default=0),
        "longest_paragraph": longest,
        "single": target is not None,
        "stand_in": notice is not None,
        "notice": notice,
        "stand_in_models": stand_in_models(digest),
        "chunking": chunking(digest),
        "chunked": bool(digest.summary and digest.summary.chunked),
        "method": digest.summary.method if digest.summary else None,
        "models": model_lines(digest, codes),
        "warnings": warnings,
        "status": _status(found, len(warnings)),
        "quality": found,
        "retried_note": RETRIED_NOTE,
        "human_note": HUMAN_NOTE,
        "protected_note": PROTECTED_NOTE,
        "fact_table": fact_lines(digest, codes),
        "fact_kinds": FACT_KIND_NAMES,
        "cache": cache_lines(digest, codes),
        "timings": timing_lines(digest, codes),
        "summary_sentences": digest.summary_sentences,
        "format_version": digest.format_version,
    }
    return _env().get_template("digest.html").render(context)


def render_notebook(digest: Digest) -> str:
    """The digest page for a notebook cell: inside a sandboxed iframe, so its styles stay off the notebook's."""
    page = render_html(digest)
    return (
        f'<iframe class="summarizer-digest" title="{escape(shown(digest.article.title), quote=True)} · digest" '
        f'sandbox="" referrerpolicy="no-referrer" style="width: 100%; height: 36rem; border: 1px solid #d8dee4" '
        f'srcdoc="{escape(page, quote=True)}"></iframe>'
    )


set_html_repr(render_notebook)  # Digest._repr_html_: results may not import render, so render registers itself


def render_index(
    entries: Iterable[IndexEntry], title: str = "Digests", *, editions: Sequence[Mapping[str, str]] | None = None
) -> str:
    """The job's index page: one row per input, linking every digest file or showing its error; with
    `editions` (a feed job's), a link to its edition and to each archived one (`href`, `when`)."""
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
        "title_origins": TITLE_ORIGINS,
        "language_name": language_name,
        "language_tag": language_tag,
        "editions": editions,
    }
    return _env().get_template("index.html").render(context)
