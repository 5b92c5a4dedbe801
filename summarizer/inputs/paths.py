"""Expanding input paths: files, folders, globs, URLs and stdin ("-"), each once, never looping on symlinks,
never entering the folders a job writes to, and passing over the files a job says not to read.

A path that exists is taken literally, even with `[` or `*` in its name; only a missing one is a pattern.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence

from ..errors import InputError
from ..languages import plural
from .web import is_url

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
# What a folder is searched for: text, web pages saved as files, and JSON lines (one article per line).
INPUT_SUFFIXES = (*TEXT_SUFFIXES, ".html", ".htm", ".jsonl", ".ndjson")
STDIN = "-"
_GLOB_MAGIC = re.compile(r"[*?[]")


Skip = Callable[[str], bool]


def expand_paths(
    paths: Sequence[str],
    *,
    skip_folders: Sequence[str | os.PathLike[str]] = (),
    skip_file: Skip | None = None,
) -> list[str]:
    """Files named by `paths` (files, folders, globs, http(s) URLs, or "-"), in order, each file once.

    A path that exists is taken literally, even with `*?[` in its name; only a missing one is a glob.
    A file reached twice (two spellings, a symlink) keeps its first spelling. A path or glob that
    matches nothing is a usage error: it is caught before any work starts.

    Nothing in or below `skip_folders` (a job's output folder, however spelt) is listed when a folder or a
    pattern is expanded; `skip_file` says which other files not to list (those the job's tool wrote): a
    folder or pattern passes over them, a file named outright is left out with a warning.
    """
    avoid = {identity for folder in skip_folders if (identity := _folder_identity(folder)) is not None}
    out: list[str] = []
    seen: set[object] = set()
    for raw in paths:
        for item in _expand_one(raw, avoid, skip_file):
            key = _file_identity(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def _expand_one(raw: str, avoid: set[tuple[int, int]], skip: Skip | None) -> list[str]:
    if raw == STDIN or is_url(raw):
        return [raw]
    if os.path.isdir(raw):
        found = sorted(
            path
            for folder, _, names in _walk(raw, avoid)
            for name in names
            if name.lower().endswith(INPUT_SUFFIXES)
            and not name.startswith(".")
            and os.path.isfile(path := os.path.join(folder, name))
        )
        return _keep(raw, found, skip, f"folder has no {'/'.join(INPUT_SUFFIXES)} files")
    if os.path.exists(raw):
        if skip is not None and skip(raw):
            log.warning("skipping %s: summarizer wrote it (a digest or a summary, not an article)", raw)
            return []
        return [raw]
    if _GLOB_MAGIC.search(raw):
        matches = sorted(_glob(raw))
        found = [path for path in matches if not (avoid and _inside(path, avoid))]
        if matches and not found:
            raise InputError(f"{raw}: every file it matches is in the output folder, which is never read as input")
        return _keep(raw, found, skip, "no file matches this pattern")
    raise InputError(f"{raw}: no such file or folder")


def _keep(raw: str, found: list[str], skip: Skip | None, nothing: str) -> list[str]:
    """`found` without the files `skip` names; none left is a usage error that says what was skipped."""
    kept = [path for path in found if skip is None or not skip(path)]
    skipped = len(found) - len(kept)
    if skipped:
        were = "was" if skipped == 1 else "were"
        note = f"{plural(skipped, 'file')} summarizer wrote {were} skipped"
        if not kept:
            raise InputError(f"{raw}: {nothing} ({note}: digests and summaries are not read as articles)")
        log.info("%s: %s", raw, note)
    elif not kept:
        raise InputError(f"{raw}: {nothing}")
    return kept


def _folder_identity(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None  # not there yet: nothing in it to skip
    return (info.st_dev, info.st_ino) if os.path.isdir(path) else None


def _inside(path: str, avoid: set[tuple[int, int]]) -> bool:
    """Is `path` in or below one of the folders `avoid` (by device and inode, so any spelling)?"""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if _folder_identity(folder) in avoid:
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def _file_identity(path: str) -> object:
    """What makes two spellings the same file: device and inode (hard links and symlinks included)."""
    if path == STDIN or is_url(path):
        return path
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return path
    return (info.st_dev, info.st_ino)


def _walk(top: str, avoid: set[tuple[int, int]] | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk that follows symlinked folders but enters each real folder once, so loops end.

    Hidden folders are skipped, as glob's `**` does, and so are the folders `avoid` names below `top`.
    """
    entered: set[tuple[int, int]] = set(avoid or ()) - {_folder_identity(top)}
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
