"""`summarizer serve`: the job's models behind an HTTP API that LibreTranslate clients speak (see docs/server.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config.flags import CACHE, QUALITY, RUNTIME, SUMMARY, TRANSLATION, RunOptions
from .base import DIGEST_LANGS, ConfigPath, app, command, say


@command(app, "serve", TRANSLATION, SUMMARY, CACHE, QUALITY, RUNTIME)
def serve(
    config: ConfigPath = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (another than 127.0.0.1 exposes it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 5000,
    api_keys: Annotated[
        Path | None,
        typer.Option(
            "--api-keys",
            help="File of API keys, one per line ('KEY' or 'KEY REQUESTS_PER_MINUTE').",
            show_default=False,
        ),
    ] = None,
    char_limit: Annotated[int, typer.Option("--char-limit", help="Characters of text per request.")] = 5000,
    batch_wait_ms: Annotated[
        float, typer.Option("--batch-wait-ms", help="The longest a request waits for others to share its model call.")
    ] = 10.0,
    batching: Annotated[
        bool, typer.Option("--batching/--no-batching", help="Gather concurrent requests into one model call.")
    ] = True,
    allow_urls: Annotated[bool, typer.Option("--allow-urls", help="Let /summarize and /digest fetch a URL.")] = False,
    allow_private_urls: Annotated[
        bool, typer.Option("--allow-private-urls", help="With --allow-urls: loopback and private addresses too.")
    ] = False,
    *,
    opts: RunOptions,
) -> None:
    """Serve the job's models over HTTP: LibreTranslate's /translate, /detect, /languages, plus /summarize, /digest."""
    from ..config.merge import resolve_job
    from ..server import ServerOptions, read_keys
    from ..server import serve as run_server

    if opts.get("targets") is None and config is None:
        opts = opts.over(RunOptions({"targets": DIGEST_LANGS}))
    settings = resolve_job(config, opts)
    options = ServerOptions(
        host=host,
        port=port,
        keys=read_keys(api_keys) if api_keys is not None else (),
        char_limit=char_limit,
        batch_wait_ms=batch_wait_ms,
        batching=batching,
        allow_urls=allow_urls,
        allow_private_urls=allow_private_urls,
    )
    targets = ", ".join(t.lang for t in settings.targets)
    say(f"serving {targets} on http://{host}:{port} (LibreTranslate API; Ctrl-C or SIGTERM stops it)")
    run_server(settings, options)
