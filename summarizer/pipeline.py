"""The whole job: read → summarize → split → translate → Digest, one article at a time.

Articles are processed in small windows so translation batches span articles, while digests are
still yielded one by one and memory stays flat. Models load once per Pipeline; a sentence that
appears in many articles is translated once per job (the cache, or an in-memory one, serves it).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .cache import Cache, MemoryCache
from .config import JobSettings
from .errors import ModelUnavailableError, SummarizerError
from .reading import expand_paths, read_article
from .results import Article, Digest, LanguageDigest, Sentence
from .segment import segment_article
from .translation import translation_warnings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """An article that could not be processed, and why (one line for people)."""

    source: str
    error: str
    exit_code: int = 1


@dataclass
class JobStats:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    translated: int = 0
    from_cache: int = 0
    summaries: int = 0
    summaries_from_cache: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class Callbacks:
    """Hooks for a UI (the CLI's progress bars); the library itself never prints."""

    article_done: Callable[[Digest | Failure], None] | None = None
    sentences: Callable[[str, int], None] | None = None  # (language, count done)
    sentences_total: Callable[[str, int], None] | None = None  # (language, count to do)


class Pipeline:
    """Runs a job described by `JobSettings` over input paths."""

    def __init__(self, settings: JobSettings, *, cache: Cache | None = None):
        self.settings = settings
        if cache is None:
            cache = Cache(settings.cache_dir) if settings.use_cache else MemoryCache()
        self.cache = cache
        self.stats = JobStats()
        self._summarizer = None
        self._translators: dict[str, object] = {}

    @classmethod
    def from_config(cls, path: str | Path, **overrides) -> Pipeline:
        from .config import load_job

        return cls(load_job(path, **overrides))

    # Models are resolved lazily (so a bad model for one language fails that job clearly)
    # and loaded lazily (so a fully cached job never loads weights).
    @property
    def summarizer(self):
        if self._summarizer is None and self.settings.summary is not None:
            from .summarization import Summarizer

            s = self.settings.summary
            self._summarizer = Summarizer(s.model, revision=s.revision, params=s.params, runtime=self.settings.runtime, cache=self.cache, refresh=self.settings.refresh, max_input_tokens=s.max_input_tokens, lang=self.settings.source_lang)
        return self._summarizer

    def translator(self, lang: str):
        if lang not in self._translators:
            from .translation import Translator

            t = self.settings.target(lang)
            self._translators[lang] = Translator(lang, t.model, revision=t.revision, source_lang=self.settings.source_lang, target_token=t.target_token, params=t.params, runtime=self.settings.runtime, cache=self.cache, refresh=self.settings.refresh)
        return self._translators[lang]

    def prepare(self) -> None:
        """Resolve every model up front, so a missing model fails before any article is read."""
        _ = self.summarizer
        for target in self.settings.targets:
            self.translator(target.lang)

    def run(self, paths: Iterable[str] | None = None, *, callbacks: Callbacks | None = None) -> Iterator[Digest | Failure]:
        """Yield one Digest (or Failure) per input, in input order."""
        callbacks = callbacks or Callbacks()
        sources = expand_paths(list(paths) if paths is not None else list(self.settings.inputs))
        self.prepare()
        window = max(1, self.settings.window)
        job = self.cache.begin_job(str(self.settings.config_path or "adhoc"))
        try:
            for start in range(0, len(sources), window):
                for result in self._run_window(sources[start : start + window], callbacks):
                    if isinstance(result, Failure):
                        self.stats.failed += 1
                    else:
                        self.stats.done += 1
                    if callbacks.article_done:
                        callbacks.article_done(result)
                    yield result
        finally:
            s = self.stats
            self.cache.end_job(job, hits=s.from_cache + s.summaries_from_cache, misses=s.translated + s.summaries - s.summaries_from_cache)

    def _run_window(self, sources: list[str], callbacks: Callbacks) -> list[Digest | Failure]:
        settings = self.settings
        results: dict[str, Digest | Failure] = {}
        prepared: list[tuple[Article, object, tuple[Sentence, ...], dict]] = []
        for source in sources:
            timings: dict[str, float] = {}
            t0 = time.perf_counter()
            try:
                article = read_article(source, lang=settings.source_lang)
                timings["read"] = time.perf_counter() - t0
                summary = None
                summary_sentences: tuple[Sentence, ...] = ()
                if self.summarizer is not None:
                    t1 = time.perf_counter()
                    summary = self.summarizer.summarize(article)
                    self.stats.summaries += 1
                    self.stats.summaries_from_cache += summary.cached
                    timings["summarize"] = time.perf_counter() - t1
                    summary_sentences = segment_article(summary.text, f"{article.id}-summary", settings.source_lang)
                prepared.append((article, summary, summary_sentences, timings))
            except ModelUnavailableError:
                raise
            except SummarizerError as exc:
                log.info("skipping %s: %s", source, exc)  # the caller reports the Failure
                results[source] = Failure(source, str(exc), exc.exit_code)
        # Translate the whole window per language in one call: batches span articles.
        per_lang: dict[str, dict[str, LanguageDigest]] = {a.source: {} for a, *_ in prepared}
        for target in settings.targets:
            translator = self.translator(target.lang)
            jobs: list[tuple[str, str, tuple[Sentence, ...]]] = []
            for article, _summary, summary_sentences, _ in prepared:
                if settings.translate in ("summary", "both") and summary_sentences:
                    jobs.append((article.source, "summary", summary_sentences))
                if settings.translate in ("full", "both") or settings.summary is None:
                    jobs.append((article.source, "full", article.sentences))
            flat = [s for _, _, sents in jobs for s in sents]
            if not flat:
                continue
            if callbacks.sentences_total:
                callbacks.sentences_total(target.lang, len(flat))
            progress = (lambda n, lang=target.lang: callbacks.sentences(lang, n)) if callbacks.sentences else None
            t2 = time.perf_counter()
            try:
                translated = translator.translate(flat, progress=progress)
            except ModelUnavailableError:
                raise
            except SummarizerError as exc:
                for article, *_ in prepared:
                    results[article.source] = Failure(article.source, f"{target.lang}: {exc}", exc.exit_code)
                continue
            seconds = time.perf_counter() - t2
            # Counted in distinct sentences: what the model computed vs what the cache served.
            self.stats.translated += len({t.source for t in translated.translations if not t.cached and t.source.strip()})
            self.stats.from_cache += len({t.source for t in translated.translations if t.cached})
            offset = 0
            for source, part, sents in jobs:
                chunk = translated.translations[offset : offset + len(sents)]
                offset += len(sents)
                assert [t.source_id for t in chunk] == [s.id for s in sents], "alignment broken"
                piece = replace(
                    translated,
                    translations=tuple(chunk),
                    seconds=seconds * len(sents) / len(flat),
                    warnings=translation_warnings(chunk, translator.params.max_new_tokens),
                )
                current = per_lang[source].get(target.lang, LanguageDigest(target=target.lang))
                per_lang[source][target.lang] = LanguageDigest(target=target.lang, summary=piece if part == "summary" else current.summary, full=piece if part == "full" else current.full)
        for article, summary, summary_sentences, timings in prepared:
            if article.source in results:
                continue
            languages = tuple(per_lang[article.source][t.lang] for t in settings.targets if t.lang in per_lang[article.source])
            # Summary and translation warnings live on their own results; Digest.warnings is for
            # what belongs to neither.
            results[article.source] = Digest(article=article, summary=summary, summary_sentences=summary_sentences, languages=languages, timings=timings)
        return [results[s] for s in sources if s in results]
