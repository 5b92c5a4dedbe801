"""GPU check: the torch backend on CUDA (device=auto picks it, fp16) against the CPU, on base stand-ins.

Run on a machine with a GPU:  python benchmarks/gpu_check.py [--out results.json]
It checks that outputs stay aligned and complete on CUDA and reports sentences/s for both devices.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from summarizer.options import SummaryOptions, TargetOptions, WorkerOptions

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def corpus_sentences() -> list[str]:
    from summarizer.inputs.reading import read_article

    seen: dict[str, None] = {}
    for path in sorted((ROOT / "examples" / "corpus").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt")):
        for s in read_article(str(path)).sentences:
            seen.setdefault(s.text)
    return list(seen)


def timed_translation(model: Path, sentences: list[str], runtime, params: dict) -> dict:
    from summarizer.tasks.translating import Translator

    translator = Translator(TargetOptions("ar", str(model), params=params), WorkerOptions(runtime=runtime))
    translator.translate(sentences)  # load, and warm up every batch shape (CUDA kernels load lazily)
    started = time.perf_counter()
    result = translator.translate(sentences)
    seconds = time.perf_counter() - started
    assert [t.source for t in result.translations] == sentences, "alignment broken"
    assert all(t.text for t in result.translations), "empty translation"
    backend = translator.handle.backend
    return {
        "device": backend.device,
        "dtype": str(next(backend.model.parameters()).dtype),
        "sentences": len(sentences),
        "seconds": round(seconds, 3),
        "sentences_per_s": round(len(sentences) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--size", choices=["tiny", "base"], default="base", help="tiny: a quick smoke run")
    args = parser.parse_args()

    import torch

    from summarizer.models.standin.build import build_stand_in
    from summarizer.options import RuntimeOptions
    from summarizer.tasks.summarizing import Summarizer

    report: dict = {"torch": torch.__version__, "cuda": torch.cuda.is_available()}
    if torch.cuda.is_available():
        report["gpu"] = torch.cuda.get_device_name(0)
    work = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    t0 = time.perf_counter()
    marian = build_stand_in("marian", args.size, work / "marian")
    bart = build_stand_in("bart", args.size, work / "bart")
    report["build_seconds"] = round(time.perf_counter() - t0, 1)
    sentences = corpus_sentences()
    report["unique_sentences"] = len(sentences)

    forced = {"max_new_tokens": 32, "min_new_tokens": 32}
    runs = {}
    for label, runtime in [
        ("auto", RuntimeOptions(device="auto", batch_size=32)),
        ("cpu", RuntimeOptions(device="cpu", batch_size=32)),
    ]:
        for beams in (1, 4):
            runs[f"{label}-beams{beams}"] = timed_translation(
                marian, sentences, runtime, {**forced, "num_beams": beams}
            )
            print(label, beams, runs[f"{label}-beams{beams}"], flush=True)
    report["translation"] = runs
    if torch.cuda.is_available():
        assert runs["auto-beams1"]["device"] == "cuda" and runs["auto-beams1"]["dtype"] == "torch.float16"
        report["speedup_greedy"] = round(
            runs["auto-beams1"]["sentences_per_s"] / runs["cpu-beams1"]["sentences_per_s"], 1
        )
        report["speedup_beams4"] = round(
            runs["auto-beams4"]["sentences_per_s"] / runs["cpu-beams4"]["sentences_per_s"], 1
        )

    seed = (ROOT / "seeds" / "baku-non-aligned-movement-2023.txt").read_text()
    summarizer = Summarizer(
        SummaryOptions(model=str(bart), params={"num_beams": 4, "max_new_tokens": 60, "min_new_tokens": 60}),
        WorkerOptions(runtime=RuntimeOptions(device="auto")),
    )
    t1 = time.perf_counter()
    summary = summarizer.summarize(seed)
    report["summary"] = {
        "seconds": round(time.perf_counter() - t1, 2),
        "chunked": summary.chunked,
        "chunks": summary.chunks,
        "rounds": summary.rounds,
        "input_tokens": summary.input_tokens,
        "device": summarizer.handle.backend.device,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
