"""A token budget per batch (`runtime.batch_tokens`): batches never hold more padded source tokens than the
budget, on both backends, and the outputs are the same as without it. Batches decoded in parallel on
CTranslate2 (`runtime.parallel_batches`) give the same outputs too."""

from __future__ import annotations

import pytest

from summarizer.models.backends.base import plan_batches
from summarizer.options import QualityOptions, RuntimeOptions, TargetOptions, WorkerOptions


def test_plan_batches_bounds_inputs_and_padded_tokens():
    lengths = [5, 40, 7, 12, 40, 3, 9, 100]
    batches = plan_batches(lengths, batch_size=3, max_tokens=60)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # every input once
    for b in batches:
        assert len(b) <= 3
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 60
    assert [7] in batches  # longer than the budget: alone, never cut
    assert plan_batches(lengths, batch_size=3) == plan_batches(lengths, batch_size=3, max_tokens=None)
    assert [len(b) for b in plan_batches(lengths, batch_size=3)] == [3, 3, 2]


def test_batch_tokens_is_validated():
    with pytest.raises(Exception, match="batch_tokens"):
        RuntimeOptions(batch_tokens=0)


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_a_token_budget_changes_the_batches_not_the_translations(marian, tmp_path, backend):
    from summarizer.tasks.translating import Translator

    sentences = [
        "The summit opened in Baku on Thursday.",
        "Delegates from 120 countries attended the two-day meeting of the Non-Aligned Movement in the capital.",
        "It ended.",
        "Azerbaijan has chaired the movement since 2019.",
    ]
    params = {"num_beams": 2, "max_new_tokens": 6}

    def run(**runtime):
        job = Translator(
            TargetOptions("ru", str(marian), params=params),
            WorkerOptions(
                runtime=RuntimeOptions(backend=backend, **runtime),
                models_dir=tmp_path,
                quality=QualityOptions(retry=False),  # stand-in noise would be retried: other batches
            ),
            cache=None,
        )
        sizes = []
        real = (
            job.handle.backend.translator.translate_batch
            if backend == "ctranslate2"
            else job.handle.backend.model.generate
        )

        def spy(*args, **kwargs):
            first = args[0] if args else kwargs["input_ids"]
            sizes.append((len(first), max(len(x) for x in first)))
            return real(*args, **kwargs)

        loaded = job.handle.backend  # shared by every Translator of the model: the spy is taken off after
        if backend == "ctranslate2":
            loaded.translator = _Wrapped(loaded.translator, spy)
        else:
            loaded.model.generate = spy
        try:
            return [t.text for t in job.translate(sentences).translations], sizes
        finally:
            if backend == "ctranslate2":
                loaded.translator = loaded.translator._inner
            else:
                del loaded.model.generate

    plain, plain_sizes = run()
    bounded, sizes = run(batch_tokens=40)
    assert bounded == plain
    assert len(plain_sizes) == 1 and len(sizes) > 1
    assert all(n == 1 or n * longest <= 40 for n, longest in sizes), sizes


class _Wrapped:
    def __init__(self, inner, translate_batch):
        self._inner, self.translate_batch = inner, translate_batch

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_parallel_batches_on_ctranslate2_give_the_same_translations(marian, tmp_path):
    from summarizer.tasks.translating import Translator

    sentences = [f"Delegates from {n} countries attended the meeting in Baku." for n in range(100, 112)]

    def run(**runtime):
        job = Translator(
            TargetOptions("ru", str(marian), params={"num_beams": 2, "max_new_tokens": 6}),
            WorkerOptions(
                runtime=RuntimeOptions(backend="ctranslate2", batch_size=2, **runtime),
                models_dir=tmp_path,
                quality=QualityOptions(retry=False),
            ),
            cache=None,
        )
        assert job.handle.backend.translator.num_translators == runtime.get("parallel_batches", 1)
        return [t.text for t in job.translate(sentences).translations]

    assert run(parallel_batches=2, threads=1) == run(threads=1)
