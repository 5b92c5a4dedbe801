"""BART's tokenizer without transformers: the `tokenizers` library, set up the way transformers 5's
BartTokenizer (RobertaTokenizer) sets it up, so the ctranslate2 backend never imports torch.

Covered: BART-family folders (BART, DistilBART; tokenizer_class Bart/Roberta or none) with tokenizer.json,
or with only vocab.json + merges.txt as many hub checkpoints ship. Left to AutoTokenizer, because
transformers 5 rebuilds their pipelines in class code (or needs src_lang switching) and parity with
tokenizer.json alone is not proven: T5, Pegasus, NLLB/M2M100, any other tokenizer class, remote code
(auto_map), a legacy added_tokens.json, and clean-up forced on for BPE. Marian uses marian_spm.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BART_CLASSES = {"BartTokenizer", "BartTokenizerFast", "RobertaTokenizer", "RobertaTokenizerFast"}
# RobertaTokenizer's defaults, used where the folder names no other.
DEFAULT_SPECIALS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


def _read_json(file: Path) -> dict[str, Any]:
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}


def can_use(path: Path, model_type: str) -> bool:
    """True for a BART-family folder this class tokenizes exactly as AutoTokenizer does."""
    if model_type != "bart":
        return False
    config = _read_json(path / "tokenizer_config.json")
    if config.get("tokenizer_class", "BartTokenizer") not in BART_CLASSES or "auto_map" in config:
        return False
    if (path / "added_tokens.json").is_file():
        return False
    if config.get("clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output"):
        return False  # transformers skips the clean-up for BPE unless this is set
    return (path / "tokenizer.json").is_file() or all((path / n).is_file() for n in ("vocab.json", "merges.txt"))


def _content(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("content")
    return value


def _added_token(spec: dict[str, Any]):
    from tokenizers import AddedToken

    return AddedToken(
        spec["content"],
        single_word=spec.get("single_word", False),
        lstrip=spec.get("lstrip", False),
        rstrip=spec.get("rstrip", False),
        normalized=spec.get("normalized", not spec.get("special", False)),
        special=spec.get("special", False),
    )


class FastTokenizer:
    """The subset of the Hugging Face tokenizer interface the backends use, for BART-family folders."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
        from tokenizers.models import BPE

        config = _read_json(path / "tokenizer_config.json")
        # Each named special token as its config value: a string, or an AddedToken's fields.
        named: dict[str, Any] = {key: config.get(key, default) for key, default in DEFAULT_SPECIALS.items()}
        added: list[dict[str, Any]] = []
        if "added_tokens_decoder" in config:
            added = [config["added_tokens_decoder"][i] for i in sorted(config["added_tokens_decoder"], key=int)]
        else:
            # As transformers reads a folder without added_tokens_decoder: special_tokens_map.json wins.
            for key, value in _read_json(path / "special_tokens_map.json").items():
                if key in named:
                    named[key] = value
        file = path / "tokenizer.json"
        if file.is_file():
            data = json.loads(file.read_text(encoding="utf-8"))
            vocab = data["model"]["vocab"]
            merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
            if "added_tokens_decoder" not in config:
                added = data.get("added_tokens", [])
        else:
            vocab, merges = BPE.read_file(str(path / "vocab.json"), str(path / "merges.txt"))
        add_prefix_space = bool(config.get("add_prefix_space", False))
        backend = Tokenizer(
            BPE(
                vocab=vocab,
                merges=merges,
                dropout=None,
                continuing_subword_prefix="",
                end_of_word_suffix="",
                fuse_unk=False,
            )
        )
        backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space)
        backend.decoder = decoders.ByteLevel()
        # The folder's added tokens, then every named special token that is not one of them yet.
        tokens = [_added_token(spec) for spec in added]
        contents = {str(t.content) for t in tokens}
        for value in named.values():
            if value is not None and _content(value) not in contents:
                contents.add(_content(value))
                tokens.append(
                    _added_token(
                        {**value, "special": True} if isinstance(value, dict) else {"content": value, "special": True}
                    )
                )
        backend.add_tokens(tokens)
        specials = {key: _content(value) for key, value in named.items()}
        sep, cls = specials["sep_token"], specials["cls_token"]
        backend.post_processor = processors.RobertaProcessing(
            (sep, backend.token_to_id(sep)),
            (cls, backend.token_to_id(cls)),
            trim_offsets=bool(config.get("trim_offsets", True)),
            add_prefix_space=add_prefix_space,
        )
        self.backend = backend
        self.model_max_length = config.get("model_max_length")
        self.unk_token = specials["unk_token"]
        self.unk_token_id = backend.token_to_id(self.unk_token) if self.unk_token else None
        self.pad_token_id = backend.token_to_id(specials["pad_token"]) if specials["pad_token"] else None
        self.eos_token_id = backend.token_to_id(specials["eos_token"]) if specials["eos_token"] else None

    def __call__(
        self, texts: Sequence[str], add_special_tokens: bool = True, truncation: bool = False
    ) -> dict[str, list[list[int]]]:
        encodings = self.backend.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in encodings]}

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> Any:
        if isinstance(ids, int):
            return self.backend.id_to_token(ids)
        return [self.backend.id_to_token(int(i)) for i in ids]

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        if isinstance(tokens, str):
            found = self.backend.token_to_id(tokens)
            return self.unk_token_id if found is None else found
        return [self.convert_tokens_to_ids(t) for t in tokens]

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        return self.backend.decode(list(ids), skip_special_tokens=skip_special_tokens)
