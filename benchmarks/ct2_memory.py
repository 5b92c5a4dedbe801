"""Peak RSS and speed of our torch path vs the ctranslate2 int8 backend on base Marian, greedy,
each workload in a fresh process, 3 interleaved rounds (the (c) and (e) rows of `benchmarks/run.py`).

    python benchmarks/ct2_memory.py      # needs the base stand-ins that `make bench` built (or builds them)
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench


def main() -> None:
    models_dir = bench.ROOT / "cache" / "bench-models"
    models = bench.build_models(models_dir, "base")
    cache_dir = models_dir / "converted-base"
    bench.prepare_ct2(models, cache_dir)
    sentences = bench.collect_sentences()
    threads = bench.torch_default_threads()
    results: dict[str, list[dict]] = {"c-ours-greedy": [], "e-ct2-greedy": []}
    for _ in range(3):
        for name in results:
            spec = {
                "workload": name,
                "model": str(models["marian"]),
                "inputs": sentences,
                "new_tokens": 32,
                "threads": threads,
                "profile": False,
            }
            results[name].append(bench.run_worker(spec, cache_dir, 3600))
    rows = {}
    for name, runs in results.items():
        rows[name] = (
            statistics.median(len(sentences) / r["seconds"] for r in runs),
            max(r["peak_rss_mb"] for r in runs),
        )
        print(f"{name}: {rows[name][0]:.2f} sentences/s, peak RSS {rows[name][1]:.0f} MB")
    (c_speed, c_rss), (e_speed, e_rss) = rows["c-ours-greedy"], rows["e-ct2-greedy"]
    print(f"ctranslate2 vs torch: {e_speed / c_speed:.2f}x throughput at {100 * e_rss / c_rss:.0f}% of its peak RSS")


if __name__ == "__main__":
    main()
