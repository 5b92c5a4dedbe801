"""summarizer: summarize news articles and translate them sentence by sentence into bilingual digests.

Importing this package is cheap: torch and transformers load only when a model runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

# name -> module that defines it; resolved on first access so `import summarizer` stays light.
_EXPORTS = {
    "summarize": "api",
    "evaluate": "measure.evaluation",
    "check_files": "measure.evaluation",
    "QualityOptions": "options",
    "QualityFlag": "results",
    "Fact": "quality.facts",
    "facts": "quality.facts",
    "check_translation": "quality.checks",
    "check_terms": "quality.glossary",
    "read_glossary": "quality.glossary",
    "Glossary": "options",
    "fact_table": "quality.fact_table",
    "FactRow": "results",
    "FactCell": "results",
    "translate": "api",
    "Pipeline": "pipeline",
    "Failure": "pipeline",
    "JobSettings": "options",
    "SummaryOptions": "options",
    "TargetOptions": "options",
    "RuntimeOptions": "options",
    "RayOptions": "options",
    "CacheOptions": "options",
    "OutputOptions": "options",
    "GenerationParams": "options",
    "WorkerOptions": "options",
    "RunOptions": "config.flags",
    "resolve_job": "config.merge",
    "run_job": "jobs",
    "JobReport": "jobs",
    "Summarizer": "tasks.summarizing",
    "Translator": "tasks.translating",
    "resolve_model": "models.hub",
    "Cache": "cache",
    "build_stand_in": "models.standin.build",
    "LANGUAGES": "languages",
    "Article": "results",
    "Digest": "results",
    "LanguageDigest": "results",
    "ModelInfo": "results",
    "Sentence": "results",
    "Summary": "results",
    "Translation": "results",
    "TranslationSet": "results",
    "read_article": "inputs.reading",
    "render_html": "output.render",
    "render_markdown": "output.render",
    "render_json": "output.render",
    "digest_from_json": "output.render",
    "SummarizerError": "errors",
    "InputError": "errors",
    "ConfigError": "errors",
    "UnknownLanguageError": "errors",
    "ModelError": "errors",
    "ModelUnavailableError": "errors",
    "GenerationError": "errors",
    "CacheError": "errors",
    "OutputError": "errors",
}
# Older public names, kept working: name -> the name it stands for.
_ALIASES = {"load_job": "resolve_job"}
__all__ = sorted([*_EXPORTS, *_ALIASES])


def __getattr__(name: str) -> Any:
    if name in _ALIASES:
        value = globals()[name] = __getattr__(_ALIASES[name])
        return value
    if name in _EXPORTS:
        # The public API shows a Digest as its page in Jupyter: the HTML renderer registers itself with
        # `results` when imported (results, the bottom layer, can't import it).
        importlib.import_module(".output.render.html", __name__)
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from .api import summarize, translate
    from .cache import Cache
    from .config.flags import RunOptions
    from .config.merge import resolve_job
    from .config.merge import resolve_job as load_job
    from .errors import (
        CacheError,
        ConfigError,
        GenerationError,
        InputError,
        ModelError,
        ModelUnavailableError,
        OutputError,
        SummarizerError,
        UnknownLanguageError,
    )
    from .inputs.reading import read_article
    from .jobs import JobReport, run_job
    from .languages import LANGUAGES
    from .measure.evaluation import check_files, evaluate
    from .models.hub import resolve_model
    from .models.standin.build import build_stand_in
    from .options import (
        CacheOptions,
        GenerationParams,
        Glossary,
        JobSettings,
        OutputOptions,
        QualityOptions,
        RayOptions,
        RuntimeOptions,
        SummaryOptions,
        TargetOptions,
        WorkerOptions,
    )
    from .output.render import digest_from_json, render_html, render_json, render_markdown
    from .pipeline import Failure, Pipeline
    from .quality.checks import check_translation
    from .quality.fact_table import fact_table
    from .quality.facts import Fact, facts
    from .quality.glossary import check_terms, read_glossary
    from .results import (
        Article,
        Digest,
        FactCell,
        FactRow,
        LanguageDigest,
        ModelInfo,
        QualityFlag,
        Sentence,
        Summary,
        Translation,
        TranslationSet,
    )
    from .tasks.summarizing import Summarizer
    from .tasks.translating import Translator
