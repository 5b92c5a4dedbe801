"""Digests made by the real pipeline (stand-in models) through `summarizer digest`, checked as files
and in a real browser."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from summarizer import Pipeline, RunOptions, resolve_job
from summarizer.cli.app import app
from summarizer.output.render import digest_from_json, render_html, render_json, render_markdown

from conftest import CORPUS, SEED
from test_browser import XSS, check_digest_in_browser

FAST = ["--num-beams", "1", "--max-new-tokens", "6", "--summary-num-beams", "1", "--summary-max-new-tokens", "24"]


def _digest_cli(tmp_path, marian, bart, *paths, what="summary"):
    args = [
        "digest",
        *map(str, paths),
        "--to",
        "az,ru,ar",
        "--summary-model",
        str(bart),
        "--what",
        what,
        "--out",
        str(tmp_path / "out"),
    ]
    for lang in ("az", "ru", "ar"):
        args += ["--model", f"{lang}={marian}"]
    return CliRunner().invoke(app, args + FAST)


@pytest.mark.browser
@pytest.mark.slow
def test_seed_digest_from_the_pipeline_in_chromium(tmp_path, marian, bart):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(f"Breaking {XSS} headline\n\nOfficials said {XSS} nothing. The vote is on Friday.")
    result = _digest_cli(tmp_path, marian, bart, SEED, hostile, what="both")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    for stem in ("baku-non-aligned-movement-2023", "hostile"):
        data = json.loads((out / f"{stem}.json").read_text())
        rows = {lang["target"]: len(lang["summary"]["translations"]) for lang in data["languages"]}
        assert rows == {lang: len(data["summary_sentences"]) for lang in ("az", "ru", "ar")}
        (tmp_path / stem).mkdir()
        seen = check_digest_in_browser(out / f"{stem}.html", rows, tmp_path / stem)
        assert "STAND-IN" in seen["title"]
    assert XSS in seen["text"]  # the hostile article's script shows as text, and did not run
    index = (out / "index.html").read_text()
    assert "baku-non-aligned-movement-2023.html" in index and "hostile.html" in index


def test_same_file_name_in_two_folders_gives_two_digests(tmp_path, marian, bart):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "news.txt").write_text(f"Story from folder {folder}. It rained in Baku.")
    result = _digest_cli(tmp_path, marian, bart, tmp_path / "a" / "news.txt", tmp_path / "b" / "news.txt")
    assert result.exit_code == 0, result.output
    jsons = sorted(p for p in (tmp_path / "out").glob("news*.json"))
    assert len(jsons) == 2
    sources = {json.loads(p.read_text())["article"]["source"] for p in jsons}
    assert sources == {"a/news.txt", "b/news.txt"}  # named relative to the working folder, never absolutely
    # Stable: the same inputs give the same names again.
    again = _digest_cli(tmp_path, marian, bart, tmp_path / "a" / "news.txt", tmp_path / "b" / "news.txt")
    assert again.exit_code == 0
    assert sorted(p for p in (tmp_path / "out").glob("news*.json")) == jsons


def test_pipeline_digest_round_trips_through_json(marian, bart):
    flags = RunOptions.of(
        inputs=[str(CORPUS / "xsum-wales-ice.txt")],
        to=["ar"],
        models={"ar": str(marian)},
        summary_model=str(bart),
        what="both",
        no_cache=True,
        num_beams=1,
        max_new_tokens=5,
        summary_num_beams=1,
        summary_max_new_tokens=12,
    )
    settings = resolve_job(None, flags)
    (digest,) = list(Pipeline(settings).run())
    assert digest_from_json(render_json(digest)) == digest
    html = render_html(digest)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "| The warning begins at 22:00 GMT on Saturday and ends at 10:00 on Sunday. |" in render_markdown(digest)
