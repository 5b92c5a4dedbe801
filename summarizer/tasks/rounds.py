"""Many articles' summaries advanced round by round together, so one generate() call takes every article's
model inputs of a round (whole texts, chunks, chunk summaries) instead of one article per call.

Each article is a generator of rounds (see `long_inputs`); `in_rounds` drives them all and batches their
inputs per language. If a batched call fails it is retried article by article, so that only the article
whose input fails gets the error; a fatal error (a broken model, a full disk) stops everything.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

from ..errors import SummarizerError
from ..models.backends import Generated

Generate = Callable[[list[str], str], list[Generated]]  # (texts, language) -> one output per text
OnRound = Callable[[int, int], None]  # a round starts: (its number from 1, model inputs in it)


def in_rounds(
    steps: Sequence[Generator[list[str], list[Generated], Any]],
    langs: Sequence[str],
    generate: Generate,
    on_round: OnRound | None = None,
) -> list[Any]:
    """What each generator returns, or the SummarizerError it raised, in input order. `langs[i]` is the
    language of article i: a round's inputs are generated together per language. `on_round` hears each
    round as it starts (for progress: a long article's summary is several rounds)."""
    results: list[Any] = [None] * len(steps)
    waiting: dict[int, list[str]] = {}

    def advance(i: int, outputs: list[Generated] | None) -> None:
        try:
            waiting[i] = next(steps[i]) if outputs is None else steps[i].send(outputs)
        except StopIteration as done:
            results[i] = done.value
        except SummarizerError as exc:
            if exc.fatal:
                raise
            results[i] = exc

    for i in range(len(steps)):
        advance(i, None)
    number = 0
    while waiting:
        current, waiting = waiting, {}
        number += 1
        if on_round:
            on_round(number, sum(len(inputs) for inputs in current.values()))
        by_lang: dict[str, list[int]] = {}
        for i in current:
            by_lang.setdefault(langs[i], []).append(i)
        for lang, indices in by_lang.items():
            for i, outputs in _one_round(indices, current, lang, generate).items():
                if isinstance(outputs, SummarizerError):
                    results[i] = outputs
                else:
                    advance(i, outputs)
    return results


def _one_round(
    indices: list[int], inputs: Mapping[int, list[str]], lang: str, generate: Generate
) -> dict[int, list[Generated] | SummarizerError]:
    """Every listed article's inputs of this round in one call; if that call fails, article by
    article, so that only the article whose input fails gets the error."""
    texts = [t for i in indices for t in inputs[i]]
    try:
        generated = generate(texts, lang)
    except SummarizerError as exc:
        if exc.fatal:
            raise
        out: dict[int, list[Generated] | SummarizerError] = {}
        for i in indices:
            try:
                out[i] = generate(inputs[i], lang) if len(indices) > 1 else exc
            except SummarizerError as one:
                if one.fatal:
                    raise
                out[i] = one
        return out
    out, start = {}, 0
    for i in indices:
        out[i] = generated[start : start + len(inputs[i])]
        start += len(inputs[i])
    return out
