"""The `ray` engine: model work as Ray Data `map_batches` over an actor pool, results streamed back.

The driver (this process) keeps the cache and sends only misses. Each actor builds its worker once
from `Work.factory` (loading its model through the normal model layer) and answers batches; a dead
actor is restarted and its tasks retried by Ray. Nothing here is imported unless `engine = "ray"`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..errors import BackendUnavailableError, ConfigError, EngineError, ModelUnavailableError, SummarizerError
from ..languages import plural
from ..options import DEFAULT_BATCH, RayOptions, RuntimeOptions
from .base import Work

log = logging.getLogger(__name__)
notice = logging.getLogger("summarizer.notice")  # lines the CLI shows as `note:` without -v
CONNECT_TIMEOUT_S = 20.0
INSTALL_HINT = "install it with: pip install 'summarizer[ray]'"


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise BackendUnavailableError(
            f"--engine ray needs Ray (with Ray Data), which is not installed; {INSTALL_HINT}"
        ) from None
    return ray


LOAD_FAILED = "__load_failed__"


@contextlib.contextmanager
def _quiet_stderr():
    """Ray's C++ core prints a line or two straight to file descriptor 2 while it starts; hide them
    (and the output of the processes it starts, which log to Ray's own files anyway)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class ModelActor:
    """One Ray actor: builds its worker (and loads its model) once, then answers batches.

    A worker that can't be built answers every batch with the reason instead of raising, so the
    driver fails the job with one line (Ray would retry a failing constructor and log tracebacks)."""

    def __init__(self, factory):
        self.failed: str | None = None
        try:
            self.worker = factory()
            load = getattr(self.worker, "load", None)
            if load is not None:
                load()
        except SummarizerError as exc:
            self.failed = str(exc)
        except Exception as exc:
            self.failed = f"{type(exc).__name__}: {exc}"

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        items = [str(x) for x in batch["item"]]
        if self.failed is not None:
            values = [{LOAD_FAILED: self.failed} for _ in items]
        else:
            values = self.worker.remote_compute(items)
        if len(values) != len(items):
            raise RuntimeError(f"{len(items)} inputs gave {len(values)} outputs")
        encoded = np.array([json.dumps(v, ensure_ascii=False) for v in values], dtype=object)
        return {"i": batch["i"], "value": encoded}


def _call(fn, item):
    return fn(item)


# Ray's GCS (HOST:6379) and its Ray Client server (ray://HOST:10001) both speak gRPC, over HTTP/2: a server
# answers a client's connection preface with a SETTINGS frame. Anything else at the address is not Ray.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
PROBE_TIMEOUT_S = 3.0  # the connection and the first frame, together


def _reachable(address: str) -> None:
    """Fail fast, naming the address, when nothing listens there or what listens is not Ray (Ray itself
    retries for minutes, and says nothing): one connection, and the server's first HTTP/2 frame, within
    PROBE_TIMEOUT_S."""
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError(f"--ray-address {address!r}: expected auto, HOST:PORT or ray://HOST:PORT", key="address")
    usual = "HOST:6379 (the head node's GCS) or ray://HOST:10001 (Ray Client)"
    deadline = time.monotonic() + PROBE_TIMEOUT_S
    try:
        conn = socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S)
    except OSError as exc:
        raise EngineError(f"Ray cluster at {address} can't be reached: {exc}; check the address and the port") from None
    head: bytes | None = b""
    with conn:
        try:
            conn.sendall(_HTTP2_PREFACE)
            while len(head) < 9:
                conn.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = conn.recv(9 - len(head))
                if not chunk:
                    break
                head += chunk
        except TimeoutError:
            head = None
        except OSError:
            pass  # reset while the preface was sent: judged by what came back before (nothing, so not Ray)
    # A frame header: length (3 bytes), type (SETTINGS is 4), flags, stream 0.
    if not head or len(head) < 9 or head[3] != 4 or head[5:9] != b"\0\0\0\0":
        if head is None:
            reason = f"no answer within {PROBE_TIMEOUT_S:.0f} s"
        else:
            reason = "its answer is not gRPC" if head else "it closed the connection"
        raise EngineError(
            f"--ray-address {address}: something listens there, but not Ray ({reason}); "
            f"give a Ray cluster's address, usually {usual}"
        )


def _cause(exc: BaseException) -> BaseException:
    """The innermost exception Ray wrapped (actor and task errors nest their cause)."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "cause", None) or exc.__cause__
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return exc


def _failure(exc: Exception, what: str) -> Exception:
    """What to raise for an error out of Ray: our own error as it is (Ray wraps a remote one), else an
    EngineError of one line."""
    if isinstance(exc, SummarizerError):
        return exc
    cause = _cause(exc)
    if isinstance(cause, SummarizerError):
        return cause
    return EngineError(f"{what}: {_first_line(cause)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def _batches(ray: Any, factory, items: list[str], o: RayOptions, runtime: RuntimeOptions):
    """(indices, values) of each batch of `items` as a pool of ModelActors answers it, through Ray Data."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    rows = [{"i": i, "item": item} for i, item in enumerate(items)]
    dataset = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows), 4 * o.actors)))
    results = dataset.map_batches(
        ModelActor,
        fn_constructor_kwargs={"factory": factory},
        batch_size=o.batch_size or runtime.batch_size or DEFAULT_BATCH,
        compute=ray.data.ActorPoolStrategy(size=o.actors),
        num_cpus=o.cpus_per_actor,
        num_gpus=o.gpus_per_actor,
    )  # Ray Data restarts a dead actor and retries its batches; a constructor that fails, fails the job
    for batch in results.iter_batches(batch_size=None, batch_format="numpy"):
        yield [int(i) for i in batch["i"]], [json.loads(v) for v in batch["value"]]


class Conductor:
    """A Ray actor on the cluster that runs `_batches` there for a driver connected with Ray Client
    (`ray://`): Ray Data's executor needs a process inside the cluster, which such a driver is not. The
    driver takes the batches as they come (`next`), so results still stream back and are cached as
    they arrive."""

    def __init__(self, factory, items: list[str], options: RayOptions, runtime: RuntimeOptions):
        import queue

        import ray

        self.queue: queue.Queue = queue.Queue()

        def run() -> None:
            try:
                for batch in _batches(ray, factory, items, options, runtime):
                    self.queue.put(("batch", batch))
                self.queue.put(("end", None))
            except BaseException as exc:  # sent to the driver as a line: Ray's exceptions need not pickle
                self.queue.put(("error", str(_failure(exc, "on the cluster"))))

        threading.Thread(target=run, daemon=True, name="conductor").start()

    def next(self) -> tuple[str, Any]:
        return self.queue.get()


def _conducted(ray: Any, conductor: Any):
    """The batches a Conductor makes, one call at a time, until it ends; its error as our own."""
    try:
        while True:
            kind, value = ray.get(conductor.next.remote())
            if kind == "end":
                return
            if kind == "error":
                raise EngineError(value)
            yield value
    finally:
        ray.kill(conductor)


class RayEngine:
    """Runs `Work` on Ray; connects (or starts a local instance) on first use."""

    name = "ray"

    def __init__(self, options: RayOptions, runtime: RuntimeOptions):
        self.options = options
        self.runtime = runtime
        self._ray = _import_ray()
        self._started_here = False
        self._connecting = threading.Lock()  # the pools of a window connect from threads of their own

    def _connect(self) -> Any:
        with self._connecting:
            return self._connect_once()

    def _connect_once(self) -> Any:
        ray = self._ray
        if ray.is_initialized():
            return ray
        address = self.options.address.strip()
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's C++ core warns on stderr otherwise
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        if not address:
            cpus = self.runtime.threads or os.cpu_count() or 1
            with _quiet_stderr():
                ray.init(num_cpus=cpus, include_dashboard=False, **quiet)
            self._started_here = True
        else:
            if address != "auto":
                _reachable(address)
            errors: list[BaseException] = []

            def connect() -> None:
                try:
                    ray.init(address=address, **quiet)
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=connect, daemon=True)
            # Stderr hidden here, not in the thread: a thread still connecting when the wait ends would keep
            # it hidden, and the one line that says why the job stops would go nowhere.
            with _quiet_stderr():
                thread.start()
                thread.join(CONNECT_TIMEOUT_S)
            if thread.is_alive():
                raise EngineError(f"Ray cluster at {address}: no answer within {CONNECT_TIMEOUT_S:.0f} s")
            if errors:
                raise EngineError(f"Ray cluster at {address}: {_first_line(errors[0])}")
        notice.info("%s", self._describe(ray, address))
        return ray

    def _describe(self, ray: Any, address: str) -> str:
        """One line for people: where the work runs (a local instance, or which cluster) and its size."""
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
            nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        except Exception:  # only a description: never fail the job for it
            cpus, nodes = 0, 0
        size = f"{plural(nodes, 'node')}, {plural(cpus, 'CPU')}" if nodes else "size unknown"
        if self._started_here:
            return f"ray: started a local Ray instance ({size}); it stops when the job ends"
        return f"ray: connected to the Ray cluster at {address} ({size})"

    def map(self, work: Work, items: list[str]) -> Iterator[list[tuple[str, Any]]]:
        if not items:
            return
        if work.factory is None:
            raise ConfigError(f"{work.name}: this work can't run on Ray (no worker factory)")
        ray = self._connect()
        if ray.util.client.ray.is_connected():  # Ray Client (ray://): Ray Data runs on the cluster, see Conductor
            conductor = ray.remote(num_cpus=0)(Conductor).remote(work.factory, items, self.options, self.runtime)
            source = _conducted(ray, conductor)
        else:
            source = _batches(ray, work.factory, items, self.options, self.runtime)
        try:
            for indices, values in source:
                failed = next((v[LOAD_FAILED] for v in values if isinstance(v, dict) and LOAD_FAILED in v), None)
                if failed is not None:
                    raise ModelUnavailableError(f"{work.name}: a Ray actor could not load its model: {failed}")
                yield [(items[i], work.decode(v)) for i, v in zip(indices, values, strict=True)]
        except Exception as exc:
            raise _failure(exc, f"{work.name} on Ray failed") from None

    def each(self, fn, items: list[Any]) -> list[Any]:
        """One Ray task per item (retried by Ray where its node dies), results in order."""
        if not items:
            return []
        ray = self._connect()
        task = ray.remote(num_cpus=1, max_retries=3)(_call)
        refs = [task.remote(fn, item) for item in items]
        try:
            return ray.get(refs)
        except Exception as exc:
            raise _failure(exc, "a Ray task failed") from None

    def close(self) -> None:
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()
        self._started_here = False
