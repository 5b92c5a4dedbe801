"""Tests for the stand-in models: real tokenizers, real save/load and real generate() on random weights."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json
import subprocess
import sys

import pytest

from summarizer.errors import ConfigError, ModelError
from summarizer.models.standin.build import KINDS, MARIAN_LANGUAGE_TOKENS, build_stand_in
from summarizer.models.standin.marker import STAND_IN_MARKER, STAND_IN_MARKER_NOTICE, is_stand_in, stand_in_info
from summarizer.options import TargetOptions, WorkerOptions

from conftest import SEED

# MarianTokenizer warns on every load that the optional sacremoses package is missing.
pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

MAX_INPUT = {"marian": 512, "bart": 1024, "t5": 512, "nllb": 1024}
# The FLORES-200 codes the product uses as NLLB targets and source.
NLLB_CODES = ("eng_Latn", "azj_Latn", "rus_Cyrl", "arb_Arab")


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("standins")
    return {kind: build_stand_in(kind, "tiny", root / kind, seed=0) for kind in KINDS}


@pytest.fixture(scope="module")
def loaded(tiny_dirs):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    return {
        kind: (AutoTokenizer.from_pretrained(path), AutoModelForSeq2SeqLM.from_pretrained(path).eval())
        for kind, path in tiny_dirs.items()
    }


def _generate_and_decode(tokenizer, model, texts, new_tokens=8):
    import torch

    batch = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        output = model.generate(**batch, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    return output, tokenizer.batch_decode(output, skip_special_tokens=True)


@pytest.mark.slow
def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, summarizer.models.standin.build\n"
        "heavy = {'torch', 'transformers', 'sentencepiece', 'tokenizers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_has_marker_and_is_recognised(tiny_dirs, kind):
    path = tiny_dirs[kind]
    assert (path / STAND_IN_MARKER).is_file()
    assert is_stand_in(path)
    assert stand_in_info(path) == {"kind": kind, "size": "tiny", "seed": 0, "notice": STAND_IN_MARKER_NOTICE}
    # Nothing half-built is left beside the folder.
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(KINDS)


def test_ordinary_folder_is_not_a_stand_in(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert not is_stand_in(tmp_path)
    assert stand_in_info(tmp_path) is None
    assert not is_stand_in(tmp_path / "missing")
    assert stand_in_info(tmp_path / "missing") is None


def test_corrupt_marker_is_a_model_error(tmp_path):
    (tmp_path / STAND_IN_MARKER).write_text("{not json", encoding="utf-8")
    assert is_stand_in(tmp_path)
    with pytest.raises(ModelError, match="Rebuild"):
        stand_in_info(tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_loads_with_auto_classes(loaded, kind):
    tokenizer, model = loaded[kind]
    expected = {
        "marian": "MarianMTModel",
        "bart": "BartForConditionalGeneration",
        "t5": "T5ForConditionalGeneration",
        "nllb": "M2M100ForConditionalGeneration",
    }
    assert type(model).__name__ == expected[kind]
    assert model.config.d_model <= 64
    assert len(tokenizer) == model.config.vocab_size
    assert tokenizer.model_max_length == MAX_INPUT[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_tiny_generates_and_decodes(loaded, kind):
    tokenizer, model = loaded[kind]
    output, texts = _generate_and_decode(tokenizer, model, ["some text", "A longer sentence about the summit in Baku."])
    assert output.shape[0] == 2
    assert output.shape[1] >= 8
    assert int(output.max()) < len(tokenizer)
    assert len(texts) == 2
    assert all(isinstance(text, str) for text in texts)
    # Special tokens are silenced, so the noise is visible rather than an empty string.
    assert all(text.strip() for text in texts)


@pytest.mark.parametrize("kind", KINDS)
def test_every_id_decodes(loaded, kind):
    import torch

    tokenizer, model = loaded[kind]
    ids = torch.arange(model.config.vocab_size).reshape(-1, 1)
    texts = tokenizer.batch_decode(ids, skip_special_tokens=True)
    assert len(texts) == model.config.vocab_size
    assert all(isinstance(text, str) for text in texts)


@pytest.mark.parametrize("token", MARIAN_LANGUAGE_TOKENS)
def test_marian_language_tokens_are_single_ids(loaded, token):
    tokenizer, _ = loaded["marian"]
    ids = tokenizer(f"{token} Hello world.")["input_ids"]
    assert ids[0] != tokenizer.unk_token_id
    assert tokenizer.convert_ids_to_tokens(ids[0]) == token
    assert token not in "".join(tokenizer.convert_ids_to_tokens(ids[1:]))
    assert ids[-1] == tokenizer.eos_token_id


def test_marian_ids_follow_opus_mt(loaded):
    tokenizer, model = loaded["marian"]
    assert (tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1)
    assert tokenizer.pad_token_id == len(tokenizer) - 1
    assert model.config.decoder_start_token_id == tokenizer.pad_token_id
    assert model.generation_config.bad_words_ids == [[tokenizer.pad_token_id]]


def test_bart_ids_follow_bart(loaded):
    tokenizer, model = loaded["bart"]
    specials = [tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id]
    assert specials == [0, 1, 2, 3]
    assert tokenizer.mask_token_id == len(tokenizer) - 1
    ids = tokenizer("Hello world")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    # Byte-level: nothing is unknown, not even text the corpus never saw.
    assert tokenizer.unk_token_id not in tokenizer("Привет, мир! 你好")["input_ids"]
    assert model.generation_config.forced_bos_token_id == 0


def test_t5_ids_follow_t5(loaded):
    tokenizer, model = loaded["t5"]
    assert [tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id] == [0, 1, 2]
    assert tokenizer.convert_tokens_to_ids("<extra_id_0>") == len(tokenizer) - 1
    assert tokenizer.convert_tokens_to_ids("<extra_id_99>") == len(tokenizer) - 100
    assert tokenizer("Hello world")["input_ids"][-1] == 1
    assert model.config.decoder_start_token_id == 0


def test_nllb_ids_follow_nllb(tiny_dirs, loaded):
    tokenizer, model = loaded["nllb"]
    specials = [tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id]
    assert specials == [0, 1, 2, 3]
    assert tokenizer.mask_token_id == len(tokenizer) - 1
    assert (model.config.model_type, model.config.decoder_start_token_id) == ("m2m_100", 2)
    # What translation._is_nllb reads to treat the folder as NLLB.
    tokenizer_config = json.loads((tiny_dirs["nllb"] / "tokenizer_config.json").read_text(encoding="utf-8"))
    assert "nllb" in tokenizer_config["tokenizer_class"].lower()
    # Source side: the source code first, then the text and </s>.
    tokenizer.src_lang = "eng_Latn"
    ids = tokenizer("Hello world.")["input_ids"]
    assert ids[0] == tokenizer.convert_tokens_to_ids("eng_Latn") and ids[-1] == tokenizer.eos_token_id


def test_nllb_has_every_flores_code_as_one_special_token(loaded):
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    tokenizer, _ = loaded["nllb"]
    assert set(NLLB_CODES) <= set(FAIRSEQ_LANGUAGE_CODES)
    ids = tokenizer.convert_tokens_to_ids(list(FAIRSEQ_LANGUAGE_CODES))
    assert tokenizer.unk_token_id not in ids
    assert len(set(ids)) == len(FAIRSEQ_LANGUAGE_CODES) == 202
    assert set(ids) <= set(tokenizer.all_special_ids)
    for code in NLLB_CODES:
        assert tokenizer.tokenize(f"{code} Hello")[0] == code
        assert tokenizer.decode(tokenizer.convert_tokens_to_ids([code, "</s>"]), skip_special_tokens=True) == ""


def test_nllb_translates_through_the_product(tiny_dirs, monkeypatch):
    from summarizer.tasks.translating import Translator

    translator = Translator(TargetOptions("az", str(tiny_dirs["nllb"]), params={"num_beams": 1, "max_new_tokens": 6}))
    backend = translator.handle.backend
    calls = []
    generate = backend.model.generate

    def spy(*args, **kwargs):
        output = generate(*args, **kwargs)
        calls.append((kwargs, output))
        return output

    # The loaded model is shared per process: monkeypatch puts its generate back afterwards.
    monkeypatch.setattr(backend.model, "generate", spy)
    result = translator.translate(["One sentence.", "Another one."])

    assert len(result.translations) == 2
    assert all(t.text.strip() for t in result.translations)  # noise, but visible noise
    assert result.target_token == "azj_Latn"
    assert result.model.stand_in
    azj = backend.tokenizer.convert_tokens_to_ids("azj_Latn")
    assert len(calls) == 1
    kwargs, output = calls[0]
    assert kwargs["forced_bos_token_id"] == azj
    # Decoder start (</s>), then the forced target code, in every row.
    assert output[:, 0].tolist() == [2, 2]
    assert output[:, 1].tolist() == [azj, azj]
    # The source side was given the English code.
    assert backend.tokenizer.src_lang == "eng_Latn"


class _TranslatorSpy:
    """Stands in front of a ctranslate2.Translator (a C++ object, so not patchable) and keeps its calls."""

    def __init__(self, translator):
        self.translator = translator
        self.calls = []

    def translate_batch(self, source, **options):
        results = self.translator.translate_batch(source, **options)
        self.calls.append((source, options, results))
        return results


def test_nllb_translates_with_ctranslate2(tiny_dirs, tmp_path, monkeypatch):
    pytest.importorskip("ctranslate2")
    from summarizer.options import RuntimeOptions
    from summarizer.tasks.translating import Translator

    params = {"num_beams": 1, "max_new_tokens": 6}
    runtime = RuntimeOptions(backend="ctranslate2", device="cpu")
    translator = Translator(
        TargetOptions("az", str(tiny_dirs["nllb"]), params=params), WorkerOptions(runtime=runtime, models_dir=tmp_path)
    )
    backend = translator.handle.backend
    spy = _TranslatorSpy(backend.translator)
    monkeypatch.setattr(backend, "translator", spy)
    result = translator.translate(["One sentence.", "Another one."])

    assert len(result.translations) == 2
    assert all(t.text.strip() for t in result.translations)
    assert result.target_token == "azj_Latn"
    assert result.model.backend.startswith("ctranslate2")
    (sources, options, results) = spy.calls[0]
    assert all(source[0] == "eng_Latn" and source[-1] == "</s>" for source in sources)
    assert options["target_prefix"] == [["azj_Latn"], ["azj_Latn"]]
    assert all(r.hypotheses[0][0] == "azj_Latn" for r in results)


@pytest.mark.parametrize("kind", KINDS)
def test_generation_config_is_neutral(tiny_dirs, kind):
    generation = json.loads((tiny_dirs[kind] / "generation_config.json").read_text(encoding="utf-8"))
    assert generation.get("num_beams", 1) == 1
    assert not generation.get("do_sample", False)
    for forced in ("min_length", "min_new_tokens", "max_length", "length_penalty", "no_repeat_ngram_size"):
        assert forced not in generation


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_gives_identical_files(tiny_dirs, tmp_path, kind):
    again = build_stand_in(kind, "tiny", tmp_path / "again", seed=0)
    other = build_stand_in(kind, "tiny", tmp_path / "other", seed=1)
    first = tiny_dirs[kind]
    for name in sorted(p.name for p in first.iterdir()):
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    assert (other / "model.safetensors").read_bytes() != (first / "model.safetensors").read_bytes()
    assert stand_in_info(other)["seed"] == 1


def test_build_leaves_callers_random_state_alone(tmp_path):
    import torch

    torch.manual_seed(1234)
    expected = torch.rand(3)
    torch.manual_seed(1234)
    build_stand_in("t5", "tiny", tmp_path / "t5", seed=7)
    assert torch.equal(torch.rand(3), expected)


def test_build_prints_nothing(tmp_path, capfd):
    for kind in KINDS:
        build_stand_in(kind, "tiny", tmp_path / kind)
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_rebuild_replaces_a_stand_in(tmp_path):
    path = build_stand_in("bart", "tiny", tmp_path / "model", seed=0)
    build_stand_in("bart", "tiny", path, seed=3)
    assert stand_in_info(path)["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_refuses_to_overwrite_other_folders(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a stand-in"):
        build_stand_in("t5", "tiny", tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    ("kind", "size", "seed", "message"),
    [
        ("gpt2", "tiny", 0, "kind 'gpt2'"),
        ("marian", "large", 0, "size 'large'"),
        ("marian", "tiny", -1, "seed"),
        ("marian", "tiny", "0", "seed"),
    ],
)
def test_bad_arguments_raise_config_error(tmp_path, kind, size, seed, message):
    with pytest.raises(ConfigError, match=message):
        build_stand_in(kind, size, tmp_path / "model", seed=seed)
    assert not (tmp_path / "model").exists()


@pytest.mark.slow
def test_base_marian_has_the_opus_mt_architecture(tmp_path):
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    path = build_stand_in("marian", "base", tmp_path / "marian-base")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    config = model.config
    assert (config.d_model, config.encoder_layers, config.decoder_layers) == (512, 6, 6)
    assert (config.encoder_attention_heads, config.encoder_ffn_dim, config.max_position_embeddings) == (8, 2048, 512)
    assert config.vocab_size >= 60_000
    assert len(tokenizer) == config.vocab_size
    assert tokenizer.model_max_length == 512
    assert tokenizer(">>rus<< Hello")["input_ids"][0] == tokenizer.convert_tokens_to_ids(">>rus<<")

    _, texts = _generate_and_decode(tokenizer, model, [">>rus<< some text"])
    assert len(texts) == 1 and texts[0].strip()
    # Random ids anywhere in the padded vocabulary, the top end included, decode.
    top = torch.arange(config.vocab_size - 64, config.vocab_size)
    ids = torch.cat([top, torch.randint(0, config.vocab_size, (960,), generator=torch.Generator().manual_seed(0))])
    texts = tokenizer.batch_decode(ids.reshape(32, 32), skip_special_tokens=True)
    assert len(texts) == 32 and all(isinstance(text, str) for text in texts)


# --- realistic lengths (marian) ---------------------------------------------------------------------

# Sentences of very different lengths, from the packaged example article.
SEED_SENTENCES = [
    s.strip() + "." for s in SEED.read_text(encoding="utf-8").replace("\n", " ").split(". ") if len(s.split()) >= 2
][:36]


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    return build_stand_in("marian", "tiny", tmp_path_factory.mktemp("realistic") / "marian", lengths="realistic")


def _lengths(backend, texts, beams, token=">>rus<<"):
    from summarizer.models.catalogue import TargetSpec
    from summarizer.options import GenerationParams

    params = GenerationParams(num_beams=beams, max_new_tokens=400)
    out = backend.generate(texts, params, target=TargetSpec(prefix_token=token), batch_size=8)
    assert all(g.finished for g in out), "every output should end with EOS, well before the limit"
    return [g.new_tokens for g in out]


def _torch_backend(path):
    from summarizer.models.backends.torch_backend import TorchBackend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    return TorchBackend(resolve_model(str(path)), BackendOptions(device="cpu"))


def test_realistic_lengths_vary_and_follow_the_source(realistic):
    import statistics

    from summarizer.models.catalogue import TargetSpec

    backend = _torch_backend(realistic)
    assert len(SEED_SENTENCES) >= 24
    lengths = _lengths(backend, SEED_SENTENCES, beams=1)
    sources = backend.count_tokens(SEED_SENTENCES, TargetSpec(prefix_token=">>rus<<"))
    assert len(set(lengths)) > len(lengths) // 3, lengths
    assert statistics.correlation([float(n) for n in sources], [float(n) for n in lengths]) > 0.8
    # Calibrated on Russian references: output tokens per source token stay in the references' range.
    ratio = sum(lengths) / sum(sources)
    assert 0.4 < ratio < 1.0, ratio


def test_realistic_lengths_are_the_documented_formula(realistic):
    """EOS comes at ceil(rho * (L - 1) + sigma * (L - 1) * mean(f) + c), up to the positions' small share."""
    import math

    from summarizer.models.standin.lengths import fertilities, length_parameters

    backend = _torch_backend(realistic)
    tokenizer = backend.tokenizer
    specials = tokenizer.all_special_ids + tokenizer.convert_tokens_to_ids(list(MARIAN_LANGUAGE_TOKENS))
    f = fertilities(len(tokenizer), specials, seed=0)
    rho, sigma, c = length_parameters("tiny")[">>rus<<"]
    expected = []
    for ids in tokenizer([f">>rus<< {s}" for s in SEED_SENTENCES])["input_ids"]:
        steps = len(ids) - 1
        expected.append(math.ceil(rho * steps + sigma * steps * float(f[ids].mean()) + c))
    got = [n - 1 for n in _lengths(backend, SEED_SENTENCES, beams=1)]  # tokens before EOS
    assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)), list(zip(got, expected, strict=True))
    assert sum(a == b for a, b in zip(got, expected, strict=True)) >= 0.8 * len(got)


def test_realistic_lengths_follow_the_target_token(realistic):
    backend = _torch_backend(realistic)
    ru = _lengths(backend, SEED_SENTENCES[:12], beams=1, token=">>rus<<")
    az = _lengths(backend, SEED_SENTENCES[:12], beams=1, token=">>aze_Latn<<")
    # Azerbaijani references are ~2.7x as long in the stand-in's pieces (its vocabulary lacks ə, ş, ı...).
    assert sum(az) > 2 * sum(ru)


@pytest.mark.parametrize("beams", [1, 4])
def test_realistic_lengths_are_the_same_under_ctranslate2(realistic, tmp_path, beams):
    pytest.importorskip("ctranslate2")
    from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    options = BackendOptions(device="cpu", backend="ctranslate2", compute_type="float32", converted_dir=tmp_path)
    ct2 = CTranslate2Backend(resolve_model(str(realistic)), options)
    torch_lengths = _lengths(_torch_backend(realistic), SEED_SENTENCES, beams)
    assert _lengths(ct2, SEED_SENTENCES, beams) == torch_lengths
    assert len(set(torch_lengths)) > 1


def test_realistic_build_is_reproducible_and_marked(realistic, tmp_path):
    again = build_stand_in("marian", "tiny", tmp_path / "again", lengths="realistic")
    for name in sorted(p.name for p in realistic.iterdir()):
        assert (again / name).read_bytes() == (realistic / name).read_bytes(), name
    assert stand_in_info(realistic)["lengths"] == "realistic"


def test_forced_lengths_stay_the_default(tiny_dirs, tmp_path):
    forced = build_stand_in("marian", "tiny", tmp_path / "forced", lengths="forced")
    for name in sorted(p.name for p in tiny_dirs["marian"].iterdir()):
        assert (forced / name).read_bytes() == (tiny_dirs["marian"] / name).read_bytes(), name
    assert "lengths" not in stand_in_info(forced)


def test_realistic_weights_differ_only_in_values(realistic, tiny_dirs):
    from safetensors import safe_open

    with (
        safe_open(realistic / "model.safetensors", "pt") as a,
        safe_open(tiny_dirs["marian"] / "model.safetensors", "pt") as b,
    ):
        assert sorted(a.keys()) == sorted(b.keys())
        assert all(a.get_tensor(k).shape == b.get_tensor(k).shape for k in a.keys())  # noqa: SIM118 (safe_open is not a dict)
    config = json.loads((realistic / "config.json").read_text(encoding="utf-8"))
    assert config == json.loads((tiny_dirs["marian"] / "config.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("kind", "lengths", "message"),
    [("bart", "realistic", "marian stand-ins only"), ("marian", "short", "lengths 'short'")],
)
def test_bad_lengths_raise_config_error(tmp_path, kind, lengths, message):
    with pytest.raises(ConfigError, match=message):
        build_stand_in(kind, "tiny", tmp_path / "model", lengths=lengths)
    assert not (tmp_path / "model").exists()


def test_cli_builds_realistic_lengths(tmp_path):
    from typer.testing import CliRunner

    from summarizer.cli.app import app

    runner = CliRunner()
    result = runner.invoke(
        app, ["models", "stand-in", "--kind", "marian", "--lengths", "realistic", str(tmp_path / "m")]
    )
    assert result.exit_code == 0, result.output
    assert "realistic lengths" in result.output
    assert stand_in_info(tmp_path / "m")["lengths"] == "realistic"
    result = runner.invoke(app, ["models", "stand-in", "--kind", "t5", "--lengths", "realistic", str(tmp_path / "t")])
    assert result.exit_code != 0
    assert not (tmp_path / "t").exists()
