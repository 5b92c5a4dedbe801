"""One flag vocabulary across commands: each spelling means one thing in a command, hidden aliases keep the
older (or prefixed) spellings working without showing them in --help, and giving both is refused."""

from __future__ import annotations

import json

import pytest
import typer.main
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.cli.base import _given
from summarizer.config.flags import CHECK_LANGS, EVALUATE, SUMMARY_ONLY, TRANSLATION
from summarizer.errors import ConfigError

runner = CliRunner()
COMMANDS = typer.main.get_command(app).commands


def _options(command) -> list:
    return [p for p in command.params if getattr(p, "opts", None) and p.opts[0].startswith("-")]


@pytest.mark.parametrize("name", sorted(n for n, c in COMMANDS.items() if not hasattr(c, "commands")))
def test_every_spelling_names_one_option_and_aliases_stay_out_of_help(name):
    command = COMMANDS[name]
    spellings = [o for p in _options(command) for o in (*p.opts, *p.secondary_opts)]
    assert len(spellings) == len(set(spellings)), f"{name}: a spelling is declared twice: {sorted(spellings)}"
    shown = runner.invoke(app, [name, "--help"], env={"COLUMNS": "250"}).output
    for param in _options(command):
        for spelling in param.opts:
            if param.hidden:
                assert f" {spelling} " not in shown, f"{name} --help shows the hidden {spelling}"
            else:
                assert spelling in shown, f"{name} --help doesn't show {spelling}"


def test_the_vocabulary_is_the_same_in_every_command():
    """--from and --to are the languages everywhere; the old spellings are aliases of them."""
    for group in (CHECK_LANGS, EVALUATE):
        by_name = {f.name: f for f in group}
        assert by_name["source_lang"].spelling == "--from" and by_name["source_lang"].aliases == ("--source-lang",)
        assert by_name["target_lang"].spelling == "--to" and by_name["target_lang"].aliases == ("--lang",)
    assert next(f for f in TRANSLATION if f.name == "to").spelling == "--to"
    # In summarize the summary model's flags take translate's and digest's --summary- spellings too.
    summary = {f.name: f for f in SUMMARY_ONLY}
    assert summary["summary_model"].aliases == ("--summary-model",)
    assert summary["summary_max_new_tokens"].aliases == ("--summary-max-new-tokens",)
    assert "summary" in summary["summary_model"].help.lower()


def test_an_alias_merges_into_its_flag():
    to = next(f for f in EVALUATE if f.name == "target_lang")
    assert _given(to, {"target_lang": None, "target_lang__alias": "ru"}) == "ru"
    assert _given(to, {"target_lang": "ru", "target_lang__alias": None}) == "ru"
    assert _given(to, {"target_lang": "ru", "target_lang__alias": "ru"}) == "ru"
    with pytest.raises(ConfigError, match="--to ru and --lang ar: --lang is another spelling of --to"):
        _given(to, {"target_lang": "ru", "target_lang__alias": "ar"})
    beams = next(f for f in SUMMARY_ONLY if f.name == "summary_num_beams")
    assert _given(beams, {"summary_num_beams": None, "summary_num_beams__alias": 2}) == 2
    kwargs = {"summary_num_beams": 1, "summary_num_beams__alias": None, "other": "kept"}
    assert _given(beams, kwargs) == 1 and kwargs == {"other": "kept"}  # both spellings taken out


def test_summarize_takes_the_summary_spellings_of_translate_and_digest(bart):
    args = ["summarize", "-", "--format", "json"]
    text = "The summit opened in Baku on Thursday. Leaders of 120 countries attended. It ended on Friday."
    old = runner.invoke(app, [*args, "--model", str(bart), "--num-beams", "1", "--max-new-tokens", "6"], input=text)
    new = runner.invoke(
        app,
        [*args, "--summary-model", str(bart), "--summary-num-beams", "1", "--summary-max-new-tokens", "6"],
        input=text,
    )
    assert old.exit_code == new.exit_code == 0, new.output
    (before,), (after,) = json.loads(old.stdout), json.loads(new.stdout)
    assert after["summary"]["params"]["max_new_tokens"] == 6 and after["summary"]["params"]["num_beams"] == 1
    assert after["summary"]["text"] == before["summary"]["text"]
    assert after["summary"]["params"] == before["summary"]["params"]
    both = runner.invoke(app, [*args, "--model", str(bart), "--summary-model", "other/model"], input=text)
    assert both.exit_code == 2 and "--summary-model is another spelling of --model" in both.output
