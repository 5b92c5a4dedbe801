"""What `summarizer serve` is told: where it listens and what it lets a caller do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

LOCALHOST = "127.0.0.1"
MAX_KEYS_BYTES = 1_000_000  # an API key file larger than this is not a key file

# Each bound's flag, so an error names what the operator typed.
FLAGS = {
    "char_limit": "--char-limit",
    "batch_limit": "--batch-limit",
    "body_limit": "body_limit",  # no flag: the API's own setting
    "batch_max": "--batch-max",
    "batch_wait_ms": "--batch-wait-ms",
    "timeout_s": "--request-timeout",
    "graceful_s": "--shutdown-grace",
}


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
    batch_limit: int = 128  # texts in one request's q list (LibreTranslate's batch limit)
    body_limit: int = 1_000_000  # bytes of request body
    batch_wait_ms: float = 10.0  # the longest a request waits for others to share its model call
    batch_max: int = 256  # sentences that start a model call at once, and the most one model call takes
    batching: bool = True  # off: every request is a model call of its own (a baseline)
    timeout_s: float = 120.0  # the longest a whole request may take; then 503 and its work is dropped
    allow_urls: bool = False  # /summarize and /digest fetch a URL only when this is on
    allow_private_urls: bool = False  # and then loopback, private and link-local addresses only with this
    graceful_s: float = 30.0  # on SIGTERM: how long requests in flight get to finish

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"--port {self.port}: a port is 1 to 65535")
        for name in ("char_limit", "batch_limit", "body_limit", "batch_max"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{FLAGS[name]} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.batch_wait_ms <= 1000:
            raise ConfigError(f"--batch-wait-ms must be 0 to 1000, got {self.batch_wait_ms:g}")
        if not 0 < self.timeout_s <= 86_400:
            raise ConfigError(f"--request-timeout must be above 0 and at most 86400 seconds, got {self.timeout_s:g}")
        if not 0 < self.graceful_s <= 3_600:
            raise ConfigError(f"--shutdown-grace must be above 0 and at most 3600 seconds, got {self.graceful_s:g}")

    @property
    def key_required(self) -> bool:
        return bool(self.keys)


_COUNT = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() takes "²", which int() refuses


def read_keys(path: str | Path) -> tuple[ApiKey, ...]:
    """An API key file: one key per line, optionally followed by its requests a minute (at least 1);
    `#` comments. A key listed twice is an error: which count applies would be a guess."""
    where = f"--api-keys {path}"
    try:
        with Path(path).open("rb") as f:
            raw = f.read(MAX_KEYS_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{where}: can't be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_KEYS_BYTES:
        raise ConfigError(f"{where}: over {MAX_KEYS_BYTES:,} bytes; is it an API key file?")
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    keys: dict[str, tuple[int, ApiKey]] = {}
    for n, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and not _COUNT.fullmatch(words[1])):
            raise ConfigError(f"{where}, line {n}: expected 'KEY' or 'KEY REQUESTS_PER_MINUTE' (digits 0-9)")
        count = int(words[1]) if len(words) == 2 else None
        if count == 0:
            raise ConfigError(f"{where}, line {n}: {count} requests a minute would refuse every request; remove the key or give at least 1")  # fmt: skip
        if words[0] in keys:
            raise ConfigError(f"{where}, line {n}: this key is also on line {keys[words[0]][0]}; list each key once")  # fmt: skip
        keys[words[0]] = (n, ApiKey(words[0], count))
    if not keys:
        raise ConfigError(f"{where}: no keys in it")
    return tuple(key for _, key in keys.values())
