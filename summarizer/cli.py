"""The `summarizer` command: a thin Typer layer over the Python API.

Each command parses options, calls the library, and renders. Errors become one line on stderr and
an exit code (see errors.py); set SUMMARIZER_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, ConfigError, SummarizerError

app = typer.Typer(
    name="summarizer",
    help="Summarize news articles and translate them sentence by sentence into side-by-side bilingual digests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Model registry and stand-in models.", no_args_is_help=True)
cache_app = typer.Typer(help="Inspect and clear the model-output cache.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")

# ---- options shared by several commands -----------------------------------------------------
Paths = Annotated[Optional[list[str]], typer.Argument(help="Files, folders, globs, or - for stdin.", show_default=False)]
OutDir = Annotated[Optional[Path], typer.Option("--out", "-o", help="Write files into this folder instead of stdout.")]
CacheDir = Annotated[Optional[Path], typer.Option("--cache-dir", help="Cache folder (env SUMMARIZER_CACHE_DIR; default ./cache).")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Recompute everything and overwrite cached entries.")]
Device = Annotated[Optional[str], typer.Option("--device", help="auto, cpu, cuda or mps (env SUMMARIZER_DEVICE).")]
Dtype = Annotated[Optional[str], typer.Option("--dtype", help="auto, float32, float16 or bfloat16.")]
Threads = Annotated[Optional[int], typer.Option("--threads", help="torch CPU threads.")]
BatchSize = Annotated[Optional[int], typer.Option("--batch-size", help="Inputs per generate() call.")]
Backend = Annotated[Optional[str], typer.Option("--backend", help="torch or ctranslate2 (env SUMMARIZER_BACKEND).")]
ComputeType = Annotated[Optional[str], typer.Option("--compute-type", help="ctranslate2 compute type (default int8 on CPU).")]
SummaryModel = Annotated[Optional[str], typer.Option("--summary-model", help="Summarization model: hub id or local folder.")]
ModelMap = Annotated[Optional[list[str]], typer.Option("--model", "-m", help="LANG=MODEL: translation model for one language (repeatable).")]
To = Annotated[Optional[str], typer.Option("--to", help="Target languages, comma-separated, e.g. az,ru,ar.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")]
NumBeams = Annotated[Optional[int], typer.Option("--num-beams", help="Beam search width.")]
MaxNew = Annotated[Optional[int], typer.Option("--max-new-tokens", help="Most tokens to generate.")]
MinNew = Annotated[Optional[int], typer.Option("--min-new-tokens", help="Fewest tokens to generate.")]
LengthPenalty = Annotated[Optional[float], typer.Option("--length-penalty", help="Beam length penalty (>1 favours longer).")]
NoRepeat = Annotated[Optional[int], typer.Option("--no-repeat-ngram-size", help="Forbid repeating n-grams of this size.")]
SummaryBeams = Annotated[Optional[int], typer.Option("--summary-num-beams", help="Beam width for the summary.")]
SummaryMaxNew = Annotated[Optional[int], typer.Option("--summary-max-new-tokens", help="Most tokens in the summary.")]
SummaryMinNew = Annotated[Optional[int], typer.Option("--summary-min-new-tokens", help="Fewest tokens in the summary.")]


def _err(message: str) -> None:
    typer.echo(f"error: {message}", err=True)


def cli_errors(func: Callable) -> Callable:
    """The one catch point: known errors print one line and exit with their code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SummarizerError as exc:
            if os.environ.get("SUMMARIZER_DEBUG"):
                raise
            _err(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _err("interrupted; everything finished so far is in the cache, re-run to resume")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
    if not verbose:
        # transformers and huggingface_hub are chatty at WARNING about things users can't act on.
        for name in ("transformers", "huggingface_hub"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _gen_options(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _runtime_options(device, dtype, threads, batch_size, backend, compute_type) -> dict[str, Any]:
    return _gen_options(device=device, dtype=dtype, threads=threads, batch_size=batch_size, backend=backend, compute_type=compute_type)


def _parse_models(items: list[str] | None) -> dict[str, str]:
    models = {}
    for item in items or []:
        lang, sep, model = item.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise ConfigError(f"--model {item!r}: expected LANG=MODEL, for example --model ru=Helsinki-NLP/opus-mt-en-ru")
        models[lang.strip()] = model.strip()
    return models


def _parse_list(value: str | None, option: str) -> list[str] | None:
    if value is None:
        return None
    items = [x.strip() for x in value.split(",") if x.strip()]
    if not items:
        raise ConfigError(f"{option}: expected a comma-separated list, got {value!r}")
    return items


# ---- summarize ---------------------------------------------------------------------------------


@app.command()
@cli_errors
def summarize(
    paths: Paths = None,
    model: Annotated[Optional[str], typer.Option("--model", "-m", help="Summarization model: hub id or local folder.")] = None,
    revision: Annotated[Optional[str], typer.Option("--revision", help="Hub revision (branch, tag or commit).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="txt, md or json.")] = "txt",
    out: OutDir = None,
    num_beams: NumBeams = None,
    max_new_tokens: MaxNew = None,
    min_new_tokens: MinNew = None,
    length_penalty: LengthPenalty = None,
    no_repeat_ngram_size: NoRepeat = None,
    max_input_tokens: Annotated[Optional[int], typer.Option("--max-input-tokens", help="Chunk inputs longer than this (default: the model's limit).")] = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
    device: Device = None,
    dtype: Dtype = None,
    threads: Threads = None,
    batch_size: BatchSize = None,
    backend: Backend = None,
    compute_type: ComputeType = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Summarize files, folders, globs or stdin (-)."""
    from .config import resolve_job
    from .outputs import atomic_write_text, output_names
    from .pipeline import Failure, Pipeline
    from .reading import expand_paths
    from .render import render_summary

    _setup_logging(quiet, verbose)
    if fmt not in ("txt", "md", "json"):
        raise ConfigError(f"--format: expected txt, md or json, got {fmt!r}")
    if not paths:
        raise ConfigError("summarize: give at least one file, folder, glob, or - for stdin")
    sources = expand_paths(paths)
    settings = resolve_job(
        None,
        inputs=sources,
        targets=[],
        summary_model=model,
        summary_revision=revision,
        max_input_tokens=max_input_tokens,
        cache_dir=cache_dir,
        no_cache=no_cache,
        refresh=refresh,
        runtime=_runtime_options(device, dtype, threads, batch_size, backend, compute_type),
        summary_params=_gen_options(num_beams=num_beams, max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens, length_penalty=length_penalty, no_repeat_ngram_size=no_repeat_ngram_size),
    )
    names = output_names(sources)
    as_json = []
    failed = 0
    # Each result is written as soon as it exists, so an interrupted batch keeps what it finished.
    for n, result in enumerate(Pipeline(settings).run(), start=1):
        if isinstance(result, Failure):
            _err(result.error)
            failed += 1
        elif out is not None:
            path = atomic_write_text(Path(out) / f"{names[result.article.source]}.summary.{fmt}", render_summary(result, fmt))
            if not quiet:
                typer.echo(f"wrote {path}", err=True)
        elif fmt == "json":
            as_json.append(json.loads(render_summary(result, "json")))
        else:
            typer.echo(render_summary(result, fmt, header=len(sources) > 1))
    if out is None and fmt == "json":
        typer.echo(json.dumps(as_json[0] if len(sources) == 1 and as_json else as_json, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(EXIT_PARTIAL)


# ---- translate / digest --------------------------------------------------------------------------


def _run_job(settings, *, out: Path | None, quiet: bool, default_stdout_md: bool) -> int:
    """Run a job with progress bars; write digests and the index; print the closing line."""
    from tqdm import tqdm

    from .outputs import IndexEntry, output_names, write_digest, write_index
    from .pipeline import Callbacks, Failure, Pipeline

    from .reading import expand_paths

    sources = expand_paths(list(settings.inputs))
    if not sources:
        raise ConfigError("no inputs: give paths on the command line or `inputs` in the config")
    pipeline = Pipeline(settings)
    pipeline.prepare()  # a missing model fails here, before any progress bar or output
    names = output_names(sources)
    to_stdout = out is None and default_stdout_md
    out_dir = None if to_stdout else Path(out or settings.out_dir)
    bars: dict[str, Any] = {}
    article_bar = tqdm(total=len(sources), desc="articles", unit="art", disable=True if quiet else None, file=sys.stderr, leave=True)

    def sentences_total(lang: str, n: int) -> None:
        bar = bars.get(lang)
        if bar is None:
            bars[lang] = tqdm(total=0, desc=f"sentences {lang}", unit="sent", disable=True if quiet else None, file=sys.stderr, leave=True)
            bar = bars[lang]
        bar.total += n
        bar.refresh()

    callbacks = Callbacks(
        article_done=lambda _r: article_bar.update(1),
        sentences=lambda lang, n: bars[lang].update(n),
        sentences_total=sentences_total,
    )
    entries = []
    failed = 0
    interrupted = False
    try:
        for result in pipeline.run(sources, callbacks=callbacks):
            if isinstance(result, Failure):
                failed += 1
                tqdm.write(f"error: {result.error}", file=sys.stderr)
                entries.append(IndexEntry(title=Path(result.source).name, source=result.source, links={}, status="failed", error=result.error))
                continue
            if to_stdout:
                typer.echo(result.to_markdown())
                continue
            stem = names[result.article.source]
            paths = write_digest(result, out_dir, stem, settings.formats)
            entries.append(IndexEntry.for_digest(result, paths, out_dir))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for bar in [article_bar, *bars.values()]:
            bar.close()
    if out_dir is not None and entries:
        index = write_index(entries, out_dir)
        if not quiet:
            typer.echo(f"index: {index}", err=True)
    stats = pipeline.stats
    skipped = len(sources) - stats.done - stats.failed
    if not quiet:
        typer.echo(
            f"articles: {stats.done} done, {stats.failed} failed, {skipped} skipped; "
            f"sentences: {stats.translated} translated, {stats.from_cache} from cache; {stats.seconds:.1f} s",
            err=True,
        )
    if interrupted:
        raise KeyboardInterrupt
    return EXIT_PARTIAL if failed else EXIT_OK


@app.command()
@cli_errors
def translate(
    paths: Paths = None,
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML job file (see README).")] = None,
    to: To = None,
    model: ModelMap = None,
    summary_model: SummaryModel = None,
    summarize_first: Annotated[bool, typer.Option("--summarize", help="Summarize first and translate the summary (one-off use; a config decides itself).")] = False,
    num_beams: NumBeams = None,
    max_new_tokens: MaxNew = None,
    min_new_tokens: MinNew = None,
    summary_num_beams: SummaryBeams = None,
    summary_max_new_tokens: SummaryMaxNew = None,
    summary_min_new_tokens: SummaryMinNew = None,
    what: Annotated[Optional[str], typer.Option("--what", help="What to translate: summary, full or both.")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="Output formats, comma-separated: html,md,json.")] = None,
    out: OutDir = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
    device: Device = None,
    dtype: Dtype = None,
    threads: Threads = None,
    batch_size: BatchSize = None,
    backend: Backend = None,
    compute_type: ComputeType = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Translate sentence by sentence: a batch job from --config, or PATH... --to ru,ar."""
    from .config import load_job, resolve_job

    _setup_logging(quiet, verbose)
    common = dict(
        inputs=paths or None,
        targets=_parse_list(to, "--to"),
        models=_parse_models(model),
        summary_model=summary_model,
        translate=what,
        out_dir=out,
        formats=_parse_list(fmt, "--format"),
        cache_dir=cache_dir,
        no_cache=no_cache,
        refresh=refresh,
        runtime=_runtime_options(device, dtype, threads, batch_size, backend, compute_type),
        translation_params=_gen_options(num_beams=num_beams, max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens),
        summary_params=_gen_options(num_beams=summary_num_beams, max_new_tokens=summary_max_new_tokens, min_new_tokens=summary_min_new_tokens),
    )
    if config is not None:
        settings = load_job(config, **common)
    else:
        if not paths:
            raise ConfigError("translate: give --config JOB.toml, or files and --to LANGS")
        if not common["targets"]:
            raise ConfigError("translate: --to is required without --config (for example --to az,ru,ar)")
        one_off_summary = summarize_first or summary_model is not None or what in ("summary", "both")
        if one_off_summary and what is None:
            common["translate"] = "summary"
        settings = resolve_job(None, no_summary=not one_off_summary, **{**common, "translate": common["translate"] or "full", "formats": common["formats"] or ["md"]})
    code = _run_job(settings, out=out, quiet=quiet, default_stdout_md=config is None and out is None and fmt is None)
    raise typer.Exit(code)


@app.command()
@cli_errors
def digest(
    paths: Paths = None,
    to: To = None,
    model: ModelMap = None,
    summary_model: SummaryModel = None,
    what: Annotated[str, typer.Option("--what", help="What to translate: summary, full or both.")] = "summary",
    num_beams: NumBeams = None,
    max_new_tokens: MaxNew = None,
    min_new_tokens: MinNew = None,
    summary_num_beams: SummaryBeams = None,
    summary_max_new_tokens: SummaryMaxNew = None,
    summary_min_new_tokens: SummaryMinNew = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output formats, comma-separated.")] = "html,md,json",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
    device: Device = None,
    dtype: Dtype = None,
    threads: Threads = None,
    batch_size: BatchSize = None,
    backend: Backend = None,
    compute_type: ComputeType = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Summarize, translate and write bilingual digests (HTML, Markdown, JSON) plus an index."""
    from .config import resolve_job

    _setup_logging(quiet, verbose)
    if not paths:
        raise ConfigError("digest: give at least one file, folder, glob, or - for stdin")
    settings = resolve_job(
        None,
        inputs=paths,
        targets=_parse_list(to, "--to") or ["az", "ru", "ar"],
        models=_parse_models(model),
        summary_model=summary_model,
        translate=what,
        out_dir=out,
        formats=_parse_list(fmt, "--format"),
        cache_dir=cache_dir,
        no_cache=no_cache,
        refresh=refresh,
        runtime=_runtime_options(device, dtype, threads, batch_size, backend, compute_type),
        translation_params=_gen_options(num_beams=num_beams, max_new_tokens=max_new_tokens, min_new_tokens=min_new_tokens),
        summary_params=_gen_options(num_beams=summary_num_beams, max_new_tokens=summary_max_new_tokens, min_new_tokens=summary_min_new_tokens),
    )
    raise typer.Exit(_run_job(settings, out=out, quiet=quiet, default_stdout_md=False))


# ---- models ------------------------------------------------------------------------------------


@models_app.command("list")
@cli_errors
def models_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the language registry: default model and target token per language."""
    from .languages import LANGUAGES
    from .summarization import DEFAULT_SUMMARY_MODEL

    rows = [{"lang": l.code, "name": l.name, "model": l.model, "multi_target_token": l.token, "nllb_code": l.nllb, "direction": l.direction} for l in LANGUAGES.values()]
    if as_json:
        typer.echo(json.dumps({"summary_model": DEFAULT_SUMMARY_MODEL, "languages": rows}, indent=2))
        return
    typer.echo(f"summary model (default): {DEFAULT_SUMMARY_MODEL}\n")
    typer.echo(f"{'lang':<5} {'name':<12} {'default model':<30} {'token*':<13} {'NLLB code':<10} dir")
    for r in rows:
        typer.echo(f"{r['lang']:<5} {r['name']:<12} {r['model']:<30} {r['multi_target_token']:<13} {r['nllb_code']:<10} {r['direction']}")
    typer.echo("\n* prepended only for multi-target Marian models (their vocabulary has >>xxx<< tokens), e.g. opus-mt-en-trk, opus-mt-en-ar")


@models_app.command("stand-in")
@cli_errors
def models_stand_in(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the model into.")],
    kind: Annotated[str, typer.Option("--kind", help="marian, bart or t5.")] = "marian",
    size: Annotated[str, typer.Option("--size", help="tiny (tests) or base (real architecture sizes, benchmarks).")] = "tiny",
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the weights.")] = 0,
) -> None:
    """Build a random-weight stand-in model with a real tokenizer (its output is noise)."""
    from .standin import build_stand_in

    path = build_stand_in(kind, size, out_dir, seed=seed)
    typer.echo(f"stand-in {kind} ({size}) written to {path}; random weights: its output is noise, for offline tests and benchmarks only")


# ---- cache -------------------------------------------------------------------------------------


@cache_app.command("path")
@cli_errors
def cache_path(cache_dir: CacheDir = None) -> None:
    """Print the cache database path."""
    from .cache import DB_NAME, resolve_cache_dir

    typer.echo(str(resolve_cache_dir(cache_dir) / DB_NAME))


@cache_app.command("stats")
@cli_errors
def cache_stats(cache_dir: CacheDir = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Entries per task and model, size on disk, hit rate of the last job."""
    from dataclasses import asdict

    from .cache import Cache, resolve_cache_dir

    with Cache(resolve_cache_dir(cache_dir)) as cache:
        stats = cache.stats()
    if as_json:
        data = asdict(stats)
        data["entries"] = [{"task": task, "model": model, "count": n} for (task, model), n in stats.entries.items()]
        data["last_job"] = None if stats.last_job is None else {**asdict(stats.last_job), "hit_rate": stats.last_job.hit_rate}
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    typer.echo(stats.describe())


@cache_app.command("clear")
@cli_errors
def cache_clear(
    cache_dir: CacheDir = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Only entries of this model.")] = None,
    older_than: Annotated[Optional[float], typer.Option("--older-than", help="Only entries older than this many days.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Delete the database file itself (also works when it is corrupt).")] = False,
) -> None:
    """Delete cache entries (all, by model, or by age)."""
    from .cache import Cache, clear_all, resolve_cache_dir

    directory = resolve_cache_dir(cache_dir)
    if all_:
        if model or older_than is not None:
            raise ConfigError("cache clear: --all deletes everything; don't combine it with --model or --older-than")
        removed = clear_all(directory)
        typer.echo(f"removed {len(removed)} file(s): {', '.join(map(str, removed)) or 'none'}")
        return
    with Cache(directory) as cache:
        n = cache.clear(model=model, older_than_days=older_than)
    typer.echo(f"deleted {n} entries")


def main() -> None:
    app(prog_name="summarizer")
