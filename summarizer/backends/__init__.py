"""Inference backends behind one batch-first interface: torch (transformers) and ctranslate2.

A backend turns a list of model inputs into a list of outputs of the same length and order.
Callers never see torch; they hold a `ModelHandle`, which loads its backend on first use only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

if TYPE_CHECKING:
    from ..models import GenerationParams, ModelRef, Runtime
    from ..results import ModelInfo


@dataclass(frozen=True)
class TargetSpec:
    """How a model is told the target language.

    Marian multi-target models read a `>>xxx<<` token prepended to the source (`prefix_token`);
    NLLB and M2M100 take a source language code and force the target code as first token.
    """

    prefix_token: str | None = None
    forced_bos: str | None = None
    src_lang: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"prefix_token": self.prefix_token, "forced_bos": self.forced_bos, "src_lang": self.src_lang}

    @property
    def label(self) -> str | None:
        return self.prefix_token or self.forced_bos


NO_TARGET = TargetSpec()


@dataclass(frozen=True)
class Generated:
    """One model output. `finished` is False when generation stopped at max_new_tokens, not at EOS."""

    text: str
    new_tokens: int
    finished: bool = True
    parts: int = 1  # >1 when the input was too long and was generated in parts


class Backend(Protocol):
    ref: ModelRef
    info: ModelInfo
    max_input_tokens: int

    def count_tokens(self, texts: Sequence[str], target: TargetSpec = NO_TARGET) -> list[int]:
        """Model input length of each text in tokens, special and target tokens included."""

    def generate(self, texts: Sequence[str], params: GenerationParams, *, target: TargetSpec = NO_TARGET) -> list[Generated]:
        """One output per input, same order. Inputs longer than max_input_tokens are an error, never truncated."""


class TokenizerInput:
    """The input side both backends share (needs `self.tokenizer`, a Hugging Face tokenizer), so
    every backend feeds and counts exactly the same tokens, target token included."""

    tokenizer: Any
    ref: Any
    max_input_tokens: int

    def _tokenize_args(self, target: TargetSpec) -> None:
        if target.src_lang is not None and hasattr(self.tokenizer, "src_lang"):
            self.tokenizer.src_lang = target.src_lang

    def _prepare(self, texts: Sequence[str], target: TargetSpec) -> list[str]:
        if target.prefix_token:
            return [f"{target.prefix_token} {t}" for t in texts]
        return list(texts)

    def count_tokens(self, texts: Sequence[str], target: TargetSpec = NO_TARGET) -> list[int]:
        self._tokenize_args(target)
        encoded = self.tokenizer(self._prepare(texts, target), add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def _check_lengths(self, lengths: Sequence[int]) -> None:
        """Inputs over the limit are the caller's to split; a backend never truncates them."""
        from ..errors import ModelError

        too_long = [n for n in lengths if n > self.max_input_tokens]
        if too_long:
            raise ModelError(f"{self.ref.name}: an input of {max(too_long)} tokens exceeds the model limit of {self.max_input_tokens}; it must be split, never truncated")


_loaded: dict[tuple, Backend] = {}
_lock = threading.Lock()


def get_backend(ref: ModelRef, runtime: Runtime) -> Backend:
    """The backend for `ref`, loaded once per process and runtime settings."""
    key = (str(ref.path), ref.info.fingerprint, runtime.backend, runtime.device, runtime.dtype, runtime.compute_type, runtime.threads, runtime.batch_size)
    with _lock:
        backend = _loaded.get(key)
        if backend is None:
            if runtime.backend == "ctranslate2":
                from .ctranslate2_backend import CTranslate2Backend as cls
            else:
                from .torch_backend import TorchBackend as cls
            backend = cls(ref, runtime)
            _loaded[key] = backend
    return backend


def loaded_count() -> int:
    """How many backends this process has loaded (tests use it to prove reuse)."""
    return len(_loaded)


class ModelHandle:
    """A resolved model whose weights load on first use, so fully cached work never loads them."""

    def __init__(self, ref: ModelRef, runtime: Runtime):
        self.ref = ref
        self.runtime = runtime
        self._backend: Backend | None = None

    @property
    def info(self) -> ModelInfo:
        if self.runtime.backend == "torch":
            return self.ref.info
        from dataclasses import replace

        return replace(self.ref.info, backend=f"{self.runtime.backend}:{self.compute_type}")

    @property
    def compute_type(self) -> str:
        if self.runtime.backend == "ctranslate2" and self.runtime.compute_type == "default":
            return "int8"
        return self.runtime.compute_type

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = get_backend(self.ref, self.runtime)
        return self._backend

    @property
    def loaded(self) -> bool:
        return self._backend is not None
