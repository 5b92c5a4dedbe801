"""`summarizer serve` against careless and hostile callers and operators: bad key files and bounds are one
line, a busy port or unknown host is its own exit code before "serving", malformed requests are 400 (never
500, never a server path or an operator's hint), a request is bounded as a whole and what it abandons stops,
and SIGTERM's grace ends in our 503, not a bare 500.

Servers bind 127.0.0.1 on a free port; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from test_jobs import write_job
from test_server import Server, _free_port, _metric
from typer.testing import CliRunner

from summarizer.cli import app

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

ENV = {"SUMMARIZER_BACKEND": "torch", "HF_HUB_OFFLINE": "1", "SUMMARIZER_PROGRESS_SECONDS": "3600"}


# ---- the operator's mistakes: one line each, before anything listens (fast) ----------------------------


@pytest.mark.parametrize(
    "content, message",
    [
        (b"good-key 10\n\xff\xfe bad\n", "not UTF-8"),
        ("good-key \u00b2\n".encode(), "digits 0-9"),  # str.isdigit() takes "²"; int() refuses it
        (b"good-key 0\n", "remove the key or give at least 1"),
        (b"good-key 10\nother 5\ngood-key 20\n", "line 3: this key is also on line 1"),
    ],
)
def test_an_api_key_file_with_a_mistake_is_one_line_and_exit_2(tmp_path, content, message):
    keys = tmp_path / "keys.txt"
    keys.write_bytes(content)
    # An unresolvable --host: were the file accepted, the command ends there, never serving in the test.
    args = ["serve", "--to", "ru", "--host", "no-such-host.invalid", "--api-keys", str(keys)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "serving" not in result.output


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--char-limit", "0"], "--char-limit must be at least 1"),
        (["--batch-limit", "0"], "--batch-limit must be at least 1"),
        (["--batch-max", "0"], "--batch-max must be at least 1"),
        (["--batch-wait-ms", "5000"], "--batch-wait-ms must be 0 to 1000"),
        (["--request-timeout", "0"], "--request-timeout must be above 0"),
        (["--shutdown-grace", "-1"], "--shutdown-grace must be above 0"),
    ],
)
def test_a_bound_error_names_the_flag(args, flag):
    result = CliRunner().invoke(app, ["serve", "--to", "ru", "--host", "no-such-host.invalid", *args])
    assert result.exit_code == 2 and flag in result.output, result.output


def test_a_busy_port_or_an_unknown_host_is_one_line_with_its_own_exit_code(tmp_path, marian, bart):
    from summarizer.errors import EXIT_LISTEN

    job = write_job(tmp_path, marian, bart, targets=("ru",))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--config", str(job), "--port", str(port)])
    assert result.exit_code == EXIT_LISTEN == 6, result.output
    assert result.output.strip() == f"error: port {port} is in use on 127.0.0.1; stop what listens there or give another --port"  # fmt: skip
    for host in ("no-such-host.invalid", "[::1"):
        result = CliRunner().invoke(app, ["serve", "--config", str(job), "--host", host, "--port", str(_free_port())])
        assert result.exit_code == EXIT_LISTEN, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: --host {host}: can't be resolved"), lines


def test_abandoned_requests_take_no_more_model_calls():
    """The batcher drops a cancelled request between model calls of at most max_sentences: its remaining
    sentences never reach the model, and the next request is served at once."""
    from summarizer.server.batching import Batcher

    calls: list[list[str]] = []

    def translate(source, target, sentences):
        calls.append(list(sentences))
        time.sleep(0.05)
        return [s.upper() for s in sentences]

    async def scenario():
        batcher = Batcher(translate, wait_s=0, max_sentences=2)
        many = [f"s{i}" for i in range(40)]  # 20 calls of 2, about 1 s
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(batcher.translate("en", "ru", many), 0.12)
        await asyncio.sleep(0.15)  # the call in progress ends
        before = len(calls)
        assert await batcher.translate("en", "ru", ["next"]) == ["NEXT"]
        batcher.close()
        return before

    before = asyncio.run(scenario())
    assert before <= 4, f"the abandoned request went on for {before} calls"
    assert calls[-1] == ["next"] and len(calls) == before + 1


# ---- a server with a missing summary model, a slow target and a deadline (one process) -----------------


SLOW = "[targets.ar.params]\nnum_beams = 1\nmax_new_tokens = 120\nmin_new_tokens = 120"


def _slow_job(tmp_path, marian, bart, broken: bool = False):
    """ru fast; ar forced to 120 tokens a sentence (slow); the summary model a hub id that is not here; with
    `broken`, az is a model folder without its model_type (an operator's mistake)."""
    job = write_job(tmp_path, marian, bart, targets=("ru", "ar"), translate="full")
    text = job.read_text().replace(json.dumps(str(bart)), '"nobody/no-such-summarizer"', 1)
    text = text.replace("[targets.ar.params]\nnum_beams = 1\nmax_new_tokens = 6", SLOW)
    if broken:
        folder = tmp_path / "broken-az-model"
        folder.mkdir()
        (folder / "config.json").write_text("{}", encoding="utf-8")
        (folder / "model.safetensors").write_bytes(b"0")
        (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
        text += f"\n[targets.az]\nmodel = {json.dumps(str(folder))}\n"
    assert SLOW in text and "no-such-summarizer" in text
    job.write_text(text, encoding="utf-8")
    return job


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, marian, bart):
    tmp = tmp_path_factory.mktemp("hostile")
    keys = tmp / "keys.txt"
    keys.write_text("good-key\n", encoding="utf-8")
    job = _slow_job(tmp, marian, bart)
    args = ("--api-keys", str(keys), "--request-timeout", "8", "--batch-max", "2", "--char-limit", "20000")
    server = Server(job, *args, "--allow-urls", cache=tmp / "cache", env=ENV)
    for target in ("ru", "ar"):  # the models loaded, so a deadline measures work, not loading
        warm = {"q": "Warm up.", "source": "en", "target": target, "api_key": "good-key"}
        assert server.post("/translate", warm)[0] == 200
    yield server
    server.stop()


def _error(server, path, body, status):
    got, raw, _ = server.post(path, body, timeout=60)
    answer = json.loads(raw)
    assert got == status and set(answer) == {"error"}, (body, got, answer)
    assert "Traceback" not in answer["error"] and "\n" not in answer["error"]
    return answer["error"]


@pytest.mark.slow
def test_malformed_requests_are_400_with_one_line(hostile_server):
    server = hostile_server
    ok = {"q": "Hello there.", "source": "en", "target": "ru", "api_key": "good-key"}
    # Nested deeper than Python's JSON parser goes: was a RecursionError, a 500.
    req = urllib.request.Request(
        server.url + "/translate", data=b'{"q": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        urllib.request.urlopen(req, timeout=60)
        raise AssertionError("a nested body was answered 200")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400 and "nested too deeply" in json.loads(exc.read())["error"]
    cases = [
        ("/translate", {**ok, "api_key": ["good-key"]}, "api_key must be a string"),  # was a TypeError, a 500
        ("/translate", {**ok, "api_key": {"k": 1}}, "api_key must be a string"),
        ("/translate", {**ok, "source": ["en"]}, "source must be a string"),
        ("/translate", {**ok, "q": ["x"] * 129}, "exceeds batch limit (128)"),
        ("/summarize", {"url": "http://example.org:99999/a", "api_key": "good-key"}, "is not a valid URL"),
        ("/summarize", {"url": "http://[::1/a", "api_key": "good-key"}, "is not a valid URL"),
        ("/summarize", {"text": "The summit opened.", "sentences": 2.5, "api_key": "good-key"}, "whole number"),
        ("/detect", {"q": "", "api_key": "good-key"}, "q has no text"),  # was answered "en"
        ("/detect", {"q": ["", " "], "api_key": "good-key"}, "q has no text"),
    ]
    for path, body, message in cases:
        assert message in _error(server, path, body, 400), (path, body)


@pytest.mark.slow
def test_a_missing_summary_model_is_said_to_the_caller_without_operator_hints(hostile_server):
    article = {"text": "The summit opened in Baku on Thursday. Delegates from 120 countries attended.",
               "api_key": "good-key"}  # fmt: skip
    for path in ("/summarize", "/digest"):
        body = {**article, "method": "abstractive"} if path == "/summarize" else article
        message = _error(hostile_server, path, body, 503)
        verb = "Cannot summarize" if path == "/summarize" else "Cannot make the digest"
        assert message == f"{verb}: the abstractive summary model is not available on this server; ask for method extractive or lead"  # fmt: skip
    # The same digest with the method a request may choose: made (was a 503, the method ignored).
    status, raw, headers = hostile_server.post("/digest", {**article, "method": "lead", "sentences": 1}, timeout=120)
    digest = json.loads(raw)
    assert status == 200, digest
    assert digest["summary"]["model"]["name"].startswith("lead") and headers["X-Summarizer-Stand-In"] == "true"


@pytest.mark.slow
def test_a_request_is_bounded_as_a_whole_and_its_abandoned_work_stops(hostile_server):
    server = hostile_server
    # 120 distinct sentences into ar at 120 tokens each, 2 to a model call: far more than the 8 s deadline.
    q = [f"Report {n}: the delegates met again on day {n} of the summit." for n in range(120)]
    started = time.monotonic()
    message = _error(server, "/translate", {"q": q, "source": "en", "target": "ar", "api_key": "good-key"}, 503)
    took = time.monotonic() - started
    assert "within 8 s" in message and took < 14, (message, took)
    calls = _metric(server, "summarizer_model_calls_total")
    # The model is free again at once: a small request of another client is answered within the deadline ...
    status, raw, _ = server.post("/translate", {"q": "Hello there.", "source": "en", "target": "ru", "api_key": "good-key"})  # fmt: skip
    assert status == 200, raw
    time.sleep(2)
    # ... and the abandoned request's remaining sentences never reached the model.
    assert _metric(server, "summarizer_model_calls_total") - calls <= 2


@pytest.mark.slow
def test_requests_still_running_when_the_grace_ends_get_a_503_in_libretranslates_shape(tmp_path, marian, bart):
    job = _slow_job(tmp_path, marian, bart, broken=True)
    server = Server(job, "--no-batching", "--batch-max", "1", "--shutdown-grace", "3", cache=tmp_path / "c", env=ENV)
    try:
        # An operator's broken model folder: a 500 that names no server path (it named the folder).
        message = _error(server, "/translate", {"q": "Hello there.", "source": "en", "target": "az"}, 500)
        assert message == "Cannot translate text: the server failed on it (its log says why)"
        results: list[tuple[int, bytes, str]] = []

        def ask(n: int) -> None:
            q = [f"Request {n}, sentence {i}: the delegates met again." for i in range(30)]
            status, raw, headers = server.post("/translate", {"q": q, "source": "en", "target": "ar"}, timeout=60)
            results.append((status, raw, headers.get("content-type", "")))

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while _metric(server, "summarizer_model_calls_total") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=60)
        assert server.proc.wait(timeout=60) == 0
        stderr = server.proc.stderr.read().decode()
    finally:
        server.stop()
    assert len(results) == 4 and any(status == 503 for status, _, _ in results), results
    for status, raw, kind in results:
        assert kind.startswith("application/json"), (status, raw)  # never uvicorn's plain-text 500
        if status != 200:
            assert status == 503 and json.loads(raw) == {"error": "Cannot finish the request: the server is shutting down; send it again later"}  # fmt: skip
    assert "Traceback" not in stderr, stderr


def test_digest_requests_follow_serve_method_unless_they_name_their_own(tmp_path, marian, bart):
    """`serve --method` is /digest's default (as `digest --method` is the command's); a request's own method
    and sentences win, sharing the cache."""
    from summarizer.config.flags import RunOptions
    from summarizer.config.merge import resolve_job
    from summarizer.server.app import Service
    from summarizer.server.settings import ServerOptions

    job = write_job(tmp_path, marian, bart, targets=("ru",))
    service = Service(resolve_job(job, RunOptions.of(method="lead")), ServerOptions())
    try:
        assert service.pipeline_for(None, None) is service.pipeline
        assert service.pipeline.settings.summary.method == "lead"
        asked = service.pipeline_for("extractive", 2)
        assert (asked.settings.summary.method, asked.settings.summary.sentences) == ("extractive", 2)
        assert asked.cache is service.pipeline.cache and service.pipeline_for("extractive", 2) is asked
    finally:
        service.batcher.close()
