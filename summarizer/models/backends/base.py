"""The one batch-first interface every inference backend implements, and the input side they share.

A backend turns a list of model inputs into a list of outputs of the same length and order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ...errors import GenerationError, ModelError
from ..catalogue import NO_TARGET, TargetSpec

if TYPE_CHECKING:
    from ...options import GenerationParams
    from ...results import ModelInfo
    from ..hub import ModelRef


@dataclass(frozen=True)
class Generated:
    """One model output. `finished` is False when generation stopped at max_new_tokens, not at EOS."""

    text: str
    new_tokens: int
    finished: bool = True
    parts: int = 1  # >1 when the input was too long and was generated in parts
    retried: bool = False  # the first output was flagged and generated again with stronger decoding


class Backend(Protocol):
    ref: ModelRef
    info: ModelInfo
    max_input_tokens: int

    def count_tokens(self, texts: Sequence[str], target: TargetSpec = NO_TARGET) -> list[int]:
        """Model input length of each text in tokens, special and target tokens included."""

    def generate(
        self, texts: Sequence[str], params: GenerationParams, *, target: TargetSpec = NO_TARGET, batch_size: int = 16
    ) -> list[Generated]:
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
        too_long = [n for n in lengths if n > self.max_input_tokens]
        if too_long:
            raise GenerationError(
                f"{self.ref.name}: an input of {max(too_long)} tokens exceeds the model limit of "
                f"{self.max_input_tokens}; it must be split, never truncated"
            )


def load_error(ref: ModelRef, exc: BaseException) -> ModelError:
    """A loading failure as one line that names the folder (transformers raises many kinds)."""
    from ..hub import refused_code

    refused = refused_code(ref, exc)  # the folder's own code, which we never run: not a corrupt folder
    if refused is not None:
        return refused
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return ModelError(
        f"model {ref.name} ({ref.path}) could not be loaded: {type(exc).__name__}: {first}; "
        "the folder may be corrupt or incomplete: download or save it again"
    )
