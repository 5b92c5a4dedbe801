"""The name check from the command line and the job file: `--check names` (and `quality.names = true`) turn
`name-mismatch` on; it is off by default because it misses its targets (QUALITY.md)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.config.flags import RunOptions
from summarizer.config.merge import resolve_job

SOURCE = "John Smith met Angela Merkel in Berlin on Monday.\nThe talks lasted two hours.\n"
SWAPPED = "Питер Джонс встретился с Ангелой Меркель в Берлине в понедельник.\nПереговоры длились два часа.\n"


def _check(tmp_path, *extra: str):
    (tmp_path / "en.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "out.ru.txt").write_text(SWAPPED, encoding="utf-8")
    args = ["check", "--src", "en.txt", "--hyp", "out.ru.txt", "--to", "ru", "--json", "--exit-zero", *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {line["line"]: [f["code"] for f in line["flags"]] for line in lines}


def test_check_names_reports_a_swapped_name_without_any_python(tmp_path):
    assert "name-mismatch" not in _check(tmp_path)[1], "off by default"
    flagged = _check(tmp_path, "--check", "names")
    assert "name-mismatch" in flagged[1] and "name-mismatch" not in flagged[2]
    assert "name-mismatch" in _check(tmp_path, "--check", "adequacy,names")[1]


def test_check_takes_known_words_only_and_names_them():
    result = CliRunner().invoke(app, ["check", "--src", "a", "--hyp", "b", "--to", "ru", "--check", "grammar"])
    assert result.exit_code == 2
    assert "--check: unknown value 'grammar'; expected one or more of adequacy, names" in result.output


def test_quality_names_in_a_job_file_and_the_flag_both_set_it(tmp_path):
    job = tmp_path / "job.toml"
    (tmp_path / "a.txt").write_text("One sentence.", encoding="utf-8")
    job.write_text('inputs = ["a.txt"]\ntargets = ["ru"]\n[quality]\nnames = true\n', encoding="utf-8")
    assert resolve_job(job, RunOptions.of()).quality.names is True
    plain = tmp_path / "plain.toml"
    plain.write_text('inputs = ["a.txt"]\ntargets = ["ru"]\n', encoding="utf-8")
    assert resolve_job(plain, RunOptions.of()).quality.names is False
    both = resolve_job(plain, RunOptions.of(check="names,adequacy"))
    assert both.quality.names is True and both.quality.adequacy is True


def test_a_translate_run_with_check_names_flags_noise_that_drops_a_name(tmp_path, marian):
    (tmp_path / "story.txt").write_text("Angela Merkel visited Baku on Monday.\n", encoding="utf-8")
    common = ["translate", "story.txt", "--to", "ru", "--model", f"ru={marian}", "--format", "json"]
    common += ["--num-beams", "1", "--max-new-tokens", "8", "--no-retry"]
    plain = CliRunner().invoke(app, common)
    named = CliRunner().invoke(app, [*common, "--check", "names"])  # a warm cache: the checks run again
    assert plain.exit_code == 0 and named.exit_code == 0, plain.output + named.output
    assert "name-mismatch" not in plain.stdout
    assert "name-mismatch" in named.stdout, "the stand-in's noise carries neither Merkel nor Baku"
