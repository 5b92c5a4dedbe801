"""Extractive and lead summaries: sentences taken from the article word for word, each keeping its id.

Extractive scoring is unsupervised and works in any language the embedding model knows: a sentence
scores for how much of the rest of the article it is similar to (directed centrality, in the spirit
of PacSum: similarity to later sentences counts for, to earlier ones against), plus a prior for early
sentences, as news puts its main facts first. Sentences are then picked by that score, each one less
for how much it repeats what is already picked (MMR), and given back in article order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..cache import CacheEntry, NullCache, cache_key
from ..errors import InputError, SummarizerError
from ..inputs.segmenting import SEGMENTATION_VERSION, article_sentence_id, local_id, segment_article
from ..models.embeddings import cached_embed, get_embedder
from ..options import SummaryOptions, WorkerOptions
from ..quality.review import review_summary
from ..results import Article, ModelInfo, Sentence, Summary
from .generation import OnProgress, split_to_fit
from .interface import BaseSummarizer, Results

if TYPE_CHECKING:
    import numpy as np

TASK = "summarize-extract"
# Longer "sentences" (an article with no full stops) are cut at clauses, then words, into pieces this long.
MAX_PIECE_WORDS = 60
# Fragments this short (a dateline, a byline, "scroll down for video") are never worth a summary slot,
# nor are lines that don't end like a sentence (headings); they are picked only if nothing else is left.
MIN_WORDS = 6
_SENTENCE_END = (".", "!", "?", "…", '"', "”", "'", "’", "»", ")")


@dataclass(frozen=True)
class ScoringParams:
    """The scorer's knobs, chosen on half of the CNN/DailyMail sample. Cross-validated, they tie lead-3 on
    English news (QUALITY.md, `benchmarks/extractive_cv.py`)."""

    threshold: float = 0.6  # edges below min + threshold * (max - min) of the similarities don't count
    backward: float = -0.3  # weight of similarity to earlier sentences (later ones weigh 1)
    position: float = 5.0  # weight of the early-position prior, against centrality scaled to [0, 1]
    decay: float = 1.0  # the prior is 1 / (1 + index) ** decay
    redundancy: float = 0.5  # MMR: how much similarity to a picked sentence costs

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DEFAULT_SCORING = ScoringParams()


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def usable(text: str) -> bool:
    """A real sentence: long enough, and ending like one."""
    return _words(text) >= MIN_WORDS and text.rstrip().endswith(_SENTENCE_END)


# Similarities are computed a block of rows at a time, about this many cells per block, so memory grows
# linearly with the sentences (the whole n x n matrix of 12,000 short sentences took 2.6 GB).
BLOCK_CELLS = 1 << 20
# Past this many sentences (no news article has them) each one is compared with an evenly spaced sample of
# this many, so time grows linearly too; up to it the scores are exactly those of the whole matrix.
MAX_COMPARED = 4096
# MMR considers at most this many candidates (or 4 x k), the most salient first: every sentence of a news
# article, and far more than a summary of k could pick (see _window for the ones it provably can't).
MMR_WINDOW = 512


def _similarities(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    return rows @ columns.T


def _blocks(n: int, m: int):
    """Row ranges [start, stop) of about BLOCK_CELLS cells each against `m` columns."""
    step = max(1, BLOCK_CELLS // max(1, m))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _centrality(embeddings: np.ndarray, threshold: float, backward: float) -> np.ndarray:
    """Directed centrality in [0, 1], block by block: each block's similarities to the compared columns,
    first for the range of off-diagonal similarities, then for the edges above the threshold."""
    import numpy as np

    n = len(embeddings)
    cols = np.arange(n) if n <= MAX_COMPARED else np.linspace(0, n - 1, MAX_COMPARED).round().astype(np.int64)
    compared = embeddings if n <= MAX_COMPARED else embeddings[cols]

    low, high = np.inf, -np.inf
    for start, stop in _blocks(n, len(cols)):
        sim = _similarities(embeddings[start:stop], compared)
        itself = cols[None, :] == np.arange(start, stop)[:, None]
        low = min(low, float(np.where(itself, np.inf, sim).min()))
        high = max(high, float(np.where(itself, -np.inf, sim).max()))
    later, earlier = np.zeros(n, dtype=embeddings.dtype), np.zeros(n, dtype=embeddings.dtype)
    cut = low + threshold * (high - low)
    for start, stop in _blocks(n, len(cols)):
        edges = np.clip(_similarities(embeddings[start:stop], compared) - cut, 0.0, None)
        rows = np.arange(start, stop)[:, None]
        later[start:stop] = np.where(cols[None, :] > rows, edges, 0.0).sum(axis=1)  # what follows: it sets it up
        earlier[start:stop] = np.where(cols[None, :] < rows, edges, 0.0).sum(axis=1)
    centrality = later + backward * earlier
    spread = centrality.max() - centrality.min()
    return (centrality - centrality.min()) / spread if spread > 0 else np.zeros(n)


def scores(embeddings: np.ndarray, ok: Sequence[bool], params: ScoringParams = DEFAULT_SCORING) -> np.ndarray:
    """Salience of each sentence (higher is better) from its normalised embeddings; `ok` marks the
    ones that are real sentences (see `usable`). Memory linear in their number (see BLOCK_CELLS)."""
    import numpy as np

    n = len(embeddings)
    if n == 0:
        return np.zeros(0)
    centrality = _centrality(embeddings, params.threshold, params.backward) if n > 1 else np.zeros(n)
    prior = 1.0 / (1.0 + np.arange(n)) ** params.decay
    result = centrality + params.position * prior
    result[~np.array(ok, dtype=bool)] -= 10.0  # last resort only
    return result


def _window(salience: np.ndarray, embeddings: np.ndarray, k: int, redundancy: float) -> np.ndarray:
    """The candidates MMR could pick, in article order. A sentence whose salience is below the k-th best's
    by more than twice the most a redundancy term can move a value is never picked (one of the k best is
    always left, and beats it): leaving it out changes nothing. Of the rest, at most the window's size."""
    import numpy as np

    order = np.argsort(-salience, kind="stable")
    kth = salience[order[min(k, len(order)) - 1]]
    reach = 2 * abs(redundancy) * float(np.max(np.einsum("ij,ij->i", embeddings, embeddings))) + 1e-6
    could = int(np.count_nonzero(salience >= kth - reach))
    return np.sort(order[: min(could, max(MMR_WINDOW, 4 * k))])


def select(embeddings: np.ndarray, ok: Sequence[bool], k: int, params: ScoringParams = DEFAULT_SCORING) -> list[int]:
    """Indices of the `k` sentences to keep, in article order: MMR over the most salient candidates."""
    import numpy as np

    salience = scores(embeddings, ok, params)
    if len(salience) == 0 or k < 1:
        return []
    window = _window(salience, embeddings, k, params.redundancy)
    vectors, base = embeddings[window], salience[window]
    overlap = np.full(len(window), -np.inf)  # the most each candidate repeats a picked sentence
    free = np.ones(len(window), dtype=bool)
    chosen: list[int] = []
    while free.any() and len(chosen) < k:
        value = base - params.redundancy * (overlap if chosen else 0.0)
        best = int(np.argmax(np.where(free, value, -np.inf)))  # the first best, as max() over candidates
        chosen.append(int(window[best]))
        free[best] = False
        overlap = np.maximum(overlap, vectors @ vectors[best])
    return sorted(chosen)


def ranking(embeddings: np.ndarray, ok: Sequence[bool], params: ScoringParams = DEFAULT_SCORING) -> list[int]:
    """Every sentence, most salient first (for extract-then-abstract, which fills a token budget)."""
    salience = scores(embeddings, ok, params)
    return sorted(range(len(salience)), key=lambda i: -salience[i])


def pieces(sentences: Sequence[Sentence]) -> list[Sentence]:
    """The sentences, with any too long to be one summary sentence (no full stops) cut into pieces,
    by the same rules as translation: clauses, then commas, then words."""
    out: list[Sentence] = []
    for s in sentences:
        if _words(s.text) <= MAX_PIECE_WORDS:
            out.append(s)
            continue
        parts = split_to_fit(s.text, lambda xs: [_words(x) for x in xs], MAX_PIECE_WORDS)
        out += [Sentence(f"{s.id}.{i}", part, s.paragraph, s.index) for i, part in enumerate(parts)]
    return out


def chosen_sentences(article: Article, summary: Summary) -> tuple[Sentence, ...]:
    """The article's own sentences (or pieces of them) that an extractive or lead summary consists of."""
    by_id = {s.id: s for s in pieces(article.sentences)}
    return tuple(by_id[i] for i in summary.source_ids if i in by_id)


class ExtractiveSummarizer(BaseSummarizer):
    """Summaries of sentences from the article, as the `[summary]` section says: `extractive` (scored with
    `embedding_model`'s embeddings) or `lead`, `sentences` of them. `lang` is the language of plain texts."""

    def __init__(
        self,
        summary: SummaryOptions = SummaryOptions(method="extractive"),  # noqa: B008 (frozen, so one default is safe)
        worker: WorkerOptions | None = None,
        *,
        lang: str = "en",
        cache: Any = None,
        scoring: ScoringParams = DEFAULT_SCORING,
        engine: Any = None,
    ):
        if summary.method not in ("extractive", "lead"):
            raise ValueError(f"method must be extractive or lead, got {summary.method!r}")
        worker = worker or WorkerOptions()
        self.method = summary.method
        self.k = summary.sentences
        self.cache = cache if cache is not None else NullCache()
        self.refresh = worker.refresh
        self.lang = lang
        self.quality = worker.quality
        self.scoring = scoring
        self.embedder = None
        self.engine = engine  # a remote engine computes a window's embeddings in its workers (summarize_each)
        self._remote = (summary.embedding_model, worker.runtime, worker.models_dir)
        self._vectors: dict[str, Any] = {}  # one summarize_each call's embeddings, by text
        if self.method == "extractive":
            self.embedder = get_embedder(summary.embedding_model, runtime=worker.runtime, models_dir=worker.models_dir)

    @property
    def model_info(self) -> ModelInfo:
        if self.embedder is not None:
            return self.embedder.info
        return ModelInfo(name="lead (the first sentences)", revision=None, fingerprint="method:lead")

    def _key(self, text: str) -> str:
        params = {"method": self.method, "sentences": self.k}
        if self.method == "extractive":
            params |= self.scoring.as_dict()
        extra = {"segmentation": SEGMENTATION_VERSION, "max_piece_words": MAX_PIECE_WORDS, "ids": "local"}
        return cache_key(task=TASK, model=self.model_info, params=params, text=text, source_lang=self.lang, extra=extra)

    def _embed(self, units: Sequence[Sentence]) -> tuple[np.ndarray, list[bool]]:
        """The units' embeddings (cached) and which of them are real sentences."""
        import numpy as np

        texts = [u.text for u in units]
        self._fetch(texts)
        return np.stack([self._vectors[t] for t in texts]), [usable(t) for t in texts]

    def _fetch(self, texts: Sequence[str]) -> None:
        """Embeddings of the texts not yet at hand: from the cache, else computed (by the engine's workers
        when it is a remote one)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            vectors = cached_embed(self.embedder, missing, cache=self.cache, engine=self.engine, remote=self._remote)
            self._vectors.update(zip(missing, vectors, strict=True))

    def rank(self, units: Sequence[Sentence]) -> list[int]:
        """Indices of `units`, most salient first."""
        return ranking(*self._embed(units), self.scoring)

    def choose(self, sentences: Sequence[Sentence]) -> list[Sentence]:
        """The sentences of the summary, in article order (the whole article if it is short enough)."""
        units = pieces(sentences)
        if len(units) <= self.k:
            return units
        if self.method == "lead":
            return units[: self.k]  # exactly the first sentences: a baseline, so no judgement here
        return [units[i] for i in select(*self._embed(units), self.k, self.scoring)]

    def _one(self, item: Article | str) -> Summary:
        started = time.perf_counter()
        article_id = item.id if isinstance(item, Article) else "text"
        sentences = item.sentences if isinstance(item, Article) else segment_article(item, article_id, self.lang)
        if not sentences:
            raise InputError("nothing to summarize: the text has no sentences")
        full = " ".join(s.text for s in sentences)
        key = self._key(full)
        stored = None if self.refresh else self.cache.get(key)
        cached = stored is not None
        if stored is None:
            chosen = self.choose(sentences)
            stored = {"ids": [local_id(s.id, article_id) for s in chosen], "texts": [s.text for s in chosen]}
            self.cache.put(CacheEntry(key=key, task=TASK, model=self.model_info.name, value=stored))
        text = " ".join(stored["texts"])
        warnings = ()
        if len(stored["ids"]) == len(pieces(sentences)):
            warnings = (f"the article has no more than {self.k} sentences: the summary is the whole article",)
        return Summary(
            text=text,
            model=self.model_info,
            params={"method": self.method, "sentences": self.k},
            input_tokens=_words(full),
            max_input_tokens=0,
            cached=cached,
            seconds=time.perf_counter() - started,
            warnings=warnings,
            flags=review_summary(full, text, lang=self.lang, options=self.quality),
            method=self.method,
            source_ids=tuple(article_sentence_id(i, article_id) for i in stored["ids"]),
        )

    def summarize_each(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> Results:
        """One Summary per input, or the error that input gave (the others go on). Runs in this
        process whatever the engine: choosing sentences costs little next to generating text."""
        out: Results = []
        try:
            if self.embedder is not None and self.engine is not None and self.engine.name != "local":
                self._fetch(self._to_embed(items))  # the window's embeddings in one remote call
            for item in items:
                try:
                    out.append(self._one(item))
                except SummarizerError as exc:
                    if exc.fatal:
                        raise
                    out.append(exc)
                    continue
                if progress:
                    progress(1)
        finally:
            self._vectors = {}
        return out

    def _to_embed(self, items: Sequence[Article | str]) -> list[str]:
        """The texts `_one` will embed: the units of each article whose summary isn't cached and that has
        more of them than the summary takes."""
        todo: list[tuple[str, list[Sentence]]] = []
        for item in items:
            article_id = item.id if isinstance(item, Article) else "text"
            sentences = item.sentences if isinstance(item, Article) else segment_article(item, article_id, self.lang)
            units = pieces(sentences)
            if sentences and len(units) > self.k:
                todo.append((self._key(" ".join(s.text for s in sentences)), units))
        found = {} if self.refresh else self.cache.get_many([key for key, _ in todo])
        return [u.text for key, units in todo if key not in found for u in units]
