"""How the server is: `/health` (LibreTranslate's, exactly), `/status`, `/spec`, `/metrics`."""

from __future__ import annotations

import logging
import time

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from ..service import Service

log = logging.getLogger(__name__)


def register(route, service: Service) -> None:
    """Add this module's routes to the app `route` builds (see `app.make_app`)."""
    options = service.options

    @route("/health", ["GET"])
    async def health(request: Request):
        return JSONResponse({"status": "ok"})  # exactly LibreTranslate's; /status has the rest

    @route("/status", ["GET"])
    async def status(request: Request):
        languages = service.languages()
        return JSONResponse(
            {
                "status": "ok",
                "targets": service.targets,
                "uptime_s": round(time.time() - service.started, 1),
                "stand_in": any(entry["stand_in"] for entry in languages),
                "stand_in_targets": sorted({t for entry in languages for t in entry["stand_in_targets"]}),
                "limits": {
                    "char_limit": options.char_limit,
                    "batch_limit": options.batch_limit,
                    "body_bytes": options.body_limit,
                    "request_timeout_s": options.timeout_s,
                },
            }
        )

    @route("/spec", ["GET"])
    async def spec(request: Request):
        from ..spec import openapi

        return JSONResponse(openapi(service))

    @route("/metrics", ["GET"])
    async def metrics(request: Request):
        data, kind = service.metrics.text()
        return Response(data, media_type=kind)
