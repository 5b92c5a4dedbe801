"""The transformers backend: AutoTokenizer + AutoModelForSeq2SeqLM and our own `generate()` loop.

Inputs are sorted by length before batching (less padding) and results restored to input order.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from ...errors import ModelError
from ...options import BackendOptions, GenerationParams
from ..catalogue import NO_TARGET, TargetSpec
from ..hub import ModelRef, max_input_tokens
from .base import Generated, OnStep, Required, StepCounter, TokenizerInput, load_error, plan_batches

log = logging.getLogger(__name__)


def pick_device(requested: str) -> str:
    import torch

    if requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"device {requested} was asked for but CUDA is not available; use --device cpu")
        if requested == "mps" and not torch.backends.mps.is_available():
            raise ModelError("device mps was asked for but MPS is not available; use --device cpu")
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(requested: str, device: str):
    import torch

    if requested == "auto":
        return torch.float16 if device.startswith("cuda") else torch.float32
    return getattr(torch, requested)


@functools.cache
def _heartbeat_class():
    """A StoppingCriteria that never stops: it tells a StepCounter how many tokens the batch has decoded.
    Made on first use, so that importing this module imports no transformers."""
    from transformers import StoppingCriteria

    class Heartbeat(StoppingCriteria):
        def __init__(self, count: StepCounter):
            self.count = count

        def __call__(self, input_ids, scores, **kwargs):
            self.count(input_ids.shape[-1] - 1)  # the decoder's ids so far, its start token included
            return input_ids.new_zeros(input_ids.shape[0], dtype=bool)

    return Heartbeat


def _heartbeat(on_step: OnStep | None) -> dict:
    """generate()'s keyword for a heartbeat of one batch (none without `on_step`)."""
    if on_step is None:
        return {}
    from transformers import StoppingCriteriaList

    return {"stopping_criteria": StoppingCriteriaList([_heartbeat_class()(StepCounter(on_step))])}


@functools.cache
def _required_class():
    """A LogitsProcessor that puts each row's required strings into its output (see `base.Required`)."""
    from transformers import LogitsProcessor

    class RequiredStrings(LogitsProcessor):
        def __init__(self, required: Required, rows: list[list[tuple[str, list[int]]]], num_beams: int):
            self.required, self.rows, self.num_beams = required, rows, num_beams

        def __call__(self, input_ids, scores):
            best = scores.argmax(dim=-1).tolist()
            for r in range(input_ids.shape[0]):
                sequences = self.rows[r // self.num_beams]
                if not sequences:
                    continue
                token = self.required.next_token(input_ids[r, 1:].tolist(), sequences, best[r])
                if token is not None:
                    scores[r, :] = float("-inf")
                    scores[r, token] = 0.0
            return scores

    return RequiredStrings


class TorchBackend(TokenizerInput):
    def __init__(self, ref: ModelRef, runtime: BackendOptions):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.ref = ref
        self.info = ref.info
        self.runtime = runtime
        if runtime.threads:
            torch.set_num_threads(runtime.threads)
        self.device = pick_device(runtime.device)
        dtype = pick_dtype(runtime.dtype, self.device)
        log.info("loading %s on %s (%s)", ref.name, self.device, dtype)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the CLI owns progress output
        # transformers reports a broken or incomplete folder as OSError, ValueError, TypeError
        # (MarianTokenizer), KeyError or safetensors' own errors: all mean "this folder can't be loaded".
        # trust_remote_code=False: never the folder's own code; left unset, transformers asks on stdin.
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(ref.path, trust_remote_code=False)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(ref.path, dtype=dtype, trust_remote_code=False)
        except Exception as exc:
            raise load_error(ref, exc) from exc
        self.model.to(self.device).eval()
        self.max_input_tokens = max_input_tokens(ref, getattr(self.tokenizer, "model_max_length", None))
        # We count long inputs on purpose (to chunk them) and never feed them to the model, so the
        # tokenizer's one-time "sequence longer than maximum" warning would only mislead.
        warned = getattr(self.tokenizer, "deprecation_warnings", None)
        if isinstance(warned, dict):
            warned["sequence-length-is-longer-than-the-specified-maximum"] = True
        self._eos = self.model.generation_config.eos_token_id
        if isinstance(self._eos, list):
            self._eos = self._eos[0]
        self._pad = self.tokenizer.pad_token_id
        self._forced_eos = getattr(self.model.generation_config, "forced_eos_token_id", None) is not None

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
        import torch

        if not texts:
            return []
        self._tokenize_args(target)
        prepared = self._prepare(texts, target)
        encoded = self.tokenizer(prepared, truncation=False)["input_ids"]  # tokenized once, padded per batch
        lengths = [len(ids) for ids in encoded]
        self._check_lengths(lengths)
        gen_kwargs = params.as_dict()
        if target.forced_bos is not None:
            bos = self.tokenizer.convert_tokens_to_ids(target.forced_bos)
            if bos is None or bos == self.tokenizer.unk_token_id:
                raise ModelError(f"{self.ref.name}: its tokenizer has no language token {target.forced_bos!r}")
            gen_kwargs["forced_bos_token_id"] = bos
        if params.num_beams == 1:
            gen_kwargs.pop("early_stopping")
            gen_kwargs.pop("length_penalty")
        out: list[Generated | None] = [None] * len(prepared)
        must = Required(self.tokenizer, self._eos, params.max_new_tokens) if required and any(required) else None
        wanted = [must.ids(r) for r in required] if must is not None and required is not None else []
        for idx in plan_batches(lengths, batch_size, max_tokens):
            batch = self.tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt").to(self.device)
            extra = _heartbeat(on_step)
            if must is not None:
                from transformers import LogitsProcessorList

                rows = [wanted[i] for i in idx]
                extra["logits_processor"] = LogitsProcessorList([_required_class()(must, rows, params.num_beams)])
            with torch.inference_mode():
                seqs = self.model.generate(**batch, **gen_kwargs, **extra)
            texts_out = self.tokenizer.batch_decode(seqs, skip_special_tokens=True)
            for row, i in enumerate(idx):
                gen = seqs[row, 1:]  # drop decoder start
                real = gen[gen != self._pad] if self._pad is not None else gen
                # With forced_eos_token_id (BART) a cut-off output also ends in EOS, so a full-length
                # output only counts as finished when EOS came naturally.
                n = int(real.numel())
                natural_eos = self._eos is not None and n > 0 and int(real[-1]) == self._eos and not self._forced_eos
                finished = n < params.max_new_tokens or natural_eos
                out[i] = Generated(text=texts_out[row].strip(), new_tokens=n, finished=finished)
        return out  # type: ignore[return-value]
