"""Progress that moves: a heartbeat inside one long generate() call, sentences counted per batch, a summary's
rounds and batches reported, and the display's line (with an estimate of the time left) at its interval."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest

from summarizer import Pipeline, resolve_job
from summarizer.cli import progress as progress_module
from summarizer.cli.progress import ProgressDisplay
from summarizer.config.flags import RunOptions
from summarizer.models.backends import ModelHandle
from summarizer.models.hub import resolve_model
from summarizer.options import BackendOptions, GenerationParams, RuntimeOptions, SummaryOptions, WorkerOptions
from summarizer.pipeline import Callbacks
from summarizer.tasks.generation import Progress
from summarizer.tasks.summarizing import Summarizer

from conftest import SEED, run_cli

STEPS = 40  # decoding steps of each batch: min = max new tokens, so every row runs them all
LONG = GenerationParams(num_beams=1, max_new_tokens=STEPS, min_new_tokens=STEPS)


def _backend(path, **options):
    return ModelHandle(resolve_model(str(path)), BackendOptions(device="cpu", **options)).backend


def _beats(backend, params: GenerationParams, texts: list[str], batch_size: int = 2):
    """Run generate(), recording each heartbeat with whether generate() had returned yet."""
    returned = threading.Event()
    beats: list[tuple[int, bool]] = []
    out = backend.generate(texts, params, batch_size=batch_size, on_step=lambda n: beats.append((n, returned.is_set())))
    returned.set()
    return out, beats


# ---- the heartbeat inside one generate() call ------------------------------------------------------------


@pytest.mark.parametrize("beams", [1, 3])
def test_a_long_generate_call_beats_at_every_decoding_step_while_it_runs(marian, beams):
    params = GenerationParams(num_beams=beams, max_new_tokens=STEPS, min_new_tokens=STEPS)
    out, beats = _beats(_backend(marian), params, ["Leaders met in Baku on Friday.", "The summit ended."] * 2)
    assert all(g.new_tokens == STEPS for g in out)
    assert not any(after for _, after in beats)  # every beat came from inside the call
    # Two batches of two rows: each counts its steps 1..STEPS, as they are decoded, not once at the end.
    assert [n for n, _ in beats] == list(range(1, STEPS + 1)) * 2


def test_a_display_that_fails_never_breaks_generation(marian, caplog):
    calls = []

    def broken(n: int) -> None:
        calls.append(n)
        raise RuntimeError("the display broke")

    with caplog.at_level(logging.WARNING):
        out = _backend(marian).generate(["Leaders met in Baku."], LONG, on_step=broken)
    assert out[0].new_tokens == STEPS
    assert calls == [1]  # the first error turns the hook off
    assert sum("progress report failed" in r.message for r in caplog.records) == 1


def test_ctranslate2_beats_with_greedy_search_and_not_with_beams(marian, tmp_path):
    pytest.importorskip("ctranslate2")
    backend = _backend(marian, backend="ctranslate2", converted_dir=tmp_path / "converted")
    out, beats = _beats(backend, LONG, ["Leaders met in Baku on Friday."] * 3)
    assert not any(after for _, after in beats)
    steps = [n for n, _ in beats]
    assert steps[0] == 1 and len(steps) > 2 * (STEPS // 2)  # both batches, step by step
    assert all(b > a for a, b in zip(steps, steps[1:], strict=False) if b != 1)
    _, beats = _beats(backend, GenerationParams(num_beams=2, max_new_tokens=8), ["Leaders met in Baku."])
    assert beats == []  # CTranslate2 has no step callback with beams: progress moves per batch


# ---- per batch: sentences and summary rounds ----------------------------------------------------------------


def _recorder():
    events: list[tuple] = []
    callbacks = Callbacks(
        article_done=lambda r: events.append(("article",)),
        sentences=lambda lang, n: events.append(("sentences", lang, n)),
        sentences_total=lambda lang, n: events.append(("total", lang, n)),
        summaries=lambda n: events.append(("summaries", n)),
        summaries_total=lambda n: events.append(("summaries_total", n)),
        batch_started=lambda what, number, batches, detail: events.append(("batch", what, number, batches, detail)),
        decoding_step=lambda n: events.append(("step", n)),
    )
    return events, callbacks


def test_translation_counts_sentences_as_each_batch_returns(tmp_path, marian, bart):
    text = " ".join(f"Sentence number {i} is about the summit in Baku." for i in range(10))
    (tmp_path / "a.txt").write_text(text)
    options = RunOptions.of(
        [str(tmp_path / "a.txt")],
        to=["ru", "ar"],
        models={"ru": str(marian), "ar": str(marian)},
        summary_model=str(bart),
        what="full",
        cache_dir=tmp_path / "cache",
        num_beams=1,
        max_new_tokens=6,
        summary_num_beams=1,
        summary_max_new_tokens=8,
        no_retry=True,
        batch_size=3,
        source_lang="en",
    )
    events, callbacks = _recorder()
    list(Pipeline(resolve_job(None, options)).run(callbacks=callbacks))
    # Every language's total is announced before the first sentence is translated (a fair ETA).
    first_sentence = next(i for i, e in enumerate(events) if e[0] == "sentences")
    totals = [e for e in events if e[0] == "total"]
    assert totals == [("total", "ru", 10), ("total", "ar", 10)]
    assert all(events.index(t) < first_sentence for t in totals)
    ru = [e for e in events if e[0] in ("sentences", "batch") and e[1] == "ru"]
    # Batches of at most 3 (paced while watched: the first is 2), each start followed by its sentences as
    # it returns, not all at the end.
    starts, counts = ru[0::2], ru[1::2]
    assert [e[0] for e in starts] == ["batch"] * len(starts) and [e[0] for e in counts] == ["sentences"] * len(starts)
    assert [e[2] for e in starts] == list(range(1, len(starts) + 1)) and starts[-1][3] == len(starts) >= 4
    assert counts[0][2] == 2 and all(e[2] <= 3 for e in counts) and sum(e[2] for e in counts) == 10
    between = events[events.index(starts[0]) : events.index(counts[0])]
    assert [e[1] for e in between if e[0] == "step"][:3] == [1, 2, 3]  # the heartbeat, inside the batch
    assert ("summaries_total", 1) in events and events.count(("summaries", 1)) == 1
    assert events.index(("summaries", 1)) < first_sentence


def test_a_long_summary_reports_its_rounds_batches_and_steps(bart):
    article = SEED.read_text(encoding="utf-8")
    worker = WorkerOptions(runtime=RuntimeOptions(batch_size=2))
    summarizer = Summarizer(
        SummaryOptions(model=str(bart), params={"max_new_tokens": 12, "num_beams": 1}, max_input_tokens=200), worker
    )
    batches, steps, done = [], [], []
    progress = Progress(done=done.append, on_batch=lambda *b: batches.append(b), on_step=steps.append)
    (summary,) = summarizer.summarize_each([article], progress=progress)
    assert summary.rounds >= 2 and summary.chunks > 2
    first = [b for b in batches if b[2].startswith("round 1,")]
    # Round 1's chunks go in batches of 2, each reported as it starts; then the later rounds.
    assert first[0] == (1, -(-summary.chunks // 2), f"round 1, {summary.chunks} inputs")
    assert [b[0] for b in first] == list(range(1, len(first) + 1)) and len(first) == -(-summary.chunks // 2)
    assert any(b[2].startswith("round 2,") for b in batches)
    assert steps.count(1) >= len(batches)  # every batch beat from its first step
    assert done == [1]  # one summary: the chunks are not counted as summaries


# ---- the display -------------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _wait_for(predicate, timeout: float = 1.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_without_a_terminal_the_line_comes_at_its_interval_and_shows_the_batch_and_an_eta(monkeypatch):
    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "0.05")
    said: list[str] = []
    display = ProgressDisplay(0, quiet=False, say=said.append)
    try:
        hooks = display.callbacks()
        hooks.articles_total(1)
        hooks.sentences_total("ru", 10)
        hooks.sentences_total("ar", 10)
        hooks.batch_started("ru", 1, 4, "")
        hooks.decoding_step(27)
        assert _wait_for(lambda: len(said) >= 2)  # no work done yet, and still a line each interval
        assert said[-1].startswith("progress: 0/1 articles, ru 0/10 sentences, ar 0/10 sentences; now ru batch 1/4: ")
        assert "step 27" in said[-1] and "ETA estimating" in said[-1] and "/s" not in said[-1]
        hooks.sentences("ru", 5)
        n = len(said)
        assert _wait_for(lambda: len(said) > n)
        assert "ETA estimating" not in said[-1] and ("sentences/s" in said[-1] or "s/sentence" in said[-1])
        assert "now " not in said[-1]  # the batch came back
        # 5 of 20 sentences in 10 s: 15 left at that rate is 30 s.
        since = display.sentences["ru"].since
        assert display.eta(since + 10) == pytest.approx(30)
        hooks.summaries_total(1)
        assert display.eta(since + 10) is None  # a summary to make and no rate for summaries yet
    finally:
        display.close()
    n = len(said)
    time.sleep(0.15)
    assert len(said) == n  # closed: no more lines


def test_the_eta_extrapolates_articles_not_announced_yet():
    display = ProgressDisplay(0, quiet=False, say=lambda _: None)
    hooks = display.callbacks()
    hooks.articles_total(4)
    assert display.eta() is None
    hooks.sentences_total("ru", 10)
    hooks.sentences("ru", 10)
    hooks.article_done(None)
    now = display.started + 20
    assert display.eta(now) == pytest.approx(60)  # 1 of 4 articles in 20 s: 3 more at that rate
    display.close()


def test_summarize_counts_a_summary_once_on_its_main_line(monkeypatch):
    monkeypatch.setattr("sys.stderr", Terminal())  # bars on, to count them
    display = ProgressDisplay(0, quiet=False, say=lambda _: None, what="summaries")
    hooks = display.callbacks()
    hooks.articles_total(2)
    hooks.summaries_total(2)
    hooks.batch_started("summaries", 1, 1, "round 1, 5 inputs")
    assert "now summaries round 1, 5 inputs, batch 1/1: " in display.line()
    hooks.summaries(1)
    assert display.line().startswith("progress: 1/2 summaries; ")  # made, not yet written
    hooks.summaries(1)
    hooks.article_done(None)
    hooks.article_done(None)
    assert display.line().startswith("progress: 2/2 summaries; ") and display.bars[""].n == 2
    display.close()


def test_on_a_terminal_the_bars_are_redrawn_while_a_batch_runs(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(progress_module, "REDRAW_S", 0.02)
    display = ProgressDisplay(0, quiet=False, say=lambda _: None)
    try:
        hooks = display.callbacks()
        hooks.articles_total(1)
        hooks.sentences_total("ru", 8)
        hooks.batch_started("ru", 1, 2, "")
        for step in (3, 9):
            hooks.decoding_step(step)  # no update to any bar: only the ticker can show it
            assert _wait_for(lambda step=step: f"batch 1/2: step {step}," in terminal.getvalue())
        assert "ETA estimating" in terminal.getvalue()
    finally:
        display.close()


def test_without_a_terminal_lines_begin_with_the_work_not_before(monkeypatch):
    import time

    from summarizer.cli.progress import FIRST_LINE_S, ProgressDisplay

    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "60")  # only the first line can come within this test
    said: list[str] = []
    display = ProgressDisplay(0, quiet=False, say=said.append)
    try:
        hooks = display.callbacks()
        hooks.articles_total(3)
        time.sleep(FIRST_LINE_S + 0.3)
        assert not said  # nothing has started: a job that fails now prints its error alone
        hooks.batch_started("ru", 1, 2, "")
        assert not said  # the model may still be loading (and fail: one error line)
        hooks.decoding_step(1)  # the first line comes with the first step
        assert said and said[0].startswith("progress: 0/3 articles") and "now ru batch 1/2" in said[0]
    finally:
        display.close()


def test_a_heartbeat_speaks_at_once_and_then_at_its_interval(monkeypatch):
    import time

    from summarizer.cli.progress import heartbeat

    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "0.05")
    said: list[str] = []
    with heartbeat(said.append, "building a stand-in"):
        deadline = time.monotonic() + 2
        while len(said) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    count = len(said)
    time.sleep(0.15)
    assert said[0] == "building a stand-in" and said[1].startswith("building a stand-in: ") and said[1].endswith(" s")
    assert len(said) == count  # nothing after the step ended
    with heartbeat(said.append, "quiet", quiet=True):
        pass
    assert "quiet" not in said


# ---- paced model calls: counts that move on CTranslate2 at any beam size (issue 31 point 8) ---------------


def _ct2_job(tmp_path, marian, sentences: int = 30):
    text = " ".join(f"Sentence number {i} is about the summit of leaders in Baku." for i in range(sentences))
    (tmp_path / "a.txt").write_text(text)
    options = RunOptions.of(
        [str(tmp_path / "a.txt")],
        to=["ru"],
        models={"ru": str(marian)},
        what="full",
        no_summary=True,
        cache_dir=tmp_path / "cache",
        backend="ctranslate2",
        num_beams=4,  # CTranslate2 has no step callback with beams: only counts can show movement
        max_new_tokens=48,
        min_new_tokens=48,
        no_retry=True,
        source_lang="en",
    )
    return Pipeline(resolve_job(None, options))


def _generate_calls(monkeypatch) -> list[int]:
    """The number of inputs of each CTranslate2 generate() call, the real call made."""
    from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend

    sizes: list[int] = []
    real = CTranslate2Backend.generate

    def spy(self, texts, *args, **kwargs):
        sizes.append(len(texts))
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(CTranslate2Backend, "generate", spy)
    return sizes


def test_ctranslate2_at_4_beams_counts_sentences_before_the_end(tmp_path, marian, monkeypatch):
    pytest.importorskip("ctranslate2")
    sizes = _generate_calls(monkeypatch)
    events, callbacks = _recorder()
    (digest,) = list(_ct2_job(tmp_path, marian).run(callbacks=callbacks))
    assert "ctranslate2" in digest.languages[0].full.model.backend
    counts = [e[2] for e in events if e[0] == "sentences"]
    assert sum(counts) == 30 and len(counts) >= 3  # in steps, not all at the end
    assert counts[0] == 2  # the first model call is small: a count and a rate come soon
    batches = [e for e in events if e[0] == "batch"]
    assert len(batches) == len(counts) == len(sizes) and sizes == counts
    # Each count comes back before the next call starts: the display moves while the article is translated.
    first_count = events.index(("sentences", "ru", counts[0]))
    assert first_count < events.index(batches[1])
    assert batches[-1][3] == len(batches)  # the last batch knows it is the last


def test_ctranslate2_unwatched_keeps_its_full_batch(tmp_path, marian, monkeypatch):
    pytest.importorskip("ctranslate2")
    sizes = _generate_calls(monkeypatch)
    list(_ct2_job(tmp_path, marian).run())  # nobody watches: no pacing, the fastest way through
    assert sizes == [30]


def test_a_quiet_display_hears_no_model_work(monkeypatch):
    monkeypatch.setenv("SUMMARIZER_PROGRESS_SECONDS", "60")  # a line a minute: counts need move only that often
    display = ProgressDisplay(0, quiet=True, say=lambda line: None)
    try:
        hooks = display.callbacks()
        assert hooks.progress("ru", None).pace_s is None  # --quiet keeps the full batches
        hooks.articles_total(2)  # what `check` and `evaluate` call on it still works
    finally:
        display.close()
    shown = ProgressDisplay(0, quiet=False, say=lambda line: None)
    try:
        assert shown.callbacks().progress("ru", None).pace_s == 30
    finally:
        shown.close()


@pytest.mark.parametrize(
    ("fixed", "per_input", "most", "expected"),
    [
        (0.01, 0.002, 64, [2, 4, 8, 16, 32, 64, 64, 64]),  # a fast model: full batches after a few calls
        (0.0, 1.0, 64, [2, 2, 2, 2, 2, 2, 2, 2]),  # a second per input: two inputs take the 2 s pace
        (0.2, 0.45, 16, [2, 3, 4, 4, 4, 4, 4, 4]),  # 0.2 + 0.45 * 4 = 2.0 s
        # One input alone takes 4.3 s, over the pace: groups of 6 take 1.5 times that, for 4.6 times the
        # throughput of single inputs, rather than shrinking to one input a call.
        (3.9, 0.43, 64, [2, 1, 2, 4, 6, 6, 6, 6]),
    ],
)
def test_the_pacer_sizes_calls_to_the_pace(fixed, per_input, most, expected):
    from summarizer.engines.base import Pacer

    pacer, sizes = Pacer(2.0, most), []
    pacer.took(pacer.size, 60.0)  # the first call loads the model: not its pace
    for _ in expected:
        sizes.append(pacer.size)
        pacer.took(pacer.size, fixed + per_input * pacer.size)
    assert sizes == expected


def test_the_pacer_follows_a_machine_that_gets_busier():
    from summarizer.engines.base import Pacer

    pacer = Pacer(2.0, 64)
    for _ in range(11):
        pacer.took(pacer.size, 0.05 + 0.05 * pacer.size)
    assert pacer.size == 39  # (2.0 - 0.05) / 0.05
    for _ in range(10):
        pacer.took(pacer.size, 3 * (0.05 + 0.05 * pacer.size))  # three times slower
    assert 10 <= pacer.size <= 14  # about (2.0 - 0.15) / 0.15 = 12


@pytest.mark.slow
def test_translate_on_ctranslate2_at_4_beams_prints_counts_that_move(tmp_path, marian):
    """The issue's run: `translate FILE --to ru` on CTranslate2 at 4 beams, progress as lines (no terminal)."""
    pytest.importorskip("ctranslate2")
    text = " ".join(f"Sentence number {i} is about the summit of leaders in Baku." for i in range(40))
    (tmp_path / "a.txt").write_text(text)
    proc = run_cli(
        *("translate", str(tmp_path / "a.txt"), "--to", "ru", "--model", f"ru={marian}", "--from", "en"),
        *("--backend", "ctranslate2", "--num-beams", "4", "--max-new-tokens", "100", "--min-new-tokens", "100"),
        *("--no-retry", "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "out")),
        env={"SUMMARIZER_PROGRESS_SECONDS": "0.2"},
    )
    assert proc.returncode == 0, proc.stderr.decode()
    lines = [line for line in proc.stderr.decode().splitlines() if line.startswith("progress:")]
    counts = {int(line.split("ru ")[1].split("/")[0]) for line in lines if "ru " in line}
    assert counts - {0, 40}, lines  # a count between none and all: not 0/40 until the end
    assert any("ETA" in line and "estimating" not in line for line in lines if "ru 40/" not in line)
