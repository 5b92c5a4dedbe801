"""The digest's facts table (issue 22, part 6): each name, number, date, URL and glossary term of the
translated sentences, how each language rendered it, flagged cells with the source span beside them; in
the JSON (schema-valid, read back), the HTML (folded, in the real browser) and the Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.options import Glossary
from summarizer.output.render import digest_from_json, digest_schema, render_html, render_json, render_markdown
from summarizer.quality.fact_table import fact_table
from summarizer.results import (
    Article,
    Digest,
    LanguageDigest,
    ModelInfo,
    QualityFlag,
    Sentence,
    Translation,
    TranslationSet,
)

runner = CliRunner()
GLOSSARY = Glossary(
    terms={
        "Non-Aligned Movement": {
            "ru": "Движение неприсоединения",
            "az": "Qoşulmama Hərəkatı",
            "ar": "حركة عدم الانحياز",
        }
    },
    keep=("Trend", "NAM"),
)
SOURCES = [
    "President Ilham Aliyev met Csaba Kőrösi in Baku on 2 March 2023, Trend reports.",
    "The Non-Aligned Movement (NAM) has 120 members; see https://nam.az/news for details.",
    "The summit cost €30 million.",
]
# Hand-made translations: ru keeps every fact; az drops 120 and the URL; ar turns € into $.
OUTPUTS = {
    "ru": [
        "Президент Ильхам Алиев встретился с Чабой Кёрёши в Баку 2 марта 2023 года, сообщает Trend.",
        "В Движение неприсоединения (NAM) входят 120 стран; подробности на https://nam.az/news.",
        "Саммит обошёлся в €30 млн.",
    ],
    "az": [
        "Prezident İlham Əliyev 2 mart 2023-cü ildə Bakıda Çaba Kərösi ilə görüşüb, Trend xəbər verir.",
        "Qoşulmama Hərəkatının (NAM) çoxlu üzvü var.",
        "Sammit 30 milyon avroya başa gəlib.",
    ],
    "ar": [
        "التقى الرئيس إلهام علييف بتشابا كوروشي في باكو في 2 مارس 2023، حسبما أفادت Trend.",
        "تضم حركة عدم الانحياز (NAM) ‏120 عضوا؛ التفاصيل على https://nam.az/news.",
        "كلفت القمة 30 مليون دولار.",
    ],
}
FLAGS = {
    ("az", 1): (
        QualityFlag("number-mismatch", "missing or changed in the output: 120", 0.0),
        QualityFlag("url-mismatch", "missing or changed in the output: https://nam.az/news", 0.0),
    ),
    ("ar", 2): (QualityFlag("number-mismatch", "missing or changed in the output: €30", 0.0),),
}


def digest() -> Digest:
    sentences = tuple(Sentence(f"a:p{i}:s0", text, i, 0) for i, text in enumerate(SOURCES))
    article = Article("a", "Baku", "a.txt", " ".join(SOURCES), sentences)
    languages = []
    for target, outputs in OUTPUTS.items():
        translations = tuple(
            Translation(s.id, s.text, out, flags=FLAGS.get((target, i), ()))
            for i, (s, out) in enumerate(zip(sentences, outputs, strict=True))
        )
        ts = TranslationSet(target, "en", ModelInfo("m", None, "f"), None, {}, translations)
        languages.append(LanguageDigest(target, full=ts))
    return Digest(article, None, (), tuple(languages))


def rows_by_text(d: Digest) -> dict[str, dict[str, tuple]]:
    table = fact_table(d, GLOSSARY)
    return {row.text: {c.target: (c.renderings, c.missing, c.flags) for c in row.cells} for row in table}


def test_each_fact_and_how_each_language_rendered_it():
    table = fact_table(digest(), GLOSSARY)
    kinds = [(row.kind, row.text) for row in table]
    assert kinds == [
        ("name", "Ilham Aliyev"),
        ("name", "Csaba Kőrösi"),
        ("date", "2 March 2023"),
        ("term", "Trend"),
        ("term", "Non-Aligned Movement"),
        ("term", "NAM"),
        ("number", "120"),
        ("url", "https://nam.az/news"),
        ("number", "€30"),
    ]
    rows = rows_by_text(digest())
    # Names through transliteration, in each script.
    assert rows["Ilham Aliyev"]["ru"][0] == ("Ильхам Алиев",)
    assert rows["Ilham Aliyev"]["az"][0] == ("İlham Əliyev",)
    # Arabic drops most vowels: Aliyev's skeleton is one letter, too short to look for, so neither found
    # nor missing; Kőrösi's (krs) is found.
    assert rows["Ilham Aliyev"]["ar"] == ((), (), ())
    assert rows["Csaba Kőrösi"]["ar"][0] == ("كوروشي",)
    # A date by its numbers, with the month's word where only the day is a number.
    assert rows["2 March 2023"]["ru"][0] == ("2 марта 2023",)
    # Glossary terms: the target form (inflected in Azerbaijani), kept terms as written.
    assert rows["Non-Aligned Movement"]["az"] == (("Qoşulmama Hərəkatı",), (), ())
    assert rows["NAM"]["ar"] == (("NAM",), (), ())
    assert rows["Trend"]["ru"] == (("Trend",), (), ())


def test_a_lost_fact_is_missing_and_flagged_with_its_sentence():
    rows = rows_by_text(digest())
    assert rows["120"]["ru"] == (("120",), (), ())
    assert rows["120"]["az"] == ((), ("a:p1:s0",), ("number-mismatch",))
    assert rows["https://nam.az/news"]["az"] == ((), ("a:p1:s0",), ("url-mismatch",))
    # €30 written as "30 ... دولار" (dollars): the amount changed currency, so it is missing and flagged.
    assert rows["€30"]["ar"] == ((), ("a:p2:s0",), ("number-mismatch",))
    # In Azerbaijani the amount is there, in words of the currency the check knows (avro).
    assert rows["€30"]["az"][1:] == ((), ())


def test_name_inconsistent_and_term_missing_mark_the_cell_they_name():
    d = digest()
    ru = d.languages[0].full
    assert ru is not None
    flagged = [
        Translation(
            t.source_id,
            t.source,
            t.text,
            flags=(
                QualityFlag("name-inconsistent", "Ilham Aliyev is rendered as Алыев here and as Алиев elsewhere", 2),
            )
            if i == 0
            else (),
        )
        for i, t in enumerate(ru.translations)
    ]
    d = Digest(
        d.article,
        None,
        (),
        (LanguageDigest("ru", full=TranslationSet("ru", "en", ru.model, None, {}, tuple(flagged))),),
    )
    rows = rows_by_text(d)
    assert rows["Ilham Aliyev"]["ru"][2] == ("name-inconsistent",)
    assert rows["Csaba Kőrösi"]["ru"][2] == ()  # the flag names another name


def test_no_table_without_a_translation_and_names_translators_translate_are_left_out():
    d = digest()
    assert fact_table(Digest(d.article, None, ())) == ()
    # Without a glossary: organisations are translated, NAM is an acronym (translators expand them) and
    # Trend a dictionary word: none is a row; the glossary's keep list is what makes them facts.
    texts = [row.text for row in fact_table(d)]
    assert "Ilham Aliyev" in texts
    assert not {"Non-Aligned Movement", "NAM", "Trend"} & set(texts)


def test_json_carries_the_table_valid_and_read_back():
    d = digest()
    d = Digest(d.article, None, (), d.languages, facts=fact_table(d, GLOSSARY))
    text = render_json(d)
    data = json.loads(text)
    jsonschema.validate(data, digest_schema())
    assert data["facts"][0]["kind"] == "name" and data["facts"][0]["cells"][0]["target"] == "ru"
    assert digest_from_json(text).facts == d.facts


def test_html_and_markdown_show_the_table_folded_with_the_source_span():
    d = digest()
    d = Digest(d.article, None, (), d.languages, facts=fact_table(d, GLOSSARY))
    html = render_html(d)
    assert '<details class="facts-table has-flags" id="facts" data-rows="9" data-flagged="3">' in html
    # Flags are per cell: the az cell of the URL carries url-mismatch alone, that of 120 number-mismatch alone.
    table = html[html.index('id="facts"') : html.index("</details>", html.index('id="facts"'))]
    assert table.count('data-flags="url-mismatch"') == 1 and table.count('data-flags="number-mismatch"') == 2
    assert 'data-flags="url-mismatch"' in html and 'data-flags="number-mismatch"' in html
    assert "<mark>https://nam.az/news</mark>" in html
    single = render_html(d, "ru")  # one language's page: its column alone, nothing flagged there
    assert 'data-flagged="0"' in single and 'data-target="az"' not in single
    md = render_markdown(d)
    assert "<summary>Facts: 9 names, numbers and terms · 3 flagged</summary>" in md
    assert "⚠ url-mismatch not in p1:s0:" in md and "**https://nam.az/news**" in md


def test_a_job_writes_the_table_for_the_seed_article(tmp_path, marian):
    seed = Path(__file__).resolve().parents[1] / "seeds" / "baku-non-aligned-movement-2023.txt"
    (tmp_path / "seed.txt").write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "terms.csv").write_text(
        "en,ru\nNon-Aligned Movement,Движение неприсоединения\nTrend,\nNAM,\n", encoding="utf-8"
    )
    args = ["translate", "seed.txt", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--glossary", "terms.csv"]
    args += ["--format", "json,html", "--out", "out", "--max-new-tokens", "24", "--num-beams", "1"]
    result = runner.invoke(app, [*args, "--no-retry"])
    assert result.exit_code == 0, result.output
    data = json.loads(Path("out/seed.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, digest_schema())
    texts = {(row["kind"], row["text"]) for row in data["facts"]}
    assert {("name", "Ilham Aliyev"), ("term", "NAM"), ("term", "Non-Aligned Movement"), ("number", "120")} <= texts
    # Each row's first span is where its text comes from; a name's or term's every span reads the same.
    sentences = {s["id"]: s["text"] for s in data["article"]["sentences"]}
    for row in data["facts"]:
        spanned = [sentences[sp["sentence_id"]][sp["start"] : sp["end"]] for sp in row["spans"]]
        assert spanned[0] == row["text"]
        if row["kind"] in ("name", "term"):
            assert {" ".join(t.split()).casefold() for t in spanned} == {" ".join(row["text"].split()).casefold()}
    assert 'id="facts"' in Path("out/seed.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.browser
def test_the_facts_table_in_chromium(tmp_path):
    from selenium.webdriver.common.by import By

    from tests.test_browser import _driver

    d = digest()
    d = Digest(d.article, None, (), d.languages, facts=fact_table(d, GLOSSARY))
    path = tmp_path / "facts.html"
    path.write_text(render_html(d), encoding="utf-8")
    driver = _driver(tmp_path)
    try:
        driver.get(path.resolve().as_uri())
        details = driver.find_element(By.ID, "facts")
        assert details.get_attribute("open") is None, "the table starts folded"
        assert not driver.find_element(By.CSS_SELECTOR, "#facts table").is_displayed()
        details.find_element(By.TAG_NAME, "summary").click()
        assert driver.find_element(By.CSS_SELECTOR, "#facts table").is_displayed()
        cells = driver.execute_script(
            """return [...document.querySelectorAll('#facts td.fact')].map(td => ({
                 target: td.dataset.target, flags: td.dataset.flags || '', text: td.innerText,
                 direction: getComputedStyle(td).direction, background: getComputedStyle(td).backgroundColor,
                 marks: [...td.querySelectorAll('mark')].map(m => m.innerText)}))"""
        )
        assert len(cells) == 9 * 3
        flagged = [c for c in cells if c["flags"]]
        assert [(c["target"], c["flags"]) for c in flagged] == [
            ("az", "number-mismatch"),
            ("az", "url-mismatch"),
            ("ar", "number-mismatch"),
        ]
        url = next(c for c in flagged if c["flags"] == "url-mismatch")
        assert url["marks"] == ["https://nam.az/news"] and "not in p1:s0" in url["text"]
        clean = next(c for c in cells if not c["flags"] and c["target"] == "ru")
        assert flagged[0]["background"] != clean["background"], "a flagged cell looks different"
        assert {c["direction"] for c in cells if c["target"] == "ar"} == {"rtl"}
        assert {c["direction"] for c in cells if c["target"] != "ar"} == {"ltr"}
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 400, "height": 900, "deviceScaleFactor": 1, "mobile": True}
        )
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px at phone width"
        assert driver.execute_script("return document.scripts.length") == 0
    finally:
        driver.quit()
