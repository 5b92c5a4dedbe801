"""Does the extractive scorer beat lead-3 out of sample? 5-fold cross-validation on the CNN/DailyMail sample,
and how it behaves on line-aligned FLORES-200 windows in en, ru, ar and az.

    python benchmarks/extractive_cv.py [--shared ../shared] [--cache /tmp/summarizer-extractive-cv]

CNN/DailyMail (all 500 sample articles): the articles are shuffled with a fixed seed into 5 folds (the
JSON lists each fold's ids). For each fold the settings are chosen on the other 4 and scored on it:
  - "five settings": `tune_extractive.coordinate_search` over all five, from the middle of each grid row;
  - "position only": only the position prior's weight, the other four at the shipped defaults;
  - "shipped defaults": nothing chosen (but they were chosen on articles 1-250, so they have seen part
    of every fold: an optimistic row).
lead-3 (the first three pieces, as `method = "lead"`) is scored on the same folds. Differences are
paired (method - lead-3): mean and sample std over folds, and a paired bootstrap 95% interval over the
500 articles, each scored with the settings chosen without it.

FLORES-200 devtest has no article boundaries, so windows of 10 consecutive lines (101 of them; lines come
from multi-sentence Wikinews/Wikivoyage/Wikibooks articles, and a window may straddle two) are the
"documents", the same window in every language. Each line is one unit (not cut into pieces, so the
languages stay aligned). It measures whether the method picks the same lines in ru/ar/az as in English.

Writes benchmarks/results/extractive_cv.json; `make quality` renders it into QUALITY.md (`markdown`).
Embeddings are cached on disk, one entry per text (the project's cache keyed by the text's hash).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)
from evaldata import cnndm_articles  # noqa: E402
from tune_extractive import GRID, coordinate_search  # noqa: E402

from summarizer.cache import Cache  # noqa: E402
from summarizer.measure import metrics  # noqa: E402
from summarizer.models.embeddings import cached_embed, default_embedder  # noqa: E402
from summarizer.results import ModelInfo  # noqa: E402
from summarizer.tasks import extractive  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "extractive_cv.json"
SEED = 21
K = 3  # sentences per summary, as everywhere in QUALITY.md
WINDOW = 10
LANGS = ("ru", "ar", "az")
BOOTSTRAP = 10_000
POSITION_GRID = [0.0, 0.3, 0.6, 1.2, 2.4, 5.0, 10.0]
MIDDLE = extractive.ScoringParams(**{name: values[len(values) // 2] for name, values in GRID.items()})
METRICS = ("rouge1", "rouge2", "rougeLsum")


class HashingEmbedder:
    """Bag-of-words vectors from hashed words: a stand-in for e5 in the tests. Its figures mean nothing."""

    info = ModelInfo(name="hashing bag of words (test stand-in)", revision=None, fingerprint="hashing-384")

    def embed(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.encode()) % 384] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


@dataclass
class Doc:
    id: str
    texts: list[str]
    vectors: np.ndarray
    ok: list[bool]
    reference: str


def load_docs(shared: Path, n: int, embed: Callable[[list[str]], np.ndarray]) -> list[Doc]:
    articles, refs = cnndm_articles(shared)
    docs = []
    for article, ref in zip(articles[:n], refs[:n], strict=True):
        texts = [u.text for u in extractive.pieces(article.sentences)]
        docs.append(Doc(article.id, texts, embed(texts), [extractive.usable(t) for t in texts], ref))
    return docs


def folds_of(ids: Sequence[str], k: int, seed: int = SEED) -> list[list[int]]:
    order = np.random.default_rng(seed).permutation(len(ids))
    return [sorted(int(i) for i in part) for part in np.array_split(order, k)]


class Scores:
    """Per-article ROUGE of a set of picks, each (article, picks) scored once: most settings pick alike."""

    def __init__(self, docs: Sequence[Doc]):
        self.docs = docs
        self._memo: dict[tuple[int, tuple[int, ...]], tuple[float, float, float]] = {}

    def picks(self, i: int, params: extractive.ScoringParams | None) -> tuple[int, ...]:
        doc = self.docs[i]
        if len(doc.texts) <= K:
            return tuple(range(len(doc.texts)))
        if params is None:  # lead-3
            return tuple(range(K))
        return tuple(extractive.select(doc.vectors, doc.ok, K, params))

    def rouge(self, i: int, picks: tuple[int, ...]) -> tuple[float, float, float]:
        key = (i, picks)
        if key not in self._memo:
            doc = self.docs[i]
            s = metrics.summary_scores(["\n".join(doc.texts[j] for j in picks)], [doc.reference], lang="en")
            self._memo[key] = (s.rouge1, s.rouge2, s.rougeLsum)
        return self._memo[key]

    def matrix(self, rows: Sequence[int], params: extractive.ScoringParams | None) -> np.ndarray:
        """ROUGE-1, -2, -Lsum of each article in `rows`: shape (len(rows), 3)."""
        return np.array([self.rouge(i, self.picks(i, params)) for i in rows])

    def objective(self, rows: Sequence[int]) -> Callable[[extractive.ScoringParams], float]:
        return lambda params: float(self.matrix(rows, params).mean())  # mean of the three ROUGE means


def choose(variant: str, scores: Scores, train: list[int]) -> extractive.ScoringParams:
    objective = scores.objective(train)
    if variant == "five settings":
        return coordinate_search(objective, start=MIDDLE)[0]
    if variant == "position only":
        return coordinate_search(objective, grid={"position": POSITION_GRID}, passes=1)[0]
    return extractive.DEFAULT_SCORING


VARIANTS = {
    "five settings": "all five chosen on the other folds (coordinate search of tune_extractive.py, from the grid's middle)",
    "position only": "the position prior's weight chosen on the other folds; the other four at the shipped defaults",
    "shipped defaults": "nothing chosen (the defaults were chosen on articles 1-250, part of every fold: optimistic)",
}


def bootstrap(diff: np.ndarray, seed: int = SEED, rounds: int = BOOTSTRAP) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(rounds, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def _triple(values: np.ndarray) -> dict[str, float]:
    return {name: round(float(v), 3) for name, v in zip(METRICS + ("mean",), [*values, values.mean()], strict=True)}


def cross_validate(docs: list[Doc], k: int, log: Callable[[str], None], seed: int = SEED) -> dict[str, Any]:
    scores = Scores(docs)
    folds = folds_of([d.id for d in docs], k, seed)
    lead = scores.matrix(range(len(docs)), None)
    out: dict[str, Any] = {
        "k": k,
        "seed": seed,
        "articles": len(docs),
        "folds": [[docs[i].id for i in fold] for fold in folds],
        "lead3": {"per_fold": [_triple(lead[fold].mean(axis=0)) for fold in folds]},
        "variants": {},
    }
    for variant, what in VARIANTS.items():
        held = np.zeros_like(lead)
        same = np.zeros(len(docs), dtype=bool)
        chosen, per_fold = [], []
        for number, fold in enumerate(folds):
            train = [i for f in folds if f is not fold for i in f]
            params = choose(variant, scores, train)
            held[fold] = scores.matrix(fold, params)
            same[fold] = [scores.picks(i, params) == scores.picks(i, None) for i in fold]
            chosen.append(params.as_dict())
            fold_scores, fold_lead = held[fold].mean(axis=0), lead[fold].mean(axis=0)
            per_fold.append({"method": _triple(fold_scores), "difference": _triple(fold_scores - fold_lead)})
            log(f"{variant}, fold {number + 1}: {params.as_dict()} difference {_triple(fold_scores - fold_lead)}")
        diff = held - lead
        fold_diffs = np.array([[f["difference"][m] for m in METRICS] for f in per_fold])
        fold_means = np.array([[f["method"][m] for m in METRICS] for f in per_fold])
        intervals = {m: bootstrap(diff[:, j]) for j, m in enumerate(METRICS)}
        intervals["mean"] = bootstrap(diff.mean(axis=1))
        out["variants"][variant] = {
            "what": what,
            "chosen": chosen,
            "per_fold": per_fold,
            "mean": _triple(fold_means.mean(axis=0)),
            "std": _triple(fold_means.std(axis=0, ddof=1)) if k > 1 else None,
            "difference_mean": _triple(fold_diffs.mean(axis=0)),
            "difference_std": _triple(fold_diffs.std(axis=0, ddof=1)) if k > 1 else None,
            "difference_bootstrap95": {m: [round(a, 3), round(b, 3)] for m, (a, b) in intervals.items()},
            "articles_better_same_worse": [
                int((diff.mean(axis=1) > 1e-9).sum()),
                int((np.abs(diff.mean(axis=1)) <= 1e-9).sum()),
                int((diff.mean(axis=1) < -1e-9).sum()),
            ],
            "same_picks_as_lead3": round(float(same.mean()), 3),
        }
    fold_lead = np.array([[f[m] for m in METRICS] for f in out["lead3"]["per_fold"]])
    out["lead3"]["mean"] = _triple(fold_lead.mean(axis=0))
    out["lead3"]["std"] = _triple(fold_lead.std(axis=0, ddof=1)) if k > 1 else None
    return out


# ---- FLORES-200 windows: the same picks in every language? -----------------------------------------


def _random_jaccard(n: int, k: int) -> float:
    """Expected Jaccard index of two independent uniformly random k-subsets of n items."""
    total = math.comb(n, k)
    return sum(
        math.comb(k, j) * math.comb(n - k, k - j) / total * j / (2 * k - j) for j in range(0, k + 1) if k - j <= n - k
    )


def _jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    return len(set(a) & set(b)) / len(set(a) | set(b))


def _rouge_of_picks(
    lines: list[str], picks: Sequence[Sequence[int]], english: Sequence[Sequence[int]], lang: str
) -> float:
    """Mean of ROUGE-1/2/Lsum of the lines picked against the same language's lines English picked."""
    hyps = ["\n".join(lines[i] for i in p) for p in picks]
    refs = ["\n".join(lines[i] for i in p) for p in english]
    s = metrics.summary_scores(hyps, refs, lang=lang)
    return (s.rouge1 + s.rouge2 + s.rougeLsum) / 3


def flores(shared: Path, embed: Callable[[list[str]], np.ndarray], windows: int | None) -> dict[str, Any]:
    folder = evaldata.flores_dir(shared)
    lines = {"en": folder.joinpath("en.txt").read_text(encoding="utf-8").splitlines()}
    for lang in LANGS:
        lines[lang] = folder.joinpath(f"ref.{lang}.txt").read_text(encoding="utf-8").splitlines()
    starts = list(range(0, len(lines["en"]) - WINDOW + 1, WINDOW))[:windows]
    vectors = {lang: embed(lines[lang][: starts[-1] + WINDOW]) for lang in lines}
    rng = np.random.default_rng(SEED)
    randoms = [[tuple(sorted(rng.choice(WINDOW, K, replace=False))) for _ in range(10)] for _ in starts]
    settings = {
        "shipped defaults": extractive.DEFAULT_SCORING,
        "embeddings only (position weight 0)": replace(extractive.DEFAULT_SCORING, position=0.0),
    }
    out: dict[str, Any] = {
        "window": WINDOW,
        "windows": len(starts),
        "random_jaccard": round(_random_jaccard(WINDOW, K), 3),
        "usable_lines": {
            lang: round(float(np.mean([extractive.usable(t) for t in lines[lang][: starts[-1] + WINDOW]])), 3)
            for lang in lines
        },
        "settings": {},
    }
    for label, params in settings.items():
        picks = {
            lang: [
                tuple(
                    s + j
                    for j in extractive.select(
                        vectors[lang][s : s + WINDOW],
                        [extractive.usable(t) for t in lines[lang][s : s + WINDOW]],
                        K,
                        params,
                    )
                )
                for s in starts
            ]
            for lang in lines
        }
        first3 = float(np.mean([p == tuple(range(s, s + K)) for p, s in zip(picks["en"], starts, strict=True)]))
        row: dict[str, Any] = {"english_picks_are_first_three": round(first3, 3), "languages": {}}
        for lang in LANGS:
            jac = [_jaccard(a, b) for a, b in zip(picks[lang], picks["en"], strict=True)]
            same = [a == b for a, b in zip(picks[lang], picks["en"], strict=True)]

            random_rouge = np.mean(
                [
                    _rouge_of_picks(lines[lang], [tuple(s + j for j in r[d]) for r, s in zip(randoms, starts, strict=True)], picks["en"], lang)
                    for d in range(10)
                ]
            )  # fmt: skip
            row["languages"][lang] = {
                "jaccard_with_english": round(float(np.mean(jac)), 3),
                "same_three_as_english": round(float(np.mean(same)), 3),
                "rouge_against_english_picks": round(_rouge_of_picks(lines[lang], picks[lang], picks["en"], lang), 2),
                "rouge_random_picks": round(float(random_rouge), 2),
            }
        out["settings"][label] = row
    return out


# ---- real English news from ../shared/corpus: it runs, and how fast ----------------------------------


def corpus_timing(shared: Path, embedder: Any) -> dict[str, Any]:
    from summarizer.cache import MemoryCache
    from summarizer.inputs.reading import article_from_text
    from summarizer.options import SummaryOptions

    folder = evaldata.corpus_dir(shared)
    articles = []
    for line in folder.joinpath("bbc-xsum-sample.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        articles.append(article_from_text(item["document"], source=f"{item['id']}.txt"))
    wmt = folder / "wmt16-en-news-sample.txt"
    articles.append(article_from_text(wmt.read_text(encoding="utf-8"), source=wmt.name))
    summarizer = extractive.ExtractiveSummarizer(SummaryOptions(method="extractive", sentences=K), cache=MemoryCache())
    summarizer.embedder = embedder
    embedder.embed(["A warm-up sentence, so that loading the model is not timed."])
    rows = []
    total_units, total_seconds = 0, 0.0
    for article in articles:
        units = extractive.pieces(article.sentences)
        started = time.perf_counter()
        summary = summarizer.summarize(article)
        seconds = time.perf_counter() - started
        chosen = extractive.chosen_sentences(article, summary)
        verbatim = all(s.text in article.text for s in chosen)
        rows.append({"article": article.id, "units": len(units), "seconds": round(seconds, 2), "verbatim": verbatim,
                     "picked": [units.index(s) for s in chosen]})  # fmt: skip
        total_units += len(units)
        total_seconds += seconds
    return {"articles": rows, "units_per_second": round(total_units / total_seconds, 1)}


# ---- report -------------------------------------------------------------------------------------------


def _f(row: dict[str, float]) -> str:
    return " / ".join(f"{row[m]:.2f}" for m in METRICS)


def _d(row: dict[str, float]) -> str:
    return " / ".join(f"{row[m]:+.2f}" for m in METRICS)


def standing(v: dict[str, Any]) -> tuple[str, list[str]]:
    """ "above", "below" or "ties", and why. Above (or below) lead-3 only if it holds on every fold and on
    each of ROUGE-1, -2 and -Lsum (its article bootstrap interval excludes 0): a margin that one fold or
    one score reverses is the size of the noise, and would not survive a new sample."""
    intervals = v["difference_bootstrap95"]
    folds = [f["difference"]["mean"] for f in v["per_fold"]]
    for word, sign in (("above", 1), ("below", -1)):
        if all(sign * x > 0 for x in folds) and all(
            min(sign * a, sign * b) > 0 for a, b in (intervals[m] for m in METRICS)
        ):
            return word, []
    reasons = []
    against = [x for x in folds if x * v["difference_mean"]["mean"] < 0]
    if against:
        reasons.append(f"{len(against)} of {len(folds)} folds {'goes' if len(against) == 1 else 'go'} the other way")
    straddle = [m for m in METRICS if intervals[m][0] <= 0 <= intervals[m][1]]
    if straddle:
        names = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeLsum": "ROUGE-Lsum"}
        reasons.append(
            "0 is inside the interval of "
            + ", ".join(f"{names[m]} [{intervals[m][0]:+.2f}, {intervals[m][1]:+.2f}]" for m in straddle)
        )
    return "ties", reasons


def verdict(results: dict[str, Any], variant: str = "five settings") -> str:
    """'ties lead-3: ...' or 'scores above/below lead-3: ...': the tuning procedure, cross-validated, with
    the figures and, for a tie, what makes it one (a fold, a score or another shuffle the other way)."""
    cv = results["cv"]
    v = cv["variants"][variant]
    word, reasons = standing(v)
    others = results.get("other_seeds", {})
    if others:
        if any(standing(o[variant])[0] != word for o in others.values()):
            word = "ties"
        means = ", ".join(f"{o[variant]['difference_mean']['mean']:+.2f}" for o in others.values())
        reasons.append(f"other shuffles into folds give {means}")
    low, high = v["difference_bootstrap95"]["mean"]
    figures = (
        f"with its settings chosen by {cv['k']}-fold cross-validation over the {cv['articles']} sample articles it is "
        f"{v['difference_mean']['mean']:+.2f} mean ROUGE-1/2/Lsum from lead-3 (95% interval over articles "
        f"[{low:+.2f}, {high:+.2f}])"
    )
    if word != "ties":
        return f"scores {word} lead-3: {figures}; " + "; ".join(reasons)
    return f"ties lead-3: {figures}, but " + ", ".join(reasons)


def markdown(results: dict[str, Any]) -> list[str]:
    """The QUALITY.md section: cross-validation, FLORES windows, corpus timing."""
    cv = results["cv"]
    lead = cv["lead3"]
    lines = [
        f"{cv['k']}-fold cross-validation over all {cv['articles']} sample articles (`{results['command']}`; folds "
        f"shuffled with seed {cv['seed']}, their ids in `benchmarks/results/extractive_cv.json`). Each fold is "
        'scored with settings chosen on the other folds, lead-3 (`method = "lead"`) on the same folds. '
        "Differences are method − lead-3; the interval is a paired bootstrap over articles "
        f"({BOOTSTRAP:,} resamples), each article scored with settings chosen without it. "
        f"Embeddings: {results['embedder']}.",
        "",
        "| settings | fold | method R-1 / R-2 / R-Lsum | lead-3 | difference |",
        "|---|---|---|---|---|",
    ]
    for variant, v in cv["variants"].items():
        for number, fold in enumerate(v["per_fold"]):
            lines.append(
                f"| {variant} | {number + 1} | {_f(fold['method'])} | {_f(lead['per_fold'][number])} | {_d(fold['difference'])} |"
            )
    lines += [
        "",
        "| settings | what is chosen | method, mean ± std over folds | lead-3, mean ± std | difference, mean ± std over folds | difference, 95% bootstrap over articles | articles better / same / worse | same picks as lead-3 |",
        "|---|---|---|---|---|---|---|---:|",
    ]
    for variant, v in cv["variants"].items():
        std = v["std"] or dict.fromkeys(METRICS + ("mean",), 0.0)
        dstd = v["difference_std"] or dict.fromkeys(METRICS + ("mean",), 0.0)
        lstd = lead["std"] or dict.fromkeys(METRICS, 0.0)
        method = " / ".join(f"{v['mean'][m]:.2f} ± {std[m]:.2f}" for m in METRICS)
        leadf = " / ".join(f"{lead['mean'][m]:.2f} ± {lstd[m]:.2f}" for m in METRICS)
        diff = " / ".join(f"{v['difference_mean'][m]:+.2f} ± {dstd[m]:.2f}" for m in METRICS)
        ci = " / ".join(f"[{a:+.2f}, {b:+.2f}]" for a, b in (v["difference_bootstrap95"][m] for m in METRICS))
        b, s, w = v["articles_better_same_worse"]
        lines.append(
            f"| {variant} | {v['what']} | {method} | {leadf} | {diff} | {ci} | {b} / {s} / {w} | {100 * v['same_picks_as_lead3']:.0f}% |"
        )
    verdicts = []
    for variant, v in cv["variants"].items():
        a, b = v["difference_bootstrap95"]["mean"]
        word, reasons = standing(v)
        why = f" ({'; '.join(reasons)})" if reasons else ""
        verdicts.append(
            f"**{variant}: {word}**{why}, mean-ROUGE difference {v['difference_mean']['mean']:+.2f} [{a:+.2f}, {b:+.2f}]"
        )
    lines += [
        "",
        "Verdict (above or below only if every fold and each of the three scores' intervals agree): "
        + "; ".join(verdicts)
        + ".",
    ]
    if results.get("other_seeds"):
        lines += [
            "",
            "The same cross-validation with the articles shuffled into folds by other seeds (the split alone "
            "moves the tuned margin by more than the margin):",
            "",
            "| seed | settings | difference R-1 / R-2 / R-Lsum | mean-ROUGE difference, 95% interval | folds above / below lead-3 | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for seed, variants in results["other_seeds"].items():
            for variant, v in variants.items():
                if variant == "shipped defaults":
                    continue  # nothing is chosen: only the per-fold split changes
                a, b = v["difference_bootstrap95"]["mean"]
                folds = [f["difference"]["mean"] for f in v["per_fold"]]
                lines.append(
                    f"| {seed} | {variant} | {_d(v['difference_mean'])} | {v['difference_mean']['mean']:+.2f} "
                    f"[{a:+.2f}, {b:+.2f}] | {sum(x > 0 for x in folds)} / {sum(x < 0 for x in folds)} | {standing(v)[0]} |"
                )
    chosen = cv["variants"]["five settings"]["chosen"]
    lines += ["", "Settings the five-setting search chose per fold: " + "; ".join(
        f"{n + 1}: " + ", ".join(f"{k} {v:g}" for k, v in c.items()) for n, c in enumerate(chosen)) + "."]  # fmt: skip
    fl = results["flores"]
    lines += [
        "",
        "### Non-English: FLORES-200 windows",
        "",
        f"No non-English news with reference summaries is here, so this measures something narrower: whether the "
        f"method picks the same sentences of a text whatever its language. FLORES-200 devtest (`ref.ru/ar/az.txt`, "
        f"human translations line-aligned with `en.txt`) has no article boundaries; its lines come from "
        f"multi-sentence articles in order, so {fl['windows']} fixed windows of {fl['window']} consecutive lines "
        f"stand in for articles (a window may straddle two articles). Three lines are picked per window. "
        f"*Jaccard* is |picks ∩ English picks| / |picks ∪ English picks|, averaged over windows (random picks: "
        f"{fl['random_jaccard']:.3f}, and the same three 1 time in {math.comb(fl['window'], K)}; lead-3 is 1 by construction). *ROUGE vs English picks* is the mean of "
        f"ROUGE-1/2/Lsum (the project's tokenizer for the language) of the picked lines against the same language's "
        f"translation of the lines English picked: 100 when the picks agree; random picks give the baseline. "
        f"Neither is a quality score: they say the method does not fall apart outside English, not that its picks "
        f"are good summaries. Lines counted as real sentences (`usable`): "
        + ", ".join(f"{lang} {100 * r:.0f}%" for lang, r in fl["usable_lines"].items())
        + ".",
        "",
        "| settings | English picks = first three | language | Jaccard with English | same three | ROUGE vs English picks | random picks |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for label, row in fl["settings"].items():
        for lang, r in row["languages"].items():
            lines.append(
                f"| {label} | {100 * row['english_picks_are_first_three']:.0f}% | {lang} | {r['jaccard_with_english']:.3f} | "
                f"{100 * r['same_three_as_english']:.0f}% | {r['rouge_against_english_picks']:.1f} | {r['rouge_random_picks']:.1f} |"
            )
    corpus = results["corpus"]
    lines += [
        "",
        "### Real English news from `../shared/corpus/`: it runs, and how fast",
        "",
        f"Three sentences from each article with the shipped defaults, nothing cached: "
        f"{corpus['units_per_second']:.1f} sentences/s overall ({results['machine']}; the machine was shared, so "
        f"this is a rough figure). Every pick is the article's own text, word for word.",
        "",
        "| article | sentences | seconds | picked (0 = first) | verbatim |",
        "|---|---:|---:|---|---|",
    ]
    for a in corpus["articles"]:
        lines.append(
            f"| {a['article']} | {a['units']} | {a['seconds']:.2f} | {', '.join(map(str, a['picked']))} | {'yes' if a['verbatim'] else 'NO'} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "summarizer-extractive-cv")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=SEED, help="shuffles the articles into folds")
    parser.add_argument(
        "--other-seeds", default="1,2,3,4", help="the same cross-validation with these shuffles too, summarised"
    )
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--flores-windows", type=int, default=None, help="the first N windows only (tests)")
    parser.add_argument("--embedder", choices=("e5", "hashing"), default="e5", help="hashing: a test stand-in")
    args = parser.parse_args(argv)
    evaldata.cnndm_sample(args.shared)  # or exit, saying how to get it
    started = time.perf_counter()
    embedder = default_embedder() if args.embedder == "e5" else HashingEmbedder()
    cache = Cache(args.cache)

    def embed(texts: list[str]) -> np.ndarray:
        return cached_embed(embedder, texts, cache=cache)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    docs = load_docs(args.shared, args.articles, embed)
    log(f"{len(docs)} articles embedded, {time.perf_counter() - started:.0f} s")
    command = "python benchmarks/extractive_cv.py" + "".join(
        f" {flag} {value}"
        for flag, value, default in (
            ("--folds", args.folds, 5),
            ("--seed", args.seed, SEED),
            ("--other-seeds", args.other_seeds, "1,2,3,4"),
            ("--articles", args.articles, 500),
            ("--flores-windows", args.flores_windows, None),
            ("--embedder", args.embedder, "e5"),
            ("--output", args.output, RESULTS),
        )
        if value != default
    )
    results: dict[str, Any] = {
        "command": command,
        "embedder": f"{embedder.info.name}" + ("" if args.embedder == "e5" else " (figures mean nothing)"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "cv": cross_validate(docs, args.folds, log, seed=args.seed),
    }
    results["other_seeds"] = {}
    for seed in [int(x) for x in args.other_seeds.split(",") if x.strip()]:
        cv = cross_validate(docs, args.folds, lambda line: None, seed=seed)
        results["other_seeds"][str(seed)] = {
            name: {key: v[key] for key in ("difference_mean", "difference_bootstrap95", "per_fold")}
            for name, v in cv["variants"].items()
        }
    log(f"cross-validated, {time.perf_counter() - started:.0f} s")
    results["flores"] = flores(args.shared, embed, args.flores_windows)
    results["corpus"] = corpus_timing(args.shared, embedder)
    results["seconds"] = round(time.perf_counter() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    partial = args.output.with_name(args.output.name + ".partial")
    partial.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(args.output)  # a reader never sees half a file
    print("\n".join(markdown(results)))
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
