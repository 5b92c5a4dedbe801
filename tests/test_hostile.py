"""Faults found by trying hostile inputs as a user would: each one a line on stderr, the documented exit
code, no traceback, and no half-written output. (Reading and rendering faults have their own files.)"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import summarizer
from summarizer.config.flags import RunOptions
from summarizer.errors import ConfigError, InputError, SummarizerError
from summarizer.options import TargetOptions

from conftest import CORPUS, SEED, run_cli

FAST = ["--num-beams", "1", "--max-new-tokens", "6"]
SUMMARY_FAST = ["--summary-num-beams", "1", "--summary-max-new-tokens", "8"]


def one_line_error(proc: subprocess.CompletedProcess, code: int) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def digest_args(marian: Path, bart: Path, *paths: str) -> list[str]:
    return [
        "digest",
        *paths,
        "--to",
        "ru,ar",
        "--model",
        f"ru={marian}",
        "--model",
        f"ar={marian}",
        "--summary-model",
        str(bart),
        *FAST,
        *SUMMARY_FAST,
    ]


# ---- outputs (fault 3) -------------------------------------------------------------------------


@pytest.mark.slow
def test_out_pointing_at_a_file_is_one_line_and_writes_nothing(tmp_path, marian, bart):
    target = tmp_path / "report.txt"
    target.write_text("keep me")
    proc = run_cli(*digest_args(marian, bart, str(SEED)), "--out", str(target))
    line = one_line_error(proc, 5)
    assert "report.txt" in line and "is a file" in line
    assert target.read_text() == "keep me"
    proc = run_cli(*digest_args(marian, bart, str(SEED)), "--out", str(target / "sub"))
    assert "is a file" in one_line_error(proc, 5)


def run_on_read_only(folder: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The CLI in a private mount namespace where `folder` is mounted read-only: refused writes even
    for root (tests run as root, who ignores file permissions)."""
    import shlex

    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -m is not allowed here, so no read-only mount can be made")
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "summarizer", *args])
    script = f"mount --bind -o ro {shlex.quote(str(folder))} {shlex.quote(str(folder))} && exec {command}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_output_folder_under_a_read_only_parent(tmp_path, marian, bart):
    locked = tmp_path / "locked"
    locked.mkdir()
    proc = run_on_read_only(locked, *digest_args(marian, bart, str(SEED)), "--out", str(locked / "out"))
    line = one_line_error(proc, 5)
    assert str(locked / "out") in line and "Read-only file system" in line
    assert not (locked / "out").exists()


def test_disk_full_mid_job_keeps_complete_digests_and_stops(tmp_path, marian, bart, monkeypatch):
    """The second article's files fail to write: the first article's set is whole, the second's absent."""
    import errno

    from typer.testing import CliRunner

    from summarizer.cli.app import app
    from summarizer.output import files as outputs

    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > 8:  # one digest set (5 files) and its folder syncs, then the disk is "full"
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(outputs.os, "fsync", fsync)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, [*digest_args(marian, bart, str(SEED), str(CORPUS / "xsum-wales-ice.txt")), "--out", str(out)]
    )
    assert result.exit_code == 5, result.output
    assert "No space left on device" in result.output
    names = sorted(p.name for p in out.iterdir())
    first = sorted(p for p in names if p.startswith("baku"))
    assert first == [f"baku-non-aligned-movement-2023.{s}" for s in ("ar.html", "html", "json", "md", "ru.html")]
    assert not any(p.startswith("xsum") for p in names), "no half set of the second article"
    assert not any(p.startswith(".") for p in names), "no staging folder or temp file left"


# ---- generation options (fault 3) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--max-new-tokens", "600"], "max_new_tokens=600 is more than"),
        (["--length-penalty", "nan"], "length_penalty must be a finite number"),
        (["--length-penalty", "inf"], "length_penalty must be a finite number"),
    ],
)
@pytest.mark.slow
def test_generation_options_checked_before_anything_runs(tmp_path, marian, bart, flags, message):
    proc = run_cli(
        "translate", str(SEED), "--to", "ru", "--model", f"ru={marian}", "--out", str(tmp_path / "o"), *flags
    )
    assert message in one_line_error(proc, 2)
    assert not (tmp_path / "o").exists()


def test_position_limit_is_the_models_own(marian):
    from summarizer.models.hub import check_generation, resolve_model
    from summarizer.options import GenerationParams

    ref = resolve_model(str(marian))
    positions = ref.config["max_position_embeddings"]
    check_generation(GenerationParams(max_new_tokens=positions - 1), ref, "x")  # fits
    with pytest.raises(ConfigError, match=f"at most {positions - 1} new tokens"):
        check_generation(GenerationParams(max_new_tokens=positions), ref, "x")


@pytest.mark.slow
def test_longest_allowed_output_really_generates(marian):
    """The limit is not too strict: max_new_tokens = positions - 1 runs on the real model."""
    from summarizer.tasks.translating import Translator

    positions = json.loads((marian / "config.json").read_text())["max_position_embeddings"]
    translator = Translator(TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": positions - 1}))
    result = translator.translate(["One short sentence."])
    assert result.translations[0].text is not None


@pytest.mark.parametrize(
    "body, message",
    [
        ("repetition_penalty = 0.0", "repetition_penalty must be above 0"),
        ("length_penalty = nan", "length_penalty must be a finite number"),
        ("num_beams = 0", "num_beams must be at least 1"),
        ("do_sample = true", "do_sample=True is not supported"),
    ],
)
def test_bad_generation_values_in_a_config(tmp_path, body, message):
    job = tmp_path / "job.toml"
    job.write_text(f"[targets.ru.params]\n{body}\n")
    with pytest.raises(ConfigError, match=message) as err:
        summarizer.load_job(job)
    assert "job.toml: targets.ru.params" in str(err.value)


def test_negative_length_penalty_is_allowed():
    # generate() accepts it (it favours shorter beams); only non-finite values are refused.
    assert summarizer.GenerationParams.from_mapping({"length_penalty": -1.0}).length_penalty == -1.0


# ---- cache (faults 5 and 12) ---------------------------------------------------------------------


@pytest.mark.slow
def test_corrupt_page_found_mid_run_stops_once_with_exit_4(tmp_path, marian, bart):
    inputs = [str(SEED), str(CORPUS / "xsum-wales-ice.txt"), str(CORPUS / "xsum-hiroshima.txt")]
    cache = tmp_path / "c"
    args = [*digest_args(marian, bart, *inputs), "--out", str(tmp_path / "o"), "--cache-dir", str(cache)]
    assert run_cli(*args).returncode == 0
    with sqlite3.connect(cache / "summarizer.sqlite3") as db:  # garble stored values, as a bad page would
        db.execute("UPDATE entries SET value = '\"garbled\"' WHERE task = 'translate'")
    proc = run_cli(*args)
    line = one_line_error(proc, 4)
    assert "corrupt" in line and "cache clear --all" in line


@pytest.mark.slow
def test_cache_stats_on_a_new_folder_creates_nothing(tmp_path):
    proc = run_cli("cache", "stats", "--cache-dir", str(tmp_path / "new"))
    assert proc.returncode == 0
    assert "not created yet" in proc.stdout.decode()
    assert not (tmp_path / "new").exists()
    proc = run_cli("cache", "clear", "--cache-dir", str(tmp_path / "new"))
    assert proc.returncode == 0 and not (tmp_path / "new").exists()


@pytest.mark.slow
def test_read_only_cache_stats_on_a_read_only_mount(tmp_path):
    from summarizer.cache import Cache, CacheEntry

    folder = tmp_path / "c"
    with Cache(folder) as cache:
        cache.put_many([CacheEntry(key=f"k{i}", task="translate", model="m", value={"text": "x"}) for i in range(3)])
    before = sorted(p.name for p in folder.iterdir())
    proc = run_on_read_only(folder, "cache", "stats", "--json", "--cache-dir", str(folder))
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["total"] == 3
    assert sorted(p.name for p in folder.iterdir()) == before


# ---- ctranslate2 folders (fault 6) -----------------------------------------------------------


@pytest.mark.slow
def test_ctranslate2_converts_into_the_cache_dir_given(tmp_path, marian):
    pytest.importorskip("ctranslate2")
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "summarizer",
            "translate",
            str(SEED),
            "--to",
            "ru",
            "--model",
            f"ru={marian}",
            *FAST,
            "--backend",
            "ctranslate2",
            "--cache-dir",
            str(tmp_path / "mycache"),
            "--quiet",
        ],
        capture_output=True,
        cwd=work,
        env={**os.environ, "SUMMARIZER_CACHE_DIR": ""},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert list((tmp_path / "mycache" / "ctranslate2").glob("*-int8/model.bin"))
    assert not (work / "cache").exists()


@pytest.mark.slow
def test_compute_type_is_checked_before_it_becomes_a_path(tmp_path, marian):
    proc = run_cli(
        "translate",
        str(SEED),
        "--to",
        "ru",
        "--model",
        f"ru={marian}",
        "--backend",
        "ctranslate2",
        "--compute-type",
        "../../x",
    )
    line = one_line_error(proc, 2)
    assert "compute_type must be" in line and "'../../x'" in line
    assert not list(tmp_path.rglob("x"))


# ---- config paths (fault 7) -------------------------------------------------------------------


def test_model_paths_in_a_config_are_relative_to_the_file(tmp_path, marian, bart, monkeypatch):
    import shutil

    jobs = tmp_path / "jobs"
    (jobs / "models").mkdir(parents=True)
    shutil.copytree(marian, jobs / "models" / "marian")
    shutil.copytree(bart, jobs / "models" / "bart")
    job = jobs / "job.toml"
    job.write_text(
        f'inputs = [{json.dumps(str(SEED))}]\n[summary]\nmodel = "models/bart"\n'
        '[targets.ru]\nmodel = "./models/marian"\n[output]\ndir = "out"\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = summarizer.load_job(job)
    assert settings.summary.model == str(jobs / "models" / "bart")
    assert settings.target("ru").model == str(jobs / "models" / "marian")
    assert settings.output.dir == jobs / "out"
    # A hub id stays a hub id; a flag's folder stays relative to where the command runs.
    job.write_text(job.read_text().replace('"models/bart"', '"sshleifer/distilbart-cnn-12-6"'))
    assert summarizer.load_job(job).summary.model == "sshleifer/distilbart-cnn-12-6"
    flagged = summarizer.load_job(job, RunOptions.of(models={"ru": "local-marian"}))
    assert flagged.target("ru").model == "local-marian"


# ---- printing file names (fault 10) -------------------------------------------------------------


@pytest.mark.slow
def test_file_names_with_newlines_and_escapes_stay_on_one_line(tmp_path, bart):
    nasty = tmp_path / "bad\nname\x1b[31m.txt"
    nasty.write_bytes(b"")
    proc = run_cli("summarize", str(nasty), "--model", str(bart), *FAST)
    line = one_line_error(proc, 1)
    assert "\x1b" not in proc.stderr.decode()
    assert "bad\\nname\\x1b[31m.txt" in line


# ---- the Python API (fault 11) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: summarizer.translate(None), "expected a string or a list of strings, got NoneType"),
        (lambda: summarizer.translate([1, 2]), "item 0 is int"),
        (lambda: summarizer.translate(b"bytes in"), "got bytes"),
        (lambda: summarizer.summarize(None), "got NoneType"),
        (lambda: summarizer.summarize([b"x"]), "item 0 is bytes"),
    ],
)
def test_api_refuses_non_text_with_a_summarizer_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_api_empty_model_is_an_error_not_the_default(marian):
    with pytest.raises(ConfigError, match="must be a hub id or a folder"):
        summarizer.translate(["One."], "ru", model="")
    with pytest.raises(ConfigError, match="must be a hub id or a folder"):
        summarizer.summarize("One sentence.", model="  ")


def test_api_do_sample(marian):
    result = summarizer.translate(["One."], "ru", model=str(marian), num_beams=1, max_new_tokens=4, do_sample=False)
    assert len(result.translations) == 1
    with pytest.raises(ConfigError, match="cached outputs assume deterministic decoding"):
        summarizer.translate(["One."], "ru", model=str(marian), do_sample=True)
    assert issubclass(ConfigError, SummarizerError)


# ---- targets and empty jobs (fault 12) -----------------------------------------------------------


@pytest.mark.parametrize(
    "to, message",
    [
        ('""', "is not a language code"),
        ('"ar\\" onmouseover=\\"x"', "is not a language code"),
        ('"ar_x", "ar-x"', "are the same language (ar-x)"),
    ],
)
def test_bad_target_codes_fail_before_any_model(tmp_path, to, message):
    job = tmp_path / "job.toml"
    job.write_text(f"targets = [{to}]\n[summary]\nenabled = false\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        summarizer.load_job(job)


@pytest.mark.slow
def test_a_job_with_nothing_to_do_is_an_error(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text(f"inputs = [{json.dumps(str(SEED))}]\ntargets = []\n[summary]\nenabled = false\n")
    proc = run_cli("translate", "--config", str(job))
    assert "nothing to do" in one_line_error(proc, 2)


# ---- exit codes for models (fault 13) -------------------------------------------------------------


@pytest.mark.slow
def test_missing_model_found_before_any_article_exits_3(tmp_path, bart):
    proc = run_cli(
        *["translate", str(SEED), "--to", "ru", "--model", "ru=org/not-cached", "--out", str(tmp_path / "o")]
    )
    line = one_line_error(proc, 3)
    assert "org/not-cached" in line
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_broken_model_folder_is_a_usage_error(tmp_path, marian):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(marian, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    proc = run_cli(
        "translate", str(SEED), str(CORPUS / "xsum-wales-ice.txt"), "--to", "ru", "--model", f"ru={broken}", *FAST
    )
    line = one_line_error(proc, 2)  # once, not once per article
    assert "broken" in line and "could not be loaded" in line


# ---- one options value ---------------------------------------------------------------------------


def test_loaded_models_are_capped_least_recently_used_first(marian, bart, t5):
    from summarizer.models import backends
    from summarizer.models.hub import resolve_model
    from summarizer.options import BackendOptions

    backends.unload_all()
    backends.set_limit(2)
    try:
        options = BackendOptions(device="cpu")
        m, b, t = (resolve_model(str(p)) for p in (marian, bart, t5))
        first = backends.get_backend(m, options)
        backends.get_backend(b, options)
        assert backends.get_backend(m, options) is first  # m is now the most recent
        backends.get_backend(t, options)  # unloads b, the least recently used
        assert backends.loaded_count() == 2
        assert backends.get_backend(m, options) is first
        # A different options value is a different loaded model; equal values share one.
        assert backends.get_backend(m, BackendOptions(device="cpu", threads=1)) is not first
        assert hash(BackendOptions(device="cpu")) == hash(options)
    finally:
        backends.set_limit(6)


@pytest.mark.slow
def test_encoding_flag_reaches_the_reader(tmp_path, bart):
    text = "Генеральный секретарь ООН заявил, что решения нет. Он призвал стороны к переговорам."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("koi8_r"))
    proc = run_cli("summarize", str(path), "--model", str(bart), "--encoding", "koi8-r", "--format", "json", *FAST)
    assert proc.returncode == 0, proc.stderr.decode()
    (data,) = json.loads(proc.stdout)  # JSON on stdout is always an array
    assert data["article"]["encoding"] == "koi8-r"
    proc = run_cli("summarize", str(path), "--model", str(bart), "--encoding", "klingon", *FAST)
    assert "--encoding: encoding must be a known text codec" in one_line_error(proc, 2)


def test_flag_names_are_the_api_keywords():
    opts = RunOptions.of(device="cpu", cache_dir=Path("c"), to="ru,ar", models={"ru": "m"}, num_beams=2, no_cache=True)
    assert opts.get("runtime", "device") == "cpu"
    assert opts.get("targets") == ("ru", "ar")
    assert opts.get("cache", "enabled") is False
    assert opts.get("translation_params", "num_beams") == 2
    with pytest.raises(ConfigError, match="unknown option 'devise'"):
        RunOptions.of(devise="cpu")


def test_a_bad_value_is_reported_where_it_came_from(tmp_path):
    job = tmp_path / "job.toml"
    job.write_text('targets = ["ru"]\n[runtime]\ndevice = "tpu"\n')
    with pytest.raises(ConfigError, match=r"job.toml: runtime.device must be auto, cpu, cuda or mps, got 'tpu'"):
        summarizer.load_job(job)
    with pytest.raises(ConfigError, match=r"^--device: device must be"):
        summarizer.load_job(tmp_path / "job.toml", RunOptions.of(device="gpu"))
    with pytest.raises(ConfigError, match=r"^--what: translate must be"):
        summarizer.resolve_job(None, RunOptions.of(to="ru", what="half"))


def test_every_flag_lands_on_a_field_of_its_section():
    """A flag is one declaration: where it goes must be a real setting, typed by its dataclass."""
    from dataclasses import fields

    from summarizer.config.flags import ALL_FLAGS
    from summarizer.options import (
        CacheOptions,
        FeedOptions,
        JobSettings,
        OutputOptions,
        QualityOptions,
        RayOptions,
        RuntimeOptions,
        SummaryOptions,
    )

    sections = {"": JobSettings, "runtime": RuntimeOptions, "cache": CacheOptions, "output": OutputOptions}
    sections["quality"] = QualityOptions
    sections["summary"] = SummaryOptions
    sections["ray"] = RayOptions
    sections["feeds"] = FeedOptions
    params = {f.name for f in fields(summarizer.GenerationParams)}
    for flag in ALL_FLAGS:
        section = flag.path[0]
        if section in sections:
            assert flag.path[1] in {f.name for f in fields(sections[section])}, flag
        elif section in ("summary_params", "translation_params"):
            assert flag.path[1] in params, flag
        elif section == "glossary":  # `[glossary] file = ...`, read into JobSettings.glossary
            assert flag.path == ("glossary", "file") and "glossary" in {f.name for f in fields(JobSettings)}, flag
        else:
            assert section in ("targets", "models", "revisions", "ui"), flag
