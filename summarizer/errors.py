"""The one exception hierarchy of summarizer: every error a user can cause or fix.

Each error carries an exit code for the CLI and a message that says what to do next.
"""

from __future__ import annotations

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_PARTIAL = 1  # some articles failed, the rest finished
EXIT_USAGE = 2  # bad arguments, config, input path
EXIT_MODEL_UNAVAILABLE = 3  # a model is not available locally and the Hub can't be reached
EXIT_CACHE = 4  # the cache database is unusable
EXIT_INTERRUPTED = 130


class SummarizerError(Exception):
    """Base class. `str(err)` is a one-line message meant for people."""

    exit_code = EXIT_USAGE


class InputError(SummarizerError):
    """An input file or path can't be read: missing, empty, binary, undecodable."""


class ConfigError(SummarizerError):
    """A job config or option is malformed: unknown key, wrong type, unknown language."""


class UnknownLanguageError(ConfigError):
    """A target language that the registry does not know and no model was given for."""


class OutputError(SummarizerError):
    """An output file or folder can't be written."""


class ModelError(SummarizerError):
    """A model folder is corrupt or incomplete, or a model failed to run."""

    exit_code = EXIT_PARTIAL


class ModelUnavailableError(ModelError):
    """A model is neither local nor cached, and the Hub can't be reached."""

    exit_code = EXIT_MODEL_UNAVAILABLE


class CacheError(SummarizerError):
    """The cache database can't be opened or is corrupt."""

    exit_code = EXIT_CACHE


class BackendUnavailableError(SummarizerError):
    """An optional backend (for example ctranslate2) is not installed."""
