"""`summarizer serve`: the engine behind an HTTP API that LibreTranslate clients already speak.

- `app`: the routes (LibreTranslate's `/translate`, `/detect`, `/languages`, `/frontend/settings`,
  `/health`, `/spec`; our `/summarize`, `/digest`, `/status`, `/metrics`) over one `Service` (the job's
  pipeline, loaded once);
- `batching`: concurrent requests for one language pair gathered into one model call;
- `markup`: text and HTML requests split into what is translated and what is kept;
- `settings`: where it listens and what a caller may do (keys, limits, URLs);
- `spec`: the OpenAPI description served at `/spec`.

Nothing here is imported unless the server runs (FastAPI and uvicorn are the `serve` extra).
"""

from __future__ import annotations

import errno
import socket

from .settings import ApiKey, ServerOptions, read_keys

__all__ = ["ApiKey", "ServerOptions", "listen", "read_keys", "serve"]


def listen(options: ServerOptions) -> socket.socket:
    """The listening socket for `options.host` and `.port`, bound before anything says "serving", so a
    port in use or a host that is not ours is one line (ListenError) rather than uvicorn's log."""
    from ..errors import ListenError

    where = f"{options.host}:{options.port}"
    try:
        found = socket.getaddrinfo(options.host, options.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ListenError(f"--host {options.host}: can't be resolved ({why}); give an address of this machine such as 127.0.0.1") from None  # fmt: skip
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart reuses the port
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(f"port {options.port} is in use on {options.host}; stop what listens there or give another --port") from None  # fmt: skip
        if exc.errno == errno.EACCES:
            raise ListenError(f"{where}: not allowed to listen there (ports below 1024 need privileges); give another --port") from None  # fmt: skip
        raise ListenError(f"can't listen on {where} ({exc.strerror or exc}); give an address of this machine as --host") from None  # fmt: skip
    sock.set_inheritable(True)
    return sock


def serve(settings, options: ServerOptions, sock: socket.socket | None = None) -> None:
    """Run the server until SIGTERM or Ctrl-C on `sock` (default: `listen(options)`); requests in flight
    get the grace period to finish, and those still running then are answered 503."""
    from ..errors import BackendUnavailableError

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise BackendUnavailableError(
            "summarizer serve needs FastAPI and uvicorn; install them with: pip install 'summarizer[serve]'"
        ) from None
    from .app import Service, make_app

    sock = sock if sock is not None else listen(options)
    service = Service(settings, options)

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            service.stopping()  # requests still running near the grace period's end get our 503
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        make_app(service),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=options.graceful_s,
        limit_concurrency=1024,
        timeout_keep_alive=5,
    )
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn finished the requests in flight, then passed SIGTERM or Ctrl-C on: a clean stop
    finally:
        sock.close()
        service.batcher.close()
        service.pipeline.engine.close()
