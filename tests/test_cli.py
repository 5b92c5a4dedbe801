"""The CLI end to end: real commands on stand-in models, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app

from conftest import CORPUS, SEED, run_cli

runner = CliRunner()
FAST = ["--num-beams", "1", "--max-new-tokens", "6"]


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_help_lists_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("summarize", "translate", "digest", "models", "cache"):
        assert command in result.output


def test_summarize_files_to_stdout_and_json(bart):
    result = invoke("summarize", str(SEED), str(CORPUS / "xsum-wales-ice.txt"), "--model", str(bart), *FAST)
    assert result.exit_code == 0, result.output
    assert "STAND-IN" in result.output
    result = invoke("summarize", str(CORPUS / "xsum-wales-ice.txt"), "--model", str(bart), "--format", "json", *FAST)
    (data,) = json.loads(result.stdout)  # JSON on stdout is always an array, whatever the input count
    assert data["summary"]["model"]["stand_in"] is True


def test_summarize_stdin_and_out_dir(bart, tmp_path):
    result = invoke(
        "summarize",
        "-",
        "--model",
        str(bart),
        "--format",
        "md",
        "--out",
        str(tmp_path / "o"),
        *FAST,
        input="The ice warning starts tonight. Roads will be slippery.",
    )
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "o").iterdir())
    assert [p.name for p in written] == ["stdin.summary.md"]
    assert "STAND-IN" in written[0].read_text()


def test_summarize_folder_and_glob(bart, tmp_path):
    result = invoke("summarize", str(CORPUS), "--model", str(bart), "--out", str(tmp_path / "o"), *FAST)
    assert result.exit_code == 0, result.output
    from summarizer.inputs.paths import expand_paths

    assert (
        len(list((tmp_path / "o").glob("*.summary.txt"))) == len(expand_paths([str(CORPUS)])) == 6
    )  # 5 .txt + SOURCE.md
    result = invoke("summarize", str(CORPUS / "xsum-*.txt"), "--model", str(bart), "--out", str(tmp_path / "g"), *FAST)
    assert len(list((tmp_path / "g").glob("*.summary.txt"))) == 4


def test_summarize_t5_with_chunking(t5):
    result = invoke("summarize", str(SEED), "--model", str(t5), "--format", "json", "--max-input-tokens", "128", *FAST)
    assert result.exit_code == 0, result.output
    (data,) = json.loads(result.stdout)
    assert data["summary"]["chunked"] is True and data["summary"]["chunks"] > 1


def test_translate_one_off_writes_side_by_side_markdown(marian):
    result = invoke(
        "translate",
        str(CORPUS / "xsum-wales-ice.txt"),
        "--to",
        "ru,ar",
        "--model",
        f"ru={marian}",
        "--model",
        f"ar={marian}",
        *FAST,
    )
    assert result.exit_code == 0, result.output
    assert "| The warning begins at 22:00 GMT on Saturday and ends at 10:00 on Sunday. |" in result.stdout
    assert "## Arabic (ar)" in result.stdout and "## Russian (ru)" in result.stdout


def test_models_list():
    result = invoke("models", "list")
    assert result.exit_code == 0
    assert ">>ara<<" in result.output and "azj_Latn" in result.output and "opus-mt-en-ru" in result.output
    assert "nllb-200-distilled-600M" in result.output and "CC-BY-NC-4.0" in result.output
    assert "Non-commercial use only" in result.output and "chrF 42.3" in result.output
    data = json.loads(invoke("models", "list", "--json").output)
    az = next(row for row in data["languages"] if row["lang"] == "az")
    assert az["params"] > 600e6 and az["cached"] is False and az["scores"]


def test_models_list_says_what_is_cached(tmp_path, monkeypatch):
    """A model in the local Hugging Face cache shows as cached (checked offline, in the cache folder)."""
    snapshot = tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-en-ru" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (snapshot / name).write_text("{}")
    (tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-en-ru" / "refs").mkdir()
    (tmp_path / "hub" / "models--Helsinki-NLP--opus-mt-en-ru" / "refs" / "main").write_text("a" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    data = json.loads(invoke("models", "list", "--json").output)
    cached = {row["lang"]: row["cached"] for row in data["languages"]}
    assert cached["ru"] is True and cached["az"] is False


def test_models_stand_in_command(tmp_path):
    result = invoke("models", "stand-in", "--kind", "t5", "--size", "tiny", str(tmp_path / "t5"))
    assert result.exit_code == 0, result.output
    assert "noise" in result.output
    assert (tmp_path / "t5" / "summarizer_stand_in.json").exists()


@pytest.mark.parametrize(
    "make, args, message",
    [
        (lambda d: d / "missing.txt", [], "missing.txt: no such file"),
        (
            lambda d: (d / "empty.txt").write_text("") and d / "empty.txt" or d / "empty.txt",
            [],
            "empty.txt: file is empty",
        ),
        (
            lambda d: (d / "bin.txt").write_bytes(b"\x00\x01\x02" * 100) and d / "bin.txt",
            [],
            "bin.txt: looks like a binary file",
        ),
    ],
)
@pytest.mark.slow
def test_bad_input_one_line_error_and_exit_code(make, args, message, tmp_path, bart):
    path = make(tmp_path)
    proc = run_cli("summarize", str(path), "--model", str(bart), *FAST)
    assert proc.returncode != 0
    err = proc.stderr.decode().strip()
    assert message in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err


@pytest.mark.slow
def test_one_bad_file_among_good_ones_still_finishes(tmp_path, bart):
    (tmp_path / "bad.txt").write_bytes(b"")
    proc = run_cli(
        "summarize", str(tmp_path / "bad.txt"), str(CORPUS / "xsum-wales-ice.txt"), "--model", str(bart), *FAST
    )
    assert proc.returncode == 1
    assert "bad.txt: file is empty" in proc.stderr.decode()
    assert "STAND-IN" in proc.stdout.decode()


@pytest.mark.slow
def test_unknown_language_is_a_usage_error(marian):
    proc = run_cli("translate", str(SEED), "--to", "xx")
    assert proc.returncode == 2
    assert "unknown language 'xx'" in proc.stderr.decode()


@pytest.mark.slow
def test_missing_model_offline_exit_code_and_time():
    proc = run_cli("summarize", str(SEED), "--model", "org/not-cached-model", timeout=30)
    assert proc.returncode == 3
    err = proc.stderr.decode()
    assert "org/not-cached-model" in err and "HF_HUB_OFFLINE" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_model_folder_with_missing_files(tmp_path, marian):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(marian, broken)
    (broken / "model.safetensors").unlink()
    proc = run_cli("translate", str(SEED), "--to", "ru", "--model", f"ru={broken}")
    assert proc.returncode != 0
    err = proc.stderr.decode()
    assert "incomplete" in err and "broken" in err and "Traceback" not in err


@pytest.mark.slow
def test_debug_variable_shows_traceback():
    proc = run_cli("summarize", "missing.txt", env={"SUMMARIZER_DEBUG": "1"})
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr.decode()


def test_cache_path_honours_env(tmp_path):
    result = invoke("cache", "path")
    assert result.output.strip() == str(tmp_path / "cache" / "summarizer.sqlite3")
    result = invoke("cache", "path", "--cache-dir", str(tmp_path / "x"))
    assert result.output.strip() == str(tmp_path / "x" / "summarizer.sqlite3")


@pytest.mark.slow
def test_the_default_cache_is_the_users_cache_folder_from_any_working_folder(tmp_path, marian):
    env = {"SUMMARIZER_CACHE_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    default = tmp_path / "xdg" / "summarizer"
    path = run_cli("cache", "path", env=env)
    assert path.stdout.decode().strip() == str(default / "summarizer.sqlite3")
    stats = run_cli("cache", "stats", env=env)
    assert stats.returncode == 0 and not default.exists()  # read-only commands create nothing
    job = run_cli("translate", str(SEED), "--to", "ru", "--model", f"ru={marian}", *FAST, "--quiet", env=env)
    assert job.returncode == 0, job.stderr.decode()
    assert (default / "summarizer.sqlite3").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("count", [1, 3])
def test_json_and_jsonl_on_stdout_have_one_shape_whatever_the_input_count(count, bart, marian, tmp_path):
    inputs = [str(p) for p in sorted(CORPUS.glob("*.txt"))[:count]]
    lines = invoke("summarize", *inputs, "--model", str(bart), "--format", "jsonl", *FAST).stdout.splitlines()
    assert len(lines) == count and all(json.loads(line)["schema"] == "summarizer.summary" for line in lines)
    array = json.loads(invoke("summarize", *inputs, "--model", str(bart), "--format", "json", *FAST).stdout)
    assert isinstance(array, list) and len(array) == count
    assert [a["article"]["source"] for a in array] == [json.loads(line)["article"]["source"] for line in lines]
    # translate PATH --to with one streamable format and no --out prints, and writes no ./out
    translate = ["translate", *inputs, "--to", "ru", "--model", f"ru={marian}", *FAST, "--quiet"]
    lines = invoke(*translate, "--format", "jsonl").stdout.splitlines()
    assert len(lines) == count and all(json.loads(line)["schema"] == "summarizer.digest" for line in lines)
    digests = json.loads(invoke(*translate, "--format", "json").stdout)
    assert isinstance(digests, list) and len(digests) == count
    assert not (tmp_path / "out").exists()


def test_version_completion_and_flags_shown_as_flags():
    from summarizer import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"summarizer {__version__}"
    assert "--install-completion" in runner.invoke(app, ["--help"]).output
    for command in ("summarize", "translate", "digest", "check"):
        text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        lines = [line for line in text.splitlines() if "--quiet" in line or "--refresh" in line or "--json" in line]
        assert lines and not any("<bool>" in line for line in lines), lines


@pytest.mark.slow
def test_cache_clear_needs_to_be_told_what_to_delete(tmp_path):
    from summarizer.cache import Cache, CacheEntry, read_stats

    folder = tmp_path / "c"
    with Cache(folder) as cache:
        cache.put_many([CacheEntry(key=f"k{i}", task="translate", model="m", value={"text": "x"}) for i in range(5)])
    # What the README line `summarizer cache stats | summarizer cache path | summarizer cache clear`
    # did when pasted: it deleted everything. Now it deletes nothing and says how.
    proc = run_cli("cache", "clear", "--cache-dir", str(folder))
    assert proc.returncode == 0
    assert "nothing deleted" in proc.stderr.decode() and "--all" in proc.stderr.decode()
    assert read_stats(folder).total == 5
    # --all from a script (no terminal) needs no confirmation; on a terminal it asks unless --yes.
    proc = run_cli("cache", "clear", "--all", "--cache-dir", str(folder))
    assert proc.returncode == 0 and read_stats(folder).total == 0


def test_cache_clear_all_asks_on_a_terminal(tmp_path, monkeypatch):
    from summarizer.cache import Cache, CacheEntry, read_stats

    folder = tmp_path / "c"
    with Cache(folder) as cache:
        cache.put_many([CacheEntry(key="k", task="translate", model="m", value={"text": "x"})])
    monkeypatch.setattr("summarizer.cli.cache.interactive", lambda: True)
    refused = runner.invoke(app, ["cache", "clear", "--all", "--cache-dir", str(folder)], input="n\n")
    assert refused.exit_code != 0 and read_stats(folder).total == 1
    agreed = runner.invoke(app, ["cache", "clear", "--all", "--yes", "--cache-dir", str(folder)])
    assert agreed.exit_code == 0 and read_stats(folder).total == 0


def test_requires_python_tells_the_truth():
    import tomllib

    from conftest import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    uses_tomllib = "import tomllib" in (ROOT / "summarizer" / "config" / "merge.py").read_text()
    assert not uses_tomllib or project["requires-python"] == ">=3.11"


@pytest.mark.slow
def test_without_a_terminal_progress_is_a_line_every_few_seconds_and_stand_ins_are_named(bart, marian, tmp_path):
    """run_cli's stderr is a pipe, not a terminal: no bars, but progress records (every 0.2 s here)."""
    env = {"SUMMARIZER_PROGRESS_SECONDS": "0.2"}
    slow = ["--num-beams", "4", "--max-new-tokens", "24"]
    proc = run_cli("summarize", str(SEED), str(CORPUS / "xsum-wales-ice.txt"), "--model", str(bart), *slow, env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    records = [line for line in err.splitlines() if line.startswith("progress: ")]
    assert records and all("/2 summaries" in line for line in records), err
    assert "stand-in models (random weights)" in err
    copy = tmp_path / "copy.txt"
    copy.write_text(SEED.read_text())
    job = ["translate", str(SEED), str(copy), "--to", "ru", "--model", f"ru={marian}", *slow, "--out", "o"]
    proc = run_cli(*job, env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert any(line.startswith("progress: ") and "ru " in line for line in err.splitlines()), err
    # The bars and records count every sentence sent (the same text twice: repeats included); the
    # closing line says how many of those were repeats, served once.
    closing = [line for line in err.splitlines() if line.startswith("articles:")][-1]
    distinct = int(closing.split("sentences: ")[1].split(" translated")[0])
    repeats = int(closing.split(" from cache, ")[1].split(" repeat")[0])
    assert repeats == distinct  # the second copy repeats every sentence of the first
    assert "\x1b" not in err and "\r" not in err  # no bar drawing in a log
