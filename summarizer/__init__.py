"""summarizer: summarize news articles and translate them sentence by sentence into bilingual digests.

Importing this package is cheap: torch and transformers load only when a model runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it; resolved on first access so `import summarizer` stays light.
_EXPORTS = {
    "summarize": "api",
    "translate": "api",
    "Pipeline": "pipeline",
    "Failure": "pipeline",
    "JobSettings": "config",
    "SummarySettings": "config",
    "TargetSettings": "config",
    "load_job": "config",
    "resolve_job": "config",
    "Summarizer": "summarization",
    "Translator": "translation",
    "GenerationParams": "models",
    "Runtime": "models",
    "resolve_model": "models",
    "Cache": "cache",
    "build_stand_in": "standin",
    "LANGUAGES": "languages",
    "Article": "results",
    "Digest": "results",
    "LanguageDigest": "results",
    "ModelInfo": "results",
    "Sentence": "results",
    "Summary": "results",
    "Translation": "results",
    "TranslationSet": "results",
    "read_article": "reading",
    "SummarizerError": "errors",
    "InputError": "errors",
    "ConfigError": "errors",
    "UnknownLanguageError": "errors",
    "ModelError": "errors",
    "ModelUnavailableError": "errors",
    "CacheError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from .api import summarize, translate
    from .cache import Cache
    from .config import JobSettings, SummarySettings, TargetSettings, load_job, resolve_job
    from .errors import CacheError, ConfigError, InputError, ModelError, ModelUnavailableError, SummarizerError, UnknownLanguageError
    from .languages import LANGUAGES
    from .models import GenerationParams, Runtime, resolve_model
    from .pipeline import Failure, Pipeline
    from .reading import read_article
    from .results import Article, Digest, LanguageDigest, ModelInfo, Sentence, Summary, Translation, TranslationSet
    from .standin import build_stand_in
    from .summarization import Summarizer
    from .translation import Translator
