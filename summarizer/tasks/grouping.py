"""The same story across sources: articles whose content says the same event, grouped by the similarity of
their multilingual e5 embeddings (so a Russian and an English report of one summit group together).

`group_stories(texts)` embeds each text (an article's title and lead: what a reader sees first) and puts
each article, in order, into the group it is most similar to, when that similarity (cosine, to every
member: complete linkage, so a group never chains two unrelated stories through a third) reaches
`threshold`; otherwise it starts a group. The threshold is measured, not guessed: benchmarks/grouping.py
chooses it on one half of a labelled set and reports precision and recall on the other (BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["STORY_THRESHOLD", "group_by_similarity", "group_stories", "story_text"]

# Cosine similarity of two articles' e5 embeddings ("query: " title and lead) at or above which they are
# one story: the best mean F1 on the tuning halves of benchmarks/grouping.py's two sets (CNN/DailyMail
# leads against their highlights, one language; FLORES passages against their translations, across
# languages). Held out: CNN/DM precision 0.80, recall 0.96; FLORES 1.00, 0.85 (BENCHMARKS.md).
STORY_THRESHOLD = 0.875
LEAD_CHARS = 1200  # an article's title and first sentences: enough to say what happened


def story_text(title: str, sentences: Sequence[str]) -> str:
    """What an article is compared by: its title, then its first sentences up to LEAD_CHARS."""
    out = title.strip()
    for sentence in sentences:
        if len(out) >= LEAD_CHARS:
            break
        out = f"{out}. {sentence.strip()}" if out else sentence.strip()
    return out[:LEAD_CHARS]


def group_by_similarity(similarity: np.ndarray, threshold: float = STORY_THRESHOLD) -> list[int]:
    """A group number per item (0, 1, ... in order of first member) from a square similarity matrix."""
    groups: list[list[int]] = []
    out = []
    for i in range(len(similarity)):
        best, best_score = None, threshold
        for g, members in enumerate(groups):
            score = float(min(similarity[i, j] for j in members))
            if score >= best_score:
                best, best_score = g, score
        if best is None:
            groups.append([i])
            out.append(len(groups) - 1)
        else:
            groups[best].append(i)
            out.append(best)
    return out


def group_stories(
    texts: Sequence[str], *, threshold: float = STORY_THRESHOLD, embedder: Any = None, cache: Any = None
) -> list[int]:
    """A group number per text: texts of one story share it (see the module's docstring)."""
    if not texts:
        return []
    from ..models.embeddings import cached_embed, get_embedder

    vectors = cached_embed(embedder or get_embedder(), list(texts), cache=cache)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return group_by_similarity(vectors @ vectors.T, threshold)
