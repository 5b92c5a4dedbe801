"""What a newcomer meets first (issue 31 point 11): `make install` says what it installs as it goes, and
the README says how to put `summarizer` on PATH and how long `make test` takes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT


@pytest.mark.skipif(not shutil.which("make"), reason="no make here")
def test_make_install_says_what_each_step_installs_before_pip_runs_quietly():
    # -n prints the recipe without running it, -B as on a fresh clone (no .venv/.installed yet).
    # Run by `make test`, this is a sub-make: without the parent's MAKEFLAGS/MAKELEVEL it prints no
    # "Entering directory" lines around the recipe.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    proc = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "install"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    pips = [i for i, line in enumerate(lines) if " -m pip install -q " in line]
    assert len(pips) == 2, lines
    said = [lines[i - 1] for i in pips]
    assert all(line.startswith("echo ") for line in said), said
    assert "torch" in said[0] and all(
        extra in said[1] for extra in ("dev", "ctranslate2", "embeddings", "ray", "serve")
    )
    assert lines[0].startswith("echo ") and ".venv" in lines[0], "the first line says what comes"
    assert "activate" in lines[-1], "the last line says how to put summarizer on PATH"


def _section(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {heading}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def test_the_readme_says_how_to_get_summarizer_on_path_and_how_long_make_test_takes():
    assert ". .venv/bin/activate" in _section("Install")
    commands = _section("The two commands")
    assert ". .venv/bin/activate" in commands
    assert re.search(r"`make test`.*?about \d+ minutes on \d+ cores", commands, flags=re.S)
