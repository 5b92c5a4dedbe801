"""Inputs as users have them: saved web pages and URLs (a local HTTP server, no outside network), JSON
lines, Markdown with front matter, other languages; and outputs that never name an absolute path."""

from __future__ import annotations

import functools
import http.server
import json
import re
import socket
import threading
from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.inputs.paths import expand_paths
from summarizer.inputs.reading import article_from_text, display_name, list_inputs, read_article, read_input
from summarizer.output.files import output_names

from conftest import CORPUS, FLORES_DIR, SEED, run_cli

WEB = Path(__file__).parent / "data" / "web"
FLORES = FLORES_DIR
FAST = ("--max-new-tokens", "8", "--num-beams", "1")
# What a news page has besides its article; none of it may reach the models.
CHROME = ("Related news", "Advertisement", "Follow us", "Most read", "Copyright", "gtag", "Skip to content", "Comments")


@pytest.fixture(scope="module")
def server():
    """tests/data/web over HTTP on a free local port; /missing.html is a 404, /broken a 500."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/broken":
                self.send_error(500, "Internal Server Error")
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(WEB)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _to_ru(marian: Path, *args: str, env: dict | None = None):
    """`summarizer translate ARGS --to ru --from en` on the stand-in Marian, fast."""
    return run_cli("translate", *args, "--to", "ru", "--from", "en", "--model", f"ru={marian}", *FAST, env=env)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- web pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, title, author, date, site, first",
    [
        (
            "agency-article.html",
            "Azerbaijan's chairmanship raises Non-Aligned Movement's profile",
            "Trend News Agency",
            "2023-03-02",
            "Trend.Az",
            "BAKU, Azerbaijan, March 1.",
        ),
        (
            "bbc-style-article.html",
            "Ice warning for much of Wales overnight",
            "BBC Wales",
            "2017-01-14",
            "BBC News",
            "The warning begins at 22:00 GMT on Saturday",
        ),
    ],
)
def test_saved_news_page_gives_its_main_text_and_metadata(page, title, author, date, site, first):
    article = read_article(str(WEB / page))
    assert (article.title, article.author, article.date, article.site) == (title, author, date, site)
    assert article.sentences[0].text.startswith(first)
    for chrome in CHROME:
        assert chrome not in article.text, chrome
    assert "<" not in article.text and "{" not in article.text  # no markup, no script
    # Paragraphs survive: the seed page has eight, each its own paragraph number.
    assert len({s.paragraph for s in article.sentences}) > 1


H1_PAGE = """<!doctype html><html><head><title>Summit in Baku | Example News</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Non-Aligned Movement leaders meet in Baku</h1>
<p>Leaders of the Non-Aligned Movement met in Baku on Thursday to discuss the future of the movement.</p>
<p>The summit, chaired by Azerbaijan, brought together delegations from more than 100 countries.</p>
</article></body></html>"""


def test_a_pages_h1_is_its_title_not_its_first_sentence(tmp_path):
    page = tmp_path / "summit.html"
    page.write_text(H1_PAGE, encoding="utf-8")
    article = read_article(str(page))
    assert article.title == "Non-Aligned Movement leaders meet in Baku"
    assert article.sentences[0].text.startswith("Leaders of the Non-Aligned Movement met")
    assert "meet in Baku" not in article.text
    # `--method lead` used to print "Non-Aligned Movement leaders meet in Baku Leaders of the ..."
    lead = run_cli("summarize", str(page), "--method", "lead", "--sentences", "1")
    assert lead.returncode == 0, lead.stderr
    expected = "Leaders of the Non-Aligned Movement met in Baku on Thursday to discuss the future of the movement."
    assert lead.stdout.decode().strip() == expected


def test_a_heading_after_the_first_paragraph_stays_in_the_text(tmp_path):
    page = tmp_path / "late.html"
    body = H1_PAGE.replace("<h1>Non-Aligned Movement leaders meet in Baku</h1>", "")
    page.write_text(
        body.replace("</article>", "<h2>Reactions abroad</h2><p>Observers welcomed the summit's results.</p></article>")
    )
    article = read_article(str(page))
    assert "Reactions abroad" in article.text and article.sentences[0].text.startswith("Leaders of")


def test_html_is_recognized_by_its_content_whatever_the_file_is_called(tmp_path):
    disguised = tmp_path / "page.txt"
    disguised.write_bytes((WEB / "bbc-style-article.html").read_bytes())
    article = read_article(str(disguised))
    assert article.title == "Ice warning for much of Wales overnight"
    assert "Most read" not in article.text


def test_a_page_without_an_article_is_one_line(tmp_path):
    empty = tmp_path / "nav.html"
    empty.write_text("<!doctype html><html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(InputError, match=r"nav.html: no article text found in this web page"):
        read_article(str(empty))


def test_url_input_from_a_local_server(server):
    url = f"{server}/agency-article.html"
    assert expand_paths([url]) == [url]
    article = read_article(url)
    assert article.source == url
    assert article.title.startswith("Azerbaijan's chairmanship")
    assert article.site == "Trend.Az"
    assert not any(chrome in article.text for chrome in CHROME)
    assert article.id == "agency-article"


@pytest.mark.parametrize(
    "path, message", [("/missing.html", r"HTTP 404 File not found"), ("/broken", r"HTTP 500 Internal Server Error")]
)
def test_a_url_that_fails_says_its_status_in_one_line(server, path, message):
    with pytest.raises(InputError, match=rf"^{re.escape(server + path)}: {message}$"):
        read_article(server + path)


def test_an_unreachable_url_says_why_in_one_line():
    url = f"http://127.0.0.1:{_closed_port()}/news.html"
    with pytest.raises(InputError, match=rf"^{re.escape(url)}: can't be fetched \(.*refused.*\)$"):
        read_article(url)


@pytest.mark.slow
def test_cli_translates_a_url_and_reports_a_failing_one(server, marian, tmp_path):
    proc = _to_ru(marian, f"{server}/agency-article.html", f"{server}/missing.html", "--out", "out", "-f", "html,json")
    err = proc.stderr.decode()
    assert proc.returncode == 1, err  # one input failed, the other was done
    assert f"{server}/missing.html: HTTP 404" in err
    data = json.loads((tmp_path / "out" / "agency-article.json").read_text())
    article = data["article"]
    assert article["source"] == f"{server}/agency-article.html"
    assert article["title"] == "Azerbaijan's chairmanship raises Non-Aligned Movement's profile"
    assert article["site"] == "Trend.Az" and article["author"] == "Trend News Agency"
    page = (tmp_path / "out" / "agency-article.html").read_text()
    assert "Trend.Az" in page
    assert "Related news" not in page and "gtag(" not in page


# ---- JSON lines -------------------------------------------------------------------------------------


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return path


def _xsum(n: int) -> list[dict]:
    files = sorted(CORPUS.glob("xsum-*.txt"))[:n]
    return [{"id": f.stem, "text": f.read_text(), "title": f.stem.replace("-", " ")} for f in files]


def test_jsonl_gives_one_article_per_line_and_a_bad_line_fails_alone(tmp_path):
    records = _xsum(3)
    path = _jsonl(
        tmp_path / "wire.jsonl",
        [
            records[0],
            "{not json",
            {"id": "no-text", "title": "x"},
            "",
            records[1],
            {**records[2], "id": records[0]["id"]},
        ],
    )
    inputs = list_inputs([str(path)])
    assert [i.source for i in inputs] == [
        f"wire.jsonl#{records[0]['id']}",
        "wire.jsonl#line-2",
        "wire.jsonl#no-text",
        f"wire.jsonl#{records[1]['id']}",
        "wire.jsonl#line-6",  # a repeated id is named by its line
    ]
    first = read_input(inputs[0])
    assert first.title == records[0]["title"] and first.text.startswith(records[0]["text"].strip()[:40])
    assert first.source == f"wire.jsonl#{records[0]['id']}"
    with pytest.raises(InputError, match=r"wire.jsonl#line-2 \(line 2\): is not valid JSON"):
        read_input(inputs[1])
    with pytest.raises(InputError, match=r"has no text; give it in one of the fields text, document"):
        read_input(inputs[2])
    assert read_input(inputs[3]).text == read_input(inputs[3]).text  # readable again, by its offset
    with pytest.raises(InputError, match=r"wire.jsonl#line-6 \(line 6\): its id .* is already the id of line 1"):
        read_input(inputs[4])  # a repeated id fails its own record (issue 20)


def test_jsonl_reads_the_xsum_shape_and_record_metadata(tmp_path):
    path = _jsonl(
        tmp_path / "x.jsonl",
        [
            {
                "id": 7,
                "document": "Ice is expected overnight. Roads may be slippery.",
                "author": ["A", "B"],
                "lang": "en",
            }
        ],
    )
    article = read_input(list_inputs([str(path)])[0], lang="auto")
    assert article.source == "x.jsonl#7" and article.author == "A, B"
    assert article.lang == "en" and article.lang_origin == "given"  # the record says so


@pytest.mark.slow
def test_summarize_jsonl_output_has_one_shape_for_one_and_three_articles(tmp_path):
    shapes = []
    for n in (1, 3):
        path = _jsonl(tmp_path / f"in{n}.jsonl", _xsum(n))
        proc = run_cli("summarize", str(path), "--method", "lead", "--from", "en", "--format", "jsonl")
        assert proc.returncode == 0, proc.stderr.decode()
        lines = proc.stdout.decode().splitlines()
        assert len(lines) == n
        objects = [json.loads(line) for line in lines]
        shapes += [sorted(o) for o in objects]
        assert [o["article"]["source"] if "article" in o else o["source"] for o in objects] == [
            f"in{n}.jsonl#{r['id']}" for r in _xsum(n)
        ]
    assert all(shape == shapes[0] for shape in shapes)


# ---- Markdown front matter ----------------------------------------------------------------------------


def test_front_matter_is_metadata_read_by_a_yaml_parser(tmp_path):
    md = tmp_path / "note.md"
    md.write_text(
        '---\ntitle: "Non-Aligned Movement: what\'s next"\ndate: 2023-03-02\nauthor:\n  - Jane Roe\n  - John Doe\n'
        "tags: [nam, baku]\n---\n# Baku hosts the summit\n\nLeaders met in Baku. They spoke about peace.\n"
    )
    article = read_article(str(md))
    assert article.title == "Non-Aligned Movement: what's next"  # a colon inside quotes: YAML, not a split
    assert article.date == "2023-03-02" and article.author == "Jane Roe, John Doe"
    assert [s.text for s in article.sentences][:2] == ["Baku hosts the summit", "Leaders met in Baku."]


def test_malformed_front_matter_is_one_line(tmp_path):
    md = tmp_path / "bad.md"
    md.write_text("---\ntitle: [unclosed\n---\nText. More text.\n")
    with pytest.raises(InputError, match=r"bad.md: its front matter .* is not valid YAML"):
        read_article(str(md))


# ---- language ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ru", "ar", "az"])
def test_auto_detects_the_language_of_real_news_sentences(lang):
    lines = (FLORES / f"ref.{lang}.txt").read_text(encoding="utf-8").splitlines()[500:506]
    article = article_from_text("\n\n".join(lines), source="wire.txt", lang="auto")
    assert (article.lang, article.lang_origin) == (lang, "detected")
    assert article.lang_probability > 0.5 and not article.warnings


def test_a_given_language_is_not_detected(seed_text):
    article = article_from_text(seed_text, source="x.txt", lang="ru")
    assert (article.lang, article.lang_origin, article.lang_probability) == ("ru", "given", None)


# ---- names and paths ------------------------------------------------------------------------------------


def test_titles_come_from_headlines_else_the_first_sentence(tmp_path):
    titled = tmp_path / "x.txt"
    titled.write_text("Leaders meet in Baku\n\nLeaders met in Baku on Monday. They spoke.")
    assert read_article(str(titled)).title == "Leaders meet in Baku"
    plain = tmp_path / "non-aligned-summit.txt"
    plain.write_text("Leaders met in Baku on Monday. They spoke.")
    article = read_article(str(plain))  # no headline: the first sentence, as news tools take a title
    assert (article.title, article.title_origin) == ("Leaders met in Baku on Monday", "lead")
    assert article.source.endswith("non-aligned-summit.txt")  # the file name stays as the source


def test_non_latin_file_names_become_readable_unique_output_names(tmp_path):
    names = output_names(["Саммит в Баку.txt", "قمة.txt", "a/Саммит в Баку.txt", "x.txt"])
    assert names["Саммит в Баку.txt"].startswith("sammit-v-baku-")  # two inputs share the slug: hashed
    assert names["a/Саммит в Баку.txt"].startswith("sammit-v-baku-")
    assert names["Саммит в Баку.txt"] != names["a/Саммит в Баку.txt"]
    assert names["قمة.txt"] == "qmh" and names["x.txt"] == "x"


def test_display_names_are_relative_to_the_job_folder(tmp_path):
    (tmp_path / "job" / "in").mkdir(parents=True)
    article = tmp_path / "job" / "in" / "a.txt"
    article.write_text("One sentence.")
    assert display_name(str(article), tmp_path / "job") == "in/a.txt"
    assert display_name(str(article)) == "job/in/a.txt"  # the working folder when there is no job file
    assert display_name("-") == "-" and display_name("https://x.test/a") == "https://x.test/a"


def _no_absolute_paths(folder: Path, *roots: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8")
            for root in roots:
                assert str(root) not in text, f"{file.name} names {root}"


@pytest.mark.slow
def test_no_output_file_names_an_absolute_path(tmp_path, marian):
    job = tmp_path / "job"
    (job / "articles").mkdir(parents=True)
    (job / "articles" / "seed.txt").write_text(SEED.read_text())
    (job / "articles" / "Саммит.md").write_text("---\ntitle: Саммит\n---\nLeaders met in Baku. They spoke.\n")
    models = job / "models"
    models.mkdir()
    (models / "ru").symlink_to(marian, target_is_directory=True)
    (job / "job.toml").write_text(
        'inputs = ["articles/*"]\nsource_lang = "en"\n[targets.ru]\nmodel = "models/ru"\n'
        '[output]\ndir = "out"\nformats = ["html", "md", "json"]\n'
        '[summary]\nmethod = "lead"\n'
    )
    proc = run_cli("translate", "--config", str(job / "job.toml"), *FAST)
    assert proc.returncode == 0, proc.stderr.decode()
    out = job / "out"
    assert {p.name for p in out.glob("*.json")} == {"seed.json", "sammit.json", "index.json"}
    assert json.loads((out / "seed.json").read_text())["article"]["source"] == "articles/seed.txt"
    _no_absolute_paths(out, tmp_path, marian.parent)


# ---- plain-text translations and article counts ---------------------------------------------------------


@pytest.mark.slow
def test_translate_txt_prints_the_translation_with_its_paragraphs(marian, tmp_path):
    article = read_article(str(SEED))
    paragraphs = len({s.paragraph for s in article.sentences})
    proc = _to_ru(marian, str(SEED), "--format", "txt", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    body = [line for line in text.splitlines() if not line.startswith("[")]
    assert "\n".join(body).strip().count("\n\n") == paragraphs - 1  # one block per paragraph, nothing else
    assert text.startswith("[STAND-IN MODEL")
    proc = _to_ru(marian, str(SEED), "--format", "txt,json", "--out", "o", "-q")
    assert proc.returncode == 0, proc.stderr.decode()
    written = (tmp_path / "o" / "baku-non-aligned-movement-2023.ru.txt").read_text()
    assert written == text


@pytest.mark.slow
def test_progress_counts_the_articles_of_a_jsonl_file(marian, tmp_path):
    path = _jsonl(tmp_path / "wire.jsonl", _xsum(3))
    proc = _to_ru(marian, str(path), "--out", "o", env={"SUMMARIZER_PROGRESS_SECONDS": "0.05"})
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "progress: 3/3 articles" in err or "/3 articles" in err
    assert "of 1 articles" not in err and "/1 articles" not in err
    assert "articles: 3 done" in err
