"""Engines: where model work runs, in this process or on Ray.

The caller (a Translator, a Summarizer) keeps the cache and decides what is
missing; an engine only computes the misses and hands results back as they finish, so the caller can
store each batch at once (a killed job loses only what was in flight).

- `LocalEngine`: in this process, in groups (the default).
- `RayEngine` (`engines.ray_engine`, imported only when asked for): a Ray Data `map_batches` over an
  actor pool per (task, model, target); each actor builds its own worker from `Work.factory`.
- `PickledEngine` (`engines.pickled`): in this process as a remote engine works (every task through
  pickle, each worker rebuilt from its factory), so the worker protocol is tested without Ray.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import LOCAL, Engine, LocalEngine, Work

if TYPE_CHECKING:
    from ..options import RayOptions, RuntimeOptions


def make_engine(runtime: RuntimeOptions, ray: RayOptions | None = None) -> Engine:
    """The engine `runtime.engine` names; Ray is imported only for `ray`."""
    if runtime.engine == "ray":
        from ..options import RayOptions
        from .ray_engine import RayEngine

        return RayEngine(ray or RayOptions(), runtime)
    return LOCAL


__all__ = ["LOCAL", "Engine", "LocalEngine", "Work", "make_engine"]
