"""Measuring: score translations or summaries against references (`summarizer evaluate`), producing them
first with the configured model when no hypothesis is given, and checking anyone's translations
line by line (`summarizer check`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.flags import RunOptions
from ..config.merge import resolve_cache, resolve_job
from ..errors import ConfigError, UnknownLanguageError
from ..languages import LANGUAGES, check_language_code
from ..options import QualityOptions
from ..results import QualityFlag
from .metrics import (
    SummaryScores,
    TranslationScores,
    check_aligned,
    read_lines,
    read_summary_jsonl,
    summary_scores,
    translation_scores,
)

TASKS = ("translate", "summarize")


@dataclass(frozen=True)
class Evaluation:
    """Scores of one system on one test set, and where its outputs came from."""

    task: str
    scores: TranslationScores | SummaryScores
    system: str  # "file out.ru.txt", or the model that made the outputs here
    flagged: Counter = field(default_factory=Counter)  # quality flags of outputs made here, by code

    def as_dict(self) -> dict[str, Any]:
        data = {"task": self.task, "system": self.system, **self.scores.as_dict()}
        if self.flagged:
            data["flagged"] = dict(self.flagged.most_common())
        return data

    def rows(self) -> list[tuple[str, str]]:
        rows = [("task", self.task), ("system", self.system), *self.scores.rows()]
        if self.flagged:
            rows.append(("quality flags", ", ".join(f"{n} {code}" for code, n in self.flagged.most_common())))
        return rows


def _known(lang: str, where: str, model: str | None = None) -> str:
    check_language_code(lang, where=where)
    if model is None and lang not in LANGUAGES:
        known = ", ".join(sorted(LANGUAGES))
        raise UnknownLanguageError(f"{where}: unknown language {lang!r}; known: {known} (or give --model for it)")
    return lang


def evaluate_translation(
    src: str | Path,
    ref: str | Path,
    *,
    lang: str,
    hyp: str | Path | None = None,
    model: str | None = None,
    options: RunOptions | None = None,
) -> Evaluation:
    """sacreBLEU BLEU and chrF of `hyp` (line-aligned with `src` and `ref`), or of our own translation of
    `src` with `model` (default: the registry's for `lang`) under the usual options when `hyp` is None."""
    if hyp is None:
        _known(lang, "--lang", model)  # a model must exist for it
    else:
        check_language_code(lang, where="--lang")  # any language can be scored
    sources, refs = read_lines(src), read_lines(ref)
    named = {str(src): sources, str(ref): refs}
    if hyp is not None:
        hyps = read_lines(hyp)
        check_aligned({**named, str(hyp): hyps})
        return Evaluation("translate", translation_scores(hyps, refs, lang=lang), f"file {hyp}")
    check_aligned(named)
    from ..pipeline import Pipeline

    opts = (options or RunOptions()).with_value("targets", None, (lang,)).with_value("summary", "enabled", False)
    if model is not None:
        opts = opts.with_value("models", None, {lang: model})
    translator = Pipeline(resolve_job(None, opts)).translator(lang)
    result = translator.translate(sources)
    flagged = Counter(f.code for t in result.translations for f in t.flags)
    return Evaluation("translate", translation_scores(result.texts, refs, lang=lang), result.model.label(), flagged)


def evaluate_summaries(
    jsonl: str | Path,
    *,
    hyp_field: str | None = None,
    lang: str = "en",
    model: str | None = None,
    options: RunOptions | None = None,
) -> Evaluation:
    """ROUGE-1/2/Lsum of the summaries in field `hyp_field` (default `hypothesis`), or of our own
    summaries of `article` when that field is absent from the file."""
    check_language_code(lang, where="--lang")
    items = read_summary_jsonl(jsonl, hyp_field=hyp_field or "hypothesis")
    refs = [item.reference for item in items]
    if items[0].hypothesis is not None:
        hyps = [item.hypothesis or "" for item in items]
        return Evaluation(
            "summarize", summary_scores(hyps, refs, lang=lang), f"file {jsonl}, field {hyp_field or 'hypothesis'}"
        )
    from ..pipeline import Pipeline

    opts = (options or RunOptions()).with_value("", "source_lang", lang)
    if model is not None:
        opts = opts.with_value("summary", "model", model)
    summarizer = Pipeline(resolve_job(None, opts.with_value("summary", "enabled", True))).summarizer
    summaries = summarizer.summarize_many([item.article for item in items])
    flagged = Counter(f.code for s in summaries for f in s.flags)
    scores = summary_scores([s.text for s in summaries], refs, lang=lang)
    return Evaluation("summarize", scores, summarizer.model_info.label(), flagged)


def evaluate(task: str = "translate", **kwargs: Any) -> Evaluation:
    """The Python API of `summarizer evaluate`: `evaluate(src=..., ref=..., lang="ru", hyp=None)` or
    `evaluate("summarize", jsonl=..., hyp_field=None)`. Options go in `options=RunOptions.of(...)`."""
    if task == "translate":
        return evaluate_translation(**kwargs)
    if task == "summarize":
        return evaluate_summaries(**kwargs)
    raise ConfigError(f"--task: expected one of {', '.join(TASKS)}, got {task!r}")


@dataclass(frozen=True)
class LineCheck:
    """The flags of one line of a checked file (1-based `line`); empty for a clean line."""

    line: int
    flags: tuple[QualityFlag, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "flags": [{"code": f.code, "message": f.message, "score": f.score} for f in self.flags],
        }


def check_files(
    src: str | Path,
    hyp: str | Path,
    *,
    lang: str,
    source_lang: str = "en",
    adequacy: bool = False,
    options: RunOptions | None = None,
) -> list[LineCheck]:
    """The quality checks on any line-aligned source and translation files."""
    _known(lang, "--lang")
    sources, outputs = read_lines(src), read_lines(hyp)
    check_aligned({str(src): sources, str(hyp): outputs})
    from ..cache import Cache, MemoryCache
    from ..quality.review import TranslationReviewer

    opts = options or RunOptions()
    cache_options = resolve_cache(opts)
    cache = Cache(cache_options.dir) if cache_options.enabled and adequacy else MemoryCache()
    reviewer = TranslationReviewer(lang, source_lang, QualityOptions(adequacy=adequacy), cache=cache)
    return [LineCheck(i, f) for i, f in enumerate(reviewer.review(sources, outputs), start=1)]


def describe_checks(lines: Sequence[LineCheck]) -> str:
    """`12 of 1012 lines flagged: 7 number-mismatch, 5 length-ratio`."""
    flagged = [c for c in lines if c.flags]
    if not flagged:
        return f"0 of {len(lines)} lines flagged"
    codes = Counter(f.code for c in flagged for f in c.flags)
    return f"{len(flagged)} of {len(lines)} lines flagged: " + ", ".join(f"{n} {c}" for c, n in codes.most_common())
