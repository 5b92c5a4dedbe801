"""The `summarizer` command: a thin Typer layer over the Python API, assembled from one module per command
group (`run`: summarize, translate, digest; `measure`: evaluate, check; `models`; `cache`; `memory`).

Each command declares its own arguments and the shared flag groups of `config.flags`, which reach it as
one `RunOptions` value; it resolves the job, calls one library function, and reports (see `base`).
"""

from __future__ import annotations

# Importing each module registers its commands, in the order `summarizer --help` lists them.
# isort: off
from .base import app
from .run import digest, summarize, translate
from .measure import check, evaluate
from .models import models_app
from .cache import cache_app
from .memory import memory_app
from .serve import serve

# isort: on

app.add_typer(models_app, name="models")
app.add_typer(cache_app, name="cache")
app.add_typer(memory_app, name="memory")


def main() -> None:
    app(prog_name="summarizer")


__all__ = [
    "app",
    "cache_app",
    "check",
    "digest",
    "evaluate",
    "main",
    "memory_app",
    "models_app",
    "serve",
    "summarize",
    "translate",
]
