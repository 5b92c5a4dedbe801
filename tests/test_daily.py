"""The README's "Run it every day" recipe as a test (issue 31 points 1, 2, 3 and 12): a job file whose
`inputs` is a feed URL (served on 127.0.0.1), run with the cron line exactly, twice; the edition a
reader opens after a quiet re-run still holds the morning's stories, archived and listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli.app import app
from tests.conftest import run_cli
from tests.test_feeds import Site, seed_paragraphs

runner = CliRunner()
README = Path(__file__).resolve().parents[1] / "README.md"

# Two items dated 2 and 3 December 2026 by the feed, on pages whose text names older years (1995,
# 2016): the feed's date is the item's date, and "newest first" follows it.
DECEMBER = [
    ("g-2", "Azerbaijan chairs NAM", "/a", "Tue, 02 Dec 2026 09:00:00 GMT", "1995"),
    ("g-3", "A summit on recovery", "/b", "Wed, 03 Dec 2026 09:00:00 GMT", "2016"),
]


def december_feed(site: Site, items=DECEMBER) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>{site.url}{path}</link><guid>{guid}</guid><pubDate>{day}</pubDate>"
        f"<description>{title}.</description></item>"
        for guid, title, path, day, _ in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Baku Wire</title>'
        f"<link>{site.url}/</link><description>news</description>{entries}</channel></rss>"
    ).encode()


def december_site(site: Site) -> str:
    for n, (_, title, path, _, year) in enumerate(DECEMBER):
        # A dated line in the page's own text: what a page's date extraction finds.
        site.page(path, title, f"Published on 1 January {year}.\n\n" + seed_paragraphs(3 * n, 3))
    site.files["/rss.xml"] = ("application/rss+xml", december_feed(site))
    return f"{site.url}/rss.xml"


def job_file(folder: Path, feed: str, marian: Path, *extra: str) -> Path:
    """The README's job file (`inputs = [feed URL]`, `targets`, `[output] dir`), on a stand-in."""
    text = f"""inputs = ["{feed}"]
source_lang = "en"
{chr(10).join(extra)}

[summary]
method = "lead"

[targets.ru]
model = "{marian}"
params = {{ num_beams = 1, max_new_tokens = 16 }}

[quality]
retry = false

[output]
dir = "news"

[feeds]
pause = 0
"""
    path = folder / "daily.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_readme_still_shows_the_cron_line_this_test_runs():
    recipe = README.read_text(encoding="utf-8").split("## Run it every day", 1)[1].split("\n## ", 1)[0]
    assert "summarizer digest --config daily.toml" in recipe
    assert 'inputs = ["https://example.org/rss.xml"' in recipe


def test_a_url_in_a_job_file_is_an_input_not_a_pattern(tmp_path, marian):
    """Before: `inputs entry 'http://…/rss.xml' matches no file`, exit 2."""
    from summarizer.config.merge import resolve_job

    path = job_file(tmp_path, "http://127.0.0.1:9/rss.xml", marian)
    (tmp_path / "a.txt").write_text("Words.", encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace('inputs = ["', 'inputs = ["a.txt", " HTTPS://example.org/x", "')
    path.write_text(text, encoding="utf-8")
    settings = resolve_job(path)
    assert settings.inputs == (str(tmp_path / "a.txt"), "HTTPS://example.org/x", "http://127.0.0.1:9/rss.xml")


@pytest.mark.slow
def test_the_readme_cron_line_runs_twice_on_a_feed_url(tmp_path, marian, monkeypatch):
    """`cd /srv/news && summarizer digest --config daily.toml`, every morning: the second run digests
    nothing new, exits 0, and the edition still shows the first run's stories."""
    job = tmp_path / "srv-news"
    job.mkdir()
    with Site() as site:
        feed = december_site(site)
        job_file(job, feed, marian)
        monkeypatch.chdir(job)  # `cd /srv/news && ...`
        first = run_cli("digest", "--config", "daily.toml")
        out = first.stdout.decode() + first.stderr.decode()
        assert first.returncode == 0, out
        assert "feed items: 2 new, 0 changed, 0 unchanged" in out
        edition = json.loads((job / "news/edition.json").read_text(encoding="utf-8"))
        # The feed's dates, newest first (the pages' text names 1995 and 2016).
        assert [s["date"] for g in edition["groups"] for s in g["stories"]] == ["2026-12-03", "2026-12-02"]
        morning = (job / "news/edition.html").read_text(encoding="utf-8")

        second = run_cli("digest", "--config", "daily.toml")
        out2 = second.stdout.decode() + second.stderr.decode()
        assert second.returncode == 0, out2
        assert "feed items: 0 new, 0 changed, 2 unchanged" in out2
        assert "articles: 0 done, 0 failed" in out2
        assert "edition: nothing new; edition.html still shows the last one with stories" in out2, out2
    # The reader who opens the edition after the quiet re-run sees the morning's stories.
    html = (job / "news/edition.html").read_text(encoding="utf-8")
    assert "Azerbaijan chairs NAM" in html and "A summit on recovery" in html
    assert html == morning
    assert "Azerbaijan chairs NAM" in (job / "news/edition.email.html").read_text(encoding="utf-8")
    assert json.loads((job / "news/edition.json").read_text(encoding="utf-8"))["stories"] == 2
    # The index still lists both digests, and links to the edition.
    index = json.loads((job / "news/index.json").read_text(encoding="utf-8"))
    assert len(index["entries"]) == 2
    assert 'href="edition.html"' in (job / "news/index.html").read_text(encoding="utf-8")


def _cli(*args: str):
    return runner.invoke(app, list(args))


def _daily(site: Site, folder: Path, marian: Path):
    """The job file on `site`'s feed, run once in process: the first morning."""
    job_file(folder, december_site(site), marian)
    result = _cli("digest", "--config", "daily.toml")
    assert result.exit_code == 0, result.output
    return result


def test_a_quiet_rerun_keeps_the_edition_archives_it_as_html_and_lists_it(tmp_path, marian):
    with Site() as site:
        _daily(site, tmp_path, marian)
        archived = sorted(Path("news/editions").glob("edition-*.html"))
        assert len(archived) == 1, "each run's edition is archived as HTML too"
        assert "Azerbaijan chairs NAM" in archived[0].read_text(encoding="utf-8")
        second = _cli("digest", "--config", "daily.toml")
        assert second.exit_code == 0, second.output
        assert "edition: nothing new; edition.html still shows the last one with stories" in second.output
        # A quiet run archives nothing (an archive file every run was issue 32 point 9).
        assert len(list(Path("news/editions").iterdir())) == 2
    html = Path("news/edition.html").read_text(encoding="utf-8")
    # A stand-in made the translations: the kept edition says so, on the page and in the e-mail.
    assert 'data-stand-in="true"' in html and "Stand-in models" in html
    assert "stand-in models made parts of it: noise" in Path("news/edition.email.html").read_text(encoding="utf-8")
    assert "Nothing new in this run" not in html and "Azerbaijan chairs NAM" in html
    # The edition and the index link each other, and list the archived editions.
    index = Path("news/index.html").read_text(encoding="utf-8")
    assert 'href="edition.html"' in index and 'href="index.html"' in html
    assert re.search(r'href="editions/edition-\d{8}T\d{6}\.html"', index), index
    assert re.search(r'href="editions/edition-\d{8}T\d{6}\.html"', html)
    # The archived page's own links work from inside editions/.
    page = archived[0].read_text(encoding="utf-8")
    assert 'href="../index.html"' in page and 'href="../edition.html"' in page
    for href in re.findall(r'href="([^"#]+)"', page):
        if not href.startswith(("http://", "https://")):
            assert (archived[0].parent / href).resolve().is_file(), href


def test_the_edition_shows_the_source_language_summary_beside_the_translations(tmp_path, marian):
    with Site() as site:
        _daily(site, tmp_path, marian)
    edition = json.loads(Path("news/edition.json").read_text(encoding="utf-8"))
    story = edition["groups"][0]["stories"][0]
    html = Path("news/edition.html").read_text(encoding="utf-8")
    cell = re.search(r'<div lang="en" dir="ltr" data-target="source"[^>]*>(.*?)</div>', html, re.S)
    assert cell and story["summary"][:40] in cell.group(1).replace("&#39;", "'"), html
    assert "English" in cell.group(1) and "original" in cell.group(1)
    email_html = Path("news/edition.email.html").read_text(encoding="utf-8")
    assert story["summary"][:40] in email_html.replace("&#39;", "'")


def test_a_feed_date_wins_over_a_date_in_its_page(tmp_path, marian):
    with Site() as site:
        feed = december_site(site)
        args = ["digest", feed, "--to", "ru", "--from", "en", "--model", f"ru={marian}", "--out", "out"]
        result = _cli(*args, "--method", "lead", "--max-new-tokens", "8", "--num-beams", "1", "--feed-pause", "0")
        assert result.exit_code == 0, result.output
    dates = {
        d["article"]["item_id"]: d["article"]["date"]
        for p in Path("out").glob("*.json")
        if (d := json.loads(p.read_text(encoding="utf-8"))).get("schema") == "summarizer.digest"
    }
    assert dates == {"g-2": "2026-12-02", "g-3": "2026-12-03"}


def test_the_api_runs_a_job_file_whose_input_is_a_feed_url(tmp_path, marian):
    """The same job through the Python API (`resolve_job` then `run_job`), as docs/api.md shows it."""
    import summarizer

    with Site() as site:
        feed = december_site(site)
        job_file(tmp_path, feed, marian)
        report = summarizer.run_job(summarizer.resolve_job("daily.toml"))
    assert report.exit_code == 0 and not report.failures
    assert "feed items: 2 new" in report.describe()
    assert report.edition and report.edition[0].name == "edition.html"
