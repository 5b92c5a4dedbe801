"""One seq2seq summary model at work: loading it, its cache keys, chunk-level cached generation, the
long-input strategy per article, many articles in rounds, and the remote-worker protocol a Ray actor runs.

Length is measured with the model's own tokenizer, and an input over its limit is never truncated: see
`long_inputs`. The article-level cache and the engine are `summarizing.CachedSummaries`, around this.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from ..cache import NullCache, RecordingCache, cache_key
from ..errors import SummarizerError
from ..inputs.segmenting import SEGMENTATION_VERSION, article_sentence_id
from ..languages import plural
from ..models.backends import Generated, ModelHandle
from ..models.hub import check_generation, resolve_model
from ..options import SummaryOptions, WorkerOptions
from ..quality.review import review_summary
from ..results import ModelInfo, Sentence, Summary
from .generation import Progress, cached_generate
from .long_inputs import Budget, Outcome, extract_then_abstract, map_reduce, one_pass
from .rounds import in_rounds

TASK_ARTICLE = "summarize"
TASK_CHUNK = "summarize-chunk"


def model_prefix(model_type: str) -> str:
    """T5 was trained with a task prefix; other summarizers take the bare text."""
    return "summarize: " if model_type in ("t5", "mt5") else ""


def clean_output(text: str, model_type: str) -> str:
    """Pegasus writes newlines as the literal token `<n>`."""
    if model_type == "pegasus" or "<n>" in text:
        text = "\n".join(part.strip() for part in text.split("<n>"))
    return text.strip()


class SummaryModel:
    """Summaries with one model, from the `[summary]` section and the worker options. `lang` is the
    language of plain texts. Its cache holds chunk summaries; a remote worker's records what it writes."""

    def __init__(
        self, summary: SummaryOptions, worker: WorkerOptions | None = None, *, lang: str = "en", cache: Any = None
    ):
        self.summary, self.worker, self.lang = summary, worker or WorkerOptions(), lang
        self.params = summary.params
        self.cache = cache if cache is not None else NullCache()
        self.extractor = None
        if summary.long_input == "extract":
            from .extractive import ExtractiveSummarizer

            extract = replace(summary, method="extractive")
            self.extractor = ExtractiveSummarizer(extract, self.worker, lang=lang, cache=self.cache)
        self.ref = resolve_model(summary.model, summary.revision)
        check_generation(self.params, self.ref, f"summary model {summary.model}")
        self.handle = ModelHandle(self.ref, self.worker.backend_options)
        self.prefix = model_prefix(self.ref.model_type)

    @property
    def factory(self) -> Callable[[], SummaryModel]:
        """How a Ray actor builds the same model worker: the same settings, and a cache that records the
        chunk summaries it writes, for the driver to store."""
        return functools.partial(SummaryModel, self.summary, self.worker.remote, lang=self.lang, cache=RecordingCache())

    @property
    def model_info(self) -> ModelInfo:
        return self.handle.info

    def key(self, task: str, text: str, lang: str) -> str:
        return cache_key(
            task=task,
            model=self.handle.info,
            params=self.params.as_dict(),
            text=text,
            source_lang=lang,
            extra={
                "prefix": self.prefix,
                "max_input_tokens": self.summary.max_input_tokens,
                "segmentation": SEGMENTATION_VERSION,
                "long_input": self.summary.long_input,
                **({"embedder": self.extractor.model_info.fingerprint, "ids": "local"} if self.extractor else {}),
            },
        )

    def limit(self) -> int:
        backend_limit = self.handle.backend.max_input_tokens
        if self.summary.max_input_tokens:
            return min(self.summary.max_input_tokens, backend_limit)
        return backend_limit

    def generate(self, texts: list[str], lang: str, progress: Progress | None = None) -> list[Generated]:
        """Summaries of inputs in `lang` that are known to fit (one round), cached per input. `progress`
        hears each batch and its decoding steps (its count of done items is not called: these are
        chunks, not summaries)."""
        backend = self.handle.backend
        batch = self.worker.runtime.batch_size_for("summarize")
        heard = Progress() if progress is None else progress.within(progress.detail)
        tokens = self.worker.runtime.batch_tokens
        bound = {"max_tokens": tokens} if tokens is not None else {}
        results = cached_generate(
            texts,
            key_for=lambda t: self.key(TASK_CHUNK, t, lang),
            compute=lambda group: backend.generate(
                [self.prefix + t for t in group], self.params, batch_size=batch, on_step=heard.on_step, **bound
            ),
            cache=self.cache,
            task=TASK_CHUNK,
            model_name=self.ref.name,
            group_size=batch,
            refresh=self.worker.refresh,
            progress=heard,
        )
        return [
            Generated(text=clean_output(g.text, self.ref.model_type), new_tokens=g.new_tokens, finished=g.finished)
            for g, _ in results
        ]

    def steps(self, sentences: Sequence[Sentence], lang: str):
        """One article's summary as rounds (see `long_inputs`), returning the plain result that the
        cache stores: text, token counts, how it was chunked, warnings."""
        count = self.handle.backend.count_tokens
        limit = self.limit()
        text = " ".join(s.text for s in sentences)
        input_tokens = count([self.prefix + text])[0]
        budget = Budget(count, limit, self.prefix, self.params.max_new_tokens, self.ref.name)
        if input_tokens <= limit:
            outcome: Outcome = yield from one_pass(text)
        elif self.extractor is not None:
            outcome = yield from extract_then_abstract(sentences, self.extractor.rank, input_tokens, budget)
        else:
            outcome = yield from map_reduce([s.text for s in sentences], input_tokens, budget)
        warnings = list(outcome.warnings)
        if not outcome.final.finished:
            warnings.append(f"the summary reached max_new_tokens={self.params.max_new_tokens} and may be cut off")
        return {
            "text": outcome.final.text,
            "input_tokens": input_tokens,
            "max_input_tokens": limit,
            "chunked": outcome.chunks > 1 or outcome.rounds > 1,
            "chunks": outcome.chunks,
            "rounds": outcome.rounds,
            "warnings": warnings,
            "source_ids": outcome.source_ids,
        }

    def compute(self, payloads: list[str], progress: Progress | None = None) -> list[dict]:
        """Whole-article summaries of JSON-encoded `{"lang", "sentences"}`, advanced in rounds together:
        `{"value", "entries"}` or `{"error"}`. `entries` are the chunk results a remote worker's recording
        cache collected, for the driver (all of them on the first article that has a value: the driver
        stores them all alike). `progress` hears each round's batches and their decoding steps."""
        articles = [json.loads(p) for p in payloads]
        steps = [self.steps([Sentence(**s) for s in a["sentences"]], a["lang"]) for a in articles]
        heard = [Progress.of(progress).within("")]

        def on_round(number: int, inputs: int) -> None:
            heard[0] = heard[0].within(f"round {number}, {plural(inputs, 'input')}")

        def generate(texts: list[str], lang: str) -> list[Generated]:
            return self.generate(texts, lang, heard[0])

        results = in_rounds(steps, [a["lang"] for a in articles], generate, on_round)
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
        return self.compute(payloads)

    def to_summary(
        self, text: str, value: dict, cached: bool, seconds: float, article_id: str, lang: str, quality
    ) -> Summary:
        """The Summary of an article from the stored result, checked against the article's text."""
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
            flags=review_summary(text, value["text"], lang=lang, options=quality),
            source_ids=tuple(article_sentence_id(i, article_id) for i in value.get("source_ids", ())),
        )
