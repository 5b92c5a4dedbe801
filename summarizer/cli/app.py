"""The `summarizer` command: a thin Typer layer over the Python API.

Each command declares its own arguments and the shared flag groups of `flags.py`, which reach it as
one `RunOptions` value; it resolves the job, calls one library function, and reports. Errors become
one line on stderr and an exit code (see errors.py); set SUMMARIZER_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import sys
import typing
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config.flags import (
    CACHE,
    CACHE_DIR,
    GENERATION,
    INPUT,
    OUT_DIR,
    OUTPUT,
    QUALITY,
    RUNTIME,
    SUMMARY,
    SUMMARY_ONLY,
    TRANSLATION,
    UI,
    Flag,
    RunOptions,
)
from ..errors import EXIT_INTERRUPTED, ConfigError, SummarizerError

app = typer.Typer(
    name="summarizer",
    help="Summarize news articles and translate them sentence by sentence into side-by-side bilingual digests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Model registry and stand-in models.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect and clear the model-output cache.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")

Paths = Annotated[list[str] | None, typer.Argument(help="Files, folders, globs, or - for stdin.", show_default=False)]
ConfigPath = Annotated[Path | None, typer.Option("--config", "-c", help="TOML job file (see README).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.", metavar="")]


def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.", metavar=""),
    ] = False,
) -> None:
    """Summarize news articles and translate them sentence by sentence into side-by-side bilingual digests."""


# ---- the one catch point and the shared flags --------------------------------------------------


def printable(text: str) -> str:
    """`text` on one line with control and format characters escaped, so a file name can neither
    split a message nor send escape codes to the terminal."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in text
    )


def _interactive() -> bool:
    """Is a person at the terminal (so a destructive command may ask first)?"""
    return sys.stdin.isatty()


def _say(message: str) -> None:
    typer.echo(printable(message), err=True)


def _err(message: str) -> None:
    _say(f"error: {message}")


def _parameter(flag: Flag) -> inspect.Parameter:
    option = typer.Option(*flag.decls, help=flag.help, show_default=False, metavar="" if flag.type is bool else None)
    if flag.type is bool:
        annotation, default = Annotated[bool, option], False
    elif flag.kind == "pairs":
        annotation, default = Annotated[list[str] | None, option], None
    else:
        annotation, default = Annotated[flag.type | None, option], None
    return inspect.Parameter(flag.name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


def _setup_logging(opts: RunOptions) -> None:
    quiet, verbose = opts.get("ui", "quiet", False), opts.get("ui", "verbose", False)
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
    if not verbose:
        # transformers and huggingface_hub are chatty at WARNING about things users can't act on.
        for name in ("transformers", "huggingface_hub"):
            logging.getLogger(name).setLevel(logging.ERROR)


def command(typer_app: typer.Typer, name: str, *groups: tuple[Flag, ...]) -> Callable:
    """Register `func` as a command with its own parameters plus the flag `groups`, which reach it as
    `opts: RunOptions`. Known errors print one line and exit with their code."""
    flags = tuple(f for group in groups for f in group)

    def decorate(func: Callable) -> Callable:
        hints = typing.get_type_hints(func, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name]) for p in inspect.signature(func).parameters.values() if p.name != "opts"
        ]
        wants_opts = "opts" in inspect.signature(func).parameters

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            given = {f.name: kwargs.pop(f.name, None) for f in flags}
            try:
                opts = RunOptions.from_flags(flags, given)
                _setup_logging(opts)
                return func(**kwargs, **({"opts": opts} if wants_opts else {}))
            except SummarizerError as exc:
                if os.environ.get("SUMMARIZER_DEBUG"):
                    raise
                _err(str(exc))
                raise typer.Exit(exc.exit_code) from None
            except KeyboardInterrupt:
                _err("interrupted; everything finished so far is in the cache, re-run to resume")
                raise typer.Exit(EXIT_INTERRUPTED) from None

        params = own + [_parameter(f) for f in flags]
        del wrapper.__wrapped__  # Typer must see the signature below, not func's
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return typer_app.command(name)(wrapper)

    return decorate


STREAMED = ("txt", "md", "json", "jsonl")  # digest formats that `translate PATH --to` writes to stdout
DIGEST_LANGS = ("az", "ru", "ar")  # what `digest` translates into without --to, and `models pull` fetches


def _run(settings, opts: RunOptions, *, to_stdout: str | None = None) -> None:
    """Run a translate/digest job with progress bars, print where it went and the tally, exit.
    `to_stdout`: a format of STREAMED to print the digests in, instead of writing files."""
    from ..jobs import run_job
    from .progress import Progress

    quiet = opts.get("ui", "quiet", False)
    progress = Progress(0, quiet=quiet, say=_say)  # the job says how many articles once it has listed them
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
    if report.index is not None and not quiet:
        _say(f"index: {report.index}")
    _finish(report, quiet)


def _finish(report, quiet: bool, *, tally: bool = True) -> None:
    """The closing lines (the tally, or with `tally=False` only the stand-in notice), then exit."""
    if not quiet:
        for line in report.describe().splitlines():
            if tally or line.startswith("note: stand-in"):
                _say(line)
    if report.interrupted:
        raise KeyboardInterrupt
    raise typer.Exit(report.exit_code)


# ---- summarize, translate, digest --------------------------------------------------------------


@command(app, "summarize", INPUT, SUMMARY_ONLY, OUT_DIR, CACHE, QUALITY, RUNTIME, UI)
def summarize(
    paths: Paths = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="txt, md, json (always an array) or jsonl (a line per article).")
    ] = "txt",
    *,
    opts: RunOptions,
) -> None:
    """Summarize files, folders, globs or stdin (-)."""
    from ..config.merge import resolve_job
    from ..jobs import run_summaries

    if not paths:
        raise ConfigError("summarize: give at least one file, folder, glob, or - for stdin")
    from .progress import Progress

    settings = resolve_job(None, opts.with_value("", "inputs", tuple(paths)))
    quiet = opts.get("ui", "quiet", False)
    progress = Progress(0, quiet=quiet, say=_say, what="summaries")  # its total comes from the job
    try:
        report = run_summaries(
            settings,
            fmt,
            out_dir=opts.get("output", "dir"),
            emit=typer.echo,
            callbacks=progress.callbacks(),
            on_failure=lambda f: progress.write(printable(f"error: {f.error}")),
            on_written=None if quiet else lambda p: progress.write(printable(f"wrote {p}")),
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


@command(app, "translate", INPUT, TRANSLATION, SUMMARY, OUTPUT, CACHE, QUALITY, RUNTIME, UI)
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


@command(app, "digest", INPUT, TRANSLATION, SUMMARY, OUTPUT, CACHE, QUALITY, RUNTIME, UI)
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


# ---- evaluate and check -------------------------------------------------------------------------

FilePath = Annotated[Path | None, typer.Option(help="A UTF-8 text file, one segment per line.", show_default=False)]
Lang = Annotated[str | None, typer.Option("--lang", help="Language of the outputs, e.g. ru.", show_default=False)]


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
    lang: Lang = None,
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
        result = evaluate_summaries(jsonl, hyp_field=hyp_field, lang=lang or "en", model=model, options=opts)
    elif task == "translate":
        if src is None or ref is None or lang is None:
            raise ConfigError("evaluate: give --src, --ref and --lang (and --hyp, or a model translates --src)")
        result = evaluate_translation(src, ref, lang=lang, hyp=hyp, model=model, options=opts)
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
    _say(describe_checks(lines))


# ---- models ------------------------------------------------------------------------------------


def _model_row(model: str, **extra: Any) -> dict[str, Any]:
    from ..models.catalogue import model_card
    from ..models.hub import is_cached_locally

    card = model_card(model)
    return {
        **extra,
        "model": model,
        "params": card.params if card else None,
        "licence": card.licence if card else None,
        "licence_note": card.licence_note if card else None,
        "cached": is_cached_locally(model),
        "scores": [s.label for s in card.scores_for(extra.get("pair", "en"))] if card else [],
    }


def _millions(params: int | None) -> str:
    return f"{params / 1e6:,.0f}M" if params else "?"


@command(models_app, "list")
def models_list(as_json: AsJson = False) -> None:
    """The default models: per language its model and target token, size, licence, published score,
    and whether it is already in the local Hugging Face cache."""
    from ..languages import LANGUAGES
    from ..options import DEFAULT_SUMMARY_MODEL

    summary = _model_row(DEFAULT_SUMMARY_MODEL, pair="en")
    rows = [
        _model_row(
            x.model,
            lang=x.code,
            name=x.name,
            pair=f"en-{x.code}",
            token=x.token,
            nllb_code=x.nllb,
            direction=x.direction,
        )
        for x in LANGUAGES.values()
    ]
    if as_json:
        typer.echo(json.dumps({"summary_model": summary, "languages": rows}, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"summary: {summary['model']}  {_millions(summary['params'])}  {summary['licence']}  cached: {'yes' if summary['cached'] else 'no'}"
    )
    typer.echo(f"{'lang':<5} {'name':<12} {'default model':<34} {'params':>6} {'licence':<13} {'cached':<6} token*")
    for r in rows:
        token = r["nllb_code"] if "nllb" in r["model"] else r["token"]
        typer.echo(
            f"{r['lang']:<5} {r['name']:<12} {r['model']:<34} {_millions(r['params']):>6} {r['licence'] or '?':<13} {'yes' if r['cached'] else 'no':<6} {token}"
        )
    typer.echo("\nPublished scores of the defaults (the reason they are the defaults):")
    for r in [summary, *rows]:
        for label in r["scores"]:
            typer.echo(f"  {r['model']}: {label}")
    for note in dict.fromkeys(r["licence_note"] for r in [summary, *rows] if r["licence"] and "NC" in r["licence"]):
        typer.echo(f"\nLicence: {note}")
    typer.echo(
        "\n* NLLB models get the FLORES code; multi-target Marian models (their vocabulary has >>xxx<< tokens, "
        "e.g. opus-mt-tc-big-en-ar, opus-mt-en-trk) the >>xxx<< token; other Marian models none"
    )


def _bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _download_bars(quiet: bool) -> type:
    """huggingface_hub's download progress as tqdm bars on stderr, only on a terminal."""
    from tqdm import tqdm

    class DownloadBars(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)  # huggingface_hub names its bars; plain tqdm rejects the keyword
            kwargs.update(file=sys.stderr, disable=True if quiet else None)
            super().__init__(*args, **kwargs)

    return DownloadBars


def _pull_line(result) -> str:
    where = printable(str(result.path))
    if result.status == "downloaded":
        return f"{result.need.label}: downloaded, {_bytes(result.size)} in {where}"
    if result.status == "local":
        return f"{result.need.label}: already local, {_bytes(result.size)} in {where}"
    return f"{result.need.label}: a local folder, nothing to download ({where})"


def _pull_failures(failed: list) -> None:
    """One error line per failed model; models that failed for the same reason (offline, the Hub
    unreachable) share one line that names them all."""
    from ..models.hub import download_blocked_message

    by_why: dict[str, list[str]] = {}
    for r in failed:
        why = getattr(r.error, "why", None)
        if why is not None:
            by_why.setdefault(why, []).append(r.need.name)
    told = set()
    for r in failed:
        why = getattr(r.error, "why", None)
        if why is not None and len(by_why[why]) > 1:
            if why not in told:
                _err(download_blocked_message(by_why[why], why))
                told.add(why)
        else:
            _err(str(r.error))


@command(models_app, "pull", UI)
def models_pull(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="LANG|MODEL",
            help="Language codes (their default model, see `models list`), hub ids, or folders.",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="A TOML job file: every model the job would load.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="The summary model and every language's default model.", metavar="")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, an object per model.", metavar="")
    ] = False,
    *,
    opts: RunOptions,
) -> None:
    """Download models into the Hugging Face cache so that jobs run offline; models already there are
    left alone. Without arguments: the default summary model and the az, ru and ar models (what
    `summarizer digest FILE` needs)."""
    from ..config.merge import load_job, resolve_job
    from ..languages import LANGUAGES
    from ..models.hub import job_needs, merge_needs, names_needs, pull_models

    # Which models a job loads does not depend on its inputs, which may not exist on this machine.
    no_inputs = RunOptions().with_value("", "inputs", ("-",))
    needs = []
    if config is not None:
        needs += job_needs(load_job(config, no_inputs))
    if all_ or not (names or config):
        langs = tuple(LANGUAGES) if all_ else DIGEST_LANGS
        needs += job_needs(resolve_job(None, no_inputs.with_value("targets", None, langs)))
    needs = merge_needs(needs + names_needs(names or []))
    quiet = opts.get("ui", "quiet", False)

    def started(need) -> None:
        if not quiet:
            _say(f"downloading {need.label} ...")

    def done(result) -> None:
        if result.status != "failed" and not as_json and not quiet:
            typer.echo(_pull_line(result))

    results = pull_models(needs, tqdm_class=_download_bars(quiet), on_start=started, on_result=done)
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    failed = [r for r in results if r.status == "failed"]
    _pull_failures(failed)
    if not quiet:
        counts = {s: sum(r.status == s for r in results) for s in ("downloaded", "local", "folder", "failed")}
        words = {"local": "already local", "folder": "local folders"}
        tally = ", ".join(f"{n} {words.get(s, s)}" for s, n in counts.items() if n)
        _say(f"{len(results)} model{'s' if len(results) != 1 else ''}: {tally}")
    if failed:
        raise typer.Exit(failed[0].error.exit_code)


@command(models_app, "stand-in")
def models_stand_in(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the model into.")],
    kind: Annotated[str, typer.Option("--kind", help="marian, bart, t5 or nllb.")] = "marian",
    size: Annotated[
        str, typer.Option("--size", help="tiny (tests) or base (real architecture sizes, benchmarks).")
    ] = "tiny",
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the weights.")] = 0,
    lengths: Annotated[
        str,
        typer.Option(
            "--lengths",
            help="forced (plain random weights; benchmarks force every output length) or realistic "
            "(marian: outputs end at lengths that follow the source, calibrated on FLORES; float32 only).",
        ),
    ] = "forced",
) -> None:
    """Build a random-weight stand-in model with a real tokenizer (its output is noise)."""
    from ..models.standin.build import build_stand_in

    path = build_stand_in(kind, size, out_dir, seed=seed, lengths=lengths)
    detail = f"{size}, realistic lengths" if lengths == "realistic" else size
    typer.echo(
        f"stand-in {kind} ({detail}) written to {path}; random weights: its output is noise, for offline tests and benchmarks only"
    )


# ---- cache -------------------------------------------------------------------------------------


@command(cache_app, "path", CACHE_DIR)
def cache_path(*, opts: RunOptions) -> None:
    """Print the cache database path."""
    from ..cache import DB_NAME
    from ..config.merge import resolve_cache

    typer.echo(str(resolve_cache(opts).dir / DB_NAME))


@command(cache_app, "stats", CACHE_DIR)
def cache_stats(as_json: AsJson = False, *, opts: RunOptions) -> None:
    """Entries per task and model, size on disk, hit rate of the last job (reads only)."""
    from dataclasses import asdict

    from ..cache import read_stats
    from ..config.merge import resolve_cache

    stats = read_stats(resolve_cache(opts).dir)
    if not as_json:
        typer.echo(stats.describe())
        return
    data = asdict(stats)
    data["entries"] = [{"task": task, "model": model, "count": n} for (task, model), n in stats.entries.items()]
    data["last_job"] = (
        None if stats.last_job is None else {**asdict(stats.last_job), "hit_rate": stats.last_job.hit_rate}
    )
    typer.echo(json.dumps(data, indent=2, default=str))


@command(cache_app, "clear", CACHE_DIR)
def cache_clear(
    model: Annotated[str | None, typer.Option("--model", help="Only entries of this model.")] = None,
    older_than: Annotated[
        float | None, typer.Option("--older-than", help="Only entries older than this many days.")
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Delete the database file itself (also works when it is corrupt).", metavar=""),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask before --all.", metavar="")] = False,
    *,
    opts: RunOptions,
) -> None:
    """Delete cache entries: --all, --model M or --older-than DAYS (without one of them, nothing)."""
    from ..cache import DB_NAME, Cache, clear_all
    from ..config.merge import resolve_cache
    from ..languages import plural

    directory = resolve_cache(opts).dir
    if not (all_ or model or older_than is not None):
        _say("nothing deleted: say what to delete with --all, --model MODEL or --older-than DAYS")
        return
    if all_:
        if model or older_than is not None:
            raise ConfigError("cache clear: --all deletes everything; don't combine it with --model or --older-than")
        if not yes and _interactive() and (directory / DB_NAME).exists():
            typer.confirm(f"delete the whole cache at {printable(str(directory))}?", abort=True)
        removed = clear_all(directory)
        typer.echo(f"removed {plural(len(removed), 'file')}: {', '.join(map(str, removed)) or 'none'}")
        return
    if not (directory / DB_NAME).exists():
        typer.echo(f"no cache at {directory / DB_NAME}: nothing to delete")
        return
    with Cache(directory) as cache:
        typer.echo(f"deleted {plural(cache.clear(model=model, older_than_days=older_than), 'entry', 'entries')}")


def main() -> None:
    app(prog_name="summarizer")
