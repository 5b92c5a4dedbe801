"""Adequacy: does the output say what the source says? Cosine similarity of the two in a multilingual
embedding model (multilingual-e5-small), against a per-language threshold taken from data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..results import QualityFlag
from .checks import LOW_ADEQUACY

# Per target language, from the first 506 FLORES-200 devtest sentences (the other 506 are held out for
# QUALITY.md): midway between the 1st percentile of the similarity of an English sentence with its human
# translation and the 99th percentile of its similarity with the translation of another sentence.
# `make quality` recomputes them and says if they drift. Other languages get the mean of the three.
THRESHOLDS = {"ru": 0.856, "ar": 0.850, "az": 0.823}
DEFAULT_THRESHOLD = 0.84


def threshold(target: str) -> float:
    return THRESHOLDS.get(target.split("-")[0].lower(), DEFAULT_THRESHOLD)


def similarities(
    sources: Sequence[str], outputs: Sequence[str], *, cache: Any = None, engine: Any = None
) -> list[float]:
    """Cosine similarity of each source with its output. With a remote `engine` the embeddings that aren't
    cached are computed by its workers; the cache and the similarities stay here."""
    from ..models.embeddings import BUNDLED, cached_embed, default_embedder

    embedder = default_embedder()
    remote = (BUNDLED, None, None)
    src = cached_embed(embedder, sources, cache=cache, engine=engine, remote=remote)
    out = cached_embed(embedder, outputs, cache=cache, engine=engine, remote=remote)
    return [float(x) for x in (src * out).sum(axis=1)]


def check_adequacy(
    sources: Sequence[str], outputs: Sequence[str], *, target: str, cache: Any = None, engine: Any = None
) -> list[tuple[QualityFlag, ...]]:
    """A `low-adequacy` flag for each output less similar to its source than the language's threshold."""
    limit = threshold(target)
    pairs = [(i, s, o) for i, (s, o) in enumerate(zip(sources, outputs, strict=True)) if s.strip() and o.strip()]
    flags: list[tuple[QualityFlag, ...]] = [()] * len(sources)
    if not pairs:
        return flags
    scores = similarities([s for _, s, _ in pairs], [o for _, _, o in pairs], cache=cache, engine=engine)
    for (i, _, _), score in zip(pairs, scores, strict=True):
        if score < limit:
            message = f"the output says something else than the source (similarity {score:.2f} < {limit:.2f})"
            flags[i] = (QualityFlag(LOW_ADEQUACY, message, round(score, 4)),)
    return flags
