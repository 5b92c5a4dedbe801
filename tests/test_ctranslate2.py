"""The CTranslate2 backend on real converted stand-ins: conversion once, target tokens, lengths equal to
torch's, 1:1 alignment, summarization and translation through the public classes, separate cache keys.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from summarizer.cache import Cache
from summarizer.errors import BackendUnavailableError, ModelError
from summarizer.models.backends import ctranslate2_backend as ct2_mod
from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend, converted_dir
from summarizer.models.catalogue import TargetSpec
from summarizer.models.hub import resolve_model
from summarizer.options import (
    BackendOptions,
    GenerationParams,
    RuntimeOptions,
    SummaryOptions,
    TargetOptions,
    WorkerOptions,
)

pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

CT2_RUNTIME = RuntimeOptions(device="cpu", backend="ctranslate2")


def _folder() -> Path:
    """The test's cache folder (conftest points SUMMARIZER_CACHE_DIR at tmp_path)."""
    return Path(os.environ["SUMMARIZER_CACHE_DIR"])


def ct2(**changes) -> BackendOptions:
    return BackendOptions(
        **{"device": "cpu", "backend": "ctranslate2", "converted_dir": _folder() / "ctranslate2", **changes}
    )


RUS = TargetSpec(prefix_token=">>rus<<")
SENTENCES = [
    "The summit opened in Baku on Thursday.",
    "Leaders of more than a hundred countries attended the two-day meeting of the Non-Aligned Movement.",
    "It rained.",
    "The summit opened in Baku on Thursday.",
    "Azerbaijan has chaired the movement since 2019 and its term was extended by a year.",
    "It rained.",
]


def _record_batches(monkeypatch, backend: CTranslate2Backend) -> list[dict]:
    """Wrap the real translate_batch, keeping its arguments."""
    calls: list[dict] = []
    real = backend.translator.translate_batch

    class Spy:
        def translate_batch(self, source, **kwargs):
            calls.append({"source": source, **kwargs})
            return real(source, **kwargs)

    monkeypatch.setattr(backend, "translator", Spy())
    return calls


def test_conversion_happens_once_and_is_reused(marian, tmp_path, monkeypatch):
    ref = resolve_model(str(marian))
    backend = CTranslate2Backend(ref, ct2())
    expected = converted_dir(ref, "int8", tmp_path / "cache" / "ctranslate2")
    assert backend.path == expected
    assert expected.name.endswith("-int8") and expected.name.startswith("local_")
    assert (expected / "model.bin").is_file()
    assert not list(expected.parent.glob(".*converting")), "the temporary folder must be renamed away"
    mtime = (expected / "model.bin").stat().st_mtime_ns

    def no_second_conversion():
        raise AssertionError("the converted model should have been reused")

    monkeypatch.setattr(ct2_mod, "_converter_class", no_second_conversion)
    again = CTranslate2Backend(ref, ct2())
    assert again.path == expected
    assert (expected / "model.bin").stat().st_mtime_ns == mtime
    assert again.info.backend == "ctranslate2:int8"


def test_failed_conversion_leaves_no_half_model(marian, monkeypatch):
    ref = resolve_model(str(marian))
    target = converted_dir(ref, "int8", _folder() / "ctranslate2")

    class Broken:
        def __init__(self, path):
            pass

        def convert(self, out, **kwargs):
            (Path(out) / "model.bin").write_bytes(b"half a model")
            raise RuntimeError("killed mid-conversion")

    options = ct2()
    monkeypatch.setattr(ct2_mod, "_converter_class", lambda: Broken)
    with pytest.raises(ModelError, match="could not be converted"):
        CTranslate2Backend(ref, options)
    assert not target.exists()
    assert not list(target.parent.glob(".*converting"))
    monkeypatch.undo()
    assert (CTranslate2Backend(ref, options).path / "model.bin").is_file()


def test_marian_target_token_reaches_the_input(marian, monkeypatch):
    backend = CTranslate2Backend(resolve_model(str(marian)), ct2())
    calls = _record_batches(monkeypatch, backend)
    out = backend.generate(SENTENCES[:3], GenerationParams(num_beams=1, max_new_tokens=6), target=RUS)
    assert len(out) == 3
    sources = [tokens for call in calls for tokens in call["source"]]
    assert len(sources) == 3
    assert all(tokens[0] == ">>rus<<" and tokens[-1] == "</s>" for tokens in sources)
    assert all(call["target_prefix"] is None for call in calls)
    # count_tokens sees the same input, target token included.
    assert sorted(backend.count_tokens(SENTENCES[:3], RUS)) == sorted(len(t) for t in sources)


def test_forced_bos_becomes_the_target_prefix(marian, monkeypatch):
    backend = CTranslate2Backend(resolve_model(str(marian)), ct2())
    calls = _record_batches(monkeypatch, backend)
    backend.generate(
        SENTENCES[:2], GenerationParams(num_beams=1, max_new_tokens=6), target=TargetSpec(forced_bos=">>ara<<")
    )
    assert calls[0]["target_prefix"] == [[">>ara<<"], [">>ara<<"]]
    with pytest.raises(ModelError, match="no language token"):
        backend.generate(
            SENTENCES[:1], GenerationParams(num_beams=1, max_new_tokens=6), target=TargetSpec(forced_bos="xx_Nope")
        )


def test_bart_forced_bos_from_the_generation_config(bart, monkeypatch):
    backend = CTranslate2Backend(resolve_model(str(bart)), ct2())
    calls = _record_batches(monkeypatch, backend)
    backend.generate(["A short article."], GenerationParams(num_beams=1, max_new_tokens=6))
    assert calls[0]["target_prefix"] == [["<s>"]]  # what generate() forces for BART


def test_output_is_aligned_with_input_and_batch_independent(marian):
    backend = CTranslate2Backend(resolve_model(str(marian)), ct2(compute_type="float32"))
    params = GenerationParams(num_beams=1, max_new_tokens=12)
    together = backend.generate(SENTENCES, params, target=RUS)
    alone = [backend.generate([s], params, target=RUS)[0] for s in SENTENCES]
    assert together == alone
    assert together[0] == together[3] and together[2] == together[5]
    assert len({g.text for g in together}) > 1, "different inputs should give different noise"


@pytest.mark.parametrize("kind", ["marian", "bart", "t5"])
@pytest.mark.parametrize("lengths", [(9, 9), (12, 0), (16, 4)])
def test_same_outputs_and_lengths_as_torch(kind, lengths, request):
    """At float32 and greedy, ctranslate2 must give torch's exact tokens: the length mapping is right."""
    from summarizer.models.backends.torch_backend import TorchBackend

    ref = resolve_model(str(request.getfixturevalue(kind)))
    target = RUS if kind == "marian" else TargetSpec()
    max_new, min_new = lengths
    params = GenerationParams(num_beams=1, max_new_tokens=max_new, min_new_tokens=min_new)
    expected = TorchBackend(ref, BackendOptions(device="cpu")).generate(SENTENCES, params, target=target, batch_size=2)
    got = CTranslate2Backend(ref, ct2(compute_type="float32")).generate(SENTENCES, params, target=target, batch_size=2)
    assert got == expected
    if min_new == max_new:
        assert all(g.new_tokens == max_new and not g.finished for g in got)


def test_int8_forced_lengths(marian):
    backend = CTranslate2Backend(resolve_model(str(marian)), ct2())
    out = backend.generate(SENTENCES, GenerationParams(num_beams=4, max_new_tokens=10, min_new_tokens=10), target=RUS)
    assert [g.new_tokens for g in out] == [10] * len(SENTENCES)
    assert not any(g.finished for g in out)


def test_over_long_input_is_an_error_never_truncated(marian):
    backend = CTranslate2Backend(resolve_model(str(marian)), ct2())
    long_text = " ".join(["summit"] * 2 * backend.max_input_tokens)
    assert backend.count_tokens([long_text], RUS)[0] > backend.max_input_tokens
    with pytest.raises(ModelError, match="exceeds the model limit"):
        backend.generate(["Fine.", long_text], GenerationParams(num_beams=1, max_new_tokens=4), target=RUS)


def test_bart_summarization_through_the_summarizer(bart, seed_text):
    from summarizer.tasks.summarizing import Summarizer

    params = {"num_beams": 2, "max_new_tokens": 20, "min_new_tokens": 20}
    summary = Summarizer(
        SummaryOptions(model=str(bart), params=params), WorkerOptions(runtime=CT2_RUNTIME, models_dir=_folder())
    ).summarize(seed_text)
    assert summary.model.backend == "ctranslate2:int8"
    assert summary.text
    assert summary.input_tokens > 0


def test_translation_cache_key_differs_from_torch(marian, tmp_path):
    from summarizer.tasks.translating import Translator

    cache = Cache(tmp_path / "shared-cache")
    params = {"num_beams": 1, "max_new_tokens": 8}
    torch_run = Translator(
        TargetOptions("ru", str(marian), params=params),
        WorkerOptions(runtime=RuntimeOptions(device="cpu")),
        cache=cache,
    ).translate(SENTENCES)
    assert torch_run.cache_hits == 0 and torch_run.model.backend == "torch"
    torch_again = Translator(
        TargetOptions("ru", str(marian), params=params),
        WorkerOptions(runtime=RuntimeOptions(device="cpu")),
        cache=cache,
    ).translate(SENTENCES)
    assert torch_again.cache_hits == len(SENTENCES)

    ct2_run = Translator(
        TargetOptions("ru", str(marian), params=params),
        WorkerOptions(runtime=CT2_RUNTIME, models_dir=_folder()),
        cache=cache,
    ).translate(SENTENCES)
    assert ct2_run.cache_hits == 0, "a ctranslate2 run must not be served torch's outputs"
    assert ct2_run.model.backend == "ctranslate2:int8"
    assert [t.source_id for t in ct2_run.translations] == [t.source_id for t in torch_run.translations]
    assert ct2_run.texts[0] == ct2_run.texts[3] and all(ct2_run.texts)
    ct2_again = Translator(
        TargetOptions("ru", str(marian), params=params),
        WorkerOptions(runtime=CT2_RUNTIME, models_dir=_folder()),
        cache=cache,
    ).translate(SENTENCES)
    assert ct2_again.cache_hits == len(SENTENCES)
    assert ct2_again.texts == ct2_run.texts


def test_missing_ctranslate2_names_the_extra(marian, monkeypatch):
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # makes `import ctranslate2` fail
    with pytest.raises(BackendUnavailableError, match=r"pip install 'summarizer\[ctranslate2\]'"):
        CTranslate2Backend(resolve_model(str(marian)), ct2())


def test_mps_is_refused_with_a_way_out(marian):
    with pytest.raises(ModelError, match="cpu or cuda"):
        CTranslate2Backend(resolve_model(str(marian)), ct2(device="mps"))


@pytest.mark.slow
def test_marian_on_ctranslate2_imports_no_torch(marian, tmp_path):
    """Once converted, a Marian model runs on ctranslate2 with SentencePiece alone: no torch."""
    from conftest import run_python

    code = (
        "import sys\nfrom summarizer.options import RuntimeOptions, TargetOptions, WorkerOptions\n"
        "from summarizer.tasks.translating import Translator\n"
        f"t = Translator(TargetOptions('ru', {str(marian)!r}, params={{'num_beams': 1, 'max_new_tokens': 5}}), "
        f"WorkerOptions(runtime=RuntimeOptions(backend='ctranslate2'), models_dir={str(tmp_path / 'cache')!r}))\n"
        "r = t.translate(['One sentence.', 'Another one.'])\n"
        "print(len(r.translations), 'torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    first = run_python(code)
    assert first.returncode == 0, first.stderr  # converts (that step uses transformers)
    second = run_python(code)
    assert second.stdout.split() == ["2", "False", "False"], second.stderr
