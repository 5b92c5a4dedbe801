"""Sentences per generate() call: the side-by-side measurement behind runtime.batch_size's defaults
(`options.TRANSLATION_BATCH`, `options.TORCH_ROWS`). Base realistic-length Marian, FLORES-200 devtest
sentences, one process, each batch size right after the other.

    python benchmarks/batch_sizes.py                        # both backends, greedy and 4 beams
    python benchmarks/batch_sizes.py --backend ctranslate2  # raw translate_batch only (a few minutes)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import volumes  # noqa: E402

from summarizer.options import TargetOptions, WorkerOptions  # noqa: E402


def ctranslate2_rates(
    model: Path, converted: str, sentences: list[str], sizes: list[int], beams: int
) -> dict[int, float]:
    """Raw translate_batch over all sentences at each max_batch_size (CTranslate2 sorts by length itself)."""
    import ctranslate2

    source, _ = volumes._spm_pair(model)
    batch = [[volumes.TOKENS["ru"], *source.encode(s, out_type=str), "</s>"] for s in sentences]
    translator = ctranslate2.Translator(converted, device="cpu", compute_type=volumes.COMPUTE_TYPE, intra_threads=2)
    translator.translate_batch(batch[:4])
    rates = {}
    for size in sizes:
        t0 = time.perf_counter()
        translator.translate_batch(batch, max_batch_size=size, beam_size=beams, max_decoding_length=256)
        rates[size] = len(sentences) / (time.perf_counter() - t0)
    return rates


def torch_rates(model: Path, cache_dir: Path, sentences: list[str], sizes: list[int], beams: int) -> dict[int, float]:
    """Our torch Translator at each batch_size (cheap checks on, retries off, no cache)."""
    from summarizer.options import QualityOptions, RuntimeOptions
    from summarizer.tasks.translating import Translator

    rates = {}
    for size in sizes:
        runtime = RuntimeOptions(device="cpu", threads=2, batch_size=size)
        job = Translator(TargetOptions("ru", str(model), params={"num_beams": beams}), WorkerOptions(runtime=runtime, models_dir=cache_dir, quality=QualityOptions(retry=False)))  # fmt: skip
        job.translate(sentences[:2])
        t0 = time.perf_counter()
        job.translate(sentences)
        rates[size] = len(sentences) / (time.perf_counter() - t0)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("torch", "ctranslate2", "both"), default="both")
    parser.add_argument("--sentences", type=int, default=192, help="the first N FLORES sentences")
    args = parser.parse_args()
    models_dir = ROOT / "cache" / "bench-models"
    cache_dir = models_dir / "volumes-cache"
    model = volumes.build(models_dir, "marian", "base", realistic=True)
    sentences = volumes.flores_sentences(args.sentences)
    print("| backend | beams | batch size | sentences/s | vs the first |\n|---|---:|---:|---:|---:|")
    plans = []
    if args.backend in ("ctranslate2", "both"):
        converted = volumes.convert([model], cache_dir)[model]
        plans += [
            ("ctranslate2", b, lambda b=b: ctranslate2_rates(model, converted, sentences, [32, 64, 96], b))
            for b in (1, 4)
        ]
    if args.backend in ("torch", "both"):
        plans += [("torch", 1, lambda: torch_rates(model, cache_dir, sentences, [16, 32, 64], 1))]
        plans += [("torch", 4, lambda: torch_rates(model, cache_dir, sentences, [16, 32], 4))]
    for backend, beams, measure in plans:
        rates = measure()
        first = next(iter(rates.values()))
        for size, rate in rates.items():
            print(f"| {backend} | {beams} | {size} | {rate:.2f} | {rate / first:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
