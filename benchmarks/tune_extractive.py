"""Choose the extractive scorer's settings on the tuning half of the CNN/DailyMail sample (articles 1-250).

    python benchmarks/tune_extractive.py [--shared ../shared]

Coordinate search over each setting in turn (three passes at most), maximising the mean of ROUGE-1,
ROUGE-2 and ROUGE-Lsum on the tuning half only. It prints the chosen settings; they go into
`summarizer.tasks.extractive.ScoringParams` by hand. One split of 250 articles is too few to tell the
tuned scorer from lead-3: `benchmarks/extractive_cv.py` runs this same search inside 5-fold
cross-validation over all 500 articles, and QUALITY.md reports that.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaldata import cnndm_articles  # noqa: E402

from summarizer.cache import Cache  # noqa: E402
from summarizer.measure import metrics  # noqa: E402
from summarizer.models.embeddings import cached_embed, default_embedder  # noqa: E402
from summarizer.tasks import extractive  # noqa: E402

GRID = {
    "threshold": [0.3, 0.5, 0.6, 0.7, 0.8],
    "backward": [-1.0, -0.5, -0.3, 0.0, 0.3],
    "position": [0.3, 0.6, 1.2, 2.4, 5.0],
    "decay": [0.5, 1.0, 1.5, 2.0],
    "redundancy": [0.0, 0.3, 0.6, 1.0],
}
TUNING = slice(0, 250)


def coordinate_search(
    score: Callable[[extractive.ScoringParams], float],
    start: extractive.ScoringParams = extractive.DEFAULT_SCORING,
    grid: dict[str, list[float]] = GRID,
    passes: int = 3,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[extractive.ScoringParams, float]:
    """The settings with the highest `score`, one setting at a time over `grid`, from `start`."""
    best, best_score = start, score(start)
    log(f"start {asdict(best)}: {best_score:.3f}")
    for _ in range(passes):
        improved = False
        for name, values in grid.items():
            for value in values:
                candidate = replace(best, **{name: value})
                result = score(candidate)
                if result > best_score + 1e-9:
                    best, best_score, improved = candidate, result, True
                    log(f"  {asdict(best)}: {best_score:.3f}")
        if not improved:
            break
    return best, best_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    args = parser.parse_args()
    articles, refs = cnndm_articles(args.shared)
    articles, refs = articles[TUNING], refs[TUNING]
    cache, embedder = Cache(ROOT / "cache" / "quality-embeddings"), default_embedder()
    docs = []
    started = time.perf_counter()
    for article in articles:
        units = extractive.pieces(article.sentences)
        texts = [u.text for u in units]
        docs.append((texts, cached_embed(embedder, texts, cache=cache), [extractive.usable(t) for t in texts]))
    print(f"embedded {len(docs)} articles in {time.perf_counter() - started:.0f} s", flush=True)

    def score(params: extractive.ScoringParams) -> float:
        hyps = []
        for texts, vectors, ok in docs:
            chosen = range(len(texts)) if len(texts) <= 3 else extractive.select(vectors, ok, 3, params)
            hyps.append("\n".join(texts[i] for i in chosen))
        r = metrics.summary_scores(hyps, refs, lang="en")
        return (r.rouge1 + r.rouge2 + r.rougeLsum) / 3

    best, best_score = coordinate_search(score, log=lambda line: print(line, flush=True))
    print(f"chosen (tuning half, mean ROUGE {best_score:.3f}): {asdict(best)}")


if __name__ == "__main__":
    main()
