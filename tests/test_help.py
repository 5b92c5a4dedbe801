"""`--help` as a newcomer reads it: every flag name whole at 80 and 100 columns, the run commands' flags in
panels (inputs, summary, translation, output, runtime, quality), and examples that name real flags."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.config.flags import CACHE, INPUT, OUTPUT, PANELS, QUALITY, RUNTIME, SUMMARY, TRANSLATION, UI

runner = CliRunner()


def _leaves(group, prefix=()) -> dict[tuple[str, ...], object]:
    """Every command that runs (`models pull`, `translate`, ...), by its words."""
    found = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.update(_leaves(command, (*prefix, name)))
        else:
            found[(*prefix, name)] = command
    return found


COMMANDS = _leaves(typer.main.get_command(app))
ROW = re.compile(r"^│ (--[\w-]+)")  # an option's first line in a panel; its help's next lines are indented
PANEL = re.compile(r"^╭─ (.+?) ─")


def _help(words: tuple[str, ...], columns: int) -> str:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": str(columns), "TERMINAL_WIDTH": None})
    assert result.exit_code == 0, result.output
    return result.output


def _panels(text: str) -> dict[str, list[str]]:
    """The options listed in each panel of a --help, by the panel's title."""
    panels: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        title = PANEL.match(line)
        if title:
            current = panels.setdefault(title.group(1), [])
        elif current is not None and (row := ROW.match(line)):
            current.append(row.group(1))
    return panels


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("words", sorted(COMMANDS), ids=" ".join)
def test_no_flag_name_is_cut(words, columns):
    """At 80 columns a single panel cut `--summary-no-repeat-ngram-size` to `--summary-no-repeat-ngram…`."""
    text = _help(words, columns)
    assert "…" not in text, f"{' '.join(words)} --help at {columns} columns cuts something"
    for param in COMMANDS[words].params:
        if getattr(param, "hidden", False):
            continue
        for spelling in (o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")):
            assert re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", text), (
                f"{' '.join(words)} --help at {columns} columns doesn't show {spelling} whole"
            )


@pytest.mark.parametrize("name", ["translate", "digest", "serve"])
def test_run_commands_list_their_flags_in_panels(name):
    panels = _panels(_help((name,), 100))
    groups = (TRANSLATION, SUMMARY, CACHE, QUALITY, RUNTIME, UI) + ((INPUT, OUTPUT) if name != "serve" else ())
    for title in ("Inputs", "Summary", "Translation", "Output", "Runtime", "Quality"):
        assert title in panels, f"{name} --help has no {title} panel: {sorted(panels)}"
    for flag in (f for group in groups for f in group):
        assert flag.panel in PANELS and flag.spelling in panels[flag.panel], f"{flag.spelling} not in {flag.panel}"
    assert [t for t in panels if t in PANELS] == [t for t in PANELS if t in panels], "panels out of order"
    assert panels["Options"] == ["--help"], "every flag of a run command belongs to a panel"
    longest = max(len(flags) for flags in panels.values())
    assert longest <= 16, f"{name} --help: a panel of {longest} options"


@pytest.mark.parametrize("name", ["summarize", "translate", "digest", "evaluate", "check"])
def test_run_commands_end_with_examples_that_use_their_own_flags(name):
    text = _help((name,), 200)
    examples = [line.strip() for line in text.split("Examples:", 1)[-1].splitlines() if line.strip()]
    assert "Examples:" in text and examples, f"{name} --help has no examples"
    spellings = {o for p in COMMANDS[(name,)].params for o in getattr(p, "opts", ())}
    for example in examples:
        assert example.startswith(f"summarizer {name} "), example
        for flag in re.findall(r"(?<![\w-])--[\w-]+", example):
            assert flag in spellings, f"{name} --help example uses {flag}, which {name} doesn't take"
