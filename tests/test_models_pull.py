"""`summarizer models pull` against a local stand-in for the Hub's HTTP API (the endpoints and headers
the installed huggingface_hub's snapshot_download uses), and the proxy-aware reachability check.

huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE at import, so every check runs the real CLI in a
subprocess with its own environment (HF_HUB_OFFLINE unset, HF_HOME in tmp_path, no proxy variables
unless a test sets them).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.slow  # every test here runs the CLI in a process

REPO = "Helsinki-NLP/opus-mt-en-ru"  # the registry's default for ru, served here as a tiny stand-in
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SKIPPED_FILE = "flax_model.msgpack"  # on the "Hub", but not a file the project downloads
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

_API = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)/(?P<kind>revision|tree)/(?P<rev>[^/]+)$")
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


class _Server:
    """A ThreadingHTTPServer on a free local port, in a daemon thread, that records what it was asked."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.requests: list[tuple[str, str]] = []
        handler.owner = self  # type: ignore[attr-defined]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _HubHandler(BaseHTTPRequestHandler):
    """The model info, tree and resolve endpoints of the Hub, for the repos in `owner.repos`."""

    owner: FakeHub

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data) -> None:
        self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def _error(self, code: str) -> None:
        self._send(404, code.encode(), {"X-Error-Code": code, "X-Error-Message": code})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.owner.requests.append((self.command, path))
        if path == "/":
            return self._send(200, b"fake hub")
        match = _API.match(path) or _RESOLVE.match(path)
        if match is None:
            return self._send(404, b"no such endpoint")
        files = self.owner.repos.get(match["repo"])
        if files is None:
            return self._error("RepoNotFound")
        if match["rev"] not in ("main", COMMIT):
            return self._error("RevisionNotFound")
        if match.groupdict().get("kind") == "revision":
            siblings = [{"rfilename": name} for name in files]
            return self._json({"id": match["repo"], "modelId": match["repo"], "sha": COMMIT, "siblings": siblings})
        if match.groupdict().get("kind") == "tree":
            return self._json(
                [
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in files.items()
                ]
            )
        data = files.get(match["file"])
        if data is None:
            return self._send(404, b"", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        self._send(200, data, {"ETag": etag, "X-Repo-Commit": COMMIT, "Content-Type": "application/octet-stream"})


class FakeHub(_Server):
    def __init__(self, repos: dict[str, dict[str, bytes]]):
        self.repos = repos
        super().__init__(type("Handler", (_HubHandler,), {}))

    def fetched(self) -> list[str]:
        """The files downloaded (GET on a resolve URL), by name."""
        return [m["file"] for method, path in self.requests if method == "GET" and (m := _RESOLVE.match(path))]


class _ProxyHandler(BaseHTTPRequestHandler):
    """A forward proxy for plain HTTP (absolute-URI requests); CONNECT is recorded and refused."""

    def log_message(self, *args) -> None:
        pass

    def do_CONNECT(self) -> None:
        self.owner.requests.append(("CONNECT", self.path))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.owner.requests.append((self.command, self.path))
        url = urlsplit(self.path)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        target = url.path + (f"?{url.query}" if url.query else "")
        connection.request(self.command, target, headers=headers)
        response = connection.getresponse()
        body = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        # A HEAD answer has no body but tells the size of the GET's.
        self.send_header("Content-Length", response.getheader("Content-Length", "0") if not body else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        connection.close()


class RecordingProxy(_Server):
    def __init__(self):
        super().__init__(type("Handler", (_ProxyHandler,), {}))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: nothing listens there


@pytest.fixture
def model_files(marian) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted(marian.iterdir()) if p.is_file()}
    files[SKIPPED_FILE] = b"\0" * 1000
    return files


@pytest.fixture
def hub(model_files):
    server = FakeHub({REPO: model_files})
    yield server
    server.close()


@pytest.fixture
def env(tmp_path, hub):
    """The environment of a connected machine whose Hub is `hub` (see `_environ`)."""
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home")}


def _environ(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without HF_HUB_OFFLINE and proxy variables, plus `values`. (An
    empty proxy variable is not the same as none: urllib's rules let a lowercase one cancel another.)"""
    keep = {k: v for k, v in os.environ.items() if k.lower() not in (*PROXY_VARS, "hf_hub_offline")}
    return {**keep, **values}


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess, in the environment `_environ(env)`."""
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], capture_output=True, env=_environ(env), timeout=120
    )


def pull(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return cli("models", "pull", *args, env=env)


def snapshot_dir(tmp_path: Path) -> Path:
    return tmp_path / "hf-home" / "hub" / f"models--{REPO.replace('/', '--')}" / "snapshots" / COMMIT


def test_pull_downloads_into_the_hub_cache_then_says_already_local(tmp_path, hub, env, model_files):
    first = pull("ru", env=env)
    assert first.returncode == 0, first.stderr.decode()
    out = first.stdout.decode()
    assert f"{REPO} (ru): downloaded" in out and str(snapshot_dir(tmp_path)) in out
    snapshot = snapshot_dir(tmp_path)
    for name, data in model_files.items():
        if name == SKIPPED_FILE:
            assert not (snapshot / name).exists()  # the same allow_patterns as the resolver
        else:
            assert (snapshot / name).read_bytes() == data, name
    wanted = {name: data for name, data in model_files.items() if name != SKIPPED_FILE}
    fetched = hub.fetched()
    assert set(fetched) <= set(wanted)  # never the skipped file
    # every distinct file once (identical files, such as Marian's two .spm, share one download)
    assert sorted(wanted[name] for name in fetched) == sorted(set(wanted.values()))

    asked = len(hub.requests)
    second = pull(REPO, env=env)  # by hub id this time
    assert second.returncode == 0, second.stderr.decode()
    assert f"{REPO}: already local" in second.stdout.decode()
    assert len(hub.requests) == asked  # not even a reachability check: nothing was downloaded again

    listed = cli("models", "list", "--json", env=env)
    rows = {row["lang"]: row for row in json.loads(listed.stdout)["languages"]}
    assert rows["ru"]["cached"] is True and rows["ar"]["cached"] is False
    table = cli("models", "list", env=env).stdout.decode()
    ru_line = next(line for line in table.splitlines() if line.startswith("ru "))
    ar_line = next(line for line in table.splitlines() if line.startswith("ar "))
    assert " yes " in ru_line and " no " in ar_line


def test_a_pulled_model_serves_a_job_offline(tmp_path, hub, env):
    assert pull("ru", env=env).returncode == 0
    (tmp_path / "a.txt").write_text("The warning begins at 22:00 GMT on Saturday.\n", encoding="utf-8")
    offline = {**env, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"}
    asked = len(hub.requests)
    result = cli("translate", str(tmp_path / "a.txt"), "--to", "ru", "--max-new-tokens", "4", "--no-retry", env=offline)
    assert result.returncode == 0, result.stderr.decode()
    assert "The warning begins at 22:00 GMT on Saturday." in result.stdout.decode()
    assert "stand-in" in result.stderr.decode()  # the pulled files are the stand-in's, marker included
    assert len(hub.requests) == asked


def test_a_job_downloads_a_missing_model_the_same_way(tmp_path, hub, env):
    """Without a pull first, a job on a connected machine fetches the model itself, into the same place."""
    (tmp_path / "a.txt").write_text("Ban urged the members to show solidarity.\n", encoding="utf-8")
    result = cli("translate", str(tmp_path / "a.txt"), "--to", "ru", "--max-new-tokens", "4", "--no-retry", env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert (snapshot_dir(tmp_path) / "model.safetensors").is_file()
    assert SKIPPED_FILE not in hub.fetched()
    again = pull("ru", env=env)
    assert f"{REPO} (ru): already local" in again.stdout.decode()


def test_pull_json_and_offline_with_everything_local(tmp_path, hub, env):
    assert pull("ru", env=env).returncode == 0
    result = pull("ru", "--json", env={**env, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr.decode()
    [row] = json.loads(result.stdout)
    assert row["model"] == REPO and row["for"] == ["ru"] and row["status"] == "local"
    assert row["commit"] == COMMIT and row["bytes"] > 0


def test_unknown_repo_is_one_line_and_the_others_still_come(tmp_path, hub, env):
    result = pull("nobody/no-such-model", "ru", env=env)
    assert result.returncode == 3
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and "nobody/no-such-model was not found on the Hub" in errors[0]
    assert f"{REPO} (ru): downloaded" in result.stdout.decode()


def test_unknown_revision_and_invalid_id(tmp_path, hub, env):
    config = tmp_path / "job.toml"
    config.write_text(f'[summary]\nenabled = false\n[targets.ru]\nmodel = "{REPO}"\nrevision = "v9"\n')
    result = pull("--config", str(config), env=env)
    assert result.returncode == 3
    assert "revision 'v9' was not found on the Hub" in result.stderr.decode()
    bad = pull("not a model id", env=env)
    assert bad.returncode == 2 and "is not a valid hub id" in bad.stderr.decode()
    assert hub.fetched() == []


def test_config_pulls_every_model_the_job_loads(tmp_path, hub, env, model_files):
    hub.repos["org/summarizer-model"] = model_files
    config = tmp_path / "job.toml"
    config.write_text(
        'inputs = ["articles/*.txt"]\n'  # not on this machine: pulling does not need the inputs
        '[summary]\nmodel = "org/summarizer-model"\n'
        f'[targets.ru]\n[targets.ar]\nmodel = "{REPO}"\n'
    )
    result = pull("--config", str(config), "--json", env=env)
    assert result.returncode == 0, result.stderr.decode()
    rows = json.loads(result.stdout)
    assert [(r["model"], r["for"], r["status"]) for r in rows] == [
        ("org/summarizer-model", ["summary"], "downloaded"),
        (REPO, ["ru", "ar"], "downloaded"),  # one model, two targets: fetched once
    ]


def test_offline_pull_names_every_missing_model_in_one_line(tmp_path, hub, env):
    result = pull(env={**env, "HF_HUB_OFFLINE": "1"})  # no arguments: summary model + az, ru, ar
    assert result.returncode == 3
    errors = [line for line in result.stderr.decode().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "can't download 4 models" in errors[0] and "HF_HUB_OFFLINE is set" in errors[0]
    assert "sshleifer/distilbart-cnn-12-6" in errors[0] and REPO in errors[0]
    assert hub.requests == []


def test_unreachable_hub_fails_fast(tmp_path, env):
    started = time.monotonic()
    result = pull("ru", env={**env, "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"})
    assert time.monotonic() - started < 20  # a process start, plus a refused connection: no retries
    assert result.returncode == 3
    assert "can't be reached" in result.stderr.decode() and "HTTPS_PROXY" in result.stderr.decode()


def _reachable(env: dict[str, str]) -> bool:
    code = "from summarizer.models.hub import hub_reachable; print(hub_reachable(2.0))"
    result = subprocess.run([sys.executable, "-c", code], env=_environ(env), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_reachability_goes_through_the_proxy(hub, env):
    assert _reachable(env) is True
    # The Hub is up, but the proxy everything must go through is not: a direct connect would say
    # "reachable" and the download would then fail; the check must say no.
    dead_proxy = f"http://127.0.0.1:{_closed_port()}"
    assert _reachable({**env, "HTTP_PROXY": dead_proxy}) is False
    assert _reachable({**env, "HTTP_PROXY": dead_proxy, "NO_PROXY": "127.0.0.1"}) is True
    proxy = RecordingProxy()
    try:
        assert _reachable({**env, "HTTP_PROXY": proxy.url}) is True
        assert ("HEAD", hub.url + "/") in proxy.requests
        # An https endpoint goes through HTTPS_PROXY with CONNECT; this proxy refuses it.
        port = hub.server.server_address[1]
        https = {**env, "HF_ENDPOINT": f"https://127.0.0.1:{port}", "HTTPS_PROXY": proxy.url}
        assert _reachable(https) is False
        assert ("CONNECT", f"127.0.0.1:{port}") in proxy.requests
    finally:
        proxy.close()


def test_pull_through_a_proxy(tmp_path, hub, env):
    proxy = RecordingProxy()
    try:
        result = pull("ru", env={**env, "HTTP_PROXY": proxy.url})
    finally:
        proxy.close()
    assert result.returncode == 0, result.stderr.decode()
    assert (snapshot_dir(tmp_path) / "config.json").is_file()
    assert ("GET", f"{hub.url}/{REPO}/resolve/{COMMIT}/config.json") in proxy.requests
