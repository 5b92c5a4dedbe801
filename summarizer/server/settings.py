"""What `summarizer serve` is told: where it listens and what it lets a caller do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class ApiKey:
    key: str
    per_minute: int | None = None  # requests a minute; None: no limit


@dataclass(frozen=True)
class ServerOptions:
    host: str = LOCALHOST  # anything else is the operator's explicit choice
    port: int = 5000
    keys: tuple[ApiKey, ...] = ()  # none: no key asked for
    char_limit: int = 5000  # characters of text per request (LibreTranslate's charLimit)
    body_limit: int = 1_000_000  # bytes of request body
    batch_wait_ms: float = 10.0  # the longest a request waits for others to share its model call
    batch_max: int = 256  # sentences that start a model call at once
    batching: bool = True  # off: every request is a model call of its own (a baseline)
    timeout_s: float = 120.0  # the longest a request may take; then 503
    allow_urls: bool = False  # /summarize and /digest fetch a URL only when this is on
    allow_private_urls: bool = False  # and then loopback, private and link-local addresses only with this
    graceful_s: float = 30.0  # on SIGTERM: how long requests in flight get to finish

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"--port {self.port}: a port is 1 to 65535")
        for name in ("char_limit", "body_limit", "batch_max"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.batch_wait_ms <= 1000:
            raise ConfigError(f"batch_wait_ms must be 0 to 1000, got {self.batch_wait_ms}")
        if self.timeout_s <= 0:
            raise ConfigError(f"timeout_s must be positive, got {self.timeout_s}")

    @property
    def key_required(self) -> bool:
        return bool(self.keys)


def read_keys(path: str | Path) -> tuple[ApiKey, ...]:
    """An API key file: one key per line, optionally followed by its requests a minute; `#` comments."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"--api-keys {path}: can't be read ({exc.strerror or exc})") from None
    keys = []
    for n, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise ConfigError(f"{path}, line {n}: expected 'KEY' or 'KEY REQUESTS_PER_MINUTE'")
        keys.append(ApiKey(words[0], int(words[1]) if len(words) == 2 else None))
    if not keys:
        raise ConfigError(f"--api-keys {path}: no keys in it")
    return tuple(keys)
