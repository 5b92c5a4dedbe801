"""Quality checks: each guard on hand-made good and bad outputs in ru, ar and az, the retry, and flags
that survive the cache. (The rates on real data are in QUALITY.md, made by `make quality`.)"""

from __future__ import annotations

import pytest

from summarizer.cache import Cache
from summarizer.options import QualityOptions, TargetOptions, WorkerOptions
from summarizer.quality import checks
from summarizer.quality.review import script_of, stronger
from summarizer.tasks.translating import Translator


def codes(source: str, output: str, lang: str) -> set[str]:
    return {f.code for f in checks.check_translation(source, output, target=lang, script=script_of(lang))}


SOURCE = "The Non-Aligned Movement met in Baku on Thursday, and 120 countries sent delegations to the summit."
GOOD = {
    "ru": "Движение неприсоединения собралось в Баку в четверг, и 120 стран направили делегации на саммит.",
    "ar": "اجتمعت حركة عدم الانحياز في باكو يوم الخميس، وأرسلت 120 دولة وفودًا إلى القمة.",
    "az": "Qoşulmama Hərəkatı cümə axşamı Bakıda toplandı və 120 ölkə sammitə nümayəndə heyəti göndərdi.",
}


@pytest.mark.parametrize("lang", ["ru", "ar", "az"])
def test_a_good_translation_gets_no_flag(lang):
    assert codes(SOURCE, GOOD[lang], lang) == set()


@pytest.mark.parametrize(
    "lang, output",
    [
        ("ru", "Компания Apple представила iPhone 15 в Купертино."),  # Latin names inside Cyrillic
        ("ar", "قالت ناسا إن المسبار وصل في عام ٢٠١٩."),  # Arabic-Indic digits
        ("az", "NATO və BMT nümayəndələri Bakıda görüşdü."),  # acronyms copied through
    ],
)
def test_names_acronyms_and_other_digits_do_not_false_flag(lang, output):
    source = {"ru": "Apple unveiled the iPhone 15 in Cupertino.", "ar": "NASA said the probe arrived in 2019."}
    source["az"] = "NATO and UN representatives met in Baku."
    assert codes(source[lang], output, lang) == set()


@pytest.mark.parametrize(
    "lang, wrong",
    [
        ("ru", GOOD["ar"]),
        ("ar", GOOD["ru"]),
        ("az", GOOD["ru"]),
        ("az", "Delegations from one hundred twenty countries arrived for the meeting in the capital."),
        ("ru", "Delegations from one hundred twenty countries arrived for the meeting in the capital."),
    ],
)
def test_wrong_language(lang, wrong):
    assert checks.WRONG_LANGUAGE in codes(SOURCE, wrong, lang)


def test_short_outputs_are_not_language_checked():
    # A few letters can't be identified; a false flag would be worse than none.
    assert checks.check_language("Yes.", "Hä?", target="az") == []
    assert checks.check_language("Aliyev spoke in Baku.", "Aliyev Bakıda danışdı.", target="az") == []


@pytest.mark.parametrize("lang", ["ru", "ar", "az"])
def test_copy_through(lang):
    assert codes(SOURCE, SOURCE, lang) == {checks.COPY_THROUGH}
    # An output that keeps the names but translates the rest is not a copy.
    assert checks.COPY_THROUGH not in codes(SOURCE, GOOD[lang], lang)


@pytest.mark.parametrize("lang", ["ru", "ar", "az"])
def test_repetition_loop(lang):
    words = GOOD[lang].split()
    looped = " ".join(words[:6] + [" ".join(words[3:6])] * 4)
    assert checks.REPETITION in codes(SOURCE, looped, lang)
    assert checks.REPETITION in codes(SOURCE, "саммит саммит саммит саммит саммит", "ru")
    assert checks.REPETITION not in codes(SOURCE, GOOD[lang], lang)


def test_numbers_with_other_separators_and_digits_match():
    source = "In 2019, 1,500 people paid 3.5 percent more at 10:08 p.m.; see www.example.org or info@example.org."
    good = (
        "В 2019 году 1 500 человек заплатили на 3,5 процента больше в 22:08; см. www.example.org или info@example.org."
    )
    assert codes(source, good, "ru") == set()
    arabic = (
        "في عام ٢٠١٩، دفع ١٬٥٠٠ شخص ٣٫٥ بالمئة أكثر في الساعة 10:08 مساءً؛ انظر www.example.org أو info@example.org."
    )
    assert codes(source, arabic, "ar") == set()


@pytest.mark.parametrize(
    "output, code",
    [
        (
            "В 2009 году 1 500 человек заплатили на 3,5 процента больше в 22:08; см. www.example.org или info@example.org.",
            "number-mismatch",
        ),
        (
            "В 2019 году 1 500 человек заплатили на 3,5 процента больше в 23:08; см. www.example.org или info@example.org.",
            "number-mismatch",
        ),
        (
            "В 2019 году 1 500 человек заплатили на 3,5 процента больше в 22:08; см. www.exemple.org или info@example.org.",
            "url-mismatch",
        ),
        ("В 2019 году 1 500 человек заплатили на 3,5 процента больше в 22:08.", "url-mismatch"),
    ],
)
def test_changed_or_lost_numbers_and_urls(output, code):
    source = "In 2019, 1,500 people paid 3.5 percent more at 10:08 p.m.; see www.example.org or info@example.org."
    assert code in codes(source, output, "ru")


def test_decades_and_ordinals_may_be_words_but_not_other_numbers():
    source = "During the 1960s he worked in Baku; the 15th summit came later."
    assert codes(source, "В шестидесятые годы он работал в Баку; XV саммит прошёл позже.", "ru") == set()
    assert checks.NUMBER_MISMATCH in codes(source, "В 1460-е годы он работал в Баку; XV саммит прошёл позже.", "ru")


@pytest.mark.parametrize("lang", ["ru", "ar", "az"])
def test_empty_and_abnormal_length(lang):
    assert codes(SOURCE, "", lang) == {checks.EMPTY}
    assert checks.LENGTH_RATIO in codes(SOURCE, GOOD[lang][:15], lang)
    assert checks.LENGTH_RATIO in codes(SOURCE, " ".join([GOOD[lang]] * 4), lang)


def test_summary_checks():
    article = "Baku hosted the summit on 2 March 2023. Ilham Aliyev opened it; 120 countries attended."
    assert checks.check_summary(article, "Ilham Aliyev opened the summit in Baku; 120 countries attended.") == ()
    found = {f.code: f for f in checks.check_summary(article, "Vladimir Putin opened the summit; 150 countries came.")}
    assert set(found) == {checks.UNSUPPORTED_NAME, checks.UNSUPPORTED_NUMBER}
    assert "Putin" in found[checks.UNSUPPORTED_NAME].message and "150" in found[checks.UNSUPPORTED_NUMBER].message


def test_summary_names_come_from_the_fact_reader():
    """check_summary finds names with quality/facts.py: a name starting a sentence counts (the old pattern
    skipped every sentence's first word), a common word starting one does not, nor does an acronym the
    article has, and in Russian a lone capital at a sentence start is no evidence."""
    article = "Baku hosted the summit on 2 March 2023. Ilham Aliyev opened it; 120 countries attended."
    (flag,) = checks.check_summary(article, "Putin opened the summit in Baku.")
    assert flag.code == checks.UNSUPPORTED_NAME and "Putin" in flag.message
    assert checks.check_summary(article, "Several countries attended. Aliyev opened the summit.") == ()
    # A dictionary word alone at a sentence start is no name, even one the article lacks.
    assert checks.check_summary(article, "Delegates came from 120 countries. Aliyev opened the summit.") == ()
    article_ru = "Саммит прошёл в Баку. Его открыл Ильхам Алиев."
    assert checks.check_summary(article_ru, "Вчера Ильхам Алиев открыл саммит в Баку.", lang="ru") == ()
    (flag,) = checks.check_summary(article_ru, "Вчера саммит в Баку открыл Владимир Путин.", lang="ru")
    assert "Владимир Путин" in flag.message


def test_stronger_decoding_for_the_retry():
    from summarizer.options import GenerationParams

    strong = stronger(GenerationParams(num_beams=1, max_new_tokens=40))
    assert strong.num_beams >= 4 and strong.no_repeat_ngram_size == 3 and strong.repetition_penalty >= 1.2
    assert strong.max_new_tokens == 40


# ---- retry and cache, through the real Translator ---------------------------------------------------


def _scripted_backend(monkeypatch, translator, outputs_by_call):
    """The real backend, with generate() answering from a script: one list of texts per call."""
    from summarizer.models.backends import Generated

    calls = []
    backend = translator.handle.backend

    def generate(texts, params, **kwargs):
        calls.append((list(texts), params))
        script = outputs_by_call[len(calls) - 1]
        return [Generated(text=script[t], new_tokens=5) for t in texts]

    monkeypatch.setattr(backend, "generate", generate)
    return calls


def test_retry_keeps_the_better_output_and_the_cache_keeps_it(marian, tmp_path, monkeypatch):
    source = ["Leaders met in Baku.", "The summit ended on Friday."]
    loop = "саммит саммит саммит саммит саммит"
    good = "Саммит завершился в пятницу."
    cache = Cache(tmp_path / "c")
    translator = Translator(TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 8}), cache=cache)
    calls = _scripted_backend(
        monkeypatch,
        translator,
        [{source[0]: "Лидеры встретились в Баку.", source[1]: loop}, {source[1]: good}],
    )
    result = translator.translate(source)
    assert sorted(calls[0][0]) == sorted(source) and calls[1][0] == [source[1]]  # only the flagged one again
    assert calls[1][1].num_beams >= 4 and calls[1][1].no_repeat_ngram_size == 3
    assert [t.text for t in result.translations] == ["Лидеры встретились в Баку.", good]
    assert [t.retried for t in result.translations] == [False, True]
    assert result.translations[1].flags == ()

    # A warm run: the kept output, the retry mark and the same flags, with no model call.
    monkeypatch.setattr(translator.handle.backend, "generate", lambda *a, **k: pytest.fail("the model ran"))
    again = Translator(
        TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 8}), cache=cache
    ).translate(source)
    assert [t.text for t in again.translations] == [t.text for t in result.translations]
    assert [t.retried for t in again.translations] == [False, True] and all(t.cached for t in again.translations)
    assert [t.flags for t in again.translations] == [t.flags for t in result.translations]


def test_retry_keeps_the_first_output_when_the_second_is_no_better(marian, monkeypatch):
    source = ["Leaders met in Baku."]
    first, second = "Leaders met in Baku.", "Leaders met in Baku today."
    translator = Translator(TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 8}))
    _scripted_backend(monkeypatch, translator, [{source[0]: first}, {source[0]: second}])
    (t,) = translator.translate(source).translations
    assert t.text == first and t.retried
    assert {f.code for f in t.flags} == {checks.COPY_THROUGH}


def test_no_retry_and_no_checks_options(marian, monkeypatch):
    source = ["Leaders met in Baku."]
    translator = Translator(
        TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 8}),
        WorkerOptions(quality=QualityOptions(retry=False)),
    )
    calls = _scripted_backend(monkeypatch, translator, [{source[0]: source[0]}])
    (t,) = translator.translate(source).translations
    assert len(calls) == 1 and not t.retried and t.flags
    quiet = Translator(
        TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 8}),
        WorkerOptions(quality=QualityOptions(checks=False)),
    )
    _scripted_backend(monkeypatch, quiet, [{source[0]: source[0]}])
    assert quiet.translate(source).translations[0].flags == ()


def test_stand_in_noise_is_flagged_and_retried_for_real(marian, tmp_path):
    """On the real tiny stand-in (random weights) Arabic output is noise: flagged, and retried once."""
    cache = Cache(tmp_path / "c")
    result = Translator(
        TargetOptions("ar", str(marian), params={"num_beams": 1, "max_new_tokens": 8}), cache=cache
    ).translate(["The summit opened in Baku on Thursday.", "Leaders of many countries came."])
    assert all(t.flags for t in result.translations)
    assert all(t.retried for t in result.translations if any(f.code in checks.RETRYABLE for f in t.flags))


def test_flags_survive_a_warm_run_of_a_whole_job(marian, bart, tmp_path):
    """Digest flags (translations and summary) are the same when everything comes from the cache."""
    from summarizer import Pipeline, RunOptions, resolve_job

    from conftest import SEED

    flags = RunOptions.of(
        [str(SEED)],
        to="ar",
        models={"ar": str(marian)},
        summary_model=str(bart),
        what="both",
        cache_dir=tmp_path / "c",
        num_beams=1,
        max_new_tokens=6,
        summary_num_beams=1,
        summary_max_new_tokens=24,
    )

    def run():
        (digest,) = Pipeline(resolve_job(None, flags)).run()
        lang = digest.languages[0]
        return digest, [(t.flags, t.retried) for part in (lang.summary, lang.full) for t in part.translations]

    cold, cold_flags = run()
    warm, warm_flags = run()
    assert warm.summary.cached and all(t.cached for t in warm.languages[0].full.translations)
    assert any(f for f, _ in cold_flags), "stand-in noise should be flagged"
    assert warm_flags == cold_flags and warm.summary.flags == cold.summary.flags
