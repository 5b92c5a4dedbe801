"""Measure "same story" grouping (summarizer.tasks.grouping) on labelled pairs built from the shared data.

    python benchmarks/grouping.py [--shared ../shared]

Two labelled sets, each split in halves by item (the threshold is chosen on the first half, by F1 of
"same story" over all pairs, and reported on the second):

- CNN/DailyMail, 500 test articles: two reports of each story by different writers, the article's first
  five sentences and its human highlights. Pairs of one article are the same story; pairs of two
  articles are not (CNN/DailyMail rarely runs one event twice in a 500-article sample: a few false
  "negatives" may be real repeats, which only lowers the precision reported).
- FLORES-200 devtest, across languages: windows of 3 consecutive English lines (one Wikinews article's
  passage) against the Russian, Arabic and Azerbaijani human translations of windows; the same window is
  the same story, windows 30 or more lines apart are not (nearer ones may share an article, and are left
  out).

Then the grouping itself on each held-out half (complete linkage at the chosen threshold): pairwise
precision and recall of the groups. Writes benchmarks/results/grouping.json and prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)

from summarizer.models.embeddings import get_embedder  # noqa: E402
from summarizer.tasks.grouping import group_by_similarity, story_text  # noqa: E402

WINDOW, APART = 3, 30


def cnndm(shared: Path) -> list[tuple[str, int]]:
    """(text, story) pairs: each article's lead and its highlights, one story each."""
    out = []
    for story, line in enumerate(evaldata.cnndm_sample(shared).open(encoding="utf-8")):
        record = json.loads(line)
        sentences = [s.strip() for s in record["article"].split(" . ") if s.strip()]
        out.append((story_text("", sentences[:5]), story))
        out.append((" ".join(record["reference"].split("\n")), story))
    return out


def flores(shared: Path) -> list[tuple[str, int, str]]:
    """(text, window, language): each English window and its human translation into ru, ar, az."""
    folder = evaldata.flores_dir(shared)
    lines = {
        lang: folder.joinpath(f"{name}.txt").read_text(encoding="utf-8").splitlines()
        for lang, name in (("en", "en"), ("ru", "ref.ru"), ("ar", "ref.ar"), ("az", "ref.az"))
    }
    out = []
    for w, start in enumerate(range(0, len(lines["en"]) - WINDOW + 1, WINDOW)):
        for lang, text in lines.items():
            out.append((" ".join(text[start : start + WINDOW]), w, lang))
    return out


def pairs(sim: np.ndarray, labels: list[int], keep=None) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(len(labels), 1)
    same = np.array(labels)[i] == np.array(labels)[j]
    mask = np.ones_like(same) if keep is None else keep(i, j)
    return sim[i, j][mask], same[mask]


def prf(scores: np.ndarray, same: np.ndarray, threshold: float) -> dict[str, float]:
    said = scores >= threshold
    tp = int((said & same).sum())
    precision = tp / max(1, int(said.sum()))
    recall = tp / max(1, int(same.sum()))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def choose(scores: np.ndarray, same: np.ndarray) -> float:
    grid = np.round(np.arange(0.70, 0.99, 0.005), 3)
    return float(max(grid, key=lambda t: prf(scores, same, t)["f1"]))


def grouped(sim: np.ndarray, labels: list[int], threshold: float) -> dict[str, float]:
    groups = group_by_similarity(sim, threshold)
    i, j = np.triu_indices(len(labels), 1)
    truth = np.array(labels)[i] == np.array(labels)[j]
    said = np.array(groups)[i] == np.array(groups)[j]
    tp = int((said & truth).sum())
    return {"precision": round(tp / max(1, int(said.sum())), 4), "recall": round(tp / max(1, int(truth.sum())), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    parser.add_argument("--vectors", type=Path, help="keep the embeddings in this .npz (computed once)")
    args = parser.parse_args()
    kept = dict(np.load(args.vectors)) if args.vectors and args.vectors.is_file() else {}
    embedder = get_embedder()
    results: dict = {}

    started = time.perf_counter()
    items = cnndm(args.shared)
    vectors = kept["cnndm"] if "cnndm" in kept else embedder.embed([t for t, _ in items])
    results["cnndm_embed_texts_per_s"] = (
        None if "cnndm" in kept else round(len(items) / (time.perf_counter() - started), 1)
    )
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    half = len(items) // 2  # by article: texts come in pairs
    tune, held = slice(0, half), slice(half, len(items))
    labels = [s for _, s in items]
    sim = vectors @ vectors.T
    s_tune, y_tune = pairs(sim[tune, tune], labels[tune])
    threshold = choose(s_tune, y_tune)
    s_held, y_held = pairs(sim[held, held], labels[held])
    results["cnndm"] = {
        "threshold_chosen_on_tuning_half": threshold,
        "tuning": prf(s_tune, y_tune, threshold),
        "held_out": prf(s_held, y_held, threshold),
        "held_out_grouping": grouped(sim[held, held], labels[held], threshold),
        "pairs_held_out": int(len(y_held)),
    }

    started = time.perf_counter()
    fl = flores(args.shared)
    fvec = kept["flores"] if "flores" in kept else embedder.embed([t for t, _, _ in fl])
    if args.vectors and not kept:
        np.savez(args.vectors, cnndm=vectors, flores=fvec)
    results["flores_embed_texts_per_s"] = (
        None if "flores" in kept else round(len(fl) / (time.perf_counter() - started), 1)
    )
    fvec = fvec / np.linalg.norm(fvec, axis=1, keepdims=True)
    windows = np.array([w for _, w, _ in fl])
    langs = np.array([lang for _, _, lang in fl])
    fsim = fvec @ fvec.T
    n_windows = int(windows.max()) + 1
    for name, (lo, hi) in (("tuning", (0, n_windows // 2)), ("held_out", (n_windows // 2, n_windows))):
        idx = np.where((windows >= lo) & (windows < hi))[0]
        sub, lab = fsim[np.ix_(idx, idx)], windows[idx].tolist()
        wl, ll = windows[idx], langs[idx]

        def keep(i, j, wl=wl, ll=ll):  # across languages only; near windows (one article, maybe) left out
            return (ll[i] != ll[j]) & ((wl[i] == wl[j]) | (np.abs(wl[i] - wl[j]) * WINDOW >= APART))

        results.setdefault("flores", {})[name] = {"scores": pairs(sub, lab, keep), "idx": idx}
    f_tune, f_held = results["flores"]["tuning"], results["flores"]["held_out"]
    f_threshold = choose(*f_tune["scores"])
    held_idx = f_held["idx"]
    results["flores"] = {
        "threshold_chosen_on_tuning_half": f_threshold,
        "held_out_at_own_threshold": prf(*f_held["scores"], f_threshold),
        "held_out_at_cnndm_threshold": prf(*f_held["scores"], threshold),
        "held_out_grouping_at_cnndm_threshold": grouped(
            fsim[np.ix_(held_idx, held_idx)], windows[held_idx].tolist(), threshold
        ),
        "pairs_held_out": int(len(f_held["scores"][1])),
    }
    # One threshold for both kinds of pair (the job can't know which it has): the best mean F1 of the two
    # tuning halves; reported on both held-out halves.
    grid = np.round(np.arange(0.70, 0.99, 0.005), 3)
    joint = float(max(grid, key=lambda t: prf(s_tune, y_tune, t)["f1"] + prf(*f_tune["scores"], t)["f1"]))
    results["joint"] = {
        "threshold_chosen_on_both_tuning_halves": joint,
        "cnndm_held_out": prf(s_held, y_held, joint),
        "cnndm_held_out_grouping": grouped(sim[held, held], labels[held], joint),
        "flores_held_out": prf(*f_held["scores"], joint),
        "flores_held_out_grouping": grouped(fsim[np.ix_(held_idx, held_idx)], windows[held_idx].tolist(), joint),
    }
    out = ROOT / "benchmarks/results/grouping.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    c, f = results["cnndm"], results["flores"]
    print("| set (held-out half) | threshold | precision | recall | F1 | grouping precision | grouping recall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(
        f"| CNN/DM lead vs highlights | {threshold} (tuned) | {c['held_out']['precision']} | {c['held_out']['recall']} | "
        f"{c['held_out']['f1']} | {c['held_out_grouping']['precision']} | {c['held_out_grouping']['recall']} |"
    )
    g = f["held_out_grouping_at_cnndm_threshold"]
    a = f["held_out_at_cnndm_threshold"]
    print(
        f"| FLORES en vs ru/ar/az windows | {threshold} (CNN/DM's) | {a['precision']} | {a['recall']} | {a['f1']} | {g['precision']} | {g['recall']} |"
    )
    b = f["held_out_at_own_threshold"]
    print(
        f"| FLORES en vs ru/ar/az windows | {f_threshold} (tuned on FLORES) | {b['precision']} | {b['recall']} | {b['f1']} | | |"
    )
    j = results["joint"]
    for name, key in (("CNN/DM lead vs highlights", "cnndm"), ("FLORES en vs ru/ar/az windows", "flores")):
        a, g = j[f"{key}_held_out"], j[f"{key}_held_out_grouping"]
        print(
            f"| {name} | {joint} (joint, the default) | {a['precision']} | {a['recall']} | {a['f1']} | "
            f"{g['precision']} | {g['recall']} |"
        )
    print(
        f"embedding: {results['cnndm_embed_texts_per_s']} CNN/DM texts/s, {results['flores_embed_texts_per_s']} FLORES windows/s"
    )


if __name__ == "__main__":
    main()
