"""Running a job to files or a stream: every article's digest set written whole, the index, and the tally.

Files go through an `OutputGuard` (output/files.py): no output path may be an input, inside a folder being
read as input, or a file this tool did not write; every path is checked before anything runs. The CLI
calls these with its progress callbacks; other programs can call them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, ConfigError, SummarizerError
from .inputs.feeds import feeds_line
from .inputs.reading import Input
from .languages import plural
from .options import FeedOptions, JobSettings, check_formats
from .output.edition import (
    EDITION_NAMES,
    archived_editions,
    build_edition,
    feed_names,
    kept_edition,
    recent_stories,
    write_edition,
)
from .output.files import (
    INDEX_NAMES,
    OutputGuard,
    atomic_write_text,
    digest_file_names,
    index_entry,
    output_names,
    write_digest,
    write_index,
)
from .output.render import render_digest, render_summary, render_translation_text
from .pipeline import Callbacks, Failure, JobStats, Pipeline
from .results import Digest, EditionStory, IndexEntry

Emit = Callable[[str], None]


@dataclass
class JobReport:
    """What a finished (or interrupted) job did."""

    inputs: int
    stats: JobStats
    failures: list[Failure] = field(default_factory=list)
    index: Path | None = None
    written: list[Path] = field(default_factory=list)
    digests: list[list[Path]] = field(default_factory=list)  # per article: its all-languages files, by format
    interrupted: bool = False
    all_items: bool = False  # feeds: --all digested every item again
    edition: list[Path] = field(default_factory=list)  # a job that read feeds: the edition and translated feeds
    edition_kept: str | None = None  # nothing new: the day of the last edition with stories, which stays

    @property
    def skipped(self) -> int:
        return self.inputs - self.stats.done - self.stats.failed

    @property
    def exit_code(self) -> int:
        return EXIT_INTERRUPTED if self.interrupted else EXIT_PARTIAL if self.failures else EXIT_OK

    def describe(self) -> str:
        s = self.stats
        line = f"articles: {s.done} done, {s.failed} failed, {self.skipped} skipped"
        if self.skipped:
            line += f" ({self._skipped_why()})"
        if s.translated or s.from_cache or s.human:
            line += f"; distinct sentences: {s.translated} translated, {s.from_cache} from cache"
            if s.human:
                line += f", {s.human} from the translation memory"
            if s.repeats:  # the progress bars count every sentence, repeats too
                line += f", {plural(s.repeats, 'repeat')} served once"
        if s.summaries:
            line += f"; summaries: {s.summaries - s.summaries_from_cache} made, {s.summaries_from_cache} from cache"
        line += f"; {s.seconds:.1f} s"
        fed = feeds_line(s.feeds, all_items=self.all_items)
        if fed:
            line += "\n" + fed
        if self.edition_kept:
            line += f"\nedition: nothing new; edition.html still shows the last one with stories ({self.edition_kept})"
        if s.flagged_outputs or s.retried or s.protected:
            line += "\n" + self._quality_line()
        if s.stand_in:
            line += f"\nnote: stand-in models (random weights) made {self._stand_in_parts()}: that output is noise"
        return line

    def _skipped_why(self) -> str:
        """Why articles listed were not digested: feed items whose article reads as before, the rest not
        reached before an interruption."""
        same = min(self.stats.feeds["same_article"], self.skipped)
        rest = self.skipped - same
        why = [f"{same} feed {'item' if same == 1 else 'items'} whose article reads as before"] if same else []
        if rest:
            why.append(f"{rest} not reached{': interrupted' if self.interrupted else ''}")
        return "; ".join(why)

    def _quality_line(self) -> str:
        """One number per thing: translations flagged of those checked (after any retry), summaries flagged,
        and of the translations retried (their first output was flagged) how many pass now."""
        s = self.stats
        counts = [f"{s.translations_flagged} of {plural(s.translations_checked, 'translation')} flagged"]
        if s.summaries_flagged:
            counts.append(f"{s.summaries_flagged} of {plural(s.summaries, 'summary', 'summaries')}")
        line = "quality: " + ", ".join(counts)
        if s.flagged:
            line += " (" + ", ".join(f"{n} {code}" for code, n in s.flagged.most_common()) + ")"
        if s.retried:
            line += (
                f"; {s.retried} retried with stronger decoding because their first output was flagged: "
                f"{s.retried_passed} pass now, {s.retried - s.retried_passed} still flagged"
            )
        if s.protected:
            line += f"; {s.protected} kept from a retry with the facts protected (fewer facts lost)"
        return line

    def _stand_in_parts(self) -> str:
        made = self.stats.stand_in_made
        parts = ["the summaries"] if "summaries" in made else []
        targets = [part for part in made if part != "summaries"]
        if targets:
            parts.append(f"the translations into {', '.join(targets)}")
        return " and ".join(parts) or "some outputs"


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

    out_dir = settings.output.dir if emit is None else None

    def sink(sources: list[Input], report: JobReport) -> Sink:
        if out_dir is not None:
            guard = OutputGuard(out_dir, sources, settings.inputs)
            targets = [t.lang for t in settings.targets]
            # A job that reads feeds also writes the edition and a translated feed per language.
            # A feed that failed (HTTP 500) yields no item: an earlier edition in the folder still says it is one.
            feeds = any(s.item is not None for s in sources) or any(report.stats.feeds.values())
            feeds = feeds or (any(s.error for s in sources) and (Path(out_dir) / EDITION_NAMES[-1]).is_file())
            edition = settings.feeds if feeds else None
            return DigestFiles(guard, output_names(sources), settings.output.formats, targets, report, edition)
        several = len(sources) > 1

        def render(d: Digest, fmt: str) -> str:
            return render_translation_text(d, header=several) if fmt == "txt" else render_digest(d, fmt)

        return Stream(emit, emit_format, render)

    return _run(settings, sink, callbacks, on_failure, out_dir)


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

    def sink(sources: list[Input], report: JobReport) -> Sink:
        if out_dir is not None:
            guard = OutputGuard(out_dir, sources, settings.inputs)
            return SummaryFiles(guard, output_names(sources), fmt, report, on_written)
        several = len(sources) > 1
        return Stream(emit, fmt, lambda d, f: render_summary(d, f, header=several))

    return _run(settings, sink, callbacks, on_failure, out_dir)


def _run(
    settings: JobSettings,
    make_sink: Callable[[list[Input], JobReport], Sink],
    callbacks: Callbacks | None,
    on_failure: Callable[[Failure], None] | None,
    out_dir: Path | None = None,
) -> JobReport:
    """The one job loop: open the cache, list the inputs (never `out_dir` or this tool's own files), check
    every output path, resolve every model, open the outputs, then hand each result to the sink as it
    finishes. Ctrl-C (or SIGTERM, in the CLI) ends the loop, and what the sink already has is kept."""
    pipeline = Pipeline(settings)  # opens the cache: a corrupt one fails here
    try:
        sources = pipeline.inputs(out_dir=out_dir)  # the job's inputs expanded and listed, once
        if not sources and not any(pipeline.stats.feeds.values()):  # feeds with nothing new are not an error
            raise ConfigError("no inputs: give paths on the command line or `inputs` in the config")
        report = JobReport(inputs=len(sources), stats=pipeline.stats, all_items=settings.feeds.all)
        sink = make_sink(sources, report)  # refuses an output that would replace an input or a file not ours
        pipeline.prepare()  # resolves every model (loads none): a missing one fails here
        sink.open()  # creates the output folder, proves it writable, and clears stale staging folders
    except BaseException:
        pipeline.feeds().release()
        pipeline.cache.discard_if_unused()  # nothing ran: a cache this run created goes too
        raise
    try:
        for result in pipeline.run(sources, callbacks=callbacks):
            if isinstance(result, Failure):
                report.failures.append(result)
                sink.failed(result)
                if on_failure:
                    on_failure(result)
            else:
                sink.add(result)
                pipeline.feeds().digested(result.article.source)  # a feed's item: remembered once written
    except KeyboardInterrupt:
        report.interrupted = True
    finish = getattr(sink, "finish", None)
    try:
        if finish is not None and not report.interrupted:
            finish(pipeline)  # a feed job's edition and translated feeds
    finally:
        sink.close()  # the index is written whatever became of them
    return report


def _story_groups(digests: list[Digest], earlier: list[EditionStory], pipeline: Pipeline) -> list[int]:
    """A group number per digest, then per earlier story: the same story across sources (tasks/grouping.py);
    each its own group when the embedding model is not installed (the log says so)."""
    from .tasks.grouping import group_stories, story_text

    texts = []
    for d in digests:
        lead = [s.text for s in d.summary_sentences] or [s.text for s in d.article.sentences]
        texts.append(story_text(d.article.title, lead))
    texts += [story_text(s.title, [s.summary]) for s in earlier]
    try:
        return group_stories(texts, cache=pipeline.cache)
    except ImportError as exc:
        import logging

        logging.getLogger(__name__).warning("stories are not grouped: %s (pip install 'summarizer[embeddings]')", exc)
        return list(range(len(texts)))


class Sink(Protocol):
    """Where a job's results go as they finish: made (and its paths checked) before anything runs, opened
    once the models are resolved."""

    def open(self) -> None: ...
    def add(self, digest: Digest) -> None: ...
    def failed(self, failure: Failure) -> None: ...
    def close(self) -> None: ...


class DigestFiles:
    """Each article's digest set written whole into the guard's folder, then the index of them all.

    Every file it will write (each article's set for `targets`, and the index) is checked when it is made."""

    def __init__(
        self,
        guard: OutputGuard,
        names: dict[str, str],
        formats: tuple[str, ...],
        targets: list[str],
        report: JobReport,
        edition: FeedOptions | None = None,
    ):
        self.guard, self.out_dir, self.names, self.formats, self.report = guard, guard.folder, names, formats, report
        self.entries: list[IndexEntry] = []
        self.targets, self.edition = targets, edition
        self.digests: list[tuple[Digest, str | None]] = []  # for the edition: each digest and its page
        planned = [name for stem in names.values() for name, _, _ in digest_file_names(stem, targets, formats)]
        extra = [*EDITION_NAMES, *feed_names(targets)] if edition is not None else []
        guard.check([*planned, *INDEX_NAMES, *extra])

    def open(self) -> None:
        self.guard.open()

    def add(self, digest: Digest) -> None:
        stem = self.names[digest.article.source]
        paths = write_digest(digest, self.out_dir, stem, self.formats, guard=self.guard)
        self.report.written += paths
        targets = [lang.target for lang in digest.languages]
        files = digest_file_names(stem, targets, self.formats)
        self.report.digests.append([path for path, (_, _, lang) in zip(paths, files, strict=True) if lang is None])
        self.entries.append(index_entry(digest, paths, self.out_dir))
        if self.edition is not None:
            page = next((p for p in self.report.digests[-1] if p.suffix == ".html"), None)
            self.digests.append((digest, page.relative_to(self.out_dir).as_posix() if page else None))

    def finish(self, pipeline: Pipeline) -> None:
        """A job that read feeds: the edition of this run's stories, grouped, and the translated feeds."""
        if self.edition is None:
            return
        import datetime

        now = datetime.datetime.now(datetime.UTC)
        digests = [d for d, _ in self.digests]
        kept = None if digests else kept_edition(self.out_dir)
        if kept is not None:  # nothing new (or only broken feeds): the last edition with stories stays
            write_edition(kept, self.out_dir, keep=self.edition.keep, base_url=None, guard=self.guard, again=True)
            self.report.edition_kept = kept.created[:10]
            return
        titles = pipeline.translate_titles(digests)
        earlier = recent_stories(self.out_dir, now=now) if digests else []
        groups = _story_groups(digests, earlier, pipeline)
        hrefs = {d.article.source: href for d, href in self.digests if href}
        edition = build_edition(
            digests,
            titles=titles,
            hrefs=hrefs,
            groups=groups[: len(digests)],
            targets=self.targets,
            title=self.edition.title,
            now=now,
            earlier=earlier,
            earlier_groups=groups[len(digests) :],
        )
        self.report.edition = write_edition(
            edition, self.out_dir, keep=self.edition.keep, base_url=self.edition.base_url, guard=self.guard
        )
        self.report.written += self.report.edition

    def failed(self, failure: Failure) -> None:
        self.entries.append(IndexEntry.failed(failure.source, failure.error, title=failure.source))

    def close(self) -> None:
        entries = self.entries
        if self.edition is not None:  # feeds: each run digests what is new; the index lists every digest so far
            entries = entries + _earlier_entries(self.out_dir, {e.source for e in entries})
        if entries:
            edition = self.edition is not None and (self.out_dir / EDITION_NAMES[0]).is_file()
            self.report.index = write_index(
                entries, self.out_dir, guard=self.guard, editions=archived_editions(self.out_dir) if edition else None
            )


def _earlier_entries(out_dir: Path, current: set[str]) -> list[IndexEntry]:
    """The entries of the folder's index (`index.json`) that this run did not replace and whose files are
    all still there; none when there is no index or it can't be read."""
    from .output.render.json import index_from_json

    try:
        entries = index_from_json((out_dir / "index.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SummarizerError):
        return []
    return [
        e
        for e in entries
        if e.source not in current
        and e.status == "ok"
        and all((out_dir / unquote(link.href)).is_file() for link in e.links)
    ]


class SummaryFiles:
    """Each article's summary as `<stem>.summary.<fmt>` in the guard's folder, as soon as it exists; every
    name is checked when it is made."""

    def __init__(
        self,
        guard: OutputGuard,
        names: dict[str, str],
        fmt: str,
        report: JobReport,
        on_written: Callable[[Path], None] | None = None,
    ):
        self.guard, self.folder, self.names, self.fmt = guard, guard.folder, names, fmt
        self.report, self.on_written = report, on_written
        guard.check(f"{stem}.summary.{fmt}" for stem in names.values())

    def open(self) -> None:
        self.guard.open()

    def add(self, digest: Digest) -> None:
        name = f"{self.names[digest.article.source]}.summary.{self.fmt}"
        path = atomic_write_text(self.folder / name, render_summary(digest, self.fmt), guard=self.guard)
        self.report.written.append(path)
        if self.on_written:
            self.on_written(path)

    def failed(self, failure: Failure) -> None:
        pass

    def close(self) -> None:
        pass


class Stream:
    """Results to a stream as each article finishes, in a shape that doesn't depend on how many there
    are: `jsonl` one JSON object per line; `json` one array, written at the end; any other format each
    article's text in turn."""

    def __init__(self, emit: Emit, fmt: str, render: Callable[[Digest, str], str]):
        self.emit, self.fmt, self.render = emit, fmt, render
        self.items: list[Any] = []

    def open(self) -> None:
        pass

    def add(self, digest: Digest) -> None:
        if self.fmt == "json":
            self.items.append(json.loads(self.render(digest, "json")))
        else:
            text = self.render(digest, self.fmt)
            self.emit(text.rstrip("\n") if self.fmt in ("jsonl", "txt") else text)  # emit ends the line

    def failed(self, failure: Failure) -> None:
        pass  # the caller's on_failure reports it; a stream holds results only

    def close(self) -> None:
        if self.fmt == "json":
            self.emit(json.dumps(self.items, ensure_ascii=False, indent=2))


__all__ = ["DigestFiles", "JobReport", "Sink", "Stream", "SummaryFiles", "run_job", "run_summaries"]
