"""Translation: one sentence per input, 1:1 alignment, dedup, target tokens, long sentences."""

from __future__ import annotations

import json

import pytest

from summarizer import translate
from summarizer.cache import Cache
from summarizer.errors import ConfigError, UnknownLanguageError
from summarizer.inputs.reading import read_article
from summarizer.models.catalogue import target_spec
from summarizer.options import QualityOptions, TargetOptions, WorkerOptions
from summarizer.tasks.translating import Translator

from conftest import SEED

SHORT = dict(max_new_tokens=5, num_beams=1)
# These tests watch what reaches the model; a retry of flagged (stand-in) outputs would call it again.
NO_RETRY = QualityOptions(retry=False)


def _spy_generate(monkeypatch, translator):
    """Record the input ids of every generate() call on the real model."""
    calls = []
    model = translator.handle.backend.model
    real = model.generate

    def spy(*args, **kwargs):
        calls.append(kwargs["input_ids"].tolist())
        return real(*args, **kwargs)

    monkeypatch.setattr(model, "generate", spy)
    return calls


def test_alignment_is_one_to_one_by_id(marian):
    article = read_article(str(SEED))
    result = translate(list(article.sentences), "ar", model=str(marian), **SHORT)
    assert [t.source_id for t in result.translations] == [s.id for s in article.sentences]
    assert [t.source for t in result.translations] == [s.text for s in article.sentences]
    assert all(t.text for t in result.translations)
    assert result.model.stand_in


def test_target_token_reaches_model_input(marian, monkeypatch):
    translator = Translator(TargetOptions("ar", str(marian), params=SHORT), WorkerOptions(quality=NO_RETRY))
    calls = _spy_generate(monkeypatch, translator)
    translator.translate(["Azerbaijan has been a NAM chair since 2019.", "Baku hosted the summit."])
    vocab = json.loads((marian / "vocab.json").read_text())
    rows = [row for batch in calls for row in batch]
    assert len(rows) == 2
    assert all(row[0] == vocab[">>ara<<"] for row in rows)


def test_azerbaijani_uses_aze_latn_token(marian, monkeypatch):
    translator = Translator(TargetOptions("az", str(marian), params=SHORT), WorkerOptions(quality=NO_RETRY))
    assert translator.spec.prefix_token == ">>aze_Latn<<"
    calls = _spy_generate(monkeypatch, translator)
    translator.translate(["One sentence."])
    vocab = json.loads((marian / "vocab.json").read_text())
    assert calls[0][0][0] == vocab[">>aze_Latn<<"]


def test_one_sentence_per_input_and_duplicates_translated_once(marian, monkeypatch):
    translator = Translator(TargetOptions("ru", str(marian), params=SHORT), WorkerOptions(quality=NO_RETRY))
    calls = _spy_generate(monkeypatch, translator)
    sentences = ["Same sentence.", "Another one here.", "Same sentence.", "", "Another one here."]
    result = translator.translate(sentences)
    rows = [row for batch in calls for row in batch]
    assert len(rows) == 2  # two distinct non-empty sentences, one model input each
    assert [t.text for t in result.translations][0] == result.translations[2].text
    assert result.translations[3].text == ""


def test_batches_sorted_by_length_and_order_restored(marian, monkeypatch):
    from summarizer.options import RuntimeOptions

    translator = Translator(
        TargetOptions("ru", str(marian), params=SHORT),
        WorkerOptions(runtime=RuntimeOptions(batch_size=2), quality=NO_RETRY),
    )
    calls = _spy_generate(monkeypatch, translator)
    sentences = [
        "A.",
        "A much longer sentence with many more words in it than the others.",
        "Mid length sentence here.",
        "Tiny.",
    ]
    result = translator.translate(sentences)
    lengths = [len(batch[0]) for batch in calls]
    assert lengths == sorted(lengths, reverse=True)
    assert [t.source for t in result.translations] == sentences


def test_over_long_sentence_is_split_not_truncated(marian):
    long = "; ".join(
        f"Clause number {i} of a very long line-up with names like Caminati and Vialelle" for i in range(120)
    )
    result = translate([long, "Short one."], "ru", model=str(marian), **SHORT)
    first = result.translations[0]
    assert first.split_parts > 1
    assert any("translated in" in w for w in result.warnings)
    assert result.translations[1].split_parts == 1


@pytest.mark.slow
def test_ten_thousand_character_sentence_without_spaces(marian):
    result = translate(["x" * 10_000], "ru", model=str(marian), **SHORT)
    assert result.translations[0].split_parts > 1


def test_unknown_language_without_model():
    with pytest.raises(UnknownLanguageError, match="unknown language 'xx'"):
        Translator("xx")


def test_a_translator_is_for_one_concrete_pair(marian):
    # Without a model the registry's for the pair: an uncovered one is the same one line as a job's.
    with pytest.raises(UnknownLanguageError, match="no model translates it into ru: unknown language 'it'"):
        Translator("ru", source_lang="it")
    with pytest.raises(ConfigError, match="not auto"):
        Translator(TargetOptions("ru", str(marian)), source_lang="auto")
    with pytest.raises(ConfigError, match="both ru: there is nothing to translate"):
        Translator(TargetOptions("ru", str(marian)), source_lang="ru")
    result = Translator(TargetOptions("ar", str(marian), params=SHORT), source_lang="ru").translate(["Привет, мир."])
    assert result.source_lang == "ru" and len(result.translations) == 1


def test_multi_target_model_needs_a_token(marian):
    with pytest.raises(ConfigError, match="multi-target"):
        Translator(TargetOptions("xx", str(marian)))
    with pytest.raises(ConfigError, match="not in the model's vocabulary"):
        Translator(TargetOptions("ar", str(marian), target_token=">>zzz<<"))


def test_registry_target_specs():
    tokens = frozenset({">>ara<<", ">>aze_Latn<<"})
    assert target_spec("ar", model_type="marian", model_name="x", language_tokens=tokens).prefix_token == ">>ara<<"
    assert target_spec("ru", model_type="marian", model_name="Helsinki-NLP/opus-mt-en-ru").prefix_token is None
    nllb = target_spec("az", model_type="m2m_100", model_name="facebook/nllb-200-distilled-600M", nllb=True)
    assert (nllb.forced_bos, nllb.src_lang) == ("azj_Latn", "eng_Latn")
    m2m = target_spec("ar", model_type="m2m_100", model_name="facebook/m2m100_418M")
    assert (m2m.forced_bos, m2m.src_lang) == ("__ar__", "en")


def test_cache_hits_and_misses(marian, tmp_path):
    cache = Cache(tmp_path / "c")
    first = translate(["One.", "Two."], "ar", model=str(marian), cache=cache, **SHORT)
    assert first.cache_hits == 0
    again = translate(["One.", "Two.", "Three."], "ar", model=str(marian), cache=cache, **SHORT)
    assert [t.cached for t in again.translations] == [True, True, False]
    assert again.texts[:2] == first.texts
    other_params = translate(["One."], "ar", model=str(marian), cache=cache, max_new_tokens=6, num_beams=1)
    assert other_params.cache_hits == 0
    other_token = translate(["One."], "az", model=str(marian), cache=cache, **SHORT)
    assert other_token.cache_hits == 0


def test_fully_cached_translation_loads_no_model(marian, tmp_path):
    cache = Cache(tmp_path / "c")
    translate(["One.", "Two."], "ar", model=str(marian), cache=cache, **SHORT)
    translator = Translator(TargetOptions("ar", str(marian), params=SHORT), cache=cache)
    result = translator.translate(["Two.", "One."])
    assert result.cache_hits == 2
    assert not translator.handle.loaded


def test_a_translator_rebuilt_from_its_factory_is_the_same_without_the_drivers_state(marian, tmp_path):
    """What a Ray actor builds: the same model, target and settings; no cache, no engine, no refresh."""
    import pickle

    from summarizer.cache import NullCache
    from summarizer.engines import LOCAL

    translator = Translator(
        TargetOptions("ar", str(marian), params=SHORT), WorkerOptions(refresh=True), cache=Cache(tmp_path / "c")
    )
    twin = pickle.loads(pickle.dumps(translator.factory))()
    assert isinstance(twin.cache, NullCache) and not twin.refresh and twin.engine is LOCAL
    assert (twin.spec, twin.params, twin.model_info) == (translator.spec, translator.params, translator.model_info)
    assert twin.remote_compute(["One.", "Two."]) == translator.remote_compute(["One.", "Two."])


@pytest.mark.parametrize(
    ("backend", "beams", "explicit", "expected"),
    [("torch", 1, None, 64), ("torch", 4, None, 16), ("ctranslate2", 4, None, 64), ("torch", 4, 3, 3)],
)
def test_sentences_per_generate_call_follow_backend_and_beams(marian, monkeypatch, backend, beams, explicit, expected):
    """Unset, the batch is sized for the backend (64 rows of batch x beams on torch); set, it is the user's."""
    from summarizer.options import RuntimeOptions

    runtime = RuntimeOptions(backend=backend, batch_size=explicit)
    translator = Translator(
        TargetOptions("ru", str(marian), params={**SHORT, "num_beams": beams}),
        WorkerOptions(runtime=runtime, quality=NO_RETRY),
    )
    seen = []

    class Backend:
        max_input_tokens = 512

        def count_tokens(self, texts, target=None):
            return [5] * len(texts)

        def generate(self, texts, params, *, target, batch_size, on_step=None):
            seen.append(batch_size)
            from summarizer.models.backends import Generated

            return [Generated(text="x", new_tokens=1) for _ in texts]

    monkeypatch.setattr(type(translator.handle), "backend", property(lambda self: Backend()))
    translator._generate([f"Sentence number {i}." for i in range(3)], translator.params)
    assert seen == [expected]
    assert RuntimeOptions(backend=backend, batch_size=explicit).batch_size_for("summarize") == (explicit or 16)
