"""The Python API: `summarize` and `translate` for one call, `Pipeline` for whole jobs.

The CLI is a thin layer over these functions. Settings not passed here come from the environment
and the defaults, resolved by `config` exactly as for the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

from .errors import ConfigError, InputError
from .options import QualityOptions, RuntimeOptions
from .results import Sentence, Summary, TranslationSet


def _cache(cache: Any):
    """None: no cache; a path: a Cache there; a Cache (or NullCache/MemoryCache): used as is."""
    from .cache import Cache, NullCache

    if cache is None or cache is False:
        return NullCache()
    if isinstance(cache, (str, Path)):
        return Cache(cache)
    return cache


def _worker(runtime: RuntimeOptions | None, quality: QualityOptions | None):
    """The WorkerOptions of one call: the runtime options (the environment's, unless given) and the quality
    options (the defaults, unless given); converted models go in the cache folder, as the CLI's do."""
    from .config.merge import resolve_runtime
    from .options import WorkerOptions

    if runtime is not None and not isinstance(runtime, RuntimeOptions):
        raise InputError(f"runtime must be a summarizer.RuntimeOptions, got {type(runtime).__name__}")
    if quality is not None and not isinstance(quality, QualityOptions):
        raise InputError(
            f"quality must be a summarizer.QualityOptions, for example QualityOptions(checks=False), "
            f"got {type(quality).__name__}"
        )
    return WorkerOptions(runtime or resolve_runtime(), quality or QualityOptions())


def _engine(runtime: RuntimeOptions):
    """The engine `runtime.engine` names (Ray settings from the environment: SUMMARIZER_RAY_ADDRESS)."""
    from .config.merge import resolve_ray
    from .engines import make_engine

    return make_engine(runtime, resolve_ray() if runtime.engine == "ray" else None)


def _texts(value: Any, what: str, allow: tuple[type, ...] = (str,)) -> None:
    """A SummarizerError, not a TypeError deep inside, for input that is not text."""
    if isinstance(value, (bytes, bytearray)):
        raise InputError(f"{what}: got bytes; decode them to str first (for example data.decode('utf-8'))")
    if isinstance(value, str):
        return
    if not isinstance(value, Sequence):
        raise InputError(f"{what}: expected a string or a list of strings, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, allow):
            names = " or ".join(t.__name__ for t in allow)
            raise InputError(f"{what}: item {i} is {type(item).__name__}, expected {names}")


def _read(text: str) -> str:
    """A text as the CLI reads a file: normalized, its metadata (a leading `date YYYY-MM-DD`, front matter)
    off the top, so the API and `summarizer summarize FILE` see the same sentences."""
    from .inputs.reading import article_text

    return article_text(text, "text")[0]


@overload
def summarize(
    text: str,
    *,
    method: str = ...,
    sentences: int = ...,
    model: str | None = ...,
    revision: str | None = ...,
    runtime: RuntimeOptions | None = ...,
    quality: QualityOptions | None = ...,
    cache: Any = ...,
    max_input_tokens: int | None = ...,
    long_input: str = ...,
    embedding_model: str = ...,
    lang: str = ...,
    **gen: Any,
) -> Summary: ...
@overload
def summarize(
    text: Sequence[str],
    *,
    method: str = ...,
    sentences: int = ...,
    model: str | None = ...,
    revision: str | None = ...,
    runtime: RuntimeOptions | None = ...,
    quality: QualityOptions | None = ...,
    cache: Any = ...,
    max_input_tokens: int | None = ...,
    long_input: str = ...,
    embedding_model: str = ...,
    lang: str = ...,
    **gen: Any,
) -> list[Summary]: ...


def summarize(
    text,
    *,
    method="abstractive",
    sentences=3,
    model=None,
    revision=None,
    runtime=None,
    quality=None,
    cache=None,
    max_input_tokens=None,
    long_input="map-reduce",
    embedding_model="bundled",
    lang="en",
    **gen,
):
    """Summarize one text (-> Summary) or a list of texts (-> list[Summary], same order).

    `method`: "abstractive" (a model writes it; `gen` are its generation options: num_beams,
    max_new_tokens, ...; unknown ones raise ConfigError), "extractive" (`sentences` chosen with sentence
    embeddings, each keeping its id in `Summary.source_ids`) or "lead" (the first `sentences`).
    `lang` is the texts' language, or "auto" to detect each one's. A text in a language the abstractive
    model doesn't summarize (distilbart-cnn: English only) is summarized extractively, and its
    `Summary.warnings` say so. `quality=QualityOptions(checks=False)` turns the checks off (no
    `Summary.flags`), as `--no-checks` does; `adequacy=True` adds the adequacy check.
    """
    from .options import DEFAULT_SUMMARY_MODEL, SummaryOptions
    from .tasks.summarizing import make_summarizer

    _texts(text, "summarize")
    if method != "abstractive" and gen:
        raise ConfigError(f"generation options ({', '.join(sorted(gen))}) apply to method='abstractive' only")
    section = SummaryOptions(  # the same checks as a job file's [summary]
        model=DEFAULT_SUMMARY_MODEL if model is None else model,
        revision=revision,
        method=method,
        sentences=sentences,
        max_input_tokens=max_input_tokens,
        long_input=long_input,
        embedding_model=embedding_model,
        params=gen,
    )
    worker = _worker(runtime, quality)
    engine = _engine(worker.runtime) if method == "abstractive" else None  # extractive and lead run here
    summarizer = make_summarizer(section, worker, lang=lang, cache=_cache(cache), engine=engine)
    try:
        if isinstance(text, str):
            return summarizer.summarize(_read(text))
        return summarizer.summarize_many([_read(t) for t in text])
    finally:
        if engine is not None:
            engine.close()


def translate(
    sentences: str | Sequence[str] | Sequence[Sentence],
    target: str = "ru",
    *,
    model: str | None = None,
    revision: str | None = None,
    target_token: str | None = None,
    source_lang: str = "en",
    runtime: RuntimeOptions | None = None,
    quality: QualityOptions | None = None,
    cache: Any = None,
    **gen: Any,
) -> TranslationSet:
    """Translate sentence by sentence. A list is translated item by item (aligned 1:1);
    a single string is split into sentences first. Always returns a TranslationSet.
    `source_lang` is their language, or "auto" to detect it from all of them together; without `model`
    the registry's model for the pair translates (see `summarizer.models.catalogue.pair_model`).
    `quality=QualityOptions(retry=False)` keeps the first translation of a flagged sentence, as `--no-retry`
    does; `checks=False` turns the checks off as well (no `Translation.flags`, no retry).
    """
    from .inputs.reading import detect_language
    from .inputs.segmenting import segment_article
    from .languages import AUTO, check_language_code
    from .options import TargetOptions
    from .tasks.translating import Translator

    _texts(sentences, "translate", (str, Sentence))
    if source_lang == AUTO:
        texts = [sentences] if isinstance(sentences, str) else [getattr(s, "text", s) for s in sentences]
        source_lang = detect_language(" ".join(texts))[0]
    else:
        check_language_code(source_lang, where="source_lang")
    if isinstance(sentences, str):
        sentences = segment_article(_read(sentences), "text", source_lang)
    worker = _worker(runtime, quality)
    engine = _engine(worker.runtime)
    section = TargetOptions(target, model, revision=revision, target_token=target_token, params=gen)
    translator = Translator(section, worker, source_lang=source_lang, cache=_cache(cache), engine=engine)
    try:
        return translator.translate(list(sentences))
    finally:
        engine.close()
