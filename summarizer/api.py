"""The Python API: `summarize` and `translate` for one call, `Pipeline` for whole jobs.

The CLI is a thin layer over these functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence, overload

from .models import Runtime
from .results import Sentence, Summary, TranslationSet


def _cache(cache: Any):
    """None: no cache; a path: a Cache there; a Cache (or NullCache/MemoryCache): used as is."""
    from .cache import Cache, NullCache

    if cache is None or cache is False:
        return NullCache()
    if isinstance(cache, (str, Path)):
        return Cache(cache)
    return cache


@overload
def summarize(text: str, *, model: str = ..., revision: str | None = ..., runtime: Runtime | None = ..., cache: Any = ..., max_input_tokens: int | None = ..., **gen: Any) -> Summary: ...
@overload
def summarize(text: Sequence[str], *, model: str = ..., revision: str | None = ..., runtime: Runtime | None = ..., cache: Any = ..., max_input_tokens: int | None = ..., **gen: Any) -> list[Summary]: ...


def summarize(text, *, model=None, revision=None, runtime=None, cache=None, max_input_tokens=None, **gen):
    """Summarize one text (-> Summary) or a list of texts (-> list[Summary], same order).

    `gen` are generation options (num_beams, max_new_tokens, min_new_tokens, length_penalty,
    no_repeat_ngram_size, repetition_penalty, early_stopping); unknown ones raise ConfigError.
    """
    from .summarization import DEFAULT_SUMMARY_MODEL, Summarizer

    summarizer = Summarizer(model or DEFAULT_SUMMARY_MODEL, revision=revision, params=gen, runtime=runtime, cache=_cache(cache), max_input_tokens=max_input_tokens)
    if isinstance(text, str):
        return summarizer.summarize(text)
    return summarizer.summarize_many(list(text))


def translate(
    sentences: str | Sequence[str] | Sequence[Sentence],
    target: str = "ru",
    *,
    model: str | None = None,
    revision: str | None = None,
    target_token: str | None = None,
    source_lang: str = "en",
    runtime: Runtime | None = None,
    cache: Any = None,
    **gen: Any,
) -> TranslationSet:
    """Translate sentence by sentence. A list is translated item by item (aligned 1:1);
    a single string is split into sentences first. Always returns a TranslationSet.
    """
    from .segment import normalize, segment_article
    from .translation import Translator

    if isinstance(sentences, str):
        sentences = segment_article(normalize(sentences), "text", source_lang)
    translator = Translator(target, model, revision=revision, source_lang=source_lang, target_token=target_token, params=gen, runtime=runtime, cache=_cache(cache))
    return translator.translate(list(sentences))
