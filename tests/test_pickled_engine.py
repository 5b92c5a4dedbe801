"""The remote path in the fast lane: the pickled engine sends every task and its inputs through pickle and
rebuilds each worker from its factory, as Ray's actors do; a job gives the local engine's digests."""

from __future__ import annotations

import pickle
from functools import partial
from pathlib import Path

import pytest
from test_jobs import _corpus_inputs, write_job
from test_ray_engine import _digests, extractive_job

from summarizer.config.flags import RunOptions
from summarizer.config.merge import resolve_job
from summarizer.engines import Work
from summarizer.engines.pickled import PickledEngine
from summarizer.jobs import run_job


class _Doubler:
    built = 0

    def __init__(self, suffix: str):
        self.suffix = suffix
        self.loaded = False
        type(self).built += 1

    def load(self) -> None:
        self.loaded = True

    def remote_compute(self, items: list[str]) -> list[dict]:
        assert self.loaded, "load() runs before any work, as an actor's does"
        return [{"text": item * 2 + self.suffix} for item in items]


def test_work_is_rebuilt_from_its_factory_loaded_once_and_decoded():
    _Doubler.built = 0
    engine = PickledEngine()
    work = Work("double", compute=None, factory=partial(_Doubler, "!"), decode=lambda d: d["text"], group_size=2)
    batches = list(engine.map(work, ["a", "b", "c"]))
    assert [len(b) for b in batches] == [2, 1]
    assert dict(pair for batch in batches for pair in batch) == {"a": "aa!", "b": "bb!", "c": "cc!"}
    list(engine.map(work, ["d"]))
    assert _Doubler.built == 1, "one worker per factory, as one actor pool per model"


def test_what_would_not_reach_a_remote_worker_fails_here_too():
    engine = PickledEngine()
    unpicklable = Work("bad", compute=None, factory=lambda: _Doubler("?"))
    with pytest.raises((pickle.PicklingError, AttributeError)):
        list(engine.map(unpicklable, ["a"]))


def _kinds(engine: PickledEngine) -> set[str]:
    """The workers the engine built from factories (what a remote engine's actors would be)."""
    return {type(worker).__name__ for worker in engine._workers.values()}


def _run(job: Path, out: Path, cache: Path, engine, monkeypatch) -> dict:
    import summarizer.pipeline as pipeline

    with monkeypatch.context() as patch:
        if engine is not None:
            patch.setattr(pipeline, "make_engine", lambda *args, **kwargs: engine)
        report = run_job(resolve_job(job, RunOptions.of(out=str(out), cache_dir=str(cache))))
    assert not report.failures, report.describe()
    return _digests(out)


def test_a_job_on_the_pickled_engine_gives_the_local_digests(tmp_path, marian, bart, monkeypatch):
    inputs = _corpus_inputs(tmp_path, 2)
    job = write_job(tmp_path, marian, bart, inputs=inputs, targets=("ru",), translate="both")
    local = _run(job, tmp_path / "out-local", tmp_path / "c-local", None, monkeypatch)
    engine = PickledEngine()
    pickled = _run(job, tmp_path / "out-pickled", tmp_path / "c-pickled", engine, monkeypatch)
    assert len(local) == 3 and pickled == local
    assert _kinds(engine) >= {"Translator", "SummaryModel", "ReviewWorker"}, _kinds(engine)


def test_an_extractive_job_with_adequacy_on_the_pickled_engine_gives_the_local_digests(tmp_path, marian, monkeypatch):
    """The embedding and check workers' remote path: the same summaries and flags."""
    job = extractive_job(tmp_path, marian, _corpus_inputs(tmp_path, 2))
    local = _run(job, tmp_path / "out-local", tmp_path / "c-local", None, monkeypatch)
    engine = PickledEngine()
    pickled = _run(job, tmp_path / "out-pickled", tmp_path / "c-pickled", engine, monkeypatch)
    assert len(local) == 3 and pickled == local
    assert "EmbedWorker" in _kinds(engine), _kinds(engine)
    codes = {
        f["code"]
        for d in local.values()
        for ld in d.get("languages", [])
        for t in ld["summary"]["translations"]
        for f in t["flags"]
    }
    assert "low-adequacy" in codes
