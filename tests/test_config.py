"""The settings merge in-process: defaults < job file < environment < flags, section by section; strict
keys and types; paths relative to the job file; targets from the file or --to; resolve_cache and
resolve_runtime. No model is loaded and no process started."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from summarizer import options as options_module
from summarizer.config.flags import RunOptions
from summarizer.config.merge import resolve_cache, resolve_job, resolve_runtime
from summarizer.errors import ConfigError, UnknownLanguageError
from summarizer.options import (
    DEFAULT_SUMMARY_MODEL,
    DIGEST_FORMATS,
    SUMMARY_DEFAULTS,
    TRANSLATION_DEFAULTS,
    CacheOptions,
    JobSettings,
    OutputOptions,
    QualityOptions,
    RayOptions,
    RuntimeOptions,
)

ENV_VARS = ("SUMMARIZER_DEVICE", "SUMMARIZER_BACKEND", "SUMMARIZER_ENGINE", "SUMMARIZER_RAY_ADDRESS")


@pytest.fixture(autouse=True)
def no_settings_env(monkeypatch):
    """No setting comes from the environment unless a test puts it there (conftest sets the cache dir)."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


def job_file(folder: Path, body: str, *, name: str = "job.toml", article: str = "a.txt") -> Path:
    """`body` as a job file in `folder`, with one small article beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / article).write_text("The council met on Monday. It approved the budget.", encoding="utf-8")
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


MINIMAL = 'inputs = ["a.txt"]\ntargets = ["ru"]\n'


# ---- defaults, and the file over them ----------------------------------------------------------


def test_defaults_when_neither_file_nor_flags_set_anything(tmp_path, monkeypatch):
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    settings = resolve_job(job_file(tmp_path / "job", MINIMAL))
    assert settings.runtime == RuntimeOptions()
    assert settings.quality == QualityOptions()
    assert settings.ray == RayOptions()
    assert settings.output == OutputOptions() and settings.output.formats == DIGEST_FORMATS
    assert settings.summary is not None and settings.summary.model == DEFAULT_SUMMARY_MODEL
    assert settings.summary.params == SUMMARY_DEFAULTS
    assert [t.lang for t in settings.targets] == ["ru"]
    assert settings.targets[0].model is None and settings.targets[0].params == TRANSLATION_DEFAULTS
    assert (settings.source_lang, settings.translate, settings.encoding) == ("auto", "summary", None)
    # No folder anywhere: the user's cache folder (conftest points XDG_CACHE_HOME into tmp_path).
    assert settings.cache == CacheOptions(dir=tmp_path / "xdg-cache" / "summarizer")
    assert settings.config_path == tmp_path / "job" / "job.toml"


def test_every_section_of_the_file_beats_its_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    body = MINIMAL + (
        'source_lang = "en"\ntranslate = "both"\nencoding = "KOI8-R"\n'
        '[summary]\nmethod = "lead"\nsentences = 2\n[summary.params]\nnum_beams = 2\n'
        '[runtime]\ndevice = "cpu"\nthreads = 2\nbatch_size = 5\nwindow = 3\n'
        '[cache]\ndir = "cache-here"\nrefresh = true\n'
        '[output]\ndir = "digests"\nformats = ["json", "md", "json"]\n'
        "[quality]\nchecks = false\nretry = false\n"
        "[ray]\nactors = 3\ncpus_per_actor = 2\n"
    )
    settings = resolve_job(job_file(tmp_path, body))
    assert (settings.source_lang, settings.translate, settings.encoding) == ("en", "both", "koi8-r")
    assert (settings.summary.method, settings.summary.sentences) == ("lead", 2)
    # One generation option from the file; the others stay the summary defaults.
    assert settings.summary.params == dataclasses.replace(SUMMARY_DEFAULTS, num_beams=2)
    assert settings.runtime == RuntimeOptions(device="cpu", threads=2, batch_size=5, window=3)
    assert settings.cache == CacheOptions(dir=tmp_path / "cache-here", refresh=True)
    assert settings.output == OutputOptions(dir=tmp_path / "digests", formats=("json", "md"))
    assert settings.quality == QualityOptions(checks=False, retry=False)
    assert settings.ray == RayOptions(actors=3, cpus_per_actor=2.0)


def test_flags_beat_the_file_in_every_section(tmp_path):
    body = 'inputs = ["a.txt"]\n' + (
        "[summary]\nsentences = 2\n[summary.params]\nnum_beams = 2\n"
        "[targets.ru]\n[targets.ar]\n[targets.ar.params]\nnum_beams = 2\nmax_new_tokens = 40\n"
        '[runtime]\nthreads = 2\ndtype = "float32"\n'
        "[cache]\nrefresh = true\n"
        '[output]\ndir = "digests"\nformats = ["html"]\n'
        "[quality]\nchecks = true\n"
        "[ray]\nactors = 3\n"
    )
    flags = RunOptions.of(
        to="ar",
        sentences=4,
        summary_num_beams=3,
        num_beams=1,
        threads=1,
        dtype="bfloat16",
        no_cache=True,
        out=tmp_path / "elsewhere",
        formats="md,json",
        no_checks=True,
        ray_actors=2,
        what="full",
    )
    settings = resolve_job(job_file(tmp_path, body), flags)
    assert settings.summary.sentences == 4 and settings.summary.params.num_beams == 3
    (ar,) = settings.targets
    # The flag replaces one generation option; the file's other one stays.
    assert (ar.params.num_beams, ar.params.max_new_tokens) == (1, 40)
    assert (settings.runtime.threads, settings.runtime.dtype) == (1, "bfloat16")
    assert settings.cache.enabled is False and settings.cache.refresh is True  # the file's key the flag left
    assert settings.output == OutputOptions(dir=tmp_path / "elsewhere", formats=("md", "json"))
    assert settings.quality.checks is False
    assert settings.ray.actors == 2
    assert settings.translate == "full"


# ---- the environment, between the file and the flags ---------------------------------------------


# (variable, section, key, file's TOML value, environment value, flag, flag value, expected from each)
ENVIRONMENT = [
    pytest.param(
        "SUMMARIZER_DEVICE",
        "runtime",
        "device",
        '"cpu"',
        "cuda",
        {"device": "mps"},
        ("cpu", "cuda", "mps"),
        id="device",
    ),
    pytest.param(
        "SUMMARIZER_BACKEND",
        "runtime",
        "backend",
        '"ctranslate2"',
        "torch",
        {"backend": "ctranslate2"},
        ("ctranslate2", "torch", "ctranslate2"),
        id="backend",
    ),
    pytest.param(
        "SUMMARIZER_ENGINE",
        "runtime",
        "engine",
        '"ray"',
        "local",
        {"engine": "ray"},
        ("ray", "local", "ray"),
        id="engine",
    ),
    pytest.param(
        "SUMMARIZER_RAY_ADDRESS",
        "ray",
        "address",
        '"auto"',
        "10.0.0.1:6379",
        {"ray_address": "ray://head:10001"},
        ("auto", "10.0.0.1:6379", "ray://head:10001"),
        id="ray-address",
    ),
]


@pytest.mark.parametrize("var, section, key, in_file, in_env, flag, expected", ENVIRONMENT)
def test_environment_beats_the_file_and_a_flag_beats_the_environment(
    tmp_path, monkeypatch, var, section, key, in_file, in_env, flag, expected
):
    path = job_file(tmp_path, MINIMAL + f"[{section}]\n{key} = {in_file}\n")
    from_file, from_env, from_flag = expected
    assert getattr(getattr(resolve_job(path), section), key) == from_file
    monkeypatch.setenv(var, "")  # an empty variable counts as unset
    assert getattr(getattr(resolve_job(path), section), key) == from_file
    monkeypatch.setenv(var, in_env)
    assert getattr(getattr(resolve_job(path), section), key) == from_env
    assert getattr(getattr(resolve_job(path, RunOptions.of(**flag)), section), key) == from_flag
    # Without a file the environment beats the default (the file's value differs from the default).
    monkeypatch.setenv(var, from_file)
    no_file = resolve_job(None, RunOptions.of(inputs=["a.txt"], to="ru"))
    assert getattr(getattr(no_file, section), key) == from_file
    assert from_file != getattr(getattr(JobSettings(), section), key)


def test_cache_dir_file_then_environment_then_flag(tmp_path, monkeypatch):
    path = job_file(tmp_path / "jobs", MINIMAL + '[cache]\ndir = "from-file"\n')
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    assert resolve_job(path).cache.dir == tmp_path / "jobs" / "from-file"  # relative to the job file
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "from-env"))
    assert resolve_job(path).cache.dir == tmp_path / "from-env"
    flagged = resolve_job(path, RunOptions.of(cache_dir="from-flag"))  # relative to the working folder
    assert flagged.cache.dir == Path(os.getcwd()) / "from-flag"
    assert flagged.cache.dir.is_absolute()


def test_the_env_table_lists_every_environment_variable_of_the_settings():
    """Each `env` in the field metadata of options.py is exercised above (a new one needs a case here)."""
    declared = {
        f.metadata["env"]
        for cls in vars(options_module).values()
        if dataclasses.is_dataclass(cls) and isinstance(cls, type)
        for f in dataclasses.fields(cls)
        if "env" in f.metadata
    }
    covered = {p.values[0] for p in ENVIRONMENT} | {"SUMMARIZER_CACHE_DIR"}
    assert declared == covered


def test_a_bad_value_from_the_environment_or_a_flag_is_refused(tmp_path, monkeypatch):
    path = job_file(tmp_path, MINIMAL)
    monkeypatch.setenv("SUMMARIZER_DEVICE", "tpu")
    with pytest.raises(ConfigError, match="device must be auto, cpu, cuda or mps, got 'tpu'"):
        resolve_job(path)
    monkeypatch.delenv("SUMMARIZER_DEVICE")
    with pytest.raises(ConfigError) as err:
        resolve_job(path, RunOptions.of(threads=0))
    assert str(err.value).startswith("--threads: threads must be at least 1")
    with pytest.raises(ConfigError) as err:
        resolve_job(job_file(tmp_path, MINIMAL + "[runtime]\nthreads = 0\n"))
    assert str(err.value).startswith(f"{tmp_path / 'job.toml'}: runtime.threads must be at least 1")


# ---- strict keys and types ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ("flavour = 1", "unknown key 'flavour'"),
        ("[cache]\nfolder = 'x'", "unknown key cache.'folder'"),
        ("[ray]\nworkers = 2", "unknown key ray.'workers'"),
        ("[quality]\nstrict = true", "unknown key quality.'strict'"),
        ("[output]\nformat = ['md']", "unknown key output.'format'"),
        ("[targets.ar]\nmodle = 'x'", "unknown key targets.ar.'modle'"),
        ("[summary.params]\nbeams = 2", "unknown generation option 'beams'"),
    ],
)
def test_an_unknown_key_names_the_key_and_the_file(tmp_path, body, message):
    path = job_file(tmp_path, 'inputs = ["a.txt"]\n' + body)
    with pytest.raises(ConfigError) as err:
        resolve_job(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "body, message",
    [
        ("[runtime]\nthreads = 'two'", "runtime.threads must be an integer, got str 'two'"),
        ("[runtime]\nthreads = true", "runtime.threads must be an integer, got bool True"),
        ("[cache]\nenabled = 'no'", "cache.enabled must be true/false, got str 'no'"),
        ("[cache]\ndir = 3", "cache.dir must be a path string, got int 3"),
        ("[ray]\ncpus_per_actor = 'one'", "ray.cpus_per_actor must be a number"),
        ("[output]\nformats = 'md'", "output.formats must be a list"),
        ("[summary]\nlanguages = ['en', 2]", "summary.languages must be a list"),
        ("translate = 1", "translate must be a string, got int 1"),
        ("[targets.ar.params]\nnum_beams = 1.5", "num_beams must be int, got float 1.5"),
        ("summary = 1", "summary must be a table"),
    ],
)
def test_a_wrong_type_names_the_key_and_the_file(tmp_path, body, message):
    targets = "" if "[targets." in body else 'targets = ["ru"]\n'
    path = job_file(tmp_path, 'inputs = ["a.txt"]\n' + targets + body)
    with pytest.raises(ConfigError) as err:
        resolve_job(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_a_missing_or_broken_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        resolve_job(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        resolve_job(tmp_path)
    with pytest.raises(ConfigError, match="not valid TOML"):
        resolve_job(job_file(tmp_path, "inputs = ["))


# ---- paths relative to the job file ---------------------------------------------------------------


def test_relative_inputs_are_found_from_the_job_files_folder(tmp_path, monkeypatch):
    jobs = tmp_path / "jobs"
    (jobs / "news").mkdir(parents=True)
    for name in ("b.txt", "a.txt", "skip.md"):
        (jobs / "news" / name).write_text("Rain fell. Roads closed.", encoding="utf-8")
    (tmp_path / "above.txt").write_text("One line.", encoding="utf-8")
    path = jobs / "job.toml"
    path.write_text('inputs = ["news/*.txt", "../above.txt", "news/a.txt"]\ntargets = ["ru"]\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working folder plays no part
    settings = resolve_job(path)
    found = [Path(p) for p in settings.inputs]
    assert found[-1] == tmp_path / "above.txt"
    assert sorted(found[:-1]) == [jobs / "news" / "a.txt", jobs / "news" / "b.txt"]  # a.txt once, no .md
    assert len(found) == 3


def test_inputs_from_the_command_line_are_taken_as_given(tmp_path):
    path = job_file(tmp_path / "jobs", MINIMAL)
    settings = resolve_job(path, RunOptions.of(inputs=["here.txt", "-"]))
    assert settings.inputs == ("here.txt", "-")


def test_an_input_that_matches_nothing_names_the_file_and_its_folder(tmp_path):
    path = job_file(tmp_path / "jobs", 'inputs = ["missing/*.txt"]\ntargets = ["ru"]\n')
    with pytest.raises(ConfigError) as err:
        resolve_job(path)
    message = str(err.value)
    assert str(path) in message and "'missing/*.txt' matches no file" in message
    assert str(tmp_path / "jobs") in message


def test_a_model_folder_in_the_file_is_relative_to_it_and_a_hub_id_stays(tmp_path):
    jobs = tmp_path / "jobs"
    (jobs / "models" / "mine").mkdir(parents=True)
    path = job_file(
        jobs,
        'inputs = ["a.txt"]\n[summary]\nmodel = "./models/mine"\n'
        '[targets.ru]\nmodel = "models/mine"\n[targets.ar]\nmodel = "org/hub-model"\n',
    )
    settings = resolve_job(path)
    assert Path(settings.summary.model) == jobs / "models" / "mine"
    assert Path(settings.target("ru").model) == jobs / "models" / "mine"
    assert settings.target("ar").model == "org/hub-model"


# ---- targets: the file's, or --to ---------------------------------------------------------------


def test_targets_come_from_the_file_in_its_order(tmp_path):
    body = (
        'inputs = ["a.txt"]\n[targets.ar]\nmodel = "org/ar"\n[targets.ar.params]\nnum_beams = 2\n'
        '[targets.az]\ntarget_token = "azj_Latn"\n'
    )
    settings = resolve_job(job_file(tmp_path, body))
    assert [t.lang for t in settings.targets] == ["ar", "az"]
    assert settings.target("ar").model == "org/ar" and settings.target("ar").params.num_beams == 2
    assert settings.target("az").target_token == "azj_Latn"
    assert settings.target("az").params == TRANSLATION_DEFAULTS


def test_to_replaces_the_files_targets_and_keeps_their_settings(tmp_path):
    body = 'inputs = ["a.txt"]\n[targets.ar]\nmodel = "org/ar"\n[targets.az]\n'
    path = job_file(tmp_path, body)
    settings = resolve_job(path, RunOptions.of(to="ru,ar"))
    assert [t.lang for t in settings.targets] == ["ru", "ar"]  # --to's order; az is gone
    assert settings.target("ar").model == "org/ar"  # the file's settings for a language it lists
    assert settings.target("ru").model is None
    with pytest.raises(ConfigError, match="'az' is not a target"):
        settings.target("az")
    # --model replaces the file's model (and its revision) for one language.
    chosen = resolve_job(path, RunOptions.of(models={"ar": "org/other"}))
    assert chosen.target("ar").model == "org/other" and chosen.target("ar").revision is None


def test_to_without_a_file(tmp_path):
    settings = resolve_job(None, RunOptions.of(inputs=["x.txt"], to=["ru", "az"]))
    assert [t.lang for t in settings.targets] == ["ru", "az"]
    assert settings.inputs == ("x.txt",) and settings.config_path is None


@pytest.mark.parametrize(
    "body, flags, error, message",
    [
        ('targets = ["ru", "ru"]', {}, ConfigError, "target language 'ru' is listed twice"),
        ('targets = ["zh-Hant", "zh_Hant"]', {}, ConfigError, "are the same language"),
        ('targets = ["xx"]', {}, UnknownLanguageError, "unknown language 'xx'"),
        ('targets = ["ru"]', {"models": ["de=org/m"]}, ConfigError, "--model de=...: 'de' is not a target"),
        ('targets = ["ru", 3]', {}, ConfigError, "targets[1] must be a language code string"),
        ('targets = ["ru"]\nsource_lang = "xx"', {}, UnknownLanguageError, "source_lang = xx: no model translates"),
        ('targets = ["ru"]', {"source_lang": "xx"}, UnknownLanguageError, "--from xx: no model translates xx into ru"),
    ],
)
def test_bad_targets_are_refused(tmp_path, body, flags, error, message):
    with pytest.raises(error) as err:
        resolve_job(job_file(tmp_path, 'inputs = ["a.txt"]\n' + body), RunOptions.of(**flags))
    assert message in str(err.value)


def test_a_job_with_nothing_to_do_is_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        resolve_job(job_file(tmp_path, 'inputs = ["a.txt"]\n[summary]\nenabled = false\n'))
    assert "nothing to do" in str(err.value) and str(tmp_path / "job.toml") in str(err.value)
    with pytest.raises(ConfigError, match="nothing to do"):
        resolve_job(job_file(tmp_path, 'inputs = ["a.txt"]\n'), RunOptions.of(no_summary=True))
    with pytest.raises(ConfigError, match="nothing to do"):
        resolve_job(None, RunOptions.of(inputs=["a.txt"], no_summary=True))
    # A summary alone, or targets alone, is something to do.
    assert resolve_job(job_file(tmp_path, 'inputs = ["a.txt"]\n')).summary is not None
    alone = resolve_job(job_file(tmp_path, MINIMAL), RunOptions.of(no_summary=True))
    assert alone.summary is None and [t.lang for t in alone.targets] == ["ru"]


# ---- resolve_cache and resolve_runtime ------------------------------------------------------------


def test_resolve_cache(tmp_path, monkeypatch):
    assert resolve_cache() == CacheOptions(dir=tmp_path / "cache")  # conftest's SUMMARIZER_CACHE_DIR
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    assert resolve_cache().dir == tmp_path / "xdg-cache" / "summarizer"
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", "~/somewhere")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_cache().dir == tmp_path / "home" / "somewhere"  # ~ expanded
    flagged = resolve_cache(RunOptions.of(cache_dir="rel", no_cache=True, refresh=True))
    assert flagged == CacheOptions(dir=tmp_path / "rel", enabled=False, refresh=True)


def test_resolve_runtime(monkeypatch):
    assert resolve_runtime() == RuntimeOptions()
    monkeypatch.setenv("SUMMARIZER_DEVICE", "cpu")
    monkeypatch.setenv("SUMMARIZER_BACKEND", "ctranslate2")
    assert resolve_runtime() == RuntimeOptions(device="cpu", backend="ctranslate2")
    given = resolve_runtime(RunOptions.of(device="cuda:1", threads=3, batch_size=8))
    assert given == RuntimeOptions(device="cuda:1", backend="ctranslate2", threads=3, batch_size=8)
    with pytest.raises(ConfigError, match="--compute-type: compute_type must be"):
        resolve_runtime(RunOptions.of(compute_type="int3"))


def test_run_options_refuse_an_unknown_name_and_a_bad_list():
    with pytest.raises(ConfigError, match="unknown option 'colour'"):
        RunOptions.of(colour="red")
    with pytest.raises(ConfigError, match="--to: expected a comma-separated list"):
        RunOptions.of(to=" , ")
    with pytest.raises(ConfigError, match="--model 'ru': expected LANG=VALUE"):
        RunOptions.of(models=["ru"])
