"""The HTTP API as one FastAPI application: LibreTranslate's endpoints (`/translate`, `/detect`, `/languages`,
`/frontend/settings`, `/health`, `/spec`) in its shapes, plus `/summarize`, `/digest`, `/status` and `/metrics`.

`make_app` wraps every route (in `routes/`, one module per kind) so that its errors are answered in
LibreTranslate's shape and counted; what the routes call is the `Service` (service.py), and how they read
requests and shape answers is in bodies.py. Every request is bounded as a whole (`--request-timeout`, less
once SIGTERM's grace is running out): past its deadline it is answered 503 and the work it left is dropped.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..errors import ModelUnavailableError, SummarizerError, UnknownLanguageError
from .routes import articles, status, translation
from .service import HttpError, Service

log = logging.getLogger(__name__)

# ---- the app ------------------------------------------------------------------------------------------

# How each route says it failed (LibreTranslate's "Cannot translate text" for /translate).
ACTIONS = {"/summarize": "Cannot summarize", "/digest": "Cannot make the digest"}


def make_app(service: Service):
    """The FastAPI application for `service`."""
    app = FastAPI(title="summarizer", docs_url=None, redoc_url=None, openapi_url=None)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status)

    def route(path: str, methods: list[str]):
        """A route whose errors are answered in LibreTranslate's shape and counted; never a traceback, a
        server path or advice meant for the operator (the log has those)."""
        action = ACTIONS.get(path, "Cannot translate text")

        def decorate(handler):
            async def endpoint(request: Request):
                started = time.perf_counter()
                try:
                    response = await service.bounded(handler(request))
                except HttpError as exc:
                    response = error(exc.status, str(exc))
                except UnknownLanguageError as exc:
                    response = error(400, str(exc))
                except ModelUnavailableError as exc:
                    log.warning("%s: %s", path, exc)
                    response = error(503, f"{action}: a model it needs is not available on this server")
                except SummarizerError as exc:
                    if exc.fatal:  # the server's own models or files: its operator's to fix
                        log.error("%s failed: %s", path, exc)
                        response = error(500, f"{action}: the server failed on it (its log says why)")
                    else:  # this request's article (unreadable, no text in it)
                        response = error(400, str(exc))
                except Exception as exc:  # the log has it; the caller gets one line
                    log.exception("%s failed", path)
                    response = error(500, f"{action}: the server failed on it ({type(exc).__name__})")
                service.metrics.requests.labels(path, str(response.status_code)).inc()
                service.metrics.latency.labels(path).observe(time.perf_counter() - started)
                return response

            app.add_api_route(path, endpoint, methods=methods)
            return handler

        return decorate

    for routes in (translation, articles, status):
        routes.register(route, service)

    @app.exception_handler(404)
    async def not_found(request, exc):
        return error(404, "Not found")

    @app.exception_handler(405)
    async def not_allowed(request, exc):
        return error(405, "Method not allowed")

    return app
