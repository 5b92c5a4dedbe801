"""Building stand-in models: random-weight Marian, BART, T5 and NLLB models with real tokenizers, offline.

Their output is noise. They exist so that the real loading and `generate()` code runs without the Hub.
A translation stand-in built for a target language writes its noise in that language's script.
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
import string
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ...errors import ConfigError
from .lengths import LENGTH_CALIBRATION, craft_marian_lengths
from .marker import STAND_IN_MARKER, STAND_IN_MARKER_NOTICE, is_stand_in

__all__ = ["KINDS", "LENGTHS", "MARIAN_LANGUAGE_TOKENS", "SIZES", "TARGET_LANGS", "build_stand_in"]

log = logging.getLogger(__name__)

KINDS = ("marian", "bart", "t5", "nllb")
SIZES = ("tiny", "base")
# "forced": plain random weights, which never stop at a sensible point (benchmarks force every length).
# "realistic": crafted weights end each output at a length that follows the source (marian only).
LENGTHS = ("forced", "realistic")
# The target-language tokens of the multi-target opus-mt models the language registry knows (tc-big-en-ar, en-trk).
MARIAN_LANGUAGE_TOKENS = (">>ara<<", ">>aze_Latn<<", ">>rus<<", ">>tur<<")
# Target languages with a packaged text (data/standin_corpus.LANG.txt: original news-like sentences in
# the language's script, written for the stand-ins). Translation stand-ins only: marian and nllb.
TARGET_LANGS = ("ar", "az", "ru")
_TARGET_KINDS = ("marian", "nllb")
# How far below the target-language pieces every other token's logit is pushed (a finite number, so
# that float16 and beam search stay well-defined; random logits here lie within about +/-1).
_PUSH_DOWN = 100.0

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


def build_stand_in(
    kind: str,
    size: str,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    lengths: str = "forced",
    target_lang: str | None = None,
) -> pathlib.Path:
    """Build a random-weight `kind` model of `size` with a freshly trained tokenizer, saved in `out_dir`.

    The folder loads with `AutoTokenizer` and `AutoModelForSeq2SeqLM`. The same `seed` gives the same
    files, byte for byte. An existing `out_dir` is replaced only if it is empty or a stand-in itself.
    `lengths="realistic"` (marian only) adds crafted weights that end every output at a length that
    follows the source's, the same under torch and CTranslate2; see `lengths.craft_marian_lengths`.
    `target_lang` (marian or nllb; one of `TARGET_LANGS`) trains the tokenizer on English and that
    language's text and makes the decoder emit only that language's pieces (and EOS), under torch and
    CTranslate2 alike; see `_target_piece_ids`.
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
    if target_lang is not None:
        if target_lang not in TARGET_LANGS:
            raise ConfigError(
                f"No stand-in text for target language {target_lang!r}: choose one of {', '.join(TARGET_LANGS)}."
            )
        if kind not in _TARGET_KINDS:
            raise ConfigError(f"A target language is for translation stand-ins (marian or nllb), not {kind}.")
        if lengths == "realistic":
            # The (rho, sigma, c) were fitted on references tokenized by the English-only vocabulary; in a
            # vocabulary with the target's own pieces the same text is far fewer tokens.
            raise ConfigError(
                "Realistic lengths are calibrated for the English-only vocabulary and do not combine with a "
                "target language yet: drop --lang, or use --lengths forced."
            )
    out = pathlib.Path(out_dir)
    if out.exists() and not (out.is_dir() and (is_stand_in(out) or not any(out.iterdir()))):
        raise ConfigError(f"{out} already exists and is not a stand-in model folder; choose a new or empty folder.")

    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so that a reader never sees a half-built model.
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent))
    try:
        if lengths == "realistic":
            _build_marian(_ARCHS[kind, size], staging, seed, lengths=LENGTH_CALIBRATION[size])
        else:
            _BUILDERS[kind](_ARCHS[kind, size], staging, seed, target_lang)
        marker = {"kind": kind, "size": size, "seed": seed, "notice": STAND_IN_MARKER_NOTICE}
        if lengths != "forced":  # the forced marker stays as it always was
            marker["lengths"] = lengths
        if target_lang is not None:  # as does the marker of a stand-in without one
            marker["target_lang"] = target_lang
        (staging / STAND_IN_MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _replace_dir(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info(
        "Built a %s %s stand-in%s in %s (seed %d) in %.2fs: %s",
        size, kind, f" for {target_lang}" if target_lang else "", out, seed, time.perf_counter() - started,
        STAND_IN_MARKER_NOTICE,
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


def _corpus_lines(lang: str | None = None) -> list[str]:
    """The English training text, or (`lang`) that language's: standin_corpus.txt, standin_corpus.LANG.txt."""
    name = f"standin_corpus.{lang}.txt" if lang else "standin_corpus.txt"
    text = resources.files("summarizer.models.standin").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _training_lines(target_lang: str | None) -> list[str]:
    """English, the source side; with a target language, its text as well, so that both have pieces."""
    return _corpus_lines() + (_corpus_lines(target_lang) if target_lang else [])


def _trained_vocab(arch: _Arch, target_lang: str | None) -> int:
    """Two texts share one vocabulary: twice the pieces, so that English keeps about the pieces it has alone."""
    return arch.trained_vocab * (2 if target_lang else 1)


def _target_piece_ids(proto_bytes: bytes, target_lang: str, vocab: dict[str, int]) -> list[int]:
    """The ids of the pieces that belong to `target_lang` in a SentencePiece model trained on both texts.

    A piece belongs to the target if the target text uses it and uses it more often, per piece, than
    the English text: every piece in Cyrillic or Arabic script, the Azerbaijani letters and suffixes,
    and the punctuation the target leans on. Padding pieces and English words are never among them.
    """
    import collections

    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(model_proto=proto_bytes)

    def shares(lines: list[str]) -> dict[str, float]:
        ids = [i for line in lines for i in processor.encode(line)]
        counts = collections.Counter(processor.id_to_piece(i) for i in ids if not processor.is_unknown(i))
        total = sum(counts.values())
        return {piece: n / total for piece, n in counts.items()}

    english, target = shares(_corpus_lines()), shares(_corpus_lines(target_lang))
    return sorted(vocab[piece] for piece, share in target.items() if piece in vocab and share > english.get(piece, 0.0))


def _pseudo_words(prefix: str, taken: set[str]) -> Iterator[str]:
    """Yield pronounceable non-words, so that a padded vocabulary decodes to word-like noise."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    for length in itertools.count(2):
        for parts in itertools.product(syllables, repeat=length):
            word = prefix + "".join(parts)
            if word not in taken:
                yield word


def _train_spm(lines: list[str], pieces: int, model_type: str = "unigram", **special_ids: int) -> bytes:
    """Train a SentencePiece model (unigram or bpe) on `lines`; return the serialized ModelProto."""
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        model_type=model_type,
        vocab_size=pieces,
        hard_vocab_limit=False,  # the corpus is small: take the pieces it gives
        num_threads=1,  # keeps the trained scores identical from run to run
        minloglevel=2,  # training logs are noisy
        # Every ASCII letter and digit, as a real model's vocabulary has them: a placeholder (`XQZ1`, see
        # quality.protection) or a URL must be writable even where the small corpus lacks a letter.
        required_chars=string.ascii_letters + string.digits,
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


def _build_marian(
    arch: _Arch,
    out: pathlib.Path,
    seed: int,
    target_lang: str | None = None,
    lengths: dict[str, tuple] | None = None,
) -> None:
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    # Marian's ids live in vocab.json, not in the SentencePiece model. As in opus-mt: </s>=0, <unk>=1,
    # the language tokens, the pieces, and <pad> last. The SPM model's own <unk> and </s> map to 1 and 0.
    trained = _train_spm(
        _training_lines(target_lang), _trained_vocab(arch, target_lang), unk_id=0, eos_id=1, bos_id=-1, pad_id=-1
    )
    proto = _spm_proto(trained)
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
            craft_marian_lengths(model, silent, params, lengths[""], seed)

    elif target_lang is not None:
        allowed = [0, *_target_piece_ids(trained, target_lang, vocab)]  # EOS and the target's pieces

        def craft(model: Any) -> None:
            # final_logits_bias is a saved buffer, added to every logit by torch; CTranslate2's converter
            # carries it into the output projection's bias, so both backends push the same tokens down.
            bias = model.final_logits_bias
            bias.fill_(-_PUSH_DOWN)
            bias[0, allowed] = 0.0

    _save_model(MarianMTModel, config, generation, silent, out, seed, craft)


def _build_bart(arch: _Arch, out: pathlib.Path, seed: int, target_lang: str | None = None) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    # Byte-level BPE, BART's real tokenizer kind: every byte is in the alphabet, so no text is unknown.
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_trained_vocab(arch, target_lang),
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],  # ids 0-3, as in BART
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_training_lines(target_lang), trainer=trainer)
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


def _build_t5(arch: _Arch, out: pathlib.Path, seed: int, target_lang: str | None = None) -> None:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    # T5's layout: <pad>=0, </s>=1, <unk>=2, the pieces, then the sentinels <extra_id_99> … <extra_id_0>.
    proto = _spm_proto(
        _train_spm(
            _training_lines(target_lang), _trained_vocab(arch, target_lang), pad_id=0, eos_id=1, unk_id=2, bos_id=-1
        )
    )
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


def _build_nllb(arch: _Arch, out: pathlib.Path, seed: int, target_lang: str | None = None) -> None:
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES
    from transformers.tokenization_utils_base import generate_merges

    # NLLB's tokenizer is a SentencePiece BPE model laid out as in fairseq: <s>=0, <pad>=1, </s>=2, <unk>=3,
    # the pieces, the 202 FLORES-200 codes (eng_Latn, azj_Latn, ...), <mask> last. In transformers 5,
    # NllbTokenizer (NllbTokenizerFast is the same class) is a `tokenizers` BPE built from the SPM's
    # pieces and merges, which is what its own SentencePiece conversion does; the codes are its
    # default special tokens. The codes are in the vocabulary so that their ids are fixed.
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    trained = _train_spm(
        _training_lines(target_lang),
        _trained_vocab(arch, target_lang),
        model_type="bpe",
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
    )
    proto = _spm_proto(trained)
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
    craft = None
    if target_lang is not None:
        allowed = [2, *_target_piece_ids(trained, target_lang, vocab)]  # </s> and the target's pieces

        def craft(model: Any) -> None:
            _push_down_nllb(model, allowed)

    # The codes are special tokens too, so they are silenced with the others.
    _save_model(M2M100ForConditionalGeneration, config, generation, tokenizer.all_special_ids, out, seed, craft)


def _push_down_nllb(model: Any, allowed: list[int]) -> None:
    """Push every token but `allowed` far down in the logits of an M2M100 model, which has no logits bias.

    The output projection is the tied embedding matrix and has no bias, so one dimension k stands in for
    it: the decoder's last LayerNorm writes a constant G there (weight 0, bias G) and the embedding row of
    every pushed-down token holds -e in dimension k, which costs it G * e in every logit. Every other
    LayerNorm ignores dimension k (weight and bias 0), so the -e the encoder gets with its English input
    pieces feeds no computation; it only adds e^2 to the mean square each norm divides by (about 0.5 from
    the positions and embeddings alone), which rescales the encoder's noise without breaking it.
    """
    import torch

    k = model.config.d_model - 1
    # G * e = _PUSH_DOWN. A smaller e with a larger G would leave int8 CTranslate2, which quantizes each
    # row of activations by its largest entry, nothing but G to see; G = 200 keeps the rest in view.
    e = 0.5
    gain = _PUSH_DOWN / e
    emb = model.get_input_embeddings().weight
    emb[:, k] = -e
    emb[allowed, k] = 0.0
    for norm in model.modules():
        if isinstance(norm, torch.nn.LayerNorm):
            norm.weight[k] = 0.0
            norm.bias[k] = 0.0
    model.model.decoder.layer_norm.bias[k] = gain


_BUILDERS = {"marian": _build_marian, "bart": _build_bart, "t5": _build_t5, "nllb": _build_nllb}
