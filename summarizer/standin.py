"""Stand-in models: random-weight Marian, BART, T5 and NLLB models with real tokenizers, built offline.

Their output is noise. They exist so that the real loading and `generate()` code runs without the Hub.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import logging
import os
import pathlib
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from summarizer.errors import ConfigError, ModelError

__all__ = [
    "KINDS",
    "LENGTHS",
    "MARIAN_LANGUAGE_TOKENS",
    "SIZES",
    "STAND_IN_MARKER",
    "STAND_IN_MARKER_NOTICE",
    "build_stand_in",
    "fertilities",
    "is_stand_in",
    "length_parameters",
    "stand_in_info",
]

log = logging.getLogger(__name__)

STAND_IN_MARKER = "summarizer_stand_in.json"
STAND_IN_MARKER_NOTICE = "stand-in model with random weights built by summarizer; its output is noise"
KINDS = ("marian", "bart", "t5", "nllb")
SIZES = ("tiny", "base")
# "forced": plain random weights, which never stop at a sensible point (benchmarks force every length).
# "realistic": crafted weights end each output at a length that follows the source (marian only).
LENGTHS = ("forced", "realistic")
# The target-language tokens of the multi-target opus-mt models the language registry knows (tc-big-en-ar, en-trk).
MARIAN_LANGUAGE_TOKENS = (">>ara<<", ">>aze_Latn<<", ">>rus<<", ">>tur<<")

_T5_EXTRA_IDS = 100


@dataclass(frozen=True)
class _Arch:
    """The sizes of one kind × size."""

    d_model: int
    encoder_layers: int
    decoder_layers: int
    heads: int
    ffn: int
    max_positions: int  # also the tokenizer's model_max_length: the real model's input limit
    trained_vocab: int  # asked of the tokenizer trainer; the 14 KB corpus caps SentencePiece near 960
    vocab_size: int | None  # padded to this many ids; None keeps the trained vocabulary


# `base` copies the real architectures: opus-mt-en-ru, distilbart-cnn-12-6, t5-small and nllb-200-distilled-600M.
# `tiny` keeps their input limits, so that chunking code sees the real numbers.
_ARCHS: dict[tuple[str, str], _Arch] = {
    ("marian", "tiny"): _Arch(32, 2, 2, 2, 64, 512, 400, None),
    ("marian", "base"): _Arch(512, 6, 6, 8, 2048, 512, 4000, 62518),
    ("bart", "tiny"): _Arch(32, 2, 1, 2, 64, 1024, 600, None),
    ("bart", "base"): _Arch(1024, 12, 6, 16, 4096, 1024, 8000, 50264),
    ("t5", "tiny"): _Arch(32, 2, 2, 2, 64, 512, 400, None),
    ("t5", "base"): _Arch(512, 6, 6, 8, 2048, 512, 4000, 32128),
    ("nllb", "tiny"): _Arch(32, 2, 2, 2, 64, 1024, 400, None),
    # 256,206 ids as in the real config.json. Its tokenizer has 256,204 (two rows are unused); this one fills
    # them with pieces, so the codes sit two ids above the real ones (eng_Latn is 256049, not 256047).
    ("nllb", "base"): _Arch(1024, 12, 12, 16, 4096, 1024, 8000, 256206),
}


def is_stand_in(model_dir: str | os.PathLike[str]) -> bool:
    """Return True if `model_dir` holds a stand-in model built by `build_stand_in`."""
    return pathlib.Path(model_dir, STAND_IN_MARKER).is_file()


def stand_in_info(model_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the marker of a stand-in folder ({"kind", "size", "seed", "notice"}), or None for any other folder."""
    marker = pathlib.Path(model_dir, STAND_IN_MARKER)
    try:
        text = marker.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise ModelError(f"Can't read the stand-in marker {marker}: {err}. Rebuild the stand-in model.") from err
    try:
        info = json.loads(text)
    except json.JSONDecodeError as err:
        message = f"The stand-in marker {marker} is not valid JSON ({err}). Rebuild the stand-in model."
        raise ModelError(message) from err
    if not isinstance(info, dict):
        raise ModelError(f"The stand-in marker {marker} is not a JSON object. Rebuild the stand-in model.")
    return info


def build_stand_in(
    kind: str, size: str, out_dir: str | os.PathLike[str], *, seed: int = 0, lengths: str = "forced"
) -> pathlib.Path:
    """Build a random-weight `kind` model of `size` with a freshly trained tokenizer, saved in `out_dir`.

    The folder loads with `AutoTokenizer` and `AutoModelForSeq2SeqLM`. The same `seed` gives the same
    files, byte for byte. An existing `out_dir` is replaced only if it is empty or a stand-in itself.
    `lengths="realistic"` (marian only) adds crafted weights that end every output at a length that
    follows the source's, the same under torch and CTranslate2; see `_craft_marian_lengths`.
    """
    if kind not in KINDS:
        raise ConfigError(f"Unknown stand-in model kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if size not in SIZES:
        raise ConfigError(f"Unknown stand-in model size {size!r}: choose one of {', '.join(SIZES)}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"The stand-in seed must be a non-negative integer, not {seed!r}.")
    if lengths not in LENGTHS:
        raise ConfigError(f"Unknown stand-in lengths {lengths!r}: choose one of {', '.join(LENGTHS)}.")
    if lengths == "realistic" and kind != "marian":
        raise ConfigError(f"Realistic lengths are built for marian stand-ins only, not {kind}; use --lengths forced.")
    out = pathlib.Path(out_dir)
    if out.exists() and not (out.is_dir() and (is_stand_in(out) or not any(out.iterdir()))):
        raise ConfigError(f"{out} already exists and is not a stand-in model folder; choose a new or empty folder.")

    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so that a reader never sees a half-built model.
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent))
    try:
        if lengths == "realistic":
            _build_marian(_ARCHS[kind, size], staging, seed, lengths=_LENGTH_CALIBRATION[size])
        else:
            _BUILDERS[kind](_ARCHS[kind, size], staging, seed)
        marker = {"kind": kind, "size": size, "seed": seed, "notice": STAND_IN_MARKER_NOTICE}
        if lengths != "forced":  # the forced marker stays as it always was
            marker["lengths"] = lengths
        (staging / STAND_IN_MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _replace_dir(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info(
        "Built a %s %s stand-in in %s (seed %d) in %.2fs: %s",
        size, kind, out, seed, time.perf_counter() - started, STAND_IN_MARKER_NOTICE,
    )  # fmt: skip
    return out


def _replace_dir(new: pathlib.Path, target: pathlib.Path) -> None:
    if not target.exists():
        os.replace(new, target)
        return
    old = new.with_suffix(".old")
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


# --- training text and vocabulary padding ---------------------------------------------------------


def _corpus_lines() -> list[str]:
    text = resources.files("summarizer").joinpath("data", "standin_corpus.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pseudo_words(prefix: str, taken: set[str]) -> Iterator[str]:
    """Yield pronounceable non-words, so that a padded vocabulary decodes to word-like noise."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    for length in itertools.count(2):
        for parts in itertools.product(syllables, repeat=length):
            word = prefix + "".join(parts)
            if word not in taken:
                yield word


def _train_spm(pieces: int, model_type: str = "unigram", **special_ids: int) -> bytes:
    """Train a SentencePiece model (unigram or bpe) on the packaged corpus; return the serialized ModelProto."""
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(_corpus_lines()),
        model_writer=model,
        model_type=model_type,
        vocab_size=pieces,
        hard_vocab_limit=False,  # the corpus is small: take the pieces it gives
        num_threads=1,  # keeps the trained scores identical from run to run
        minloglevel=2,  # training logs are noisy
        **special_ids,
    )
    return model.getvalue()


def _spm_proto(proto_bytes: bytes) -> Any:
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(proto_bytes)
    return proto


def _pad_spm(proto: Any, total: int) -> None:
    """Add normal pieces with very low scores until the model has `total` pieces.

    No SentencePiece model trains to tens of thousands of pieces on 14 KB of text. Padding keeps the
    embedding matrix at the real size while every id still decodes to a piece.
    """
    from sentencepiece import sentencepiece_model_pb2

    normal = sentencepiece_model_pb2.ModelProto.SentencePiece.NORMAL
    # Far below every trained piece, so that segmentation never prefers a padding piece.
    score = min(piece.score for piece in proto.pieces) - 1000.0
    taken = {piece.piece for piece in proto.pieces}
    for word in itertools.islice(_pseudo_words("▁", taken), max(0, total - len(proto.pieces))):
        proto.pieces.add(piece=word, score=score, type=normal)
    proto.trainer_spec.vocab_size = len(proto.pieces)


# --- model weights ------------------------------------------------------------------------------


def _save_model(
    model_class: Any,
    config: Any,
    generation: dict[str, Any],
    silent_ids: list[int],
    out: pathlib.Path,
    seed: int,
    craft: Any = None,
) -> None:
    import torch
    from transformers import GenerationConfig

    # fork_rng: seeding must not change the caller's random state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    # With tied embeddings a random decoder mostly repeats its input token, and its first input is <pad>
    # or </s>: the output would be special tokens only, which decode to "". A zero row gives a token a
    # logit of 0 while hundreds of others lie above it, so the noise is visible and runs to the limit.
    with torch.no_grad():
        model.get_input_embeddings().weight[sorted(set(silent_ids))] = 0.0
        if craft is not None:
            craft(model)
    # Neutral on purpose: greedy, no length limits. The product passes its own parameters.
    model.generation_config = GenerationConfig(num_beams=1, do_sample=False, **generation)
    with _no_progress_bars():
        model.save_pretrained(out)


@contextlib.contextmanager
def _no_progress_bars() -> Iterator[None]:
    """save_pretrained draws a tqdm bar, and library code does not write to the terminal."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    if enabled:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _bart_family_sizes(arch: _Arch, vocab_size: int) -> dict[str, int]:
    """The size arguments that MarianConfig and BartConfig share."""
    return {
        "vocab_size": vocab_size,
        "d_model": arch.d_model,
        "encoder_layers": arch.encoder_layers,
        "decoder_layers": arch.decoder_layers,
        "encoder_attention_heads": arch.heads,
        "decoder_attention_heads": arch.heads,
        "encoder_ffn_dim": arch.ffn,
        "decoder_ffn_dim": arch.ffn,
        "max_position_embeddings": arch.max_positions,
    }


# --- Marian -----------------------------------------------------------------------------------------


def _build_marian(arch: _Arch, out: pathlib.Path, seed: int, lengths: dict[str, tuple] | None = None) -> None:
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    # Marian's ids live in vocab.json, not in the SentencePiece model. As in opus-mt: </s>=0, <unk>=1,
    # the language tokens, the pieces, and <pad> last. The SPM model's own <unk> and </s> map to 1 and 0.
    proto = _spm_proto(_train_spm(arch.trained_vocab, unk_id=0, eos_id=1, bos_id=-1, pad_id=-1))
    if arch.vocab_size is not None:
        _pad_spm(proto, arch.vocab_size - len(MARIAN_LANGUAGE_TOKENS) - 1)
    pieces = [piece.piece for piece in proto.pieces if piece.piece not in ("<unk>", "</s>")]
    tokens = ["</s>", "<unk>", *MARIAN_LANGUAGE_TOKENS, *pieces, "<pad>"]
    vocab = {token: i for i, token in enumerate(tokens)}
    pad_id = vocab["<pad>"]

    spm = proto.SerializeToString()
    for name in ("source.spm", "target.spm"):
        (out / name).write_bytes(spm)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=2), encoding="utf-8")
    with warnings.catch_warnings():
        # MarianTokenizer warns that sacremoses is missing; it only normalizes punctuation.
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        tokenizer = MarianTokenizer(
            source_spm=str(out / "source.spm"),
            target_spm=str(out / "target.spm"),
            vocab=str(out / "vocab.json"),
            source_lang="eng",
            model_max_length=arch.max_positions,
        )
        tokenizer.save_pretrained(out)

    config = MarianConfig(
        **_bart_family_sizes(arch, len(vocab)),
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        decoder_start_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=0,
        forced_eos_token_id=0,
    )
    generation = {
        "pad_token_id": pad_id,
        "decoder_start_token_id": pad_id,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "bad_words_ids": [[pad_id]],  # as in the real opus-mt models
    }
    language_ids = [vocab[token] for token in MARIAN_LANGUAGE_TOKENS]
    silent = tokenizer.all_special_ids + language_ids
    craft = None
    if lengths is not None:
        params = {vocab[token]: lengths[token] for token in MARIAN_LANGUAGE_TOKENS}

        def craft(model: Any) -> None:
            _craft_marian_lengths(model, silent, params, lengths[""], seed)

    _save_model(MarianMTModel, config, generation, silent, out, seed, craft)


# --- realistic lengths (marian) -------------------------------------------------------------------
#
# Random weights never put EOS at a sensible step. With `lengths="realistic"` a few dimensions of the
# residual stream and one attention head per sublayer are crafted so that EOS wins at decoder step
#     T = rho * (L - 1) + sigma * (L - 1) * mean(f) + c
# where L is the number of source tokens (with the target token and </s>), f is a fixed random
# "fertility" per token type (0 for special tokens), and (rho, sigma, c) come with the target token
# (>>rus<<, >>ara<<, ...; none: the "" entry). It is plain arithmetic in the saved weights:
#   - step p: a uniform causal self-attention head over the lowest-frequency sinusoidal position
#     (sin(w k) ~ w k), whose mean over k = 0..p is proportional to p; the same head in the encoder,
#     over the whole source, gives L - 1; a second encoder head attends to the target token (else to
#     </s>) and copies its (rho, sigma, c); an encoder FFN multiplies L by mean(f) (x*y from silu);
#   - the decoder's cross-attention copies those, its FFN computes T (products by the same silu
#     identity) and writes p - T into a pair of dimensions that the EOS row of the tied embeddings
#     reads with a large gain, so that EOS loses by ~100 logits per step before T and wins after.
# Post-LayerNorm would rescale these numbers by a different factor for every token; every sublayer
# therefore adds +/-M to two dimensions (zeroed again by the norm's weight), so that each norm divides
# by the same near-constant. The random sublayers keep running on their own dimensions (rescaled by
# the spread measured on the random model), so the text is the same kind of noise as before.
# Nothing depends on the generated tokens, so every beam ends at the same step, and float32
# torch and CTranslate2 agree on the length (int8 rounds these magnitudes: see BENCHMARKS.md).

# Per size, per target token: (rho, sigma, c), fitted by benchmarks/standin_lengths.py --calibrate on
# the even lines of FLORES-200 devtest against the references tokenized by the stand-in's own
# SentencePiece model (>>rus<<: ref.ru, >>ara<<: ref.ar, >>aze_Latn<< and >>tur<<: ref.az, none: ref.ru).
_LENGTH_CALIBRATION: dict[str, dict[str, tuple[float, float, float]]] = {
    "tiny": {
        "": (0.7106, 0.944, 2.677),
        ">>rus<<": (0.7084, 0.9441, 2.133),
        ">>ara<<": (0.6648, 0.8833, 2.806),
        ">>aze_Latn<<": (1.8247, 2.4409, 12.26),
        ">>tur<<": (1.8247, 2.4409, 12.26),
    },
    "base": {
        "": (0.7172, 0.9154, 2.053),
        ">>rus<<": (0.7169, 0.9151, 1.351),
        ">>ara<<": (0.6764, 0.8742, 2.011),
        ">>aze_Latn<<": (1.5941, 2.2566, 10.1),
        ">>tur<<": (1.5941, 2.2566, 10.1),
    },
}

_UNIT = 10.0  # residual units per decoder step
_BIG_M = 1.0e6  # the +/-M that makes every LayerNorm divide by the same number
_FERTILITY_SCALE = 100.0  # raw size of f in the embedding
_PARAM_SCALE = (1000.0, 1000.0, 100.0)  # raw sizes of rho, sigma, c in the target tokens' embeddings
_FLAG = 100.0  # raw size of the "target token here" flag (</s> gets half)
_EOS_GAIN = 5.0  # EOS logit per residual unit of p - T: 2 * 5 * 10 = 100 logits per step
_GATE = 50.0  # silu(x + 50) - 50 == x for the linear unit
_SMALL = 0.04  # inputs of the silu products stay below this, where silu(x) + silu(-x) = x^2 / 2


def length_parameters(size: str) -> dict[str, tuple[float, float, float]]:
    """The calibrated (rho, sigma, c) per target token ("" for none) of a realistic-length stand-in."""
    return dict(_LENGTH_CALIBRATION[size])


def fertilities(vocab_size: int, special_ids: list[int], seed: int) -> Any:
    """The per-token f of a realistic-length stand-in built with `seed` (0 for special tokens)."""
    import torch

    generator = torch.Generator().manual_seed(seed + 7919)
    f = torch.randn(vocab_size, generator=generator, dtype=torch.float64)
    f[sorted(set(special_ids))] = 0.0
    return f


def _layer_norm_spread(model: Any, normal_ids: list[int], seed: int) -> dict[Any, float]:
    """The mean standard deviation of every LayerNorm's input on random tokens, in the random model."""
    import torch

    spread: dict[Any, list[float]] = {}
    hooks = []
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):

            def hook(mod: Any, args: tuple, _out: Any) -> None:
                spread.setdefault(mod, []).append(float(args[0].float().std(dim=-1, unbiased=False).mean()))

            hooks.append(module.register_forward_hook(hook))
    generator = torch.Generator().manual_seed(seed + 104729)
    pick = torch.randint(0, len(normal_ids), (4, 24), generator=generator)
    ids = torch.tensor(normal_ids)[pick]
    model.eval()  # no dropout: the measure is the same on every build
    try:
        with torch.no_grad():
            model(input_ids=ids, decoder_input_ids=ids)
    finally:
        for handle in hooks:
            handle.remove()
    return {module: sum(values) / len(values) for module, values in spread.items()}


def _craft_marian_lengths(
    model: Any, special_ids: list[int], params: dict[int, tuple[float, float, float]], default: tuple, seed: int
) -> None:
    """Overwrite a few weights of a random MarianMTModel so that its outputs end at realistic lengths."""
    import math

    import torch

    config = model.config
    d, heads = config.d_model, config.encoder_attention_heads
    hd = d // heads
    half = d // 2
    vocab_size = config.vocab_size
    emb = model.get_input_embeddings().weight
    scale = math.sqrt(d) if config.scale_embedding else 1.0
    specials = sorted(set(special_ids))
    normal_ids = [i for i in range(vocab_size) if i not in set(specials)]
    spread = _layer_norm_spread(model, normal_ids, seed)

    # Dimensions: sinusoidal positions put sin(w_k pos) in dim k and cos(w_k pos) in dim half + k, w_k
    # falling with k; the low-frequency dims change slowly, so their share in a crafted number is small.
    sin_low = [half - 1 - i for i in range(5)]
    cos_low = [d - 1 - i for i in range(15)]
    z_sin, z_rho, z_sig, z_c, z_f = sin_low
    # Every crafted number is a pair (+x, -x), so that it adds nothing to a norm's mean.
    d_pos, d_neg, l_pos, l_neg, s_pos, s_neg, f_pos, f_neg, r_pos, r_neg, g_pos, g_neg, c_pos, c_neg, z_flag = cos_low
    pairs = {name: ((a, b), {a: 1.0, b: -1.0}, {a: 0.5, b: -0.5}) for name, a, b in
             [("d", d_pos, d_neg), ("l", l_pos, l_neg), ("s", s_pos, s_neg), ("f", f_pos, f_neg),
              ("rho", r_pos, r_neg), ("sig", g_pos, g_neg), ("c", c_pos, c_neg)]}  # fmt: skip
    dims = {name: list(pair[0]) for name, pair in pairs.items()}
    write = {name: pair[1] for name, pair in pairs.items()}
    read = {name: pair[2] for name, pair in pairs.items()}
    m_pos, m_neg = 0, 1
    control = sorted({*sin_low, *cos_low, m_pos, m_neg})
    randoms = [i for i in range(d) if i not in set(control)]
    omega = 10000.0 ** (-2.0 * (half - 1) / d)
    a_pos = 2.0 * _UNIT / omega  # mean over k = 0..p of a_pos * sin(w k) = UNIT * p
    sigma_nominal = _BIG_M * math.sqrt(2.0 / d)
    max_steps = config.max_position_embeddings

    with torch.no_grad():
        # The random parts neither read nor write the crafted dimensions, and what they write has zero
        # mean across dimensions, so that the norms' mean does not depend on the tokens.
        emb[:, control] = 0.0
        rows = emb[normal_ids]
        rows[:, randoms] -= rows[:, randoms].mean(dim=1, keepdim=True)
        emb[normal_ids] = rows
        for layer in [*model.model.encoder.layers, *model.model.decoder.layers]:
            attentions = [layer.self_attn] + ([layer.encoder_attn] if hasattr(layer, "encoder_attn") else [])
            for attn in attentions:
                for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
                    proj.weight[:, control] = 0.0
                _center_rows(attn.out_proj, control, randoms)
            layer.fc1.weight[:, control] = 0.0
            _center_rows(layer.fc2, control, randoms)
            for norm in (
                layer.self_attn_layer_norm,
                getattr(layer, "encoder_attn_layer_norm", None),
                layer.final_layer_norm,
            ):
                if norm is None:
                    continue
                norm.weight[randoms] = sigma_nominal / spread[norm]
                norm.weight[control] = 0.0
                norm.bias[control] = 0.0
            for out in (*(attn.out_proj for attn in attentions), layer.fc2):
                out.bias[m_pos], out.bias[m_neg] = _BIG_M, -_BIG_M

        # Embeddings: f for normal tokens; the target tokens (and </s>, the fallback) carry a flag and
        # their (rho, sigma, c); the EOS row reads p - T.
        f = fertilities(vocab_size, specials, seed).to(emb.dtype)
        emb[:, z_f] = f * _FERTILITY_SCALE / scale
        eos = config.eos_token_id
        for token_id, values in [*params.items(), (eos, default)]:
            emb[token_id, z_flag] = (_FLAG if token_id != eos else _FLAG / 2) / scale
            for dim, value, raw in zip((z_rho, z_sig, z_c), values, _PARAM_SCALE, strict=True):
                emb[token_id, dim] = value * raw / scale
        emb[eos, d_pos], emb[eos, d_neg] = _EOS_GAIN, -_EOS_GAIN

        enc0, dec0 = model.model.encoder.layers[0], model.model.decoder.layers[0]
        # Encoder head 0, uniform: L - 1 (pair) and mean f.
        _uniform_head(enc0.self_attn, 0, hd, [{z_sin: a_pos}, {z_f: 1.0}], [write["l"], write["f"]])
        # Encoder head 1: attend to the target token (</s> if none) and copy its rho, sigma, c.
        sharp = 60.0 / _FLAG * math.sqrt(hd)  # a score gap of 60 over the other tokens
        _uniform_head(
            enc0.self_attn, 1, hd, [{z_rho: 1.0}, {z_sig: 1.0}, {z_c: 1.0}], [write["rho"], write["sig"], write["c"]]
        )
        enc0.self_attn.q_proj.bias[hd] = sharp
        enc0.self_attn.k_proj.weight[hd, z_flag] = 1.0
        # Encoder FFN: S = (L - 1) * mean f, as a pair.
        l_max = _UNIT * max_steps
        f_max = 3.0 * _FERTILITY_SCALE
        _product_units(enc0, 0, read["l"], read["f"], _SMALL / l_max, _SMALL / f_max,
                       {k: v / _FERTILITY_SCALE for k, v in write["s"].items()})  # fmt: skip
        for norm in (enc0.self_attn_layer_norm, enc0.final_layer_norm, *_later_norms(model.model.encoder.layers)):
            norm.weight[dims["l"] + dims["f"] + dims["rho"] + dims["sig"] + dims["c"]] = sigma_nominal
        for norm in (enc0.final_layer_norm, *_later_norms(model.model.encoder.layers)):
            norm.weight[dims["s"]] = sigma_nominal

        # Decoder self-attention head 0, uniform and causal: p (pair).
        _uniform_head(dec0.self_attn, 0, hd, [{z_sin: a_pos}], [write["d"]])
        # Cross-attention head 0, uniform: L - 1, S, rho, sigma, c (equal at every source position).
        _uniform_head(
            dec0.encoder_attn, 0, hd,
            [read[name] for name in ("l", "s", "rho", "sig", "c")],
            [write[name] for name in ("l", "s", "rho", "sig", "c")],
        )  # fmt: skip
        # Decoder FFN: T = rho * (L - 1) + sigma * S + c, subtracted from the p pair.
        s_max = _UNIT * max_steps * 3.0
        rho_raw, sig_raw, c_raw = _PARAM_SCALE
        minus_t = {d_pos: -1.0, d_neg: 1.0}
        _product_units(dec0, 0, read["rho"], read["l"], _SMALL / (3.0 * rho_raw), _SMALL / l_max,
                       {k: v / rho_raw for k, v in minus_t.items()})  # fmt: skip
        _product_units(dec0, 4, read["sig"], read["s"], _SMALL / (3.0 * sig_raw), _SMALL / s_max,
                       {k: v / sig_raw for k, v in minus_t.items()})  # fmt: skip
        c_in = 10.0 / (30.0 * c_raw)  # |c| <= 30 steps stays within +/-10 of the gate
        dec0.fc1.weight[8] = 0.0
        for dim, w in read["c"].items():
            dec0.fc1.weight[8, dim] = c_in * w
        dec0.fc1.bias[8] = _GATE
        dec0.fc2.weight[:, 8] = 0.0
        for dim, sign in minus_t.items():
            dec0.fc2.weight[dim, 8] = sign * _UNIT / (c_in * c_raw)
            dec0.fc2.bias[dim] -= sign * _UNIT * _GATE / (c_in * c_raw)
        dec_norms = [n for layer in model.model.decoder.layers for n in
                     (layer.self_attn_layer_norm, layer.encoder_attn_layer_norm, layer.final_layer_norm)]  # fmt: skip
        for norm in dec_norms:
            norm.weight[dims["d"]] = sigma_nominal
        for norm in dec_norms[1:]:
            norm.weight[dims["l"] + dims["s"] + dims["rho"] + dims["sig"] + dims["c"]] = sigma_nominal


def _later_norms(layers: Any) -> list[Any]:
    return [norm for layer in layers[1:] for norm in (layer.self_attn_layer_norm, layer.final_layer_norm)]


def _center_rows(linear: Any, control: list[int], randoms: list[int]) -> None:
    """No writes into the crafted dimensions; what is written elsewhere sums to zero."""
    linear.weight[control] = 0.0
    linear.weight[randoms] -= linear.weight[randoms].mean(dim=0, keepdim=True)
    linear.bias[control] = 0.0
    linear.bias[randoms] -= linear.bias[randoms].mean()


def _uniform_head(attn: Any, head: int, hd: int, reads: list[dict[int, float]], writes: list[dict[int, float]]) -> None:
    """Make `head` of `attn` attend evenly (zero query) and carry value i = reads[i] . x to writes[i]."""
    rows = slice(head * hd, (head + 1) * hd)
    for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
        proj.weight[rows] = 0.0
        proj.bias[rows] = 0.0
    attn.out_proj.weight[:, rows] = 0.0
    for i, (read, write) in enumerate(zip(reads, writes, strict=True)):
        for dim, weight in read.items():
            attn.v_proj.weight[head * hd + i, dim] = weight
        for dim, weight in write.items():
            attn.out_proj.weight[dim, head * hd + i] = weight


def _product_units(
    layer: Any, first: int, read_a: dict[int, float], read_b: dict[int, float], alpha: float, beta: float,
    writes: dict[int, float],
) -> None:  # fmt: skip
    """Four FFN units that add (read_a . x) * (read_b . x) * writes[dim] to each dim.

    silu(x) + silu(-x) = x tanh(x / 2) = x^2 / 2 for small x, so with a = alpha * A, b = beta * B:
    ab = (phi(a + b) - phi(a - b)) / 2.
    """
    signs = [(1.0, 1.0), (-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)]
    for k, (sa, sb) in enumerate(signs):
        unit = first + k
        layer.fc1.weight[unit] = 0.0
        layer.fc1.bias[unit] = 0.0
        for dim, w in read_a.items():
            layer.fc1.weight[unit, dim] += sa * alpha * w
        for dim, w in read_b.items():
            layer.fc1.weight[unit, dim] += sb * beta * w
        layer.fc2.weight[:, unit] = 0.0
        for dim, w in writes.items():
            layer.fc2.weight[dim, unit] = (1.0 if k < 2 else -1.0) * w / (2.0 * alpha * beta)


# --- BART -------------------------------------------------------------------------------------------


def _build_bart(arch: _Arch, out: pathlib.Path, seed: int) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    # Byte-level BPE, BART's real tokenizer kind: every byte is in the alphabet, so no text is unknown.
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=arch.trained_vocab,
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],  # ids 0-3, as in BART
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_corpus_lines(), trainer=trainer)
    trained = json.loads(bpe.to_str())["model"]
    tokens = sorted(trained["vocab"], key=trained["vocab"].__getitem__)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in trained["merges"]]
    if arch.vocab_size is not None:
        # Tokens without a merge are never produced by BPE, but each id decodes ("Ġ" is a space).
        tokens += itertools.islice(_pseudo_words("Ġ", set(tokens)), arch.vocab_size - len(tokens) - 1)
    tokens.append("<mask>")  # last, as in BART
    vocab = {token: i for i, token in enumerate(tokens)}

    tokenizer = BartTokenizer(vocab=vocab, merges=merges, model_max_length=arch.max_positions)
    tokenizer.save_pretrained(out)

    bos, pad, eos = vocab["<s>"], vocab["<pad>"], vocab["</s>"]
    config = BartConfig(
        **_bart_family_sizes(arch, len(vocab)),
        bos_token_id=bos,
        pad_token_id=pad,
        eos_token_id=eos,
        decoder_start_token_id=eos,
        forced_eos_token_id=eos,
    )
    generation = {
        "bos_token_id": bos,
        "pad_token_id": pad,
        "eos_token_id": eos,
        "decoder_start_token_id": eos,
        "forced_bos_token_id": bos,
        "forced_eos_token_id": eos,
    }
    _save_model(BartForConditionalGeneration, config, generation, tokenizer.all_special_ids, out, seed)


# --- T5 ----------------------------------------------------------------------------------------------


def _build_t5(arch: _Arch, out: pathlib.Path, seed: int) -> None:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    # T5's layout: <pad>=0, </s>=1, <unk>=2, the pieces, then the sentinels <extra_id_99> … <extra_id_0>.
    proto = _spm_proto(_train_spm(arch.trained_vocab, pad_id=0, eos_id=1, unk_id=2, bos_id=-1))
    if arch.vocab_size is not None:
        _pad_spm(proto, arch.vocab_size - _T5_EXTRA_IDS)
    (out / "spiece.model").write_bytes(proto.SerializeToString())
    # Built from the pieces directly (what T5Tokenizer.from_pretrained does with a spiece.model),
    # because from_pretrained leaks its loading arguments (local_files_only, ...) into tokenizer_config.json.
    sentinels = [(f"<extra_id_{i}>", 0.0) for i in reversed(range(_T5_EXTRA_IDS))]
    tokenizer = T5Tokenizer(
        vocab=[(piece.piece, piece.score) for piece in proto.pieces] + sentinels,
        _spm_precompiled_charsmap=proto.normalizer_spec.precompiled_charsmap,
        extra_ids=_T5_EXTRA_IDS,
        model_max_length=arch.max_positions,
    )
    tokenizer.save_pretrained(out)

    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=arch.d_model,
        d_kv=arch.d_model // arch.heads,
        d_ff=arch.ffn,
        num_layers=arch.encoder_layers,
        num_decoder_layers=arch.decoder_layers,
        num_heads=arch.heads,
        feed_forward_proj="relu",
        tie_word_embeddings=True,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    generation = {"pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}
    _save_model(T5ForConditionalGeneration, config, generation, tokenizer.all_special_ids, out, seed)


# --- NLLB --------------------------------------------------------------------------------------------


def _build_nllb(arch: _Arch, out: pathlib.Path, seed: int) -> None:
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES
    from transformers.tokenization_utils_base import generate_merges

    # NLLB's tokenizer is a SentencePiece BPE model laid out as in fairseq: <s>=0, <pad>=1, </s>=2, <unk>=3,
    # the pieces, the 202 FLORES-200 codes (eng_Latn, azj_Latn, ...), <mask> last. In transformers 5,
    # NllbTokenizer (NllbTokenizerFast is the same class) is a `tokenizers` BPE built from the SPM's
    # pieces and merges, which is what its own SentencePiece conversion does; the codes are its
    # default special tokens. The codes are in the vocabulary so that their ids are fixed.
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    proto = _spm_proto(_train_spm(arch.trained_vocab, model_type="bpe", unk_id=0, bos_id=1, eos_id=2, pad_id=-1))
    tokens = specials + [piece.piece for piece in proto.pieces if piece.piece not in specials]
    merges = generate_merges({token: i for i, token in enumerate(tokens)}, skip_tokens=specials)
    codes = list(FAIRSEQ_LANGUAGE_CODES)
    if arch.vocab_size is not None:
        # Pieces without a merge are never produced by BPE, but each id decodes ("▁" is a space).
        padding = arch.vocab_size - len(tokens) - len(codes) - 1
        tokens += itertools.islice(_pseudo_words("▁", set(tokens)), padding)
    tokens += [*codes, "<mask>"]
    vocab = {token: i for i, token in enumerate(tokens)}

    tokenizer = NllbTokenizer(
        vocab=vocab,
        merges=merges,
        _spm_precompiled_charsmap=proto.normalizer_spec.precompiled_charsmap,
        extra_special_tokens=codes,
        src_lang="eng_Latn",
        model_max_length=arch.max_positions,
    )
    tokenizer.save_pretrained(out)

    config = M2M100Config(
        **_bart_family_sizes(arch, len(tokenizer)),
        activation_function="relu",
        scale_embedding=True,
        tie_word_embeddings=True,
        encoder_layerdrop=0.0,  # as in the real NLLB-200 configs
        decoder_layerdrop=0.0,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    # The real generation config has no forced ids: the product forces the target code per call.
    generation = {"bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 2}
    # The codes are special tokens too, so they are silenced with the others.
    _save_model(M2M100ForConditionalGeneration, config, generation, tokenizer.all_special_ids, out, seed)


_BUILDERS = {"marian": _build_marian, "bart": _build_bart, "t5": _build_t5, "nllb": _build_nllb}
