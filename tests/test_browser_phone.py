"""The seed digest's first screen in headless Chromium (issue 21): on a phone (390×844) the title, the banner,
the summary's first sentence and its first translation; on a desktop (1280×800) the languages side by side."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from summarizer.inputs.reading import read_article
from summarizer.output.files import write_digest
from summarizer.results import Digest, ModelInfo

from test_browser import PNG_MAGIC, SEED, _driver, seed_digest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
E5 = ModelInfo(name="intfloat/multilingual-e5-small", revision=None, fingerprint="e5")

# Where each thing is, in CSS pixels from the top of the page (the page is not scrolled).
_BOXES_JS = """
const box = el => { if (!el) return null; const b = el.getBoundingClientRect();
  return {top: b.top, bottom: b.bottom, left: b.left, right: b.right, shown: b.width > 0 && b.height > 0}; };
const row = document.querySelector('#table-view table.bitext[data-part="summary"] tbody tr');
const out = {title: box(document.querySelector('h1')), banner: box(document.querySelector('#stand-in-notice')),
  source: box(row.querySelector('td.src')), cells: {},
  scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth};
for (const td of row.querySelectorAll('td.tgt')) out.cells[td.dataset.target] = box(td);
return out;
"""


def demo_digest() -> Digest:
    """The seed as `make demo` makes it: its lead as title, a real extractive summary, stand-in translations."""
    digest = seed_digest()
    read = read_article(str(SEED))
    article = replace(digest.article, title=read.title, title_origin=read.title_origin)
    ids = tuple(s.id for s in digest.article.sentences[1:4])
    summary = replace(digest.summary, method="extractive", source_ids=ids, model=E5, chunked=False, warnings=())
    return replace(digest, article=article, summary=summary)


def _first_screen(driver, metrics: dict, shot: Path) -> dict:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_script("window.scrollTo(0, 0)")
    seen = driver.execute_script(_BOXES_JS)
    assert driver.save_screenshot(str(shot)) and shot.read_bytes().startswith(PNG_MAGIC), f"no screenshot {shot}"
    return seen


@pytest.mark.slow
def test_first_screen_on_a_phone_and_a_desktop(tmp_path):
    digest = demo_digest()
    assert digest.article.title_origin == "lead"
    (page, *_) = write_digest(digest, tmp_path / "out", "baku", formats=["html"])
    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver(tmp_path)
    try:
        driver.get(page.resolve().as_uri())
        phone = _first_screen(driver, PHONE, shots / "phone-390x844.png")
        desktop = _first_screen(driver, DESKTOP, shots / "desktop-1280x800.png")
        banner_text = driver.find_element("id", "stand-in-notice").text
    finally:
        driver.quit()
    positions = {
        name: {k: round(seen[k]["top"]) for k in ("title", "banner", "source")}
        | {f"first {code}": round(box["top"]) for code, box in seen["cells"].items()}
        for name, seen in (("phone 390x844", phone), ("desktop 1280x800", desktop))
    }
    (shots / "positions.json").write_text(json.dumps(positions, indent=2))
    print(f"\nscreenshots in {shots}; top of each, px: {json.dumps(positions)}")

    # Phone: the title, the banner, the summary's first sentence and its first translation on the first screen;
    # each language's translation of it stacked below (reachable by scrolling down), nothing sideways.
    for name in ("title", "banner", "source"):
        assert phone[name]["shown"] and phone[name]["bottom"] <= PHONE["height"], f"phone: {name} off screen {phone}"
    first = phone["cells"]["az"]
    assert first["shown"] and first["bottom"] <= PHONE["height"], f"phone: the first translation is off screen {phone}"
    assert phone["title"]["bottom"] <= phone["source"]["top"] < first["top"]
    tops = [phone["cells"][code]["top"] for code in ("az", "ru", "ar")]
    assert tops == sorted(tops) and len(set(tops)) == 3, "phone: the languages stack"
    assert all(box["left"] >= 0 and box["right"] <= PHONE["width"] for box in phone["cells"].values())
    assert phone["scroll"] <= 1, "phone: the page scrolls sideways"
    assert phone["banner"]["bottom"] - phone["banner"]["top"] < 120, "phone: the banner is a short one"

    # Desktop: one row, a column per language, Russian and Arabic side by side on the first screen.
    ru, ar = desktop["cells"]["ru"], desktop["cells"]["ar"]
    assert ru["top"] == ar["top"] and ru["right"] <= ar["left"] + 1, f"desktop: ru and ar not side by side {desktop}"
    assert ar["right"] <= DESKTOP["width"] and ru["top"] < DESKTOP["height"]
    assert desktop["title"]["bottom"] <= desktop["source"]["top"]
    # The banner names what a stand-in made, and what is real.
    assert "translations into Azerbaijani, Russian and Arabic (summary and full text)" in banner_text
    assert (
        "The English summary is real: 3 of the article's own sentences, chosen by intfloat/multilingual-e5-small"
        in (banner_text)
    )


# ---- the edition's e-mail on a phone (issue 31 point 11) ----------------------------------------------

_RTL_CELLS_JS = """
const vw = document.documentElement.clientWidth;
const cells = [...document.querySelectorAll('[dir=rtl]')].map(el => { const b = el.getBoundingClientRect();
  return {left: b.left, right: b.right, width: b.width}; });
return {vw: vw, scroll: document.documentElement.scrollWidth - vw, cells: cells};
"""


def arabic_edition():
    """An edition into Arabic whose summaries carry what news does: long sentences, a long URL and a long
    hashtag (no break opportunity in it)."""
    from summarizer.results import Edition, EditionGroup, EditionLanguage, EditionStory

    url = "https://www.example.org/news/2026/12/03/leaders-of-one-hundred-and-twenty-countries-met-in-baku-on-thursday"
    arabic = (
        "اجتمع قادة مائة وعشرين دولة في باكو يوم الخميس لمناقشة التعافي بعد الجائحة، وقال الرئيس إلهام علييف "
        f"إن الحركة ستواصل عملها من أجل السلام والتنمية في العالم كله. المصدر: {url} "
        "#قمة_حركة_عدم_الانحياز_في_باكو_يوم_الخميس_الثالث_من_ديسمبر"
    )
    stories = tuple(
        EditionStory(
            title=f"Leaders of 120 countries met in Baku ({n})",
            source=f"{url}#{n}",
            lang="en",
            languages=(EditionLanguage("ar", "قمة حركة عدم الانحياز في باكو", arabic, 1),),
            summary=f"Leaders of 120 countries met in Baku on Thursday to discuss recovery. Source: {url}",
            date="2026-12-03",
            link=url,
            site=None,
            flags=("number-mismatch", "wrong-language"),
            stand_in=True,
        )
        for n in range(2)
    )
    return Edition("Edition", "2026-12-03T06:30:00+00:00", ("ar",), (EditionGroup(stories),))


@pytest.mark.slow
def test_the_email_edition_is_whole_on_a_390_px_phone(tmp_path):
    """Before: one 600 px table; on a 390 px phone the start (the right side) of every Arabic line was cut."""
    from summarizer.output.render.edition import render_edition_email, render_edition_html

    edition = arabic_edition()
    pages = {"email": render_edition_email(edition), "page": render_edition_html(edition)}
    driver = _driver(tmp_path)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        for kind, html in pages.items():
            path = tmp_path / f"{kind}.html"
            path.write_text(html, encoding="utf-8")
            driver.get(path.as_uri())
            seen = driver.execute_script(_RTL_CELLS_JS)
            assert seen["vw"] == 390, seen
            assert seen["scroll"] <= 1, f"the {kind} scrolls sideways by {seen['scroll']}px on a phone"
            assert seen["cells"], f"no right-to-left cell in the {kind}"
            for cell in seen["cells"]:
                assert cell["left"] >= 0 and cell["right"] <= seen["vw"] + 0.5, f"{kind}: an Arabic cell is cut: {cell}"
            shot = tmp_path / f"{kind}-390.png"
            assert driver.save_screenshot(str(shot)) and shot.read_bytes().startswith(PNG_MAGIC)
    finally:
        driver.quit()
