"""The HTML digest in a real headless Chromium: direction, alignment, no script, no network, phone layout.

Needs Debian's chromium and chromium-driver (`make test` installs them); without them these tests fail.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from summarizer.inputs.segmenting import segment_article
from summarizer.output.files import output_names, write_digest
from summarizer.results import (
    Article,
    Digest,
    LanguageDigest,
    ModelInfo,
    QualityFlag,
    Sentence,
    Summary,
    Translation,
    TranslationSet,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SEED = Path(__file__).resolve().parents[1] / "seeds" / "baku-non-aligned-movement-2023.txt"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# What the browser must compute, written out rather than taken from the code under test.
EXPECTED_DIRECTION = {"en": "ltr", "az": "ltr", "ru": "ltr", "ar": "rtl", "fa": "rtl", "he": "rtl", "ur": "rtl"}
XSS = "<script>window.pwned=1</script>"

# Made-up translations of the summary below, in the right scripts; the models are stand-ins anyway.
SUMMARY = [
    "Azerbaijan has chaired the Non-Aligned Movement since 2019 and had its term extended for another year.",
    "Under its chairmanship the movement pushed for a fair distribution of COVID-19 vaccines.",
    "Baku hosted a NAM Contact Group summit on post-pandemic recovery on March 2.",
    "Most member states recognize Karabakh as an integral part of Azerbaijan.",
]
SUMMARY_TRANSLATIONS = {
    "az": [
        "Azərbaycan 2019-cu ildən Qoşulmama Hərəkatına sədrlik edir və sədrliyi daha bir il uzadılıb.",
        "Sədrliyi dövründə hərəkat COVID-19 peyvəndlərinin ədalətli bölüşdürülməsini tələb edib.",
        "Bakı martın 2-də pandemiyadan sonrakı bərpaya həsr olunmuş Təmas Qrupunun sammitinə ev sahibliyi edib.",
        "Üzv dövlətlərin əksəriyyəti Qarabağı Azərbaycanın ayrılmaz hissəsi kimi tanıyır.",
    ],
    "ru": [
        "Азербайджан председательствует в Движении неприсоединения с 2019 года, и его мандат продлён ещё на год.",
        "В период председательства движение добивалось справедливого распределения вакцин от COVID-19.",
        "2 марта Баку принял саммит Контактной группы ДН, посвящённый восстановлению после пандемии.",
        "Большинство государств-членов признают Карабах неотъемлемой частью Азербайджана.",
    ],
    "ar": [
        "تترأس أذربيجان حركة عدم الانحياز منذ عام 2019، وقد مُدِّدت رئاستها لعام آخر.",
        "خلال رئاستها دعت الحركة إلى توزيع عادل للقاحات كوفيد-19.",
        "استضافت باكو في 2 مارس قمة مجموعة الاتصال لحركة عدم الانحياز حول التعافي بعد الجائحة.",
        "تعترف غالبية الدول الأعضاء بكاراباخ جزءًا لا يتجزأ من أذربيجان.",
    ],
}
FULL_TEMPLATES = {
    "az": "Cümlə {n}: sınaq tərcüməsi.",
    "ru": "Предложение {n}: пробный перевод.",
    "ar": "الجملة {n}: ترجمة تجريبية.",
}
TOKENS = {"az": ">>aze_Latn<<", "ru": None, "ar": ">>ara<<"}
MODELS = {"az": "Helsinki-NLP/opus-mt-en-trk", "ru": "Helsinki-NLP/opus-mt-en-ru", "ar": "Helsinki-NLP/opus-mt-en-ar"}
READ_WARNINGS = ("the encoding was guessed: windows-1252",)


def _model(name: str) -> ModelInfo:
    fingerprint = "sha256:" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return ModelInfo(name=f"stand-in/{name.split('/')[-1]}", revision=None, fingerprint=fingerprint, stand_in=True)


def _tset(target: str, sentences: tuple[Sentence, ...], texts: list[str]) -> TranslationSet:
    translations = tuple(
        Translation(s.id, s.text, t, cached=i % 3 == 0) for i, (s, t) in enumerate(zip(sentences, texts, strict=True))
    )
    params = {"num_beams": 4, "max_new_tokens": 256}
    return TranslationSet(target, "en", _model(MODELS[target]), TOKENS[target], params, translations, seconds=0.42)


def seed_digest(hostile: bool = False, targets: tuple[str, ...] = ("az", "ru", "ar")) -> Digest:
    """The seed article with a hand-made summary and translations, as the pipeline would hand it over.

    With `hostile`, a `<script>` is planted in the text, title, a sentence, the summary and a translation.
    """
    text = SEED.read_text(encoding="utf-8").strip()
    summary = list(SUMMARY)
    translations = {t: list(v) for t, v in SUMMARY_TRANSLATIONS.items()}
    title = "Azerbaijan's role in the Non-Aligned Movement and the new world order"
    if hostile:
        text = f"{XSS} {text}\n\nA closing line with {XSS} inside."
        title += f" {XSS}"
        summary[1] += f" {XSS}"
        translations["ar"][1] += f" {XSS}"
    article_id = "baku-non-aligned-movement-2023"
    sentences = segment_article(text, article_id)
    summary_sentences = tuple(Sentence(f"{article_id}-summary:p0:s{i}", s, 0, i) for i, s in enumerate(summary))
    languages = tuple(
        LanguageDigest(
            target=t,
            summary=_tset(t, summary_sentences, translations[t]),
            full=_tset(t, sentences, [FULL_TEMPLATES[t].format(n=i + 1) for i in range(len(sentences))]),
        )
        for t in targets
    )
    summary_info = Summary(
        text=" ".join(summary),
        model=_model("sshleifer/distilbart-cnn-12-6"),
        params={"num_beams": 4, "min_new_tokens": 30, "max_new_tokens": 142, "no_repeat_ngram_size": 3},
        input_tokens=1377,
        max_input_tokens=1024,
        chunked=True,
        chunks=2,
        rounds=1,
        seconds=3.21,
        warnings=("the input was longer than the model's 1024-token limit and was summarized in 2 chunks",),
    )
    source = "seeds/baku-non-aligned-movement-2023.txt"  # outputs name inputs relative to the job's folder
    article = Article(article_id, title, source, text, sentences, date="2023-03-02", warnings=READ_WARNINGS)
    timings = {"read": 0.004, "segment": 0.031, "summarize": 3.21, "translate": 2.87}
    return Digest(article, summary_info, summary_sentences, languages, timings=timings)


def _driver(tmp_path: Path):
    """Headless Chromium from Debian, with the chromedriver we name: selenium-manager never runs."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: run `apt-get install -y chromium chromium-driver` (make test installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def _screenshot(driver, path: Path, width: int, mobile: bool) -> Path:
    """A full-page PNG at `width` CSS pixels."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile}
    )
    height = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": mobile},
    )
    assert driver.save_screenshot(str(path)), f"no screenshot saved to {path}"
    return path


# Every cell of the sentence tables, header cells included: which column (`src` or a target code), its
# computed direction and alignment, and where it sits.
_CELLS_JS = """
const out = [];
for (const table of document.querySelectorAll('table.bitext')) {
  for (const tr of [...table.tHead.rows, ...table.tBodies[0].rows]) {
    for (const cell of tr.querySelectorAll('td, th.src, th.tgt')) {
      const st = getComputedStyle(cell), box = cell.getBoundingClientRect();
      out.push({targets: table.dataset.targets.split(' '), part: table.dataset.part, sid: tr.dataset.sid || 'head',
                column: cell.classList.contains('src') ? 'src' : cell.dataset.target, head: cell.tagName === 'TH',
                lang: cell.lang, direction: st.direction, align: st.textAlign, display: st.display,
                top: box.top, left: box.left, text: cell.textContent});
    }
  }
}
return out;
"""


def check_digest_in_browser(html_path: Path, expected_rows: dict[str, int], tmp_path: Path) -> dict:
    """Load an HTML digest over file:// and check what a reader would get; return what was seen.

    `expected_rows` maps each target language to its number of summary sentences: the rows its
    summary table must have. Checks every cell's computed direction and alignment, that no script
    ran and no element exists, that nothing was requested beyond the page itself, and that the phone
    layout stacks each sentence and its translations without horizontal scrolling. Saves desktop and phone
    screenshots.
    """
    html_path = Path(html_path).resolve()
    url = html_path.as_uri()
    driver = _driver(tmp_path)
    try:
        # Leave the start page and drop its log, so every request logged after this is the digest's.
        driver.get("about:blank")
        driver.get_log("performance")
        driver.get(url)
        seen: dict = {
            "url": url,
            "title": driver.title,
            "text": driver.execute_script("return document.body.innerText"),
        }
        assert driver.execute_script("return typeof window.pwned") == "undefined", "a script from the input ran"
        assert driver.execute_script("return document.scripts.length") == 0, "the page contains a <script> element"

        cells = driver.execute_script(_CELLS_JS)
        rows: dict[str, int] = {}
        for cell in cells:
            if cell["part"] == "summary" and not cell["head"] and cell["column"] != "src":
                rows[cell["column"]] = rows.get(cell["column"], 0) + 1
        seen["rows"] = rows
        assert rows == expected_rows, f"summary rows per language: got {rows}, expected {expected_rows}"
        seen["directions"] = {}
        for cell in cells:
            lang = cell["lang"].split("-")[0]
            want = EXPECTED_DIRECTION.get(lang)
            assert want is not None, f"no expected direction for lang={cell['lang']!r} ({cell['sid']})"
            assert cell["direction"] == want, (
                f"{cell['column']} cell {cell['sid']} ({cell['part']}) is {cell['direction']}, not {want}"
            )
            if want == "rtl":
                assert cell["align"] in ("right", "start"), f"RTL cell {cell['sid']} is aligned {cell['align']}"
            seen["directions"].setdefault(cell["column"], cell["direction"])

        seen["resources"] = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert seen["resources"] == [], f"the page loaded resources: {seen['resources']}"
        requests = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        seen["requests"] = requests
        assert url in requests, "the performance log did not record the page itself: is logging on?"
        outside = [u for u in requests if u != url and not u.startswith("data:")]
        assert not outside, f"the page requested {outside}"

        shots = tmp_path / "screenshots"
        shots.mkdir(exist_ok=True)
        stem = html_path.name.removesuffix(".html").replace(".", "-")
        seen["screenshots"] = {"desktop": _screenshot(driver, shots / f"{stem}-desktop.png", 1280, mobile=False)}
        seen["screenshots"]["phone"] = _screenshot(driver, shots / f"{stem}-phone.png", 400, mobile=True)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px at phone width"
        for cell in driver.execute_script(_CELLS_JS):
            if not cell["head"]:  # the heading row is hidden: each cell is labelled with its language
                assert cell["display"] == "block", f"at phone width a sentence and its translations stack: {cell}"
        for path in seen["screenshots"].values():
            data = path.read_bytes()
            assert data.startswith(PNG_MAGIC) and len(data) > 1000, f"{path} is not a PNG screenshot"

        # Quality details, warnings and provenance: folded below the text, each opened by a click on its summary.
        seen["status"] = driver.find_element(By.ID, "status").text
        seen["notes"] = {}
        for details in driver.find_elements(By.CSS_SELECTOR, "#notes > details"):
            name = details.get_attribute("id")
            assert details.get_attribute("open") is None, f"#{name} starts folded"
            summary = details.find_element(By.TAG_NAME, "summary")
            driver.execute_script("arguments[0].scrollIntoView()", summary)
            summary.click()
            assert details.get_attribute("open") is not None, f"a click on its summary opens #{name}"
            seen["notes"][name] = details.text
        assert set(seen["notes"]) >= {"quality-summary", "provenance"}, seen["notes"]
        return seen
    finally:
        driver.quit()


@pytest.mark.slow
def test_digest_renders_in_chromium(tmp_path):
    digest = seed_digest()
    stem = output_names([digest.article.source])[digest.article.source]
    paths = write_digest(digest, tmp_path / "out", stem, formats=["html"])
    assert [p.name for p in paths] == [f"{stem}.html", f"{stem}.az.html", f"{stem}.ru.html", f"{stem}.ar.html"]
    seen = check_digest_in_browser(paths[0], {"az": 4, "ru": 4, "ar": 4}, tmp_path)
    assert seen["directions"] == {"src": "ltr", "az": "ltr", "ru": "ltr", "ar": "rtl"}
    assert "STAND-IN" in seen["title"] and "stand-in models" in seen["text"].lower()
    # Reading's warnings are counted at the top and folded away below the text, one click from view.
    assert seen["status"] == "Quality: no quality flags · 2 warnings · details below"
    assert "input: the encoding was guessed: windows-1252" not in seen["text"]
    assert "input: the encoding was guessed: windows-1252" in seen["notes"]["warnings"]


@pytest.mark.slow
def test_single_language_page_in_chromium(tmp_path):
    digest = seed_digest()
    paths = write_digest(digest, tmp_path, "baku", formats=["html"])
    ar_page = tmp_path / "baku.ar.html"
    assert ar_page in paths
    seen = check_digest_in_browser(ar_page, {"ar": 4}, tmp_path)
    assert seen["directions"] == {"src": "ltr", "ar": "rtl"}


@pytest.mark.slow
def test_script_in_article_stays_text_in_chromium(tmp_path):
    digest = seed_digest(hostile=True)
    (path, *_) = write_digest(digest, tmp_path, "hostile", formats=["html"])
    seen = check_digest_in_browser(path, {"az": 4, "ru": 4, "ar": 4}, tmp_path)
    assert XSS in seen["title"]
    # The title, the first and the last sentence, the summary sentence (English once: one row, a column per
    # language), and its Arabic translation; the paragraph view, not shown, holds no visible text.
    assert seen["text"].count(XSS) == 5, "the planted <script> should show as text wherever it was planted"


# A long unbroken URL in a message is what could push a phone layout sideways.
LONG_URL = "https://example.org/" + "a-very-long-path-segment-without-breaks" * 4
FLAGS = {
    ("ar", "summary", 1): (QualityFlag("wrong-language", f"reads as en (97%), not ar {XSS}", 0.03),),
    ("az", "full", 0): (
        QualityFlag("number-mismatch", "missing or changed in the output: 2019", 0.0),
        QualityFlag("url-mismatch", f"missing or changed in the output: {LONG_URL}", 0.0),
    ),
}


def flagged_seed_digest() -> Digest:
    """The seed digest with the FLAGS above on three rows, the Arabic one retried, and a flagged summary."""
    digest = seed_digest()
    languages = []
    for lang in digest.languages:
        sets = {}
        for kind in ("summary", "full"):
            ts = getattr(lang, kind)
            marked = [
                replace(t, flags=FLAGS[(lang.target, kind, i)], retried=lang.target == "ar")
                if (lang.target, kind, i) in FLAGS
                else t
                for i, t in enumerate(ts.translations)
            ]
            sets[kind] = replace(ts, translations=tuple(marked))
        languages.append(replace(lang, **sets))
    summary = replace(digest.summary, flags=(QualityFlag("unsupported-number", "not in the article: 1961", 1.0),))
    return replace(digest, languages=tuple(languages), summary=summary)


_BADGES_JS = """
return Array.from(document.querySelectorAll('td.tgt[data-flags] .flag, td.tgt[data-retried] .retried'),
  el => {
    const box = el.getBoundingClientRect(), st = getComputedStyle(el);
    const td = el.closest('td'), cell = td.getBoundingClientRect(), tr = el.closest('tr'), table = el.closest('table');
    return {row: `${td.dataset.target} ${table.dataset.part} ${tr.sectionRowIndex}`, code: el.dataset.code || 'retried', title: el.title,
            width: box.width, height: box.height, left: box.left, right: box.right, cellLeft: cell.left,
            cellRight: cell.right, display: st.display, visibility: st.visibility, opacity: st.opacity};
  });
"""


@pytest.mark.slow
def test_quality_flags_show_in_chromium(tmp_path):
    digest = flagged_seed_digest()
    (path, *_) = write_digest(digest, tmp_path, "flagged", formats=["html"])
    # All the usual checks (no script, directions, no sideways scrolling at 400 px) hold with badges present.
    check_digest_in_browser(path, {"az": 4, "ru": 4, "ar": 4}, tmp_path)
    sentences = 3 * (len(SUMMARY) + len(digest.article.sentences))
    driver = _driver(tmp_path)
    try:
        driver.get(path.resolve().as_uri())
        headline = driver.execute_script("return document.querySelector('#quality-summary').innerText")
        assert headline.startswith(
            f"Quality: 2 of {sentences} translations flagged (1 number-mismatch, 1 url-mismatch, 1 wrong-language); "
            "summary flagged: unsupported-number; 1 retried (their first output was flagged): 0 pass now, 1 still flagged"
        ), headline
        for width, mobile in ((1280, False), (400, True)):
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
            )
            badges = driver.execute_script(_BADGES_JS)
            assert [(b["row"], b["code"]) for b in badges] == [
                ("ar summary 1", "wrong-language"),
                ("ar summary 1", "retried"),
                ("az full 0", "number-mismatch"),
                ("az full 0", "url-mismatch"),
            ], f"one badge per flag, then the retried marker, in page order, at {width}px"
            for b in badges:
                assert b["width"] > 0 and b["height"] > 0, f"{b['code']} badge has no size at {width}px"
                assert b["display"] != "none" and b["visibility"] == "visible" and b["opacity"] == "1", b
                # At phone width the columns scroll sideways in their box: a badge stays inside its cell.
                assert b["cellLeft"] <= b["left"] and b["right"] <= b["cellRight"], (
                    f"{b['code']} sticks out at {width}px"
                )
            titles = {b["code"]: b["title"] for b in badges}
            assert titles["wrong-language"] == f"reads as en (97%), not ar {XSS}", "the title holds the message as text"
            assert "stronger decoding" in titles["retried"]
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {width}px with badges"
        notes = driver.execute_script(
            "return document.querySelector('td[data-flags~=\"url-mismatch\"] .flag-notes').innerText"
        )
        assert LONG_URL in notes.replace("\n", ""), "the message is readable without hovering"
        assert driver.execute_script("return typeof window.pwned") == "undefined"
    finally:
        driver.quit()


def test_missing_browser_fails_with_install_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        _driver(tmp_path)
