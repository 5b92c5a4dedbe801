"""Summarizers behind one batch-first interface, and the one factory that makes a job's summarizer.

`summarize_each(items)` gives one Summary per input, in order, or the error that input gave; every
summarizer has it, and `summarize_many` / `summarize` are built on it. In the spirit of argos-translate's
wrappers, what is not the model's own work wraps it:

- `CachedSummaries`: whole-article results cached, and the misses run on the engine (`abstractive.SummaryModel`
  does the model's work: long inputs, rounds across articles, the remote-worker protocol);
- `LanguageFallback`: an article in a language the model doesn't summarize goes to an extractive
  summarizer instead, and its Summary says so;
- `PerLanguage`: one summarizer per detected language (extractive and lead, with `source_lang` auto).

`Summarizer` is the three layers for one abstractive model; `make_summarizer` picks what a `[summary]`
section asks for.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..cache import CacheEntry, NullCache
from ..engines import LOCAL, Engine, Work
from ..errors import GenerationError, InputError, SummarizerError
from ..inputs.reading import detect_language
from ..inputs.segmenting import local_id, segment_article
from ..languages import AUTO, language_name, language_tag
from ..models.catalogue import summary_languages
from ..options import SummaryOptions, WorkerOptions
from ..results import Article, ModelInfo, Summary
from .abstractive import TASK_ARTICLE, SummaryModel
from .generation import OnProgress, Progress
from .interface import BaseSummarizer, Results

log = logging.getLogger(__name__)


def language_of(item: Article | str, lang: str) -> str:
    """An Article's own language, or a plain text's: `lang`, or detected when `lang` is auto."""
    given = item.lang if isinstance(item, Article) else lang
    if given != AUTO:
        return given
    return detect_language(item.text if isinstance(item, Article) else item)[0]


def _by_language(items: Sequence[Article | str], lang: str, results: list) -> dict[str, list[int]]:
    """Indices of `items` per language; an input whose language can't be had gets its error in `results`."""
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        try:
            groups.setdefault(language_of(item, lang), []).append(i)
        except SummarizerError as exc:
            if exc.fatal:
                raise
            results[i] = exc
    return groups


class CachedSummaries(BaseSummarizer):
    """A summary model's whole-article results, cached: hits come from the cache; misses go to the
    engine (this process, or Ray actors built from the model's `factory`) and are stored as they finish."""

    def __init__(self, model: SummaryModel, engine: Engine | None = None):
        self.model, self.engine = model, engine or LOCAL

    @property
    def model_info(self) -> ModelInfo:
        return self.model.model_info

    def summarize_each(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> Results:
        """`progress` counts summaries done (the cache's at once, the others as their batch returns); a
        `Progress` also hears the model's rounds, batches and decoding steps in this process."""
        model = self.model
        progress = Progress.of(progress)
        started = time.perf_counter()
        results: list[Any] = [None] * len(items)
        prepared = self._prepare(items, results)
        keys = list(dict.fromkeys(p.key for p in prepared))
        found: dict[str, Any] = {} if model.worker.refresh else model.cache.get_many(keys)
        values: dict[str, tuple[Any, bool]] = {k: (v, True) for k, v in found.items()}
        key_of = {p.payload: p.key for p in prepared}
        misses = [payload for payload, key in key_of.items() if key not in values]
        progress(sum(1 for p in prepared if p.key in values))
        for key, value in self._compute(misses, key_of, progress):
            values[key] = (value, False)
        seconds = (time.perf_counter() - started) / max(1, len(items))
        for p in prepared:
            value, cached = values[p.key]
            results[p.index] = (
                value
                if isinstance(value, SummarizerError)
                else model.to_summary(p.text, value, cached, seconds, p.article_id, p.lang, model.worker.quality)
            )
        return results

    def _prepare(self, items: Sequence[Article | str], results: list) -> list[_Prepared]:
        """Each input's payload and cache key; an input that can't be summarized gets its error in `results`.
        The payload's sentence ids are local (`p0:s3`), so the same text from two files is one miss and a
        cached result fits whichever article asks for it."""
        prepared = []
        for lang, indices in _by_language(items, self.model.lang, results).items():
            for i in indices:
                item = items[i]
                article_id = item.id if isinstance(item, Article) else "text"
                sentences = item.sentences if isinstance(item, Article) else segment_article(item, article_id, lang)
                if not sentences:
                    results[i] = InputError("nothing to summarize: the text has no sentences")
                    continue
                text = " ".join(s.text for s in sentences)
                local = [{**asdict(s), "id": local_id(s.id, article_id)} for s in sentences]
                payload = json.dumps({"lang": lang, "sentences": local}, ensure_ascii=False)
                key = self.model.key(TASK_ARTICLE, text, lang)
                prepared.append(_Prepared(i, payload, text, key, article_id, lang))
        return prepared

    def _compute(self, misses: list[str], key_of: dict[str, str], progress: Progress) -> Iterator[tuple[str, Any]]:
        """(key, result or error) for each missing payload, stored in the cache as each batch comes back.
        Articles go in groups of batch_size, so their model inputs are batched together (see `rounds`)."""
        model = self.model
        work = Work(
            name=f"summaries with {model.ref.name}",
            compute=functools.partial(model.compute, progress=progress),
            factory=model.factory,
            group_size=model.worker.runtime.batch_size_for("summarize"),
        )
        for pairs in self.engine.map(work, misses):
            for payload, result in pairs:
                key = key_of[payload]
                if "error" in result:
                    yield key, GenerationError(result["error"])
                    continue
                entries = [CacheEntry(**e) for e in result["entries"]]
                article = CacheEntry(key=key, task=TASK_ARTICLE, model=model.ref.name, value=result["value"])
                model.cache.put_many([*entries, article])
                yield key, result["value"]
                progress(1)


@dataclass(frozen=True)
class _Prepared:
    index: int  # in the caller's list of inputs
    payload: str  # what a model worker gets (see `SummaryModel.compute`)
    text: str
    key: str
    article_id: str
    lang: str


class LanguageFallback(BaseSummarizer):
    """`inner` for the languages it summarizes (`languages`; None: every language), and an extractive
    summarizer made by `make(lang)` for each other language, whose Summaries say why (`model_name`
    summarizes ... only)."""

    def __init__(
        self,
        inner: BaseSummarizer,
        languages: frozenset[str] | None,
        make: Callable[[str], BaseSummarizer],
        *,
        model_name: str,
        lang: str = "en",
    ):
        self.inner, self.languages, self.make, self.model_name, self.lang = inner, languages, make, model_name, lang
        self._made: dict[str, BaseSummarizer] = {}

    @property
    def model_info(self) -> ModelInfo:
        return self.inner.model_info

    def knows(self, lang: str) -> bool:
        """Does the model summarize `lang` (`en-GB` counts as `en`)? One whose languages are unknown
        is taken to know them all."""
        if self.languages is None:
            return True
        return _primary(lang) in {_primary(code) for code in self.languages}

    def note(self, lang: str) -> str:
        """What a summary made extractively because the model doesn't know `lang` says about it."""
        names = " and ".join(language_name(code) for code in sorted(self.languages or ()))
        return f"{self.model_name} summarizes {names} only; this {lang} article was summarized extractively"

    def summarize_each(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> Results:
        results: list[Any] = [None] * len(items)
        groups = _by_language(items, self.lang, results)
        mine = sorted(i for lang, indices in groups.items() if self.knows(lang) for i in indices)
        if mine:
            made = self.inner.summarize_each([items[i] for i in mine], progress=progress)
            for i, result in zip(mine, made, strict=True):
                results[i] = result
        for lang, indices in groups.items():
            if self.knows(lang):
                continue
            log.info("%s: %d %s articles summarized extractively", self.model_name, len(indices), lang)
            if lang not in self._made:
                self._made[lang] = self.make(lang)
            extracted = self._made[lang].summarize_each([items[i] for i in indices], progress=progress)
            for i, result in zip(indices, extracted, strict=True):
                results[i] = result if isinstance(result, SummarizerError) else _noted(result, self.note(lang))
        return results


class PerLanguage(BaseSummarizer):
    """Summarizers made for one language each (extractive and lead) behind one summarizer's interface,
    for jobs whose articles' languages are detected: each input goes to the one for its language,
    made on first use by `make(lang)`. Plain texts are in `lang` ("auto": detected)."""

    def __init__(self, make: Callable[[str], Any], lang: str = AUTO):
        self.make, self.lang = make, lang
        self._made: dict[str, Any] = {}

    def for_language(self, lang: str):
        if lang not in self._made:
            self._made[lang] = self.make(lang)
        return self._made[lang]

    @property
    def model_info(self) -> ModelInfo:
        return self.for_language(self.lang).model_info

    def summarize_each(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> Results:
        results: list[Any] = [None] * len(items)
        for lang, indices in _by_language(items, self.lang, results).items():
            made = self.for_language(lang).summarize_each([items[i] for i in indices], progress=progress)
            for i, result in zip(indices, made, strict=True):
                results[i] = result
        return results


class Summarizer(LanguageFallback):
    """Abstractive summaries with one seq2seq model (the `[summary]` section, or just a model id or folder):
    cached per article and run on `engine`; an article in a language the model doesn't summarize (see
    `summary.languages`, default `models.catalogue.summary_languages`) is summarized extractively and says so.
    `lang` is the language of plain-text inputs ("auto": detected); an Article brings its own."""

    def __init__(
        self,
        summary: SummaryOptions | str = SummaryOptions(),  # noqa: B008 (frozen, so one default is safe)
        worker: WorkerOptions | None = None,
        *,
        lang: str = "en",
        cache: Any = None,
        engine: Engine | None = None,
    ):
        summary = SummaryOptions(model=summary) if isinstance(summary, str) else summary
        worker = worker or WorkerOptions()
        cache = cache if cache is not None else NullCache()
        self.model = SummaryModel(summary, worker, lang=lang, cache=cache)
        languages = summary_languages(summary.model) if summary.languages is None else frozenset(summary.languages)
        extract = replace(summary, method="extractive")

        def make(code: str) -> BaseSummarizer:
            from .extractive import ExtractiveSummarizer

            return ExtractiveSummarizer(extract, worker, lang=code, cache=cache, engine=engine)

        name = Path(self.model.ref.name).name
        super().__init__(CachedSummaries(self.model, engine), languages, make, model_name=name, lang=lang)

    @property
    def handle(self):
        return self.model.handle


def make_summarizer(
    summary: SummaryOptions, worker: WorkerOptions, *, lang: str, cache: Any = None, engine: Engine | None = None
) -> BaseSummarizer:
    """The summarizer a `[summary]` section asks for: abstractive (a `Summarizer`, on `engine`), or
    extractive or lead (chosen in this process, the embeddings by a remote `engine`'s workers; per language
    when `lang` is auto)."""
    if summary.method == "abstractive":
        return Summarizer(summary, worker, lang=lang, cache=cache, engine=engine)
    from .extractive import ExtractiveSummarizer

    if lang == AUTO:
        return PerLanguage(lambda code: ExtractiveSummarizer(summary, worker, lang=code, cache=cache, engine=engine))
    return ExtractiveSummarizer(summary, worker, lang=lang, cache=cache, engine=engine)


def _primary(code: str) -> str:
    return language_tag(code).split("-")[0].lower()


def _noted(summary: Summary, note: str) -> Summary:
    return replace(summary, warnings=(note, *summary.warnings))
