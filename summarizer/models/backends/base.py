"""The one batch-first interface every inference backend implements, and the input side they share.

A backend turns a list of model inputs into a list of outputs of the same length and order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ...errors import GenerationError, ModelError
from ..catalogue import NO_TARGET, TargetSpec

if TYPE_CHECKING:
    from ...options import GenerationParams
    from ...results import ModelInfo
    from ..hub import ModelRef

log = logging.getLogger(__name__)

OnStep = Callable[[int], None]
"""A heartbeat from inside one generate() batch: the decoding steps it has taken so far (1, 2, ...; a new
batch starts again at 1). Called from the decoding loop, so it must be cheap: a display stores the number."""


class Guarded:
    """A progress hook made harmless: its first error is logged and turns it off, so a broken display never
    stops the work it watches."""

    def __init__(self, hook: Callable[..., None]):
        self.hook, self.off = hook, False

    def __call__(self, *args: Any) -> None:
        if self.off:
            return
        try:
            self.hook(*args)
        except Exception as exc:
            self.off = True
            log.warning("a progress report failed (%s: %s) and is off now; the work goes on", type(exc).__name__, exc)
            log.debug("the progress report's error", exc_info=True)


def guarded(hook: Callable[..., None] | None) -> Guarded | None:
    """`hook` as a Guarded (None stays None, a Guarded stays itself)."""
    return hook if hook is None or isinstance(hook, Guarded) else Guarded(hook)


class StepCounter:
    """Calls `on_step` once per new decoding step of a batch, however often the decoder reports it (CTranslate2
    reports each step once per row): one comparison per report, nothing more."""

    def __init__(self, on_step: OnStep):
        self.on_step, self.last = guarded(on_step), 0

    def __call__(self, step: int) -> None:
        if step > self.last:
            self.last = step
            self.on_step(step)


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
        self,
        texts: Sequence[str],
        params: GenerationParams,
        *,
        target: TargetSpec = NO_TARGET,
        batch_size: int = 16,
        on_step: OnStep | None = None,
    ) -> list[Generated]:
        """One output per input, same order. Inputs longer than max_input_tokens are an error, never truncated.
        `on_step` hears each decoding step of the running batch where the backend can report them."""


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
