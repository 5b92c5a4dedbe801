"""`python -m summarizer` runs the CLI."""

from .cli.app import main

main()
