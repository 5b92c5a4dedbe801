"""The digest as a reader gets it: one row per sentence and a column per language, a paragraph view behind a
CSS-only switch, notes folded below the text, the article's metadata, and the digest in Jupyter.

The tests marked `browser` load the pages in Debian's headless Chromium (`make browser` installs it).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from test_render import SCRIPT, Page, expected_text, make_digest, validate

from summarizer.output.files import write_digest
from summarizer.output.render import digest_from_json, render_html, render_json, render_markdown, render_summary
from summarizer.results import Digest

from conftest import run_python
from test_browser import _driver, flagged_seed_digest

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}  # an iPhone 12-15 screen
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
WANT_DIR = {"en": "ltr", "az": "ltr", "ru": "ltr", "ar": "rtl"}


class Paragraphs(HTMLParser):
    """The paragraph view's tables: part -> rows (one per paragraph) -> cells -> sentence spans."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: dict[str, list[dict]] = {}
        self._part: str | None = None
        self._cell: dict | None = None
        self._span: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table" and "paras" in (a.get("class") or "").split():
            self._part = a["data-part"]
            self.parts[self._part] = []
        elif self._part and tag == "tr" and "data-paragraph" in a:
            self.parts[self._part].append({"paragraph": int(a["data-paragraph"]), "cells": []})
        elif self._part and tag == "td":
            self._cell = {"attrs": a, "spans": []}
            self.parts[self._part][-1]["cells"].append(self._cell)
        elif self._cell is not None and tag == "span" and "s" in (a.get("class") or "").split():
            self._span = {"attrs": a, "text": ""}
            self._cell["spans"].append(self._span)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._part = None
        elif tag == "td":
            self._cell = None
        elif tag == "span":
            self._span = None

    def handle_data(self, data: str) -> None:
        if self._span is not None:
            self._span["text"] += data


def _with_metadata(digest: Digest, **fields) -> Digest:
    return replace(digest, article=replace(digest.article, **fields))


METADATA = {
    "author": f"Ivan {SCRIPT} Petrov",
    "site": "Example News",
    "url": "https://example.org/news?id=7&page=<2>",
    "date": "2023-03-02",
    "lang": "ru",
    "lang_origin": "detected",
    "lang_probability": 0.9812,
}


# --- the combined page: a column per language -------------------------------------------------------


def test_combined_page_has_one_row_per_sentence_and_a_column_per_language():
    digest = make_digest()  # translations stored out of order: rows must follow ids
    html = render_html(digest)
    page = Page(html)
    sources = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    assert [t["part"] for t in page.tables] == ["summary", "full"]
    for table in page.tables:
        assert table["targets"] == ["az", "ru", "ar"]
        head = [(c["attrs"].get("lang"), c["attrs"].get("dir"), c["attrs"].get("data-target")) for c in table["head"]]
        assert head == [
            (None, None, None),
            ("en", "ltr", None),
            ("az", "ltr", "az"),
            ("ru", "ltr", "ru"),
            ("ar", "rtl", "ar"),
        ]
        sentences = sources[table["part"]]
        assert [row["attrs"]["data-sid"] for row in table["rows"]] == [s.id for s in sentences]
        for row, sentence in zip(table["rows"], sentences, strict=True):
            _, src, *tgts = row["cells"]
            assert (src["attrs"]["lang"], src["attrs"]["dir"], src["text"]) == ("en", "ltr", sentence.text)
            assert [c["attrs"]["data-target"] for c in tgts] == ["az", "ru", "ar"]
            for cell in tgts:
                target = cell["attrs"]["data-target"]
                assert (cell["attrs"]["lang"], cell["attrs"]["dir"]) == (target, WANT_DIR[target])
                assert cell["text"] == expected_text(digest, target, table["part"], sentence.id)
    # No English repeated per language: each source sentence is in one table cell (and once more in the
    # paragraph view), where the old page had it once per language.
    text = "".join(page.text)
    for sentence in (*digest.summary_sentences, *digest.article.sentences):
        cells = [r for t in page.tables for r in t["rows"] if r["cells"][1]["text"] == sentence.text]
        assert len(cells) == 1, sentence.id
        assert text.count(sentence.text) == 2, f"{sentence.id}: table view and paragraph view, nothing more"


def test_per_language_page_keeps_two_columns():
    digest = make_digest()
    page = Page(render_html(digest, "ar"))
    for table in page.tables:
        assert [(c["attrs"].get("lang"), c["attrs"].get("dir")) for c in table["head"]] == [
            (None, None),
            ("en", "ltr"),
            ("ar", "rtl"),
        ]
        assert all(len(row["cells"]) == 3 for row in table["rows"])
    assert 'class="bitext aligned"' in render_html(digest, "ar"), "two columns: not the wide, side-scrolling layout"
    assert 'class="bitext aligned multi"' in render_html(digest)


def test_a_missing_translation_leaves_its_cell_empty_and_the_rows_aligned():
    digest = make_digest()
    az, ru, ar = digest.languages
    dropped = "art-1:p2:s0"
    orphan = replace(ru.full.translations[0], source_id="art-1:p9:s9", text="orphan")
    kept = tuple(t for t in ru.full.translations if t.source_id != dropped) + (orphan,)
    digest = replace(digest, languages=(az, replace(ru, full=replace(ru.full, translations=kept)), ar))
    html = render_html(digest)
    page = Page(html)
    (full,) = [t for t in page.tables if t["part"] == "full"]
    assert [r["attrs"]["data-sid"] for r in full["rows"]] == [s.id for s in digest.article.sentences]
    for row in full["rows"]:
        sid = row["attrs"]["data-sid"]
        cells = {c["attrs"]["data-target"]: c for c in row["cells"][2:]}
        assert ("missing" in cells["ru"]["attrs"]["class"].split()) == (sid == dropped)
        assert cells["az"]["text"] == expected_text(digest, "az", "full", sid)
        if sid != dropped:
            assert cells["ru"]["text"] == expected_text(digest, "ru", "full", sid)
    assert "orphan" not in "".join(page.text).replace("matching no source sentence", "")
    # The paragraph view holds a placeholder in its place, so sentence k is still sentence k in every column.
    (para,) = [p for p in Paragraphs(html).parts["full"] if p["paragraph"] == 2]
    ru_cell = para["cells"][2]
    assert [s["attrs"]["data-sid"] for s in ru_cell["spans"]] == ["art-1:p2:s0", "art-1:p2:s1"]
    assert ru_cell["spans"][0]["text"] == "[no translation]" and "missing" in ru_cell["spans"][0]["attrs"]["class"]


# --- the paragraph view and its switch ---------------------------------------------------------------


def test_paragraph_view_links_each_sentence_to_its_translations():
    digest = make_digest()
    html = render_html(digest)
    parts = Paragraphs(html).parts
    sources = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    assert list(parts) == ["summary", "full"]
    for kind, rows in parts.items():
        paragraphs: dict[int, list] = {}
        for s in sources[kind]:
            paragraphs.setdefault(s.paragraph, []).append(s)
        assert [r["paragraph"] for r in rows] == list(paragraphs), "one row per paragraph, in order"
        for row in rows:
            sentences = paragraphs[row["paragraph"]]
            src, *tgts = row["cells"]
            assert (src["attrs"]["lang"], src["attrs"]["dir"]) == ("en", "ltr")
            assert [s["text"] for s in src["spans"]] == [s.text for s in sentences]
            assert [s["attrs"]["id"] for s in src["spans"]] == [f"para-{kind}-{s.id}" for s in sentences]
            for cell in tgts:
                target = cell["attrs"]["data-target"]
                assert (cell["attrs"]["lang"], cell["attrs"]["dir"]) == (target, WANT_DIR[target])
                assert [s["attrs"]["data-sid"] for s in cell["spans"]] == [s.id for s in sentences]
                assert [s["attrs"]["id"] for s in cell["spans"]] == [f"para-{target}-{kind}-{s.id}" for s in sentences]
                assert [s["text"] for s in cell["spans"]] == [
                    expected_text(digest, target, kind, s.id) for s in sentences
                ]
    # Pointing at sentence k of a paragraph lights up sentence k of every column: one rule per position.
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    longest = max(len(p["cells"][0]["spans"]) for rows in parts.values() for p in rows)
    assert longest == 2
    for k in range(1, longest + 1):
        assert f"tr:has(> td > .s:nth-child({k}):hover) > td > .s:nth-child({k})" in style
    assert ".s:nth-child(3)" not in style


def test_view_switch_is_css_only_and_the_page_keeps_its_policy():
    html = render_html(make_digest())
    tags = Page(html).tags
    radios = [a for tag, a in tags if tag == "input"]
    assert [(a["type"], a["name"], a["id"], "checked" in a) for a in radios] == [
        ("radio", "view", "view-table", True),
        ("radio", "view", "view-paragraphs", False),
    ], "the table view is the default"
    assert [a["for"] for tag, a in tags if tag == "label"] == ["view-table", "view-paragraphs"]
    assert "script" not in {tag for tag, _ in tags}
    assert not [name for _, a in tags for name in a if name.startswith("on")], "no event handler attributes"
    (csp,) = [a["content"] for tag, a in tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp.startswith("default-src 'none';") and "script-src" not in csp
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert "#view-paragraphs:checked ~ .views .view-paragraphs { display: block; }" in css
    assert "#view-paragraphs:checked ~ .views .view-table" in css


# --- notes below the text, metadata at the top ---------------------------------------------------------


def test_notes_come_after_the_text_and_the_top_has_one_line():
    digest = replace(make_digest(), warnings=tuple(f"note {i}" for i in range(12)))
    html = render_html(digest)
    body = html.split("<body>", 1)[1]
    first_row = body.index('<td class="tgt"')
    before = body[:first_row]
    assert "note 0" not in before and "Models" not in before and "Timings" not in before
    status = re.search(r'<p class="status[^"]*" id="status"[^>]*>(.*?)</p>', body, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", status) == "Quality: no quality flags · 13 warnings · details below"
    notes = body.index('id="notes"')
    assert first_row < notes < body.index("note 0") and notes < body.index("<h3>Models</h3>")


def test_article_metadata_in_html_markdown_and_json():
    digest = _with_metadata(make_digest(), **METADATA)
    html = render_html(digest)
    header = html[html.index('<header class="masthead">') : html.index("</header>")]
    facts = re.findall(r'<div data-fact="([a-z]+)"><dt>([^<]+)</dt><dd>(.*?)</dd></div>', header, re.S)
    assert [(key, name) for key, name, _ in facts] == [
        ("author", "Author"),
        ("site", "Site"),
        ("date", "Date"),
        ("url", "URL"),
        ("source", "Source"),
        ("language", "Language"),
    ]
    values = {key: html_lib.unescape(re.sub(r"<[^>]+>", "", value)) for key, _, value in facts}
    assert values == {
        "author": METADATA["author"],
        "site": "Example News",
        "date": "2023-03-02",
        "url": METADATA["url"],
        "source": "news/art 1.txt",
        "language": "Russian (ru), detected 0.98",
    }
    assert '<a href="https://example.org/news?id=7&amp;page=&lt;2&gt;" rel="noopener noreferrer nofollow">' in header
    assert "<script" not in html.lower() and "&lt;script&gt;" in header
    md = render_markdown(digest).splitlines()
    for line in (
        "- **Author:** Ivan \\<script\\>alert('pwned')\\</script\\> Petrov",  # Markdown escapes, no entities
        "- **Site:** Example News",
        "- **Date:** 2023-03-02",
        "- **URL:** https://example.org/news?id=7\\&page=\\<2\\>",
        "- **Source:** news/art 1.txt",
        "- **Language:** Russian (ru), detected 0.98",
        "- **Article:** id art-1, 5 sentences, encoding utf-8",
    ):
        assert line in md
    text = render_json(digest)
    data = json.loads(text)
    assert {k: data["article"][k] for k in METADATA} == METADATA
    assert validate(data) == []
    assert digest_from_json(text) == digest
    summary = json.loads(render_summary(digest, "json"))["article"]
    assert {k: summary[k] for k in METADATA} == METADATA


def test_metadata_left_out_when_unknown_and_unsafe_urls_not_linked():
    plain = make_digest()  # no author, site or URL; language given
    header = render_html(plain).split("</header>", 1)[0]
    assert re.findall(r'data-fact="([a-z]+)"', header) == ["date", "source", "language"]
    assert "English (en), given" in header
    assert "- **Language:** English (en), given" in render_markdown(plain)
    hostile = _with_metadata(plain, url="javascript:alert(1)", source="javascript:alert(1)", date=None)
    header = render_html(hostile).split("</header>", 1)[0]
    assert "<a " not in header and "<code>javascript:alert(1)</code>" in header
    assert re.findall(r'data-fact="([a-z]+)"', header) == ["url", "language"], "the source is the URL: shown once"
    unknown = _with_metadata(plain, lang_origin="detected", lang_probability=None)
    assert "English (en), detected</dd>" in render_html(unknown)


def test_schema_checks_the_metadata():
    data = json.loads(render_json(_with_metadata(make_digest(), **METADATA)))
    old = json.loads(json.dumps(data))
    for key in ("author", "site", "url", "lang_origin", "lang_probability"):
        del old["article"][key]  # written before the fields existed
    assert validate(old) == []
    for key, bad in (("lang_origin", "guessed"), ("lang_probability", 1.5), ("lang_probability", "high"), ("url", 3)):
        broken = json.loads(json.dumps(data))
        broken["article"][key] = bad
        assert validate(broken) != [], (key, bad)


# --- Jupyter -------------------------------------------------------------------------------------------


def test_digest_shows_in_jupyter_as_a_sandboxed_page():
    digest = make_digest()
    shown = digest._repr_html_()
    match = re.fullmatch(
        r'<iframe class="summarizer-digest" title="([^"]*)" sandbox="" [^>]*srcdoc="([^"]*)"></iframe>', shown
    )
    assert match, shown[:300]
    assert html_lib.unescape(match.group(2)) == render_html(digest)
    assert html_lib.unescape(match.group(1)) == f"Title {SCRIPT} · digest"
    assert "<script" not in shown.lower()


_BUILD = """
from summarizer.results import Article, Digest, Sentence
article = Article("a", "T", "a.txt", "One.", (Sentence("a:p0:s0", "One.", 0, 0),))
digest = Digest(article, None, ())
"""


@pytest.mark.slow
def test_repr_html_is_registered_by_the_public_api_only():
    # results alone cannot render (it may not import render), so a bare Digest falls back to its repr...
    bare = run_python(_BUILD + "import sys\nprint(digest._repr_html_(), 'summarizer.output.render' in sys.modules)")
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout.split() == ["None", "False"]
    # ...and importing the public API registers the renderer.
    api = run_python("import summarizer\nsummarizer.summarize\n" + _BUILD + "print(digest._repr_html_()[:60])")
    assert api.returncode == 0, api.stderr
    assert api.stdout.startswith('<iframe class="summarizer-digest" title="T')


# --- in a real browser -------------------------------------------------------------------------------

_FIRST_TRANSLATION_JS = """
const cell = document.querySelector('table.bitext td.tgt'), box = cell.getBoundingClientRect();
const x = Math.min(box.left + 8, innerWidth - 2), y = box.top + 8;
return {top: box.top, left: box.left, width: box.width, lang: cell.lang,
        on_top: cell.contains(document.elementFromPoint(x, y)), height: document.documentElement.scrollHeight,
        sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        warnings_height: document.querySelector('#warnings').getBoundingClientRect().height};
"""

_ROWS_JS = """
return Array.from(document.querySelectorAll('table.bitext tbody tr'), tr => ({
  sid: tr.dataset.sid,
  cells: Array.from(tr.querySelectorAll('td'), td => {
    const b = td.getBoundingClientRect();
    return {column: td.classList.contains('src') ? 'en' : td.dataset.target, top: b.top, left: b.left,
            right: b.right, bottom: b.bottom, direction: getComputedStyle(td).direction};
  })}));
"""


def _pages(tmp_path: Path) -> dict[str, Path]:
    """The flagged seed digest with a dozen more warnings, written as a job writes it: page name -> file."""
    digest = flagged_seed_digest()
    digest = replace(
        digest, warnings=tuple(f"a long warning number {i} about something a reader can skip" for i in range(12))
    )
    paths = write_digest(digest, tmp_path / "out", "baku", formats=["html"])
    return {p.name.removeprefix("baku.").removesuffix("html").strip(".") or "all": p for p in paths}


def _metrics(driver, page: Path, device: dict) -> dict:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", device)
    driver.get(page.resolve().as_uri())
    return driver.execute_script(_FIRST_TRANSLATION_JS)


@pytest.mark.browser
@pytest.mark.slow
def test_first_translation_is_on_the_first_phone_screen(tmp_path):
    pages = _pages(tmp_path)
    assert set(pages) == {"all", "az", "ru", "ar"}
    driver = _driver(tmp_path)
    try:
        for name, page in pages.items():
            seen = _metrics(driver, page, PHONE)
            assert seen["top"] > 0 and seen["top"] + 40 < PHONE["height"], f"{name}: first translation at {seen}"
            assert 0 <= seen["left"] < PHONE["width"] - 100, f"{name}: first translation off to the side: {seen}"
            assert seen["on_top"], f"{name}: something covers the first translation: {seen}"
            assert seen["lang"] == ("az" if name == "all" else name)
            assert seen["sideways"] <= 1, f"{name}: the page scrolls sideways by {seen['sideways']}px"
            assert seen["warnings_height"] < 60, f"{name}: 13 warnings are folded to one line: {seen}"
    finally:
        driver.quit()


@pytest.mark.browser
@pytest.mark.slow
def test_combined_page_puts_the_languages_side_by_side(tmp_path):
    """Side by side on a desktop; on a phone (issue 21) each sentence and then its translations, stacked, so
    the first translated sentence of every language is on the way down, not off to the right."""
    pages = _pages(tmp_path)
    driver = _driver(tmp_path)
    try:
        for device in (DESKTOP, PHONE):
            width = device["width"]
            heights = {name: _metrics(driver, page, device)["height"] for name, page in pages.items()}
            _metrics(driver, pages["all"], device)
            rows = driver.execute_script(_ROWS_JS)
            assert len(rows) == 4 + 39, "one row per summary and full-text sentence"
            for row in rows:
                cells = row["cells"]
                assert [c["column"] for c in cells] == ["en", "az", "ru", "ar"], row["sid"]
                for left, right in zip(cells, cells[1:], strict=False):
                    if device is DESKTOP:
                        assert abs(left["top"] - right["top"]) < 1, f"{row['sid']} at {width}px"
                        assert left["right"] <= right["left"] + 1, f"{row['sid']}: columns overlap at {width}px"
                    else:
                        assert left["bottom"] <= right["top"] + 1, f"{row['sid']}: cells overlap at {width}px"
                        assert right["right"] <= width, f"{row['sid']}: a cell sticks out at {width}px"
                assert [c["direction"] for c in cells] == ["ltr", "ltr", "ltr", "rtl"]
            # Sane: English once, so the page of three languages is not three pages of two columns.
            singles = [h for name, h in heights.items() if name != "all"]
            limit = 2 * max(singles) if device is DESKTOP else sum(singles)
            assert heights["all"] < limit, f"combined page {heights['all']}px vs {singles} at {width}px"
    finally:
        driver.quit()


_SPANS_JS = """
return Array.from(document.querySelectorAll(
  'section[data-part=full] table.paras tbody tr:first-child .s'),
  s => ({sid: s.dataset.sid, lang: s.closest('td').lang, bg: getComputedStyle(s).backgroundColor}));
"""


@pytest.mark.browser
@pytest.mark.slow
def test_paragraph_view_by_css_toggle_without_javascript(tmp_path):
    pages = _pages(tmp_path)
    driver = _driver(tmp_path)
    try:
        # Page scripts off (WebDriver still reads the page): first show that the switch really stops a script.
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        probe = tmp_path / "probe.html"
        probe.write_text("<!DOCTYPE html><title>before</title><script>document.title = 'ran'</script>")
        driver.get(probe.resolve().as_uri())
        assert driver.title == "before", "scripts still run: this test would prove nothing"
        for device in (DESKTOP, PHONE):
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", device)
            driver.get(pages["all"].resolve().as_uri())
            table, paras = driver.find_element(By.ID, "table-view"), driver.find_element(By.ID, "paragraph-view")
            assert table.is_displayed() and not paras.is_displayed(), "the table view is the default"
            driver.find_element(By.CSS_SELECTOR, 'label[for="view-paragraphs"]').click()
            assert paras.is_displayed() and not table.is_displayed()
            assert driver.find_element(By.ID, "view-paragraphs").is_selected()
            first = driver.find_elements(By.CSS_SELECTOR, "section[data-part=full] table.paras tbody tr:first-child .s")
            assert len(first) == 4 * 4, "four sentences in four columns"
            before = driver.execute_script(_SPANS_JS)
            assert len({s["bg"] for s in before}) == 1, "nothing lit before pointing"
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", first[1])
            ActionChains(driver).move_to_element(first[1]).perform()  # the English second sentence
            lit = [
                (s["lang"], s["sid"].rsplit(":", 2)[-2:])
                for s in driver.execute_script(_SPANS_JS)
                if s["bg"] != before[0]["bg"]
            ]
            assert lit == [(lang, ["p0", "s1"]) for lang in ("en", "az", "ru", "ar")], f"at {device['width']}px: {lit}"
            driver.find_element(By.CSS_SELECTOR, 'label[for="view-table"]').click()
            assert table.is_displayed() and not paras.is_displayed(), "and back"
    finally:
        driver.quit()
