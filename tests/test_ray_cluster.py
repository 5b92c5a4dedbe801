"""A real two-node Ray cluster on this machine (`ray.cluster_utils.Cluster`: a head node and a worker node,
each its own raylet and object store), a job sent to it with `--ray-address`, and the worker node killed
halfway: the job finishes on what is left, with the digests a local run makes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_jobs import _corpus_inputs, _entries, write_job
from test_ray_engine import _closing, _digests

from conftest import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster():
    from ray.cluster_utils import Cluster

    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    made = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    try:
        yield made
    finally:
        made.shutdown()


def _alive(cluster) -> int:
    import ray

    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        return sum(1 for node in ray.nodes() if node["Alive"])
    finally:
        ray.shutdown()


def _actors_on(node) -> int:
    """Model actors of the job running on `node` (a `ray.cluster_utils` node): processes titled after
    ModelActor whose parent is that node's raylet, which starts its workers."""
    raylet = node.all_processes["raylet"][0].process.pid
    found = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0)
        found += "ModelActor" in cmdline and parent == raylet
    return found


def test_a_two_node_cluster_runs_the_job_and_survives_its_worker_node_killed(tmp_path, marian, bart, cluster):
    inputs = _corpus_inputs(tmp_path, 6)
    job = write_job(tmp_path, marian, bart, inputs=inputs, targets=("ru", "ar"), translate="both")
    # Long enough outputs that the kill lands mid-job; protected retries off: the kill point counts sentences.
    job.write_text(
        job.read_text().replace("max_new_tokens = 6", "max_new_tokens = 24")
        + "\n[ray]\nbatch_size = 4\n[quality]\nprotect = false\n"
    )
    local = run_cli("translate", "--config", str(job), "--cache-dir", "c-local", "--out", "out-local")
    assert local.returncode == 0, local.stderr.decode()

    worker = cluster.add_node(num_cpus=2)
    cluster.wait_for_nodes()
    assert _alive(cluster) == 2

    db = tmp_path / "c-ray" / "summarizer.sqlite3"
    args = [sys.executable, "-m", "summarizer", "translate", "--config", str(job), "--cache-dir", "c-ray"]
    args += ["--out", "out-ray", "--engine", "ray", "--ray-address", cluster.address]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, start_new_session=True)
    killed_at = None
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if _entries(db) >= 4 and _actors_on(worker):  # working there, and mid-job
                cluster.remove_node(worker, allow_graceful=False)  # its raylet, object store and workers, at once
                killed_at = _entries(db)
                break
            time.sleep(0.05)
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = stderr.decode()
    assert killed_at is not None, f"no actor of the job was seen on the worker node before the job ended: {err}"
    assert proc.returncode == 0, err
    assert _entries(db) > killed_at, "the kill came after the job had finished its translations"
    assert "connected to the Ray cluster at" in err and "2 nodes" in err, err
    assert _digests(tmp_path / "out-ray") == _digests(tmp_path / "out-local")
    assert _closing(stderr).split("; ")[:3] == _closing(local.stderr).split("; ")[:3]
    assert _alive(cluster) == 1
