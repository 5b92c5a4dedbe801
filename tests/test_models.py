"""The model layer: resolving hub ids and folders, loading once, offline failures, round trips."""

from __future__ import annotations

import shutil
import time

import pytest

from summarizer.errors import ConfigError, ModelError, ModelUnavailableError
from summarizer.models.backends import ModelHandle, get_backend, loaded_count
from summarizer.models.catalogue import TargetSpec
from summarizer.models.hub import folder_fingerprint, hub_reachable, resolve_model
from summarizer.options import BackendOptions, GenerationParams, RuntimeOptions

FORCED = GenerationParams(num_beams=2, max_new_tokens=6, min_new_tokens=6)


@pytest.mark.parametrize("kind", ["marian", "bart", "t5"])
def test_round_trip_through_model_layer(kind, request):
    path = request.getfixturevalue(kind)
    ref = resolve_model(str(path))
    assert ref.model_type == kind
    assert ref.info.stand_in is True
    assert ref.info.fingerprint.startswith("local:")
    backend = get_backend(ref, BackendOptions(device="cpu"))
    target = TargetSpec(prefix_token=">>ara<<") if kind == "marian" else TargetSpec()
    texts = [
        "The warning begins at 22:00 GMT on Saturday.",
        "Ban urged the five permanent members to show solidarity.",
        "Short.",
    ]
    out = backend.generate(texts, FORCED, target=target)
    assert len(out) == 3
    assert all(isinstance(g.text, str) for g in out)
    assert all(g.new_tokens >= 6 for g in out)  # forced length (EOS may follow)
    counts = backend.count_tokens(texts, target)
    assert counts[2] < counts[0]
    assert backend.max_input_tokens == {"marian": 512, "bart": 1024, "t5": 512}[kind]


def test_loaded_models_are_reused(marian):
    ref = resolve_model(str(marian))
    first = get_backend(ref, BackendOptions(device="cpu"))
    n = loaded_count()
    assert get_backend(resolve_model(str(marian)), BackendOptions(device="cpu")) is first
    assert loaded_count() == n


def test_handle_loads_lazily(bart):
    handle = ModelHandle(resolve_model(str(bart)), BackendOptions())
    assert not handle.loaded
    _ = handle.info  # identity needs no weights
    assert not handle.loaded
    assert handle.backend.max_input_tokens == 1024
    assert handle.loaded


def test_backend_refuses_over_long_input_instead_of_truncating(marian):
    backend = get_backend(resolve_model(str(marian)), BackendOptions())
    with pytest.raises(ModelError, match="exceeds the model limit"):
        backend.generate(["word " * 2000], FORCED)


def test_fingerprint_changes_when_weights_change(marian, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(marian, copy)
    before = folder_fingerprint(copy)
    assert folder_fingerprint(copy) == before
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert folder_fingerprint(copy) != before


def test_unknown_hub_id_offline_fails_fast_with_clear_message():
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError) as err:
        resolve_model("Helsinki-NLP/opus-mt-en-xx-does-not-exist")
    assert time.monotonic() - started < 5
    message = str(err.value)
    assert "Helsinki-NLP/opus-mt-en-xx-does-not-exist" in message
    assert "HF_HUB_OFFLINE" in message and "local folder" in message
    assert "\n" not in message


def test_unreachable_hub_without_offline_flag_fails_fast(monkeypatch):
    """Without HF_HUB_OFFLINE, an unreachable Hub must not cost minutes of retries."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    assert hub_reachable() is False
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match="can't be reached"):
        resolve_model("sshleifer/distilbart-cnn-12-6")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("missing", ["config.json", "model.safetensors", "vocab.json"])
def test_model_folder_with_missing_files(marian, tmp_path, missing):
    copy = tmp_path / "broken"
    shutil.copytree(marian, copy)
    (copy / missing).unlink()
    if missing == "vocab.json":
        # Marian keeps tokenizer files besides vocab.json: the check passes, the load must fail clearly.
        with pytest.raises(ModelError, match="could not be loaded"):
            get_backend(resolve_model(str(copy)), BackendOptions())
    else:
        with pytest.raises(ModelError, match="incomplete"):
            resolve_model(str(copy))


def test_corrupt_weights_give_model_error(marian, tmp_path):
    copy = tmp_path / "corrupt"
    shutil.copytree(marian, copy)
    (copy / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelError, match="corrupt"):
        get_backend(resolve_model(str(copy)), BackendOptions())


def test_missing_folder_is_named():
    with pytest.raises(ModelError, match="./nope/model does not exist"):
        resolve_model("./nope/model")


def test_generation_params_are_strict():
    with pytest.raises(ConfigError, match="unknown generation option 'beams'"):
        GenerationParams.from_mapping({"beams": 4})
    with pytest.raises(ConfigError, match="num_beams must be int"):
        GenerationParams.from_mapping({"num_beams": "4"})
    assert GenerationParams.from_mapping({"length_penalty": 2}).length_penalty == 2.0
    lowered = GenerationParams.from_mapping(
        {"max_new_tokens": 10}, base=GenerationParams(min_new_tokens=30, max_new_tokens=100)
    )
    assert lowered.min_new_tokens == 10


def test_runtime_validation():
    with pytest.raises(ConfigError, match="device"):
        RuntimeOptions(device="tpu")
    with pytest.raises(ConfigError, match="batch_size"):
        RuntimeOptions(batch_size=0)


# ---- which models a job needs (what `summarizer models pull --config` fetches) -------------------


def _needs(tmp_path, toml: str, **flags):
    from summarizer.config.flags import RunOptions
    from summarizer.config.merge import resolve_job
    from summarizer.models.hub import job_needs

    path = tmp_path / "job.toml"
    path.write_text(toml)
    settings = resolve_job(path, RunOptions.of(inputs=["-"], **flags))
    return [(n.name, n.revision, n.uses) for n in job_needs(settings)]


def test_job_needs_follow_the_registry_and_the_config(tmp_path):
    assert _needs(tmp_path, 'targets = ["az", "ru", "ar"]') == [
        ("sshleifer/distilbart-cnn-12-6", None, ("summary",)),
        ("facebook/nllb-200-distilled-600M", None, ("az",)),
        ("Helsinki-NLP/opus-mt-en-ru", None, ("ru",)),
        ("Helsinki-NLP/opus-mt-tc-big-en-ar", None, ("ar",)),
    ]
    pinned = '[summary]\nmodel = "org/sum"\nrevision = "v1"\n[targets.ru]\nmodel = "org/mt"\n[targets.ar]\nmodel = "org/mt"\n'
    assert _needs(tmp_path, pinned) == [("org/sum", "v1", ("summary",)), ("org/mt", None, ("ru", "ar"))]
    # flags override the file, as in the job itself
    assert _needs(tmp_path, pinned, to="ru", models=["ru=org/other"])[1:] == [("org/other", None, ("ru",))]


def test_job_needs_for_another_source_language(tmp_path):
    """A Russian job needs the ru->ar model, and nothing for ru itself (not translated)."""
    needs = _needs(tmp_path, 'source_lang = "ru"\ntargets = ["ar", "ru"]\n[summary]\nenabled = false\n')
    assert needs == [("Helsinki-NLP/opus-mt-ru-ar", None, ("ar",))]


@pytest.mark.parametrize(
    "summary, expected",
    [
        ('method = "lead"', []),
        ('method = "extractive"', []),  # the bundled embedding model ships in a package
        ('method = "extractive"\nembedding_model = "org/encoder"', [("org/encoder", None, ("embeddings",))]),
        (
            'long_input = "extract"\nembedding_model = "org/encoder"',
            [("sshleifer/distilbart-cnn-12-6", None, ("summary",)), ("org/encoder", None, ("embeddings",))],
        ),
    ],
)
def test_job_needs_by_summary_method(tmp_path, summary, expected):
    assert _needs(tmp_path, f"[summary]\n{summary}\n") == expected


def test_pull_arguments_are_languages_or_hub_ids(marian):
    from summarizer.errors import UnknownLanguageError
    from summarizer.models.hub import names_needs

    needs = names_needs(["ru", "t5-small", "org/model", str(marian), "Helsinki-NLP/opus-mt-en-ru"])
    assert [(n.name, n.uses) for n in needs] == [
        ("Helsinki-NLP/opus-mt-en-ru", ("ru",)),  # and the same id given by name: one entry
        ("t5-small", ()),
        ("org/model", ()),
        (str(marian), ()),
    ]
    with pytest.raises(UnknownLanguageError, match="unknown language 'pt'.*hub id"):
        names_needs(["pt"])


def test_models_list_says_what_it_does_not_know():
    """A default model without a catalogue card shows a dash and "(no card)", explained under the table."""
    from typer.testing import CliRunner

    from summarizer.cli.app import app
    from summarizer.languages import LANGUAGES
    from summarizer.models.catalogue import model_card

    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not any(" ? " in line or line.endswith(" ?") for line in lines)
    carded = {code for code, lang in LANGUAGES.items() if model_card(lang.model)}
    assert carded and carded != set(LANGUAGES)  # both kinds of row are on the table
    for code in LANGUAGES:
        row = next(line for line in lines if line.startswith(f"{code} "))
        assert ("(no card)" in row) == (code not in carded), row
        assert (" — " in row) == (code not in carded), row
    assert any(line.startswith("— (no card): summarizer's catalogue has no card") for line in lines)
