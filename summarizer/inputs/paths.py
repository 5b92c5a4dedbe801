"""Expanding input paths: files, folders, globs, URLs and stdin ("-"), each once, never looping on symlinks.

A path that exists is taken literally, even with `[` or `*` in its name; only a missing one is a pattern.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
from collections.abc import Iterator, Sequence

from ..errors import InputError
from .web import is_url

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
# What a folder is searched for: text, web pages saved as files, and JSON lines (one article per line).
INPUT_SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".jsonl", ".ndjson")
STDIN = "-"
_GLOB_MAGIC = re.compile(r"[*?[]")


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files named by `paths` (files, folders, globs, http(s) URLs, or "-"), in order, each file once.

    A path that exists is taken literally, even with `*?[` in its name; only a missing one is a glob.
    A file reached twice (two spellings, a symlink) keeps its first spelling. A path or glob that
    matches nothing is a usage error: it is caught before any work starts.
    """
    out: list[str] = []
    seen: set[object] = set()
    for raw in paths:
        for item in _expand_one(raw):
            key = _file_identity(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def _expand_one(raw: str) -> list[str]:
    if raw == STDIN or is_url(raw):
        return [raw]
    if os.path.isdir(raw):
        found = sorted(
            path
            for folder, _, names in _walk(raw)
            for name in names
            if name.lower().endswith(INPUT_SUFFIXES)
            and not name.startswith(".")
            and os.path.isfile(path := os.path.join(folder, name))
        )
        if not found:
            raise InputError(f"{raw}: folder has no {'/'.join(INPUT_SUFFIXES)} files")
        return found
    if os.path.exists(raw):
        return [raw]
    if _GLOB_MAGIC.search(raw):
        found = sorted(_glob(raw))
        if not found:
            raise InputError(f"{raw}: no file matches this pattern")
        return found
    raise InputError(f"{raw}: no such file or folder")


def _file_identity(path: str) -> object:
    """What makes two spellings the same file: device and inode (hard links and symlinks included)."""
    if path == STDIN or is_url(path):
        return path
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return path
    return (info.st_dev, info.st_ino)


def _walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk that follows symlinked folders but enters each real folder once, so loops end.

    Hidden folders are skipped, as glob's `**` does.
    """
    entered: set[tuple[int, int]] = set()
    for folder, subfolders, names in os.walk(top, followlinks=True, onerror=_log_walk_error):
        try:
            info = os.stat(folder)
        except OSError as exc:
            _log_walk_error(exc)
            subfolders[:] = []
            continue
        if (info.st_dev, info.st_ino) in entered:
            subfolders[:] = []
            continue
        entered.add((info.st_dev, info.st_ino))
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        yield folder, subfolders, names


def _log_walk_error(exc: OSError) -> None:
    log.warning("skipping %s: %s", exc.filename, exc.strerror or exc)


def _glob(pattern: str) -> list[str]:
    """Files matching `pattern`, as glob.glob(recursive=True) finds them, but safe from symlink loops.

    glob.glob follows symlinked folders without end: one loop yields a file 41 times, two never finish.
    """
    parts = pattern.split(os.sep)
    first = next(i for i, part in enumerate(parts) if _GLOB_MAGIC.search(part))
    prefix = os.sep.join(parts[:first]) or (os.sep if first else "")
    if parts[-1] == "**":  # a trailing ** matches the files below too
        parts.append("*")
    current = [prefix]
    for part in parts[first:]:
        if part == "**":
            current = [folder for start in current for folder in _folders_below(start)]
        elif _GLOB_MAGIC.search(part):
            current = [os.path.join(folder, name) for folder in current for name in _matching(folder, part)]
        elif part:
            current = [os.path.join(folder, part) for folder in current]
    return [path for path in current if os.path.isfile(path)]


def _folders_below(start: str) -> list[str]:
    """`start` and every folder below it; "" is the current folder, and its subfolders are spelt as glob does."""
    if start:
        return [folder for folder, _, _ in _walk(start)]
    return ["" if folder == os.curdir else os.path.relpath(folder) for folder, _, _ in _walk(os.curdir)]


def _matching(folder: str, part: str) -> list[str]:
    try:
        names = os.listdir(folder or os.curdir)
    except OSError:
        return []  # a non-folder or unreadable folder matches nothing, as in glob.glob
    # Like glob.glob, "*" skips hidden names; a pattern that starts with "." asks for them.
    hidden = part.startswith(".")
    return [name for name in names if fnmatch.fnmatch(name, part) and (hidden or not name.startswith("."))]
