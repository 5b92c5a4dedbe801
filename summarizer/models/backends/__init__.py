"""Inference backends behind one batch-first interface: torch (transformers) and ctranslate2.

Callers never see torch; they hold a `ModelHandle` (see `registry`), which loads its backend on first use.
"""

from __future__ import annotations

from .base import Backend, Generated, TokenizerInput
from .registry import ModelHandle, get_backend, loaded_count, set_limit, unload_all

__all__ = [
    "Backend",
    "Generated",
    "ModelHandle",
    "TokenizerInput",
    "get_backend",
    "loaded_count",
    "set_limit",
    "unload_all",
]
