"""`runtime.backend = "auto"`, the default (issue 24, part 1): CTranslate2 where it is installed and converts
the model, else torch, said once; the choice is in the provenance."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.models.backends import registry
from summarizer.models.backends.registry import resolve_backend
from summarizer.models.hub import resolve_model
from summarizer.options import BackendOptions, RuntimeOptions

runner = CliRunner()


@pytest.fixture
def auto(monkeypatch):
    """No SUMMARIZER_BACKEND (the suite sets it to torch), and a fresh record of what auto has said."""
    monkeypatch.delenv("SUMMARIZER_BACKEND", raising=False)
    monkeypatch.setattr(registry, "_said", set())


def options(tmp_path: Path, **kw) -> BackendOptions:
    return replace(BackendOptions(converted_dir=tmp_path / "converted"), **kw)


def test_auto_is_the_default():
    assert RuntimeOptions().backend == "auto" and BackendOptions().backend == "auto"


def test_auto_picks_ctranslate2_int8_on_cpu_for_a_model_it_converts(auto, marian, tmp_path):
    chosen = resolve_backend(resolve_model(str(marian), None), options(tmp_path, device="cpu"))
    assert (chosen.backend, chosen.compute_type, chosen.label) == ("ctranslate2", "int8", "ctranslate2:int8")
    # On CUDA the default quantization is float16; an explicit one is kept.
    cuda = resolve_backend(resolve_model(str(marian), None), options(tmp_path, device="cuda"))
    assert cuda.label == "ctranslate2:float16"
    given = resolve_backend(resolve_model(str(marian), None), options(tmp_path, device="cpu", compute_type="int16"))
    assert given.label == "ctranslate2:int16"


def test_auto_follows_summarizer_backend_and_explicit_choices_stay(auto, marian, tmp_path, monkeypatch):
    ref = resolve_model(str(marian), None)
    assert resolve_backend(ref, options(tmp_path, backend="torch")).backend == "torch"
    monkeypatch.setenv("SUMMARIZER_BACKEND", "torch")
    assert resolve_backend(ref, options(tmp_path)).backend == "torch"


def test_a_model_ctranslate2_cannot_run_falls_back_to_torch_said_once(auto, marian, tmp_path, caplog):
    ref = replace(resolve_model(str(marian), None), model_type="prophetnet")
    with caplog.at_level(logging.INFO, logger="summarizer.models.backends.registry"):
        for _ in range(3):
            assert resolve_backend(ref, options(tmp_path)).backend == "torch"
    said = [r.getMessage() for r in caplog.records if "does not run prophetnet" in r.getMessage()]
    assert len(said) == 1, said


def test_without_ctranslate2_installed_auto_is_torch_said_once(auto, marian, tmp_path, caplog, monkeypatch):
    real = registry.importlib.util.find_spec
    monkeypatch.setattr(
        registry.importlib.util, "find_spec", lambda name: None if name == "ctranslate2" else real(name)
    )
    ref = resolve_model(str(marian), None)
    with caplog.at_level(logging.INFO, logger="summarizer.models.backends.registry"):
        assert resolve_backend(ref, options(tmp_path)).backend == "torch"
        assert resolve_backend(ref, options(tmp_path)).backend == "torch"
    assert sum("not installed" in r.getMessage() for r in caplog.records) == 1
    assert resolve_backend(ref, options(tmp_path, device="mps")).backend == "torch"


def test_a_translate_run_with_no_backend_options_reports_ctranslate2(auto, marian, tmp_path):
    (tmp_path / "a.txt").write_text("The summit opened in Baku on Thursday.\n", encoding="utf-8")
    args = ["translate", "a.txt", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--format", "json"]
    result = runner.invoke(app, [*args, "--out", "out", "--num-beams", "1", "--max-new-tokens", "8", "--no-retry"])
    assert result.exit_code == 0, result.output
    data = json.loads(Path("out/a.json").read_text(encoding="utf-8"))
    assert data["languages"][0]["full"]["model"]["backend"] == "ctranslate2:int8"


def test_a_model_ctranslate2_cannot_convert_runs_on_torch_said_once(auto, marian, tmp_path, monkeypatch, caplog):
    from summarizer.models.backends import ctranslate2_backend

    class Broken:
        def __init__(self, path):
            pass

        def convert(self, *args, **kwargs):
            raise ValueError("unsupported layer: EvilAttention")

    monkeypatch.setattr(ctranslate2_backend, "_converter_class", lambda: Broken)
    monkeypatch.setattr(registry, "_unconvertible", set())
    ref = resolve_model(str(marian), None)
    with caplog.at_level(logging.INFO, logger=registry.__name__):
        first = resolve_backend(ref, options(tmp_path, device="cpu"))
        second = resolve_backend(ref, options(tmp_path, device="cpu"))
    assert first.backend == second.backend == "torch"
    said = [r.getMessage() for r in caplog.records if "it runs on torch" in r.getMessage()]
    assert len(said) == 1 and "could not be converted to CTranslate2" in said[0] and "EvilAttention" in said[0]
    # Explicit ctranslate2 still says why it can't, as an error.
    from summarizer.errors import ModelError
    from summarizer.models.backends.registry import get_backend

    with pytest.raises(ModelError, match="could not be converted"):
        get_backend(ref, options(tmp_path / "explicit", device="cpu", backend="ctranslate2"))
