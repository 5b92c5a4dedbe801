"""The Python API's options match the CLI's: the quality checks and the retry can be turned off per call
(`quality=`, like --no-checks and --no-retry), and a worker built in code keeps converted models in the
cache folder the CLI would use."""

from __future__ import annotations

from pathlib import Path

import pytest

import summarizer
from summarizer import QualityOptions, RuntimeOptions, TargetOptions, Translator, WorkerOptions
from summarizer.errors import InputError
from summarizer.inputs.reading import read_article

from conftest import SEED, run_cli

# Random-weight stand-ins write noise: every translation comes out flagged (wrong language), and so retried.
SENTENCES = ["The summit opened in Baku on Thursday.", "Leaders of 120 countries attended.", "It ended on Friday."]
FAST = {"num_beams": 1, "max_new_tokens": 8}


def _translate(marian: Path, **options):
    return summarizer.translate(SENTENCES, "ru", model=str(marian), **FAST, **options).translations


def test_translate_checks_and_retry_can_be_turned_off(marian):
    default = _translate(marian)
    # What is turned off below (a translation kept from the protected retry of "120" may pass the checks).
    assert all(t.flags or t.protected for t in default) and all(t.retried for t in default)
    no_retry = _translate(marian, quality=QualityOptions(retry=False))
    assert all(t.flags for t in no_retry) and not any(t.retried for t in no_retry)
    no_checks = _translate(marian, quality=QualityOptions(checks=False))
    assert not any(t.flags for t in no_checks) and not any(t.retried for t in no_checks)


def test_summarize_checks_can_be_turned_off(bart):
    text = " ".join(SENTENCES * 3)
    checked = summarizer.summarize(text, model=str(bart), **FAST)
    assert checked.flags  # the stand-in's noise names no one in the article
    unchecked = summarizer.summarize(text, model=str(bart), quality=QualityOptions(checks=False), **FAST)
    assert unchecked.flags == () and unchecked.text == checked.text


@pytest.mark.parametrize("bad", [{"checks": False}, "off", False])
def test_quality_must_be_quality_options(bad):
    with pytest.raises(InputError, match="quality must be a summarizer.QualityOptions"):
        summarizer.summarize("Some text. More text.", method="lead", quality=bad)
    with pytest.raises(InputError, match="quality must be a summarizer.QualityOptions"):
        summarizer.translate(["Hello."], "ru", quality=bad)


def test_a_worker_without_a_models_folder_uses_the_cache_folder(tmp_path, monkeypatch):
    runtime = RuntimeOptions(backend="ctranslate2")
    assert WorkerOptions(runtime=runtime).backend_options.converted_dir == tmp_path / "cache" / "ctranslate2"
    given = WorkerOptions(runtime=runtime, models_dir=tmp_path / "mine")
    assert given.backend_options.converted_dir == tmp_path / "mine" / "ctranslate2"
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")  # then the user's cache folder, as the CLI has it
    from summarizer.config.merge import resolve_cache

    converted = WorkerOptions(runtime=runtime).backend_options.converted_dir
    assert converted == resolve_cache().dir / "ctranslate2" and converted.is_relative_to(tmp_path / "xdg-cache")


def test_a_ctranslate2_translator_needs_no_models_folder(marian, tmp_path):
    worker = WorkerOptions(runtime=RuntimeOptions(backend="ctranslate2"))
    ru = Translator(TargetOptions("ru", model=str(marian), params=FAST), worker)
    result = ru.translate(SENTENCES[:2])
    assert result.model.backend == "ctranslate2:int8" and len(result.translations) == 2
    assert any((tmp_path / "cache" / "ctranslate2").iterdir())  # converted into the cache folder


def test_the_api_reads_a_files_text_as_the_cli_reads_the_file(marian, tmp_path):
    """The seed starts `date 2023-03-02 BAKU, Azerbaijan, March 1. ...`: the CLI takes the date off the top, and
    the API kept it, so its sentence 1 was `date 2023-03-02 BAKU, ...`. One reading now: the same sentences."""
    text = SEED.read_text(encoding="utf-8")
    assert text.lstrip().startswith("date 2023-03-02 BAKU")
    cli = run_cli("summarize", str(SEED), "--method", "lead", "--sentences", "2")
    assert cli.returncode == 0, cli.stderr
    api = summarizer.summarize(text, method="lead", sentences=2)
    assert api.text == cli.stdout.decode().strip()
    assert api.text.startswith("BAKU, Azerbaijan, March 1. Currently") and "date 2023" not in api.text
    # translate() splits a string the same way: its sources are the file's sentences, in order.
    file = [s.text for s in read_article(str(SEED)).sentences]
    first = text.split("\n\n", 1)[0]
    ts = summarizer.translate(first, "ru", model=str(marian), quality=QualityOptions(checks=False), **FAST)
    assert [t.source for t in ts.translations] == file[: len(ts.translations)]
    assert ts.translations[0].source == "BAKU, Azerbaijan, March 1."
