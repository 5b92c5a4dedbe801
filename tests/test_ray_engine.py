"""The `ray` engine on a local Ray instance: the same digests as the local engine, a warm re-run that
computes nothing, an actor killed mid-job, a driver killed mid-job, and the one-line errors.

Each job runs the real CLI in a subprocess, which starts (and stops) its own local Ray instance.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_jobs import _corpus_inputs, _entries, write_job

from conftest import run_cli, run_python

pytestmark = pytest.mark.slow  # every test here starts a process (the CLI, Ray)

RAY = ("--engine", "ray")
IGNORED = ("seconds", "timings", "cached", "cache_hits", "generated_at")  # what differs run to run


def _digests(out: Path) -> dict[str, dict]:
    """Every JSON digest in `out`, without what differs between any two runs (timings, cache hits)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in IGNORED}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {p.name: strip(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(out.glob("*.json"))}


def _closing(stderr: bytes) -> str:
    return [line for line in stderr.decode().splitlines() if line.startswith("articles:")][-1]


def _translated(line: str) -> int:
    return int(line.split("sentences: ")[1].split(" translated")[0])


@pytest.fixture
def job(tmp_path, marian, bart):
    inputs = _corpus_inputs(tmp_path, 4)
    return write_job(tmp_path, marian, bart, inputs=inputs, targets=("ru", "ar"), translate="both")


def test_ray_gives_the_local_digests_and_a_warm_ray_rerun_computes_nothing(tmp_path, job):
    local = run_cli("translate", "--config", str(job), "--cache-dir", "c-local", "--out", "out-local")
    assert local.returncode == 0, local.stderr.decode()
    ray = run_cli("translate", "--config", str(job), "--cache-dir", "c-ray", "--out", "out-ray", *RAY)
    assert ray.returncode == 0, ray.stderr.decode()
    expected, got = _digests(tmp_path / "out-local"), _digests(tmp_path / "out-ray")
    assert len(expected) == 5  # four articles and the index
    assert got == expected
    assert _closing(ray.stderr).split("; ")[:3] == _closing(local.stderr).split("; ")[:3]
    assert "Traceback" not in ray.stderr.decode()
    # It says where the work ran, once, as a note (the local run says nothing of Ray).
    notes = [line for line in ray.stderr.decode().splitlines() if line.startswith("note: ray: ")]
    assert len(notes) == 1 and "started a local Ray instance" in notes[0] and "CPU" in notes[0], notes
    assert "ray" not in local.stderr.decode().lower()

    warm = run_cli("translate", "--config", str(job), "--cache-dir", "c-ray", "--out", "out-warm", *RAY)
    assert warm.returncode == 0, warm.stderr.decode()
    line = _closing(warm.stderr)
    assert _translated(line) == 0 and "summaries: 0 made" in line
    assert _digests(tmp_path / "out-warm") == expected


def _actors() -> list[int]:
    """The pids of Ray actor processes running our model workers (Ray titles them after the class)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if entry.name.isdigit() and "ModelActor" in cmdline:
            found.append(int(entry.name))
    return found


def test_an_actor_killed_mid_job_is_replaced_and_the_results_are_the_same(tmp_path, job):
    slow = job.read_text().replace("max_new_tokens = 6", "max_new_tokens = 24")
    job.write_text(slow)
    local = run_cli("translate", "--config", str(job), "--cache-dir", "c-local", "--out", "out-local")
    assert local.returncode == 0, local.stderr.decode()

    args = [sys.executable, "-m", "summarizer", "translate", "--config", str(job), "--cache-dir", "c-ray"]
    args += ["--out", "out-ray", *RAY, "--quiet"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, start_new_session=True)
    killed = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None and killed is None:
            actors = _actors()
            if actors and _entries(tmp_path / "c-ray" / "summarizer.sqlite3") >= 5:
                killed = actors[0]
                os.kill(killed, signal.SIGKILL)
            time.sleep(0.05)
        _, stderr = proc.communicate(timeout=400)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert killed is not None, "no actor was seen translating"
    assert proc.returncode == 0, stderr.decode()
    assert _digests(tmp_path / "out-ray") == _digests(tmp_path / "out-local")


def test_driver_killed_mid_job_then_the_rerun_computes_exactly_the_rest(tmp_path, marian, bart):
    inputs = _corpus_inputs(tmp_path, 12)
    job = write_job(tmp_path, marian, bart, inputs=inputs, targets=("ru",), translate="full")
    # Protected retries are cached under keys of their own, no sentence of the job: off, as the count is of sentences.
    job.write_text(
        job.read_text().replace("max_new_tokens = 6", "max_new_tokens = 24")
        + "\n[ray]\nbatch_size = 2\n[quality]\nprotect = false\n"
    )
    db = tmp_path / "c" / "summarizer.sqlite3"
    args = [sys.executable, "-m", "summarizer", "translate", "--config", str(job), "--cache-dir", "c", *RAY]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and _entries(db) < 10 and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # the driver only: the Ray processes it started must notice
        proc.wait()
    finally:
        time.sleep(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of its local Ray instance is left
    done_before = _entries(db)
    assert done_before >= 10, "the job finished or never started before the kill"
    resumed = run_cli("translate", "--config", str(job), "--cache-dir", "c", *RAY)
    assert resumed.returncode == 0, resumed.stderr.decode()
    total = _entries(db)
    assert total > done_before, "the kill came after the job had finished"
    assert _translated(_closing(resumed.stderr)) == total - done_before


def test_the_local_engine_and_help_never_import_ray(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, targets=("ru",))
    code = f"""
import sys
from summarizer import Pipeline
from summarizer.cli.app import main
digests = list(Pipeline.from_config({str(job)!r}, cache_dir={str(tmp_path / "c")!r}).run())
assert digests and not any(m == "ray" or m.startswith("ray.") for m in sys.modules), "ray imported"
print("ok")
"""
    result = run_python(code)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr
    help_ = run_python(
        "import sys; sys.argv=['summarizer','--help']\ntry:\n from summarizer.cli.app import main; main()\nexcept SystemExit: pass\nassert 'ray' not in sys.modules"
    )
    assert help_.returncode == 0, help_.stderr


def test_an_unreachable_ray_address_fails_fast_naming_it(tmp_path, job):
    started = time.monotonic()
    result = run_cli("translate", "--config", str(job), *RAY, "--ray-address", "127.0.0.1:9")
    err = result.stderr.decode().strip()
    assert time.monotonic() - started < 30
    assert result.returncode == 3, err
    assert "127.0.0.1:9" in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_engine_ray_without_ray_installed_says_how_to_install(tmp_path, job):
    code = f"""
import sys
sys.modules["ray"] = None  # as if the extra were not installed
sys.argv = ["summarizer", "translate", "--config", {str(job)!r}, "--engine", "ray"]
from summarizer.cli.app import main
main()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "pip install 'summarizer[ray]'" in result.stderr and "Traceback" not in result.stderr


def test_an_actor_that_cannot_load_its_model_fails_the_job_in_one_line(tmp_path, marian, bart):
    broken = tmp_path / "broken-marian"
    shutil.copytree(marian, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file" * 100)
    job = write_job(tmp_path, broken, bart, targets=("ru",), translate="full")
    job.write_text(job.read_text().replace("[summary]", "[summary]\nenabled = false"))
    # No periodic progress line: on a loaded machine starting Ray alone can take 10 s.
    result = run_cli(
        "translate", "--config", str(job), "--cache-dir", "c", *RAY, env={"SUMMARIZER_PROGRESS_SECONDS": "3600"}
    )
    err = result.stderr.decode().strip()
    assert result.returncode == 3, err
    assert "could not load its model" in err and "Traceback" not in err
    lines = err.splitlines()  # where Ray ran (a note), then the one-line error
    assert len([line for line in lines if not line.startswith("note: ray: ")]) == 1, err


def test_the_api_runs_on_ray_when_the_runtime_says_so(marian, bart, seed_text):
    import summarizer
    from summarizer import RuntimeOptions

    sentences = ["The summit opened in Baku on Thursday.", "Delegates from 120 countries attended."]
    gen = {"num_beams": 1, "max_new_tokens": 6}
    local = summarizer.translate(sentences, "ru", model=str(marian), **gen)
    remote = summarizer.translate(sentences, "ru", model=str(marian), runtime=RuntimeOptions(engine="ray"), **gen)
    assert [t.text for t in remote.translations] == [t.text for t in local.translations]
    summary_gen = {"num_beams": 1, "max_new_tokens": 8, "min_new_tokens": 0}
    one = summarizer.summarize(seed_text, model=str(bart), **summary_gen)
    other = summarizer.summarize(seed_text, model=str(bart), runtime=RuntimeOptions(engine="ray"), **summary_gen)
    assert other.text == one.text and other.model.fingerprint == one.model.fingerprint
    import ray

    assert not ray.is_initialized(), "the call must stop the Ray instance it started"


def extractive_job(tmp_path: Path, marian: Path, inputs: list[str]) -> Path:
    """A job of extractive summaries translated into ru, with the adequacy check on (embedding workers)."""
    job = tmp_path / "extractive.toml"
    job.write_text(
        f'inputs = {json.dumps(inputs)}\ntranslate = "summary"\n'
        '[summary]\nmethod = "extractive"\nsentences = 2\n'
        f"[targets.ru]\nmodel = {json.dumps(str(marian))}\n[targets.ru.params]\nnum_beams = 1\nmax_new_tokens = 6\n"
        '[output]\nformats = ["json"]\n[quality]\nadequacy = true\n',
        encoding="utf-8",
    )
    return job


def test_an_extractive_job_on_ray_gives_the_local_digests(tmp_path, marian):
    """Extractive summaries and the adequacy check on Ray: a window's sentence embeddings computed by the
    engine's workers, the sentences chosen and the similarities taken on the driver: the same summaries,
    flags and digests as the local engine."""
    job = extractive_job(tmp_path, marian, _corpus_inputs(tmp_path, 3))
    local = run_cli("translate", "--config", str(job), "--cache-dir", "c-local", "--out", "out-local")
    assert local.returncode == 0, local.stderr.decode()
    ray = run_cli("translate", "--config", str(job), "--cache-dir", "c-ray", "--out", "out-ray", *RAY)
    assert ray.returncode == 0, ray.stderr.decode()
    expected = _digests(tmp_path / "out-local")
    assert len(expected) == 4 and _digests(tmp_path / "out-ray") == expected
    assert all(d["summary"]["method"] == "extractive" for name, d in expected.items() if name != "index.json")
    codes = {
        f["code"]
        for d in expected.values()
        for ld in d.get("languages", [])
        for t in ld["summary"]["translations"]
        for f in t["flags"]
    }
    assert "low-adequacy" in codes  # the check ran (a stand-in's noise says nothing like its source)
