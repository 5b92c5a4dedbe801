"""Running a job to files or a stream: every article's digest set written whole, the index, and the tally.

The CLI calls these with its progress callbacks; other programs can call them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, ConfigError
from .inputs.reading import Input
from .languages import plural
from .options import JobSettings, check_formats
from .output.files import atomic_write_text, ensure_output_dir, index_entry, output_names, write_digest, write_index
from .output.render import render_digest, render_summary, render_translation_text
from .pipeline import Callbacks, Failure, JobStats, Pipeline
from .results import Digest, IndexEntry

Emit = Callable[[str], None]


@dataclass
class JobReport:
    """What a finished (or interrupted) job did."""

    inputs: int
    stats: JobStats
    failures: list[Failure] = field(default_factory=list)
    index: Path | None = None
    written: list[Path] = field(default_factory=list)
    interrupted: bool = False

    @property
    def skipped(self) -> int:
        return self.inputs - self.stats.done - self.stats.failed

    @property
    def exit_code(self) -> int:
        return EXIT_INTERRUPTED if self.interrupted else EXIT_PARTIAL if self.failures else EXIT_OK

    def describe(self) -> str:
        s = self.stats
        line = f"articles: {s.done} done, {s.failed} failed, {self.skipped} skipped"
        if s.translated or s.from_cache:
            line += f"; distinct sentences: {s.translated} translated, {s.from_cache} from cache"
            if s.repeats:  # the progress bars count every sentence, repeats too
                line += f", {plural(s.repeats, 'repeat')} served once"
        if s.summaries:
            line += f"; summaries: {s.summaries - s.summaries_from_cache} made, {s.summaries_from_cache} from cache"
        line += f"; {s.seconds:.1f} s"
        if s.flagged_outputs:
            codes = ", ".join(f"{n} {code}" for code, n in s.flagged.most_common())
            retried = f"; {s.retried} retried with stronger decoding" if s.retried else ""
            line += f"\nquality: {plural(s.flagged_outputs, 'output')} flagged: {codes}{retried}"
        if s.stand_in:
            line += "\nnote: stand-in models (random weights) made some outputs: they are noise, not translations"
        return line


def _sources(settings: JobSettings, pipeline: Pipeline) -> list[Input]:
    """Every article of the job (a JSON-lines file gives one per line), before any model runs."""
    sources = pipeline.inputs()  # the job's inputs expanded and listed, once
    if not sources:
        raise ConfigError("no inputs: give paths on the command line or `inputs` in the config")
    return sources


def run_job(
    settings: JobSettings,
    *,
    callbacks: Callbacks | None = None,
    emit: Emit | None = None,
    emit_format: str = "md",
    on_failure: Callable[[Failure], None] | None = None,
) -> JobReport:
    """Digests for every input: to `emit` if given (in `emit_format`: md, json or jsonl; see `Stream`),
    else files in `settings.output.dir` plus an index. A fatal error stops the job; what was already
    written stays complete."""
    pipeline = Pipeline(settings)  # opens the cache: a corrupt one fails here
    sources = _sources(settings, pipeline)
    pipeline.prepare()  # resolves every model (loads none): a missing one fails here
    out_dir = None if emit else ensure_output_dir(settings.output.dir)
    names = output_names(sources)
    report = JobReport(inputs=len(sources), stats=pipeline.stats)
    entries: list[IndexEntry] = []
    several = len(sources) > 1

    def render(d: Digest, fmt: str) -> str:
        return render_translation_text(d, header=several) if fmt == "txt" else render_digest(d, fmt)

    stream = Stream(emit, emit_format, render) if emit is not None else None
    try:
        for result in pipeline.run(sources, callbacks=callbacks):
            if isinstance(result, Failure):
                report.failures.append(result)
                entries.append(IndexEntry.failed(result.source, result.error, title=result.source))
                if on_failure:
                    on_failure(result)
            elif stream is not None:
                stream.add(result)
            else:
                paths = write_digest(result, out_dir, names[result.article.source], settings.output.formats)
                report.written += paths
                entries.append(index_entry(result, paths, out_dir))
    except KeyboardInterrupt:
        report.interrupted = True
    if stream is not None:
        stream.close()
    if out_dir is not None and entries:
        report.index = write_index(entries, out_dir)
    return report


def run_summaries(
    settings: JobSettings,
    fmt: str,
    *,
    out_dir: Path | None = None,
    emit: Emit,
    callbacks: Callbacks | None = None,
    on_failure: Callable[[Failure], None] | None = None,
    on_written: Callable[[Path], None] | None = None,
) -> JobReport:
    """Summaries only (`summarizer summarize`): each file `<stem>.summary.<fmt>` in `out_dir` as soon as
    it exists, or to `emit` (see `Stream`: JSON is always one array, JSONL one line per article)."""
    (fmt,) = check_formats([fmt], kind="summary")
    pipeline = Pipeline(settings)
    sources = _sources(settings, pipeline)
    pipeline.prepare()
    folder = ensure_output_dir(out_dir) if out_dir is not None else None
    names = output_names(sources)
    report = JobReport(inputs=len(sources), stats=pipeline.stats)
    several = len(sources) > 1
    stream = Stream(emit, fmt, lambda d, f: render_summary(d, f, header=several)) if folder is None else None
    try:
        for result in pipeline.run(sources, callbacks=callbacks):
            if isinstance(result, Failure):
                report.failures.append(result)
                if on_failure:
                    on_failure(result)
            elif stream is not None:
                stream.add(result)
            else:
                path = atomic_write_text(
                    folder / f"{names[result.article.source]}.summary.{fmt}", render_summary(result, fmt)
                )
                report.written.append(path)
                if on_written:
                    on_written(path)
    except KeyboardInterrupt:
        report.interrupted = True
    if stream is not None:
        stream.close()
    return report


class Stream:
    """Results to a stream as each article finishes, in a shape that doesn't depend on how many there
    are: `jsonl` one JSON object per line; `json` one array, written at the end; any other format each
    article's text in turn."""

    def __init__(self, emit: Emit, fmt: str, render: Callable[[Digest, str], str]):
        self.emit, self.fmt, self.render = emit, fmt, render
        self.items: list[Any] = []

    def add(self, digest: Digest) -> None:
        if self.fmt == "json":
            self.items.append(json.loads(self.render(digest, "json")))
        else:
            text = self.render(digest, self.fmt)
            self.emit(text.rstrip("\n") if self.fmt in ("jsonl", "txt") else text)  # emit ends the line

    def close(self) -> None:
        if self.fmt == "json":
            self.emit(json.dumps(self.items, ensure_ascii=False, indent=2))


__all__ = ["JobReport", "Stream", "run_job", "run_summaries"]
