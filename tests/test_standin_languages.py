"""Stand-ins built for a target language: their vocabulary has the language's pieces and their decoder
writes only those, the same under torch and CTranslate2."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import unicodedata

import pytest

from summarizer.errors import ConfigError
from summarizer.models.standin.build import TARGET_LANGS, build_stand_in
from summarizer.models.standin.marker import STAND_IN_MARKER_NOTICE, stand_in_info

from conftest import SEED

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

# Which stand-in serves which language in the demo, with the target the product gives it.
BUILDS = {"ru": "marian", "ar": "marian", "az": "nllb", "az-marian": "marian"}
SCRIPTS = {"ru": "CYRILLIC", "ar": "ARABIC", "az": "LATIN", "az-marian": "LATIN"}
AZ_LETTERS = set("əşğıçöüƏŞĞÇÖÜİ")
SENTENCES = [
    s.strip() + "." for s in SEED.read_text(encoding="utf-8").replace("\n", " ").split(". ") if len(s.split()) >= 3
][:8]


def _lang(name: str) -> str:
    return name.split("-")[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("languages")
    return {name: build_stand_in(kind, "tiny", root / name, target_lang=_lang(name)) for name, kind in BUILDS.items()}


def _target(name: str):
    from summarizer.models.catalogue import TargetSpec

    if BUILDS[name] == "nllb":
        return TargetSpec(forced_bos="azj_Latn", src_lang="eng_Latn")
    return TargetSpec(prefix_token={"ru": ">>rus<<", "ar": ">>ara<<", "az": ">>aze_Latn<<"}[_lang(name)])


def _generate(backend, name: str, texts: list[str], new_tokens: int = 12) -> list[str]:
    from summarizer.options import GenerationParams

    params = GenerationParams(num_beams=1, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    return [g.text for g in backend.generate(texts, params, target=_target(name), batch_size=8)]


def _torch(path):
    from summarizer.models.backends.torch_backend import TorchBackend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    return TorchBackend(resolve_model(str(path)), BackendOptions(device="cpu"))


def _letters(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha()]


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in _letters(text)}


def _allowed_ids(path, kind: str) -> set[int]:
    """The ids the decoder may emit: a zero logits bias (marian) or a zero pushed-down column (nllb)."""
    from safetensors import safe_open

    with safe_open(path / "model.safetensors", "pt") as weights:
        if kind == "marian":
            row = weights.get_tensor("final_logits_bias")[0]
        else:
            row = weights.get_tensor("model.shared.weight")[:, -1]
    return set((row == 0).nonzero().flatten().tolist())


@pytest.mark.parametrize("name", list(BUILDS))
def test_marker_records_the_target_language(built, name):
    assert stand_in_info(built[name]) == {
        "kind": BUILDS[name],
        "size": "tiny",
        "seed": 0,
        "notice": STAND_IN_MARKER_NOTICE,
        "target_lang": _lang(name),
    }


@pytest.mark.parametrize("name", list(BUILDS))
def test_vocabulary_holds_the_target_script_and_english(built, tmp_path, name):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(built[name])
    plain = AutoTokenizer.from_pretrained(build_stand_in(BUILDS[name], "tiny", tmp_path / "plain"))
    pieces = list(tokenizer.get_vocab())
    in_script = [p for p in pieces if SCRIPTS[name] in _scripts(p)]
    assert len(in_script) >= 100
    if _lang(name) == "az":
        assert AZ_LETTERS - {"Ğ", "Ç", "Ö", "Ü", "Ə", "Ş"} <= set("".join(pieces))  # ə ş ğ ı ç ö ü İ
    # The encoder's side keeps its English pieces: about as many tokens as in the English-only vocabulary.
    sentence = "The summit in Baku adopted a final declaration."
    english = tokenizer(sentence)["input_ids"]
    assert tokenizer.unk_token_id not in english
    assert len(english) <= len(plain(sentence)["input_ids"]) + 1


@pytest.mark.parametrize("name", list(BUILDS))
def test_decoder_writes_only_target_pieces(built, name):
    import torch

    backend = _torch(built[name])
    texts = _generate(backend, name, SENTENCES)
    assert all(text.strip() for text in texts)
    letters = _letters(" ".join(texts))
    assert letters
    if SCRIPTS[name] != "LATIN":
        assert _scripts(" ".join(texts)) == {SCRIPTS[name]}, texts
    else:
        assert AZ_LETTERS & set(letters), texts
    # Every generated id is EOS or a target piece (the forced code of NLLB aside).
    allowed = _allowed_ids(built[name], BUILDS[name])
    tokenizer, model = backend.tokenizer, backend.model
    batch = tokenizer(
        [f"{_target(name).prefix_token or ''} {s}".strip() for s in SENTENCES], return_tensors="pt", padding=True
    )
    forced = {}
    if BUILDS[name] == "nllb":
        forced = {"forced_bos_token_id": tokenizer.convert_tokens_to_ids("azj_Latn")}
    with torch.no_grad():
        output = model.generate(**batch, max_new_tokens=12, num_beams=1, **forced)
    skip = 2 if forced else 1  # the decoder start, and the forced code
    emitted = set(output[:, skip:].flatten().tolist()) - {tokenizer.pad_token_id}
    assert emitted <= allowed
    assert len(allowed) < len(tokenizer) // 2  # the English half is pushed down


def test_russian_and_arabic_noise_differ(built):
    ru = _generate(_torch(built["ru"]), "ru", SENTENCES)
    ar = _generate(_torch(built["ar"]), "ar", SENTENCES)
    assert not set(ru) & set(ar)


@pytest.mark.parametrize("name", ["ru", "ar", "az"])
def test_ctranslate2_writes_the_same_noise(built, tmp_path, name):
    pytest.importorskip("ctranslate2")
    from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    options = BackendOptions(device="cpu", backend="ctranslate2", compute_type="float32", converted_dir=tmp_path)
    ct2 = CTranslate2Backend(resolve_model(str(built[name])), options)
    expected = _generate(_torch(built[name]), name, SENTENCES)
    # Without the logits bias in CTranslate2's projection its noise would be English pieces.
    assert _generate(ct2, name, SENTENCES) == expected


@pytest.mark.parametrize("name", ["ru", "ar", "az"])
def test_int8_ctranslate2_still_writes_the_target_script(built, tmp_path, name):
    pytest.importorskip("ctranslate2")
    from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    options = BackendOptions(device="cpu", backend="ctranslate2", compute_type="int8", converted_dir=tmp_path)
    texts = _generate(CTranslate2Backend(resolve_model(str(built[name])), options), name, SENTENCES)
    assert all(text.strip() for text in texts)
    if SCRIPTS[name] == "LATIN":
        assert AZ_LETTERS & set(" ".join(texts)), texts
    else:
        assert _scripts(" ".join(texts)) == {SCRIPTS[name]}, texts


def test_logits_bias_is_saved_and_zero_without_a_language(built, tmp_path):
    from safetensors import safe_open

    plain = build_stand_in("marian", "tiny", tmp_path / "plain")
    with safe_open(plain / "model.safetensors", "pt") as weights:
        assert not weights.get_tensor("final_logits_bias").any()
    with safe_open(built["ru"] / "model.safetensors", "pt") as weights:
        bias = weights.get_tensor("final_logits_bias")[0]
    assert float(bias.min()) <= -50.0 and float(bias.max()) == 0.0
    assert "target_lang" not in stand_in_info(plain)


@pytest.mark.parametrize("name", ["ru", "az"])
def test_same_seed_gives_identical_files(built, tmp_path, name):
    again = build_stand_in(BUILDS[name], "tiny", tmp_path / "again", target_lang=_lang(name))
    for path in sorted(built[name].iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("kind", "lang", "lengths", "message"),
    [
        ("marian", "de", "forced", "No stand-in text for target language 'de'"),
        ("t5", "ru", "forced", "translation stand-ins"),
        ("bart", "ar", "forced", "translation stand-ins"),
        ("marian", "ru", "realistic", "do not combine with a target language"),
    ],
)
def test_bad_language_options_raise_config_error(tmp_path, kind, lang, lengths, message):
    with pytest.raises(ConfigError, match=message):
        build_stand_in(kind, "tiny", tmp_path / "model", lengths=lengths, target_lang=lang)
    assert not (tmp_path / "model").exists()


def test_training_texts_are_packaged_in_their_script():
    from importlib import resources

    data = resources.files("summarizer.models.standin").joinpath("data")
    for lang in TARGET_LANGS:
        text = data.joinpath(f"standin_corpus.{lang}.txt").read_text(encoding="utf-8")
        sentences = [s for s in text.replace("\n", " ").split(". ") if s.strip()]
        assert 150 <= len(sentences) <= 300, (lang, len(sentences))
        script = {"ru": "CYRILLIC", "ar": "ARABIC", "az": "LATIN"}[lang]
        letters = _letters(text)
        assert sum(unicodedata.name(ch).startswith(script) for ch in letters) > 0.97 * len(letters)


def test_cli_builds_a_stand_in_for_a_language(tmp_path):
    from typer.testing import CliRunner

    from summarizer.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["models", "stand-in", "--kind", "marian", "--lang", "ar", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "Arabic" in result.output
    assert stand_in_info(tmp_path / "m")["target_lang"] == "ar"
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "marian"
    result = runner.invoke(app, ["models", "stand-in", "--kind", "t5", "--lang", "ar", str(tmp_path / "t")])
    assert result.exit_code != 0
    assert "translation stand-ins" in result.output
    assert not (tmp_path / "t").exists()
