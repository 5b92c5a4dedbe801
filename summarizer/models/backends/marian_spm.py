"""Marian's tokenizer without transformers: SentencePiece plus vocab.json, the way MarianTokenizer
does it. The ctranslate2 backend uses it so that it never imports torch: transformers 5 imports
torch with any Hugging Face tokenizer, and that import is most of the backend's memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARIAN_FILES = ("source.spm", "target.spm", "vocab.json")


def can_use(path: Path, model_type: str) -> bool:
    return model_type == "marian" and all((path / name).is_file() for name in MARIAN_FILES)


class MarianSpmTokenizer:
    """The subset of the Hugging Face tokenizer interface the backends use, for Marian folders."""

    def __init__(self, path: Path):
        import sentencepiece as spm

        self.spm_source = spm.SentencePieceProcessor(model_file=str(path / "source.spm"))
        self.spm_target = spm.SentencePieceProcessor(model_file=str(path / "target.spm"))
        self.encoder: dict[str, int] = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        self.decoder = {i: t for t, i in self.encoder.items()}
        config_file = path / "tokenizer_config.json"
        config: dict[str, Any] = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        self.eos_token = str(config.get("eos_token") or "</s>")
        self.unk_token = str(config.get("unk_token") or "<unk>")
        self.pad_token = str(config.get("pad_token") or "<pad>")
        self.model_max_length = config.get("model_max_length")
        self.eos_token_id = self.encoder[self.eos_token]
        self.unk_token_id = self.encoder[self.unk_token]
        self.pad_token_id = self.encoder.get(self.pad_token)
        self.special_tokens = {self.eos_token, self.unk_token, self.pad_token}

    def _tokenize(self, text: str) -> list[str]:
        # Like MarianTokenizer: a leading >>xxx<< target token stays whole, the rest goes to the spm.
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2 :]
        return code + self.spm_source.encode(text, out_type=str)

    def __call__(
        self, texts: Sequence[str], add_special_tokens: bool = True, truncation: bool = False
    ) -> dict[str, list[list[int]]]:
        ids = []
        for text in texts:
            row = [self.encoder.get(t, self.unk_token_id) for t in self._tokenize(text)]
            ids.append(row + [self.eos_token_id] if add_special_tokens else row)
        return {"input_ids": ids}

    @property
    def all_special_ids(self) -> list[int]:
        return [self.encoder[t] for t in self.special_tokens if t in self.encoder]

    def target_ids(self, text: str) -> list[int]:
        """`text` as the decoder would write it (the target spm), without special tokens."""
        return [self.encoder.get(t, self.unk_token_id) for t in self.spm_target.encode(text, out_type=str)]

    def convert_ids_to_tokens(self, ids: int | Sequence[int]) -> Any:
        if isinstance(ids, int):
            return self.decoder[ids]
        return [self.decoder[i] for i in ids]

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        if isinstance(tokens, str):
            return self.encoder.get(tokens, self.unk_token_id)
        return [self.encoder.get(t, self.unk_token_id) for t in tokens]

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        tokens = [self.decoder[i] for i in ids]
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in self.special_tokens]
        # Like MarianTokenizer.convert_tokens_to_string: special tokens are never fed to the spm.
        out, pieces = "", []
        for token in tokens:
            if token in self.special_tokens:
                out += self.spm_target.decode_pieces(pieces) + token + " "
                pieces = []
            else:
                pieces.append(token)
        out += self.spm_target.decode_pieces(pieces)
        return out.replace("\u2581", " ").strip()
