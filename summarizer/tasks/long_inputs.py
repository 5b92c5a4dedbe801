"""What a summary model does with an article: one pass when it fits, else map-reduce or extract-then-abstract.

Each strategy is a generator of rounds: it yields the model inputs of one round (the whole text, the
chunks, their summaries) and is sent their outputs back, so that the caller can generate one round of
many articles in one call (see `rounds`). It returns an `Outcome`. Nothing is ever truncated: inputs
over the limit are cut on sentence boundaries (map-reduce) or cut down to their most salient sentences
that fit (extract), and the outcome says which.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

from ..errors import GenerationError, ModelError
from ..models.backends import Generated
from ..results import Sentence
from .extractive import pieces
from .generation import split_to_fit

MAX_REDUCE_ROUNDS = 8
LONG_INPUTS = ("map-reduce", "extract")


@dataclass(frozen=True)
class Budget:
    """What a strategy needs to know of the model: how it counts tokens, its input limit, its prefix."""

    count: Callable[[list[str]], list[int]]
    limit: int
    prefix: str = ""
    max_new_tokens: int = 0
    model_name: str = "the model"


@dataclass
class Outcome:
    """The final summary of one article and how it was reached."""

    final: Generated
    chunks: int = 1
    rounds: int = 1
    warnings: list[str] = field(default_factory=list)
    source_ids: list[str] = field(default_factory=list)  # extract: the sentences the summary was made from


Rounds = Generator[list[str], list[Generated], Outcome]


def plan_chunks(
    sentences: Sequence[str], count: Callable[[list[str]], list[int]], limit: int, prefix: str = ""
) -> list[list[str]]:
    """Group consecutive sentences into chunks whose model input (prefix + text) fits `limit` tokens.

    Every sentence lands in exactly one chunk, in order; one sentence too long for any chunk is
    split into parts (see `split_to_fit`) rather than cut.
    """
    overhead = count([prefix])[0] if prefix else count([""])[0]
    budget = limit - overhead
    if budget < 8:
        raise ModelError(f"the model's input limit ({limit} tokens) leaves no room for text")
    pieces: list[str] = []
    sizes = count(list(sentences)) if sentences else []
    for sentence, size in zip(sentences, sizes, strict=True):
        if size - overhead > budget:
            pieces.extend(split_to_fit(sentence, lambda xs: [n - overhead for n in count(xs)], budget))
        else:
            pieces.append(sentence)
    piece_sizes = [n - overhead for n in count(pieces)] if pieces else []
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for piece, size in zip(pieces, piece_sizes, strict=True):
        if current and used + size > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(piece)
        used += size
    if current:
        chunks.append(current)
    # Token counts are not exactly additive across a join; verify and move the tail if needed.
    fixed: list[list[str]] = []
    queue = chunks
    while queue:
        chunk = queue.pop(0)
        while len(chunk) > 1 and count([prefix + " ".join(chunk)])[0] > limit:
            tail = chunk.pop()
            if queue:
                queue[0].insert(0, tail)
            else:
                queue.append([tail])
        fixed.append(chunk)
    return fixed


def one_pass(text: str) -> Rounds:
    """An input that fits: one round."""
    return Outcome((yield [text])[0])


def map_reduce(sentences: Sequence[str], input_tokens: int, budget: Budget) -> Rounds:
    """Summarize chunks that fit, then the joined chunk summaries, until they fit in one input."""
    count, limit, prefix = budget.count, budget.limit, budget.prefix
    warnings: list[str] = []
    current, rounds, chunks_n = list(sentences), 0, 1
    while True:
        rounds += 1
        if rounds > MAX_REDUCE_ROUNDS:
            raise GenerationError(
                f"{budget.model_name}: summaries did not shrink below {limit} tokens after {MAX_REDUCE_ROUNDS} rounds; lower max_new_tokens"
            )
        chunks = plan_chunks(current, count, limit, prefix)
        if rounds == 1:
            chunks_n = len(chunks)
        partials = yield [" ".join(c) for c in chunks]
        if not all(g.finished for g in partials):
            warnings.append(f"some chunk summaries reached max_new_tokens={budget.max_new_tokens}")
        joined = [g.text for g in partials if g.text]
        if count([prefix + " ".join(joined)])[0] <= limit:
            final = (yield [" ".join(joined)])[0]
            rounds += 1
            break
        current = joined
    warnings.insert(
        0,
        f"input of {input_tokens} tokens exceeds the model limit of {limit}: summarized {chunks_n} chunks on sentence boundaries, then their summaries ({rounds} rounds in all)",
    )
    return Outcome(final, chunks_n, rounds, warnings)


def extract_then_abstract(
    sentences: Sequence[Sentence], rank: Callable[[Sequence[Sentence]], list[int]], input_tokens: int, budget: Budget
) -> Rounds:
    """Summarize, in one pass, the most salient of the sentences (long ones in pieces) that fit together,
    kept in article order; `rank` orders sentences most salient first."""
    count, limit, prefix = budget.count, budget.limit, budget.prefix
    units = [u for u in pieces(sentences) if count([prefix + u.text])[0] <= limit]
    order = rank(units)
    kept: list[int] = []
    used = count([prefix])[0]
    sizes = [n - count([""])[0] for n in count([u.text for u in units])]
    for i in order:
        if used + sizes[i] <= limit:
            kept.append(i)
            used += sizes[i]
    kept.sort()
    while len(kept) > 1 and count([prefix + " ".join(units[i].text for i in kept)])[0] > limit:
        kept.remove(max(kept, key=lambda i: order.index(i)))  # token counts don't quite add up: drop the least salient
    chosen = [units[i] for i in kept]
    text = " ".join(u.text for u in chosen)
    final = (yield [text])[0]
    note = (
        f"input of {input_tokens} tokens exceeds the model limit of {limit}: summarized the {len(chosen)} most "
        f"salient of its {len(sentences)} sentences that fit ({count([prefix + text])[0]} tokens)"
    )
    return Outcome(final, warnings=[note], source_ids=[u.id for u in chosen])
