"""The source language (issue 11): `--from auto|CODE`, the registry of (source, target) pairs, one
translator per pair seen, and summaries in languages the summary model doesn't know.

Russian and Arabic inputs are real FLORES-200 devtest sentences (tests/data); the registry's pair
models are stand-ins placed in a Hugging Face cache folder under their real names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_model_defaults import _fake_hub_snapshot
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.languages import LANGUAGES, NLLB_600M, NLLB_CODES
from summarizer.models.catalogue import PAIR_MODELS, pair_model, summary_languages, target_spec
from summarizer.options import SummaryOptions

from conftest import FLORES_DIR as FLORES
from conftest import SEED, run_cli

FAST = ["--num-beams", "1", "--max-new-tokens", "5", "--no-checks"]
runner = CliRunner()
# Italian: a language the registry does not know, so no model covers a pair from it.
ITALIAN = (
    "Il governo ha presentato oggi un nuovo piano per la costruzione di scuole nelle regioni del sud. "
    "Secondo il ministro, i lavori cominceranno entro la fine dell'anno e dureranno tre anni. "
    "I sindacati degli insegnanti hanno accolto la notizia con prudenza."
)


def _flores(lang: str, path: Path, first: int = 0, count: int = 6) -> Path:
    lines = (FLORES / f"ref.{lang}.txt").read_text(encoding="utf-8").splitlines()[first : first + count]
    path.write_text(" ".join(lines) + "\n", encoding="utf-8")
    return path


def _hub(tmp_path: Path, model: Path, *names: str) -> Path:
    """A Hugging Face cache folder holding the stand-in `model` under each hub id in `names`."""
    files = {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()}
    for name in names:
        _fake_hub_snapshot(tmp_path / "hub", name, files)
    return tmp_path / "hub"


def _digests(stdout: bytes | str) -> dict[str, dict]:
    text = stdout.decode() if isinstance(stdout, bytes) else stdout
    return {d["article"]["source"]: d for d in map(json.loads, text.splitlines())}


def _models(digest: dict) -> dict[str, tuple[str, str]]:
    """target -> (model name, source language) of a digest's full-text translations."""
    return {x["target"]: (x["full"]["model"]["name"], x["full"]["source_lang"]) for x in digest["languages"]}


# ---- the registry of pairs --------------------------------------------------------------------------


def test_the_registry_picks_a_model_per_pair():
    # From English: today's defaults, unchanged.
    for code, lang in LANGUAGES.items():
        assert pair_model("en", code) == lang.model
    # A good Opus-MT model where one exists for the pair, else NLLB-200, which knows every registry language.
    assert pair_model("ru", "ar") == "Helsinki-NLP/opus-mt-ru-ar"
    assert pair_model("ar", "en") == "Helsinki-NLP/opus-mt-ar-en"
    assert pair_model("ru", "uk") == "Helsinki-NLP/opus-mt-ru-uk"
    assert pair_model("az", "ru") == NLLB_600M
    assert pair_model("ar", "az") == NLLB_600M
    # Nobody covers a language the registry doesn't know; a language into itself is not a pair.
    assert pair_model("it", "ru") is None and pair_model("ru", "it") is None
    assert pair_model("ru", "ru") is None


def test_every_pair_model_is_an_opus_mt_model_between_registry_languages():
    for (source, target), model in PAIR_MODELS.items():
        assert source in NLLB_CODES and target in NLLB_CODES and source != target
        if source != "en":
            assert model == f"Helsinki-NLP/opus-mt-{source}-{target}"


def test_nllb_gets_the_flores_code_of_the_source_language():
    spec = target_spec("ar", model_type="m2m_100", model_name=NLLB_600M, nllb=True, source_lang="ru")
    assert (spec.src_lang, spec.forced_bos) == ("rus_Cyrl", "arb_Arab")
    spec = target_spec("en", model_type="m2m_100", model_name=NLLB_600M, nllb=True, source_lang="az")
    assert (spec.src_lang, spec.forced_bos) == ("azj_Latn", "eng_Latn")


def test_only_english_summarizers_are_known_to_be_english_only():
    assert summary_languages("sshleifer/distilbart-cnn-12-6") == {"en"}
    assert summary_languages("facebook/bart-large-cnn") == {"en"}
    assert summary_languages("./my-multilingual-summarizer") is None  # unknown: trusted with every language


# ---- the job: --from and source_lang ----------------------------------------------------------------


def test_source_lang_is_auto_by_default_and_checked():
    from summarizer.config.flags import RunOptions
    from summarizer.config.merge import resolve_job
    from summarizer.errors import ConfigError

    assert resolve_job(None, RunOptions.of(to="ru")).source_lang == "auto"
    assert resolve_job(None, RunOptions.of(to="ru", source_lang="ar")).source_lang == "ar"
    with pytest.raises(ConfigError, match="--from: source_lang must be a language code"):
        resolve_job(None, RunOptions.of(to="ru", source_lang="r u"))


@pytest.mark.slow
def test_an_uncovered_pair_is_one_line_before_anything_runs(tmp_path):
    article = tmp_path / "notizia.txt"
    article.write_text(ITALIAN, encoding="utf-8")
    proc = run_cli("translate", str(article), "--from", "it", "--to", "ru", "--out", str(tmp_path / "out"), *FAST)
    lines = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 2
    assert lines == [
        "error: --from it: no model translates it into ru: unknown language 'it' (the registry knows ar, az, de, "
        "en, es, fa, fr, he, ka, ru, tr, uk, zh); give one with --model ru=MODEL"
    ]
    assert not (tmp_path / "out").exists()
    # The same in a job file.
    job = tmp_path / "job.toml"
    job.write_text('inputs = ["notizia.txt"]\nsource_lang = "it"\ntargets = ["ar"]\n', encoding="utf-8")
    proc = run_cli("translate", "--config", str(job))
    assert proc.returncode == 2
    assert f"{job}: source_lang = it: no model translates it into ar" in proc.stderr.decode()


@pytest.mark.slow
def test_ru_to_ar_job_runs_the_pair_model_from_the_registry(tmp_path, marian):
    hub = _hub(tmp_path, marian, "Helsinki-NLP/opus-mt-ru-ar")
    article = _flores("ru", tmp_path / "novosti.txt")
    proc = run_cli(
        "translate", str(article), "--from", "ru", "--to", "ar", "--format", "jsonl", *FAST, "--quiet",
        env={"HF_HUB_CACHE": str(hub)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    (digest,) = _digests(proc.stdout).values()
    assert digest["article"]["lang"] == "ru" and digest["article"]["lang_origin"] == "given"
    assert _models(digest) == {"ar": ("Helsinki-NLP/opus-mt-ru-ar", "ru")}


def test_ru_to_ar_job_on_a_model_mapped_in_the_config(tmp_path, marian):
    _flores("ru", tmp_path / "novosti.txt")
    job = tmp_path / "job.toml"
    job.write_text(
        f'inputs = ["novosti.txt"]\nsource_lang = "ru"\n[summary]\nenabled = false\n'
        f'[targets.ar]\nmodel = "{marian}"\nparams = {{num_beams = 1, max_new_tokens = 5}}\n'
        f'[output]\ndir = "out"\nformats = ["json"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["translate", "--config", str(job), "--no-checks", "--quiet"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "out").glob("novosti*.json")
    digest = json.loads(written.read_text(encoding="utf-8"))
    ((name, source),) = _models(digest).values()
    assert Path(name).name == marian.name and source == "ru"  # the folder the config named
    assert digest["languages"][0]["full"]["translations"][0]["source"].startswith(
        '"Теперь у нас есть'
    )  # FLORES, line 1


@pytest.mark.slow
def test_from_auto_detects_russian_and_arabic_and_each_goes_to_its_pair(tmp_path, marian):
    """One job, articles in three languages: each is detected, each goes to its pair's model, and an
    article already in a target language is not translated into it (which is said once)."""
    hub = _hub(
        tmp_path,
        marian,
        "Helsinki-NLP/opus-mt-ru-ar",
        "Helsinki-NLP/opus-mt-ar-ru",
        "Helsinki-NLP/opus-mt-en-ru",
        "Helsinki-NLP/opus-mt-tc-big-en-ar",
    )
    ru = [_flores("ru", tmp_path / "ru-1.txt"), _flores("ru", tmp_path / "ru-2.txt", first=20)]
    ar = _flores("ar", tmp_path / "ar-1.txt", first=40)
    proc = run_cli(
        "translate", *map(str, ru), str(ar), str(SEED), "--to", "ar,ru", "--format", "jsonl", *FAST,
        env={"HF_HUB_CACHE": str(hub)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    digests = _digests(proc.stdout)
    by_name = {Path(source).name: d for source, d in digests.items()}
    for name in ("ru-1.txt", "ru-2.txt"):
        article = by_name[name]["article"]
        assert (article["lang"], article["lang_origin"]) == ("ru", "detected")
        assert article["lang_probability"] > 0.9
        assert _models(by_name[name]) == {"ar": ("Helsinki-NLP/opus-mt-ru-ar", "ru")}
    assert by_name["ar-1.txt"]["article"]["lang"] == "ar"
    assert _models(by_name["ar-1.txt"]) == {"ru": ("Helsinki-NLP/opus-mt-ar-ru", "ar")}
    assert _models(by_name[SEED.name]) == {
        "ar": ("Helsinki-NLP/opus-mt-tc-big-en-ar", "en"),
        "ru": ("Helsinki-NLP/opus-mt-en-ru", "en"),
    }
    stderr = proc.stderr.decode()
    assert stderr.count("ru articles are not translated into ru: it is their own language") == 1
    assert stderr.count("ar articles are not translated into ar") == 1


def test_mixed_languages_batch_per_pair_in_one_job(tmp_path, marian, monkeypatch):
    """Translators are made per pair as articles arrive, and one call translates all of a pair's articles."""
    from summarizer import Pipeline
    from summarizer.tasks.translating import Translator

    calls: list[tuple[str, str, int]] = []
    translate = Translator.translate

    def counted(self, sentences, **kwargs):
        calls.append((self.source_lang, self.target, len(sentences)))
        return translate(self, sentences, **kwargs)

    monkeypatch.setattr(Translator, "translate", counted)
    paths = [
        _flores("ru", tmp_path / "a.txt"),
        _flores("ar", tmp_path / "b.txt", first=10),
        _flores("ru", tmp_path / "c.txt", first=30),
        _flores("ar", tmp_path / "d.txt", first=50),
    ]
    job = tmp_path / "job.toml"
    job.write_text(
        f'[summary]\nenabled = false\n[targets.az]\nmodel = "{marian}"\nparams = {{num_beams = 1, max_new_tokens = 4}}\n'
        "[quality]\nchecks = false\n",
        encoding="utf-8",
    )
    pipeline = Pipeline.from_config(job)
    assert pipeline.settings.source_lang == "auto"
    digests = list(pipeline.run([str(p) for p in paths]))
    assert [d.article.lang for d in digests] == ["ru", "ar", "ru", "ar"]
    # ("en", "az"): the model the job names, checked before any article was read; it translated nothing.
    assert sorted(pipeline._translators) == [("ar", "az"), ("en", "az"), ("ru", "az")]
    # One call per pair, each with both of its articles' sentences.
    per_pair = {(s, t): n for s, t, n in calls}
    assert len(calls) == 2
    for source in ("ru", "ar"):
        expected = sum(len(d.article.sentences) for d in digests if d.article.lang == source)
        assert per_pair[source, "az"] == expected
    for d in digests:
        (lang,) = d.languages
        assert lang.full.source_lang == d.article.lang


@pytest.mark.slow
def test_with_auto_an_article_no_model_covers_fails_alone(tmp_path, marian):
    """No --model: the registry's pair model translates the Russian article; the Italian one, a pair
    nobody covers, fails alone with one line, and the job goes on."""
    hub = _hub(tmp_path, marian, "Helsinki-NLP/opus-mt-ru-ar")
    italian = tmp_path / "notizia.txt"
    italian.write_text(ITALIAN, encoding="utf-8")
    russian = _flores("ru", tmp_path / "novosti.txt")
    proc = run_cli(
        "translate", str(italian), str(russian), "--to", "ar", "--out", str(tmp_path / "out"), "--format", "json",
        *FAST, env={"HF_HUB_CACHE": str(hub)},
    )  # fmt: skip
    assert proc.returncode == 1  # some articles failed, the rest finished
    errors = [line for line in proc.stderr.decode().splitlines() if line.startswith("error:")]
    (error,) = errors
    assert error.startswith("error: ") and error.split(": ", 2)[1].endswith("notizia.txt")  # the article, by name
    assert error.split(": ", 2)[2] == (
        "no model translates it into ar: unknown language 'it' (the registry knows ar, az, de, en, es, "
        "fa, fr, he, ka, ru, tr, uk, zh); give one with --model ar=MODEL"
    )
    assert [p.name for p in (tmp_path / "out").glob("*.json") if p.name != "index.json"] == ["novosti.json"]


# ---- the summary step -------------------------------------------------------------------------------


@pytest.mark.slow
def test_english_only_summarizer_falls_back_to_extractive_and_says_so(tmp_path, bart):
    """The default summary model (a stand-in under distilbart-cnn-12-6's name) knows English only: a
    Russian and an Arabic article are summarized extractively, with a warning; the English one is not."""
    hub = _hub(tmp_path, bart, "sshleifer/distilbart-cnn-12-6")
    ru, ar = _flores("ru", tmp_path / "ru.txt", count=8), _flores("ar", tmp_path / "ar.txt", count=8)
    proc = run_cli(
        "summarize", str(ru), str(ar), str(SEED), "--format", "jsonl", "--num-beams", "1", "--max-new-tokens", "8",
        "--min-new-tokens", "0", "--no-checks", "--quiet", env={"HF_HUB_CACHE": str(hub)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    by_name = {Path(source).name: d for source, d in _digests(proc.stdout).items()}
    for name, lang in (("ru.txt", "ru"), ("ar.txt", "ar")):
        summary = by_name[name]["summary"]
        assert summary["method"] == "extractive"
        assert summary["warnings"][0] == (
            f"distilbart-cnn-12-6 summarizes English only; this {lang} article was summarized extractively"
        )
        assert summary["source_ids"]  # the article's own sentences, by id
    seed = by_name[SEED.name]["summary"]
    assert seed["method"] == "abstractive" and seed["model"]["name"] == "sshleifer/distilbart-cnn-12-6"
    assert not any("summarized extractively" in w for w in seed["warnings"])


def test_summary_languages_can_be_declared_for_a_local_model(tmp_path, bart):
    from summarizer.inputs.reading import read_article
    from summarizer.tasks.summarizing import Summarizer

    articles = [read_article(str(_flores("ru", tmp_path / "ru.txt")), lang="ru"), read_article(str(SEED), lang="en")]
    params = {"num_beams": 1, "max_new_tokens": 6, "min_new_tokens": 0}
    trusted = Summarizer(SummaryOptions(model=str(bart), params=params)).summarize_each(
        articles
    )  # a local folder: every language
    assert [s.method for s in trusted] == ["abstractive", "abstractive"]
    declared = Summarizer(SummaryOptions(model=str(bart), params=params, languages=["en"])).summarize_each(articles)
    assert [s.method for s in declared] == ["extractive", "abstractive"]
    assert (
        declared[0].warnings[0] == f"{bart.name} summarizes English only; this ru article was summarized extractively"
    )


def test_a_detected_language_keys_the_cache_like_a_given_one(tmp_path, marian):
    from summarizer import translate

    sentences = (FLORES / "ref.ru.txt").read_text(encoding="utf-8").splitlines()[:3]
    cache, gen = tmp_path / "cache", {"num_beams": 1, "max_new_tokens": 4}
    given = translate(sentences, "ar", model=str(marian), source_lang="ru", cache=cache, **gen)
    assert given.source_lang == "ru" and given.cache_hits == 0
    detected = translate(sentences, "ar", model=str(marian), source_lang="auto", cache=cache, **gen)
    assert detected.source_lang == "ru" and detected.cache_hits == 3  # the same keys
    other = translate(sentences, "ar", model=str(marian), source_lang="uk", cache=cache, **gen)
    assert other.cache_hits == 0  # another source language is another key
