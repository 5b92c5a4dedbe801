"""Missing models offline (issue 31 point 7): one line names every model a command lacks, with what each
is for, and hints that fit the command and work when followed as written."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app

from conftest import SEED

runner = CliRunner()
SUMMARY = "sshleifer/distilbart-cnn-12-6"
DEFAULTS = {"az": "facebook/nllb-200-distilled-600M", "ru": "Helsinki-NLP/opus-mt-en-ru"}
DEFAULTS["ar"] = "Helsinki-NLP/opus-mt-tc-big-en-ar"
FAST = ["--num-beams", "1", "--max-new-tokens", "4", "--no-retry"]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "seed.txt"
    shutil.copy(SEED, path)
    return path


def test_digest_offline_names_the_summary_model_and_every_target_in_one_line(article, tmp_path):
    result = invoke("digest", str(article), "--to", "az,ru,ar", "-o", str(tmp_path / "out"))
    assert result.exit_code == 3, result.output
    (line,) = error_lines(result.output)  # one line, not one model per run
    assert line.startswith("error: 4 models are not available locally")
    assert f"{SUMMARY} for the summary" in line
    for lang, model in DEFAULTS.items():
        assert f"{model} for {lang}" in line
    assert f"`summarizer models pull {SUMMARY} {' '.join(DEFAULTS.values())}`" in line
    assert "--method extractive --model az=DIR --model ru=DIR --model ar=DIR" in line
    assert not (tmp_path / "out").exists()  # before any work: nothing written


def test_translate_only_names_no_summary_hint(article):
    result = invoke("translate", str(article), "--to", "ru,ar")
    assert result.exit_code == 3, result.output
    (line,) = error_lines(result.output)
    assert line.startswith("error: 2 models are not available locally")
    assert "--method" not in line and "summary" not in line  # no summary in this job: no summary hint
    assert "`--model ru=DIR --model ar=DIR`" in line and "`summarizer models stand-in DIR`" in line


def test_summarize_alone_gets_the_summary_hints(article):
    result = invoke("summarize", str(article))
    assert result.exit_code == 3, result.output
    (line,) = error_lines(result.output)
    assert f"model {SUMMARY} for the summary" in line
    assert "add `--method extractive`" in line and "--model " not in line
    assert "`summarizer models stand-in --kind bart DIR`" in line and "`--summary-model DIR`" in line


def _hint(line: str) -> tuple[list[str], list[str]]:
    """The stand-in command and the flags to add, as the message quotes them between backticks."""
    quoted = re.findall(r"`([^`]+)`", line.split("Without a download:", 1)[1])
    build = next(shlex.split(q) for q in quoted if q.startswith("summarizer models stand-in"))
    add = next(shlex.split(q) for q in quoted if q.startswith("--"))
    return build[1:], add  # without the program name: CliRunner runs the app itself


@pytest.mark.slow
def test_the_hints_run_as_written(article, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # DIR, as the message writes it, is a folder here
    out = tmp_path / "out"
    first = invoke("digest", str(article), "--to", "az,ru,ar", "-o", str(out))
    build, add = _hint(error_lines(first.output)[0])
    assert add == ["--method", "extractive", "--model", "az=DIR", "--model", "ru=DIR", "--model", "ar=DIR"]
    made = invoke(*build)
    assert made.exit_code == 0, made.output
    result = invoke("digest", str(article), "--to", "az,ru,ar", "-o", str(out), *add, *FAST)
    assert result.exit_code == 0, result.output
    assert (out / "seed.html").is_file() and "stand-in" in result.output

    # translate-only and summarize alone: their hints work too
    first = invoke("translate", str(article), "--to", "ru")
    build, add = _hint(error_lines(first.output)[0])
    assert add == ["--model", "ru=DIR"]
    result = invoke("translate", str(article), "--to", "ru", *add, *FAST)
    assert result.exit_code == 0, result.output
    first = invoke("summarize", str(article))
    line = error_lines(first.output)[0]
    build, add = _hint(line)
    assert build[-2:] == ["bart", "DIR"] and add == ["--method", "extractive"]
    result = invoke("summarize", str(article), *add)
    assert result.exit_code == 0 and result.output.strip(), result.output
    assert invoke(*build).exit_code == 0
    result = invoke("summarize", str(article), "--summary-model", "DIR", "--max-new-tokens", "4")
    assert result.exit_code == 0, result.output
