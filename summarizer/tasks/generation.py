"""Running a model over many texts: cache lookups, one call per distinct text, incremental cache writes,
progress as each batch starts and ends, and splitting inputs that exceed the model's limit (never
truncating them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from ..cache import CacheEntry
from ..engines import LOCAL, Engine, Work
from ..models.backends import Generated
from ..models.backends.base import OnStep, guarded

log = logging.getLogger(__name__)

OnProgress = Callable[[int], None]  # items done (sentences, summaries), a count at a time
OnBatch = Callable[[int, int, str], None]  # a generate() batch starts: (its number from 1, batches, detail)
# While progress is shown, a model call takes about this long (see `engines.Work.pace_s`), so that counts
# move at least every few seconds however slow the model and however many beams (CTranslate2 beats per
# decoding step only in greedy search); unwatched work keeps its full batches.
PACE_S = 2.0


@dataclass(frozen=True)
class Progress:
    """How far a task is, for a display. Calling it counts items done, so it serves wherever an `OnProgress`
    is taken; the tasks that run a model also report each generate() batch as it starts (`batch`) and,
    inside one, its decoding steps (`on_step`, a heartbeat the backend calls). `detail` says what the
    batches belong to ("round 2, 3 inputs"). `pace_s`, set where someone watches: each model call is sized
    to take about that long (`engines.Work.pace_s`). A hook that raises is logged once and then left alone."""

    done: OnProgress | None = None
    on_batch: OnBatch | None = None
    on_step: OnStep | None = None
    detail: str = ""
    pace_s: float | None = None

    def __post_init__(self) -> None:
        for name in ("done", "on_batch", "on_step"):
            object.__setattr__(self, name, guarded(getattr(self, name)))

    @classmethod
    def of(cls, progress: OnProgress | None) -> Progress:
        """`progress` as a Progress: a plain callable only counts items done."""
        return progress if isinstance(progress, Progress) else cls(done=progress)

    def __call__(self, n: int) -> None:
        if self.done and n:
            self.done(n)

    def batch(self, number: int, batches: int) -> None:
        if self.on_batch:
            self.on_batch(number, batches, self.detail)

    def within(self, detail: str) -> Progress:
        """The same batch and step hooks for inner work whose items are not the caller's (a summary's
        chunks): nothing is counted done, so nothing is paced either (smaller calls would only be slower)."""
        return replace(self, done=None, detail=detail, pace_s=None)


def cached_generate(
    texts: Sequence[str],
    *,
    key_for: Callable[[str], str],
    compute: Callable[[list[str]], list[Generated]],
    cache,
    task: str,
    model_name: str,
    group_size: int,
    refresh: bool = False,
    progress: OnProgress | None = None,
    engine: Engine | None = None,
    factory: Callable[[], object] | None = None,
) -> list[tuple[Generated, bool]]:
    """One `(output, from_cache)` per input, in input order. Each distinct text is computed once.

    Misses go to `engine` (this process unless told otherwise; `factory` builds a remote worker for
    it, see `engines.Work`), longest first so batches pad little. Each batch is written to the cache
    as soon as it comes back: a killed job keeps everything it finished. `progress` counts the inputs
    done (repeats included) as each batch comes back; a `Progress` also hears each batch that starts
    in this process (`group_size` inputs each, fewer where it paces them: a remote worker's batches
    are only heard as they return).
    """
    progress = Progress.of(progress)
    unique = list(dict.fromkeys(texts))
    keys = {t: key_for(t) for t in unique}
    hits = {} if refresh else cache.get_many(list(keys.values()))
    done: dict[str, tuple[Generated, bool]] = {}
    for text in unique:
        value = hits.get(keys[text])
        if value is not None:
            done[text] = (Generated(**value), True)
    if done:
        progress(sum(1 for t in texts if t in done))
    misses = sorted((t for t in unique if t not in done), key=len, reverse=True)
    counts = {t: 0 for t in misses}
    for t in texts:
        if t in counts:
            counts[t] += 1
    started, begun = [0], [0]

    def compute_one(group: list[str]) -> list[Generated]:
        started[0] += 1
        begun[0] += len(group)
        left = len(misses) - begun[0]  # paced groups vary: the batches still to come at this one's size
        progress.batch(started[0], started[0] + -(-left // len(group)))
        return compute(group)

    work = Work(
        name=f"{task} with {model_name}",
        compute=compute_one,
        factory=factory,
        decode=lambda value: Generated(**value),
        group_size=group_size,
        pace_s=progress.pace_s,
    )
    for pairs in (engine or LOCAL).map(work, misses):
        cache.put_many([CacheEntry(key=keys[t], task=task, model=model_name, value=asdict(g)) for t, g in pairs])
        for t, g in pairs:
            done[t] = (g, False)
        progress(sum(counts[t] for t, _ in pairs))
    return [done[t] for t in texts]


def split_to_fit(text: str, count: Callable[[list[str]], list[int]], limit: int) -> list[str]:
    """Split `text` into consecutive pieces of at most `limit` tokens each, at the coarsest boundary
    that works: clauses (`;`), then commas, then words, then characters. Joining the pieces with a
    space gives back the text (up to whitespace).
    """
    if count([text])[0] <= limit:
        return [text]
    for sep in ("; ", ", ", " "):
        parts = text.split(sep)
        if len(parts) < 2:
            continue
        parts = [p + sep.rstrip() for p in parts[:-1]] + [parts[-1]]
        sizes = count(parts)
        pieces: list[str] = []
        current: list[str] = []
        for part, size in zip(parts, sizes, strict=True):
            if size > limit:
                if current:
                    pieces.append(" ".join(current))
                    current = []
                pieces.extend(split_to_fit(part, count, limit))
                continue
            candidate = " ".join(current + [part])
            if current and count([candidate])[0] > limit:
                pieces.append(" ".join(current))
                current = [part]
            else:
                current.append(part)
        if current:
            pieces.append(" ".join(current))
        return pieces
    half = len(text) // 2
    if half == 0:
        return [text]
    return split_to_fit(text[:half], count, limit) + split_to_fit(text[half:], count, limit)
