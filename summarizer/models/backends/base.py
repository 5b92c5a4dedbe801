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
        max_tokens: int | None = None,
        on_step: OnStep | None = None,
        required: Sequence[Sequence[str]] | None = None,
    ) -> list[Generated]:
        """One output per input, same order. Inputs longer than max_input_tokens are an error, never truncated.
        Batches hold at most `batch_size` inputs and, with `max_tokens`, at most that many padded source
        tokens (see `plan_batches`). `on_step` hears each decoding step of the running batch where the backend can report them.
        `required` (one list per input): strings each output must contain; where the model leaves one out, the
        backend puts it in (see `Required`), so a protected translation's placeholders always come back."""


def plan_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indexes of the inputs in batches, longest first: at most `batch_size` inputs per batch and, with
    `max_tokens`, at most `max_tokens` padded source tokens (inputs x the longest one's length), so that
    a batch's memory is bounded by a setting, not by the longest sentences. An input longer than
    `max_tokens` goes alone."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    size = max(1, batch_size)
    out: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[current[0]] if current else lengths[i]  # sorted: the first is the longest
        if current and (len(current) >= size or (max_tokens is not None and (len(current) + 1) * longest > max_tokens)):
            out.append(current)
            current = []
        current.append(i)
    if current:
        out.append(current)
    return out


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


# Final punctuation: a model about to end its sentence without a required string gets it first.
_STOPS = (".", "!", "?", "؟", "。", "…")


class Required:
    """Strings an output must contain, as target token ids, and the decision taken at each decoding step.

    At each step, for one output so far (`ids`, the decoder start excluded): a required sequence already
    begun is continued; where one is missing and the model is about to end (its best next token is EOS or
    final punctuation) or too few steps are left for what is missing, the first missing one is started. A
    model that copies its placeholders is never touched; one that would leave them out gets them before
    its sentence ends.
    """

    def __init__(self, tokenizer: Any, eos_id: int | None, max_new_tokens: int):
        self.tokenizer = tokenizer
        self.eos_id = eos_id
        self.max_new_tokens = max_new_tokens
        unk = getattr(tokenizer, "unk_token_id", None)
        stops = tokenizer.convert_tokens_to_ids([p for s in _STOPS for p in (s, f"\u2581{s}")])
        self.stops = frozenset(i for i in stops if i is not None and i != unk)
        self._forced: set[tuple[int, ...]] = set()  # outputs so far that end in a string's forced first token

    def ids(self, strings: Sequence[str]) -> list[tuple[str, list[int]]]:
        """Each string with its ids as it would be generated after a space: target-side pieces, special
        tokens dropped; a string with a letter the vocabulary lacks is left out (no model could write it)."""
        special = set(getattr(self.tokenizer, "all_special_ids", ()))
        unk = getattr(self.tokenizer, "unk_token_id", None)
        out = []
        for text in strings:
            own = getattr(self.tokenizer, "target_ids", None)  # our own Marian tokenizer (ctranslate2)
            ids = own(text) if own else self.tokenizer(text_target=text, add_special_tokens=False)["input_ids"]
            if unk is not None and unk in ids:  # a letter the vocabulary lacks: the model can't write it
                continue
            ids = [i for i in ids if i not in special]
            if ids:
                out.append((text, ids))
        return out

    def _bare(self, token_id: int) -> bool:
        return self.tokenizer.convert_ids_to_tokens(token_id) in ("\u2581", "\u0120")

    def missing(self, ids: Sequence[int], sequences: Sequence[tuple[str, list[int]]]) -> list[list[int]]:
        """The sequences not yet in `ids`, by token or (pieced another way) by text."""
        absent = [(t, s) for t, s in sequences if not _contains(ids, s)]
        if not absent:
            return []
        text = "".join(self.tokenizer.decode(list(ids), skip_special_tokens=True).split()).casefold()
        return [s for t, s in absent if "".join(t.split()).casefold() not in text]

    def next_token(self, ids: Sequence[int], sequences: Sequence[tuple[str, list[int]]], best: int) -> int | None:
        """The token to force after `ids` (None: leave the model free). `best` is the model's own choice."""
        absent = [s for _, s in sequences if not _contains(ids, s)]
        for seq in absent:  # one the output has begun (its last tokens start it) goes on
            # A bare word-boundary piece (`▁`) begins any word: alone it has begun the string only where
            # it was forced to.
            first = 1 if not self._bare(seq[0]) or tuple(ids) in self._forced else 2
            for k in range(min(len(seq) - 1, len(ids)), first - 1, -1):
                if list(ids[-k:]) == list(seq[:k]):
                    return seq[k]
        if not absent:
            return None
        left = self.max_new_tokens - len(ids)
        if best == self.eos_id or best in self.stops or left <= sum(len(s) for s in absent) + 1:
            missing = self.missing(ids, sequences)
            if missing:
                self._forced.add((*ids, missing[0][0]))
                return missing[0][0]
        return None


def _contains(ids: Sequence[int], seq: Sequence[int]) -> bool:
    n = len(seq)
    return any(list(ids[i : i + n]) == list(seq) for i in range(len(ids) - n + 1))
