"""`evaluate` and `check`: scores against references, and the quality checks on anyone's translations."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..config.flags import (
    ADEQUACY,
    CACHE,
    CACHE_DIR,
    CHECK_LANGS,
    EVALUATE,
    GENERATION,
    GLOSSARY,
    INPUTS_PANEL,
    OUTPUT_PANEL,
    QUALITY,
    RUNTIME,
    SUMMARY_METHOD,
    UI,
    RunOptions,
)
from ..errors import ConfigError
from .base import AsJson, app, command, examples, printable, say

EXIT_FLAGGED = 1  # `check`, as linters do: something was flagged


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


def _measured(opts: RunOptions) -> tuple[dict, RunOptions]:
    """The `("measure", ...)` flags (languages, --model), and the options to pass on without them."""
    return opts.table("measure"), RunOptions({k: v for k, v in opts.sections.items() if k != "measure"})


def _one_language(source: str | None, target: str | None) -> str | None:
    """`evaluate --task summarize`: summaries are in their articles' language, so --from and --to name one."""
    if source is not None and target is not None and source != target:
        raise ConfigError(
            f"--from {source} and --to {target}: summaries are in the articles' language; give one of them"
        )
    return source or target


@command(
    app,
    "evaluate",
    EVALUATE,
    SUMMARY_METHOD,
    GENERATION,
    CACHE,
    QUALITY,
    RUNTIME,
    UI,
    epilog=examples(
        "summarizer evaluate --src en.txt --ref ref.ru.txt --hyp out.ru.txt --to ru",
        "summarizer evaluate --task summarize test.jsonl --method extractive",
    ),
)
def evaluate(
    jsonl: Annotated[Path | None, typer.Argument(help="--task summarize: JSONL with article and reference.")] = None,
    task: Annotated[
        str, typer.Option("--task", help="translate or summarize.", rich_help_panel=INPUTS_PANEL)
    ] = "translate",
    src: Annotated[
        Path | None, typer.Option("--src", help="Source sentences, one per line.", rich_help_panel=INPUTS_PANEL)
    ] = None,
    ref: Annotated[
        Path | None,
        typer.Option("--ref", help="Reference translations, line-aligned.", rich_help_panel=INPUTS_PANEL),
    ] = None,
    hyp: Annotated[
        Path | None,
        typer.Option("--hyp", help="Translations to score (default: translate --src).", rich_help_panel=INPUTS_PANEL),
    ] = None,
    hyp_field: Annotated[
        str | None,
        typer.Option("--hyp-field", help="JSONL field with the summaries to score.", rich_help_panel=INPUTS_PANEL),
    ] = None,
    as_json: AsJson = False,
    *,
    opts: RunOptions,
) -> None:
    """Score translations (sacreBLEU BLEU, chrF) or summaries (ROUGE) against references."""
    from ..measure.evaluation import evaluate_summaries, evaluate_translation

    measured, opts = _measured(opts)
    model = measured.get("model")
    summary = opts.table("summary")  # --method, --sentences, ..., --summary-model
    if task == "summarize":
        if jsonl is None:
            raise ConfigError("evaluate --task summarize: give a JSONL file with article and reference on each line")
        lang = _one_language(measured.get("source_lang"), measured.get("target_lang"))
        if model is not None and summary.get("model", model) != model:
            raise ConfigError(f"--model {model} and --summary-model {summary['model']}: give one of them")
        gen = opts.table("translation_params")  # the generation flags drive the summarizer here
        opts = RunOptions({**opts.sections, "summary_params": gen, "translation_params": {}})
        with _progress(opts, "documents") as progress:
            result = evaluate_summaries(
                jsonl, hyp_field=hyp_field, lang=lang, model=model, options=opts, progress=progress
            )
    elif task == "translate":
        if summary:
            named = [f.spelling for f in EVALUATE + SUMMARY_METHOD if f.path[0] == "summary" and f.path[1] in summary]
            raise ConfigError(f"{', '.join(named)}: for --task summarize only")
        lang = measured.get("target_lang")
        if src is None or ref is None or lang is None:
            raise ConfigError("evaluate: give --src, --ref and --to (and --hyp, or a model translates --src)")
        with _progress(opts, "lines") as progress:
            result = evaluate_translation(
                src,
                ref,
                lang=lang,
                source_lang=measured.get("source_lang"),
                hyp=hyp,
                model=model,
                options=opts,
                progress=progress,
            )
    else:
        raise ConfigError(f"--task: expected translate or summarize, got {task!r}")
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _print_table(result.rows())


@command(
    app,
    "check",
    CHECK_LANGS,
    CACHE_DIR,
    ADEQUACY,
    GLOSSARY,
    UI,
    epilog=examples(
        "summarizer check --src en.txt --hyp out.ar.txt --to ar",
        "summarizer check --src en.txt --hyp out.az.txt --to az --glossary terms.csv --json",
    ),
)
def check(
    src: Annotated[
        Path | None, typer.Option("--src", help="Source sentences, one per line.", rich_help_panel=INPUTS_PANEL)
    ] = None,
    hyp: Annotated[
        Path | None, typer.Option("--hyp", help="Their translations, line-aligned.", rich_help_panel=INPUTS_PANEL)
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="One JSON object per line of input.", metavar="", rich_help_panel=OUTPUT_PANEL),
    ] = False,
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            help="Exit 0 even when lines are flagged (default: 1).",
            metavar="",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    *,
    opts: RunOptions,
) -> None:
    """Run the quality checks on anyone's translations (line-aligned files); exit 1 when a line is flagged."""
    from ..measure.evaluation import check_files, describe_checks

    measured, opts = _measured(opts)
    lang = measured.get("target_lang")
    if src is None or hyp is None or lang is None:
        raise ConfigError("check: give --src, --hyp and --to")
    adequacy = bool(opts.get("quality", "adequacy", False))
    names = bool(opts.get("quality", "names", False))
    source_lang = measured.get("source_lang") or "en"
    glossary = opts.get("glossary", "file")
    lines = check_files(
        src, hyp, lang=lang, source_lang=source_lang, adequacy=adequacy, glossary=glossary, options=opts, names=names
    )
    if as_json:
        for item in lines:
            typer.echo(json.dumps(item.as_dict(), ensure_ascii=False))
    else:
        for item in lines:
            for flag in item.flags:
                typer.echo(printable(f"line {item.line}: {flag.code}: {flag.message}"))
        say(describe_checks(lines))
    if any(item.flags for item in lines) and not exit_zero:
        raise typer.Exit(EXIT_FLAGGED)
