"""The command line: the Typer app, one module per command group, and progress on the terminal."""

from .app import app, main

__all__ = ["app", "main"]
