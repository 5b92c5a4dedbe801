"""`import summarizer` and `summarizer --help` must stay light: no torch, no transformers."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


@pytest.mark.slow
def test_import_does_not_import_torch():
    mods = _modules_after("import summarizer")
    assert "torch" not in mods and "transformers" not in mods


@pytest.mark.slow
def test_api_attributes_do_not_import_torch():
    mods = _modules_after(
        "import summarizer; summarizer.summarize; summarizer.translate; summarizer.Pipeline; summarizer.Digest"
    )
    assert "torch" not in mods and "transformers" not in mods


@pytest.mark.slow
def test_help_does_not_import_torch():
    code = "import sys; sys.argv=['summarizer','--help']\nfrom summarizer.cli.app import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    mods = _modules_after(code)
    assert "torch" not in mods and "transformers" not in mods


def test_public_api_names_resolve():
    import summarizer

    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None
    assert callable(summarizer.summarize) and callable(summarizer.translate)
