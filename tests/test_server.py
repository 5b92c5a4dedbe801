"""`summarizer serve` as a client sees it: a real server process on a free port of 127.0.0.1, the real
`libretranslatepy` client, LibreTranslate's error shapes, HTML kept, concurrent requests batched into
one model call, the batch jobs' cache shared, and SIGTERM finishing the requests in flight.

Every request goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_jobs import write_job

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

pytestmark = pytest.mark.slow  # each test starts a server process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`summarizer serve` in a process of its own on a free port of 127.0.0.1 (`job`: its --config, or None
    for a server from flags alone), answering /health before the test goes on."""

    def __init__(self, job: Path | None, *args: str, cache: Path, env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "summarizer", "serve", *(["--config", str(job)] if job else [])]
        cmd += ["--port", str(self.port), "--cache-dir", str(cache), *args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited: {self.proc.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.proc.kill()  # no process outlives a failed start
        self.proc.wait()
        raise AssertionError("the server did not answer /health within 120 s")

    def post(self, path: str, body: dict, headers: dict | None = None, timeout: float = 120):
        data = json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def job(tmp_path, marian, bart):
    return write_job(tmp_path, marian, bart, targets=("ru", "ar"), translate="full")


@pytest.fixture
def server(job, tmp_path):
    s = Server(job, cache=tmp_path / "cache")
    yield s
    s.stop()


def test_libretranslatepy_translates_detects_and_lists_languages(server):
    from libretranslatepy import LibreTranslateAPI

    lt = LibreTranslateAPI(server.url)
    text = "The summit opened in Baku on Thursday. Delegates from 120 countries attended."
    out = lt.translate(text, "en", "ru")
    assert isinstance(out, str) and out.strip()
    detected = lt.detect("The summit opened in Baku on Thursday and delegates from many countries came.")
    assert detected[0]["language"] == "en" and 0 < detected[0]["confidence"] <= 100
    languages = {entry["code"]: entry for entry in lt.languages()}
    assert set(languages["en"]["targets"]) == {"ru", "ar"} and languages["en"]["name"] == "English"

    # Our fields: one entry per sentence, its flags, whether the cache served it, the model.
    status, body, _ = server.post("/translate", {"q": text, "source": "en", "target": "ru"})
    answer = json.loads(body)
    assert status == 200 and answer["translatedText"] == out  # the second time from the cache
    sentences = answer["summarizer"]["sentences"]
    assert [s["source"] for s in sentences] == [
        "The summit opened in Baku on Thursday.",
        "Delegates from 120 countries attended.",
    ]
    assert all(s["cached"] for s in sentences) and all(isinstance(s["flags"], list) for s in sentences)
    assert answer["summarizer"]["model"]["model"]

    # A multipart form (curl -F) works as well, and alternatives asked for come back empty (one translation only).
    boundary = "summarizerboundary"
    parts = [("q", text), ("source", "en"), ("target", "ru"), ("alternatives", "2")]
    data = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in parts)
    data += f"--{boundary}--\r\n"
    req = urllib.request.Request(
        server.url + "/translate",
        data=data.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        answer = json.loads(r.read())
    assert answer["translatedText"] == out and answer["alternatives"] == []

    # q as a list, source auto: a list back, detected languages per item.
    status, body, _ = server.post("/translate", {"q": [text, "Second item here."], "source": "auto", "target": "ar"})
    answer = json.loads(body)
    assert status == 200 and len(answer["translatedText"]) == 2
    assert [d["language"] for d in answer["detectedLanguage"]] == ["en", "en"]


def test_html_keeps_the_markup_and_translates_only_the_text(server):
    markup = '<p class="lead">The summit opened in Baku.</p><script>var x = "Do not translate.";</script><a href="/x?a=1&amp;b=2">Read more here.</a>'
    status, body, _ = server.post("/translate", {"q": markup, "source": "en", "target": "ru", "format": "html"})
    out = json.loads(body)["translatedText"]
    assert status == 200
    assert out.startswith('<p class="lead">') and '</p><script>var x = "Do not translate.";</script>' in out
    assert '<a href="/x?a=1&amp;b=2">' in out and out.endswith("</a>")
    assert "The summit opened in Baku." not in out  # the text itself was translated


def test_errors_have_libretranslates_shape(job, tmp_path):
    keys = tmp_path / "keys.txt"
    keys.write_text("good-key\nlimited-key 2  # two requests a minute\n# a comment\n", encoding="utf-8")
    server = Server(job, "--api-keys", str(keys), "--char-limit", "200", cache=tmp_path / "cache")
    try:
        ok = {"q": "Hello there.", "source": "en", "target": "ru", "api_key": "good-key"}
        cases = [
            ({**ok, "api_key": "bad-key"}, 403, "Invalid API key"),
            ({k: v for k, v in ok.items() if k != "api_key"}, 400, "missing api_key"),
            ({**ok, "q": "x" * 201}, 400, "exceeds text limit (200)"),
            ({**ok, "target": "xx"}, 400, "xx is not supported"),
            ({k: v for k, v in ok.items() if k != "q"}, 400, "missing q parameter"),
            ({**ok, "format": "pdf"}, 400, "format pdf"),
        ]
        for body, status, message in cases:
            got, raw, _ = server.post("/translate", body)
            answer = json.loads(raw)
            assert got == status and message in answer["error"], (body, got, answer)
            assert set(answer) == {"error"} and "Traceback" not in answer["error"]
        # A key's limit: 2 requests a minute.
        limited = {**ok, "api_key": "limited-key"}
        assert server.post("/translate", limited)[0] == 200
        assert server.post("/translate", limited)[0] == 200
        status, raw, _ = server.post("/translate", limited)
        assert status == 429 and "error" in json.loads(raw)
        # A URL is not fetched unless the server is started with --allow-urls.
        status, raw, _ = server.post("/summarize", {"url": "http://127.0.0.1:9/", "api_key": "good-key"})
        assert status == 400 and "--allow-urls" in json.loads(raw)["error"]
        settings = json.loads(urllib.request.urlopen(server.url + "/frontend/settings", timeout=10).read())
        assert settings["keyRequired"] is True and settings["charLimit"] == 200
    finally:
        server.stop()


def test_concurrent_requests_are_batched_into_one_model_call_each_answered_with_its_own(server):
    texts = [f"Delegates from {n} countries attended the meeting." for n in range(100, 108)]
    results: dict[int, dict] = {}

    def ask(i: int) -> None:
        status, body, _ = server.post("/translate", {"q": texts[i], "source": "en", "target": "ru"})
        results[i] = {"status": status, **json.loads(body)}

    before = _metric(server, "summarizer_model_calls_total")
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    calls = _metric(server, "summarizer_model_calls_total") - before
    assert len(results) == len(texts) and all(r["status"] == 200 for r in results.values())
    for i, r in results.items():  # each its own sentence, in order
        assert [s["source"] for s in r["summarizer"]["sentences"]] == [texts[i]]
    assert calls < len(texts), f"{len(texts)} concurrent requests took {calls} model calls"
    # Each answer is what the sentence translates to alone (batching changes nothing).
    status, body, _ = server.post("/translate", {"q": texts[3], "source": "en", "target": "ru"})
    assert json.loads(body)["translatedText"] == results[3]["translatedText"]


def _metric(server, name: str) -> float:
    text = urllib.request.urlopen(server.url + "/metrics", timeout=10).read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def test_a_job_and_the_server_share_one_cache(job, tmp_path, marian):
    from conftest import run_cli

    source = tmp_path / "article.txt"
    source.write_text("The summit opened in Baku on Thursday. Delegates from 120 countries attended.\n")
    done = run_cli("translate", str(source), "--to", "ru", "--model", f"ru={marian}", "--max-new-tokens", "6",
                   "--num-beams", "1", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "o"),
                   "--no-summary")  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    server = Server(job, cache=tmp_path / "cache")
    try:
        status, body, _ = server.post("/translate", {"q": source.read_text().strip(), "source": "en", "target": "ru"})
        sentences = json.loads(body)["summarizer"]["sentences"]
        assert status == 200 and sentences and all(s["cached"] for s in sentences)
    finally:
        server.stop()


def test_sigterm_finishes_the_requests_in_flight(job, tmp_path):
    # Long outputs (forced), so the requests are still being translated when the signal comes.
    job.write_text(job.read_text().replace("max_new_tokens = 6", "max_new_tokens = 120\nmin_new_tokens = 120"))
    server = Server(job, "--no-batching", cache=tmp_path / "cache")
    texts = [f"Report {n}: the delegates met again on the second day of the summit in Baku." for n in range(6)]
    results: list[int] = []

    def ask(text: str) -> None:
        results.append(server.post("/translate", {"q": text, "source": "en", "target": "ar"})[0])

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while _metric(server, "summarizer_model_calls_total") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)  # the first request is with the model
        in_flight = len(texts) - len(results)
        server.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=120)
        assert server.proc.wait(timeout=60) == 0
    finally:
        server.stop()
    assert in_flight > 1, "the requests were answered before the signal"
    assert results == [200] * len(texts), results


def test_digest_and_summarize_endpoints(server):
    text = (Path(__file__).resolve().parents[1] / "seeds").glob("*.txt")
    article = next(text).read_text(encoding="utf-8")
    status, body, _ = server.post("/digest", {"text": article})
    digest = json.loads(body)
    assert status == 200 and {ld["target"] for ld in digest["languages"]} == {"ru", "ar"}
    status, body, headers = server.post("/digest", {"text": article}, headers={"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html") and b"<html" in body.lower()
    status, body, _ = server.post("/summarize", {"text": article, "method": "lead", "sentences": 2})
    summary = json.loads(body)
    assert status == 200 and summary["method"] == "lead" and summary["summary"]
    metrics = urllib.request.urlopen(server.url + "/metrics", timeout=10).read().decode()
    assert 'summarizer_requests_total{endpoint="/digest",status="200"}' in metrics


def test_the_real_backend_is_called_once_for_concurrent_requests(job, tmp_path):
    """In this process, so the real backend's generate() can be counted: eight requests that arrive together
    are one model call, and each answer is its own sentence's translation."""
    import uvicorn

    from summarizer.config.merge import resolve_job
    from summarizer.server.app import Service, make_app
    from summarizer.server.settings import ServerOptions

    port = _free_port()
    settings = resolve_job(job)
    service = Service(settings, ServerOptions(port=port, batch_wait_ms=200))
    backend = service.pipeline.translator("ru", "en").handle.backend
    real, calls = backend.generate, []

    def counted(texts, *args, **kwargs):
        calls.append(len(texts))
        return real(texts, *args, **kwargs)

    backend.generate = counted
    server = uvicorn.Server(uvicorn.Config(make_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        client = Server.__new__(Server)
        client.url = f"http://127.0.0.1:{port}"
        texts = [f"The {n} delegates met in Baku." for n in range(8)]
        answers: dict[int, dict] = {}

        def ask(i: int) -> None:
            answers[i] = json.loads(client.post("/translate", {"q": texts[i], "source": "en", "target": "ru"})[1])

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(answers) == len(texts)
        assert calls and calls[0] == len(texts), calls  # one generate() over all eight (retries come after)
        alone = [t.text for t in service.pipeline.translator("ru", "en").translate(texts).translations]
        assert [answers[i]["translatedText"] for i in range(len(texts))] == alone
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        service.batcher.close()
