"""Tests for the model defaults: chosen by published scores, each with a licence, and the az default run as NLLB."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from summarizer.languages import LANGUAGES, NLLB_600M, get_language
from summarizer.models.catalogue import MODEL_CARDS, MOZILLA_EVAL, model_card, target_spec
from summarizer.options import DEFAULT_SUMMARY_MODEL, TargetOptions

from conftest import FLORES_DIR

PUBLISHED_TSV = FLORES_DIR / "published-scores.tsv"
# The system names in PUBLISHED_TSV for the models in the catalog.
TSV_SYSTEMS = {
    NLLB_600M: "nllb",
    "Helsinki-NLP/opus-mt-en-az": "opusmt",
    "Helsinki-NLP/opus-mt-en-ar": "opusmt",
    "Helsinki-NLP/opus-mt-en-ru": "opusmt",
}
TRANSLATION_DEFAULTS = ("az", "ar", "ru")
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _best(model_id: str, languages: str, metric: str) -> float:
    card = model_card(model_id)
    assert card is not None, model_id
    (score,) = [s for s in card.scores_for(languages) if s.metric == metric]
    return score.value


def test_defaults_per_language():
    assert (LANGUAGES["az"].model, LANGUAGES["az"].nllb) == ("facebook/nllb-200-distilled-600M", "azj_Latn")
    # opus-mt-tc-big-en-ar is multi-target: its >>ara<< token must stay in the registry.
    assert (LANGUAGES["ar"].model, LANGUAGES["ar"].token) == ("Helsinki-NLP/opus-mt-tc-big-en-ar", ">>ara<<")
    assert LANGUAGES["ru"].model == "Helsinki-NLP/opus-mt-en-ru"
    # The old az model stays usable by name, with its target token.
    assert get_language("az").token == ">>aze_Latn<<"


@pytest.mark.parametrize("model_id", [*(LANGUAGES[code].model for code in TRANSLATION_DEFAULTS), DEFAULT_SUMMARY_MODEL])
def test_every_default_has_a_card_with_licence_and_a_sourced_score(model_id):
    card = model_card(model_id)
    assert card is not None and card.id == model_id
    assert card.licence and card.licence_note
    assert card.params > 0
    assert card.scores and all(score.source and score.testset and score.metric for score in card.scores)


@pytest.mark.parametrize("code", TRANSLATION_DEFAULTS)
def test_each_translation_default_has_a_score_for_its_own_pair(code):
    card = model_card(LANGUAGES[code].model)
    assert card is not None and card.task == "translate"
    assert card.scores_for(f"en-{code}")


def test_the_catalog_knows_the_alternatives():
    for model_id in (
        "Helsinki-NLP/opus-mt-en-trk",
        "Helsinki-NLP/opus-mt-en-az",
        "Helsinki-NLP/opus-mt-en-ar",
        "Helsinki-NLP/opus-mt-tc-big-en-ar",
    ):
        card = model_card(model_id)
        assert card is not None and card.model_type == "marian" and card.scores
    assert model_card("someone/unknown-model") is None
    assert model_card("./models/opus-mt-en-ru") is None


def test_nllb_card_says_non_commercial():
    card = model_card(NLLB_600M)
    assert card is not None
    assert card.licence == "CC-BY-NC-4.0" and card.non_commercial
    assert "non-commercial" in card.licence_note.lower()
    # Only NLLB carries that restriction among the catalog's models.
    assert [c.id for c in MODEL_CARDS.values() if c.non_commercial] == [NLLB_600M]


def test_defaults_follow_the_published_scores():
    # az: NLLB far above both Opus-MT models.
    assert _best(NLLB_600M, "en-az", "chrF") > 3 * _best("Helsinki-NLP/opus-mt-en-trk", "en-az", "chrF")
    assert _best(NLLB_600M, "en-az", "COMET-22") > _best("Helsinki-NLP/opus-mt-en-az", "en-az", "COMET-22") + 0.2
    # ar: the tc-big model above the older eng-ara models, on the same leaderboard's COMET.
    assert _best("Helsinki-NLP/opus-mt-tc-big-en-ar", "en-ar", "COMET") > _best(
        "Helsinki-NLP/opus-mt-en-ar", "en-ar", "COMET"
    )


def test_mozilla_scores_match_the_published_tsv():
    with PUBLISHED_TSV.open(encoding="utf-8", newline="") as f:
        rows = {(row["pair"], row["system"]): row for row in csv.DictReader(f, delimiter="\t")}
    checked = 0
    for card in MODEL_CARDS.values():
        for score in card.scores:
            if score.source != MOZILLA_EVAL:
                continue
            row = rows[score.languages, TSV_SYSTEMS[card.id]]
            column = {"BLEU": "bleu", "COMET-22": "comet22"}[score.metric]
            assert score.value == float(row[column]), (card.id, score)
            checked += 1
    assert checked >= 10


def test_az_default_is_nllb_through_target_spec():
    card = model_card(LANGUAGES["az"].model)
    assert card is not None and card.model_type == "m2m_100"
    spec = target_spec("az", model_type=card.model_type, model_name=card.id, nllb=True)
    assert (spec.forced_bos, spec.src_lang, spec.prefix_token) == ("azj_Latn", "eng_Latn", None)
    assert spec.label == "azj_Latn"
    # The ar default is multi-target: with >>ara<< in its vocabulary it gets that token.
    ar = model_card(LANGUAGES["ar"].model)
    assert ar is not None
    tokens = frozenset({">>ara<<", ">>arq<<", ">>ary<<"})
    spec = target_spec("ar", model_type=ar.model_type, model_name=ar.id, language_tokens=tokens)
    assert spec.prefix_token == ">>ara<<"


def _fake_hub_snapshot(hub: Path, model_id: str, files: dict[str, bytes], commit: str = COMMIT) -> Path:
    """The Hugging Face cache layout: models--org--name/{refs/main, snapshots/<commit>/...}."""
    repo = hub / ("models--" + model_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    for name, data in files.items():
        (snapshot / name).write_bytes(data)
    return snapshot


def test_az_default_runs_as_nllb_from_the_hub_cache(tmp_path, monkeypatch):
    """Translator("az") with no model: the default id, found in the local cache, is driven as NLLB."""
    from huggingface_hub import constants

    from summarizer.models import hub as models
    from summarizer.models.standin.build import build_stand_in
    from summarizer.tasks.translating import Translator

    standin = build_stand_in("nllb", "tiny", tmp_path / "nllb")
    files = {p.name: p.read_bytes() for p in standin.iterdir()}
    _fake_hub_snapshot(tmp_path / "hub", NLLB_600M, files)
    # huggingface_hub reads the cache folder once, at import; both are set so either way of reading it works.
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    # Resolutions are kept per process: this fake one must not outlive the test.
    monkeypatch.setattr(models, "_resolved", {})

    translator = Translator(TargetOptions("az", params={"num_beams": 1, "max_new_tokens": 4}))
    assert translator.ref.name == NLLB_600M and translator.ref.model_type == "m2m_100"
    assert translator.ref.info.revision == COMMIT
    assert (translator.spec.forced_bos, translator.spec.src_lang) == ("azj_Latn", "eng_Latn")
    result = translator.translate(["One sentence."])
    assert result.target_token == "azj_Latn" and len(result.translations) == 1


# ---- is the model in the local Hugging Face cache? ---------------------------------------------------


@pytest.fixture
def is_cached_locally():
    from summarizer.models.hub import is_cached_locally

    return is_cached_locally


MODEL_FILES = {"config.json": b'{"model_type": "marian"}', "model.safetensors": b"x", "tokenizer.json": b"{}"}


def test_cached_model_is_found_offline(tmp_path, monkeypatch, is_cached_locally):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _fake_hub_snapshot(tmp_path / "hub", "Helsinki-NLP/opus-mt-en-ru", MODEL_FILES)
    assert is_cached_locally("Helsinki-NLP/opus-mt-en-ru")
    assert is_cached_locally("Helsinki-NLP/opus-mt-en-ru", revision=COMMIT)
    assert not is_cached_locally("Helsinki-NLP/opus-mt-en-ru", revision="f" * 40)
    assert not is_cached_locally("Helsinki-NLP/opus-mt-tc-big-en-ar")
    assert not is_cached_locally("not a hub id!")


def test_cache_is_found_through_hf_home(tmp_path, monkeypatch, is_cached_locally):
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    _fake_hub_snapshot(tmp_path / "home" / "hub", NLLB_600M, MODEL_FILES)
    assert is_cached_locally(NLLB_600M)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "elsewhere"))
    assert not is_cached_locally(NLLB_600M)


def test_a_model_without_weights_is_not_cached(tmp_path, monkeypatch, is_cached_locally):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    _fake_hub_snapshot(tmp_path / "hub", "Helsinki-NLP/opus-mt-en-ru", {"config.json": b"{}", "tokenizer.json": b"{}"})
    assert not is_cached_locally("Helsinki-NLP/opus-mt-en-ru")


@pytest.mark.slow
def test_cache_check_imports_no_torch(is_cached_locally):
    from conftest import run_python

    code = (
        "import sys\n"
        "from summarizer.models.hub import is_cached_locally\n"
        "assert not is_cached_locally('Helsinki-NLP/opus-mt-en-ru')\n"
        "heavy = {'torch', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
