"""Naming and resolving seq2seq models: hub ids, local folders, their identity and limits.

Resolution (`resolve_model`) never imports torch, so a fully cached job never loads weights;
loading is `backends.get_backend`, which keeps loaded models per process and options.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import ConfigError, ModelError, ModelUnavailableError
from .options import GenerationParams
from .results import ModelInfo

log = logging.getLogger(__name__)

WEIGHT_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = ("tokenizer.json", "source.spm", "spiece.model", "sentencepiece.bpe.model", "vocab.json")
# Files that define a model's behaviour; their bytes make up a local folder's fingerprint.
_IGNORED_FOR_FINGERPRINT = {"README.md", ".gitattributes"}
_HUB_DOWNLOAD_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "pytorch_model*.bin"]
CONNECT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class ModelRef:
    """A model resolved to a local folder, with its identity. Cheap: reads only config.json."""

    name: str
    path: Path
    info: ModelInfo
    model_type: str  # config.json's model_type: marian, bart, t5, pegasus, m2m_100, ...
    config: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


_resolved: dict[tuple[str, str | None], ModelRef] = {}
_fingerprints: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else that looks like a path is treated as one.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists()


def resolve_model(name: str, revision: str | None = None) -> ModelRef:
    """Resolve a hub id or local folder to a `ModelRef`, downloading only when the Hub is reachable."""
    if not name or not isinstance(name, str):
        raise ConfigError(f"a model must be a hub id or a folder, got {name!r}")
    key = (name, revision)
    with _lock:
        if key in _resolved:
            return _resolved[key]
    path = Path(name).expanduser()
    ref = _resolve_local(name, path) if path.exists() or _looks_like_path(name) else _resolve_hub(name, revision)
    with _lock:
        _resolved[key] = ref
    return ref


def _read_config(name: str, path: Path) -> dict[str, Any]:
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        raise ModelError(f"model folder {name} {what}; give a hub id or a folder made with save_pretrained")
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        missing.append("weights (model.safetensors or pytorch_model.bin)")
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        missing.append("tokenizer files (tokenizer.json, *.spm, spiece.model or vocab.json)")
    if missing:
        raise ModelError(
            f"model folder {name} is incomplete: missing {', '.join(missing)}; re-save it with save_pretrained or download it again"
        )
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"model folder {name}: config.json is unreadable ({exc}); re-save the model") from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise ModelError(f"model folder {name}: config.json has no model_type; is this a Hugging Face model folder?")
    return config


def folder_fingerprint(path: Path) -> str:
    """Hash of the bytes of every file in a model folder: editing weights or config changes it."""
    h = hashlib.blake2b(digest_size=16)
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        if file.name in _IGNORED_FOR_FINGERPRINT:
            continue
        st = file.stat()
        memo_key = (str(file.resolve()), st.st_size, st.st_mtime_ns)
        digest = _fingerprints.get(memo_key)
        if digest is None:
            fh = hashlib.blake2b(digest_size=16)
            with file.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    fh.update(block)
            digest = fh.hexdigest()
            _fingerprints[memo_key] = digest
        h.update(file.name.encode() + b"\0" + digest.encode() + b"\0")
    return h.hexdigest()


def _resolve_local(name: str, path: Path) -> ModelRef:
    from .standin import is_stand_in

    config = _read_config(name, path)
    info = ModelInfo(
        name=name, revision=None, fingerprint="local:" + folder_fingerprint(path), stand_in=is_stand_in(path)
    )
    return ModelRef(name=name, path=path.resolve(), info=info, model_type=str(config["model_type"]), config=config)


def offline_message(names: list[str], why: str) -> str:
    """What to do about models (one or several) that are not local when the Hub can't serve them."""
    them = "them" if len(names) > 1 else "it"
    what = f"model {names[0]} is" if len(names) == 1 else f"{len(names)} models are"
    listed = "" if len(names) == 1 else f" ({', '.join(names)})"
    return (
        f"{what} not available locally{listed} and {why}. Provide {them} by: downloading {them} on a connected "
        f"machine (`hf download {names[0] if len(names) == 1 else 'NAME'}`{'' if len(names) == 1 else ' for each'}) and copying the Hugging Face cache (HF_HOME), or passing a "
        f"local folder made with save_pretrained instead of the id; set HF_HUB_OFFLINE=1 to never try the network"
    )


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(offline_message([name], why), model=name, why=why)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment now, in huggingface_hub's order
    (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub): the library
    reads it once, at import, so a later change of the environment would be missed."""
    env = os.environ
    folder = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if not folder:
        home = env.get("HF_HOME") or os.path.join(env.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
        folder = os.path.join(home, "hub")
    return Path(os.path.expandvars(folder)).expanduser()


def is_cached_locally(model_id: str, revision: str | None = None) -> bool:
    """Whether the local Hugging Face cache holds `model_id` at `revision` (default: main) complete
    enough to load: config, weights and tokenizer. Looks at the cache folder only: no network, no torch."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        config = try_to_load_from_cache(model_id, "config.json", cache_dir=hub_cache_dir(), revision=revision)
    except HFValidationError:
        return False  # not shaped like a hub id (a local folder, a typo), so not in the hub cache
    if not isinstance(config, str):
        return False
    snapshot = Path(config).parent
    has_weights = any((snapshot / f).is_file() for f in WEIGHT_FILES)
    return has_weights and any((snapshot / f).is_file() for f in TOKENIZER_FILES)


def hub_reachable(timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """One TCP connect to the Hub endpoint, so an unreachable Hub costs seconds, not minutes of retries."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _resolve_hub(name: str, revision: str | None) -> ModelRef:
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    download = functools.partial(
        snapshot_download, name, revision=revision, allow_patterns=_HUB_DOWNLOAD_PATTERNS, cache_dir=hub_cache_dir()
    )
    try:
        folder = download(local_files_only=True)
    except (LocalEntryNotFoundError, OSError, ValueError):
        folder = None
    except Exception as exc:  # huggingface_hub validation errors for malformed ids
        raise ConfigError(f"model {name!r} is not a valid hub id or folder: {exc}") from None
    if folder is None:
        if constants.HF_HUB_OFFLINE:
            raise _unavailable(name, "HF_HUB_OFFLINE is set")
        if not hub_reachable():
            raise _unavailable(name, "the Hugging Face Hub can't be reached")
        try:
            folder = download(etag_timeout=CONNECT_TIMEOUT_S)
        except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
            raise ModelUnavailableError(
                f"model {name}{'@' + revision if revision else ''} was not found on the Hub: {exc}".splitlines()[0]
            ) from None
        except (HfHubHTTPError, OSError) as exc:
            raise _unavailable(name, f"downloading it failed ({type(exc).__name__})") from None
    path = Path(folder)
    config = _read_config(name, path)
    commit = path.name  # snapshots/<commit hash>
    info = ModelInfo(name=name, revision=commit, fingerprint=f"hub:{name}@{commit}")
    return ModelRef(name=name, path=path, info=info, model_type=str(config["model_type"]), config=config)


def max_input_tokens(ref: ModelRef, tokenizer_max: int | None = None) -> int:
    """The model's input limit in tokens: the tokenizer's model_max_length when sane, else position embeddings."""
    if tokenizer_max and 0 < tokenizer_max < 100_000:
        return int(tokenizer_max)
    for key in ("max_position_embeddings", "n_positions"):
        value = ref.config.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return 512


# Models whose decoder positions are a fixed table (sinusoidal or learned): generating past it fails.
_FIXED_POSITIONS = {"marian", "bart", "mbart", "pegasus", "m2m_100", "nllb", "fsmt", "blenderbot"}


def check_generation(params: GenerationParams, ref: ModelRef, where: str) -> None:
    """Generation options that this model can't honour are a ConfigError now, before anything runs."""
    positions = ref.config.get("max_position_embeddings")
    if ref.model_type in _FIXED_POSITIONS and isinstance(positions, int) and positions > 1:
        most = positions - 1  # the decoder start token takes the first position
        if params.max_new_tokens > most:
            raise ConfigError(
                f"{where}: max_new_tokens={params.max_new_tokens} is more than {ref.name} can generate "
                f"({positions} positions, so at most {most} new tokens); lower it"
            )
