"""The tools people would pick instead, side by side in one run, on the base marian stand-in.

    python benchmarks/peers.py                    # rewrites the "peers" section of BENCHMARKS.md
    python benchmarks/peers.py --quick --output /tmp/p.md   # tiny stand-in, a few paragraphs (the tests)

Inputs: FLORES-200 devtest English, grouped into paragraphs of 3 consecutive lines (FLORES takes a few
consecutive sentences from each article). Every workload translates the same sentences into Russian
(`>>rus<<`) in a fresh process (peak RSS = that process's `ru_maxrss`), after an untimed warm-up, with
every output forced to the same length (min = max decoding length) so that random weights do the same
decoding work everywhere. Rows:

- argos-translate's method: what `argostranslate.translate.PackageTranslation.hypotheses` does (1.11):
  one `translate_batch` per paragraph, `max_batch_size=32, batch_type="tokens"`, beam 4 (`ARGOS_BEAM_SIZE`
  1 for greedy), `length_penalty=0.2`, `replace_unknowns`, `return_scores`, `compute_type="auto"`;
- EasyNMT's method (2.0): torch `generate()`, sentences sorted by length, batches of 16, order restored;
- raw CTranslate2: one `translate_batch` over all sentences, at the best of a search of `max_batch_size`,
  `batch_type` and `inter_threads` x `intra_threads` on a tuning slice (lines the timed rows don't use);
- ours: `Translator` at default settings (backend auto, so CTranslate2 int8), and at the best settings;
  checks on, retries off (stand-in noise would be retried); a second pass over a filled cache apart.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)
from run import _rss_mb, build_models, log, machine, prepare_ct2, torch_default_threads  # noqa: E402
from run import run_worker as run_process  # noqa: E402
from sections import write_section  # noqa: E402

FLORES = evaldata.flores_dir() / "en.txt"
PARAGRAPH = 3  # consecutive lines per paragraph
TOKEN = ">>rus<<"
ARGOS_BATCH = 32  # argostranslate.settings.batch_size (ARGOS_BATCH_SIZE), in tokens
EASYNMT_BATCH = 16  # EasyNMT.translate(batch_size=16)
SEARCH_BATCHES = (("examples", 16), ("examples", 32), ("examples", 64), ("examples", 128), ("tokens", 1024), ("tokens", 2048), ("tokens", 4096))  # fmt: skip


# ---- worker: one workload in this (fresh) process -------------------------------------------------


def _spm(folder: str):
    import sentencepiece

    return (
        sentencepiece.SentencePieceProcessor(model_file=str(Path(folder) / "source.spm")),
        sentencepiece.SentencePieceProcessor(model_file=str(Path(folder) / "target.spm")),
    )


def _ct2_tokens(source, sentence: str) -> list[str]:
    return [TOKEN, *source.encode(sentence, out_type=str), "</s>"]


def worker(spec: dict) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    method, beams, new = spec["method"], spec["beams"], spec["new_tokens"]
    paragraphs: list[list[str]] = spec["paragraphs"]
    sentences = [s for p in paragraphs for s in p]
    threads = spec["threads"]
    lengths = {"min_decoding_length": new, "max_decoding_length": new}
    extra: dict = {}
    if method in ("argos", "raw"):
        import ctranslate2

        source, target = _spm(spec["hf"])
        translator = ctranslate2.Translator(
            spec["ct2"],
            device="cpu",
            compute_type="auto" if method == "argos" else "int8",
            inter_threads=spec.get("inter", 1),
            intra_threads=threads if method == "argos" else spec.get("intra", threads),
        )

        extra["compute_type"] = translator.compute_type

        def decode(results) -> list[str]:
            return [target.decode([t for t in r.hypotheses[0] if t != "</s>"]) for r in results]

        if method == "argos":

            def run(items: list[list[str]]) -> int:
                n = 0
                for paragraph in items:  # PackageTranslation.hypotheses: one apply_packaged_translation per paragraph
                    tokenized = [_ct2_tokens(source, s) for s in paragraph]
                    results = translator.translate_batch(
                        tokenized,
                        replace_unknowns=True,
                        max_batch_size=ARGOS_BATCH,
                        batch_type="tokens",
                        beam_size=beams,
                        num_hypotheses=1,
                        length_penalty=0.2,
                        return_scores=True,
                        **lengths,
                    )
                    n += len(decode(results))
                return n

            warm, timed = (lambda: run(paragraphs[:1])), (lambda: run(paragraphs))
        else:

            def run(items: list[str]) -> int:
                results = translator.translate_batch(
                    [_ct2_tokens(source, s) for s in items],
                    max_batch_size=spec["batch"],
                    batch_type=spec["batch_type"],
                    beam_size=beams,
                    **lengths,
                )
                return len(decode(results))

            warm, timed = (lambda: run(sentences[:2])), (lambda: run(sentences))
    elif method == "easynmt":
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        torch.set_num_threads(threads)
        tokenizer = AutoTokenizer.from_pretrained(spec["hf"])
        model = AutoModelForSeq2SeqLM.from_pretrained(spec["hf"]).eval()
        gen = {"num_beams": beams, "max_new_tokens": new, "min_new_tokens": new}

        def run(items: list[str]) -> int:
            # EasyNMT.translate_sentences: sort by length (longest first), batches of 16, then restore.
            order = sorted(range(len(items)), key=lambda i: -len(items[i]))
            out: list[str | None] = [None] * len(items)
            for start in range(0, len(order), EASYNMT_BATCH):
                idx = order[start : start + EASYNMT_BATCH]
                batch = tokenizer([f"{TOKEN} {items[i]}" for i in idx], return_tensors="pt", padding=True, truncation=True, max_length=512)  # fmt: skip
                with torch.no_grad():
                    seqs = model.generate(**batch, **gen)
                for i, text in zip(idx, tokenizer.batch_decode(seqs, skip_special_tokens=True), strict=True):
                    out[i] = text
            return len(out)

        warm, timed = (lambda: run(sentences[:2])), (lambda: run(sentences))
    else:  # ours
        from summarizer.cache import Cache
        from summarizer.options import QualityOptions, RuntimeOptions, TargetOptions, WorkerOptions
        from summarizer.tasks.translating import Translator

        runtime = RuntimeOptions(**{"threads": threads, **spec.get("runtime", {})})
        cache = Cache(tempfile.mkdtemp(prefix="peers-cache-")) if spec.get("cache") else None
        job = Translator(
            TargetOptions("ru", spec["hf"], params={"num_beams": beams, "max_new_tokens": new, "min_new_tokens": new}),
            WorkerOptions(
                runtime=runtime,
                models_dir=Path(os.environ["SUMMARIZER_CACHE_DIR"]),
                quality=QualityOptions(retry=False),
            ),
            cache=cache,
        )
        extra["backend"] = job.model_info.backend

        def run(items: list[str]) -> int:
            result = job.translate(items)
            assert len(result.translations) == len(items)
            return len(items)

        warm, timed = (lambda: job.translate(["The summit opened in Baku on Thursday."])), (lambda: run(sentences))
    warm()
    started = time.perf_counter()
    n = timed()
    seconds = time.perf_counter() - started
    assert n == len(sentences), (n, len(sentences))
    if method == "ours" and spec.get("cache"):
        again = time.perf_counter()
        run(sentences)
        extra["warm_s"] = time.perf_counter() - again
    return {"sentences": len(sentences), "seconds": seconds, "peak_rss_mb": _rss_mb(), **extra}


class StopAtLength:
    """Wraps a `ctranslate2.Translator` so that every greedy output ends at its sentence's realistic length
    (the tokens of its human reference, plus EOS) whatever the weights say: EOS is blocked
    (`min_decoding_length`) and CTranslate2's step callback stops each example at its length. So int8,
    whose rounding breaks the realistic stand-in's own length circuit, runs at realistic lengths too.
    Examples are found by their source text (the pieces decoded), so ours and raw share one table."""

    LIMIT = 500

    def __init__(self, translator, source, lengths: dict[str, int]):
        self._inner, self._source, self._lengths = translator, source, lengths
        self.missed = 0

    def key(self, tokens: list[str]) -> str:
        pieces = [
            t for t in tokens if t not in ("</s>", "<unk>", "<pad>") and not (t.startswith(">>") and t.endswith("<<"))
        ]
        return self._source.decode_pieces(pieces).strip()

    def translate_batch(self, sources, **options):
        options.pop("callback", None)
        wanted = []
        for tokens in sources:
            n = self._lengths.get(self.key(tokens))
            if n is None:
                self.missed += 1
                n = len(tokens)
            wanted.append(n)
        options.update(beam_size=1, min_decoding_length=self.LIMIT, max_decoding_length=self.LIMIT)
        return self._inner.translate_batch(
            sources, callback=lambda step: step.step + 1 >= wanted[step.batch_id], **options
        )

    def __getattr__(self, name):
        return getattr(self._inner, name)


def lengths_worker(spec: dict) -> dict:
    """Greedy at realistic lengths (StopAtLength), raw CTranslate2 or ours, int8 or float32."""
    import warnings

    import ctranslate2

    warnings.filterwarnings("ignore")
    sentences = [s for p in spec["paragraphs"] for s in p]
    source, target = _spm(spec["hf"])
    lengths = {source.decode(source.encode(s)).strip(): n for s, n in zip(sentences, spec["lengths"], strict=True)}
    threads, compute = spec["threads"], spec["compute"]
    if spec["impl"] == "raw":
        stop = StopAtLength(
            ctranslate2.Translator(spec["ct2_" + compute], device="cpu", compute_type=compute, intra_threads=threads),
            source,
            lengths,
        )

        def run(items: list[str]) -> int:
            tokens = [_ct2_tokens(source, s) for s in items]
            return len(stop.translate_batch(tokens, max_batch_size=64, return_end_token=True))
    else:
        from summarizer.options import QualityOptions, RuntimeOptions, TargetOptions, WorkerOptions
        from summarizer.tasks.translating import Translator

        job = Translator(
            TargetOptions("ru", spec["hf"], params={"num_beams": 1, "max_new_tokens": StopAtLength.LIMIT}),
            WorkerOptions(
                runtime=RuntimeOptions(threads=threads, backend="ctranslate2", compute_type=compute),
                models_dir=Path(os.environ["SUMMARIZER_CACHE_DIR"]),
                quality=QualityOptions(retry=False),
            ),
            cache=None,
        )
        backend = job.handle.backend
        stop = StopAtLength(backend.translator, source, lengths)
        backend.translator = stop

        def run(items: list[str]) -> int:
            return len(job.translate(items).translations)

    run(sentences[:2])
    stop.missed = 0
    started = time.perf_counter()
    n = run(sentences)
    seconds = time.perf_counter() - started
    return {"sentences": n, "seconds": seconds, "peak_rss_mb": _rss_mb(), "missed": stop.missed}


def run_worker(spec: dict, cache_dir: Path) -> dict:
    return run_process(spec, cache_dir, 3600, script=__file__)


# ---- parent -----------------------------------------------------------------------------------------


def paragraphs_of(lines: list[str]) -> list[list[str]]:
    return [lines[i : i + PARAGRAPH] for i in range(0, len(lines), PARAGRAPH)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny stand-in, a few paragraphs, one round")
    parser.add_argument("--sentences", type=int, help="timed FLORES lines (default 240; 12 with --quick)")
    parser.add_argument("--search-sentences", type=int, help="tuning lines for the raw search (default 96)")
    parser.add_argument("--new-tokens", type=int, help="forced output length (default 32; 6 with --quick)")
    parser.add_argument("--runs", type=int, help="rounds of the timed rows; medians shown (default 2)")
    parser.add_argument("--threads", type=int, help="CPU threads (default torch's default)")
    parser.add_argument(
        "--models-dir", type=Path, default=ROOT / "cache" / "bench-models", help="where stand-ins are built"
    )
    parser.add_argument("--output", type=Path, help="results file (default BENCHMARKS.md; required with --quick)")
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(Path(args.worker).read_text())
        print(json.dumps(lengths_worker(spec) if spec["method"] == "lengths" else worker(spec)))
        return 0
    if args.quick and args.output is None:
        parser.error("--quick needs --output, so BENCHMARKS.md keeps the real results")
    size = "tiny" if args.quick else "base"
    n = args.sentences or (12 if args.quick else 240)
    n_search = args.search_sentences or (6 if args.quick else 96)
    new = args.new_tokens or (6 if args.quick else 32)
    runs = args.runs or (1 if args.quick else 2)
    threads = args.threads or torch_default_threads()
    output = args.output or ROOT / "BENCHMARKS.md"
    started, load_before = time.perf_counter(), os.getloadavg()

    models_dir = args.models_dir.resolve()
    marian = build_models(models_dir, size)["marian"]
    cache_dir = models_dir / f"converted-{size}"
    prepare_ct2({"marian": marian}, cache_dir)
    from summarizer.models.backends.ctranslate2_backend import converted_dir
    from summarizer.models.hub import resolve_model

    ct2 = converted_dir(resolve_model(str(marian)), "int8", cache_dir / "ctranslate2")
    lines = FLORES.read_text(encoding="utf-8").splitlines()
    timed_lines, search_lines = lines[:n], lines[-n_search:]  # the search tunes on lines the rows don't use
    timed_pars, search_pars = paragraphs_of(timed_lines), paragraphs_of(search_lines)
    base = {"hf": str(marian), "ct2": str(ct2), "new_tokens": new, "threads": threads}

    def one(spec: dict, pars) -> dict:
        return run_worker({**base, **spec, "paragraphs": pars}, cache_dir)

    # 1. raw CTranslate2's best settings for this machine, per beam setting, on the tuning lines
    search: dict[int, list[dict]] = {}
    best_raw: dict[int, dict] = {}
    for beams in (1, 4):
        tried = []
        for batch_type, batch in SEARCH_BATCHES:
            spec = {
                "method": "raw",
                "beams": beams,
                "batch_type": batch_type,
                "batch": batch,
                "inter": 1,
                "intra": threads,
            }
            r = one(spec, search_pars)
            tried.append({**spec, "items_s": r["sentences"] / r["seconds"], "peak_rss_mb": r["peak_rss_mb"]})
            log(f"search beams={beams} {batch_type}={batch} 1x{threads}: {tried[-1]['items_s']:.2f}/s")
        top = max(tried, key=lambda t: t["items_s"])
        if threads > 1:
            for inter in (2, threads) if threads > 2 else (2,):
                spec = {**top, "inter": inter, "intra": max(1, threads // inter)}
                r = one(spec, search_pars)
                tried.append({**spec, "items_s": r["sentences"] / r["seconds"], "peak_rss_mb": r["peak_rss_mb"]})
                log(
                    f"search beams={beams} {spec['batch_type']}={spec['batch']} {inter}x{spec['intra']}: {tried[-1]['items_s']:.2f}/s"
                )
        search[beams] = tried
        best_raw[beams] = max(tried, key=lambda t: t["items_s"])

    # 2. the rows, interleaved round by round on the timed lines
    def rows_for(beams: int) -> dict[str, dict]:
        b = best_raw[beams]
        raw = {k: b[k] for k in ("batch_type", "batch", "inter", "intra")}
        # A token budget alone, as raw's batch_type="tokens" (no cap on sentences per batch but the budget).
        tuned = (
            {"batch_tokens": b["batch"], "batch_size": 1024}
            if b["batch_type"] == "tokens"
            else {"batch_size": b["batch"]}
        ) | {"parallel_batches": b["inter"], "threads": b["intra"]}  # inter_threads x intra_threads
        return {
            "argos": {"method": "argos", "beams": beams},
            "easynmt": {"method": "easynmt", "beams": beams},
            "raw-best": {"method": "raw", "beams": beams, **raw},
            "ours-default": {"method": "ours", "beams": beams, "cache": True},
            "ours-best": {"method": "ours", "beams": beams, "runtime": tuned},
        }

    results: dict[tuple[int, str], list[dict]] = {}
    for round_ in range(runs):
        for beams in (4, 1):
            for name, spec in rows_for(beams).items():
                r = one(spec, timed_pars)
                results.setdefault((beams, name), []).append(r)
                log(
                    f"round {round_ + 1}/{runs} beams={beams} {name}: {r['sentences'] / r['seconds']:.2f}/s, peak {r['peak_rss_mb']:.0f} MB"
                )

    # 3. greedy at realistic lengths (each output as long as its human reference), int8 against float32
    from summarizer.models.backends.ctranslate2_backend import convert

    ct2_f32 = convert(resolve_model(str(marian)), "float32", cache_dir / "ctranslate2")
    _, target_spm = _spm(str(marian))
    refs = (FLORES.parent / "ref.ru.txt").read_text(encoding="utf-8").splitlines()[:n]
    ref_lengths = [len(target_spm.encode(r, out_type=str)) + 1 for r in refs]
    realistic: dict[str, list[dict]] = {}
    for round_ in range(runs):
        for impl in ("raw", "ours"):
            for compute in ("int8", "float32"):
                spec = {"method": "lengths", "impl": impl, "compute": compute, "lengths": ref_lengths}
                r = run_worker({**base, **spec, "ct2_int8": str(ct2), "ct2_float32": str(ct2_f32), "paragraphs": timed_pars}, cache_dir)  # fmt: skip
                realistic.setdefault(f"{impl}:{compute}", []).append(r)
                log(
                    f"round {round_ + 1}/{runs} realistic {impl} {compute}: {r['sentences'] / r['seconds']:.2f}/s (missed {r['missed']})"
                )

    table = {
        key: {
            "items_s": statistics.median(r["sentences"] / r["seconds"] for r in rs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
            "warm_s": statistics.median(r["warm_s"] for r in rs) if "warm_s" in rs[0] else None,
            "backend": rs[0].get("backend"),
            "sentences": rs[0]["sentences"],
        }
        for key, rs in results.items()
    }
    data = {
        "size": size, "sentences": n, "paragraphs": len(timed_pars), "search_sentences": n_search, "new_tokens": new,
        "threads": threads, "runs": runs, "search": search, "best_raw": best_raw,
        "rows": {f"{beams}:{name}": row for (beams, name), row in table.items()},
        "realistic": {
            key: {
                "items_s": statistics.median(r["sentences"] / r["seconds"] for r in rs),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
                "missed": max(r["missed"] for r in rs),
            }
            for key, rs in realistic.items()
        },
        "mean_length": statistics.mean(ref_lengths),
        "load": [os.getloadavg(), load_before], "minutes": (time.perf_counter() - started) / 60, "machine": machine(),
    }  # fmt: skip
    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(exist_ok=True)
    if not args.quick:
        (results_dir / "peers.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    command = " ".join(["python benchmarks/peers.py", *(argv if argv is not None else sys.argv[1:])]).strip()
    write_section(output, "peers", render(data, command))
    log(f"wrote the peers section of {output}")
    return 0


LABELS = {
    "argos": "argos-translate's method (CTranslate2, a `translate_batch` per paragraph, 32 tokens per batch)",
    "easynmt": "EasyNMT's method (torch, sorted by length, batches of 16)",
    "raw-best": "raw CTranslate2 int8 at its best settings",
    "ours-default": "ours, default settings (backend auto)",
    "ours-best": "ours at raw's best settings (batch_tokens / batch_size, parallel_batches × threads)",
}


def render(d: dict, command: str) -> str:
    rows = d["rows"]
    lines = [
        "## The tools people would pick instead",
        "",
        "```",
        f"{command}    # in make bench",
        "```",
        "",
        f"- {d['size']} marian stand-in (opus-mt-en-ru's architecture), {d['threads']} threads, {d['sentences']} FLORES-200 devtest lines in {d['paragraphs']} paragraphs of {PARAGRAPH} consecutive lines, "
        f"every output forced to {d['new_tokens']} tokens; each row a fresh process, median of {d['runs']} interleaved rounds; peak RSS is the process's. Whole run {d['minutes']:.1f} min.",
        "- How each peer is called is in the docstring of `benchmarks/peers.py` (argos-translate 1.11 and EasyNMT 2.0, read from their source). "
        "The `argostranslate` package itself is not run: its install pulls stanza 1.10.1 and spaCy, its sentence splitter wants a model it downloads, and it has no minimum decoding length, so a random-weight stand-in can't be made to do the same work; its method is reproduced call for call.",
        "",
        "| workload | beams | sentences/s | vs argos | vs EasyNMT | vs raw best | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for beams in (4, 1):
        for name, label in LABELS.items():
            r = rows[f"{beams}:{name}"]
            a, e, w = rows[f"{beams}:argos"], rows[f"{beams}:easynmt"], rows[f"{beams}:raw-best"]
            lines.append(
                f"| {label} | {beams} | {r['items_s']:.2f} | {r['items_s'] / a['items_s']:.2f}× | {r['items_s'] / e['items_s']:.2f}× | {r['items_s'] / w['items_s']:.2f}× | {r['peak_rss_mb']:.0f} |"
            )
    lines += ["", "Raw CTranslate2's settings search (tuning lines, the last of devtest):", ""]
    lines += [
        "| beams | batch_type | max_batch_size | inter × intra threads | sentences/s | peak RSS MB |",
        "|---:|---|---:|---|---:|---:|",
    ]
    for beams, tried in d["search"].items():
        best = d["best_raw"][beams]
        for t in tried:
            mark = " **best**" if t == best else ""
            lines.append(
                f"| {beams} | {t['batch_type']} | {t['batch']} | {t['inter']} × {t['intra']} | {t['items_s']:.2f}{mark} | {t['peak_rss_mb']:.0f} |"
            )
    checks = []
    for beams in (4,):
        ours = rows[f"{beams}:ours-default"]["items_s"]
        checks.append(
            (
                f"ours default ≥ 2× argos-translate's method, {beams} beams",
                ours / rows[f"{beams}:argos"]["items_s"],
                2.0,
            )
        )
        checks.append(
            (f"ours default ≥ 2× EasyNMT's method, {beams} beams", ours / rows[f"{beams}:easynmt"]["items_s"], 2.0)
        )
    for beams in (4, 1):
        best = max(rows[f"{beams}:ours-default"]["items_s"], rows[f"{beams}:ours-best"]["items_s"])
        checks.append(
            (
                f"ours ≥ 1.0× raw CTranslate2 at raw's best, per unique sentence, {beams} beam{'s' if beams > 1 else ''}",
                best / rows[f"{beams}:raw-best"]["items_s"],
                1.0,
            )
        )
    lines += ["", "| target | measured | met |", "|---|---:|:---:|"]
    lines += [f"| {t} | {v:.2f}× | {'yes' if v >= goal else '**no**'} |" for t, v, goal in checks]
    real = d["realistic"]
    lines += [
        "",
        f"Greedy at realistic lengths: each output exactly as long as its human reference (FLORES `ref.ru`, in the stand-in's pieces: mean {d['mean_length']:.1f} tokens with EOS), "
        "EOS blocked and CTranslate2's step callback stopping each sentence there (`StopAtLength` in `benchmarks/peers.py`; the callback exists only for greedy search, so 4 beams stay at forced lengths above). "
        "This is how int8, whose rounding breaks the realistic stand-in's own length circuit, is measured at realistic lengths:",
        "",
        "| workload | sentences/s | int8 vs float32 | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for impl, label in (("raw", "raw CTranslate2, batches of 64"), ("ours", "ours, default batches")):
        for compute in ("int8", "float32"):
            r = real[f"{impl}:{compute}"]
            lines.append(
                f"| {label}, {compute} | {r['items_s']:.2f} | {r['items_s'] / real[f'{impl}:float32']['items_s']:.2f}× | {r['peak_rss_mb']:.0f} |"
            )
    lines += [
        "",
        f"Ours vs raw at realistic lengths, int8: {real['ours:int8']['items_s'] / real['raw:int8']['items_s']:.2f}×; sentences not found in the length table: {max(r['missed'] for r in real.values())}.",
    ]
    warm = {b: rows[f"{b}:ours-default"] for b in (4, 1)}
    lines += [
        "",
        "Apart from those per-unique-sentence figures: the same sentences again through a filled cache take "
        + ", ".join(
            f"{w['warm_s']:.3f} s at {b} beam{'s' if b > 1 else ''} ({w['sentences'] / w['warm_s']:.0f} sentences/s)"
            for b, w in warm.items()
            if w["warm_s"]
        )
        + "; a sentence that repeats within a job is translated once (none repeat in FLORES).",
        f"Ours ran on `{warm[4]['backend']}` with no backend option. Load average at start {'/'.join(f'{x:.2f}' for x in d['load'][1])}, at end {'/'.join(f'{x:.2f}' for x in d['load'][0])}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
