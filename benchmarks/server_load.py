"""`summarizer serve` under concurrent clients, dynamic batching on against off, and the same sentences
through the Python API; rewrites the "server" section of BENCHMARKS.md.

    python benchmarks/server_load.py                     # base stand-in, about 5 minutes on 2 cores
    python benchmarks/server_load.py --quick --output /tmp/s.md

A bounded load generator against 127.0.0.1 only: each client thread sends one-sentence `/translate`
requests (FLORES-200 devtest English lines, a distinct sentence each, so no cache hit helps) until the
run's fixed count is answered, within a time bound. Every translation is forced to the same length,
quality retries off; each server run gets an empty cache. Batching off is `--batch-wait-ms 0`: each
request is a model call of its own (`--no-batching`).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)
from run import build_models, log  # noqa: E402
from sections import write_section  # noqa: E402

FLORES = evaldata.flores_dir() / "en.txt"
CLIENTS = (1, 8, 32)
TIME_BOUND_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job_file(folder: Path, marian: Path, tokens: int) -> Path:
    path = folder / "serve.toml"
    path.write_text(
        'inputs = []\ntranslate = "full"\n'
        f"[targets.ru]\nmodel = {json.dumps(str(marian))}\n"
        f"[targets.ru.params]\nnum_beams = 1\nmax_new_tokens = {tokens}\nmin_new_tokens = {tokens}\n"
        "[quality]\nretry = false\n",
        encoding="utf-8",
    )
    return path


def start(job: Path, cache: Path, batching: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "summarizer", "serve", "--config", str(job), "--port", str(port)]
    cmd += ["--cache-dir", str(cache), "--batching" if batching else "--no-batching"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(url + "/health", timeout=2).read()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def post(url: str, sentence: str) -> None:
    body = json.dumps({"q": sentence, "source": "en", "target": "ru"}).encode()
    req = urllib.request.Request(url + "/translate", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as r:
        json.loads(r.read())


def load(url: str, sentences: list[str], clients: int) -> dict:
    """`clients` threads answer all `sentences`, one request each; latencies and the wall time."""
    queue = list(reversed(sentences))
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    deadline = time.monotonic() + TIME_BOUND_S

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not queue:
                    return
                sentence = queue.pop()
            started = time.perf_counter()
            try:
                post(url, sentence)
            except OSError:
                failures[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIME_BOUND_S)
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "answered": len(latencies),
        "failed": failures[0],
        "seconds": seconds,
        "items_s": len(latencies) / seconds,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def api_rate(marian: Path, sentences: list[str], tokens: int, cache: Path) -> float:
    code = (
        "import sys, time, json, warnings; warnings.filterwarnings('ignore')\n"
        "import summarizer\nfrom summarizer import QualityOptions\n"
        "s = json.loads(sys.argv[2]); t = time.perf_counter()\n"
        f"summarizer.translate(s[:2], 'ru', model=sys.argv[1], num_beams=1, max_new_tokens={tokens}, min_new_tokens={tokens}, quality=QualityOptions(retry=False), cache=sys.argv[3] + '-warmup')\n"
        "t = time.perf_counter()\n"
        f"summarizer.translate(s, 'ru', model=sys.argv[1], num_beams=1, max_new_tokens={tokens}, min_new_tokens={tokens}, quality=QualityOptions(retry=False), cache=sys.argv[3])\n"
        "print(len(s) / (time.perf_counter() - t))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(marian), json.dumps(sentences), str(cache)],
        capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=TIME_BOUND_S,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny stand-in, few sentences")
    parser.add_argument("--sentences", type=int, help="requests per run (default 96; 16 with --quick)")
    parser.add_argument("--output", type=Path, help="default BENCHMARKS.md; required with --quick")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "cache" / "bench-models")
    args = parser.parse_args(argv)
    if args.quick and args.output is None:
        parser.error("--quick needs --output, so BENCHMARKS.md keeps the real results")
    size = "tiny" if args.quick else "base"
    n = args.sentences or (16 if args.quick else 96)
    tokens = 8 if args.quick else 32
    output = args.output or ROOT / "BENCHMARKS.md"
    marian = build_models(args.models_dir.resolve(), size)["marian"]
    lines = FLORES.read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        job = job_file(work, marian, tokens)
        offset = 0
        for mode in ("on", "off"):
            for clients in CLIENTS:
                sentences = lines[offset : offset + n]  # distinct sentences every run: no cache hits
                offset = (offset + n) % (len(lines) - n)
                proc, url = start(job, work / f"cache-{mode}-{clients}", mode == "on")
                try:
                    post(url, "The summit opened in Baku on Thursday.")  # the model loads before timing
                    r = load(url, sentences, clients)
                    calls = sum(
                        float(x.split()[-1])
                        for x in urllib.request.urlopen(url + "/metrics", timeout=10).read().decode().splitlines()
                        if x.startswith("summarizer_model_calls_total")
                    )
                finally:
                    proc.terminate()
                    proc.wait(timeout=60)
                rows.append({"batching": mode, "clients": clients, "model_calls": calls - 1, **r})
                log(
                    f"batching {mode}, {clients} clients: {r['items_s']:.2f}/s, p50 {r['p50']:.3f} s, p95 {r['p95']:.3f} s, {calls - 1:.0f} model calls"
                )
        api = api_rate(marian, lines[:n], tokens, work / "api-cache")
        log(f"Python API, one call: {api:.2f}/s")
    text = render(rows, api, size, n, tokens, time.perf_counter() - started, args)
    write_section(output, "server", text)
    log(f"wrote the server section of {output}")
    return 0


def render(rows: list[dict], api: float, size: str, n: int, tokens: int, elapsed: float, args) -> str:
    by = {(r["batching"], r["clients"]): r for r in rows}
    command = "python benchmarks/server_load.py" + (" --quick" if args.quick else "")
    lines = [
        "## The HTTP server under load",
        "",
        "```",
        f"{command}    # in make bench",
        "```",
        "",
        f"- `summarizer serve` on the {size} marian stand-in (CTranslate2 int8, greedy, every output forced to {tokens} tokens, retries off), "
        f"{os.cpu_count()} CPUs; each row a fresh server with an empty cache and {n} distinct FLORES-200 devtest sentences, one per `/translate` "
        f"request, sent by that many client threads to 127.0.0.1. Batching off is `--no-batching` (a model call per request); on is the default (`--batch-wait-ms 10`). Whole run {elapsed / 60:.1f} min.",
        "",
        "| batching | clients | sentences/s | p50 latency s | p95 latency s | model calls | vs batching off |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        off = by["off", r["clients"]]
        lines.append(
            f"| {r['batching']} | {r['clients']} | {r['items_s']:.2f} | {r['p50']:.3f} | {r['p95']:.3f} | {r['model_calls']:.0f} | {r['items_s'] / off['items_s']:.2f}× |"
        )
    on32, off32 = by["on", 32], by["off", 32]
    ratio = on32["items_s"] / off32["items_s"]
    lines += [
        f"| Python API, one `translate()` call over the same {n} sentences | - | {api:.2f} | - | - | - | - |",
        "",
        f"Target: batching on ≥ 3× the sentences per second of batching off at 32 clients: {ratio:.2f}×, "
        + ("met." if ratio >= 3 else "**not met**.")
        + f" At 32 clients the server reaches {on32['items_s'] / api:.2f}× the Python API's rate over the same sentences in one call.",
    ]
    failed = sum(r["failed"] for r in rows)
    if failed:
        lines.append(f"{failed} requests failed (connection errors) and are not in the rates.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
