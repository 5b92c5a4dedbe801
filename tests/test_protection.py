"""Protection by retry (issue 22, part 4): a translation that lost a fact is generated again from a source
whose spans that must come through unchanged are placeholders, which the backend puts into the output
where the model leaves them out and which are restored afterwards; it is kept only with fewer fact flags.
And `name-inconsistent` over a job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cache import Cache
from summarizer.cli.app import app
from summarizer.options import GenerationParams, Glossary, QualityOptions, RuntimeOptions, TargetOptions, WorkerOptions
from summarizer.quality.checks import NUMBER_MISMATCH, REPETITION, TERM_MISSING, URL_MISMATCH
from summarizer.quality.names import NAME_INCONSISTENT, NameLedger
from summarizer.quality.protection import Protection, is_better, protect
from summarizer.results import QualityFlag
from summarizer.tasks.translating import Translator

runner = CliRunner()
GLOSSARY = Glossary(
    terms={"Non-Aligned Movement": {"ru": "Движение неприсоединения", "az": "Qoşulmama Hərəkatı"}}, keep=("Trend",)
)
ADDRESSES = "Write to press@trend.az or see https://en.trend.az/azerbaijan/politics/3 and @trend_news, says Trend."


def flag(code: str) -> QualityFlag:
    return QualityFlag(code, "test", 0.0)


# ---- the protected source and restoring it ----------------------------------------------------------


def test_urls_emails_handles_and_keep_terms_become_placeholders_that_restore_exactly():
    plan = protect(ADDRESSES, "Пишите нам.", [flag(URL_MISMATCH)], target="ru", glossary=GLOSSARY)
    assert plan is not None
    assert plan.text == "Write to XQZ1 or see XQZ2 and XQZ3, says XQZ4."
    assert dict(plan.slots) == {
        "XQZ1": "press@trend.az",
        "XQZ2": "https://en.trend.az/azerbaijan/politics/3",
        "XQZ3": "@trend_news",
        "XQZ4": "Trend",
    }
    assert plan.required == ("XQZ1", "XQZ2", "XQZ3", "XQZ4")
    # As a model may write them: spaced, lower-cased, glued to punctuation.
    out = plan.restore("Пишите на xqz1 или смотрите XQZ 2 и XQZ3, сообщает XQZ4.")
    assert (
        out
        == "Пишите на press@trend.az или смотрите https://en.trend.az/azerbaijan/politics/3 и @trend_news, сообщает Trend."
    )


@pytest.mark.parametrize(
    ("source", "output", "text", "required"),
    [
        # Only the number the output changed is protected; the one it kept is left to the model.
        (
            "The 120 members met 17 observers.",
            "120 членов встретили 71 наблюдателя.",
            "The 120 members met XQZ1 observers.",
            ("XQZ1",),
        ),
        # A number in words the output lost is given as digits (an ordinal keeps its suffix).
        (
            "Three thousand people came for the fifth time.",
            "Люди пришли.",
            "3000 people came for the 5th time.",
            ("3000", "5th"),
        ),
        # A changed currency: the whole amount is a placeholder.
        ("It costs €30.", "Это стоит $30.", "It costs XQZ1.", ("XQZ1",)),
    ],
)
def test_numbers_the_output_lost_or_changed_are_protected(source, output, text, required):
    plan = protect(source, output, [flag(NUMBER_MISMATCH)], target="ru")
    assert plan is not None and (plan.text, plan.required) == (text, required)


def test_a_glossary_term_the_output_lacks_is_given_in_its_target_form():
    source = "The Non-Aligned Movement met in Baku."
    plan = protect(
        source, "Движение неприсоединившихся встретилось.", [flag(TERM_MISSING)], target="ru", glossary=GLOSSARY
    )
    assert plan is not None and plan.text == "The Движение неприсоединения met in Baku."
    assert plan.required == ("Движение неприсоединения",) and plan.slots == ()
    # Rendered already (an inflected form): nothing to protect for it.
    fine = protect(source, "Движением неприсоединения", [flag(TERM_MISSING)], target="ru", glossary=GLOSSARY)
    assert fine is None


def test_nothing_is_protected_without_a_fact_flag_or_with_the_marker_in_the_text():
    assert protect(ADDRESSES, "noise", [flag(REPETITION)], target="ru", glossary=GLOSSARY) is None
    assert protect("XQZ1 is at https://x.org", "", [flag(URL_MISMATCH)], target="ru") is None


def test_the_candidate_wins_only_with_fewer_fact_flags_and_no_new_degenerate_output():
    plain = [flag(NUMBER_MISMATCH), flag(URL_MISMATCH)]
    assert is_better([flag(URL_MISMATCH)], plain)
    assert not is_better(plain, plain)  # a tie: the plain one stays
    assert not is_better([flag(REPETITION)], plain)  # a loop is worse than a lost number
    assert not is_better([], [])


def test_restoring_leaves_text_without_placeholders_alone():
    assert Protection(source="a", text="a").restore("XQZ1 b") == "XQZ1 b"


# ---- through a stand-in, both backends --------------------------------------------------------------


def translator(
    marian: Path, tmp_path: Path, backend: str, glossary: Glossary | None = GLOSSARY, **quality
) -> Translator:
    worker = WorkerOptions(
        runtime=RuntimeOptions(backend=backend),
        quality=QualityOptions(glossary=glossary, **quality),
        models_dir=tmp_path / "converted",
    )
    params = GenerationParams(num_beams=1, max_new_tokens=40)
    return Translator(TargetOptions(lang="ru", model=str(marian), params=params), worker, cache=Cache(tmp_path / "c"))


@pytest.mark.parametrize("backend", ["torch", "ctranslate2"])
def test_a_stand_in_gets_the_url_the_email_and_the_keep_term_back_exactly(marian, tmp_path, backend):
    sentences = [ADDRESSES, "Leaders of 120 countries and 17 observers came.", "It ended."]
    result = translator(marian, tmp_path, backend).translate(sentences)
    first, numbers, plain = result.translations
    # The stand-in writes noise, so its plain output lost every fact; the protected retry has them all.
    for span in ("press@trend.az", "https://en.trend.az/azerbaijan/politics/3", "@trend_news", "Trend"):
        assert span in first.text
    assert first.protected and not {URL_MISMATCH, NUMBER_MISMATCH, TERM_MISSING} & {f.code for f in first.flags}
    assert "XQZ" not in first.text
    assert numbers.protected and "120" in numbers.text and "17" in numbers.text
    assert not plain.protected  # no fact to lose: never retried with protection
    # The protected retry is cached like any output: a second run gives the same text from the cache.
    again = translator(marian, tmp_path, backend).translate(sentences)
    assert [t.text for t in again.translations] == [t.text for t in result.translations]
    assert all(t.cached for t in again.translations)


def test_a_term_the_stand_in_cannot_write_keeps_its_flag_and_the_plain_output(marian, tmp_path):
    # The stand-in's vocabulary has no Cyrillic: the target form can't be put in, the retry ties, the plain
    # output stays and keeps its flag.
    source = "The Non-Aligned Movement met."
    t = translator(marian, tmp_path, "torch").translate([source]).translations[0]
    assert not t.protected and TERM_MISSING in {f.code for f in t.flags}


def test_protection_is_off_with_no_protect_or_no_retry(marian, tmp_path):
    for quality in ({"protect": False}, {"retry": False}):
        t = translator(marian, tmp_path, "torch", **quality).translate([ADDRESSES]).translations[0]
        assert not t.protected and URL_MISMATCH in {f.code for f in t.flags}


def test_a_job_records_protected_sentences_and_counts_them(tmp_path, marian):
    (tmp_path / "a.txt").write_text(
        "Baku hosted it.\n\nSee https://nam.az/news/2023 for the 120 members.\n", encoding="utf-8"
    )
    args = ["translate", "a.txt", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--format", "json"]
    result = runner.invoke(app, [*args, "--out", "out", "--max-new-tokens", "40", "--num-beams", "1"])
    assert result.exit_code == 0, result.output
    assert "kept from a retry with the facts protected" in result.output
    rows = json.loads(Path("out/a.json").read_text(encoding="utf-8"))["languages"][0]["full"]["translations"]
    kept = [r for r in rows if r["protected"]]
    assert [r["source"] for r in kept] == ["See https://nam.az/news/2023 for the 120 members."]
    assert "https://nam.az/news/2023" in kept[0]["text"] and "120" in kept[0]["text"]
    off = runner.invoke(app, [*args, "--out", "out2", "--max-new-tokens", "40", "--num-beams", "1", "--no-protect"])
    assert off.exit_code == 0, off.output
    rows = json.loads(Path("out2/a.json").read_text(encoding="utf-8"))["languages"][0]["full"]["translations"]
    assert not any(r["protected"] for r in rows) and "facts protected" not in off.output


# ---- name-inconsistent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "source", "first", "same", "other"),
    [
        (
            "ru",
            "Ilham Aliyev said so.",
            "Ильхам Алиев заявил.",
            "Ильхама Алиева поблагодарили.",
            "Ильхам Алыев заявил.",
        ),
        (
            "az",
            "Ilham Aliyev said so.",
            "İlham Əliyev bildirib.",
            "İlham Əliyevin sözlərinə görə.",
            "İlham Aliyev bildirib.",
        ),
        # Arabic writes Belgrade two ways (غ or ج for the g); with a prefix (في، ب) it is still one rendering.
        ("ar", "They met in Belgrade.", "التقوا في بلغراد.", "وصلوا إلى بلغراد وبالعاصمة.", "التقوا في بلجراد."),
    ],
)
def test_a_name_rendered_another_way_later_in_the_job_is_flagged(target, source, first, same, other):
    ledger = NameLedger(target)
    assert ledger.check(source, first) == []
    assert ledger.check(source, same) == []  # an inflected or prefixed form is the same rendering
    flags = ledger.check(source, other)
    assert [f.code for f in flags] == [NAME_INCONSISTENT]
    assert source.split()[-1].rstrip(".") in flags[0].message or "Ilham Aliyev" in flags[0].message


def test_a_job_flags_a_name_rendered_two_ways_across_articles(tmp_path, marian):
    from translate.storage import tmx

    (tmp_path / "a.txt").write_text("Csaba Kőrösi arrived in Baku.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Csaba Kőrösi spoke at the summit.\n", encoding="utf-8")
    store = tmx.tmxfile(sourcelanguage="en", targetlanguage="ru")
    store.addtranslation("Csaba Kőrösi arrived in Baku.", "en", "Чаба Корёси прибыл в Баку.", "ru")
    store.addtranslation("Csaba Kőrösi spoke at the summit.", "en", "Чаба Корози выступил на саммите.", "ru")
    (tmp_path / "m.tmx").write_bytes(bytes(store))
    assert runner.invoke(app, ["memory", "import", "m.tmx"]).exit_code == 0
    args = ["translate", "a.txt", "b.txt", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--format", "json"]
    result = runner.invoke(app, [*args, "--out", "out"])
    assert result.exit_code == 0, result.output
    codes = {}
    for name in ("a", "b"):
        data = json.loads(Path(f"out/{name}.json").read_text(encoding="utf-8"))
        codes[name] = [f["code"] for f in data["languages"][0]["full"]["translations"][0]["flags"]]
    assert NAME_INCONSISTENT not in codes["a"] and NAME_INCONSISTENT in codes["b"], codes
    assert "name-inconsistent" in result.output
