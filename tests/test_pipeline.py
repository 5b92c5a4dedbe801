"""`Pipeline` in-process on the tiny stand-ins: one Digest or Failure per input, a bad input failing alone,
the tally, sentence ids carried 1:1 into translations, a warm re-run served by the cache without loading a
model, and articles already in a target language left untranslated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from summarizer import Pipeline, resolve_job
from summarizer.cache import Cache
from summarizer.config.flags import RunOptions
from summarizer.models.backends import registry
from summarizer.pipeline import Callbacks, Failure
from summarizer.results import Digest

# Short texts, one model call each; the stand-ins' outputs are noise, so only their shape is checked.
FAST = dict(
    num_beams=1, max_new_tokens=5, summary_num_beams=1, summary_max_new_tokens=12, no_retry=True, source_lang="en"
)
TEXTS = {
    "council.txt": "The council met on Monday. It approved the budget for schools.\n\nRoads will be repaired in spring.",
    "rain.txt": "Heavy rain fell in Baku on Sunday. Several streets were flooded.",
}


def write_articles(folder: Path, **extra: str | bytes) -> list[str]:
    """The short articles of TEXTS, plus `extra` (name -> text or bytes), in that order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in {**TEXTS, **extra}.items():
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        paths.append(str(path))
    return paths


def settings(tmp_path, inputs, marian, bart, targets=("ru", "ar"), **flags):
    options = RunOptions.of(
        inputs,
        to=list(targets),
        models={lang: str(marian) for lang in targets},
        summary_model=str(bart),
        cache_dir=tmp_path / "cache",
        **{**FAST, **flags},
    )
    return resolve_job(None, options)


def test_each_input_gives_a_digest_or_a_failure_and_a_bad_one_fails_alone(tmp_path, marian, bart):
    council, rain, empty, binary = write_articles(tmp_path / "in", **{"empty.txt": "", "blob.txt": b"\x00\x00\x01bin"})
    inputs = [council, empty, rain, binary]
    pipeline = Pipeline(settings(tmp_path, inputs, marian, bart))
    done: list[Digest | Failure] = []
    totals: list[int] = []
    results = list(pipeline.run(callbacks=Callbacks(article_done=done.append, articles_total=totals.append)))

    assert [type(r) for r in results] == [Digest, Failure, Digest, Failure]  # input order
    assert done == results and totals == [4]
    assert [Path(r.article.source).name for r in results if isinstance(r, Digest)] == ["council.txt", "rain.txt"]
    failed_empty, failed_binary = results[1], results[3]
    assert Path(failed_empty.source).name == "empty.txt" and "empty" in failed_empty.error
    assert Path(failed_binary.source).name == "blob.txt" and "binary" in failed_binary.error
    stats = pipeline.stats
    assert (stats.done, stats.failed) == (2, 2)
    assert stats.summaries == 2 and stats.summaries_from_cache == 0
    assert stats.translated > 0 and stats.from_cache == 0
    assert stats.stand_in is True
    for digest in results[0], results[2]:
        assert digest.summary is not None and digest.summary.text.strip()
        assert [lang.target for lang in digest.languages] == ["ru", "ar"]
        assert digest.stand_in


def test_sentence_ids_are_carried_one_to_one_into_every_translation(tmp_path, marian, bart):
    inputs = write_articles(tmp_path / "in")
    pipeline = Pipeline(settings(tmp_path, inputs, marian, bart, what="both"))
    digests = list(pipeline.run())
    assert len(digests) == 2 and all(isinstance(d, Digest) for d in digests)
    article_ids: set[str] = set()
    for digest in digests:
        sentences = digest.article.sentences
        assert len(sentences) >= 2 and len({s.id for s in sentences}) == len(sentences)
        assert not article_ids & {s.id for s in sentences}  # ids are unique across the job's articles
        article_ids |= {s.id for s in sentences}
        assert digest.summary_sentences
        for lang in digest.languages:
            for part, source in (("summary", digest.summary_sentences), ("full", sentences)):
                translated = getattr(lang, part)
                assert translated is not None, (lang.target, part)
                assert [t.source_id for t in translated.translations] == [s.id for s in source]
                assert [t.source for t in translated.translations] == [s.text for s in source]


def test_a_second_run_over_the_same_cache_loads_no_model(tmp_path, marian, bart, monkeypatch):
    inputs = write_articles(tmp_path / "in")
    job = settings(tmp_path, inputs, marian, bart)
    cold = Pipeline(job)
    first = list(cold.run())
    assert cold.stats.translated > 0 and cold.stats.summaries == 2

    def no_loading(*args, **kwargs):
        raise AssertionError("a model was loaded on a fully cached run")

    monkeypatch.setattr(registry, "get_backend", no_loading)
    warm = Pipeline(job)
    second = list(warm.run())
    stats = warm.stats
    assert (stats.done, stats.failed) == (2, 0)
    assert stats.translated == 0 and stats.from_cache == cold.stats.translated
    assert stats.summaries == stats.summaries_from_cache == 2
    assert all(not t.handle.loaded for t in warm._translators.values())
    for a, b in zip(first, second, strict=True):
        assert b.summary.cached and b.summary.text == a.summary.text
        for lang_a, lang_b in zip(a.languages, b.languages, strict=True):
            assert all(t.cached for t in lang_b.summary.translations)
            assert [t.text for t in lang_b.summary.translations] == [t.text for t in lang_a.summary.translations]
    last = Cache(job.cache.dir).stats().last_job
    assert last is not None and last.misses == 0 and last.hits > 0


def test_an_article_in_a_target_language_is_not_translated_into_it(tmp_path, marian, bart, caplog):
    inputs = write_articles(tmp_path / "in")
    pipeline = Pipeline(settings(tmp_path, inputs, marian, bart, targets=("en", "ru"), no_summary=True))
    with caplog.at_level(logging.WARNING, logger="summarizer.pipeline"):
        digests = list(pipeline.run())
    assert len(digests) == 2
    for digest in digests:
        assert digest.article.lang == "en"
        assert [lang.target for lang in digest.languages] == ["ru"]
        (ru,) = digest.languages
        assert ru.summary is None and len(ru.full.translations) == len(digest.article.sentences)
    assert sorted(pipeline._translators) == [("en", "ru")]  # no translator was made for en -> en
    said = [r.getMessage() for r in caplog.records if "not translated" in r.getMessage()]
    assert said == ["en articles are not translated into en: it is their own language"]  # once per job


@pytest.mark.parametrize("method", ["lead", "extractive"])
def test_an_extractive_summary_keeps_the_articles_own_sentence_ids(tmp_path, marian, bart, method):
    inputs = write_articles(tmp_path / "in")
    pipeline = Pipeline(settings(tmp_path, inputs[:1], marian, bart, targets=("ru",), method=method, sentences=2))
    (digest,) = list(pipeline.run())
    chosen = digest.summary_sentences
    assert len(chosen) == 2
    by_id = {s.id: s.text for s in digest.article.sentences}
    assert all(by_id[s.id] == s.text for s in chosen)  # the article's own sentences, ids and all
    if method == "lead":
        assert [s.id for s in chosen] == [s.id for s in digest.article.sentences[:2]]
    (ru,) = digest.languages
    assert [t.source_id for t in ru.summary.translations] == [s.id for s in chosen]
