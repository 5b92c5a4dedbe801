"""Article summarization that never truncates: inputs over the model limit are map-reduced.

Length is measured with the model's own tokenizer. An article that does not fit is cut on sentence
boundaries into chunks that do; each chunk is summarized, then the joined chunk summaries are
summarized again (repeating while they still don't fit). The Summary records that this happened.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .backends import Generated, ModelHandle
from .cache import CacheEntry, NullCache, cache_key
from .errors import ConfigError, GenerationError, InputError, ModelError
from .generation import Progress, cached_generate, split_to_fit
from .models import check_generation, resolve_model
from .options import DEFAULT_SUMMARY_MODEL, SUMMARY_DEFAULTS, GenerationParams, QualityOptions, RuntimeOptions
from .quality.review import review_summary
from .results import Article, ModelInfo, Summary
from .segment import SEGMENTATION_VERSION, split_sentences

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


class Summarizer:
    """Summarizes articles or texts with one seq2seq model."""

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
    ):
        """`models_dir` is the cache folder, where the ctranslate2 backend keeps converted models."""
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
        self.max_input_override = max_input_tokens
        self.ref = resolve_model(model, revision)
        check_generation(self.params, self.ref, f"summary model {model}")
        self.handle = ModelHandle(self.ref, self.runtime.backend_options(models_dir))
        self.prefix = model_prefix(self.ref.model_type)

    @property
    def model_info(self) -> ModelInfo:
        return self.handle.info

    def _key(self, task: str, text: str) -> str:
        return cache_key(
            task=task,
            model=self.handle.info,
            params=self.params.as_dict(),
            text=text,
            source_lang=self.lang,
            extra={
                "prefix": self.prefix,
                "max_input_tokens": self.max_input_override,
                "segmentation": SEGMENTATION_VERSION,
            },
        )

    def _limit(self) -> int:
        backend_limit = self.handle.backend.max_input_tokens
        if self.max_input_override:
            return min(self.max_input_override, backend_limit)
        return backend_limit

    def _generate(self, texts: list[str]) -> list[Generated]:
        """Summaries of inputs that are known to fit (chunk step), cached per chunk."""
        backend = self.handle.backend
        results = cached_generate(
            texts,
            key_for=lambda t: self._key(TASK_CHUNK, t),
            compute=lambda group: backend.generate(
                [self.prefix + t for t in group], self.params, batch_size=self.runtime.batch_size
            ),
            cache=self.cache,
            task=TASK_CHUNK,
            model_name=self.ref.name,
            group_size=self.runtime.batch_size,
            refresh=self.refresh,
        )
        return [
            Generated(text=clean_output(g.text, self.ref.model_type), new_tokens=g.new_tokens, finished=g.finished)
            for g, _ in results
        ]

    def _summarize_sentences(self, sentences: list[str]) -> dict:
        backend = self.handle.backend
        limit = self._limit()

        def count(items: list[str]) -> list[int]:
            return backend.count_tokens(items)

        text = " ".join(sentences)
        input_tokens = count([self.prefix + text])[0]
        warnings: list[str] = []
        chunks_n, rounds = 1, 1
        if input_tokens <= limit:
            final = self._generate([text])[0]
        else:
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
                partials = self._generate([" ".join(c) for c in chunks])
                if not all(g.finished for g in partials):
                    warnings.append(f"some chunk summaries reached max_new_tokens={self.params.max_new_tokens}")
                joined = [g.text for g in partials if g.text]
                if count([self.prefix + " ".join(joined)])[0] <= limit:
                    final = self._generate([" ".join(joined)])[0]
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
        }

    def summarize_many(self, items: Sequence[Article | str], *, progress: Progress | None = None) -> list[Summary]:
        """One Summary per input, same order. Whole-article results are cached too."""
        out: list[Summary] = []
        for item in items:
            started = time.perf_counter()
            sentences = (
                [s.text for s in item.sentences] if isinstance(item, Article) else split_sentences(item, self.lang)
            )
            if not sentences:
                raise InputError("nothing to summarize: the text has no sentences")
            text = " ".join(sentences)
            key = self._key(TASK_ARTICLE, text)
            cached = None if self.refresh else self.cache.get(key)
            if cached is None:
                cached_flag = False
                value = self._summarize_sentences(sentences)
                self.cache.put(CacheEntry(key=key, task=TASK_ARTICLE, model=self.ref.name, value=value))
            else:
                cached_flag, value = True, cached
            out.append(
                Summary(
                    text=value["text"],
                    model=self.handle.info,
                    params=self.params.as_dict(),
                    input_tokens=value["input_tokens"],
                    max_input_tokens=value["max_input_tokens"],
                    chunked=value["chunked"],
                    chunks=value["chunks"],
                    rounds=value["rounds"],
                    cached=cached_flag,
                    seconds=time.perf_counter() - started,
                    warnings=tuple(value["warnings"]),
                    flags=review_summary(text, value["text"], lang=self.lang, options=self.quality),
                )
            )
            if progress:
                progress(1)
        return out

    def summarize(self, item: Article | str) -> Summary:
        return self.summarize_many([item])[0]
