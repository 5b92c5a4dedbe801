"""Glossaries: CSV and TBX files and a job's `[glossary]` table read and merged, each bad input refused in
one line naming the file and the row (exit 2), terms found in a source, and `term-missing` on
translations into ru, az and ar (inflected forms pass, other wordings fail), keep terms, `check --glossary`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.config.flags import RunOptions
from summarizer.config.merge import resolve_job
from summarizer.errors import ConfigError
from summarizer.options import Glossary
from summarizer.quality.glossary import TERM_MISSING, check_terms, read_glossary, renders, terms_in

runner = CliRunner()

NAM = "Non-Aligned Movement"
FORMS = {"ru": "Движение неприсоединения", "az": "Qoşulmama Hərəkatı", "ar": "حركة عدم الانحياز"}
CSV = f"en,ru,az,ar\n{NAM},{FORMS['ru']},{FORMS['az']},{FORMS['ar']}\nNAM,,,\nTrend,,,\n"
SOURCE = "The Non-Aligned Movement (NAM) met in Baku on Thursday, Trend reported."


def glossary() -> Glossary:
    return Glossary.from_mapping({NAM: FORMS, "keep": ["Trend", "NAM"]}, "job.toml: [glossary]")


def tbx(entries: str, lang: str = "en") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<martif type="TBX" xml:lang="{lang}">\n'
        "<martifHeader><fileDesc><sourceDesc><p>test</p></sourceDesc></fileDesc></martifHeader>\n"
        f"<text><body>\n{entries}</body></text>\n</martif>\n"
    )


def entry(ident: str, **terms: str) -> str:
    sets = "".join(
        f'  <langSet xml:lang="{lang.replace("_", "-")}"><tig><term>{text}</term></tig></langSet>\n'
        for lang, text in terms.items()
    )
    return f'<termEntry id="{ident}">\n{sets}</termEntry>\n'


def codes(flags) -> list[str]:
    return [f.code for f in flags]


# ---- reading -------------------------------------------------------------------------------------


def test_a_csv_glossary_has_a_column_per_language_and_a_row_per_term(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")  # a spreadsheet's byte-order mark
    g = read_glossary(path)
    assert g.source_lang == "en"
    assert g.terms == {NAM: FORMS}
    assert g.keep == ("NAM", "Trend")  # rows with the source term only
    assert g.where(NAM) == f"{path}: row 2"


def test_a_csv_glossary_may_use_semicolons_and_regional_codes_and_leave_cells_empty(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_text("en;ru-RU;AZ\nUnited Nations;Организация Объединённых Наций;\n\n", encoding="utf-8")
    g = read_glossary(path)
    assert g.terms == {"United Nations": {"ru": "Организация Объединённых Наций"}}  # no az form: not checked
    assert g.keep == ()


def test_a_tbx_glossary_is_read_with_translate_toolkit(tmp_path):
    keep = (
        '<termEntry id="c3"><descrip type="Translation needed">no</descrip>\n'
        '  <langSet xml:lang="en"><tig><term>Trend</term></tig></langSet>\n'
        '  <langSet xml:lang="ru"><tig><term>Тренд</term></tig></langSet>\n</termEntry>\n'
    )
    body = entry("c1", en=NAM, **FORMS) + entry("c2", en_US="United Nations", az="Birləşmiş Millətlər") + keep
    path = tmp_path / "terms.tbx"
    path.write_text(tbx(body + entry("c4", en="NAM")), encoding="utf-8")
    g = read_glossary(path)
    assert g.terms == {NAM: FORMS, "United Nations": {"az": "Birləşmiş Millətlər"}}
    assert g.keep == ("Trend", "NAM")  # "Translation needed: no", and an entry with the source term only
    assert g.where("United Nations").startswith(f"{path}: line ") and "termEntry c2" in g.where("United Nations")


def test_a_tbx_glossary_says_its_source_language(tmp_path):
    path = tmp_path / "ru.tbx"
    path.write_text(tbx(entry("c1", ru=FORMS["ru"], en=NAM), lang="ru"), encoding="utf-8")
    g = read_glossary(path)
    assert g.source_lang == "ru" and g.terms == {FORMS["ru"]: {"en": NAM}}


def test_an_inline_table_and_a_file_merge(tmp_path):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "terms.csv").write_text("en,ru\nUnited Nations,ООН\n", encoding="utf-8")
    job = tmp_path / "job.toml"
    job.write_text(
        'inputs = ["a.txt"]\ntargets = ["ru"]\n[glossary]\nfile = "terms.csv"\nkeep = ["Trend", "NAM"]\n'
        f'"{NAM}" = {{ ru = "{FORMS["ru"]}", az = "{FORMS["az"]}" }}\n',
        encoding="utf-8",
    )
    g = resolve_job(job).glossary
    assert g is not None
    assert g.terms == {"United Nations": {"ru": "ООН"}, NAM: {"ru": FORMS["ru"], "az": FORMS["az"]}}
    assert g.keep == ("Trend", "NAM")
    # --glossary replaces the table's file (relative to the working folder) and keeps the inline terms.
    (tmp_path / "other.csv").write_text("en,ar\nUnited Nations,الأمم المتحدة\n", encoding="utf-8")
    flagged = resolve_job(job, RunOptions.of(glossary=str(tmp_path / "other.csv"))).glossary
    assert flagged is not None and flagged.terms["United Nations"] == {"ar": "الأمم المتحدة"}
    assert NAM in flagged.terms and flagged.keep == ("Trend", "NAM")


def test_a_job_without_a_glossary_has_none(tmp_path):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    job = tmp_path / "job.toml"
    job.write_text('inputs = ["a.txt"]\ntargets = ["ru"]\n', encoding="utf-8")
    assert resolve_job(job).glossary is None
    g = resolve_job(None, RunOptions.of(inputs=["a.txt"], to="ru", glossary=_csv(tmp_path, CSV))).glossary
    assert g is not None and g.terms == {NAM: FORMS}


def test_a_job_in_another_language_than_the_glossary_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    job = tmp_path / "job.toml"
    job.write_text(
        f'inputs = ["a.txt"]\ntargets = ["ar"]\nsource_lang = "ru"\n[glossary]\n"{NAM}" = {{ ar = "x" }}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"source_lang = ru: the glossary .* has en terms"):
        resolve_job(job)


# ---- bad input: one line naming the file and the row, exit 2 --------------------------------------


def _csv(folder: Path, text: str, name: str = "terms.csv") -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _check(tmp_path: Path, glossary: str, *more: str):
    (tmp_path / "en.txt").write_text(SOURCE + "\n", encoding="utf-8")
    (tmp_path / "ru.txt").write_text("Участники Движения неприсоединения (NAM) встретились, сообщает Trend.\n")
    args = ["check", "--src", str(tmp_path / "en.txt"), "--hyp", str(tmp_path / "ru.txt"), "--to", "ru"]
    return runner.invoke(app, [*args, "--glossary", glossary, *more])


def _one_line(result, *parts: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


BAD_CSV = [
    pytest.param("en,ru,xx\nNAM,НАМ,\n", ["row 1", "column 3", "unknown language 'xx'"], id="unknown-language-column"),
    pytest.param(
        "en,ru\nNAM,ДН\nOPEC,ОПЕК\nNAM,НАМ\n", ["row 4", "'NAM'", "'НАМ'", "'ДН' in row 2"], id="duplicate-term"
    ),
    pytest.param("en,ru\nNAM,ДН\n ,Движение\n", ["row 3", "empty term"], id="empty-term"),
    pytest.param("en,ru\nNAM,ДН,extra\n", ["row 2", "3 cells"], id="extra-cell"),
    pytest.param("en,,ru\nNAM,,ДН\n", ["row 1", "column 2 has no language code"], id="empty-column"),
    pytest.param("en,ru,RU\nNAM,ДН,ДН\n", ["row 1", "ru column is given twice"], id="duplicate-column"),
    pytest.param("en,ru\nNAM,\nNAM,ДН\n", ["row 3", "kept as written in row 2"], id="kept-and-translated"),
    # Read loosely, the open quote made "Trend,Тренд OPEC,ОПЕК" one term and the file was taken without a word.
    pytest.param('en,ru\nNAM,ДН\n"Trend,Тренд\nOPEC,ОПЕК\n', ["line 3", "never closed"], id="unterminated-quote"),
]


@pytest.mark.parametrize("text, parts", BAD_CSV)
def test_a_bad_csv_glossary_is_one_line_naming_the_file_and_row(tmp_path, text, parts):
    path = _csv(tmp_path, text)
    _one_line(_check(tmp_path, path), f"{path}: ", *parts)


def test_a_csv_glossary_that_is_not_utf8_names_the_row(tmp_path):
    path = tmp_path / "terms.csv"
    path.write_bytes("en,ru\nNAM,ДН\nOPEC,ОПЕК\n".encode("cp1251"))
    _one_line(_check(tmp_path, str(path)), f"{path}: row 2: not UTF-8")


@pytest.mark.parametrize(
    "text, part",
    [
        pytest.param(CSV, "line 1: not a TBX file (not well-formed XML", id="csv-named-tbx"),
        pytest.param("<html><body>terms</body></html>", "not a TBX file (its root element is <html>", id="html"),
        pytest.param('<tbx type="TBX-Core"><text/></tbx>', "TBX 3 (<tbx>) is not read", id="tbx3"),
        pytest.param("", "not a TBX file", id="empty"),
    ],
)
def test_a_tbx_file_that_is_not_tbx_is_refused(tmp_path, text, part):
    path = _csv(tmp_path, text, "terms.tbx")
    _one_line(_check(tmp_path, path), f"{path}: ", part)


def test_a_bad_tbx_entry_names_its_line(tmp_path):
    path = _csv(tmp_path, tbx(entry("c1", en=NAM, ru="x") + entry("c2", ru="y", zz="z")), "terms.tbx")
    _one_line(_check(tmp_path, path), f"{path}: line 9 (termEntry c2)", "unknown language 'zz'")
    path = _csv(tmp_path, tbx(entry("c1", en=NAM, ru="x") + entry("c2", ru="y")), "terms.tbx")
    _one_line(_check(tmp_path, path), f"{path}: line 9 (termEntry c2): no en term")
    path = _csv(tmp_path, tbx(entry("c1", en=NAM, ru="x") + entry("c2", en=NAM, ru="y")), "terms.tbx")
    _one_line(_check(tmp_path, path), "line 9 (termEntry c2): duplicate term", "'y' here, 'x' in line 5")


def test_a_glossary_that_is_neither_csv_nor_tbx_or_is_missing(tmp_path):
    _one_line(_check(tmp_path, _csv(tmp_path, CSV, "terms.xlsx")), "terms.xlsx: a glossary must be a .csv or .tbx")
    _one_line(_check(tmp_path, str(tmp_path / "gone.csv")), "gone.csv: no such file")


def test_the_jobs_table_and_its_file_disagreeing_name_both_places(tmp_path):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    _csv(tmp_path, "en,ru\nNAM,ДН\n")
    job = tmp_path / "job.toml"
    job.write_text('inputs = ["a.txt"]\ntargets = ["ru"]\n[glossary]\nfile = "terms.csv"\nNAM = { ru = "НАМ" }\n')
    result = runner.invoke(app, ["translate", "--config", str(job)])
    _one_line(result, f"{job}: [glossary] 'NAM'", "ru form 'НАМ'", f"{tmp_path / 'terms.csv'}: row 2 gives 'ДН'")


@pytest.mark.parametrize(
    "table, part",
    [
        pytest.param('"" = { ru = "x" }', "empty term", id="empty-term"),
        pytest.param('NAM = { xx = "x" }', "[glossary] 'NAM': unknown language 'xx'", id="unknown-language"),
        pytest.param('NAM = { ru = "" }', "'NAM': empty ru form", id="empty-form"),
        pytest.param('keep = ["NAM"]\nNAM = { ru = "НАМ" }', "'NAM' is both in keep", id="kept-and-translated"),
        pytest.param('NAM = "НАМ"', "'NAM' must be a table of language = target form", id="not-a-table"),
        pytest.param("file = 3", "glossary.file must be a path string", id="file-not-a-string"),
    ],
)
def test_a_bad_inline_table_names_the_job_file_and_the_term(tmp_path, table, part):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    job = tmp_path / "job.toml"
    job.write_text(f'inputs = ["a.txt"]\ntargets = ["ru"]\n[glossary]\n{table}\n', encoding="utf-8")
    _one_line(runner.invoke(app, ["digest", "--config", str(job)]), f"{job}: ", part)


def test_translate_takes_the_flag_and_refuses_a_bad_glossary_before_any_model_loads(tmp_path):
    (tmp_path / "a.txt").write_text(SOURCE, encoding="utf-8")
    path = _csv(tmp_path, "en,ru\nNAM,ДН\nNAM,НАМ\n")
    result = runner.invoke(app, ["translate", str(tmp_path / "a.txt"), "--to", "ru", "--glossary", path])
    _one_line(result, f"{path}: row 3: duplicate term 'NAM'")


# ---- matching in the source ----------------------------------------------------------------------


def test_terms_are_whole_words_and_ordinary_words_take_either_case_first():
    g = glossary()
    assert terms_in(g, SOURCE) == [(NAM, (4, 24)), ("NAM", (26, 29)), ("Trend", (56, 61))]
    # At a sentence start, in lower case, across a line break: the same term.
    found = terms_in(g, "Non-aligned movement leaders met. The non-aligned\nmovement said so.")
    assert [t for t, _ in found] == [NAM, NAM]
    # Acronyms and keep terms only as written, and only as whole words.
    assert terms_in(g, "Namibia, nam, the trend of NAMs and NON-ALIGNED MOVEMENT") == []


def test_the_longest_overlapping_term_wins():
    g = Glossary.from_mapping({"NAM": {"ru": "ДН"}, "NAM summit": {"ru": "саммит ДН"}}, "t")
    assert terms_in(g, "The NAM summit opened; NAM said.") == [("NAM summit", (4, 14)), ("NAM", (23, 26))]


def _big_glossary(n: int, *extra: str) -> Glossary:
    """`n` made-up terms (one to three words of letters) besides `extra`, each with a Russian form."""
    import random
    import string

    rng = random.Random(32)
    terms = {t: {"ru": f"т{i}"} for i, t in enumerate(extra)}
    while len(terms) < n + len(extra):
        words = ("".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9))) for _ in range(rng.randint(1, 3)))
        terms.setdefault(" ".join(words), {"ru": "х"})
    return Glossary(terms, ("NAM",), "en")


def test_a_large_glossary_costs_a_sentence_a_few_lookups_not_a_try_of_every_term(monkeypatch):
    """Issue 32 point 7: matching tried every term at every place (12.8 s a sentence at 100,000 terms). Now a
    term's own pattern runs only where the keys of the text's words equal the term's: as often with 20,000
    terms as with 3."""
    from summarizer.quality import glossary as module

    tried: list[str] = []
    real = module._term_regex

    def counting(term: str, exact: bool):
        tried.append(term)
        return real(term, exact)

    monkeypatch.setattr(module, "_term_regex", counting)
    sentence = f"The {NAM} met; NAM and the non-aligned movement said so, as did Baku."
    small = Glossary({NAM: FORMS, "Baku": {"ru": "Баку"}}, ("NAM",), "en")
    found = terms_in(small, sentence)
    small_tries = len(tried)
    tried.clear()
    big = _big_glossary(20_000, NAM, "Baku")
    assert (
        terms_in(big, sentence)
        == found
        == [
            (NAM, (4, 24)),
            ("NAM", (30, 33)),
            (NAM, (42, 62)),
            ("Baku", (79, 83)),
        ]
    )
    assert len(tried) == small_tries == 4  # one try per place a term is, whatever the glossary's size


@pytest.mark.slow
def test_check_with_a_100000_row_csv_glossary_is_quick(tmp_path):
    """Issue 32 point 7, end to end: `check` of 3 lines with a 100,000-row CSV took 83 s and 516 MB. It now
    takes a few seconds (reading the file and building the index once); the bound is generous."""
    import time

    big = _big_glossary(100_000, "Baku")
    rows = "".join(f"{term},{forms['ru']}\n" for term, forms in big.terms.items())
    terms = _csv(tmp_path, "en,ru\n" + rows)
    src, hyp = tmp_path / "en.txt", tmp_path / "ru.txt"
    src.write_text("The summit opened in Baku.\nLeaders met today.\nThey signed 12 agreements.\n", encoding="utf-8")
    hyp.write_text("Саммит открылся.\nЛидеры встретились.\nОни подписали 12 соглашений.\n", encoding="utf-8")
    started = time.monotonic()
    result = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp), "--to", "ru", "--glossary", terms])
    assert time.monotonic() - started < 60
    assert "line 1: term-missing" in result.stdout and "“Baku” → “т0”" in result.stdout
    assert "1 of 3 lines flagged" in result.stdout + result.stderr


def test_a_term_of_signs_only_is_checked_like_any_other():
    """Issue 32 point 12: a form without letters (`*.*`) passed every translation, the one that lost it too."""
    g = Glossary({"*.*": {"ru": "*.*"}, "§": {"ru": "§"}}, (), "en")
    source = "Delete *.* under § 5."
    assert [t for t, _ in terms_in(g, source)] == ["*.*", "§"]
    assert check_terms(source, "Удалите *.* по § 5.", target="ru", glossary=g) == []
    assert check_terms(source, "Удалите * . * по § 5.", target="ru", glossary=g) == []  # spaced as it likes
    flags = check_terms(source, "Удалите все файлы по § 5.", target="ru", glossary=g)
    assert codes(flags) == [TERM_MISSING] and "“*.*” → “*.*”" in flags[0].message
    assert not renders("Удалите все файлы.", "*.*", "ru")


# ---- term-missing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    [
        "Участники Движения неприсоединения встретились в Баку.",  # genitive
        "Встреча с Движением неприсоединения прошла в Баку.",  # instrumental
        "Саммит движения неприсоединения открылся в Баку.",  # lower case
    ],
)
def test_russian_inflected_forms_pass(output):
    assert renders(output, FORMS["ru"], "ru")
    assert check_terms(f"The {NAM} met.", output, target="ru", glossary=glossary()) == []


@pytest.mark.parametrize(
    "output",
    [
        "Участники Движения неприсоединившихся стран встретились в Баку.",  # another name for it
        "Движение за неприсоединение провело встречу.",  # not the form's words in order
        "Участники Организации встретились в Баку.",
    ],
)
def test_russian_other_wordings_are_flagged(output):
    flags = check_terms(f"The {NAM} met.", output, target="ru", glossary=glossary())
    assert codes(flags) == [TERM_MISSING]
    assert f"“{NAM}” → “{FORMS['ru']}”" in flags[0].message and flags[0].score == 0.0


@pytest.mark.parametrize(
    "output, ok",
    [
        ("Qoşulmama Hərəkatının üzvləri Bakıda görüşüb.", True),
        ("Sammit Qoşulmama Hərəkatında keçirilib.", True),
        ("QOŞULMAMA HƏRƏKATI Bakıda toplanıb.", True),
        ("Qoşulmayanlar Birliyinin üzvləri Bakıda görüşüb.", False),
    ],
)
def test_azerbaijani_suffixes_pass_and_other_words_fail(output, ok):
    flags = check_terms(f"The {NAM} met.", output, target="az", glossary=glossary())
    assert codes(flags) == ([] if ok else [TERM_MISSING])


@pytest.mark.parametrize(
    "output, ok",
    [
        ("اجتمعت حركة عدم الانحياز في باكو.", True),
        ("قمة لحركة عدم الانحياز في باكو.", True),  # li- attached
        ("وحركةُ عدمِ الانحيازِ اجتمعت.", True),  # wa- and vowel marks
        ("اجتمعت الحركة عدم انحياز في باكو.", True),  # with and without the article
        ("اجتمعت حركة التحرير في باكو.", False),
        ("اجتمعت الدول غير المنحازة في باكو.", False),
    ],
)
def test_arabic_article_and_attached_prepositions_pass_and_other_words_fail(output, ok):
    flags = check_terms(f"The {NAM} met.", output, target="ar", glossary=glossary())
    assert codes(flags) == ([] if ok else [TERM_MISSING])


def test_keep_terms_must_appear_exactly_as_written():
    g = glossary()
    ok = "Участники Движения неприсоединения (NAM) встретились в Баку, сообщает Trend."
    assert check_terms(SOURCE, ok, target="ru", glossary=g) == []
    assert (
        check_terms(
            SOURCE, "Qoşulmama Hərəkatının (NAM-ın) üzvləri görüşüb, Trend'in məlumatına görə.", target="az", glossary=g
        )
        == []
    )
    flags = check_terms(
        SOURCE, "Участники Движения неприсоединения (ДН) встретились, сообщает Тренд.", target="ru", glossary=g
    )
    assert codes(flags) == [TERM_MISSING]
    assert "“NAM” (kept as written)" in flags[0].message and "“Trend” (kept as written)" in flags[0].message
    assert flags[0].score == pytest.approx(1 / 3, abs=1e-3)  # one of three terms rendered
    lower = check_terms(SOURCE, ok.replace("Trend", "trend"), target="ru", glossary=g)
    assert "“Trend” (kept as written)" in lower[0].message
    # Keep terms apply in every language, even one without a column.
    assert codes(check_terms("Trend reported.", "Trend berichtete.", target="de", glossary=g)) == []
    assert codes(check_terms("Trend reported.", "Die Agentur berichtete.", target="de", glossary=g)) == [TERM_MISSING]


def test_nothing_to_check_gives_no_flag():
    g = glossary()
    assert check_terms("The council met.", "Совет собрался.", target="ru", glossary=g) == []
    assert check_terms(SOURCE, "irrelevant", target="ru", glossary=None) == []
    # A term without a form in the target language is not checked; nor is a source in another language.
    assert check_terms(f"The {NAM} met.", "Die Bewegung traf sich.", target="de", glossary=g) == []
    assert check_terms(f"The {NAM} met.", "Совет собрался.", target="ru", glossary=g, source_lang="ru") == []


# ---- check --glossary ------------------------------------------------------------------------------


def test_check_reports_term_missing_in_its_json_lines(tmp_path):
    terms = _csv(tmp_path, CSV)
    src, hyp = tmp_path / "en.txt", tmp_path / "out.az.txt"
    src.write_text(f"The {NAM} met in Baku on Thursday.\nThe {NAM} (NAM) met again, Trend reported.\n")
    hyp.write_text(
        "Qoşulmama Hərəkatının üzvləri cümə axşamı Bakıda görüşüblər.\n"
        "Qoşulmayanlar Birliyi yenidən toplanıb, agentlik xəbər verir.\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["check", "--src", str(src), "--hyp", str(hyp), "--to", "az", "--glossary", terms, "--json"]
    )
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["line"] for line in lines] == [1, 2]
    assert TERM_MISSING not in [f["code"] for f in lines[0]["flags"]]
    (missing,) = [f for f in lines[1]["flags"] if f["code"] == TERM_MISSING]
    assert "Qoşulmama Hərəkatı" in missing["message"] and "“NAM” (kept as written)" in missing["message"]
    assert missing["score"] == 0.0
    text = runner.invoke(app, ["check", "--src", str(src), "--hyp", str(hyp), "--to", "az", "--glossary", terms])
    assert "line 2: term-missing: glossary terms not in the translation" in text.stdout
    assert "1 term-missing" in text.stderr  # the tally


def test_check_refuses_a_glossary_in_another_source_language(tmp_path):
    terms = _csv(tmp_path, "ru,en\nДвижение,Movement\n")
    result = _check(tmp_path, terms)
    _one_line(result, "--from en: the glossary", "has ru terms")


# ---- in a job ---------------------------------------------------------------------------------------


def test_a_translate_job_flags_terms_its_translations_miss_and_keeps_the_rest(tmp_path, marian):
    article = tmp_path / "a.txt"
    article.write_text("The Non-Aligned Movement met in Baku on Monday. Trend reported on the talks.", encoding="utf-8")
    terms = _csv(tmp_path, "en,ru\nNon-Aligned Movement,Движение неприсоединения\nTrend\n")
    args = ["translate", str(article), "--from", "en", "--to", "ru", "--model", f"ru={marian}", "--format", "json"]
    fast = ["--num-beams", "1", "--max-new-tokens", "4", "--no-retry"]
    result = runner.invoke(app, [*args, *fast, "--glossary", terms])
    assert result.exit_code == 0, result.output
    (digest,) = json.loads(result.stdout)
    flags = [[f["code"] for f in t["flags"]] for t in digest["languages"][0]["full"]["translations"]]
    assert [TERM_MISSING in codes for codes in flags] == [True, True]  # stand-in noise renders neither term
    plain = runner.invoke(app, [*args, *fast])
    (digest,) = json.loads(plain.stdout)
    assert all(
        TERM_MISSING not in [f["code"] for f in t["flags"]] for t in digest["languages"][0]["full"]["translations"]
    )
