"""Writing digests and the job index to disk: safe unique file names, each article's files written as one set.

File names, for an input whose stem is `<stem>` (see `output_names`):
    <stem>.html          all target languages          <stem>.<lang>.html   one target language
    <stem>.md            all target languages          <stem>.json          the full digest
    index.html, index.json                             the job's index (`write_index`)
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from ..errors import ConfigError, OutputError
from ..inputs.reading import Input
from ..options import DIGEST_FORMATS, check_formats
from ..results import Digest, DigestLink, IndexEntry
from .render import render_digest, render_index, render_index_json
from .render.common import quality

log = logging.getLogger(__name__)

STDIN_STEM = "stdin"
# Stems a file must not take: the index's own name, stdin's, and names Windows reserves.
_RESERVED = frozenset(
    {"index", STDIN_STEM, "con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}
)
_SAFE_STEM = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?")
_MAX_SLUG = 60
_ELSEWHERE = "choose another folder with --out"
_ADVICE = {
    errno.ENOSPC: f"free some disk space or {_ELSEWHERE}",
    errno.EROFS: f"the file system is read-only; {_ELSEWHERE}",
    errno.EACCES: f"check the folder's permissions or {_ELSEWHERE}",
    errno.EPERM: f"check the folder's permissions or {_ELSEWHERE}",
}


def _output_error(path: Path, exc: OSError) -> OutputError:
    """One line for people: which file, why (the system's words), and what to do."""
    return OutputError(f"can't write {path}: {exc.strerror or exc}; {_ADVICE.get(exc.errno, _ELSEWHERE)}")


def _make_folder(folder: Path) -> None:
    """Create `folder` and its parents; a file in the way is named as such rather than as a system error."""
    for existing in (folder, *folder.parents):
        if existing.exists():
            if existing.is_dir():
                break
            if existing == folder:
                raise OutputError(f"--out {folder} is a file; give a folder")
            raise OutputError(f"--out {folder}: {existing} is a file, not a folder; give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(folder, exc) from None


def ensure_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create the output folder (parents too) and prove it is writable, so a job fails before any model runs."""
    folder = Path(path)
    _make_folder(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _output_error(folder, exc) from None
    return folder


def _write_set(folder: str | os.PathLike[str], files: Sequence[tuple[str, str]], encoding: str = "utf-8") -> list[Path]:
    """Write `(name, text)` pairs into `folder` (created if needed) as one set; return their paths.

    Every file is written and fsynced in a staging folder inside `folder` first; only then is each
    `os.replace`d into place. A failure before the renames (a full disk) leaves the files already there
    as they were and no stray files; the renames themselves, within one folder, need no space. New files
    get mode 0644; an existing file keeps its mode. Any OSError becomes an OutputError naming the file.
    """
    folder = Path(folder)
    data = [(name, text.encode(encoding)) for name, text in files]
    paths = [folder / name for name, _ in data]
    _make_folder(folder)
    current = folder  # what an error names: the file being written, not the staging copy
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        for path, (name, blob) in zip(paths, data, strict=True):
            current = path
            _write_synced(staging / name, blob, _mode(path))
        for path, (name, _) in zip(paths, data, strict=True):
            current = path
            os.replace(staging / name, path)
        current = folder
        _fsync_dir(folder)
    except OSError as exc:
        raise _output_error(current, exc) from None
    finally:
        if staging is not None:
            _remove(staging)
    return paths


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write one file so that readers see the old file or the new one, never a part (see `_write_set`)."""
    path = Path(path)
    return _write_set(path.parent, [(path.name, text)], encoding)[0]


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o644


def _write_synced(path: Path, blob: bytes, mode: int) -> None:
    with open(path, "xb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, mode)


def _remove(staging: Path) -> None:
    try:
        shutil.rmtree(staging)
    except OSError as exc:  # the outputs themselves are fine; say what is left behind
        log.warning("could not remove the staging folder %s: %s", staging, exc.strerror or exc)


def _fsync_dir(folder: Path) -> None:
    """Make the renames themselves durable where the platform allows it (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on folders; the data itself is already synced
        pass
    finally:
        os.close(fd)


def _slug(name: str) -> str:
    """Lowercase ASCII letters, digits, `-` and `_`: other scripts transliterated (anyascii: `Баку` ->
    `baku`), anything else becomes `-`."""
    from anyascii import anyascii

    ascii_name = anyascii(unicodedata.normalize("NFC", name)).lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name).strip("-_")
    return slug[:_MAX_SLUG].rstrip("-_")


def _hash(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def output_names(sources: Sequence[str | Input]) -> dict[str, str]:
    """Map each input (a path as given, or an `Input`, keyed by its `source`) to a file stem that is
    safe, unique within `sources`, and stable.

    The stem is the slug of the file's name without its extension (`Baku News.txt` -> `baku-news`; a
    JSON-lines record's id; a URL's last path segment), non-Latin letters transliterated
    (`Саммит.txt` -> `sammit`): no dots, slashes or leading punctuation, so `<stem>.<lang>.html` can
    neither leave the output folder nor collide with another input's per-language file. When several
    inputs share a slug (`a/x.txt` and `b/x.txt`, or `X.txt` and `x.md`), every one of them gets
    `-<hash>`, the first 8 hex digits of SHA-256 of its absolute path (and line), so the result does
    not depend on input order. Empty or reserved slugs (`index`, `stdin`, Windows device names) always
    get the hash. `-` (stdin) is `stdin`. The same inputs always give the same stems.
    """
    items = [s if isinstance(s, Input) else Input(s, s, "stdin" if s == "-" else Path(s).stem) for s in sources]
    names: dict[str, str] = {}
    identity: dict[str, str] = {}
    by_slug: dict[str, list[str]] = defaultdict(list)
    for item in {item.source: item for item in items}.values():
        identity[item.source] = os.path.normcase(os.path.expanduser(item.identity))
        if item.source == "-":
            names[item.source] = STDIN_STEM
        else:
            by_slug[_slug(item.name)].append(item.source)
    for slug, group in by_slug.items():
        for source in group:
            unique = len(group) == 1 and slug and slug not in _RESERVED
            names[source] = slug if unique else f"{slug or 'article'}-{_hash(identity[source])}"
    # The same file given twice by different spellings (`a.txt`, `./a.txt`) hashes alike: number them.
    seen: dict[str, int] = {}
    for source in sorted(names):
        stem = names[source]
        if stem in seen:
            seen[stem] += 1
            names[source] = f"{stem}-{seen[stem]}"
        else:
            seen[stem] = 1
    return {item.source: names[item.source] for item in items}


def index_entry(digest: Digest, paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]) -> IndexEntry:
    """The entry for the files `write_digest` wrote; links are relative to `out_dir`, where the index goes."""
    by_suffix = {_lang_suffix(lang.target): lang.target for lang in digest.languages}
    links = []
    for path in map(Path, paths):
        # Stems hold no dots, so a name is `<stem>.<ext>` or `<stem>.<lang>.<ext>`.
        parts = path.name.split(".")
        href = quote(Path(os.path.relpath(path, out_dir)).as_posix())
        links.append(DigestLink(parts[-1], href, by_suffix.get(parts[1]) if len(parts) == 3 else None))
    warnings = len(digest.article.warnings) + len(digest.warnings)
    warnings += len(digest.summary.warnings) if digest.summary else 0
    warnings += sum(len(ts.warnings) for lang in digest.languages for ts in (lang.summary, lang.full) if ts is not None)
    return IndexEntry(
        title=digest.article.title,
        source=digest.article.source,
        links=tuple(links),
        targets=tuple(lang.target for lang in digest.languages),
        stand_in=digest.stand_in,
        warnings=warnings,
        flags=quality(digest, [lang.target for lang in digest.languages]).flagged,
    )


def _lang_suffix(target: str) -> str:
    suffix = re.sub(r"[^A-Za-z0-9-]+", "-", target).strip("-")
    if not suffix:
        raise ConfigError(f"target language {target!r} can't be used in a file name")
    return suffix


def write_digest(
    digest: Digest, out_dir: str | os.PathLike[str], stem: str, formats: Iterable[str] = DIGEST_FORMATS
) -> list[Path]:
    """Write one article's digest files into `out_dir` (created if needed) as one set; return their paths.

    html: `<stem>.html` (all languages) and `<stem>.<lang>.html` per target; md: `<stem>.md`;
    json: `<stem>.json`; jsonl: `<stem>.jsonl` (one line); txt: `<stem>.<lang>.txt` per target. Bad formats or names raise before anything is written, and every file is
    rendered before any is written, so a failure leaves the previous set of files whole (see `_write_set`).
    """
    formats = check_formats(formats, where="formats")
    if not _SAFE_STEM.fullmatch(stem):
        raise ValueError(f"unsafe output stem {stem!r}: use output_names() to make one")
    files: list[tuple[str, str, str | None]] = []  # (name, format, target or None for all)
    if "html" in formats:
        files.append((f"{stem}.html", "html", None))
        files += [(f"{stem}.{_lang_suffix(lang.target)}.html", "html", lang.target) for lang in digest.languages]
    if "md" in formats:
        files.append((f"{stem}.md", "md", None))
    if "json" in formats:
        files.append((f"{stem}.json", "json", None))
    if "jsonl" in formats:
        files.append((f"{stem}.jsonl", "jsonl", None))
    if "txt" in formats:  # the translations alone: one file per language
        files += [(f"{stem}.{_lang_suffix(lang.target)}.txt", "txt", lang.target) for lang in digest.languages]
    names = [name for name, _, _ in files]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"two target languages of {digest.article.source!r} map to the same file name: {', '.join(names)}"
        )
    return _write_set(out_dir, [(name, render_digest(digest, fmt, target)) for name, fmt, target in files])


def write_index(entries: Iterable[IndexEntry], out_dir: str | os.PathLike[str], title: str = "Digests") -> Path:
    """Write `index.json` and `index.html` as one set (see `_write_set`); return the HTML path."""
    entries = list(entries)
    files = [("index.json", render_index_json(entries, title)), ("index.html", render_index(entries, title))]
    return _write_set(out_dir, files)[1]
