"""Summarization: never truncate; chunk long articles on sentence boundaries and map-reduce."""

from __future__ import annotations

import pytest

from summarizer import summarize
from summarizer.cache import Cache
from summarizer.inputs.reading import read_article
from summarizer.options import SummaryOptions, WorkerOptions
from summarizer.tasks.abstractive import clean_output, model_prefix
from summarizer.tasks.long_inputs import plan_chunks
from summarizer.tasks.summarizing import Summarizer

from conftest import NEWS_JSONL, SEED

SHORT = dict(max_new_tokens=12, num_beams=1)


def _spy_backend(monkeypatch, summarizer):
    calls = []
    backend = summarizer.handle.backend
    real = backend.generate

    def spy(texts, params, **kw):
        calls.append(list(texts))
        return real(texts, params, **kw)

    monkeypatch.setattr(backend, "generate", spy)
    return calls


@pytest.mark.parametrize("kind", ["bart", "t5"])
def test_short_text_is_one_pass(kind, request):
    path = request.getfixturevalue(kind)
    result = summarize(
        "The warning begins at 22:00 GMT on Saturday. It ends at 10:00 on Sunday.", model=str(path), **SHORT
    )
    assert not result.chunked and result.chunks == 1
    assert result.input_tokens <= result.max_input_tokens
    assert result.model.stand_in
    assert result.text


def test_long_article_is_chunked_and_no_sentence_dropped(bart, monkeypatch):
    article = read_article(str(SEED))
    summarizer = Summarizer(SummaryOptions(model=str(bart), params=SHORT, max_input_tokens=200))
    calls = _spy_backend(monkeypatch, summarizer)
    result = summarizer.summarize(article)
    assert result.chunked and result.chunks > 1 and result.rounds >= 2
    assert result.input_tokens > 200
    assert "exceeds the model limit of 200" in result.warnings[0]
    # The first round's inputs hold every word of the article exactly once (long sentences
    # may be split between chunks, and chunks run longest first).
    first_round_words = sorted(" ".join(calls[0]).split())
    assert first_round_words == sorted(" ".join(s.text for s in article.sentences).split())
    counts = summarizer.handle.backend.count_tokens(calls[0])
    assert max(counts) <= 200


def test_t5_gets_its_prefix(t5, monkeypatch):
    summarizer = Summarizer(SummaryOptions(model=str(t5), params=SHORT))
    calls = _spy_backend(monkeypatch, summarizer)
    summarizer.summarize("Azerbaijan has been a NAM chair since 2019. Baku led the movement.")
    assert calls[0][0].startswith("summarize: Azerbaijan")
    assert model_prefix("bart") == ""


def test_pegasus_newline_token():
    assert clean_output("First line.<n>Second line.", "pegasus") == "First line.\nSecond line."


def test_plan_chunks_keeps_every_sentence_in_order():
    sentences = [f"Sentence number {i} has some words." for i in range(50)]

    def count(texts):
        return [len(t.split()) + 2 for t in texts]

    chunks = plan_chunks(sentences, count, limit=30)
    assert [s for c in chunks for s in c] == sentences
    assert all(count([" ".join(c)])[0] <= 30 for c in chunks)


def test_plan_chunks_splits_a_sentence_longer_than_the_limit():
    giant = " ".join(f"w{i}" for i in range(100))

    def count(texts):
        return [len(t.split()) + 2 for t in texts]

    chunks = plan_chunks(["Short.", giant, "End."], count, limit=20)
    words = " ".join(s for c in chunks for s in c).split()
    assert words == ["Short."] + giant.split() + ["End."]
    assert all(count([" ".join(c)])[0] <= 20 for c in chunks)


def test_summary_cache_hit_and_miss(bart, tmp_path):
    cache = Cache(tmp_path / "c")
    text = read_article(str(SEED)).text
    first = summarize(text, model=str(bart), cache=cache, **SHORT)
    again = summarize(text, model=str(bart), cache=cache, **SHORT)
    assert not first.cached and again.cached and again.text == first.text
    other = summarize(text, model=str(bart), cache=cache, max_new_tokens=13, num_beams=1)
    assert not other.cached


def test_list_in_list_out(bart):
    results = summarize(["First text. It is short.", "Second text here."], model=str(bart), **SHORT)
    assert isinstance(results, list) and len(results) == 2


def _cnndm_articles(count: int) -> list[str]:
    import json

    lines = NEWS_JSONL.read_text(encoding="utf-8")  # our own articles in CNN/DailyMail's form
    return [json.loads(line)["article"] for line in lines.splitlines()[:count]]


def test_articles_are_batched_together_round_by_round(bart, monkeypatch):
    """Five CNN/DailyMail articles over a 300-token limit and one short text: each round of all of them is one call
    (not one call per article), and every summary is the one the article gets on its own."""
    from summarizer.options import RuntimeOptions

    articles = [*_cnndm_articles(5), "The summit opened in Baku on Thursday. Leaders of many countries came."]
    alone = Summarizer(SummaryOptions(model=str(bart), params=SHORT, max_input_tokens=300))
    one_by_one = [alone.summarize(a) for a in articles]
    # A batch size above the round's input count, so that each round is one backend call.
    together = Summarizer(
        SummaryOptions(model=str(bart), params=SHORT, max_input_tokens=300),
        WorkerOptions(runtime=RuntimeOptions(batch_size=64)),
    )
    calls = _spy_backend(monkeypatch, together)
    batched = together.summarize_each(articles)
    assert [s.text for s in batched] == [s.text for s in one_by_one]
    assert [(s.chunks, s.rounds) for s in batched] == [(s.chunks, s.rounds) for s in one_by_one]
    rounds = max(s.rounds for s in one_by_one)
    assert any(s.chunked for s in one_by_one) and any(not s.chunked for s in one_by_one)
    assert len(calls) == rounds, "one generate() call per round, every article's inputs in it"
    assert len(calls[0]) == sum(s.chunks for s in one_by_one)


def test_an_article_that_fails_in_a_batch_fails_alone(bart, monkeypatch):
    from summarizer.errors import GenerationError

    articles = _cnndm_articles(3)
    summarizer = Summarizer(SummaryOptions(model=str(bart), params=SHORT))
    backend = summarizer.handle.backend
    real = backend.generate
    opening = articles[1][:40]  # the article is chunked: its first chunk starts with this

    def failing(texts, params, **kw):
        if any(opening in t for t in texts):
            raise GenerationError("the model failed on this input")
        return real(texts, params, **kw)

    monkeypatch.setattr(backend, "generate", failing)
    results = summarizer.summarize_each(articles)
    assert isinstance(results[1], GenerationError)
    assert results[0].text and results[2].text


def test_a_summary_model_rebuilt_from_its_factory_is_the_same_without_the_drivers_state(bart, tmp_path):
    """What a Ray actor builds: the same model and settings from one pickled settings value, with a cache
    that only records the chunk summaries it writes (for the driver), and no refresh."""
    import json
    import pickle
    from dataclasses import asdict

    from summarizer.cache import RecordingCache

    section = SummaryOptions(model=str(bart), params=SHORT, max_input_tokens=200)
    summarizer = Summarizer(section, WorkerOptions(refresh=True), cache=Cache(tmp_path / "c"))
    twin = pickle.loads(pickle.dumps(summarizer.model.factory))()
    assert isinstance(twin.cache, RecordingCache) and not twin.worker.refresh
    assert (twin.summary, twin.model_info) == (summarizer.model.summary, summarizer.model.model_info)
    article = read_article(str(SEED))  # over 200 tokens: map-reduced, so chunk entries are recorded
    payload = json.dumps({"lang": "en", "sentences": [asdict(s) for s in article.sentences]})
    [remote] = twin.remote_compute([payload])
    assert remote["value"]["chunked"] and remote["entries"], remote
    assert {e["task"] for e in remote["entries"]} == {"summarize-chunk"}
    local = summarizer.summarize(article)
    assert remote["value"]["text"] == local.text and remote["value"]["chunks"] == local.chunks


def test_rounds_batch_every_articles_inputs_per_language_and_isolate_a_failing_article():
    """`in_rounds` on plain generators: one call per (round, language), each article gets its own outputs
    back, and an article whose input fails alone gets the error while the others finish."""
    from summarizer.errors import GenerationError
    from summarizer.models.backends import Generated
    from summarizer.tasks.rounds import in_rounds

    def article(name, rounds):
        got = []
        for r in range(rounds):
            outputs = yield [f"{name}.{r}.a", f"{name}.{r}.b"]
            got += [o.text for o in outputs]
        return got

    calls = []

    def generate(texts, lang):
        calls.append((lang, list(texts)))
        if any(t.startswith("bad.") for t in texts):
            raise GenerationError("this input can't be generated")
        return [Generated(text=t.upper(), new_tokens=1, finished=True) for t in texts]

    steps = [article("x", 2), article("y", 1), article("bad", 1), article("z", 1)]
    results = in_rounds(steps, ["en", "en", "en", "ru"], generate)
    assert results[0] == ["X.0.A", "X.0.B", "X.1.A", "X.1.B"]
    assert results[1] == ["Y.0.A", "Y.0.B"] and results[3] == ["Z.0.A", "Z.0.B"]
    assert isinstance(results[2], GenerationError)
    first_round = [c for c in calls if "x.0.a" in c[1]]
    assert first_round[0] == ("en", ["x.0.a", "x.0.b", "y.0.a", "y.0.b", "bad.0.a", "bad.0.b"])  # one call
    assert ("ru", ["z.0.a", "z.0.b"]) in calls


def test_make_summarizer_gives_what_the_summary_section_asks_for(bart):
    from summarizer.tasks.extractive import ExtractiveSummarizer
    from summarizer.tasks.summarizing import PerLanguage, make_summarizer

    worker = WorkerOptions()
    abstractive = make_summarizer(SummaryOptions(model=str(bart), params=SHORT), worker, lang="en")
    assert isinstance(abstractive, Summarizer) and abstractive.languages is None  # a local folder: every language
    lead = make_summarizer(SummaryOptions(method="lead", sentences=2), worker, lang="en")
    assert isinstance(lead, ExtractiveSummarizer) and lead.k == 2
    per_language = make_summarizer(SummaryOptions(method="lead"), worker, lang="auto")
    assert isinstance(per_language, PerLanguage)
    assert per_language.summarize("One sentence here, long enough to count. Another one follows it.").method == "lead"
