"""The CTranslate2 backend: the same Hugging Face folder, converted once (int8 by default) and run by
`ctranslate2.Translator`, with the model's own tokenizer on both ends: SentencePiece for Marian and the
`tokenizers` library for BART (neither imports torch), transformers' AutoTokenizer for the others.

Lengths are mapped so that a ctranslate2 output has the same token budget as a torch output.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...errors import BackendUnavailableError, ModelError
from ...options import BackendOptions, GenerationParams
from ..catalogue import NO_TARGET, TargetSpec
from ..hub import ModelRef, max_input_tokens
from .base import Generated, OnStep, Required, StepCounter, TokenizerInput, load_error, plan_batches
from .fast_tokenizer import FastTokenizer
from .fast_tokenizer import can_use as can_use_fast
from .marian_spm import MarianSpmTokenizer, can_use

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'summarizer[ctranslate2]'"
# A temp folder left by a killed conversion is removed once it is this old (seconds).
STALE_TEMP_S = 24 * 3600
_REQUIRED_FILES = ("model.bin", "config.json")


def _import_ctranslate2():
    try:
        import ctranslate2
    except ImportError as exc:
        raise BackendUnavailableError(
            f"the ctranslate2 backend needs the ctranslate2 package ({exc}); install it with: {INSTALL_HINT}, or use --backend torch"
        ) from None
    return ctranslate2


def converted_dir(ref: ModelRef, compute_type: str, folder: Path) -> Path:
    """Where the converted copy of `ref` lives: `<folder>/<fingerprint>-<compute_type>`.

    `compute_type` was checked against CTranslate2's names (options.COMPUTE_TYPES) before it gets here.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", ref.info.fingerprint).strip("_.")
    return folder / f"{safe}-{compute_type}"


def _is_complete(path: Path) -> bool:
    return all((path / name).is_file() for name in _REQUIRED_FILES)


def _converter_class():
    from ctranslate2.converters import TransformersConverter

    class Converter(TransformersConverter):
        """TransformersConverter that also reads BART configs from transformers 5.

        CTranslate2's BART loader reads `config.normalize_before`, which transformers 5 dropped from
        BartConfig. BART is post-norm, so the attribute's old value (False) is restored when missing.
        """

        def load_model(self, model_class, model_name_or_path, **kwargs):
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    return Converter


def convert(ref: ModelRef, compute_type: str, folder: Path) -> Path:
    """The converted model folder for `ref`, converting it on first use only.

    The conversion writes into a temporary folder beside the target and renames it into place, so a
    killed or concurrent conversion never leaves a half model where a reader would load it.
    """
    final = converted_dir(ref, compute_type, folder)
    if _is_complete(final):
        return final
    _import_ctranslate2()
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(final)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".converting", dir=final.parent))
    started = time.perf_counter()
    log.info("converting %s to CTranslate2 (%s) in %s", ref.name, compute_type, final)
    try:
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # the CLI owns progress output
            _converter_class()(str(ref.path)).convert(str(staging), quantization=compute_type, force=True)
        except Exception as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(
                f"model {ref.name} ({ref.model_type}) could not be converted to CTranslate2 with quantization {compute_type}: {type(exc).__name__}: {first}; use --backend torch for it"
            ) from exc
        if final.exists() and not _is_complete(final):
            shutil.rmtree(final, ignore_errors=True)  # left by something other than this code; never loaded
        try:
            os.rename(staging, final)
        except OSError:
            if not _is_complete(final):
                raise
            log.info("another process converted %s first; using its copy", ref.name)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log.info("converted %s in %.1fs", ref.name, time.perf_counter() - started)
    return final


def _remove_stale_temps(final: Path) -> None:
    now = time.time()
    for leftover in final.parent.glob(f".{final.name}.*.converting"):
        try:
            if now - leftover.stat().st_mtime > STALE_TEMP_S:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _generation_settings(path: Path) -> dict[str, Any]:
    """The token settings generate() would use: generation_config.json, else config.json (read as
    JSON, so that this backend needs no transformers)."""
    for name in ("generation_config.json", "config.json"):
        file = path / name
        if file.is_file():
            return json.loads(file.read_text(encoding="utf-8"))
    return {}


def _device(requested: str, ctranslate2) -> tuple[str, int]:
    if requested == "auto":
        return ("cuda", 0) if ctranslate2.get_cuda_device_count() > 0 else ("cpu", 0)
    if requested == "mps":
        raise ModelError("the ctranslate2 backend runs on cpu or cuda, not mps; use --device cpu or --backend torch")
    if requested.startswith("cuda"):
        if ctranslate2.get_cuda_device_count() == 0:
            raise ModelError(f"device {requested} was asked for but ctranslate2 sees no CUDA device; use --device cpu")
        index = int(requested.split(":", 1)[1]) if ":" in requested else 0
        return "cuda", index
    return "cpu", 0


def _heartbeat(on_step: OnStep | None, beam_size: int) -> dict:
    """translate_batch's keyword for a heartbeat of one batch. CTranslate2 calls `callback` for each token
    only with greedy search (beam_size 1); with beams there is none, and progress moves per batch."""
    if on_step is None or beam_size != 1:
        return {}
    count = StepCounter(on_step)

    def callback(result) -> bool:
        count(result.step + 1)
        return False  # True would stop the batch

    return {"callback": callback}


class CTranslate2Backend(TokenizerInput):
    def __init__(self, ref: ModelRef, runtime: BackendOptions):
        ctranslate2 = _import_ctranslate2()

        self.ref = ref
        self.runtime = runtime
        self.compute_type = runtime.effective_compute_type
        self.info = replace(ref.info, backend=runtime.label)
        try:
            # SentencePiece (Marian) or `tokenizers` (BART) directly: no transformers, so no torch.
            if can_use(ref.path, ref.model_type):
                self.tokenizer = MarianSpmTokenizer(ref.path)
            elif can_use_fast(ref.path, ref.model_type):
                self.tokenizer = FastTokenizer(ref.path)
            else:
                from transformers import AutoTokenizer

                self.tokenizer = AutoTokenizer.from_pretrained(ref.path, trust_remote_code=False)  # never asks
            generation = _generation_settings(ref.path)
        except Exception as exc:
            raise load_error(ref, exc) from exc
        device, index = _device(runtime.device, ctranslate2)
        assert runtime.converted_dir is not None, "the registry checks this before loading"
        self.path = convert(ref, self.compute_type, runtime.converted_dir)
        log.info("loading %s with ctranslate2 on %s (%s)", ref.name, device, self.compute_type)
        try:
            self.translator = ctranslate2.Translator(
                str(self.path),
                device=device,
                device_index=index,
                compute_type=self.compute_type,
                intra_threads=runtime.intra_threads,
                inter_threads=runtime.parallel_batches,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"the CTranslate2 copy of {ref.name} in {self.path} could not be loaded: {exc}; delete that folder to convert again"
            ) from exc
        self.max_input_tokens = max_input_tokens(ref, getattr(self.tokenizer, "model_max_length", None))
        warned = getattr(self.tokenizer, "deprecation_warnings", None)
        if isinstance(warned, dict):
            warned["sequence-length-is-longer-than-the-specified-maximum"] = True
        eos = generation.get("eos_token_id")
        self._eos_token = (
            self.tokenizer.convert_ids_to_tokens(eos[0] if isinstance(eos, list) else eos) if eos is not None else None
        )
        # With forced_eos_token_id (BART, Marian) torch spends the last of max_new_tokens on EOS;
        # ctranslate2 does not force it, so it gets one step less and the EOS is counted for it.
        self._forced_eos = generation.get("forced_eos_token_id") is not None
        bos = generation.get("forced_bos_token_id")
        self._forced_bos = self.tokenizer.convert_ids_to_tokens(bos) if bos is not None else None
        self._suppress = self._suppressed_sequences(generation.get("bad_words_ids"))

    def _suppressed_sequences(self, bad_words_ids: Any) -> list[list[str]] | None:
        """generate()'s bad_words_ids as tokens; sequences with tokens the converted vocabulary lacks
        (Marian's <pad>, which the conversion removes) can't be generated anyway and are dropped."""
        if not bad_words_ids:
            return None
        vocab: set[str] = set()
        for name in ("shared_vocabulary.json", "target_vocabulary.json"):
            file = self.path / name
            if file.is_file():
                vocab.update(json.loads(file.read_text(encoding="utf-8")))
        sequences = [self.tokenizer.convert_ids_to_tokens(list(ids)) for ids in bad_words_ids]
        kept = [seq for seq in sequences if seq and all(t in vocab for t in seq)]
        return kept or None

    def _target_prefix(self, target: TargetSpec) -> list[str]:
        if target.forced_bos is not None:
            bos = self.tokenizer.convert_tokens_to_ids(target.forced_bos)
            if bos is None or bos == self.tokenizer.unk_token_id:
                raise ModelError(f"{self.ref.name}: its tokenizer has no language token {target.forced_bos!r}")
            return [target.forced_bos]
        return [self._forced_bos] if self._forced_bos else []

    def _put_required(
        self,
        sources: list[list[str]],
        hypotheses: list[list[str]],
        required: list[Sequence[str]],
        prefix: list[str],
        options: dict[str, Any],
        params: GenerationParams,
    ) -> list[list[str]]:
        """Each hypothesis missing a required string decoded again, forced through it: ctranslate2 takes no
        logits processor, so the output so far, up to its final punctuation, becomes a target prefix with the
        missing strings after it, and the model finishes the sentence from there (see `base.Required`)."""
        must = Required(self.tokenizer, None, params.max_new_tokens)
        eos = {self._eos_token, *(self.tokenizer.convert_ids_to_tokens(list(must.stops)))}
        redo: dict[int, list[str]] = {}
        for row, (tokens, strings) in enumerate(zip(hypotheses, required, strict=True)):
            if not strings:
                continue
            ids = self.tokenizer.convert_tokens_to_ids(tokens)
            missing = must.missing(ids, must.ids(strings))
            if not missing:
                continue
            body = list(tokens[len(prefix) :]) if tokens[: len(prefix)] == prefix else list(tokens)
            while body and body[-1] in eos:
                body.pop()
            wanted = [t for seq in missing for t in self.tokenizer.convert_ids_to_tokens(seq)]
            # Room for the strings and the end of the sentence within the length limit: the output so far
            # gives way (an output that ran to the limit is cut off anyway).
            room = options["max_decoding_length"] - len(prefix) - len(wanted) - 2
            redo[row] = prefix + body[: max(0, room)] + wanted
        if not redo:
            return hypotheses
        rows = list(redo)
        again = self.translator.translate_batch(
            [sources[r] for r in rows], target_prefix=[redo[r] for r in rows], **options
        )
        out = list(hypotheses)
        for r, result in zip(rows, again, strict=True):
            out[r] = result.hypotheses[0]
        return out

    def decoding_lengths(self, params: GenerationParams) -> tuple[int, int]:
        """(max_decoding_length, min_decoding_length) for ctranslate2 that give torch's lengths.

        Both libraries count the forced first token (a target prefix) and a natural EOS in their
        limits, and neither counts the decoder start token; min blocks EOS the same way. Only a
        forced EOS differs: torch makes it the last of max_new_tokens, ctranslate2 has none.
        """
        max_len = params.max_new_tokens - (1 if self._forced_eos else 0)
        max_len = max(max_len, 1)
        return max_len, min(params.min_new_tokens, max_len)

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
        if not texts:
            return []
        self._tokenize_args(target)
        encoded = self.tokenizer(self._prepare(texts, target), truncation=False)["input_ids"]
        self._check_lengths([len(ids) for ids in encoded])
        sources = [self.tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
        prefix = self._target_prefix(target)
        max_len, min_len = self.decoding_lengths(params)
        options: dict[str, Any] = {
            "beam_size": params.num_beams,
            "max_decoding_length": max_len,
            "min_decoding_length": min_len,
            "no_repeat_ngram_size": params.no_repeat_ngram_size,
            "repetition_penalty": params.repetition_penalty,
            "return_end_token": True,  # tells a natural EOS from a cut-off
            "return_scores": False,
        }
        if params.num_beams > 1:
            options["length_penalty"] = params.length_penalty
        if self._suppress:
            options["suppress_sequences"] = self._suppress
        out: list[Generated | None] = [None] * len(sources)
        batches = plan_batches([len(s) for s in sources], batch_size, max_tokens)

        def run(idx: list[int], **extra: Any) -> Any:
            batch_prefix = [list(prefix) for _ in idx] if prefix else None
            return self.translator.translate_batch(
                [sources[i] for i in idx], target_prefix=batch_prefix, **options, **extra
            )

        if self.runtime.parallel_batches > 1 and len(batches) > 1:
            # Every batch queued at once: CTranslate2's parallel_batches replicas (inter_threads) take one
            # each as they come free. No per-step heartbeat here (CTranslate2 has none for queued batches).
            queued = [(idx, run(idx, asynchronous=True)) for idx in batches]
            done = (([r.result() for r in results], idx) for idx, results in queued)
        else:
            done = ((run(idx, **_heartbeat(on_step, params.num_beams)), idx) for idx in batches)
        for results, idx in done:
            hypotheses = [result.hypotheses[0] for result in results]
            if required and any(required):
                hypotheses = self._put_required(
                    [sources[i] for i in idx], hypotheses, [required[i] for i in idx], prefix, options, params
                )
            for tokens, i in zip(hypotheses, idx, strict=True):
                ended = bool(tokens) and tokens[-1] == self._eos_token and len(tokens) > len(prefix)
                # torch's new_tokens: the forced first token, the text, and EOS, natural or forced.
                n = len(tokens) + (1 if self._forced_eos and not ended else 0)
                natural_eos = ended and not self._forced_eos
                finished = n < params.max_new_tokens or natural_eos
                ids = self.tokenizer.convert_tokens_to_ids(tokens)
                text = self.tokenizer.decode(ids, skip_special_tokens=True).strip()
                out[i] = Generated(text=text, new_tokens=n, finished=finished)
        return out  # type: ignore[return-value]
