"""Hostile inputs (issue 20): JSON-lines ids that collide, over-long and over-deep lines, redirects to
other schemes and in loops, servers that trickle bytes, YAML alias bombs in front matter, bad `lang`
metadata. Each fails its own article with one line and the rest of the job goes on.

The web servers here bind 127.0.0.1 on a free port; every slow response is bounded in bytes and time.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer import RunOptions, resolve_job
from summarizer.cli.app import app
from summarizer.errors import ConfigError, InputError
from summarizer.inputs.reading import MAX_BYTES, article_from_text, list_inputs, read_article, read_input
from summarizer.inputs.web import MAX_REDIRECTS, fetch
from summarizer.output.render import digest_from_json

WEB = Path(__file__).parent / "data" / "web"
PAGE = (WEB / "agency-article.html").read_bytes()
STORY = "Ice is expected overnight in Wales. Roads may be slippery, the forecasters said."
LEAD = ("--method", "lead", "--from", "en")
TRICKLE_BYTES = 100  # a slow response sends at most this many bytes, one every TRICKLE_S
TRICKLE_S = 0.1


def _jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _story(n: int) -> str:
    return f"Story number {n} begins here. It rained in Baku on day {n}, the forecasters said."


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- 2. JSON-lines ids never collide -------------------------------------------------------------------


def test_a_default_id_taken_by_an_explicit_one_gets_another(tmp_path):
    path = _jsonl(
        tmp_path / "wire.jsonl",
        [
            {"id": "line-2", "text": _story(1)},
            {"text": _story(2)},
            {"text": _story(3)},
            {"id": "line-3-2", "text": _story(4)},
        ],
    )
    inputs = list_inputs([str(path)])
    sources = [i.source for i in inputs]
    assert len(set(sources)) == 4, sources
    assert sources[0] == "wire.jsonl#line-2" and sources[3] == "wire.jsonl#line-3-2"  # explicit ids are kept
    assert [read_input(i, lang="en").text for i in inputs] == [_story(n) for n in (1, 2, 3, 4)]


def test_a_repeated_explicit_id_fails_its_own_record_by_line(tmp_path):
    path = _jsonl(
        tmp_path / "wire.jsonl",
        [{"id": "a", "text": _story(1)}, {"id": "b", "text": _story(2)}, {"id": "a", "text": _story(3)}],
    )
    first, second, third = list_inputs([str(path)])
    assert read_input(first, lang="en").text == _story(1) and read_input(second, lang="en").text == _story(2)
    assert third.source == "wire.jsonl#line-3"
    with pytest.raises(InputError, match=r"^wire.jsonl#line-3 \(line 3\): its id 'a' is already the id of line 1; "):
        read_input(third, lang="en")


def test_no_jsonl_article_is_lost_in_a_job(tmp_path):
    """The issue's case: "4 done, 0 failed" while line 2 never got a digest."""
    records = [{"id": "line-2", "text": _story(1)}, {"text": _story(2)}, {"id": "dup", "text": _story(3)}]
    path = _jsonl(tmp_path / "wire.jsonl", [*records, {"id": "dup", "text": _story(4)}])
    result = _cli("summarize", str(path), *LEAD, "--out", "out", "--format", "json")
    assert result.exit_code == 1, result.output
    assert "wire.jsonl#line-4 (line 4): its id 'dup' is already the id of line 3" in result.output
    written = {json.loads(p.read_text())["summary"]["text"] for p in (tmp_path / "out").glob("*.json")}
    assert written == {_story(1), _story(2), _story(3)}


# ---- 8. a JSON line's length is checked while it is read -------------------------------------------------


def test_an_over_long_json_line_is_never_held_whole(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"id": "a", "text": _story(1)}) + "\n")
        out.write('{"id": "huge", "text": "' + "x" * (3 * MAX_BYTES) + '"}\n')
        out.write(json.dumps({"id": "c", "text": _story(3)}) + "\n")
    tracemalloc.start()
    try:
        inputs = list_inputs([str(path)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The line is 30 MB; at most the cap (10 MB) of it is ever held, in chunks of a megabyte.
    assert peak < 1.2 * MAX_BYTES, f"listing held {peak / 1e6:.1f} MB"
    assert [i.source for i in inputs] == ["big.jsonl#a", "big.jsonl#line-2", "big.jsonl#c"]
    assert read_input(inputs[0], lang="en").text == _story(1) and read_input(inputs[2], lang="en").text == _story(3)
    with pytest.raises(InputError, match=r"^big.jsonl#line-2 \(line 2\): the line is over the 10 MB limit"):
        read_input(inputs[1], lang="en")


# ---- 12. deeply nested JSON ------------------------------------------------------------------------------


def test_a_json_line_nested_100000_deep_fails_alone(tmp_path):
    deep = '{"id": "deep", "text": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = _jsonl(tmp_path / "wire.jsonl", [{"id": "a", "text": _story(1)}, deep, {"id": "c", "text": _story(3)}])
    inputs = list_inputs([str(path)])
    assert [i.source for i in inputs] == ["wire.jsonl#a", "wire.jsonl#line-2", "wire.jsonl#c"]
    assert read_input(inputs[2], lang="en").text == _story(3)
    with pytest.raises(InputError, match=r"^wire.jsonl#line-2 \(line 2\): is nested too deeply"):
        read_input(inputs[1], lang="en")


def test_digest_from_json_refuses_deep_nesting_with_an_input_error():
    with pytest.raises(InputError, match=r"^digest JSON is nested too deeply"):
        digest_from_json("[" * 100_000 + "]" * 100_000)
    deep = '{"schema": "summarizer.digest", "format_version": 1, "article": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(InputError, match=r"nested too deeply"):
        digest_from_json(deep)


# ---- 10. YAML alias bombs and nested values in front matter ------------------------------------------------

BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
title: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
---
"""


def test_a_yaml_alias_bomb_in_front_matter_fails_that_article_alone(tmp_path):
    article_from_text(f"---\ntitle: Ice\n---\n{STORY}\n", source="warm.md")  # imports are not what is measured
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"^bomb.md \(line 3\): its front matter uses a YAML alias \(\*a\)"):
            article_from_text(BOMB + STORY, source="bomb.md")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak / 1e6:.1f} MB"  # expanded, the title alone would be 4 MB
    bomb = tmp_path / "bomb.md"
    bomb.write_text(BOMB + STORY + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_article(str(bomb))
    message = str(caught.value)
    assert message.startswith("bomb.md (line 3): its front matter uses a YAML alias (*a)") and "\n" not in message
    (tmp_path / "good.md").write_text(f"---\ntitle: Ice\n---\n{STORY}\n", encoding="utf-8")
    result = _cli("summarize", str(bomb), str(tmp_path / "good.md"), *LEAD, "--out", "out", "--format", "json")
    assert result.exit_code == 1, result.output
    assert "bomb.md (line 3): its front matter uses a YAML alias" in result.output
    assert json.loads((tmp_path / "out" / "good.summary.json").read_text())["article"]["title"] == "Ice"


@pytest.mark.parametrize(
    "front, message",
    [
        ("title:\n  text: Ice\n", r"^note.md \(line 3\): front matter 'title' must be text, not a mapping$"),
        ("author: [[Jane, Roe], John]\n", r"^note.md \(line 3\): front matter 'author' must be text or a list of "),
        ("title: " + "x" * 3000 + "\n", r"^note.md \(line 3\): front matter 'title' is 3,000 characters long, over "),
        ("title: Ice\nx: [" + "1," * 40_000 + "1]\n", r"^note.md: its front matter is 80,\d+ characters long, over "),
    ],
)
def test_front_matter_fields_that_must_be_text_are_refused_otherwise(tmp_path, front, message):
    note = tmp_path / "note.md"
    note.write_text(f"---\nsite: Wire\n{front}---\n{STORY}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_article(str(note))


def test_plain_front_matter_lists_and_dates_still_read(tmp_path):
    note = tmp_path / "note.md"
    note.write_text(f"---\ntitle: Ice\nauthor: [Jane Roe, John Doe]\ndate: 2023-03-02\n---\n{STORY}\n")
    article = read_article(str(note))
    assert (article.title, article.author, article.date) == ("Ice", "Jane Roe, John Doe", "2023-03-02")


# ---- 11. one bad `lang` fails that article alone ------------------------------------------------------------


def test_a_bad_lang_in_a_jsonl_record_names_the_file_and_line(tmp_path):
    path = _jsonl(
        tmp_path / "wire.jsonl", [{"id": "a", "text": STORY}, {"id": "b", "text": STORY, "lang": "zz-notalang!"}]
    )
    good, bad = list_inputs([str(path)])
    assert read_input(good, lang="auto").lang == "en"
    with pytest.raises(InputError, match=r"^wire.jsonl#b \(line 2\): 'lang' 'zz-notalang!' is not a language code"):
        read_input(bad, lang="auto")
    assert read_input(bad, lang="en").lang == "en"  # a language given for the job is what counts


def test_a_bad_lang_in_front_matter_names_the_file_and_line(tmp_path):
    note = tmp_path / "note.md"
    note.write_text(f"---\ntitle: Ice\nlang: en_US!\n---\n{STORY}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^note.md \(line 3\): front matter 'lang' 'en_US!' is not a language code"):
        read_article(str(note), lang="auto")


def test_a_bad_lang_fails_one_article_and_the_digest_job_goes_on(tmp_path, marian):
    path = _jsonl(
        tmp_path / "wire.jsonl",
        [{"id": "a", "text": STORY, "lang": "en"}, {"id": "b", "text": STORY, "lang": "zz-notalang!"}],
    )
    note = tmp_path / "note.md"
    note.write_text(f"---\nlang: en_US!\n---\n{STORY}\n", encoding="utf-8")
    fast = ("--num-beams", "1", "--max-new-tokens", "6")
    args = ("digest", str(path), str(note), "--no-summary", "--to", "ru", "--model", f"ru={marian}", *fast)
    result = _cli(*args, "--out", "out", "--format", "json")
    assert result.exit_code == 1, result.output
    assert "wire.jsonl#b (line 2): 'lang' 'zz-notalang!' is not a language code" in result.output
    assert "note.md (line 2): front matter 'lang' 'en_US!' is not a language code" in result.output
    assert [p.name for p in (tmp_path / "out").glob("*.json") if p.name != "index.json"] == ["a.json"]


# ---- 3, 4, 15. web fetches: redirects, deadlines, one-line errors ---------------------------------------------


class _Hostile(http.server.BaseHTTPRequestHandler):
    """Redirect chains and loops, redirects to other schemes, and responses that trickle bytes."""

    def do_GET(self):
        path = self.path
        if path.startswith("/hop/"):  # /hop/N redirects N times, then gives the page
            n = int(path.rsplit("/", 1)[1])
            return self._page() if n == 0 else self._redirect(f"/hop/{n - 1}")
        targets = {
            "/loop": "/loop",
            "/ping": "/pong",
            "/pong": "/ping",
            "/to-ftp": f"ftp://127.0.0.1:{_closed_port()}/news.html",
            "/to-file": "file:///etc/hostname",
            "/to-data": "data:text/html,<html><body><p>x</p></body></html>",
        }
        if path in targets:
            return self._redirect(targets[path])
        if path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            return self._trickle(b"x")
        if path == "/slow-headers":
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Pad: ")
            self._trickle(b"y")
            return self._write(b"\r\nContent-Type: text/html\r\n\r\n" + PAGE)
        self.send_error(404)

    def _page(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self._write(PAGE)

    def _redirect(self, location: str):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _trickle(self, byte: bytes):
        for _ in range(TRICKLE_BYTES):
            if not self._write(byte):
                return
            time.sleep(TRICKLE_S)

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:  # the client gave up: what a deadline does
            return False

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hostile_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _fetch_error(url: str, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        fetch(url, max_bytes=MAX_BYTES, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{url}: "), message
    return message[len(url) + 2 :]


@pytest.mark.parametrize(
    "path, scheme", [("/to-ftp", "ftp"), ("/to-file", "file"), ("/to-data", "data")], ids=["ftp", "file", "data"]
)
def test_redirects_to_other_schemes_are_refused_in_one_line(hostile_server, path, scheme):
    why = _fetch_error(hostile_server + path)
    assert why.startswith(f"redirected to a {scheme}: URL"), why
    assert why.endswith("only http and https redirects are followed"), why


def test_a_bounded_number_of_redirects_is_followed(hostile_server):
    assert fetch(f"{hostile_server}/hop/3", max_bytes=MAX_BYTES) == PAGE
    why = _fetch_error(f"{hostile_server}/hop/{MAX_REDIRECTS + 1}")
    assert why == f"more than {MAX_REDIRECTS} redirects; give the address the page ends up at"


@pytest.mark.parametrize("path", ["/loop", "/ping"])
def test_a_redirect_loop_is_one_line(hostile_server, path):
    why = _fetch_error(hostile_server + path)
    assert why.startswith("redirects in a loop (back to "), why


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_server_that_trickles_bytes_is_cut_off_at_the_deadline(hostile_server, path):
    started = time.monotonic()
    why = _fetch_error(hostile_server + path, deadline=1.0)
    assert why.startswith("took longer than 1 s, the limit for one URL (url_deadline)"), why
    # A hang-catcher only: the trickle lasts TRICKLE_BYTES * TRICKLE_S (10 s) when nothing cuts it off.
    assert time.monotonic() - started < TRICKLE_BYTES * TRICKLE_S


def test_the_url_deadline_is_a_setting_with_a_flag(hostile_server, tmp_path):
    assert resolve_job(None, RunOptions.of(to="ru")).url_deadline == 60.0
    assert resolve_job(None, RunOptions.of(to="ru", url_deadline=5)).url_deadline == 5.0
    job = tmp_path / "job.toml"
    job.write_text('targets = ["ru"]\nurl_deadline = 0\n')
    with pytest.raises(ConfigError, match=r"job.toml: url_deadline must be a number from 1 to 86400, got 0$"):
        resolve_job(job)
    with pytest.raises(ConfigError, match=r"^--url-deadline: url_deadline must be"):
        resolve_job(None, RunOptions.of(to="ru", url_deadline=-1))
    (tmp_path / "good.txt").write_text(STORY)
    slow = f"{hostile_server}/slow-body"
    result = _cli("summarize", slow, str(tmp_path / "good.txt"), *LEAD, "--url-deadline", "1", "--out", "out")
    assert result.exit_code == 1, result.output
    assert f"{slow}: took longer than 1 s, the limit for one URL" in result.output
    assert (tmp_path / "out" / "good.summary.txt").read_text().strip() == STORY
