"""`cache path | stats | clear`: where the model-output cache is, what it holds, and deleting from it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..config.flags import (
    CACHE_DIR,
    RunOptions,
)
from ..errors import ConfigError
from .base import AsJson, command, interactive, printable, say

cache_app = typer.Typer(help="Inspect and clear the model-output cache.", no_args_is_help=True)


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
        typer.Option(
            "--all",
            help="Delete the database file itself (also works when it is corrupt), translation memory included.",
            metavar="",
        ),
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
        say("nothing deleted: say what to delete with --all, --model MODEL or --older-than DAYS")
        return
    if all_:
        if model or older_than is not None:
            raise ConfigError("cache clear: --all deletes everything; don't combine it with --model or --older-than")
        if not yes and interactive() and (directory / DB_NAME).exists():
            typer.confirm(
                f"delete the whole cache at {printable(str(directory))}, with its human translations "
                "(`summarizer memory export` saves them first)?",
                abort=True,
            )
        removed = clear_all(directory)
        if removed:
            say("the translation memory (human translations) was in that database and is gone too")
        typer.echo(f"removed {plural(len(removed), 'file')}: {', '.join(map(str, removed)) or 'none'}")
        return
    if not (directory / DB_NAME).exists():
        typer.echo(f"no cache at {directory / DB_NAME}: nothing to delete")
        return
    with Cache(directory) as cache:
        typer.echo(f"deleted {plural(cache.clear(model=model, older_than_days=older_than), 'entry', 'entries')}")
