"""The model catalogue: which model translates each language pair by default, what is known of each model
before it is downloaded (size, licence, published scores, the languages a summarizer knows), and how a model
is told its target language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, UnknownLanguageError
from ..languages import ENGLISH, LANGUAGES, MARIAN_TOKENS, NLLB_600M, NLLB_CODES, same_language


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


# ---- the pair registry ---------------------------------------------------------------------------------

# Opus-MT models for pairs that do not start in English. How they were chosen: each is in Helsinki-NLP's
# published list of opus-mt-{src}-{tgt} models (the Hub's Helsinki-NLP namespace; no guessed names), and
# each pair is high-resource in OPUS (the UN Parallel Corpus for ar, en, es, fr, ru, zh; Europarl for de,
# es, fr; large ru-uk and ru/uk/tr/zh-en data). Pairs with little training data are left to NLLB even
# where an opus-mt model exists (az-en, ka-en, az-tr, he-*, tr-uk, zh-he, ...), as az's default is. No
# FLORES-200 score is published in ../shared/eval for these pairs: "good" means high-resource, not measured.
_OPUS_MT_PAIRS = (
    # into English
    "ru-en", "ar-en", "de-en", "fr-en", "es-en", "uk-en", "zh-en", "tr-en",
    # Russian with Arabic, French, Spanish and Ukrainian, both ways
    "ru-ar", "ar-ru", "ru-fr", "fr-ru", "ru-es", "es-ru", "ru-uk", "uk-ru",
    # Arabic with French and Spanish (UN corpus), both ways
    "ar-fr", "fr-ar", "ar-es", "es-ar",
    # German, French and Spanish among themselves (Europarl)
    "de-fr", "fr-de", "de-es", "es-de", "fr-es", "es-fr",
)  # fmt: skip
# (source, target) -> the default model. From English: each language's `model` above, unchanged.
PAIR_MODELS: dict[tuple[str, str], str] = {
    **{(ENGLISH, code): lang.model for code, lang in LANGUAGES.items()},
    **{tuple(pair.split("-")): f"Helsinki-NLP/opus-mt-{pair}" for pair in _OPUS_MT_PAIRS},  # type: ignore[misc]
}


def pair_model(source: str, target: str) -> str | None:
    """The registry's model for translating `source` into `target`: an Opus-MT model for the pair where
    a good one exists, else NLLB-200 when it knows both languages, else None (nobody covers the pair)."""
    if (source, target) in PAIR_MODELS:
        return PAIR_MODELS[source, target]
    if source in NLLB_CODES and target in NLLB_CODES and not same_language(source, target):
        return NLLB_600M
    return None


def uncovered_pair(source: str, target: str) -> str:
    """The one line that says no model covers a pair, and what to do about it."""
    unknown = " and ".join(repr(code) for code in dict.fromkeys((source, target)) if code not in NLLB_CODES)
    known = ", ".join(sorted(NLLB_CODES))
    why = f"unknown language{'s' if ' and ' in unknown else ''} {unknown} (the registry knows {known})"
    return f"no model translates {source} into {target}: {why}; give one with --model {target}=MODEL"


def translation_model(source: str, target: str) -> str:
    """`pair_model`, or an UnknownLanguageError whose message is `uncovered_pair`."""
    model = pair_model(source, target)
    if model is None:
        raise UnknownLanguageError(uncovered_pair(source, target))
    return model


# ---- the model catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedScore:
    """One quality figure that someone published for a model; never one measured by this tool."""

    languages: str  # the pair for translation ("en-az"), the language for summaries ("en")
    metric: str  # "chrF", "BLEU", "COMET-22", "COMET" (a leaderboard's own COMET), "ROUGE-2", ...
    value: float
    testset: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.metric} {self.value:g} ({self.languages}, {self.testset}; {self.source})"


@dataclass(frozen=True)
class ModelCard:
    """What is known about a model before it is downloaded: its size, licence and published scores."""

    id: str  # hub id
    task: str  # "translate" or "summarize"
    model_type: str  # config.json's model_type
    params: int  # parameter count; several are approximate (see MODEL_CARDS)
    licence: str  # SPDX identifier
    licence_note: str  # what the licence means for a user, in one sentence
    scores: tuple[PublishedScore, ...] = ()
    summarizes: tuple[str, ...] = ()  # summary models: the languages it was trained to summarize

    @property
    def non_commercial(self) -> bool:
        return "-NC" in self.licence.upper()

    def scores_for(self, languages: str) -> tuple[PublishedScore, ...]:
        """The published scores for one pair (`en-az`) or, for summaries, one language (`en`)."""
        return tuple(s for s in self.scores if s.languages == languages)


FLORES = "FLORES-200 devtest"
OPUS_MT_LEADERBOARD = "OPUS-MT leaderboard"
# Also kept in ../shared/eval/flores200-devtest/published-scores.tsv (systems "nllb" and "opusmt"), to 4 places.
MOZILLA_EVAL = "Mozilla firefox-translations-models evaluation"
_NON_COMMERCIAL = (
    "Non-commercial use only (CC BY-NC 4.0): it may not be used in commercial products or services; "
    "pass an Opus-MT model with --model for those."
)
_ATTRIBUTION = "Commercial use allowed, with attribution (CC BY 4.0)."
# The Hub cards of the older opus-mt models say apache-2.0; the OPUS-MT project publishes the same
# weights under CC BY 4.0. Either way commercial use is allowed, with attribution or the notice kept.
_OPUS_MT_APACHE = "Commercial use allowed (Apache-2.0 on the Hub card; CC BY 4.0 where OPUS-MT publishes it)."
_APACHE = "Commercial use allowed (Apache-2.0)."


def _score(languages: str, metric: str, value: float, source: str, testset: str = FLORES) -> PublishedScore:
    return PublishedScore(languages, metric, value, testset, source)


# The defaults were chosen from these figures. az: NLLB scores far above both Opus-MT models, so its
# non-commercial licence is the price of a usable translation. ar: opus-mt-tc-big-en-ar is well above
# the older eng-ara models on the leaderboard's COMET. ru: NLLB's small COMET-22 lead over
# opus-mt-en-ru does not pay for eight times the size and a non-commercial licence.
# Parameter counts: NLLB-600M's is exact (the same architecture counted in summarizer.models.standin.build);
# distilbart's is its model card's; tc-big-en-ar's and the Marian base models' (~77M; the exact
# figure depends on each vocabulary's size) are approximate.
MODEL_CARDS: dict[str, ModelCard] = {
    card.id: card
    for card in [
        ModelCard(
            "sshleifer/distilbart-cnn-12-6",
            "summarize",
            "bart",
            306_000_000,
            "Apache-2.0",
            _APACHE,
            (
                _score("en", "ROUGE-2", 21.26, "model card", testset="CNN/DailyMail test"),
                _score("en", "ROUGE-L", 30.59, "model card", testset="CNN/DailyMail test"),
            ),
            summarizes=("en",),  # trained on CNN/DailyMail, English news only
        ),
        ModelCard(
            NLLB_600M,
            "translate",
            "m2m_100",
            615_073_792,
            "CC-BY-NC-4.0",
            _NON_COMMERCIAL,
            (
                _score("en-az", "chrF", 42.3, OPUS_MT_LEADERBOARD),
                _score("en-az", "COMET-22", 0.8402, MOZILLA_EVAL),
                _score("en-az", "BLEU", 11.0, MOZILLA_EVAL),
                _score("en-ar", "COMET-22", 0.8375, MOZILLA_EVAL),
                _score("en-ar", "BLEU", 21.5, MOZILLA_EVAL),
                _score("en-ru", "COMET-22", 0.8605, MOZILLA_EVAL),
                _score("en-ru", "BLEU", 26.5, MOZILLA_EVAL),
            ),
        ),
        ModelCard(
            "Helsinki-NLP/opus-mt-en-trk",
            "translate",
            "marian",
            77_000_000,
            "Apache-2.0",
            _OPUS_MT_APACHE,
            (_score("en-az", "chrF", 13.2, OPUS_MT_LEADERBOARD),),
        ),
        ModelCard(
            "Helsinki-NLP/opus-mt-en-az",
            "translate",
            "marian",
            77_000_000,
            "Apache-2.0",
            _OPUS_MT_APACHE,
            (_score("en-az", "COMET-22", 0.5579, MOZILLA_EVAL), _score("en-az", "BLEU", 3.7, MOZILLA_EVAL)),
        ),
        ModelCard(
            "Helsinki-NLP/opus-mt-tc-big-en-ar",
            "translate",
            "marian",
            239_000_000,
            "CC-BY-4.0",
            _ATTRIBUTION,
            (_score("en-ar", "COMET", 0.669, OPUS_MT_LEADERBOARD),),
        ),
        ModelCard(
            "Helsinki-NLP/opus-mt-en-ar",
            "translate",
            "marian",
            77_000_000,
            "Apache-2.0",
            _OPUS_MT_APACHE,
            # The leaderboard's figure is for the older eng-ara Opus-MT models, this one among them; the
            # Mozilla "opusmt" system for en-ar is taken to be this model.
            (
                _score("en-ar", "COMET", 0.53, OPUS_MT_LEADERBOARD),
                _score("en-ar", "COMET-22", 0.8319, MOZILLA_EVAL),
                _score("en-ar", "BLEU", 22.8, MOZILLA_EVAL),
            ),
        ),
        ModelCard(
            "Helsinki-NLP/opus-mt-en-ru",
            "translate",
            "marian",
            77_000_000,
            "Apache-2.0",
            _OPUS_MT_APACHE,
            (_score("en-ru", "COMET-22", 0.8478, MOZILLA_EVAL), _score("en-ru", "BLEU", 25.5, MOZILLA_EVAL)),
        ),
    ]
}


def model_card(model_id: str) -> ModelCard | None:
    """The catalog entry for a hub id, or None for a model the catalog does not know (or a local folder)."""
    return MODEL_CARDS.get(model_id)


# Summarizers without a card here that are known to summarize English only: each was fine-tuned on
# English news (CNN/DailyMail or XSum), or is T5, whose summarization task was English only.
ENGLISH_ONLY_SUMMARIZERS = frozenset(
    {
        "facebook/bart-large-cnn",
        "facebook/bart-large-xsum",
        "sshleifer/distilbart-cnn-6-6",
        "sshleifer/distilbart-xsum-12-6",
        "google/pegasus-cnn_dailymail",
        "google/pegasus-xsum",
        "t5-small",
        "t5-base",
        "t5-large",
        "google-t5/t5-small",
        "google-t5/t5-base",
        "google-t5/t5-large",
    }
)


def summary_languages(model: str) -> frozenset[str] | None:
    """The languages a summary model is known to summarize: its card's, English for the well-known
    English-only summarizers, or None for any other model (a local folder, an unknown hub id), which is
    taken to know every language of the job: the user chose it, and `[summary] languages` can say otherwise."""
    card = model_card(model)
    if card is not None and card.summarizes:
        return frozenset(card.summarizes)
    if model in ENGLISH_ONLY_SUMMARIZERS:
        return frozenset({ENGLISH})
    return None


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
    if model_type == "m2m_100" and nllb:
        code = target_token or NLLB_CODES.get(target)
        if code is None:
            raise UnknownLanguageError(
                f"no NLLB code known for {target!r}; set target_token (for example 'azj_Latn') for it"
            )
        return TargetSpec(forced_bos=code, src_lang=NLLB_CODES.get(source_lang, source_lang))
    if model_type == "m2m_100":
        return TargetSpec(forced_bos=target_token or f"__{target}__", src_lang=source_lang)
    if target_token:
        if language_tokens and target_token not in language_tokens:
            raise ConfigError(
                f"{model_name}: target token {target_token!r} for {target!r} is not in the model's vocabulary (it has e.g. {', '.join(sorted(language_tokens)[:5])})"
            )
        return TargetSpec(prefix_token=target_token)
    if language_tokens:
        token = MARIAN_TOKENS.get(target)
        if token in language_tokens:
            return TargetSpec(prefix_token=token)
        raise ConfigError(
            f"{model_name} is a multi-target model and needs a target token for {target!r}; set target_token (it knows e.g. {', '.join(sorted(language_tokens)[:5])})"
        )
    return TargetSpec()
