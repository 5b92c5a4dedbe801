"""Memory over a long job: RSS while `Pipeline.run` streams N articles (tiny stand-ins, real SQLite cache).

    python benchmarks/memory.py [--articles 300] [--every 50]

Articles are made from the real corpus (each paragraph prefixed with a running number, so every
article and most sentences are distinct). Prints RSS after each block of articles; flat means the
pipeline keeps nothing per article once it has yielded its digest.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--every", type=int, default=50)
    args = parser.parse_args()

    from summarizer import Pipeline, RunOptions, render_html, resolve_job
    from summarizer.models.standin.build import build_stand_in

    work = Path(tempfile.mkdtemp(prefix="memory-"))
    marian = build_stand_in("marian", "tiny", work / "marian")
    bart = build_stand_in("bart", "tiny", work / "bart")
    texts = [p.read_text() for p in sorted((ROOT / "examples" / "corpus").glob("*.txt"))]
    inputs = []
    for i in range(args.articles):
        path = work / "articles" / f"a{i:04d}.txt"
        path.parent.mkdir(exist_ok=True)
        paragraphs = [p for p in texts[i % len(texts)].split("\n") if p.strip()]
        path.write_text("\n\n".join(f"Item {i}-{j}. {p}" for j, p in enumerate(paragraphs)))
        inputs.append(str(path))
    flags = RunOptions.of(
        inputs,
        to=["ru", "ar"],
        models={"ru": str(marian), "ar": str(marian)},
        summary_model=str(bart),
        what="both",
        cache_dir=work / "cache",
        num_beams=1,
        max_new_tokens=8,
        summary_num_beams=1,
        summary_max_new_tokens=16,
    )
    settings = resolve_job(None, flags)
    started = time.perf_counter()
    samples = []
    for n, result in enumerate(Pipeline(settings).run(), start=1):
        render_html(result)  # what a caller does with each digest, then drops it
        if n % args.every == 0:
            samples.append((n, rss_mb()))
            print(f"{n:5d} articles  RSS {samples[-1][1]:7.1f} MB  {time.perf_counter() - started:6.1f} s", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    growth = samples[-1][1] - samples[0][1] if len(samples) > 1 else 0.0
    print(f"growth from article {samples[0][0]} to {samples[-1][0]}: {growth:+.1f} MB; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
