"""The package's version, in a module of its own at the bottom layer, so any module may name it without
importing the package root (whose lazy re-exports sit above every layer)."""

__version__ = "0.1.0"
