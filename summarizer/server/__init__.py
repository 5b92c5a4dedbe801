"""`summarizer serve`: the engine behind an HTTP API that LibreTranslate clients already speak.

- `app`: the routes (LibreTranslate's `/translate`, `/detect`, `/languages`, `/frontend/settings`; our
  `/summarize`, `/digest`, `/health`, `/metrics`) over one `Service` (the job's pipeline, loaded once);
- `batching`: concurrent requests for one language pair gathered into one model call;
- `markup`: text and HTML requests split into what is translated and what is kept;
- `settings`: where it listens and what a caller may do (keys, limits, URLs).

Nothing here is imported unless the server runs (FastAPI and uvicorn are the `serve` extra).
"""

from __future__ import annotations

from .settings import ApiKey, ServerOptions, read_keys

__all__ = ["ApiKey", "ServerOptions", "read_keys", "serve"]


def serve(settings, options: ServerOptions) -> None:
    """Run the server until SIGTERM or Ctrl-C; requests in flight are finished first."""
    from ..errors import BackendUnavailableError

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise BackendUnavailableError(
            "summarizer serve needs FastAPI and uvicorn; install them with: pip install 'summarizer[serve]'"
        ) from None
    from .app import Service, make_app

    service = Service(settings, options)
    config = uvicorn.Config(
        make_app(service),
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=options.graceful_s,
        limit_concurrency=1024,
        timeout_keep_alive=5,
    )
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass  # uvicorn finished the requests in flight, then passed SIGTERM or Ctrl-C on: a clean stop
    finally:
        service.batcher.close()
        service.pipeline.engine.close()
