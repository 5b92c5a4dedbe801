"""The docs' recipes run as a user copies them: the Python script in docs/api.md, with the default model ids
answered by stand-ins placed in a Hugging Face cache (the real offline loading path), not rewritten."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from test_docs import _fences

from conftest import ROOT, SEED

API_PAGE = ROOT / "docs" / "api.md"
COMMIT = "0" * 39 + "1"


def _place(hub: Path, model_id: str, folder: Path) -> None:
    """`folder` as the Hugging Face cache holds a downloaded `model_id`: models--org--name/{refs/main, snapshots}."""
    repo = hub / ("models--" + model_id.replace("/", "--"))
    shutil.copytree(folder, repo / "snapshots" / COMMIT)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT, encoding="utf-8")


@pytest.fixture(scope="session")
def stand_in_hub(tmp_path_factory) -> Path:
    """A Hugging Face cache in which every default model id (summary and each target) is a tiny stand-in
    (each carries its stand-in marker, so every output says it is noise)."""
    from summarizer.languages import LANGUAGES
    from summarizer.models.standin.build import build_stand_in
    from summarizer.options import DEFAULT_SUMMARY_MODEL

    root = tmp_path_factory.mktemp("stand-in-hub")
    hub = root / "hub"
    _place(hub, DEFAULT_SUMMARY_MODEL, build_stand_in("bart", "tiny", root / "bart"))
    _place(hub, "t5-small", build_stand_in("t5", "tiny", root / "t5"))  # the docs' example of a T5 id
    for lang in ("ru", "ar", "az"):
        model_id = LANGUAGES[lang].model
        kind = "nllb" if "nllb" in model_id else "marian"
        _place(hub, model_id, build_stand_in(kind, "tiny", root / lang, target_lang=lang))
    return hub


@pytest.fixture
def hub_of_stand_ins(stand_in_hub, monkeypatch) -> Path:
    """This test's Hugging Face cache is `stand_in_hub` (huggingface_hub reads the folder at import, so both)."""
    from huggingface_hub import constants

    from summarizer.models import hub as models

    monkeypatch.setenv("HF_HUB_CACHE", str(stand_in_hub))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(stand_in_hub))
    monkeypatch.setattr(models, "_resolved", {})  # resolutions are kept per process
    return stand_in_hub


def _python_blocks(page: Path) -> list[str]:
    return [textwrap.dedent("\n".join(f.lines)) for f in _fences(page) if f.lang == "python"]


@pytest.mark.slow
def test_the_api_script_in_docs_api_runs_as_written(hub_of_stand_ins, tmp_path, capsys):
    """docs/api.md's first block, line for line, on the names it leaves to the reader (`text`, `texts`,
    `text1`, `text2`) and the files it names (configs/seed.toml, news/a.txt) in the working folder."""
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text(
        "The council met on Monday. It approved a budget of 12 million manat for new schools.\n", encoding="utf-8"
    )
    script = _python_blocks(API_PAGE)[0]
    seed = SEED.read_text(encoding="utf-8")
    names = {"text": seed, "texts": [seed], "text1": seed, "text2": "A short second article. It has two sentences."}
    exec(compile(script, str(API_PAGE), "exec"), names)  # the page's own code, as a reader runs it

    s, e, ts, report = names["s"], names["e"], names["ts"], names["report"]
    assert s.text and s.model.revision == COMMIT, "the summary came from the id, through the Hugging Face cache"
    flat = " ".join(seed.split())
    assert len(e[0].source_ids) == 3 and e[0].text.split(". ")[0] in flat, "three of the article's own sentences"
    assert len(names["many"]) == 2
    assert ts.target_token == ">>ara<<" and len(ts.translations) == 2
    assert isinstance(names["html"], str) and "stand-in" in names["html"].lower()
    assert report.written and not report.failures, report.describe()
    assert (tmp_path / "digests").is_dir()


@pytest.mark.slow
def test_the_workers_snippet_in_docs_api_runs_as_written(hub_of_stand_ins, tmp_path, marian):
    """docs/api.md's second block: Summarizer and Translator built from their settings, on CTranslate2,
    with `./my-marian` a stand-in folder in the working folder."""
    shutil.copytree(marian, tmp_path / "my-marian")
    script = _python_blocks(API_PAGE)[1]
    names = {"texts": [SEED.read_text(encoding="utf-8"), "A short second article. It has two sentences."]}
    exec(compile(script, str(API_PAGE), "exec"), names)  # the page's own code, as a reader runs it
    summaries = names["summaries"].summarize_each(names["texts"])
    assert len(summaries) == 2 and all(s.text and s.model.revision == COMMIT for s in summaries)
    result = names["ru"].translate(["First sentence.", "Second one."])
    assert len(result.translations) == 2 and result.model.backend.startswith("ctranslate2")
