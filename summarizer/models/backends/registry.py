"""Loaded models, one per (model, backend options), with a cap: the least recently used is unloaded.

Callers hold a `ModelHandle`, which resolves its backend on each use, so a fully cached job never
loads weights and an unloaded model is really freed.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import ModelError

if TYPE_CHECKING:
    from ...options import BackendOptions
    from ...results import ModelInfo
    from ..hub import ModelRef
    from .base import Backend

log = logging.getLogger(__name__)
DEFAULT_LIMIT = 6

_loaded: OrderedDict[tuple, Backend] = OrderedDict()
_lock = threading.Lock()
_limit = DEFAULT_LIMIT


def set_limit(limit: int) -> None:
    """Keep at most `limit` models loaded in this process (unloading the least recently used)."""
    global _limit
    if limit < 1:
        raise ValueError(f"at least one model must stay loaded, got {limit}")
    with _lock:
        _limit = limit
        _evict()


def _evict() -> None:
    evicted = False
    while len(_loaded) > _limit:
        key, _backend = _loaded.popitem(last=False)
        log.info("unloading %s (more than %d models loaded)", key[0], _limit)
        evicted = True
    if evicted:
        gc.collect()


def _load(ref: ModelRef, options: BackendOptions) -> Backend:
    options = resolve_backend(ref, options)
    if options.backend == "ctranslate2":
        from .ctranslate2_backend import CTranslate2Backend

        if options.converted_dir is None:
            raise ModelError("the ctranslate2 backend needs a folder for converted models; give a cache folder")
        return CTranslate2Backend(ref, options)
    from .torch_backend import TorchBackend

    return TorchBackend(ref, options)


def get_backend(ref: ModelRef, options: BackendOptions) -> Backend:
    """The backend for `ref` under `options`, loaded once per process and kept while recently used."""
    key = (ref.info.fingerprint, str(ref.path), options)
    with _lock:
        backend = _loaded.get(key)
        if backend is None:
            backend = _load(ref, options)
            _loaded[key] = backend
            _evict()
        else:
            _loaded.move_to_end(key)
    return backend


def loaded_count() -> int:
    """How many backends this process holds (tests use it to prove reuse and unloading)."""
    return len(_loaded)


def unload_all() -> None:
    with _lock:
        _loaded.clear()
    gc.collect()


# The model types our CTranslate2 backend converts and runs (seq2seq models CTranslate2's converter knows).
CTRANSLATE2_TYPES = frozenset({"marian", "bart", "mbart", "t5", "mt5", "m2m_100", "pegasus"})
_said: set[str] = set()  # what "auto" has said once per process


def _say_once(key: str, message: str, *args) -> None:
    if key not in _said:
        _said.add(key)
        log.info(message, *args)


def resolve_backend(ref: ModelRef, options: BackendOptions) -> BackendOptions:
    """`options` with "auto" decided for `ref`, and CTranslate2's default quantization decided.

    auto: the backend SUMMARIZER_BACKEND names, if it names one; else CTranslate2 where it is installed,
    the model is of a type it converts, the device is cpu or cuda, and it converts (auto converts it here,
    once per machine: a model that fails runs on torch, said once); else torch (said once). On CTranslate2
    the default quantization is int8 on CPU and float16 on CUDA. Decided before any model loads to run,
    so cache keys name the backend that will compute.
    """
    backend = options.backend
    auto = backend == "auto"
    if auto:
        backend = _auto_backend(ref, options)
    if backend != "ctranslate2":
        return replace(options, backend=backend)
    compute = options.compute_type
    if compute == "default":
        compute = "float16" if _on_cuda(options.device) else "int8"
    if auto and not _converts(ref, compute, options):
        return replace(options, backend="torch")
    return replace(options, backend=backend, compute_type=compute)


_unconvertible: set[tuple[str, str]] = set()  # (fingerprint, compute type) CTranslate2 failed to convert


def _converts(ref: ModelRef, compute: str, options: BackendOptions) -> bool:
    """For auto: convert `ref` now (once per machine: the folder is kept), so a model CTranslate2 can't
    convert runs on torch, said once, before any cache key names a backend."""
    from ...errors import ModelError
    from .ctranslate2_backend import convert

    key = (ref.info.fingerprint, compute)
    if key in _unconvertible:
        return False
    assert options.converted_dir is not None, "_auto_backend picks ctranslate2 only with a folder for it"
    try:
        convert(ref, compute, options.converted_dir)
    except ModelError as exc:
        _unconvertible.add(key)
        _say_once(f"convert:{key}", "%s; it runs on torch", str(exc).split("; use --backend")[0])
        return False
    return True


def _auto_backend(ref: ModelRef, options: BackendOptions) -> str:
    chosen = os.environ.get("SUMMARIZER_BACKEND", "").strip()
    if chosen in ("torch", "ctranslate2"):
        return chosen
    if importlib.util.find_spec("ctranslate2") is None:
        _say_once(
            "missing",
            "ctranslate2 is not installed: models run on torch (pip install 'summarizer[ctranslate2]' for the faster path)",
        )
        return "torch"
    if ref.model_type not in CTRANSLATE2_TYPES:
        _say_once(
            f"type:{ref.model_type}",
            "%s: CTranslate2 does not run %s models here; it runs on torch",
            ref.name,
            ref.model_type,
        )
        return "torch"
    if options.device == "mps" or options.converted_dir is None:
        return "torch"
    return "ctranslate2"


def _on_cuda(device: str) -> bool:
    if device.startswith("cuda"):
        return True
    if device != "auto":
        return False
    import ctranslate2

    return ctranslate2.get_cuda_device_count() > 0


class ModelHandle:
    """A resolved model whose weights load on first use, so fully cached work never loads them."""

    def __init__(self, ref: ModelRef, options: BackendOptions):
        self.ref = ref
        self.options = resolve_backend(ref, options)
        self.loaded = False  # whether this handle has needed its weights yet

    @property
    def info(self) -> ModelInfo:
        return replace(self.ref.info, backend=self.options.label)

    @property
    def backend(self) -> Backend:
        self.loaded = True
        return get_backend(self.ref, self.options)
