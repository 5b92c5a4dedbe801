"""Measuring: score translations or summaries against references (`summarizer evaluate`), producing them
first with the configured model when no hypothesis is given, and checking anyone's translations
line by line (`summarizer check`)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from ..config.flags import RunOptions
from ..config.merge import resolve_cache, resolve_job
from ..errors import ConfigError, InputError, UnknownLanguageError
from ..inputs.reading import SURE_DETECTION, detect_language
from ..languages import LANGUAGES, check_language_code, same_language
from ..options import Glossary, QualityOptions
from ..results import QualityFlag
from .metrics import (
    SummaryItem,
    SummaryScorer,
    SummaryScores,
    TranslationScorer,
    TranslationScores,
    check_aligned,
    check_counts,
    check_rouge_script,
    count_lines,
    iter_lines,
    iter_summary_jsonl,
    mostly_latin,
    read_lines,
)

log = logging.getLogger(__name__)

TASKS = ("translate", "summarize")
# Lines (or documents) read, made and scored at once: only one batch's texts and sacreBLEU statistics
# (tens of kilobytes a sentence) are held, whatever the size of the test set.
BATCH = 500
_DETECT_CHARS = 3000  # of the references, to identify their language

# (lines or documents done, how many there are): called after each batch, and while a model works on one.
OnProgress = Callable[[int, int], None]
T = TypeVar("T")


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
    source_lang: str | None = None,
    hyp: str | Path | None = None,
    model: str | None = None,
    options: RunOptions | None = None,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Evaluation:
    """sacreBLEU BLEU and chrF of `hyp` (line-aligned with `src` and `ref`), or of our own translation of
    `src` (in `source_lang`, default English) with `model` (default: the registry's for the pair) under
    the usual options when `hyp` is None.

    The files are read line by line, `batch` lines at a time: first to check them (UTF-8, as many
    lines each) before anything is translated, then to translate and score."""
    if hyp is None:
        _known(lang, "--to", model)  # a model must exist for it
    else:
        check_language_code(lang, where="--to")  # any language can be scored
    if source_lang is not None:
        check_language_code(source_lang, where="--from")
    scorer = TranslationScorer(lang)
    paths = [src, ref] if hyp is None else [src, ref, hyp]
    counts = {str(path): count_lines(path) for path in paths}
    check_counts(counts)
    total = counts[str(src)]
    if progress:
        progress(0, total)
    if hyp is not None:
        done = 0
        for rows in _batches(zip(iter_lines(ref), iter_lines(hyp), strict=True), batch):
            refs, hyps = zip(*rows, strict=True)
            scorer.add(hyps, refs)
            done += len(rows)
            if progress:
                progress(done, total)
        return Evaluation("translate", scorer.scores(), f"file {hyp}")
    from ..pipeline import Pipeline

    opts = (options or RunOptions()).with_value("targets", None, (lang,)).with_value("summary", "enabled", False)
    if model is not None:
        opts = opts.with_value("models", None, {lang: model})
    if source_lang is not None:  # checked against the registry's pairs before anything loads
        opts = opts.with_value("", "source_lang", source_lang)
    translator = Pipeline(resolve_job(None, opts)).translator(lang)
    flagged: Counter = Counter()
    label, done = "", 0
    for rows in _batches(zip(iter_lines(src), iter_lines(ref), strict=True), batch):
        sources, refs = zip(*rows, strict=True)
        result = translator.translate(list(sources), progress=_within(progress, done, len(rows), total))
        flagged.update(f.code for t in result.translations for f in t.flags)
        label = result.model.label()
        scorer.add(result.texts, refs)
        done += len(rows)
        if progress:
            progress(done, total)
    return Evaluation("translate", scorer.scores(), label, flagged)


def evaluate_summaries(
    jsonl: str | Path,
    *,
    hyp_field: str | None = None,
    lang: str | None = None,
    model: str | None = None,
    options: RunOptions | None = None,
    progress: OnProgress | None = None,
    batch: int = BATCH,
) -> Evaluation:
    """ROUGE-1/2/Lsum of the summaries in field `hyp_field` (default `hypothesis`), or of our own
    summaries of `article` when that field is absent from the file.

    Without `lang` the language is detected from the references, as `--from auto` does for articles:
    English ROUGE keeps only a-z and 0-9, and would score Russian summaries 0. The file is read a line
    at a time, twice: to check every line (and find the language) first, then to score."""
    if lang is not None:
        check_language_code(lang, where="--from")
    field_name = hyp_field or "hypothesis"
    total, sample, first = 0, [], None
    suspect: tuple[str, str] | None = None  # the first reference English ROUGE would mostly delete
    for where, item in _numbered(iter_summary_jsonl(jsonl, hyp_field=field_name), jsonl):
        total += 1
        first = first or item
        if sum(len(text) for text in sample) < _DETECT_CHARS:
            sample.append(item.reference)
        if suspect is None and not mostly_latin(item.reference):
            suspect = (where, item.reference)
    assert first is not None  # iter_summary_jsonl refuses a file without items
    lang = lang or _references_language(" ".join(sample), jsonl)
    if suspect is not None:  # refused before any summary is made
        check_rouge_script(suspect[1], lang, suspect[0])
    scorer = SummaryScorer(lang)
    if progress:
        progress(0, total)
    items = iter_summary_jsonl(jsonl, hyp_field=field_name)
    if first.hypothesis is not None:
        for done, (where, item) in enumerate(_numbered(items, jsonl), 1):
            scorer.add(item.hypothesis or "", item.reference, where=where)
            if progress and (done % batch == 0 or done == total):
                progress(done, total)
        return Evaluation("summarize", scorer.scores(), f"file {jsonl}, field {field_name}")
    from ..pipeline import Pipeline

    opts = (options or RunOptions()).with_value("", "source_lang", lang)
    if model is not None:
        opts = opts.with_value("summary", "model", model)
    summarizer = Pipeline(resolve_job(None, opts.with_value("summary", "enabled", True))).summarizer
    flagged: Counter = Counter()
    done = 0
    for rows in _batches(_numbered(items, jsonl), batch):
        summaries = summarizer.summarize_many(
            [item.article for _, item in rows], progress=_within(progress, done, len(rows), total)
        )
        flagged.update(f.code for s in summaries for f in s.flags)
        for (where, item), summary in zip(rows, summaries, strict=True):
            scorer.add(summary.text, item.reference, where=where)
        done += len(rows)
        if progress:
            progress(done, total)
    return Evaluation("summarize", scorer.scores(), summarizer.model_info.label(), flagged)


def _references_language(sample: str, jsonl: str | Path) -> str:
    try:
        code, probability = detect_language(sample)
    except InputError:
        raise InputError(f"{jsonl}: the language of the references can't be identified; give it with --from") from None
    if probability < SURE_DETECTION:
        log.warning(
            "%s: the references' language was detected as %r with probability %.2f only; "
            "give it with --from if that is wrong",
            jsonl,
            code,
            probability,
        )
    else:
        log.info("%s: the references are in %r (detected, probability %.2f)", jsonl, code, probability)
    return code


def _numbered(items: Iterable[SummaryItem], jsonl: str | Path) -> Iterator[tuple[str, SummaryItem]]:
    """Each item with what names it in an error: the file and the item's line."""
    for item in items:
        yield f"{jsonl}:{item.line}", item


def _batches(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _within(progress: OnProgress | None, done: int, size: int, total: int) -> Callable[[int], None] | None:
    """A model's progress inside one batch (`n` more of its items done), as progress over the whole file."""
    if progress is None:
        return None
    count = 0

    def advance(n: int) -> None:
        nonlocal count
        count = min(size, count + n)
        progress(done + count, total)

    return advance


def evaluate(task: str = "translate", **kwargs: Any) -> Evaluation:
    """The Python API of `summarizer evaluate`: `evaluate(src=..., ref=..., lang="ru", hyp=None)` (and
    `source_lang`) or `evaluate("summarize", jsonl=..., hyp_field=None)`. Options go in
    `options=RunOptions.of(...)`, by the flag names: `RunOptions.of(method="extractive", sentences=3)`."""
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
    glossary: Glossary | str | Path | None = None,
    options: RunOptions | None = None,
    names: bool = False,
) -> list[LineCheck]:
    """The quality checks on any line-aligned source and translation files; with a `glossary` (or a
    .csv or .tbx file of one), `term-missing` too; with `names`, `name-mismatch`."""
    from ..quality.glossary import read_glossary

    _known(lang, "--to")
    check_language_code(source_lang, where="--from")
    if glossary is not None and not isinstance(glossary, Glossary):
        glossary = read_glossary(glossary)
    if glossary is not None and not same_language(source_lang.split("-")[0], glossary.source_lang):
        raise ConfigError(
            f"--from {source_lang}: the glossary ({glossary.origin}) has {glossary.source_lang} terms; "
            f"give --from {glossary.source_lang}, or a glossary whose first column is {source_lang}"
        )
    sources, outputs = read_lines(src), read_lines(hyp)
    check_aligned({str(src): sources, str(hyp): outputs})
    from ..cache import Cache, MemoryCache
    from ..quality.review import TranslationReviewer

    opts = options or RunOptions()
    cache_options = resolve_cache(opts)
    cache = Cache(cache_options.dir) if cache_options.enabled and adequacy else MemoryCache()
    quality = QualityOptions(adequacy=adequacy, glossary=glossary, names=names)
    flags = TranslationReviewer(lang, source_lang, quality, cache=cache).review(sources, outputs)
    return [LineCheck(i, f) for i, f in enumerate(flags, start=1)]


def describe_checks(lines: Sequence[LineCheck]) -> str:
    """`12 of 1012 lines flagged: 7 number-mismatch, 5 length-ratio`."""
    flagged = [c for c in lines if c.flags]
    if not flagged:
        return f"0 of {len(lines)} lines flagged"
    codes = Counter(f.code for c in flagged for f in c.flags)
    return f"{len(flagged)} of {len(lines)} lines flagged: " + ", ".join(f"{n} {c}" for c, n in codes.most_common())
