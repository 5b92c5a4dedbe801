"""The language registry: default translation model and target token per language, script direction.

Users write `ar`; the registry knows that opus-mt-en-ar needs `>>ara<<`, and that NLLB wants `arb_Arab`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, UnknownLanguageError

# A BCP-47-like code as users write it: `az`, `ar`, `zh-Hant`, `zh_Hant`, `sr-Latn-RS`.
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})


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
class Language:
    code: str  # BCP-47, used for lang attributes
    name: str
    model: str  # default en->X model (hub id)
    token: str  # this language's `>>xxx<<` token in multi-target opus-mt models
    nllb: str  # NLLB-200 / FLORES code
    script: str = "Latn"

    @property
    def direction(self) -> str:
        return direction(self.code)


# Whether `token` is used is decided by the model's vocabulary (see `target_spec`): the default
# models for az and ar (opus-mt-en-trk, opus-mt-en-ar) are multi-target, opus-mt-en-ru is not.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language("az", "Azerbaijani", "Helsinki-NLP/opus-mt-en-trk", ">>aze_Latn<<", "azj_Latn"),
        Language("ru", "Russian", "Helsinki-NLP/opus-mt-en-ru", ">>rus<<", "rus_Cyrl", "Cyrl"),
        Language("ar", "Arabic", "Helsinki-NLP/opus-mt-en-ar", ">>ara<<", "arb_Arab", "Arab"),
        Language("tr", "Turkish", "Helsinki-NLP/opus-mt-en-trk", ">>tur<<", "tur_Latn"),
        Language("de", "German", "Helsinki-NLP/opus-mt-en-de", ">>deu<<", "deu_Latn"),
        Language("fr", "French", "Helsinki-NLP/opus-mt-en-fr", ">>fra<<", "fra_Latn"),
        Language("es", "Spanish", "Helsinki-NLP/opus-mt-en-es", ">>spa<<", "spa_Latn"),
        Language("uk", "Ukrainian", "Helsinki-NLP/opus-mt-en-uk", ">>ukr<<", "ukr_Cyrl", "Cyrl"),
        Language("zh", "Chinese", "Helsinki-NLP/opus-mt-en-zh", ">>cmn_Hans<<", "zho_Hans", "Hans"),
        Language("fa", "Persian", "Helsinki-NLP/opus-mt-en-iir", ">>pes<<", "pes_Arab", "Arab"),
        Language("he", "Hebrew", "Helsinki-NLP/opus-mt-en-he", ">>heb<<", "heb_Hebr", "Hebr"),
        Language("ka", "Georgian", "Helsinki-NLP/opus-mt-en-ka", ">>kat<<", "kat_Geor", "Geor"),
    ]
}
SOURCE_NLLB = {"en": "eng_Latn"}


def get_language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise UnknownLanguageError(
            f"unknown language {code!r}; known: {', '.join(sorted(LANGUAGES))} (or give a model for it with --model {code}=MODEL)"
        ) from None


def check_language_code(code: str, where: str = "language") -> str:
    """`code` if it is shaped like a language code (it ends up in file names and `lang` attributes)."""
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ConfigError(f"{where}: {code!r} is not a language code; write it like az, ru, ar or zh-Hant")
    return code


def language_tag(code: str) -> str:
    """The BCP-47 tag for a language code as users write it (`az`, `zh_Hant` -> `zh-Hant`)."""
    return code.strip().replace("_", "-")


def direction(code: str) -> str:
    return "rtl" if code.split("-")[0] in RTL_LANGUAGES else "ltr"


def target_spec(
    target: str,
    *,
    model_type: str,
    model_name: str,
    nllb: bool = False,
    source_lang: str = "en",
    target_token: str | None = None,
    language_tokens: frozenset[str] = frozenset(),
) -> TargetSpec:
    """How to ask a model for `target`. An explicit `target_token` wins over the registry.

    `nllb` marks an NLLB-200 model (config model_type m2m_100, NllbTokenizer), which takes FLORES
    codes. `language_tokens` are the `>>xxx<<` tokens in a Marian model's vocabulary: a model that
    has them is multi-target and must be given one; a model without them must not.
    """
    lang = LANGUAGES.get(target)
    if model_type == "m2m_100" and nllb:
        code = target_token or (lang.nllb if lang else None)
        if code is None:
            raise UnknownLanguageError(
                f"no NLLB code known for {target!r}; set target_token (for example 'azj_Latn') for it"
            )
        return TargetSpec(forced_bos=code, src_lang=SOURCE_NLLB.get(source_lang, source_lang))
    if model_type == "m2m_100":
        return TargetSpec(forced_bos=target_token or f"__{target}__", src_lang=source_lang)
    if target_token:
        if language_tokens and target_token not in language_tokens:
            raise ConfigError(
                f"{model_name}: target token {target_token!r} for {target!r} is not in the model's vocabulary (it has e.g. {', '.join(sorted(language_tokens)[:5])})"
            )
        return TargetSpec(prefix_token=target_token)
    if language_tokens:
        if lang is not None and lang.token in language_tokens:
            return TargetSpec(prefix_token=lang.token)
        raise ConfigError(
            f"{model_name} is a multi-target model and needs a target token for {target!r}; set target_token (it knows e.g. {', '.join(sorted(language_tokens)[:5])})"
        )
    return TargetSpec()
