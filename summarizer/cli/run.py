"""`summarize`, `translate` and `digest`: a job from files or a job file, with progress, to files or stdout."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..config.flags import (
    CACHE,
    INPUT,
    OUT_DIR,
    OUTPUT,
    OUTPUT_PANEL,
    QUALITY,
    RUNTIME,
    SUMMARY,
    SUMMARY_ONLY,
    TRANSLATION,
    UI,
    RunOptions,
)
from ..errors import ConfigError
from .base import DIGEST_LANGS, ConfigPath, Paths, app, command, examples, printable, say

JOB_GROUPS = (INPUT, TRANSLATION, SUMMARY, OUTPUT, CACHE, QUALITY, RUNTIME, UI)  # translate's and digest's flags
STREAMED = ("txt", "md", "json", "jsonl")  # digest formats that `translate PATH --to` writes to stdout


def _run(settings, opts: RunOptions, *, to_stdout: str | None = None) -> None:
    """Run a translate/digest job with progress bars, print where it went and the tally, exit.
    `to_stdout`: a format of STREAMED to print the digests in, instead of writing files."""
    from ..jobs import run_job
    from .progress import ProgressDisplay

    quiet = opts.get("ui", "quiet", False)
    progress = ProgressDisplay(0, quiet=quiet, say=say)  # the job says how many articles once it has listed them
    try:
        report = run_job(
            settings,
            callbacks=progress.callbacks(),
            emit=typer.echo if to_stdout else None,
            emit_format=to_stdout or "md",
            on_failure=lambda f: progress.write(printable(f"error: {f.error}")),
        )
    finally:
        progress.close()
    if not quiet:
        for line in _where(report):
            say(line)
    _finish(report, quiet)


MOST_LISTED = 3  # articles whose digests are named one by one; more are named by their folder


def shown(path: Path) -> str:
    """A path as a person would type it: normalised (no `configs/../`), relative to the working folder
    when inside it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(absolute)


def _where(report) -> list[str]:
    """Where the job's files went: each digest (up to MOST_LISTED articles), else their folder, and the index."""
    lines = []
    if len(report.digests) <= MOST_LISTED:
        for files in report.digests:
            if files:
                also = ", ".join(p.suffix for p in files[1:])
                lines.append(f"digest: {shown(files[0])}" + (f" (also {also})" if also else ""))
    elif report.index is not None:
        lines.append(f"digests: {len(report.digests)} articles in {shown(report.index.parent)}/")
    if report.index is not None:
        lines.append(f"index: {shown(report.index)}")
    if report.edition:
        html, *rest = report.edition
        feeds = [p for p in rest if p.parent.name == "feeds"]
        lines.append(f"edition: {shown(html)} (also .email.html, .json)")
        if feeds:
            lines.append(f"translated feeds: {', '.join(shown(p) for p in feeds)}")
    return lines


def _finish(report, quiet: bool, *, tally: bool = True) -> None:
    """The closing lines (the tally, or with `tally=False` only the stand-in notice), then exit."""
    if not quiet:
        for line in report.describe().splitlines():
            if tally or line.startswith("note: stand-in"):
                say(line)
    if report.interrupted:
        raise KeyboardInterrupt
    raise typer.Exit(report.exit_code)


# ---- summarize, translate, digest --------------------------------------------------------------


@command(
    app,
    "summarize",
    INPUT,
    SUMMARY_ONLY,
    OUT_DIR,
    CACHE,
    QUALITY,
    RUNTIME,
    UI,
    epilog=examples(
        "summarizer summarize article.txt --method extractive --sentences 3",
        "summarizer summarize 'news/*.txt' --format json --out summaries/",
    ),
)
def summarize(
    paths: Paths = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="txt, md, json (always an array) or jsonl (a line per article).",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = "txt",
    *,
    opts: RunOptions,
) -> None:
    """Summarize files, folders, globs or stdin (-)."""
    from ..config.merge import resolve_job
    from ..jobs import run_summaries

    if not paths:
        raise ConfigError("summarize: give at least one file, folder, glob, or - for stdin")
    from .progress import ProgressDisplay

    settings = resolve_job(None, opts.with_value("", "inputs", tuple(paths)))
    quiet = opts.get("ui", "quiet", False)
    progress = ProgressDisplay(0, quiet=quiet, say=say, what="summaries")  # its total comes from the job
    try:
        report = run_summaries(
            settings,
            fmt,
            out_dir=opts.get("output", "dir"),
            emit=typer.echo,
            callbacks=progress.callbacks(),
            on_failure=lambda f: progress.write(printable(f"error: {f.error}")),
            on_written=None if quiet else lambda p: progress.write(printable(f"wrote {shown(p)}")),
        )
    finally:
        progress.close()
    _finish(report, quiet, tally=False)  # summaries are the output; a failure stays one line


def _one_off(opts: RunOptions) -> RunOptions:
    """`translate PATH... --to`: the full text unless a summary is asked for; Markdown to stdout."""
    what = opts.get("", "translate")
    wants_summary = bool(opts.get("summary", "enabled") or opts.get("summary", "model") or what in ("summary", "both"))
    defaults = RunOptions(
        {"summary": {"enabled": wants_summary}, "": {"translate": "summary" if wants_summary else "full"}}
    ).with_value("output", "formats", ("md",))
    return opts.over(defaults)


@command(
    app,
    "translate",
    *JOB_GROUPS,
    epilog=examples(
        "summarizer translate article.txt --to ru,ar",
        "summarizer translate article.txt --to ru --summarize --format html --out out/",
        "summarizer translate --config configs/seed.toml",
    ),
)
def translate(paths: Paths = None, config: ConfigPath = None, *, opts: RunOptions) -> None:
    """Translate sentence by sentence: a batch job from --config, or PATH... --to ru,ar."""
    from ..config.merge import resolve_job

    if paths:
        opts = opts.with_value("", "inputs", tuple(paths))
    if config is None:
        if not paths:
            raise ConfigError("translate: give --config JOB.toml, or files and --to LANGS")
        if opts.get("targets") is None:
            raise ConfigError("translate: --to is required without --config (for example --to az,ru,ar)")
        formats = opts.get("output", "formats") or ("md",)
        to_stdout = opts.get("output", "dir") is None and len(formats) == 1 and formats[0] in STREAMED
        _run(resolve_job(None, _one_off(opts)), opts, to_stdout=formats[0] if to_stdout else None)
    else:
        _run(resolve_job(config, opts), opts)


@command(
    app,
    "digest",
    *JOB_GROUPS,
    epilog=examples(
        "summarizer digest seeds/*.txt --to az,ru,ar --format html,md,json --out out/",
        "summarizer digest https://example.org/rss.xml --method extractive --out out/",
        "summarizer digest --config daily.toml",
    ),
)
def digest(paths: Paths = None, config: ConfigPath = None, *, opts: RunOptions) -> None:
    """Summarize, translate and write bilingual digests (HTML, Markdown, JSON) plus an index."""
    from ..config.merge import resolve_job

    if paths:
        opts = opts.with_value("", "inputs", tuple(paths))
    if config is not None:
        _run(resolve_job(config, opts), opts)
        return
    if not paths:
        raise ConfigError("digest: give at least one file, folder, glob, or - for stdin (or --config JOB.toml)")
    opts = opts.over(RunOptions({"targets": DIGEST_LANGS}))
    _run(resolve_job(None, opts), opts)
