"""The docs' recipes run as a user copies them: the Python script in docs/api.md, with the default model ids
answered by stand-ins placed in a Hugging Face cache (the real offline loading path), not rewritten."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shlex
import shutil
import textwrap
import threading
from collections.abc import Iterator
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
    # the docs' example of a model picked by name instead of the default
    _place(hub, "Helsinki-NLP/opus-mt-en-trk", build_stand_in("marian", "tiny", root / "trk", target_lang="az"))
    _place(hub, "Helsinki-NLP/opus-mt-ru-ar", build_stand_in("marian", "tiny", root / "ru-ar", target_lang="ar"))
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


# ---- every `summarizer ...` line of the docs' example blocks, as written ------------------------------

# Lines that can't run in a test as they stand (a line, or a line and what follows it), each with why;
# everything else on the pages below runs.
NOT_RUN = {
    "summarizer models pull ru ar org/some-model": "org/some-model is a placeholder id",
    "summarizer models pull": "a download from the Hub (the offline form, with --config, runs)",
    "summarizer --install-completion": "changes the user's shell start-up files",
    "summarizer serve --to ru,ar": "a server that runs until stopped (tests/test_server_compat.py starts this very line)",
    "summarizer digest --config daily.toml": "a feed job (tests/test_feeds.py runs the cron line on a local feed)",
    "summarizer cache clear --model M --older-than DAYS --all --yes": "a usage line of alternatives (cache.md's runs)",
}
EXAMPLE_PAGES = [ROOT / "README.md", ROOT / "docs" / "cli.md", ROOT / "docs" / "cache.md", ROOT / "docs" / "offline.md"]
ARTICLE = (
    "The council of Ganja met on Monday, 4 December 2023. It approved a budget of 12 million manat.\n\n"
    "Work on the new bridge starts in March. The mayor said 300 people would be hired.\n"
)


def _example_lines() -> list:
    from test_docs import command_lines

    return [
        cl
        for cl in command_lines(EXAMPLE_PAGES)
        if not any(f"summarizer {shlex.join(cl.words)} ".startswith(f"{line} ") for line in NOT_RUN)
    ]


def _workspace(root: Path) -> None:
    """The files the examples name, in the working folder (articles, news/, a saved page, references)."""
    shutil.copytree(ROOT / "configs", root / "configs")
    (root / "seeds").mkdir()
    shutil.copy(SEED, root / "seeds")
    (root / "news").mkdir()
    for name in ("article.txt", "news/a.txt", "news/b.txt"):
        (root / name).write_text(ARTICLE.replace("Ganja", name.split("/")[-1][0].upper() + "aku"), encoding="utf-8")
    (root / "note.md").write_text("---\ntitle: A note\n---\n\n" + ARTICLE, encoding="utf-8")
    page = f"<html><head><title>Baku summit</title></head><body><article><h1>Baku summit</h1><p>{ARTICLE}</p></article></body></html>"
    (root / "saved-page.html").write_text(page, encoding="utf-8")
    (root / "news" / "baku-summit.html").write_text(page, encoding="utf-8")
    (root / "wire.jsonl").write_text(json.dumps({"id": "w1", "text": ARTICLE}) + "\n", encoding="utf-8")
    (root / "old-russian-page.txt").write_bytes("Совет собрался в понедельник. Он одобрил бюджет.\n".encode("cp1251"))
    (root / "novosti.txt").write_text(
        "Совет собрался в понедельник. Он одобрил бюджет в 12 миллионов.\n", encoding="utf-8"
    )
    (root / "terms.csv").write_text("en,ru,az\ncouncil,совет,şura\n", encoding="utf-8")
    (root / "en.txt").write_text("The council met on Monday.\nIt approved 12 million.\n", encoding="utf-8")
    for lang in ("ru", "ar", "az"):
        (root / f"ref.{lang}.txt").write_text("Совет собрался.\nОн одобрил 12 миллионов.\n", encoding="utf-8")
        (root / f"out.{lang}.txt").write_text("Совет собрался.\nОн одобрил 12 миллионов.\n", encoding="utf-8")
    (root / "test.jsonl").write_text(
        json.dumps(
            {"article": ARTICLE, "reference": "The council approved a budget.", "pointer_gen_coverage": "A budget."}
        )
        + "\n",
        encoding="utf-8",
    )
    (root / "job.toml").write_text('inputs = ["news/*.txt"]\ntargets = ["ru"]\n', encoding="utf-8")


@contextlib.contextmanager
def _serving(folder: Path) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 (a free port) serving `folder`: the example.org of the examples."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(_example_lines())), ids=lambda i: _example_lines()[i].where())
def test_every_example_line_of_the_docs_runs_as_written(index, hub_of_stand_ins, tmp_path, monkeypatch, marian, bart):
    from typer.testing import CliRunner

    from summarizer.cli import app

    cl = _example_lines()[index]
    _workspace(tmp_path)
    with _serving(tmp_path) as port:
        shutil.copytree(marian, tmp_path / "standin-marian")
        shutil.copytree(marian, tmp_path / "my-marian")
        shutil.copytree(bart, tmp_path / "my-bart")
        words = [w.replace("https://example.org", f"http://127.0.0.1:{port}") for w in cl.words]
        stdin = ARTICLE if "-" in words else None
        result = CliRunner().invoke(app, words, input=stdin)
    shown = f"{cl.where()}: summarizer {shlex.join(cl.words)}\n{result.output}"
    expected = 1 if words[0] == "check" and "--exit-zero" not in words else 0  # check exits 1 on a flagged line
    assert result.exit_code in {0, expected}, shown
