"""`--ray-address` at something that is not Ray (issue 32 point 18): one line, exit 3, within seconds, on a
plain TCP server on 127.0.0.1 (no Ray started)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from summarizer.engines import ray_engine
from summarizer.engines.ray_engine import _reachable
from summarizer.errors import EngineError

from conftest import run_cli


def _server(answer: bytes | None):
    """A TCP server on 127.0.0.1 that is not Ray: it answers `answer` to each connection (None: it
    reads and says nothing until the client leaves; b"": it closes at once)."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            if answer == b"":
                return
            conn.settimeout(10)
            try:
                conn.recv(1024)
                if answer is not None:
                    conn.sendall(answer)
                while not stop.is_set() and conn.recv(1024):
                    pass
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener, stop


@pytest.fixture(params=[b"HTTP/1.1 400 Bad Request\r\n\r\n", None, b""], ids=["http", "silent", "closes"])
def not_ray(request):
    listener, stop = _server(request.param)
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_an_address_that_is_not_ray_is_one_error_within_seconds(not_ray, scheme, monkeypatch):
    monkeypatch.setattr(ray_engine, "PROBE_TIMEOUT_S", 0.5)  # the silent server costs the whole wait
    started = time.monotonic()
    with pytest.raises(EngineError, match="something listens there, but not Ray") as caught:
        _reachable(f"{scheme}{not_ray}")
    assert time.monotonic() - started < 1.5
    assert f"{scheme}{not_ray}" in str(caught.value) and "ray://HOST:10001" in str(caught.value)
    assert caught.value.exit_code == 3


def test_nothing_listening_is_its_own_error():
    with socket.create_server(("127.0.0.1", 0)) as spare:
        port = spare.getsockname()[1]  # closed again: nothing listens there now
    with pytest.raises(EngineError, match="can't be reached"):
        _reachable(f"127.0.0.1:{port}")


@pytest.mark.slow
def test_the_cli_says_it_in_one_line_and_exits_3(tmp_path, marian):
    listener, stop = _server(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    (tmp_path / "a.txt").write_text("The summit opened in Baku. Leaders attended.", encoding="utf-8")
    try:
        started = time.monotonic()
        result = run_cli(
            *("translate", str(tmp_path / "a.txt"), "--to", "ru", "--model", f"ru={marian}", "--from", "en"),
            *("--engine", "ray", "--ray-address", address, "-o", str(tmp_path / "out")),
            timeout=120,
        )
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    err = result.stderr.decode().strip()
    assert result.returncode == 3, err
    assert err.splitlines() == [err] and err.startswith(f"error: --ray-address {address}: something listens")
    assert took < 15, took  # Ray's import and the probe; not Ray's own minutes of retries


@pytest.mark.slow
def test_the_documented_ray_client_address_runs_the_job(tmp_path, marian):
    """`--ray-address ray://HEAD:10001` (Ray Client, the `ray` extra's `ray[client]`) on a real head node with
    its client server: the job runs (Ray Data on the cluster, see Conductor) and gives the local digests."""
    from ray.cluster_utils import Cluster
    from test_ray_engine import _digests

    with socket.create_server(("127.0.0.1", 0)) as spare:
        client_port = spare.getsockname()[1]
    (tmp_path / "a.txt").write_text(" ".join(f"Sentence {i} is about the summit." for i in range(12)))
    common = ("translate", str(tmp_path / "a.txt"), "--to", "ru", "--model", f"ru={marian}", "--from", "en")
    common += ("--format", "json", "--max-new-tokens", "8", "--no-retry")
    local = run_cli(*common, "--cache-dir", str(tmp_path / "c-local"), "-o", str(tmp_path / "out-local"))
    assert local.returncode == 0, local.stderr.decode()
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False, "ray_client_server_port": client_port},
    )
    try:
        address = f"ray://127.0.0.1:{client_port}"
        ray = run_cli(
            *common, "--cache-dir", str(tmp_path / "c-ray"), "-o", str(tmp_path / "out-ray"),
            *("--engine", "ray", "--ray-address", address),
        )  # fmt: skip
    finally:
        cluster.shutdown()
    err = ray.stderr.decode()
    assert ray.returncode == 0, err
    assert f"connected to the Ray cluster at {address}" in err
    assert _digests(tmp_path / "out-ray") == _digests(tmp_path / "out-local")
