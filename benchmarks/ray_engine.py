"""The `ray` engine against the local one on this machine; writes the Ray section of BENCHMARKS.md.

One corpus job (the six articles of examples/corpus and seeds/: an abstractive summary each, and the
full text and the summary translated into ru and ar) on base-size stand-ins, as whole CLI processes
with an empty cache each time: the local engine, then Ray with 1 actor (2 CPUs) and 2 actors (1 CPU
each) per model. The same job cut to its first article gives the fixed cost; the difference of
the two gives the cost per model output. Also: how fast the driver's cache reads and writes.

    .venv/bin/python benchmarks/ray_engine.py            # about 10 minutes on 2 cores
    .venv/bin/python benchmarks/ray_engine.py --quick --output /tmp/ray.md   # tiny stand-ins
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)
from sections import write_section  # noqa: E402

ARTICLES = [*sorted((ROOT / "examples" / "corpus").glob("*.txt")), *sorted((ROOT / "seeds").glob("*.txt"))]
NEW_TOKENS = 32  # forced output length, as in the main tables: equal work in every run
SUMMARY_TOKENS = 64


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def job_file(folder: Path, marian: Path, bart: Path, inputs: list[Path], ray: dict | None) -> Path:
    gen = f"num_beams = 1\nmax_new_tokens = {NEW_TOKENS}\nmin_new_tokens = {NEW_TOKENS}"
    lines = [
        f"inputs = {json.dumps([str(p) for p in inputs])}",
        'translate = "both"',
        f"[summary]\nmodel = {json.dumps(str(bart))}\n[summary.params]\nnum_beams = 1\n"
        f"max_new_tokens = {SUMMARY_TOKENS}\nmin_new_tokens = {SUMMARY_TOKENS}\nno_repeat_ngram_size = 0",
    ]
    for lang in ("ru", "ar"):
        lines.append(f"[targets.{lang}]\nmodel = {json.dumps(str(marian))}\n[targets.{lang}.params]\n{gen}")
    lines.append("[quality]\nretry = false")  # random weights: every output would be retried
    if ray:
        lines.append("[ray]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in ray.items()))
    path = folder / f"job-{len(inputs)}-{'ray' if ray else 'local'}-{(ray or {}).get('actors', 0)}.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_job(job: Path, engine: str, work: Path) -> dict:
    """One cold job in its own process: wall time and the outputs it computed."""
    cache, out = Path(tempfile.mkdtemp(dir=work)), Path(tempfile.mkdtemp(dir=work))
    args = [sys.executable, "-m", "summarizer", "translate", "--config", str(job), "--engine", engine]
    args += ["--cache-dir", str(cache), "--out", str(out)]
    # No progress line while timing: a watched run splits model calls to keep its counts moving.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMARIZER_PROGRESS_SECONDS": "3600"}
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{job.name} ({engine}) failed: {done.stderr[-2000:]}")
    line = [x for x in done.stderr.splitlines() if x.startswith("articles:")][-1]
    translated = int(line.split("sentences: ")[1].split(" translated")[0])
    summaries = int(line.split("summaries: ")[1].split(" made")[0])
    return {"seconds": seconds, "translations": translated, "summaries": summaries}


def ray_start_seconds() -> float:
    code = "import time, ray; t = time.perf_counter(); ray.init(num_cpus=2, include_dashboard=False); print(time.perf_counter() - t); ray.shutdown()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    return float(done.stdout.strip().splitlines()[-1])


def cache_rates(work: Path, n: int = 20000) -> tuple[float, float]:
    """Entries per second that one driver writes (batches of 64, as results arrive) and reads back."""
    from summarizer.cache import Cache, CacheEntry

    cache = Cache(work / "rate-cache")
    entries = [CacheEntry(key=f"k{i:08d}", task="translate", model="m", value={"text": "x" * 120}) for i in range(n)]
    started = time.perf_counter()
    for i in range(0, n, 64):
        cache.put_many(entries[i : i + 64])
    put = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, n, 512):
        cache.get_many([e.key for e in entries[i : i + 512]])
    return put, n / (time.perf_counter() - started)


def stage_rates(work: Path, articles: int = 100, adequacy_pairs: int = 48) -> dict[str, float]:
    """What one CPU core does of the per-article work that now runs in Ray tasks and actors: reading
    (decode, segment, detect the language) CNN/DailyMail test articles, and the checks of a translation
    (cheap ones; the adequacy check apart) on FLORES-200 en -> ru reference pairs."""
    import warnings

    warnings.filterwarnings("ignore")
    from summarizer.inputs.reading import list_inputs
    from summarizer.options import QualityOptions
    from summarizer.pipeline import read_one
    from summarizer.quality.review import TranslationReviewer

    folder = work / "stage-articles"
    folder.mkdir()
    lines = evaldata.cnndm_sample().read_text(encoding="utf-8").splitlines()[:articles]
    for i, line in enumerate(lines):
        record = json.loads(line)
        text = record.get("article") or record.get("text") or record.get("document")
        (folder / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
    inputs = list_inputs(sorted(str(p) for p in folder.glob("*.txt")))
    read_one(inputs[0], lang="auto", encoding=None, url_deadline=30)  # language ID loads once
    started = time.perf_counter()
    sentences, failed = 0, []
    for item in inputs:
        article, _ = read_one(item, lang="auto", encoding=None, url_deadline=30)
        if isinstance(article, Exception):
            failed.append(f"{item.source}: {article}")
        else:
            sentences += len(article.sentences)
    read_s = time.perf_counter() - started
    read_ok = len(inputs) - len(failed)
    en = (evaldata.flores_dir() / "en.txt").read_text(encoding="utf-8").splitlines()
    ru = (evaldata.flores_dir() / "ref.ru.txt").read_text(encoding="utf-8").splitlines()
    cheap = TranslationReviewer("ru", "en", QualityOptions())
    started = time.perf_counter()
    cheap.review(en, ru)
    checks_s = time.perf_counter() - started
    deep = TranslationReviewer("ru", "en", QualityOptions(adequacy=True))
    deep.review(en[:2], ru[:2])  # the embedding model loads once
    started = time.perf_counter()
    deep.review(en[-adequacy_pairs:], ru[-adequacy_pairs:])
    adequacy_s = time.perf_counter() - started
    return {
        "articles_s": len(inputs) / read_s,
        "sentences_per_article": sentences / max(1, read_ok),
        "read_failed": failed,
        "checks_s": len(en) / checks_s,
        "adequacy_s": adequacy_pairs / adequacy_s,
    }


def peers_rates() -> dict[str, float]:
    """Our CTranslate2 int8 rates at default settings from benchmarks/peers.py's last run (sentences/s)."""
    path = ROOT / "benchmarks" / "results" / "peers.json"
    if not path.exists():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return {"beam4": rows["4:ours-default"]["items_s"], "greedy": rows["1:ours-default"]["items_s"]}


def render(
    rows: list[dict], start_s: float, rates: tuple[float, float], size: str, elapsed: float, stages: dict[str, float]
) -> str:
    by = {(r["engine"], r["articles"]): r for r in rows}
    local_small, local_big = by["local", "small"], by["local", "big"]

    def outputs(r: dict) -> int:
        return r["translations"] + r["summaries"]

    def per_output(small: dict, big: dict) -> float:
        return (big["seconds"] - small["seconds"]) / max(1, outputs(big) - outputs(small))

    local_slope = per_output(local_small, local_big)
    lines = [
        "## Scale-out with Ray",
        "",
        "```",
        "python benchmarks/ray_engine.py    # `make bench-ray`",
        "```",
        "",
        f"- Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        f"stand-ins: {size}; whole run {elapsed / 60:.1f} min.",
        f"- Job: {len(ARTICLES)} articles (examples/corpus and seeds), abstractive summary (bart, greedy, "
        f"{SUMMARY_TOKENS} tokens forced) and full text + summary into ru and ar (marian, greedy, {NEW_TOKENS} "
        "tokens forced), quality retries off; each run a fresh CLI process with an empty cache. "
        "`small` is the same job on its first article only.",
        "- Local: `--engine local`, the default backend (auto: CTranslate2 int8 here) on all cores. Ray: a local instance on all cores; `1 actor` has "
        "`cpus_per_actor = 2`, `2 actors` has `cpus_per_actor = 1` (one actor pool per model and target: "
        "summaries, ru, ar).",
        "",
        "| engine | articles | model outputs | seconds | vs local |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        base = by["local", r["articles"]]["seconds"]
        lines.append(
            f"| {r['engine']} | {r['articles']} | {outputs(r)} | {r['seconds']:.1f} | {base / r['seconds']:.2f}× |"
        )
    lines += ["", "| cost | value |", "|---|---:|", f"| `ray.init` of a local instance (2 CPUs) | {start_s:.1f} s |"]
    for engine in ("ray-1", "ray-2"):
        if (engine, "small") not in by:
            continue
        small, big = by[engine, "small"], by[engine, "big"]
        fixed = small["seconds"] - local_small["seconds"]
        lines.append(f"| fixed overhead of {engine} (small job, ray − local) | {fixed:.1f} s |")
        lines.append(
            f"| seconds per model output, {engine} (big − small) vs local | {per_output(small, big):.3f} vs {local_slope:.3f} |"
        )
    lines += [
        f"| driver cache writes (batches of 64) | {rates[0]:,.0f} entries/s |",
        f"| driver cache reads (batches of 512) | {rates[1]:,.0f} entries/s |",
        "",
        "The fixed overhead is mostly actor start-up: each pool (summaries, ru, ar, and the checks of each "
        "language) starts its own actor processes, which import the model libraries and load their model before the first "
        "batch; the language pools run at once, the summary pool first (a translated summary needs it). It is "
        "paid once per `ray.window` (1,000 articles by default), not per article.",
        "",
        f"Per-article work that runs in Ray tasks and actors, one CPU core each (CNN/DailyMail test articles, "
        f"FLORES-200 en→ru reference pairs): reading {stages['articles_s']:.1f} articles/s "
        f"({stages['sentences_per_article']:.0f} sentences each), a translation's cheap checks "
        f"{stages['checks_s']:,.0f} sentences/s, the adequacy check {stages['adequacy_s']:.1f} sentences/s.",
        "",
        *sizing(local_slope, rates[0], stages),
    ]
    return "\n".join(lines) + "\n"


# Measured elsewhere, kept here so the sizing below says where each figure comes from.
GPU_MARIAN_BEAM4 = 96.6  # sentences/s, base Marian, CUDA fp16, 4 beams, one process (benchmarks/gpu_check.py, H200)
CPU_CT2_MARIAN_BEAM4 = 10.04  # sentences/s on 2 cores, CTranslate2 int8, 4 beams (main table), if peers.json is missing
CPU_CT2_BART_BEAM4 = 0.332  # articles/s on 2 cores, CTranslate2 int8, 4 beams (main table above)


def sizing(local_slope: float, cache_writes: float, stages: dict[str, float]) -> list[str]:
    """A day of wire copy on paper: 50,000 articles into three languages, per stage."""
    day, articles, langs, sentences = 86_400, 50_000, 3, 28  # ~25 sentences + a 3-sentence summary
    outputs = articles * langs * sentences
    per_s = outputs / day
    ct2 = peers_rates().get("beam4", CPU_CT2_MARIAN_BEAM4)
    reads = articles / stages["articles_s"] / day
    checks = outputs / stages["checks_s"] / day
    adequacy = outputs / stages["adequacy_s"] / day
    return [
        "### On paper: a day of 50,000 articles into three languages",
        "",
        f'With `translate = "both"` an article of about 25 sentences plus a 3-sentence summary is {sentences} '
        f"sentences per language: {outputs / 1e6:.1f} M translations and {articles:,} summaries a day "
        f"({per_s:.0f} translations/s on average), before job-wide deduplication (which only removes work).",
        "",
        "| stage (where it runs) | hardware per worker | rate per worker | workers for 24 h |",
        "|---|---|---:|---:|",
        f"| reading: decode, extract, segment, language ID (Ray tasks) | 1 CPU core | {stages['articles_s']:.1f} articles/s | {reads:.2f} |",
        f"| translations, 4 beams, CTranslate2 int8, default settings (actors; benchmarks/peers.py) | 2 CPU cores | {ct2:.2f}/s | {outputs / ct2 / day:.1f} |",
        f"| translations and summaries, greedy, CTranslate2 int8 (this run: {local_slope:.3f} s per output on 2 cores) | 2 CPU cores | {1 / local_slope:.1f}/s | {outputs * local_slope / day:.0f} |",
        f"| translations, 4 beams, CUDA fp16 (actors) | 1 H200 (shared by the 3 language actors) | {GPU_MARIAN_BEAM4}/s | {outputs / GPU_MARIAN_BEAM4 / day:.2f} GPUs |",
        f"| summaries, BART base, 4 beams, CTranslate2 int8 (actors) | 2 CPU cores | {CPU_CT2_BART_BEAM4} articles/s | {articles / CPU_CT2_BART_BEAM4 / day:.1f} |",
        f"| cheap checks of every translation (check actors) | 1 CPU core | {stages['checks_s']:,.0f}/s | {checks:.2f} |",
        f"| adequacy check, if on (embedding actors) | 1 CPU core | {stages['adequacy_s']:.1f}/s | {adequacy:.1f} |",
        f"| cache writes (the driver, one SQLite file) | 1 core | {cache_writes:,.0f}/s | {outputs / cache_writes / day:.4f} |",
        "",
        f"So on CPUs only: about {outputs / ct2 / day:.0f} CTranslate2 translation actors of 2 cores, "
        f"{articles / CPU_CT2_BART_BEAM4 / day:.0f} summary actors of 2 cores, and a core or two for reading and "
        f"the cheap checks; with the adequacy check on, about {adequacy:.0f} more cores for its embeddings. "
        "Or one GPU machine for the translations plus the CPU actors for the summaries. Peak hours need "
        "headroom: the same work in an 8-hour window means three times the workers.",
        "",
        "What the driver still does alone: the cache lookups and writes (one SQLite file: "
        f"{cache_writes:,.0f} writes/s against {per_s:.0f}/s needed), job-wide deduplication, the feed's state "
        "and a summary's own checks (one per article), and writing the outputs. The next bottleneck is "
        "that one driver and its one SQLite file on a local disk: drivers on several machines can't share it. "
        "Past a day's wire, shard the input across drivers by article (each with its own cache, or one cache "
        "server behind the same `Cache` interface).",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny stand-ins (a smoke test of this script)")
    parser.add_argument("--output", type=Path, default=None, help="default: BENCHMARKS.md")
    args = parser.parse_args()
    if args.quick and args.output is None:
        parser.error("--quick needs --output, so BENCHMARKS.md keeps the real results")
    output = args.output or ROOT / "BENCHMARKS.md"
    size = "tiny" if args.quick else "base"
    started = time.perf_counter()
    from summarizer.models.standin.build import build_stand_in

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        marian, bart = work / "marian", work / "bart"
        build_stand_in("marian", size, marian)
        build_stand_in("bart", size, bart)
        configs = [
            ("local", None),
            ("ray-1", {"actors": 1, "cpus_per_actor": 2}),
            ("ray-2", {"actors": 2, "cpus_per_actor": 1}),
        ]
        rows = []
        for articles, inputs in (("small", ARTICLES[:1]), ("big", ARTICLES)):
            for name, ray in configs:
                job = job_file(work, marian, bart, inputs, ray)
                result = run_job(job, "ray" if ray else "local", work)
                log(f"{name} {articles}: {result}")
                rows.append({"engine": name, "articles": articles, **result})
        start_s = ray_start_seconds()
        rates = cache_rates(work)
        stages = stage_rates(work, articles=10 if args.quick else 100, adequacy_pairs=4 if args.quick else 48)
        log(f"stages: {stages}")
    text = render(rows, start_s, rates, size, time.perf_counter() - started, stages)
    write_section(output, "ray", text)
    log(f"wrote the Ray section of {output}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
