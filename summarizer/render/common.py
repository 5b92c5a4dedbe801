"""What the HTML and Markdown digests share: sentence alignment by id, language names, provenance lines."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..languages import LANGUAGES
from ..results import Digest, LanguageDigest, Sentence, TranslationSet

PART_TITLES = {"summary": "Summary", "full": "Full text"}
STAND_IN_NOTICE = (
    "Stand-in models were used: they have random weights, so every summary and translation "
    "in this digest is noise. It shows that the pipeline runs; do not read or quote it."
)


# --- languages -------------------------------------------------------------------------------


def language_name(code: str) -> str:
    lang = LANGUAGES.get(code)
    if lang is not None:
        return lang.name
    return {"en": "English"}.get(code, code)


# --- alignment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One source sentence and its translation (None when no translation carries its id)."""

    sid: str
    label: str  # the id without the article part: "p3:s1"
    paragraph: int
    source: str
    translation: str | None
    cached: bool = False
    split_parts: int = 1


def _short_id(sid: str) -> str:
    parts = sid.rsplit(":", 2)
    return f"{parts[1]}:{parts[2]}" if len(parts) == 3 else sid


def align(sentences: Sequence[Sentence], tset: TranslationSet) -> tuple[list[Row], list[str]]:
    """Rows in sentence order, matched by id, and the ids of translations that match no sentence."""
    by_id = {}
    for t in tset.translations:
        by_id.setdefault(t.source_id, t)
    rows = []
    for s in sentences:
        t = by_id.get(s.id)
        if t is None:
            rows.append(Row(s.id, _short_id(s.id), s.paragraph, s.text, None))
        else:
            rows.append(Row(s.id, _short_id(s.id), s.paragraph, s.text, t.text, t.cached, t.split_parts))
    known = {s.id for s in sentences}
    orphans = [t.source_id for t in tset.translations if t.source_id not in known]
    return rows, orphans


def _language(digest: Digest, target: str) -> LanguageDigest:
    for lang in digest.languages:
        if lang.target == target:
            return lang
    known = ", ".join(lang.target for lang in digest.languages) or "none"
    raise ConfigError(f"this digest has no target language {target!r}; it has: {known}")


def targets(digest: Digest, target: str | None) -> list[str]:
    """`[target]` after checking the digest has it, or every target language when `target` is None."""
    return [_language(digest, target).target] if target is not None else [lang.target for lang in digest.languages]


def parts(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str, Sequence[Sentence], TranslationSet]]:
    """(target, part, source sentences, translations) for every translated part of `codes`."""
    sources = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    out = []
    for code in codes:
        lang = _language(digest, code)
        for kind, ts in (("summary", lang.summary), ("full", lang.full)):
            if ts is not None:
                out.append((code, kind, sources[kind], ts))
    return out


# --- provenance --------------------------------------------------------------------------------


def _origin(target: str, kind: str) -> str:
    return f"{target} {PART_TITLES[kind].lower()}"


def stand_in_models(digest: Digest) -> list[str]:
    """Names of the stand-in models in the digest (their labels already say "stand-in")."""
    models = [digest.summary.model] if digest.summary else []
    models += [ts.model for *_, ts in parts(digest, targets(digest, None))]
    return sorted({m.name for m in models if m.stand_in})


def chunking(digest: Digest) -> str:
    s = digest.summary
    if s is None:
        return "no summary was made"
    if s.chunked:
        return (
            f"chunked: the input ({s.input_tokens:,} tokens) exceeded the model limit of {s.max_input_tokens:,}, "
            f"so it was summarized in {s.chunks} chunks and {s.rounds} reduce round{'s' if s.rounds != 1 else ''}"
        )
    return f"not chunked: {s.input_tokens:,} of {s.max_input_tokens:,} input tokens"


def warning_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(origin, message) pairs: input, digest, summary and translation warnings, plus alignment gaps."""
    out = [("input", w) for w in digest.article.warnings]
    out += [("digest", w) for w in digest.warnings]
    if digest.summary is not None:
        out += [("summary", w) for w in digest.summary.warnings]
    for target, kind, sentences, ts in parts(digest, codes):
        origin = _origin(target, kind)
        out += [(origin, w) for w in ts.warnings]
        rows, orphans = align(sentences, ts)
        missing = sum(r.translation is None for r in rows)
        if missing:
            out.append((origin, f"{missing} sentence(s) have no translation"))
        if orphans:
            out.append((origin, f"{len(orphans)} translation(s) match no source sentence: {', '.join(orphans[:5])}"))
    return out


def cache_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    if digest.summary is not None:
        out.append(("summary", "from cache" if digest.summary.cached else "computed"))
    for target, kind, _, ts in parts(digest, codes):
        out.append((_origin(target, kind), f"{ts.cache_hits} of {len(ts.translations)} sentences from cache"))
    return out


def timing_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str]]:
    out = [(name, _seconds(value)) for name, value in sorted(digest.timings.items())]
    if digest.summary is not None:
        out.append(("summary model", _seconds(digest.summary.seconds)))
    for target, kind, _, ts in parts(digest, codes):
        out.append((_origin(target, kind), _seconds(ts.seconds)))
    return out


def model_lines(digest: Digest, codes: Sequence[str]) -> list[tuple[str, str, str]]:
    """(role, model label, settings) for the summarizer and each translation shown."""
    out = []
    if digest.summary is not None:
        out.append(("summary", digest.summary.model.label(), _params(digest.summary.params)))
    for target, kind, _, ts in parts(digest, codes):
        token = f"target token {ts.target_token}; " if ts.target_token else ""
        out.append((_origin(target, kind), ts.model.label(), token + _params(ts.params)))
    return out


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


def _params(params: Mapping[str, Any]) -> str:
    pairs = [f"{k}={json.dumps(params[k], ensure_ascii=False, default=str)}" for k in sorted(params)]
    return ", ".join(pairs) or "defaults"
