"""The whole job: read → summarize → split → translate → Digest, one article at a time.

Articles are processed in small windows so translation batches span articles, while digests are
still yielded one by one and memory stays flat. Models load once per Pipeline; a sentence that
appears in many articles is translated once per job (the cache, or an in-memory one, serves it).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .cache import Cache, MemoryCache
from .engines import make_engine
from .errors import ModelUnavailableError, SummarizerError
from .inputs.feeds import FeedReader
from .inputs.paths import expand_paths
from .inputs.reading import Input, list_inputs, read_input
from .inputs.segmenting import segment_article
from .models.backends import set_limit
from .models.backends.base import guarded
from .models.hub import SUMMARY_USE, offline_message
from .options import JobSettings
from .output.files import is_own_output
from .quality.fact_table import fact_table
from .quality.names import NameLedger
from .results import Article, Digest, LanguageDigest, Sentence, Summary, TranslationSet
from .tasks.extractive import chosen_sentences
from .tasks.generation import PACE_S, OnProgress, Progress
from .tasks.translating import translation_warnings

log = logging.getLogger(__name__)


def read_one(
    source: Input, *, lang: str, encoding: str | None, url_deadline: float
) -> tuple[Article | SummarizerError, float]:
    """One input read, with the seconds it took; an error that fails the input is returned, not raised
    (it travels back from a remote task as a value)."""
    started = time.perf_counter()
    try:
        article = read_input(source, lang=lang, encoding=encoding, url_deadline=url_deadline)
    except SummarizerError as exc:
        return exc, 0.0
    return article, time.perf_counter() - started


@dataclass(frozen=True)
class Failure:
    """An article that could not be processed, and why (one line for people)."""

    source: str
    error: str


@dataclass
class JobStats:
    done: int = 0
    failed: int = 0
    translated: int = 0  # distinct sentences the models computed
    from_cache: int = 0  # distinct sentences the cache served
    human: int = 0  # distinct sentences the translation memory served (an editor's translation)
    repeats: int = 0  # sentences that repeat one already in the job (served by the same output)
    stand_in: bool = False  # some output came from a stand-in (random-weight) model
    summaries: int = 0
    summaries_from_cache: int = 0
    flagged: Counter = field(default_factory=Counter)  # flag code -> translations (and summaries) with it
    flagged_outputs: int = 0  # translations and summaries with at least one flag
    translations_checked: int = 0  # translations the checks saw (repeats included, as in `flagged`)
    translations_flagged: int = 0  # of those, with at least one flag (after any retry)
    summaries_flagged: int = 0
    retried: int = 0  # translations generated again with stronger decoding (their first output was flagged)
    retried_passed: int = 0  # of those, the ones whose kept output has no flag left
    protected: int = 0  # translations whose kept output came from a retry with the facts protected
    feeds: Counter = field(default_factory=Counter)  # feed items: new, changed, unchanged, duplicate, older
    stand_in_made: dict[str, None] = field(default_factory=dict)  # "summaries" and targets stand-ins made, in order
    started: float = field(default_factory=time.perf_counter)

    def count_flags(self, items) -> None:
        for item in items:
            if item.flags:
                self.flagged_outputs += 1
                self.flagged.update(set(f.code for f in item.flags))

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def _stand_in_parts(digest: Digest) -> list[str]:
    """What stand-in models made in one digest: "summaries" and the target languages, in order."""
    parts = ["summaries"] if digest.summary is not None and digest.summary.model.stand_in else []
    for lang in digest.languages:
        if any(ts is not None and ts.model.stand_in for ts in (lang.summary, lang.full)):
            parts.append(lang.target)
    return parts


@dataclass
class Callbacks:
    """Hooks for a UI (the CLI's progress bars); the library itself never prints. Any may be None; one that
    raises is logged once and then left alone (except `article_done`, which the caller's own loop runs).

    Counts: the sentences of every language of a window are announced (`sentences_total`) before the
    first is translated, and counted done as each generate() batch returns; a negative total takes back
    sentences that won't be translated (their articles failed). Summaries likewise, per window. While a
    model works, `batch_started` names the batch (what: a language or "summaries"; its number and the
    batches in that call; a detail such as "round 2, 3 inputs") and `decoding_step` beats inside it."""

    article_done: Callable[[Digest | Failure], None] | None = None
    sentences: Callable[[str, int], None] | None = None  # (language, count done)
    sentences_total: Callable[[str, int], None] | None = None  # (language, count to do)
    articles_total: Callable[[int], None] | None = None  # articles in the job (a JSON-lines file holds many)
    summaries: Callable[[int], None] | None = None  # count done
    summaries_total: Callable[[int], None] | None = None  # count to do
    batch_started: Callable[[str, int, int, str], None] | None = None  # (what, number from 1, batches, detail)
    decoding_step: Callable[[int], None] | None = None  # decoding steps so far in the running batch
    # While a hook hears the model work, each model call is sized to take about this long, so that the
    # counts move (a display that speaks less often can allow longer calls, which are faster overall).
    pace_s: float = PACE_S

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name not in ("article_done", "pace_s"):
                setattr(self, f.name, guarded(getattr(self, f.name)))

    def progress(self, what: str, done: OnProgress | None) -> Progress:
        """The task-level progress of `what` (a language, or "summaries"): `done` counts its items."""
        batch = self.batch_started
        on_batch = (lambda number, batches, detail: batch(what, number, batches, detail)) if batch else None
        # A UI that hears the model work gets its calls paced, so that its counts move; none: full batches.
        watched = any((self.sentences, self.summaries, self.batch_started, self.decoding_step))
        pace_s = self.pace_s if watched else None
        return Progress(done=done, on_batch=on_batch, on_step=self.decoding_step, pace_s=pace_s)


class _Counted:
    """Counts done passed on to `report`, remembering how many: what the task didn't count is added later."""

    def __init__(self, report: OnProgress | None):
        self.report, self.n = guarded(report), 0

    def __call__(self, n: int) -> None:
        if n > 0:
            self.n += n
            if self.report:
                self.report(n)


@dataclass
class _Read:
    """An article read and summarized, waiting for its translations."""

    article: Article
    summary: Summary | None
    summary_sentences: tuple[Sentence, ...]
    timings: dict[str, float]
    languages: dict[str, LanguageDigest] = field(default_factory=dict)


class Pipeline:
    """Runs a job described by `JobSettings` over input paths."""

    def __init__(self, settings: JobSettings, *, cache: Any = None):
        self.settings = settings
        if cache is None:
            cache = Cache(settings.cache.dir) if settings.cache.enabled else MemoryCache()
        self.cache = cache
        self.stats = JobStats()
        self._summarizer = None
        self._translators: dict[tuple[str, str], Any] = {}  # (source language, target) -> Translator
        self._said_same: set[tuple[str, str]] = set()  # pairs already reported as not translated
        self._names: dict[str, NameLedger] = {}  # target -> how the job has rendered each name so far
        self._feeds: FeedReader | None = None
        self.engine = make_engine(settings.runtime, settings.ray)
        self._counting = threading.Lock()  # a remote engine's pools count from threads of their own
        set_limit(settings.runtime.max_loaded_models)

    @classmethod
    def from_config(cls, path: str | Path, **flags: Any) -> Pipeline:
        """A job file with overrides named like the CLI flags, e.g. `out="digests"`, `to=["ru"]`."""
        from .config.flags import RunOptions
        from .config.merge import resolve_job

        return cls(resolve_job(path, RunOptions.of(**flags)))

    # Models are resolved lazily (so a bad model for one language fails that job clearly)
    # and loaded lazily (so a fully cached job never loads weights).
    @property
    def summarizer(self):
        """The job's summarizer. An abstractive one summarizes an article in a language its model doesn't
        know extractively (and says so); with source_lang auto, extractive and lead ones are made per language."""
        if self._summarizer is None and self.settings.summary is not None:
            from .tasks.summarizing import make_summarizer

            job = self.settings
            self._summarizer = make_summarizer(
                job.summary, job.worker, lang=job.source_lang, cache=self.cache, engine=self.engine
            )
        return self._summarizer

    def translator(self, lang: str, source: str | None = None):
        """The translator from `source` (default: the job's source language) into target `lang`, made on
        first use: the target's model if the job names one (for every source language: see docs/job-file.md),
        else the registry's for the pair. A job whose source language is auto has no default source;
        a caller without articles (evaluate's sentences) gets English, the registry's first source."""
        from .languages import AUTO, ENGLISH

        source = source or self.settings.source_lang
        source = ENGLISH if source == AUTO else source
        if (source, lang) not in self._translators:
            from .tasks.translating import Translator

            job = self.settings
            self._translators[source, lang] = Translator(
                job.target(lang), job.worker, source_lang=source, cache=self.cache, engine=self.engine
            )
        return self._translators[source, lang]

    def _same_language(self, source: str, target: str) -> bool:
        """Is `target` the articles' own language? Such a pair is not translated; the log says so once."""
        from .languages import same_language

        if not same_language(source, target):
            return False
        said = self._said_same
        if (source, target) not in said:
            said.add((source, target))
            log.warning("%s articles are not translated into %s: it is their own language", source, target)
        return True

    def prepare(self, languages: Iterable[str] | None = None) -> None:
        """Resolve every model up front, so a missing model fails before any article is read; when
        several are missing, one message names them all, each with what it is for (not one per run).
        The translators are those from `languages` (default: the job's source language). With
        source_lang auto the articles' languages are known only once read: up front come the summary
        model and the models the job names, and, only when one of those is missing (the job fails
        anyway), the registry's models from English (as `models pull --config` takes them) join the
        message; `_run_window` then prepares each window's new pairs, again all in one message."""
        from .languages import AUTO, ENGLISH

        auto = self.settings.source_lang == AUTO
        steps: list[tuple[str | None, Callable[[], object]]] = []  # (what the model is for, resolve it)
        likely: list[tuple[str | None, Callable[[], object]]] = []  # auto: named only beside a missing one
        if languages is None:
            languages = [] if auto else [self.settings.source_lang]
            summary = self.settings.summary
            use = SUMMARY_USE if summary is not None and summary.method == "abstractive" else None
            steps.append((use, lambda: self.summarizer))
            if auto:  # a model the job names serves every source language: check it (and its options) now
                for t in self.settings.targets:
                    if t.lang != ENGLISH:
                        step = (t.lang, lambda lang=t.lang: self.translator(lang, ENGLISH))
                        (steps if t.model is not None else likely).append(step)
        for source in languages:
            for target in self.settings.targets:
                if (source, target.lang) in self._translators or self._same_language(source, target.lang):
                    continue
                steps.append((target.lang, lambda lang=target.lang, source=source: self.translator(lang, source)))
        missing = self._missing(steps, auto)
        if missing and likely:
            missing += self._missing(likely, auto)
        if not missing:
            return
        named = [e for _, e in missing if e.model is not None]
        if len(named) == len(missing) and len({e.why for e in named}) == 1 and named[0].why is not None:
            uses: dict[str, list[str]] = {}
            for use, exc in missing:
                uses.setdefault(exc.model, []).extend([use] if use else [])
            why = named[0].why
            raise ModelUnavailableError(offline_message(list(uses), why, uses), model=named[0].model, why=why)
        raise missing[0][1]

    @staticmethod
    def _missing(steps, auto: bool) -> list[tuple[str | None, ModelUnavailableError]]:
        """Run each (use, resolve) step; the models that are not available, with their use."""
        from .errors import UnknownLanguageError

        missing = []
        for use, step in steps:
            try:
                step()
            except ModelUnavailableError as exc:
                missing.append((use, exc))
            except UnknownLanguageError:
                if not auto:
                    raise
                # With auto, an article in a language no model covers fails alone (see `_translate_pair`).
        return missing

    def inputs(self, paths: Iterable[str | Input] | None = None, *, out_dir: str | Path | None = None) -> list[Input]:
        """The articles `paths` (default: the job's inputs) hold, in order: files, folders, globs, URLs
        and "-" expanded, a JSON-lines file one Input per line, each named relative to the job's folder.

        A job never reads its own outputs: folders and patterns never enter `out_dir` (the job's output
        folder), and files this tool wrote (`is_own_output`: digests, summaries, indexes) are left out."""
        given = list(paths) if paths is not None else list(self.settings.inputs)
        if all(isinstance(p, Input) for p in given):
            return given
        base = self.settings.config_path.resolve().parent if self.settings.config_path else None
        skip = {"skip_folders": [out_dir] if out_dir is not None else [], "skip_file": is_own_output}
        feeds = self.feeds(out_dir)
        found: list[Input] = []
        for item in given:
            if isinstance(item, Input):
                found.append(item)
            else:
                found += list_inputs(expand_paths([item], **skip), base=base, feeds=feeds)
        return list({item.identity: item for item in found}.values())

    def feeds(self, out_dir: str | Path | None = None) -> FeedReader:
        """The job's feed reader: what it fetches politely, and what it remembers of each feed's items in the
        cache database, keyed by the job (its job file, else its output folder), under a lock per job."""
        if self._feeds is None:
            import hashlib

            settings = self.settings
            if settings.config_path is not None:
                job = f"job:{settings.config_path.resolve()}"
            else:
                job = f"out:{Path(out_dir).resolve()}" if out_dir is not None else "stream"
            folder = getattr(self.cache, "cache_dir", None)
            lock = None
            if folder is not None:
                lock = Path(folder) / "locks" / f"feeds-{hashlib.sha256(job.encode()).hexdigest()[:16]}.lock"
            target = str(out_dir) if out_dir is not None else "its outputs"
            options = settings.feeds
            if out_dir is not None and not (Path(out_dir) / "index.json").is_file():
                # No index there: a new output folder, or one removed: every item's digest is written again.
                options = replace(options, all=True)
            self._feeds = FeedReader(
                options,
                cache=self.cache,
                job=job,
                deadline=settings.url_deadline,
                lock=lock,
                lock_target=target,
            )
            self.stats.feeds = self._feeds.counts
        return self._feeds

    def run(
        self, paths: Iterable[str | Input] | None = None, *, callbacks: Callbacks | None = None
    ) -> Iterator[Digest | Failure]:
        """Yield one Digest (or Failure) per article, in input order. Fatal errors stop the job."""
        callbacks = callbacks or Callbacks()
        sources = self.inputs(paths)
        if callbacks.articles_total:
            callbacks.articles_total(len(sources))
        self.prepare()
        window = self.settings.ray.window if self.engine.name == "ray" else self.settings.runtime.window
        job = self.cache.begin_job(str(self.settings.config_path or "adhoc"))
        try:
            for start in range(0, len(sources), window):
                for result in self._run_window(sources[start : start + window], callbacks):
                    if isinstance(result, Failure):
                        self.stats.failed += 1
                    else:
                        self.stats.done += 1
                        self.stats.stand_in |= result.stand_in
                        self.stats.stand_in_made.update(dict.fromkeys(_stand_in_parts(result)))
                    if callbacks.article_done:
                        callbacks.article_done(result)
                    yield result
        finally:
            s = self.stats
            misses = s.translated + s.summaries - s.summaries_from_cache
            self.cache.end_job(job, hits=s.from_cache + s.summaries_from_cache, misses=misses)
            self.engine.close()
            if self._feeds is not None:
                self._feeds.release()

    def _run_window(self, sources: list[Input], callbacks: Callbacks) -> list[Digest | Failure]:
        # Results are keyed by each input's display name, which is also its article's `source`.
        results: dict[str, Digest | Failure] = {}
        ready: list[_Read] = []
        spread = self._read_elsewhere(sources)
        for source in sources:
            item = spread[source.source] if source.source in spread else self._read(source)
            if item is None:
                continue  # a feed's item read as before: skipped
            if isinstance(item, Failure):
                results[source.source] = item
            else:
                ready.append(item)
        self.prepare(dict.fromkeys(r.article.lang for r in ready))  # new pairs: every missing model in one line
        languages = [t.lang for t in self.settings.targets]
        if self.engine.name == "local":  # one pool after another, in this process
            self._summarize(ready, results, callbacks)
            self._announce(languages, ready, results, callbacks)
            for lang in languages:
                self._translate(lang, [r for r in ready if r.article.source not in results], results, callbacks)
        else:
            self._run_pools(languages, ready, results, callbacks)
        for r in ready:
            if r.article.source not in results:
                languages = tuple(r.languages[t.lang] for t in self.settings.targets if t.lang in r.languages)
                digest = Digest(
                    article=r.article,
                    summary=r.summary,
                    summary_sentences=r.summary_sentences,
                    languages=languages,
                    timings=r.timings,
                )
                if languages and self.settings.quality.checks:
                    digest = replace(digest, facts=fact_table(digest, self.settings.glossary))
                results[r.article.source] = digest
        return [results[s.source] for s in sources if s.source in results]

    def _announce(self, languages: list[str], ready: list[_Read], results: dict, callbacks: Callbacks) -> None:
        if callbacks.sentences_total:  # all of the window's work, known before any of it runs: a fair ETA
            for lang in languages:
                to_do = self._to_translate(lang, [r for r in ready if r.article.source not in results])
                if to_do:
                    callbacks.sentences_total(lang, to_do)

    def _run_pools(self, languages: list[str], ready: list[_Read], results: dict, callbacks: Callbacks) -> None:
        """A remote engine's window: the pools of every language run at once, each from a thread of its own
        here (which only sends work, stores what comes back and counts). The summary pool runs beside them
        when only full texts are translated; a translated summary needs its summary first."""
        from concurrent.futures import ThreadPoolExecutor

        beside = self.settings.translate == "full"
        if not beside:
            self._summarize(ready, results, callbacks)
        self._announce(languages, ready, results, callbacks)
        todo = [r for r in ready if r.article.source not in results]
        with ThreadPoolExecutor(max_workers=len(languages) + beside, thread_name_prefix="summarizer-pool") as pool:
            futures = [pool.submit(self._translate, lang, todo, results, callbacks) for lang in languages]
            if beside:
                futures.append(pool.submit(self._summarize, ready, results, callbacks))
            try:
                for future in futures:
                    future.result()  # the first error, after the pools already running have finished
            finally:
                for future in futures:
                    future.cancel()

    def _read(self, source: Input) -> _Read | Failure | None:
        settings = self.settings
        started = time.perf_counter()
        try:
            article = read_input(
                source,
                lang=settings.source_lang,
                encoding=settings.encoding,
                url_deadline=settings.url_deadline,
                feeds=self.feeds() if source.item is not None else None,
            )
        except SummarizerError as exc:
            return self._unread(source, exc)
        if source.item is not None and self.feeds().status(source.source) == "unchanged":
            return None  # its entry changed but its article reads as before: not digested again
        return _Read(article, None, (), {"read": time.perf_counter() - started})

    @staticmethod
    def _unread(source: Input, exc: SummarizerError) -> Failure:
        if exc.fatal:
            raise exc
        log.info("skipping %s: %s", source.source, exc)  # the caller reports the Failure
        return Failure(source.source, str(exc))

    def _read_elsewhere(self, sources: list[Input]) -> dict[str, _Read | Failure]:
        """On a remote engine, the window's files and URLs read (extracted, decoded, segmented, their
        language detected) in its tasks, one per input; a file's bytes are read here first, so a node
        without this machine's files can read it. Feed items and JSON-lines records are read here, by
        `_read` (a feed's state lives in this process). Nothing for the local engine."""
        if self.engine.name == "local":
            return {}
        from .inputs.reading import with_body

        out: dict[str, _Read | Failure] = {}
        bodies: list[Input] = []
        for source in sources:
            if source.item is not None or source.line is not None:
                continue
            try:
                bodies.append(with_body(source))
            except SummarizerError as exc:
                out[source.source] = self._unread(source, exc)
        s = self.settings
        reader = functools.partial(read_one, lang=s.source_lang, encoding=s.encoding, url_deadline=s.url_deadline)
        for source, (article, seconds) in zip(bodies, self.engine.each(reader, bodies), strict=True):
            if isinstance(article, SummarizerError):
                out[source.source] = self._unread(source, article)
            else:
                out[source.source] = _Read(article, None, (), {"read": seconds})
        return out

    def translate_titles(self, digests: Iterable[Digest]) -> dict[str, dict[str, str]]:
        """Each digest's title in each of its target languages (article source -> target -> title): one
        translation call per language pair, cached like any sentence; a title that can't be translated
        stays as it is (and the log says why)."""
        out: dict[str, dict[str, str]] = {}
        by_pair: dict[tuple[str, str], list[Digest]] = {}
        for d in digests:
            out[d.article.source] = {}
            for ld in d.languages:
                by_pair.setdefault((d.article.lang, ld.target), []).append(d)
        for (source, target), group in by_pair.items():
            titles = [d.article.title for d in group]
            if self._same_language(source, target):
                texts = titles
            else:
                try:
                    texts = self.translator(target, source).translate(titles).texts
                except SummarizerError as exc:
                    if exc.fatal:
                        raise
                    log.warning("titles into %s are not translated: %s", target, exc)
                    texts = titles
            for d, text in zip(group, texts, strict=True):
                out[d.article.source][target] = text or d.article.title
        return out

    def _summarize(self, ready: list[_Read], results: dict, callbacks: Callbacks) -> None:
        """Summarize the window's articles in one call (so an engine can spread them out)."""
        if self.summarizer is None or not ready:
            return
        started = time.perf_counter()
        if callbacks.summaries_total:
            callbacks.summaries_total(len(ready))
        counted = _Counted(callbacks.summaries)
        summaries = self.summarizer.summarize_each(
            [r.article for r in ready], progress=callbacks.progress("summaries", counted)
        )
        counted(len(ready) - counted.n)  # those no summarizer counted (errors, repeats): the window is done
        seconds = (time.perf_counter() - started) / len(ready)
        with self._counting:
            self._took_summaries(ready, summaries, seconds, results)

    def _took_summaries(self, ready: list[_Read], summaries: list, seconds: float, results: dict) -> None:
        for r, summary in zip(ready, summaries, strict=True):
            if isinstance(summary, SummarizerError):
                if summary.fatal:
                    raise summary
                log.info("skipping %s: %s", r.article.source, summary)
                results[r.article.source] = Failure(r.article.source, str(summary))
                continue
            self.stats.summaries += 1
            self.stats.summaries_from_cache += summary.cached
            self.stats.count_flags([summary])
            self.stats.summaries_flagged += bool(summary.flags)
            r.timings["summarize"] = seconds
            r.summary = summary
            if summary.method == "abstractive":
                r.summary_sentences = segment_article(summary.text, f"{r.article.id}-summary", r.article.lang)
            else:  # the article's own sentences, ids and all: the digest links them to their place
                r.summary_sentences = chosen_sentences(r.article, summary)

    def _parts(self, r: _Read) -> list[tuple[str, tuple[Sentence, ...]]]:
        """What of one article is translated: ("summary" | "full", its sentences)."""
        what, parts = self.settings.translate, []
        if what in ("summary", "both") and r.summary_sentences:
            parts.append(("summary", r.summary_sentences))
        if what in ("full", "both") or self.settings.summary is None:
            parts.append(("full", r.article.sentences))
        return parts

    def _translate(self, lang: str, ready: list[_Read], results: dict, callbacks: Callbacks) -> None:
        """Translate the window into one language, one call per source language (so batches span the
        articles of each pair); articles already in `lang` are not translated."""
        by_source: dict[str, list[_Read]] = {}
        for r in ready:
            by_source.setdefault(r.article.lang, []).append(r)
        for source, items in by_source.items():
            if not self._same_language(source, lang):
                self._translate_pair(source, lang, items, results, callbacks)

    def _to_translate(self, lang: str, ready: list[_Read]) -> int:
        """How many sentences of `ready` go into `lang` (none of the articles already in `lang`)."""
        return sum(
            len(sents) for r in ready if not self._same_language(r.article.lang, lang) for _, sents in self._parts(r)
        )

    def _check_names(self, lang: str, translated: TranslationSet) -> TranslationSet:
        """`name-inconsistent` across the job: a source name rendered into `lang` another way than the first
        time (an English source's names; a glossary's terms are not guessed at)."""
        if not self.settings.quality.checks or translated.source_lang.split("-")[0].lower() != "en":
            return translated
        ledger = self._names.get(lang)
        if ledger is None:
            glossary = self.settings.glossary
            known = [*glossary.terms, *glossary.keep] if glossary is not None else []
            ledger = self._names[lang] = NameLedger(lang, known)
        out = []
        for t in translated.translations:
            extra = ledger.check(t.source, t.text) if t.text else []
            out.append(replace(t, flags=t.flags + tuple(extra)) if extra else t)
        return replace(translated, translations=tuple(out))

    def _translate_pair(self, source: str, lang: str, ready: list[_Read], results: dict, callbacks: Callbacks) -> None:
        """Translate articles in `source` into `lang` in one call; a pair no model covers (source_lang
        auto) fails those articles alone, with the one line that says so."""
        from .errors import UnknownLanguageError

        jobs = [(r, part, sents) for r in ready for part, sents in self._parts(r)]
        flat = [s for _, _, sents in jobs for s in sents]
        counted = _Counted(callbacks.sentences and (lambda n: callbacks.sentences(lang, n)))

        def fail(why: Callable[[_Read], str]) -> None:
            for r in ready:
                results[r.article.source] = Failure(r.article.source, why(r))
            if callbacks.sentences_total and len(flat) > counted.n:  # announced, and won't come
                callbacks.sentences_total(lang, counted.n - len(flat))

        try:
            translator = self.translator(lang, source)
        except UnknownLanguageError as exc:
            fail(lambda r, exc=exc: f"{r.article.source}: {exc}")
            return
        if not flat:
            return
        started = time.perf_counter()
        try:
            translated = translator.translate(flat, progress=callbacks.progress(lang, counted))
        except SummarizerError as exc:
            if exc.fatal:
                raise
            fail(lambda r, exc=exc: f"{lang}: {exc}")
            return
        seconds = time.perf_counter() - started
        with self._counting:
            self._took_translations(lang, translator, translated, seconds, jobs, flat)

    def _took_translations(self, lang, translator, translated: TranslationSet, seconds: float, jobs, flat) -> None:
        translated = self._check_names(lang, translated)
        made = [t for t in translated.translations if not t.cached and not t.human and t.source.strip()]
        self.stats.translated += len({t.source for t in made})
        self.stats.human += len({t.source for t in translated.translations if t.human})
        self.stats.from_cache += len({t.source for t in translated.translations if t.cached})
        spoken = [t.source for t in translated.translations if t.source.strip()]
        self.stats.repeats += len(spoken) - len(set(spoken))
        self.stats.count_flags(translated.translations)
        self.stats.retried += sum(t.retried and not t.cached for t in translated.translations)
        self.stats.protected += sum(t.protected for t in translated.translations)
        self.stats.translations_checked += len(translated.translations)
        self.stats.translations_flagged += sum(bool(t.flags) for t in translated.translations)
        self.stats.retried_passed += sum(t.retried and not t.cached and not t.flags for t in translated.translations)
        offset = 0
        for r, part, sents in jobs:
            chunk = translated.translations[offset : offset + len(sents)]
            offset += len(sents)
            assert [t.source_id for t in chunk] == [s.id for s in sents], "alignment broken"
            piece = replace(
                translated,
                translations=tuple(chunk),
                seconds=seconds * len(sents) / len(flat),
                warnings=translation_warnings(chunk, translator.params.max_new_tokens),
            )
            current = r.languages.get(lang, LanguageDigest(target=lang))
            r.languages[lang] = replace(current, **{part: piece})
