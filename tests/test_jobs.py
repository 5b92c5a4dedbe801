"""Batch translate jobs: strict configs, per-article isolation, job-wide dedup, cache reuse,
concurrent jobs, kill -9 and resume, corrupt cache, warm re-runs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summarizer import Pipeline, resolve_job
from summarizer.config.flags import RunOptions
from summarizer.errors import ConfigError

from conftest import CORPUS, ROOT, SEED, run_cli, run_python

FAST_PARAMS = "num_beams = 1\nmax_new_tokens = 6"


def write_job(
    tmp_path: Path,
    marian: Path,
    bart: Path,
    *,
    inputs=None,
    extra: str = "",
    targets=("az", "ru", "ar"),
    translate="summary",
) -> Path:
    inputs = inputs or [str(SEED)]
    lines = [
        f"inputs = {json.dumps([str(i) for i in inputs])}",
        f'translate = "{translate}"',
        f"[summary]\nmodel = {json.dumps(str(bart))}\n[summary.params]\n{FAST_PARAMS}",
    ]
    for lang in targets:
        lines.append(f"[targets.{lang}]\nmodel = {json.dumps(str(marian))}\n[targets.{lang}.params]\n{FAST_PARAMS}")
    lines.append(f'[output]\ndir = {json.dumps(str(tmp_path / "out"))}\nformats = ["html", "md", "json"]')
    lines.append(extra)
    path = tmp_path / "job.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# ---- strict config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ('inputs = ["x.txt"]\ncolour = "red"', "unknown key 'colour'"),
        ('inputs = ["x.txt"]\n[runtime]\nbatch_size = "big"', "runtime.batch_size must be an integer"),
        ('inputs = ["x.txt"]\n[summary]\nmodle = "m"', "unknown key summary.'modle'"),
        ('inputs = ["x.txt"]\ntargets = ["xx"]', "unknown language 'xx'"),
        ('inputs = ["nothing-*.txt"]', "inputs entry 'nothing-*.txt' matches no file"),
        ('inputs = ["x.txt"]\ntranslate = "half"', "translate must be summary, full or both"),
        ('inputs = ["x.txt"]\n[targets.ru.params]\nbeams = 3', "unknown generation option 'beams'"),
        ('inputs = ["x.txt"]\n[output]\nformats = ["pdf"]', "unknown format 'pdf'"),
        ('inputs = ["x.txt"]\n[runtime]\ndevice = "tpu"', "device must be"),
        ("inputs = [", "not valid TOML"),
        ("inputs = [1, 2]", "inputs must be a list of path or glob strings"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, body, message):
    (tmp_path / "x.txt").write_text("A sentence.")
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        resolve_job(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.slow
def test_bad_config_via_cli_exit_code_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('inputs = ["x.txt"]\nunknown = 1')
    proc = run_cli("translate", "--config", str(path))
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert "bad.toml" in err and "unknown" in err and len(err.splitlines()) == 1
    proc = run_cli("translate", "--config", str(tmp_path))
    assert proc.returncode == 2 and "is a folder" in proc.stderr.decode()


@pytest.mark.slow
def test_missing_model_in_config_exit_code_3(tmp_path):
    path = tmp_path / "job.toml"
    path.write_text(f'inputs = [{json.dumps(str(SEED))}]\ntargets = ["ru"]\n[summary]\nenabled = false')
    proc = run_cli("translate", "--config", str(path), "--out", str(tmp_path / "o"))
    assert proc.returncode == 3
    assert "Helsinki-NLP/opus-mt-en-ru" in proc.stderr.decode()


def _missing_models_error(tmp_path, marian, source_lang: str, summary: str) -> str:
    """The one error line of a job into az (registry), ru (the stand-in) and ar (registry), offline."""
    path = tmp_path / "job.toml"
    path.write_text(
        f"inputs = [{json.dumps(str(SEED))}]\nsource_lang = {json.dumps(source_lang)}\n"
        f"[targets.az]\n[targets.ru]\nmodel = {json.dumps(str(marian))}\n[targets.ar]\n[summary]\n{summary}"
    )
    proc = run_cli("translate", "--config", str(path), "--out", str(tmp_path / "o"))
    err = proc.stderr.decode().strip()
    assert proc.returncode == 3 and len(err.splitlines()) == 1, err
    assert "facebook/nllb-200-distilled-600M" in err and "Helsinki-NLP/opus-mt-tc-big-en-ar" in err
    assert str(marian) not in err
    return err


@pytest.mark.slow
def test_a_job_missing_several_models_names_them_all_in_one_line(tmp_path, marian):
    err = _missing_models_error(tmp_path, marian, "en", 'model = "org/no-such-summarizer"')
    assert "3 models are not available locally" in err and "org/no-such-summarizer" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_with_auto_the_pair_models_the_articles_need_are_named_in_one_line(tmp_path, marian):
    """The summary model and the models a job names are checked before anything runs; the registry's
    model for a pair once the first articles' language is known: all the missing ones together."""
    err = _missing_models_error(tmp_path, marian, "auto", 'method = "lead"')
    assert "2 models are not available locally" in err
    assert not list((tmp_path / "o").glob("*"))  # nothing written


def test_example_configs_parse():
    for path in (ROOT / "configs").glob("*.toml"):
        settings = resolve_job(path)
        assert settings.inputs, path
        assert settings.targets, path
    nllb = resolve_job(ROOT / "configs" / "nllb-overrides.toml")
    assert (
        nllb.target("az").model == "facebook/nllb-200-distilled-600M" and nllb.target("az").target_token == "azj_Latn"
    )
    assert nllb.target("ru").params.num_beams == 5


def test_resolution_order_flag_env_config_default(tmp_path, monkeypatch, marian, bart):
    job = write_job(tmp_path, marian, bart, extra='[cache]\ndir = "cfgcache"\n[runtime]\ndevice = "cpu"')
    monkeypatch.delenv("SUMMARIZER_CACHE_DIR")
    assert resolve_job(job).cache.dir == tmp_path / "cfgcache"
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "envcache"))
    assert resolve_job(job).cache.dir == tmp_path / "envcache"
    assert resolve_job(job, RunOptions.of(cache_dir=tmp_path / "flag")).cache.dir == tmp_path / "flag"
    monkeypatch.setenv("SUMMARIZER_DEVICE", "cuda")
    assert resolve_job(job).runtime.device == "cuda"
    assert resolve_job(job, RunOptions.of(device="mps")).runtime.device == "mps"
    assert resolve_job(job, RunOptions.of(models=["ru=/other"])).target("ru").model == "/other"
    with pytest.raises(ConfigError, match="not a target"):
        resolve_job(job, RunOptions.of(models=["de=/other"]))


def test_revision_per_language_on_the_command_line(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, targets=("ru", "ar"))
    settings = resolve_job(job, RunOptions.of(revisions=["ru=v2"], models=["ar=org/m"]))
    assert settings.target("ru").revision == "v2" and settings.target("ar").revision is None
    both = resolve_job(job, RunOptions.of(models=["ar=org/m"], revisions=["ar=abc123"])).target("ar")
    assert (both.model, both.revision) == ("org/m", "abc123")
    with pytest.raises(ConfigError, match="--revision de=...: 'de' is not a target"):
        resolve_job(job, RunOptions.of(revisions=["de=v1"]))
    with pytest.raises(ConfigError, match="expected LANG=VALUE"):
        resolve_job(job, RunOptions.of(revisions=["v1"]))


@pytest.mark.slow
def test_digest_takes_a_config_like_translate(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, targets=("ru",))
    result = run_cli("digest", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "out" / "index.html").exists()
    assert len(list((tmp_path / "out").glob("*.ru.html"))) == 1


# ---- running jobs ----------------------------------------------------------------------------


@pytest.mark.slow
def test_config_job_writes_digests_index_and_summary_line(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, inputs=[str(SEED), str(CORPUS / "xsum-wales-ice.txt")])
    proc = run_cli("translate", "--config", str(job))
    assert proc.returncode == 0, proc.stderr.decode()
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    assert "index.html" in names and "index.json" in names
    for stem in ("baku-non-aligned-movement-2023", "xsum-wales-ice"):
        for suffix in (".html", ".az.html", ".ru.html", ".ar.html", ".md", ".json"):
            assert stem + suffix in names
    digest = json.loads((out / "baku-non-aligned-movement-2023.json").read_text())
    assert [lang["target"] for lang in digest["languages"]] == ["az", "ru", "ar"]
    ids = [s["id"] for s in digest["summary_sentences"]]
    for lang in digest["languages"]:
        assert [t["source_id"] for t in lang["summary"]["translations"]] == ids
    assert digest["languages"][2]["summary"]["target_token"] == ">>ara<<"
    tally = [line for line in proc.stderr.decode().splitlines() if line.startswith("articles:")]
    assert tally[-1].startswith("articles: 2 done, 0 failed, 0 skipped; distinct sentences: ")
    assert "quality:" in proc.stderr.decode()  # stand-in noise gets flagged, and the closing line says so


@pytest.mark.slow
def test_one_bad_article_is_reported_and_skipped(tmp_path, marian, bart):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x00binary")
    job = write_job(tmp_path, marian, bart, inputs=[str(bad), str(CORPUS / "xsum-wales-ice.txt")], targets=("ru",))
    proc = run_cli("translate", "--config", str(job))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "broken.txt: looks like a binary file" in err
    assert "articles: 1 done, 1 failed" in err
    assert (tmp_path / "out" / "xsum-wales-ice.html").exists()
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    assert {e["status"] for e in index["entries"]} == {"ok", "failed"}


def test_models_load_once_and_sentences_dedup_across_job(tmp_path, marian, bart, monkeypatch):
    """Ten articles that share their sentences: each distinct sentence reaches the model once."""
    import summarizer.models.backends as backends

    shared = "The ice could lead to difficult driving conditions. Only the southernmost counties escape."
    inputs = []
    for i in range(10):
        p = tmp_path / f"a{i}.txt"
        p.write_text(f"{shared}\n\nArticle number {i} has its own closing line.")
        inputs.append(str(p))
    flags = RunOptions.of(
        inputs,
        to="ru",
        models={"ru": str(marian)},
        no_summary=True,
        no_cache=True,
        num_beams=1,
        max_new_tokens=5,
        no_retry=True,
    )
    settings = resolve_job(None, flags)
    pipeline = Pipeline(settings)
    seen: list[str] = []
    loads_before = backends.loaded_count()
    backend = pipeline.translator("ru").handle.backend
    real = backend.generate
    monkeypatch.setattr(
        backend, "generate", lambda texts, params, **kw: (seen.extend(texts), real(texts, params, **kw))[1]
    )
    digests = list(pipeline.run())
    assert len(digests) == 10
    assert len(seen) == len(set(seen)) == 2 + 10
    assert backends.loaded_count() - loads_before <= 1
    for d in digests:
        assert [t.source for t in d.languages[0].full.translations] == [s.text for s in d.article.sentences]


@pytest.mark.slow
def test_warm_rerun_makes_zero_model_calls_and_imports_no_torch(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart)
    cold = run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    assert cold.returncode == 0, cold.stderr.decode()
    code = (
        "import sys\nfrom summarizer.cli.app import main\n"
        f"sys.argv = ['summarizer', 'translate', '--config', {str(job)!r}, '--cache-dir', {str(tmp_path / 'c')!r}, '--out', {str(tmp_path / 'warm')!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', code)\n"
    )
    warm = run_python(code)
    assert warm.stdout.split()[-2:] == ["NO-TORCH", "0"], warm.stderr
    assert "distinct sentences: 0 translated," in warm.stderr
    digest = json.loads((tmp_path / "warm" / "baku-non-aligned-movement-2023.json").read_text())
    assert digest["summary"]["cached"] is True
    assert all(t["cached"] for lang in digest["languages"] for t in lang["summary"]["translations"])


@pytest.mark.slow
def test_no_cache_and_refresh(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, targets=("ru",))
    run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    refresh = run_cli(
        "translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"), "--refresh", "--out", str(tmp_path / "r")
    )
    assert refresh.returncode == 0, refresh.stderr
    assert (
        json.loads((tmp_path / "r" / "baku-non-aligned-movement-2023.json").read_text())["summary"]["cached"] is False
    )
    nocache = run_cli(
        "translate",
        "--config",
        str(job),
        "--cache-dir",
        str(tmp_path / "n"),
        "--no-cache",
        "--out",
        str(tmp_path / "o2"),
    )
    assert nocache.returncode == 0
    assert not (tmp_path / "n").exists()


@pytest.mark.slow
def test_cache_stats_after_a_job(tmp_path, marian, bart):
    job = write_job(tmp_path, marian, bart, targets=("ar",))
    run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    stats = run_cli("cache", "stats", "--json", "--cache-dir", str(tmp_path / "c"))
    data = json.loads(stats.stdout)
    assert data["total"] > 0
    assert data["last_job"]["misses"] == 0 and data["last_job"]["hits"] > 0
    cleared = run_cli("cache", "clear", "--model", str(marian), "--cache-dir", str(tmp_path / "c"))
    assert "deleted" in cleared.stdout.decode()


@pytest.mark.slow
def test_corrupt_cache_is_a_clear_error_with_no_results(tmp_path, marian, bart):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "summarizer.sqlite3").write_bytes(os.urandom(8192))
    job = write_job(tmp_path, marian, bart, targets=("ru",))
    proc = run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c"))
    assert proc.returncode == 4
    err = proc.stderr.decode()
    assert "corrupt" in err and "cache clear --all" in err
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "c" / "summarizer.sqlite3").exists()
    cleared = run_cli("cache", "clear", "--all", "--cache-dir", str(tmp_path / "c"))
    assert cleared.returncode == 0
    assert run_cli("translate", "--config", str(job), "--cache-dir", str(tmp_path / "c")).returncode == 0


def _corpus_inputs(tmp_path: Path, n: int) -> list[str]:
    """n distinct articles made from the real corpus (each line numbered so nothing repeats)."""
    texts = [p.read_text() for p in sorted(CORPUS.glob("*.txt"))]
    out = []
    for i in range(n):
        p = tmp_path / "articles" / f"article-{i:02d}.txt"
        p.parent.mkdir(exist_ok=True)
        p.write_text("\n\n".join(f"Report {i}. {para}" for para in texts[i % len(texts)].split("\n") if para.strip()))
        out.append(str(p))
    return out


def _entries(db: Path) -> int:
    try:
        with sqlite3.connect(db) as con:
            return con.execute("select count(*) from entries where task = 'translate'").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_two_concurrent_jobs_share_one_cache(tmp_path, marian, bart):
    inputs = _corpus_inputs(tmp_path, 6)
    cache = tmp_path / "shared-cache"
    procs = []
    for k in range(2):
        job = write_job(
            tmp_path / f"job{k}" if (tmp_path / f"job{k}").mkdir() is None else tmp_path,
            marian,
            bart,
            inputs=inputs,
            targets=("ru", "ar"),
            translate="full",
        )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "summarizer",
                    "translate",
                    "--config",
                    str(job),
                    "--cache-dir",
                    str(cache),
                    "--summary-model",
                    str(bart),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    for k in range(2):
        files = list((tmp_path / f"job{k}" / "out").glob("*.json"))
        assert len([f for f in files if f.name != "index.json"]) == 6
    first = json.loads((tmp_path / "job0" / "out" / "article-00.json").read_text())
    second = json.loads((tmp_path / "job1" / "out" / "article-00.json").read_text())
    assert [t["text"] for t in first["languages"][0]["full"]["translations"]] == [
        t["text"] for t in second["languages"][0]["full"]["translations"]
    ]


@pytest.mark.slow
def test_kill_9_mid_job_then_resume_recomputes_only_the_rest(tmp_path, marian, bart):
    inputs = _corpus_inputs(tmp_path, 24)
    job = write_job(
        tmp_path,
        marian,
        bart,
        inputs=inputs,
        targets=("ru",),
        translate="full",
        # A retry with the facts protected is cached under a key of its own (the protected source): it adds
        # entries that are no sentence of the job; this test counts sentences, so it turns protection off.
        extra="[runtime]\nwindow = 1\nbatch_size = 2\n[quality]\nprotect = false",
    )
    # Slow generation down (4 beams, 32 tokens) so the kill lands mid-job.
    job.write_text(
        job.read_text().replace(
            "[targets.ru.params]\nnum_beams = 1\nmax_new_tokens = 6",
            "[targets.ru.params]\nnum_beams = 4\nmax_new_tokens = 32",
        )
    )
    cache = tmp_path / "c"
    db = cache / "summarizer.sqlite3"
    args = [sys.executable, "-m", "summarizer", "translate", "--config", str(job), "--cache-dir", str(cache), "--quiet"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and _entries(db) < 20 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = _entries(db)
    assert done_before >= 20, "the job finished or never started before the kill"
    # The cache is valid after the kill, and the re-run computes exactly what was missing.
    resumed = run_cli("translate", "--config", str(job), "--cache-dir", str(cache))
    assert resumed.returncode == 0, resumed.stderr.decode()
    total = _entries(db)
    assert total > done_before, "the kill came after the job had finished"
    last = [line for line in resumed.stderr.decode().splitlines() if line.startswith("articles:")][-1]
    translated = int(last.split("sentences: ")[1].split(" translated")[0])
    from_cache = int(last.split(" translated, ")[1].split(" from cache")[0])
    assert translated == total - done_before
    assert from_cache >= done_before
