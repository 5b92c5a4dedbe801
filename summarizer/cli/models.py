"""`models list | pull | stand-in`: the registry of default models, downloads into the HF cache, stand-ins."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config.flags import (
    UI,
    RunOptions,
)
from .base import DIGEST_LANGS, AsJson, command, printable, say, say_error

models_app = typer.Typer(help="Model registry and stand-in models.", no_args_is_help=True)


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


# Shown for a model that summarizer's catalogue has no card for; the legend under the table says so.
_UNKNOWN = "—"
_NO_CARD = "(no card)"


def _millions(params: int | None) -> str:
    return f"{params / 1e6:,.0f}M" if params else _UNKNOWN


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
            f"{r['lang']:<5} {r['name']:<12} {r['model']:<34} {_millions(r['params']):>6} {r['licence'] or _NO_CARD:<13} {'yes' if r['cached'] else 'no':<6} {token}"
        )
    typer.echo("\nPublished scores of the defaults (the reason they are the defaults):")
    for r in [summary, *rows]:
        for label in r["scores"]:
            typer.echo(f"  {r['model']}: {label}")
    for note in dict.fromkeys(r["licence_note"] for r in [summary, *rows] if r["licence"] and "NC" in r["licence"]):
        typer.echo(f"\nLicence: {note}")
    if any(r["params"] is None for r in [summary, *rows]):
        typer.echo(
            f"\n{_UNKNOWN} {_NO_CARD}: summarizer's catalogue has no card for the model, so its size and licence "
            "are not known here (they are on its model card on the Hub); it still serves its language"
        )
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
                say_error(download_blocked_message(by_why[why], why))
                told.add(why)
        else:
            say_error(str(r.error))


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
    from ..config.merge import resolve_job
    from ..languages import LANGUAGES
    from ..models.hub import job_needs, merge_needs, names_needs, pull_models

    # Which models a job loads does not depend on its inputs, which may not exist on this machine.
    no_inputs = RunOptions().with_value("", "inputs", ("-",))
    needs = []
    if config is not None:
        needs += job_needs(resolve_job(config, no_inputs))
    if all_ or not (names or config):
        langs = tuple(LANGUAGES) if all_ else DIGEST_LANGS
        needs += job_needs(resolve_job(None, no_inputs.with_value("targets", None, langs)))
    needs = merge_needs(needs + names_needs(names or []))
    quiet = opts.get("ui", "quiet", False)

    def started(need) -> None:
        if not quiet:
            say(f"downloading {need.label} ...")

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
        say(f"{len(results)} model{'s' if len(results) != 1 else ''}: {tally}")
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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="marian or nllb: the target language, ar, az or ru. The tokenizer learns that language's "
            "text too and the decoder writes only its pieces: noise in the right script.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Build a random-weight stand-in model with a real tokenizer (its output is noise)."""
    from ..languages import language_name
    from ..models.standin.build import build_stand_in
    from .progress import heartbeat

    details = [size] + (["realistic lengths"] if lengths == "realistic" else [])
    details += [f"{language_name(lang)} pieces"] if lang else []
    with heartbeat(say, f"building a {kind} stand-in ({', '.join(details)}) in {printable(str(out_dir))}"):
        path = build_stand_in(kind, size, out_dir, seed=seed, lengths=lengths, target_lang=lang)
    typer.echo(
        f"stand-in {kind} ({', '.join(details)}) written to {path}; random weights: its output is noise, "
        "for offline tests and benchmarks only"
    )
