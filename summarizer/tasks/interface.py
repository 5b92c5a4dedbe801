"""The summarizer interface: `summarize_each` by each summarizer, `summarize_many` and `summarize` built on it."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SummarizerError
from ..results import Article, ModelInfo, Summary
from .generation import OnProgress

Results = list[Summary | SummarizerError]


class BaseSummarizer:
    """The interface: `summarize_each` (and `model_info`) by each summarizer, the rest built on it."""

    @property
    def model_info(self) -> ModelInfo:
        raise NotImplementedError

    def summarize_each(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> Results:
        """One Summary per input, same order, or the error that input gave (a bad one doesn't stop the rest)."""
        raise NotImplementedError

    def summarize_many(self, items: Sequence[Article | str], *, progress: OnProgress | None = None) -> list[Summary]:
        """One Summary per input, same order; the first input that fails raises its error."""
        results = self.summarize_each(items, progress=progress)
        for result in results:
            if isinstance(result, SummarizerError):
                raise result
        return results  # type: ignore[return-value]

    def summarize(self, item: Article | str) -> Summary:
        return self.summarize_many([item])[0]
