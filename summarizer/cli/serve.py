"""`summarizer serve`: the job's models behind an HTTP API that LibreTranslate clients speak (see docs/server.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config.flags import CACHE, QUALITY, RUNTIME, SUMMARY, TRANSLATION, UI, RunOptions
from .base import DIGEST_LANGS, ConfigPath, app, command, examples, say

LISTEN = "Where it listens"
LIMITS = "What a caller may do"
BATCHING = "Batching and shutdown"


@command(
    app,
    "serve",
    TRANSLATION,
    SUMMARY,
    CACHE,
    QUALITY,
    RUNTIME,
    UI,
    epilog=examples(
        "summarizer serve --config job.toml",
        "summarizer serve --to ru,ar --method extractive --port 5001 --api-keys keys.txt",
    ),
)
def serve(
    config: ConfigPath = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on (another than 127.0.0.1 exposes it).", rich_help_panel=LISTEN
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", rich_help_panel=LISTEN)] = 5000,
    api_keys: Annotated[
        Path | None,
        typer.Option(
            "--api-keys",
            help="File of API keys, one per line ('KEY' or 'KEY REQUESTS_PER_MINUTE').",
            show_default=False,
            rich_help_panel=LIMITS,
        ),
    ] = None,
    char_limit: Annotated[
        int, typer.Option("--char-limit", help="Characters of text per request.", rich_help_panel=LIMITS)
    ] = 5000,
    batch_limit: Annotated[
        int,
        typer.Option("--batch-limit", help="Texts in one request's q list (LibreTranslate's).", rich_help_panel=LIMITS),
    ] = 128,
    request_timeout: Annotated[
        float,
        typer.Option(
            "--request-timeout",
            help="Seconds a whole request may take; then 503 and its queued work is dropped.",
            rich_help_panel=LIMITS,
        ),
    ] = 120.0,
    allow_urls: Annotated[
        bool, typer.Option("--allow-urls", help="Let /summarize and /digest fetch a URL.", rich_help_panel=LIMITS)
    ] = False,
    allow_private_urls: Annotated[
        bool,
        typer.Option(
            "--allow-private-urls",
            help="With --allow-urls: loopback and private addresses too.",
            rich_help_panel=LIMITS,
        ),
    ] = False,
    batch_wait_ms: Annotated[
        float,
        typer.Option(
            "--batch-wait-ms",
            help="The longest a request waits for others to share its model call.",
            rich_help_panel=BATCHING,
        ),
    ] = 10.0,
    batch_max: Annotated[
        int,
        typer.Option(
            "--batch-max",
            help="Sentences that start a model call at once; the most one call takes.",
            rich_help_panel=BATCHING,
        ),
    ] = 256,
    batching: Annotated[
        bool,
        typer.Option(
            "--batching/--no-batching", help="Gather concurrent requests into one model call.", rich_help_panel=BATCHING
        ),
    ] = True,
    shutdown_grace: Annotated[
        float,
        typer.Option(
            "--shutdown-grace",
            help="On SIGTERM, seconds the requests in flight get; those still running near its end get 503.",
            rich_help_panel=BATCHING,
        ),
    ] = 30.0,
    *,
    opts: RunOptions,
) -> None:
    """Serve the job's models over HTTP: LibreTranslate's /translate, /detect, /languages, plus /summarize, /digest.

    Without --config it serves what `digest` makes: az, ru and ar, the same summary method and model.
    """
    from ..config.merge import resolve_job
    from ..server import ServerOptions, listen, read_keys
    from ..server import serve as run_server

    if opts.get("targets") is None and config is None:
        opts = opts.over(RunOptions({"targets": DIGEST_LANGS}))
    options = ServerOptions(
        host=host,
        port=port,
        keys=read_keys(api_keys) if api_keys is not None else (),
        char_limit=char_limit,
        batch_limit=batch_limit,
        batch_wait_ms=batch_wait_ms,
        batch_max=batch_max,
        batching=batching,
        timeout_s=request_timeout,
        allow_urls=allow_urls,
        allow_private_urls=allow_private_urls,
        graceful_s=shutdown_grace,
    )
    settings = resolve_job(config, opts)
    sock = listen(options)  # a port in use or a host not ours is one line, before "serving"
    targets = ", ".join(t.lang for t in settings.targets)
    say(f"serving {targets} on http://{host}:{port} (LibreTranslate API; Ctrl-C or SIGTERM stops it)")
    run_server(settings, options, sock)
