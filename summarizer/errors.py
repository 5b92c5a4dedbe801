"""The one exception hierarchy of summarizer: every error a user can cause or fix.

Each error carries an exit code for the CLI and a message that says what to do next. A `fatal` error
stops the whole job (every article would fail the same way); any other one fails only its article.
"""

from __future__ import annotations

# Exit codes, documented in docs/cli.md.
EXIT_OK = 0
EXIT_PARTIAL = 1  # some articles failed, the rest finished
EXIT_USAGE = 2  # bad arguments, config, input path, or a broken model folder
EXIT_MODEL_UNAVAILABLE = 3  # a model is not available locally and the Hub can't be reached
EXIT_CACHE = 4  # the cache database is unusable
EXIT_OUTPUT = 5  # an output can't be written (disk full, read-only folder, --out is a file)
EXIT_LISTEN = 6  # `serve` can't listen: the port is in use, or --host can't be resolved or bound
EXIT_INTERRUPTED = 130


class SummarizerError(Exception):
    """Base class. `str(err)` is a one-line message meant for people."""

    exit_code = EXIT_USAGE
    fatal = True


class InputError(SummarizerError):
    """An input file or path can't be read: missing, empty, binary, undecodable."""

    fatal = False


class ConfigError(SummarizerError):
    """A job config or option is malformed: unknown key, wrong type, unknown language.

    `key` names the setting a value check failed on, so the caller can say where it came from.
    """

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class UnknownLanguageError(ConfigError):
    """A target language that the registry does not know and no model was given for."""


class OutputError(SummarizerError):
    """An output file or folder can't be written."""

    exit_code = EXIT_OUTPUT


class ModelError(SummarizerError):
    """A model folder is corrupt or incomplete, or can't be loaded with the chosen options."""


class RefusedModelError(ModelError):
    """A model folder loads only by running its own code (custom model or tokenizer code, or a pickle
    checkpoint that calls functions), which summarizer never does."""


class GenerationError(ModelError):
    """A model could not produce an output for one input; the job goes on with the others."""

    exit_code = EXIT_PARTIAL
    fatal = False


class ModelUnavailableError(ModelError):
    """A model is neither local nor cached, and the Hub can't be reached.

    `model` and `why` (when set) let a job that lacks several models name them all in one message."""

    def __init__(self, message: str, *, model: str | None = None, why: str | None = None):
        super().__init__(message)
        self.model, self.why = model, why

    exit_code = EXIT_MODEL_UNAVAILABLE


class CacheError(SummarizerError):
    """The cache database can't be opened or is corrupt."""

    exit_code = EXIT_CACHE


class BackendUnavailableError(SummarizerError):
    """An optional backend (for example ctranslate2) is not installed."""


class EngineError(SummarizerError):
    """The engine that runs model work (a Ray cluster) can't be reached or failed."""

    exit_code = EXIT_MODEL_UNAVAILABLE


class ListenError(SummarizerError):
    """`summarizer serve` can't listen where it was told: the port is taken, or the host is not an address
    of this machine (or can't be resolved)."""

    exit_code = EXIT_LISTEN
