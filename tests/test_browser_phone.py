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
