"""A daily feed job re-run with nothing new: its time against the first run's, and the bytes it fetches.

    python benchmarks/feeds_incremental.py [--feeds 5] [--items 100] [--shared ../shared]

Serves `--feeds` RSS feeds of `--items` items each from 127.0.0.1, each item's page a CNN/DailyMail test
article (../shared/eval/cnndm-test), runs `summarizer digest FEEDS --to ru --what summary --method lead`
on a tiny stand-in Marian (the quality retry off: a stand-in's noise would be retried), then the same
command again, and reports both wall times, their ratio (target: the re-run under 5% of the first) and
what each run fetched (target on the re-run: 304s only). Writes benchmarks/results/feeds_incremental.json.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)


def serve(files: dict[str, tuple[str, bytes]], log: list[tuple[str, int, int]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind, body = files.get(self.path, ("text/plain", b""))
            status = 200 if self.path in files else 404
            tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                log.append((self.path, 304, 0))
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)
            log.append((self.path, status, len(body)))

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=5)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    args = parser.parse_args()
    records = [json.loads(line) for line in evaldata.cnndm_sample(args.shared).open()]
    files: dict[str, tuple[str, bytes]] = {"/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n")}
    log: list[tuple[str, int, int]] = []
    server = serve(files, log)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    n = 0
    feeds = []
    for f in range(args.feeds):
        items = []
        for _ in range(args.items):
            record = records[n % len(records)]
            n += 1
            sentences = [s.strip() for s in record["article"].split(" . ") if s.strip()]
            title = sentences[0][:80]
            body = "".join(f"<p>{html.escape(s)}.</p>" for s in sentences)
            files[f"/a/{n}"] = (
                "text/html",
                f"<html><head><title>{html.escape(title)}</title></head><body><article>{body}</article></body></html>".encode(),
            )
            date = email.utils.formatdate(1677750000 + n * 60, usegmt=True)
            items.append(
                f"<item><title>{html.escape(title)}</title><link>{base}/a/{n}</link><guid>{base}/a/{n}</guid><pubDate>{date}</pubDate></item>"
            )
        files[f"/feed{f}.xml"] = (
            "application/rss+xml",
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire {f}</title><link>{base}/</link><description>d</description>{"".join(items)}</channel></rss>'.encode(),
        )
        feeds.append(f"{base}/feed{f}.xml")
    work = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    python = sys.executable
    model = work / "marian-ru"
    subprocess.run(
        [
            python,
            "-m",
            "summarizer",
            "models",
            "stand-in",
            "--kind",
            "marian",
            "--size",
            "tiny",
            "--lang",
            "ru",
            str(model),
        ],
        check=True,
        capture_output=True,
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1", SUMMARIZER_BACKEND=os.environ.get("SUMMARIZER_BACKEND", "torch"))
    env["SUMMARIZER_PROGRESS_SECONDS"] = "3600"  # unwatched: model calls keep their full batches while timed
    command = [python, "-m", "summarizer", "digest", *feeds, "--to", "ru", "--from", "en", "--model", f"ru={model}"]
    command += ["--what", "summary", "--method", "lead", "--no-retry", "--feed-pause", "0", "--out", str(work / "out")]
    command += [
        "--cache-dir",
        str(work / "cache"),
        "--format",
        "json,html",
        "--max-new-tokens",
        "24",
        "--num-beams",
        "1",
        "-q",
    ]
    runs = []
    for name in ("first", "again"):
        mark = len(log)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        fetched = log[mark:]
        runs.append(
            {
                "run": name,
                "seconds": round(seconds, 2),
                "exit": done.returncode,
                "requests": len(fetched),
                "status_304": sum(s == 304 for _, s, _ in fetched),
                "status_200": sum(s == 200 for _, s, _ in fetched),
                "bytes_fetched": sum(b for _, _, b in fetched),
                "stderr_tail": done.stderr[-300:],
            }
        )
    server.shutdown()
    first, again = runs
    result = {
        "feeds": args.feeds,
        "items": args.feeds * args.items,
        "runs": runs,
        "ratio": round(again["seconds"] / first["seconds"], 4),
        "command": " ".join(command[2:]),
    }
    (ROOT / "benchmarks/results/feeds_incremental.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )
    print("| run | wall s | requests | 200 | 304 | bytes fetched |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in runs:
        print(
            f"| {r['run']} | {r['seconds']} | {r['requests']} | {r['status_200']} | {r['status_304']} | {r['bytes_fetched']:,} |"
        )
    print(f"re-run / first run: {result['ratio']:.2%} ({result['items']} items in {args.feeds} feeds)")


if __name__ == "__main__":
    main()
