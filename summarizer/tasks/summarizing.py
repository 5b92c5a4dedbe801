"""Article summarization that never truncates: inputs over the model limit are map-reduced.

Length is measured with the model's own tokenizer. An article that does not fit is cut on sentence
boundaries into chunks that do; each chunk is summarized, then the joined chunk summaries are
summarized again (repeating while they still don't fit). The Summary records that this happened.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ..cache import CacheEntry, NullCache, RecordingCache, cache_key
from ..engines import LOCAL, Engine, Work, worker_factory
from ..errors import ConfigError, GenerationError, InputError, ModelError, SummarizerError
from ..inputs.reading import detect_language
from ..inputs.segmenting import SEGMENTATION_VERSION, article_sentence_id, local_id, segment_article
from ..languages import AUTO, language_name, language_tag
from ..models.backends import Generated, ModelHandle
from ..models.catalogue import summary_languages
from ..models.hub import check_generation, resolve_model
from ..options import DEFAULT_SUMMARY_MODEL, SUMMARY_DEFAULTS, GenerationParams, QualityOptions, RuntimeOptions
from ..quality.review import review_summary
from ..results import Article, ModelInfo, Sentence, Summary
from .generation import Progress, cached_generate, split_to_fit

log = logging.getLogger(__name__)

TASK_ARTICLE = "summarize"
TASK_CHUNK = "summarize-chunk"
MAX_REDUCE_ROUNDS = 8


def model_prefix(model_type: str) -> str:
    """T5 was trained with a task prefix; other summarizers take the bare text."""
    return "summarize: " if model_type in ("t5", "mt5") else ""


def clean_output(text: str, model_type: str) -> str:
    """Pegasus writes newlines as the literal token `<n>`."""
    if model_type == "pegasus" or "<n>" in text:
        text = "\n".join(part.strip() for part in text.split("<n>"))
    return text.strip()


def plan_chunks(
    sentences: Sequence[str], count: Callable[[list[str]], list[int]], limit: int, prefix: str = ""
) -> list[list[str]]:
    """Group consecutive sentences into chunks whose model input (prefix + text) fits `limit` tokens.

    Every sentence lands in exactly one chunk, in order; one sentence too long for any chunk is
    split into parts (see `split_to_fit`) rather than cut.
    """
    overhead = count([prefix])[0] if prefix else count([""])[0]
    budget = limit - overhead
    if budget < 8:
        raise ModelError(f"the model's input limit ({limit} tokens) leaves no room for text")
    pieces: list[str] = []
    sizes = count(list(sentences)) if sentences else []
    for sentence, size in zip(sentences, sizes, strict=True):
        if size - overhead > budget:
            pieces.extend(split_to_fit(sentence, lambda xs: [n - overhead for n in count(xs)], budget))
        else:
            pieces.append(sentence)
    piece_sizes = [n - overhead for n in count(pieces)] if pieces else []
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for piece, size in zip(pieces, piece_sizes, strict=True):
        if current and used + size > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(piece)
        used += size
    if current:
        chunks.append(current)
    # Token counts are not exactly additive across a join; verify and move the tail if needed.
    fixed: list[list[str]] = []
    queue = chunks
    while queue:
        chunk = queue.pop(0)
        while len(chunk) > 1 and count([prefix + " ".join(chunk)])[0] > limit:
            tail = chunk.pop()
            if queue:
                queue[0].insert(0, tail)
            else:
                queue.append([tail])
        fixed.append(chunk)
    return fixed


def _primary(code: str) -> str:
    return language_tag(code).split("-")[0].lower()


def _noted(summary: Summary, note: str) -> Summary:
    return replace(summary, warnings=(note, *summary.warnings))


class Summarizer:
    """Summarizes articles or texts with one seq2seq model (extractively, in a language it doesn't know)."""

    def __init__(
        self,
        model: str = DEFAULT_SUMMARY_MODEL,
        *,
        revision: str | None = None,
        params: GenerationParams | Mapping | None = None,
        runtime: RuntimeOptions | None = None,
        models_dir: Path | None = None,
        cache=None,
        refresh: bool = False,
        max_input_tokens: int | None = None,
        lang: str = "en",
        quality: QualityOptions | None = None,
        long_input: str = "map-reduce",
        embedding_model: str = "bundled",
        engine: Engine | None = None,
        languages: Sequence[str] | None = None,
    ):
        """`models_dir` is the cache folder, where the ctranslate2 backend keeps converted models.
        `long_input` says what to do with an input over the model's limit: "map-reduce" (summarize
        chunks, then their summaries) or "extract" (keep its most salient sentences that fit, one call).
        `lang` is the language of plain-text inputs ("auto": detected); an Article brings its own.
        `languages` are those the model summarizes (default: `models.catalogue.summary_languages`); an input
        in another language is summarized extractively instead, and its Summary says so."""
        # How a Ray actor builds the same summarizer; its cache records what it writes, for the driver.
        self.factory = worker_factory(Summarizer, locals(), cache=RecordingCache())
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"summary model must be a hub id or a folder, got {model!r}")
        if isinstance(params, GenerationParams):
            self.params = params
        else:
            self.params = GenerationParams.from_mapping(params or {}, base=SUMMARY_DEFAULTS, where="summary options")
        self.runtime = runtime or RuntimeOptions()
        self.cache = cache if cache is not None else NullCache()
        self.refresh = refresh
        self.lang = lang
        self.quality = quality or QualityOptions()
        self.languages = summary_languages(model) if languages is None else frozenset(languages)
        self._extractive = dict(
            embedding_model=embedding_model, runtime=runtime, models_dir=models_dir, cache=self.cache, refresh=refresh
        )
        self._fallbacks: dict[str, Any] = {}  # language -> the extractive summarizer for it
        self.max_input_override = max_input_tokens
        if long_input not in ("map-reduce", "extract"):
            raise ConfigError(f"long_input must be map-reduce or extract, got {long_input!r}")
        self.long_input = long_input
        self.engine = engine or LOCAL
        self.extractor = None
        if long_input == "extract":
            from .extractive import ExtractiveSummarizer

            self.extractor = ExtractiveSummarizer(
                embedding_model=embedding_model, runtime=runtime, models_dir=models_dir, cache=self.cache, lang=lang
            )
        self.ref = resolve_model(model, revision)
        check_generation(self.params, self.ref, f"summary model {model}")
        self.handle = ModelHandle(self.ref, self.runtime.backend_options(models_dir))
        self.prefix = model_prefix(self.ref.model_type)

    @property
    def model_info(self) -> ModelInfo:
        return self.handle.info

    def knows(self, lang: str) -> bool:
        """Does the model summarize `lang` (`en-GB` counts as `en`)? One whose languages are unknown
        is taken to know them all."""
        if self.languages is None:
            return True
        return _primary(lang) in {_primary(code) for code in self.languages}

    def fallback_note(self, lang: str) -> str:
        """What a summary made extractively because the model doesn't know `lang` says about it."""
        names = " and ".join(language_name(code) for code in sorted(self.languages or ()))
        return f"{Path(self.ref.name).name} summarizes {names} only; this {lang} article was summarized extractively"

    def _fallback(self, lang: str):
        """The extractive summarizer for articles in `lang`, a language the model doesn't know."""
        if lang not in self._fallbacks:
            from .extractive import ExtractiveSummarizer

            self._fallbacks[lang] = ExtractiveSummarizer(lang=lang, quality=self.quality, **self._extractive)
        return self._fallbacks[lang]

    def _key(self, task: str, text: str, lang: str) -> str:
        return cache_key(
            task=task,
            model=self.handle.info,
            params=self.params.as_dict(),
            text=text,
            source_lang=lang,
            extra={
                "prefix": self.prefix,
                "max_input_tokens": self.max_input_override,
                "segmentation": SEGMENTATION_VERSION,
                "long_input": self.long_input,
                **({"embedder": self.extractor.model_info.fingerprint, "ids": "local"} if self.extractor else {}),
            },
        )

    def _limit(self) -> int:
        backend_limit = self.handle.backend.max_input_tokens
        if self.max_input_override:
            return min(self.max_input_override, backend_limit)
        return backend_limit

    def _generate(self, texts: list[str], lang: str) -> list[Generated]:
        """Summaries of inputs in `lang` that are known to fit (chunk step), cached per chunk."""
        backend = self.handle.backend
        results = cached_generate(
            texts,
            key_for=lambda t: self._key(TASK_CHUNK, t, lang),
            compute=lambda group: backend.generate(
                [self.prefix + t for t in group], self.params, batch_size=self.runtime.batch_size_for("summarize")
            ),
            cache=self.cache,
            task=TASK_CHUNK,
            model_name=self.ref.name,
            group_size=self.runtime.batch_size_for("summarize"),
            refresh=self.refresh,
        )
        return [
            Generated(text=clean_output(g.text, self.ref.model_type), new_tokens=g.new_tokens, finished=g.finished)
            for g, _ in results
        ]

    def _extract(self, sentences: Sequence[Sentence], count, limit: int) -> tuple[list[Sentence], str]:
        """The most salient sentences that fit the model's input together, in article order."""
        from .extractive import pieces

        assert self.extractor is not None
        units = [u for u in pieces(sentences) if count([self.prefix + u.text])[0] <= limit]
        order = self.extractor.rank(units)
        kept: list[int] = []
        used = count([self.prefix])[0]
        sizes = [n - count([""])[0] for n in count([u.text for u in units])]
        for i in order:
            if used + sizes[i] <= limit:
                kept.append(i)
                used += sizes[i]
        kept.sort()
        while len(kept) > 1 and count([self.prefix + " ".join(units[i].text for i in kept)])[0] > limit:
            kept.remove(
                max(kept, key=lambda i: order.index(i))
            )  # token counts don't quite add up: drop the least salient
        chosen = [units[i] for i in kept]
        return chosen, " ".join(u.text for u in chosen)

    def _summarize_steps(self, sentences: Sequence[Sentence], lang: str) -> Generator[list[str], list[Generated], dict]:
        """One article's summary as steps: each `yield` hands the model inputs of one round (the whole
        text, or its chunks, or their summaries) to `_summarize_many`, which generates them together with
        the other articles' and sends the outputs back."""
        backend = self.handle.backend
        limit = self._limit()

        def count(items: list[str]) -> list[int]:
            return backend.count_tokens(items)

        text = " ".join(s.text for s in sentences)
        input_tokens = count([self.prefix + text])[0]
        warnings: list[str] = []
        chunks_n, rounds = 1, 1
        source_ids: list[str] = []
        if input_tokens <= limit:
            final = (yield [text])[0]
        elif self.extractor is not None:
            kept, kept_text = self._extract(sentences, count, limit)
            source_ids = [s.id for s in kept]
            final = (yield [kept_text])[0]
            warnings.append(
                f"input of {input_tokens} tokens exceeds the model limit of {limit}: summarized the {len(kept)} most "
                f"salient of its {len(sentences)} sentences that fit ({count([self.prefix + kept_text])[0]} tokens)"
            )
        else:
            sentences = [s.text for s in sentences]
            current = sentences
            rounds = 0
            while True:
                rounds += 1
                if rounds > MAX_REDUCE_ROUNDS:
                    raise GenerationError(
                        f"{self.ref.name}: summaries did not shrink below {limit} tokens after {MAX_REDUCE_ROUNDS} rounds; lower max_new_tokens"
                    )
                chunks = plan_chunks(current, count, limit, self.prefix)
                if rounds == 1:
                    chunks_n = len(chunks)
                partials = yield [" ".join(c) for c in chunks]
                if not all(g.finished for g in partials):
                    warnings.append(f"some chunk summaries reached max_new_tokens={self.params.max_new_tokens}")
                joined = [g.text for g in partials if g.text]
                if count([self.prefix + " ".join(joined)])[0] <= limit:
                    final = (yield [" ".join(joined)])[0]
                    rounds += 1
                    break
                current = joined
            warnings.insert(
                0,
                f"input of {input_tokens} tokens exceeds the model limit of {limit}: summarized {chunks_n} chunks on sentence boundaries, then their summaries ({rounds} rounds in all)",
            )
        if not final.finished:
            warnings.append(f"the summary reached max_new_tokens={self.params.max_new_tokens} and may be cut off")
        return {
            "text": final.text,
            "input_tokens": input_tokens,
            "max_input_tokens": limit,
            "chunked": chunks_n > 1 or rounds > 1,
            "chunks": chunks_n,
            "rounds": rounds,
            "warnings": warnings,
            "source_ids": source_ids,
        }

    def _summarize_many(self, articles: Sequence[tuple[Sequence[Sentence], str]]) -> list[dict | SummarizerError]:
        """Summaries of `(sentences, language)` articles, each a `_summarize_steps` result or the error it
        gave. The articles advance round by round together, so one generate() call takes every
        article's inputs of that round (batched across articles, not one article per call)."""
        steps = [self._summarize_steps(sentences, lang) for sentences, lang in articles]
        results: list[dict | SummarizerError | None] = [None] * len(steps)
        waiting: dict[int, list[str]] = {}

        def advance(i: int, outputs: list[Generated] | None) -> None:
            try:
                waiting[i] = next(steps[i]) if outputs is None else steps[i].send(outputs)
            except StopIteration as done:
                results[i] = done.value
            except SummarizerError as exc:
                if exc.fatal:
                    raise
                results[i] = exc

        for i in range(len(steps)):
            advance(i, None)
        while waiting:
            current, waiting = waiting, {}
            by_lang: dict[str, list[int]] = {}
            for i in current:
                by_lang.setdefault(articles[i][1], []).append(i)
            for lang, indices in by_lang.items():
                for i, outputs in self._generate_rounds(indices, current, lang).items():
                    if isinstance(outputs, SummarizerError):
                        results[i] = outputs
                    else:
                        advance(i, outputs)
        return results  # type: ignore[return-value]

    def _generate_rounds(
        self, indices: list[int], inputs: Mapping[int, list[str]], lang: str
    ) -> dict[int, list[Generated] | SummarizerError]:
        """Every listed article's inputs of this round in one call; if that call fails, article by
        article, so that only the article whose input fails gets the error."""
        texts = [t for i in indices for t in inputs[i]]
        try:
            generated = self._generate(texts, lang)
        except SummarizerError as exc:
            if exc.fatal:
                raise
            out: dict[int, list[Generated] | SummarizerError] = {}
            for i in indices:
                try:
                    out[i] = self._generate(inputs[i], lang) if len(indices) > 1 else exc
                except SummarizerError as one:
                    if one.fatal:
                        raise
                    out[i] = one
            return out
        out, start = {}, 0
        for i in indices:
            out[i] = generated[start : start + len(inputs[i])]
            start += len(inputs[i])
        return out

    def _articles(self, payloads: list[str]) -> list[dict]:
        """Whole-article summaries of JSON-encoded `{"lang", "sentences"}`: `{"value", "entries"}` or
        `{"error"}`. `entries` are the chunk results a remote worker's recording cache collected, for the
        driver (all of them on the first article that has a value: the driver stores them all alike)."""
        articles = []
        for payload in payloads:
            data = json.loads(payload)
            articles.append(([Sentence(**s) for s in data["sentences"]], data["lang"]))
        results = self._summarize_many(articles)
        written = [asdict(e) for e in self.cache.drain()] if isinstance(self.cache, RecordingCache) else []
        out: list[dict] = []
        for result in results:
            if isinstance(result, SummarizerError):
                out.append({"error": str(result)})
            else:
                out.append({"value": result, "entries": written})
                written = []
        return out

    def load(self) -> None:
        """Load the model now (a remote worker does this once, before its first batch)."""
        _ = self.handle.backend

    def remote_compute(self, payloads: list[str]) -> list[dict]:
        return self._articles(payloads)

    def _language_of(self, item: Article | str) -> str:
        return language_of(item, self.lang)

    def summarize_each(
        self, items: Sequence[Article | str], *, progress: Progress | None = None
    ) -> list[Summary | SummarizerError]:
        """One Summary per input, same order, or the error that input gave (a bad one doesn't stop the
        rest). An input in a language the model doesn't know is summarized extractively, and says so."""
        results: list[Summary | SummarizerError | None] = [None] * len(items)
        mine: list[tuple[int, str]] = []  # (index, language) of the inputs the model summarizes
        others: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            try:
                lang = self._language_of(item)
            except SummarizerError as exc:
                if exc.fatal:
                    raise
                results[i] = exc
                continue
            if self.knows(lang):
                mine.append((i, lang))
            else:
                others.setdefault(lang, []).append(i)
        made = self._abstractive_each([items[i] for i, _ in mine], [lang for _, lang in mine], progress)
        for (i, _), result in zip(mine, made, strict=True):
            results[i] = result
        for lang, indices in others.items():
            log.info("%s: %d %s articles summarized extractively", self.ref.name, len(indices), lang)
            extracted = self._fallback(lang).summarize_each([items[i] for i in indices], progress=progress)
            note = self.fallback_note(lang)
            for i, result in zip(indices, extracted, strict=True):
                results[i] = result if isinstance(result, SummarizerError) else _noted(result, note)
        return results  # type: ignore[return-value]

    def _abstractive_each(
        self, items: Sequence[Article | str], langs: Sequence[str], progress: Progress | None
    ) -> list[Summary | SummarizerError]:
        """`summarize_each` by the model itself. Whole-article results are cached; misses go to the
        engine and are stored as they finish."""
        started = time.perf_counter()
        # (payload, text, key, article id, language); the payload's sentence ids are local (`p0:s3`), so
        # the same text from two files is one miss and a cached result fits whichever article asks for it.
        prepared: list[tuple[str, str, str, str, str] | SummarizerError] = []
        for item, lang in zip(items, langs, strict=True):
            article_id = item.id if isinstance(item, Article) else "text"
            sentences = item.sentences if isinstance(item, Article) else segment_article(item, article_id, lang)
            if not sentences:
                prepared.append(InputError("nothing to summarize: the text has no sentences"))
                continue
            text = " ".join(s.text for s in sentences)
            local = [{**asdict(s), "id": local_id(s.id, article_id)} for s in sentences]
            payload = json.dumps({"lang": lang, "sentences": local}, ensure_ascii=False)
            prepared.append((payload, text, self._key(TASK_ARTICLE, text, lang), article_id, lang))
        keys = list(dict.fromkeys(p[2] for p in prepared if isinstance(p, tuple)))
        found: dict[str, Any] = {} if self.refresh else self.cache.get_many(keys)
        values: dict[str, tuple[Any, bool]] = {k: (v, True) for k, v in found.items()}
        key_of = {p[0]: p[2] for p in prepared if isinstance(p, tuple)}
        misses = [payload for payload, key in key_of.items() if key not in values]
        # Articles go in groups of batch_size, so their model inputs are batched together (see _summarize_many).
        work = Work(
            name=f"summaries with {self.ref.name}",
            compute=self._articles,
            factory=self.factory,
            group_size=self.runtime.batch_size_for("summarize"),
        )
        for pairs in self.engine.map(work, misses):
            for payload, result in pairs:
                key = key_of[payload]
                if "error" in result:
                    values[key] = (GenerationError(result["error"]), False)
                    continue
                entries = [CacheEntry(**e) for e in result["entries"]]
                self.cache.put_many(
                    [*entries, CacheEntry(key=key, task=TASK_ARTICLE, model=self.ref.name, value=result["value"])]
                )
                values[key] = (result["value"], False)
                if progress:
                    progress(1)
        seconds = (time.perf_counter() - started) / max(1, len(items))
        return [
            p if isinstance(p, SummarizerError) else self._summary(p[1], *values[p[2]], seconds, p[3], p[4])
            for p in prepared
        ]

    def _summary(
        self, text: str, value: Any, cached: bool, seconds: float, article_id: str, lang: str
    ) -> Summary | SummarizerError:
        if isinstance(value, SummarizerError):
            return value
        return Summary(
            text=value["text"],
            model=self.handle.info,
            params=self.params.as_dict(),
            input_tokens=value["input_tokens"],
            max_input_tokens=value["max_input_tokens"],
            chunked=value["chunked"],
            chunks=value["chunks"],
            rounds=value["rounds"],
            cached=cached,
            seconds=seconds,
            warnings=tuple(value["warnings"]),
            flags=review_summary(text, value["text"], lang=lang, options=self.quality),
            source_ids=tuple(article_sentence_id(i, article_id) for i in value.get("source_ids", ())),
        )

    def summarize_many(self, items: Sequence[Article | str], *, progress: Progress | None = None) -> list[Summary]:
        """One Summary per input, same order; the first input that fails raises its error."""
        return _raising(self.summarize_each(items, progress=progress))

    def summarize(self, item: Article | str) -> Summary:
        return self.summarize_many([item])[0]


def language_of(item: Article | str, lang: str) -> str:
    """An Article's own language, or a plain text's: `lang`, or detected when `lang` is auto."""
    given = item.lang if isinstance(item, Article) else lang
    if given != AUTO:
        return given
    return detect_language(item.text if isinstance(item, Article) else item)[0]


def _raising(results: list[Summary | SummarizerError]) -> list[Summary]:
    for result in results:
        if isinstance(result, SummarizerError):
            raise result
    return results  # type: ignore[return-value]


class PerLanguage:
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

    def summarize_each(
        self, items: Sequence[Article | str], *, progress: Progress | None = None
    ) -> list[Summary | SummarizerError]:
        results: list[Summary | SummarizerError | None] = [None] * len(items)
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            try:
                groups.setdefault(language_of(item, self.lang), []).append(i)
            except SummarizerError as exc:
                if exc.fatal:
                    raise
                results[i] = exc
        for lang, indices in groups.items():
            made = self.for_language(lang).summarize_each([items[i] for i in indices], progress=progress)
            for i, result in zip(indices, made, strict=True):
                results[i] = result
        return results  # type: ignore[return-value]

    def summarize_many(self, items: Sequence[Article | str], *, progress: Progress | None = None) -> list[Summary]:
        return _raising(self.summarize_each(items, progress=progress))

    def summarize(self, item: Article | str) -> Summary:
        return self.summarize_many([item])[0]
