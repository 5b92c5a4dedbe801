"""`evaluate` and `check`: scores against references, and the quality checks on anyone's translations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..config.flags import (
    CACHE,
    CACHE_DIR,
    GENERATION,
    QUALITY,
    RUNTIME,
    UI,
    RunOptions,
)
from ..errors import ConfigError
from .base import AsJson, app, command, printable, say

FilePath = Annotated[Path | None, typer.Option(help="A UTF-8 text file, one segment per line.", show_default=False)]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of the outputs, e.g. ru.", show_default=False)]


@contextmanager
def _progress(opts: RunOptions, what: str) -> Iterator[Callable[[int, int], None]]:
    """The library's (done, total) reports as the progress display: bars on a terminal, a line every
    few seconds elsewhere."""
    from .progress import ProgressDisplay

    display = ProgressDisplay(0, quiet=bool(opts.get("ui", "quiet", False)), say=say, what=what)
    hooks, shown = display.callbacks(), [0]

    def report(done: int, total: int) -> None:
        if total != display.total:
            hooks.articles_total(total)
        for _ in range(done - shown[0]):
            hooks.article_done(None)
        shown[0] = max(shown[0], done)

    try:
        yield report
    finally:
        display.close()


def _print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        typer.echo(f"{label:<{width}}  {value}")


@command(app, "evaluate", GENERATION, CACHE, QUALITY, RUNTIME, UI)
def evaluate(
    jsonl: Annotated[Path | None, typer.Argument(help="--task summarize: JSONL with article and reference.")] = None,
    task: Annotated[str, typer.Option("--task", help="translate or summarize.")] = "translate",
    src: Annotated[Path | None, typer.Option("--src", help="Source sentences, one per line.")] = None,
    ref: Annotated[Path | None, typer.Option("--ref", help="Reference translations, line-aligned.")] = None,
    hyp: Annotated[Path | None, typer.Option("--hyp", help="Translations to score (default: translate --src).")] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of the outputs, e.g. ru (--task summarize: detected from the references if not given).",
            show_default=False,
        ),
    ] = None,
    hyp_field: Annotated[
        str | None, typer.Option("--hyp-field", help="JSONL field with the summaries to score.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model to produce outputs with.")] = None,
    as_json: AsJson = False,
    *,
    opts: RunOptions,
) -> None:
    """Score translations (sacreBLEU BLEU, chrF) or summaries (ROUGE) against references."""
    from ..measure.evaluation import evaluate_summaries, evaluate_translation

    if task == "summarize":
        if jsonl is None:
            raise ConfigError("evaluate --task summarize: give a JSONL file with article and reference on each line")
        gen = opts.table("translation_params")  # the generation flags drive the summarizer here
        opts = RunOptions({**opts.sections, "summary_params": gen, "translation_params": {}})
        with _progress(opts, "documents") as progress:
            result = evaluate_summaries(
                jsonl, hyp_field=hyp_field, lang=lang, model=model, options=opts, progress=progress
            )
    elif task == "translate":
        if src is None or ref is None or lang is None:
            raise ConfigError("evaluate: give --src, --ref and --lang (and --hyp, or a model translates --src)")
        with _progress(opts, "lines") as progress:
            result = evaluate_translation(src, ref, lang=lang, hyp=hyp, model=model, options=opts, progress=progress)
    else:
        raise ConfigError(f"--task: expected translate or summarize, got {task!r}")
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _print_table(result.rows())


@command(app, "check", CACHE_DIR, QUALITY, UI)
def check(
    src: Annotated[Path | None, typer.Option("--src", help="Source sentences, one per line.")] = None,
    hyp: Annotated[Path | None, typer.Option("--hyp", help="Their translations, line-aligned.")] = None,
    lang: Lang = None,
    source_lang: Annotated[str, typer.Option("--source-lang", help="Language of --src.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line of input.", metavar="")] = False,
    *,
    opts: RunOptions,
) -> None:
    """Run the quality checks on anyone's translations (line-aligned files)."""
    from ..measure.evaluation import check_files, describe_checks

    if src is None or hyp is None or lang is None:
        raise ConfigError("check: give --src, --hyp and --lang")
    adequacy = bool(opts.get("quality", "adequacy", False))
    lines = check_files(src, hyp, lang=lang, source_lang=source_lang, adequacy=adequacy, options=opts)
    if as_json:
        for item in lines:
            typer.echo(json.dumps(item.as_dict(), ensure_ascii=False))
        return
    for item in lines:
        for flag in item.flags:
            typer.echo(printable(f"line {item.line}: {flag.code}: {flag.message}"))
    say(describe_checks(lines))
