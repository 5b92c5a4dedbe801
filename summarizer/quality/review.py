"""Reviewing outputs: the cheap checks, the optional adequacy check, and the retry policy, in the shape the
translator and summarizer need (lists in, lists out)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

from ..languages import LANGUAGES
from ..options import GenerationParams, QualityOptions
from ..results import QualityFlag
from .adequacy import check_adequacy
from .checks import RETRYABLE, check_summary, check_translation
from .glossary import check_terms


def script_of(lang: str) -> str | None:
    language = LANGUAGES.get(lang.split("-")[0].lower())
    return language.script if language else None


def severity(flags: Sequence[QualityFlag]) -> int:
    """How bad a set of flags is, to pick the better of two outputs: degenerate decoding weighs most."""
    return sum(10 if f.code in RETRYABLE else 1 for f in flags)


def needs_retry(flags: Sequence[QualityFlag]) -> bool:
    return any(f.code in RETRYABLE for f in flags)


def stronger(params: GenerationParams) -> GenerationParams:
    """Decoding that resists loops and copying: wider beams, no repeated trigrams, a repetition penalty."""
    return replace(
        params,
        num_beams=min(8, max(4, params.num_beams * 2)),
        no_repeat_ngram_size=params.no_repeat_ngram_size or 3,
        repetition_penalty=max(params.repetition_penalty, 1.2),
    )


class TranslationReviewer:
    """Flags for translations into one target language, under one QualityOptions."""

    def __init__(self, target: str, source_lang: str, options: QualityOptions, cache: Any = None):
        self.target = target
        self.source_lang = source_lang
        self.options = options
        self.cache = cache
        self.script = script_of(target)

    def cheap(self, source: str, output: str) -> tuple[QualityFlag, ...]:
        if not self.options.checks:
            return ()
        return check_translation(
            source,
            output,
            target=self.target,
            source_lang=self.source_lang,
            script=self.script,
            names=self.options.names,
        )

    def review(self, sources: Sequence[str], outputs: Sequence[str]) -> list[tuple[QualityFlag, ...]]:
        """All flags for each (source, output) pair, same order. The glossary's terms are checked here, on
        the driver, after the cache: a cached translation is checked against today's glossary too."""
        flags = [self.cheap(s, o) for s, o in zip(sources, outputs, strict=True)]
        glossary = self.options.glossary
        if glossary is not None and self.options.checks:
            flags = [
                f + tuple(check_terms(s, o, target=self.target, glossary=glossary, source_lang=self.source_lang))
                for f, s, o in zip(flags, sources, outputs, strict=True)
            ]
        return self.with_adequacy(flags, sources, outputs)

    def with_adequacy(
        self, flags: list[tuple[QualityFlag, ...]], sources: Sequence[str], outputs: Sequence[str], engine: Any = None
    ) -> list[tuple[QualityFlag, ...]]:
        """`flags` with the adequacy check's, when it is on (embeddings by a remote `engine`'s workers)."""
        if not self.options.adequacy:
            return flags
        extra = check_adequacy(sources, outputs, target=self.target, cache=self.cache, engine=engine)
        return [f + a for f, a in zip(flags, extra, strict=True)]


class ReviewWorker:
    """The cheap and glossary checks of a TranslationReviewer in another process (a Ray actor): (source,
    output) pairs in as JSON, flags out as plain values (`flags_from` turns one back). The adequacy check
    is not run there: its embeddings go to embedding workers and the driver's cache (see `adequacy_flags`)."""

    def __init__(self, target: str, source_lang: str, options: QualityOptions):
        self.reviewer = TranslationReviewer(target, source_lang, replace(options, adequacy=False))

    def remote_compute(self, items: list[str]) -> list[dict]:
        pairs = [json.loads(item) for item in items]
        flags = self.reviewer.review([p[0] for p in pairs], [p[1] for p in pairs])
        return [{"flags": [asdict(f) for f in found]} for found in flags]


def flags_from(value: dict) -> tuple[QualityFlag, ...]:
    return tuple(QualityFlag(**f) for f in value["flags"])


def review_summary(article: str, summary: str, *, lang: str, options: QualityOptions) -> tuple[QualityFlag, ...]:
    if not options.checks:
        return ()
    return check_summary(article, summary, lang=lang, script=script_of(lang))
