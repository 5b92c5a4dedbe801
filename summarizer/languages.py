"""The languages: codes and how they are written, names, scripts and direction, each language's codes in
NLLB and multi-target Marian models, and its default model from English (`LANGUAGES`).

Which model serves a pair, what is known of each model and how a model is told its target are the model
catalogue's (`models.catalogue`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ConfigError, UnknownLanguageError

# A BCP-47-like code as users write it: `az`, `ar`, `zh-Hant`, `zh_Hant`, `sr-Latn-RS`.
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})


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


NLLB_600M = "facebook/nllb-200-distilled-600M"

# The az, ru and ar defaults follow the published FLORES-200 scores in MODEL_CARDS. Which of `token`
# and `nllb` is used depends on the model (see `target_spec`): NLLB takes the FLORES code; a Marian
# model whose vocabulary has `>>xxx<<` tokens (opus-mt-tc-big-en-ar, opus-mt-en-trk, opus-mt-en-ar) is
# multi-target and gets `token`; opus-mt-en-ru has none. So the az token stays for users who pick
# opus-mt-en-trk by name.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language("az", "Azerbaijani", NLLB_600M, ">>aze_Latn<<", "azj_Latn"),
        Language("ru", "Russian", "Helsinki-NLP/opus-mt-en-ru", ">>rus<<", "rus_Cyrl", "Cyrl"),
        Language("ar", "Arabic", "Helsinki-NLP/opus-mt-tc-big-en-ar", ">>ara<<", "arb_Arab", "Arab"),
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
ENGLISH = "en"
# Every language the registry translates from or into: English (the source of the defaults above) and
# the LANGUAGES. NLLB-200 covers all of them, by these FLORES-200 codes (its `src_lang` and target code).
NLLB_CODES: dict[str, str] = {ENGLISH: "eng_Latn", **{code: lang.nllb for code, lang in LANGUAGES.items()}}
LANGUAGE_NAMES: dict[str, str] = {ENGLISH: "English", **{code: lang.name for code, lang in LANGUAGES.items()}}
# `>>xxx<<` tokens of multi-target Marian models, for every registry language as a target.
MARIAN_TOKENS: dict[str, str] = {ENGLISH: ">>eng<<", **{code: lang.token for code, lang in LANGUAGES.items()}}
AUTO = "auto"  # source_lang: detect each article's language when it is read


def same_language(a: str, b: str) -> bool:
    """Do two codes name one language (`zh_Hant` and `zh-hant` do; `zh` and `zh-Hant` don't)?"""
    return language_tag(a).lower() == language_tag(b).lower()


def language_name(code: str) -> str:
    """`English`, `Russian`, ...; the code itself for a language the registry doesn't know."""
    return LANGUAGE_NAMES.get(code, LANGUAGE_NAMES.get(code.split("-")[0].split("_")[0], code))


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


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 sentence`, `2 sentences` (`words` for irregular plurals: `1 entry`, `3 entries`): counts in messages."""
    return f"{n} {word if n == 1 else words or word + 's'}"
