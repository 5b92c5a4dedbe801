"""Writing digests and the job index to disk: safe unique file names and atomic writes.

File names, for an input whose stem is `<stem>` (see `output_names`):
    <stem>.html          all target languages          <stem>.<lang>.html   one target language
    <stem>.md            all target languages          <stem>.json          the full digest
    index.html, index.json                             the job's index (`write_index`)
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from .errors import ConfigError, OutputError
from .render import render_html, render_index, render_index_json, render_json, render_markdown
from .results import Digest

FORMATS = ("html", "md", "json")
STDIN_STEM = "stdin"
# Stems a file must not take: the index's own name, stdin's, and names Windows reserves.
_RESERVED = frozenset({"index", STDIN_STEM, "con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)})
_SAFE_STEM = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?")
_MAX_SLUG = 60


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write `text` so that readers see the old file or the new one, never a part.

    Writes a temporary file in the same folder, fsyncs it, then `os.replace`s it over `path`.
    New files get mode 0644; an existing file keeps its mode. Missing folders are created.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: can't write here ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode(encoding))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
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
    """Lowercase ASCII letters, digits, `-` and `_`; accents dropped, anything else becomes `-`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name).strip("-_")
    return slug[:_MAX_SLUG].rstrip("-_")


def _path_hash(source: str) -> str:
    normalized = os.path.normcase(os.path.abspath(os.path.expanduser(source)))
    return hashlib.sha256(normalized.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def output_names(sources: Sequence[str]) -> dict[str, str]:
    """Map each input path (as given) to a file stem that is safe, unique within `sources`, and stable.

    The stem is the slug of the file's name without its extension (`Baku News.txt` -> `baku-news`):
    no dots, slashes or leading punctuation, so `<stem>.<lang>.html` can neither leave the output
    folder nor collide with another input's per-language file. When several inputs share a slug
    (`a/x.txt` and `b/x.txt`, or `X.txt` and `x.md`), every one of them gets `-<hash>`, the first
    8 hex digits of SHA-256 of its absolute path, so the result does not depend on input order.
    Empty or reserved slugs (`index`, `stdin`, Windows device names) always get the hash. `-` (stdin)
    is `stdin`. The same inputs always give the same stems.
    """
    names: dict[str, str] = {}
    by_slug: dict[str, list[str]] = defaultdict(list)
    for source in dict.fromkeys(sources):
        if source == "-":
            names[source] = STDIN_STEM
        else:
            by_slug[_slug(Path(source).stem)].append(source)
    for slug, group in by_slug.items():
        for source in group:
            unique = len(group) == 1 and slug and slug not in _RESERVED
            names[source] = slug if unique else f"{slug or 'article'}-{_path_hash(source)}"
    # The same file given twice by different spellings (`a.txt`, `./a.txt`) hashes alike: number them.
    seen: dict[str, int] = {}
    for source in sorted(names):
        stem = names[source]
        if stem in seen:
            seen[stem] += 1
            names[source] = f"{stem}-{seen[stem]}"
        else:
            seen[stem] = 1
    return {source: names[source] for source in sources}


@dataclass(frozen=True)
class DigestLink:
    """One output file of a digest, as a link relative to the index page."""

    format: str  # "html" | "md" | "json"
    href: str
    target: str | None = None  # one language; None for the file with all languages

    def __post_init__(self) -> None:
        parts = urlsplit(self.href)
        if parts.scheme or parts.netloc or self.href.startswith("/"):
            raise ValueError(f"index links must be relative paths, got {self.href!r}")


@dataclass(frozen=True)
class IndexEntry:
    """One input of a job, as the index lists it: its digest files, or why it failed."""

    title: str
    source: str
    status: str = "ok"  # "ok" | "failed"
    error: str | None = None
    links: tuple[DigestLink, ...] = ()
    targets: tuple[str, ...] = ()
    stand_in: bool = False
    warnings: int = 0

    def __post_init__(self) -> None:
        if self.status not in ("ok", "failed"):
            raise ValueError(f"status must be 'ok' or 'failed', got {self.status!r}")
        # Accept any iterable (and an exception as error) but keep the entry plain, hashable data.
        object.__setattr__(self, "links", tuple(self.links))
        object.__setattr__(self, "targets", tuple(self.targets))
        if self.error is not None:
            object.__setattr__(self, "error", str(self.error))

    @classmethod
    def failed(cls, source: str, error: str | BaseException, title: str | None = None) -> IndexEntry:
        return cls(title=title or source, source=source, status="failed", error=error)

    @classmethod
    def for_digest(cls, digest: Digest, paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]) -> IndexEntry:
        """The entry for the files `write_digest` wrote; links are relative to `out_dir`, where the index goes."""
        by_suffix = {_lang_suffix(lang.target): lang.target for lang in digest.languages}
        links = []
        for path in map(Path, paths):
            # Stems hold no dots, so a name is `<stem>.<ext>` or `<stem>.<lang>.<ext>`.
            parts = path.name.split(".")
            href = quote(Path(os.path.relpath(path, out_dir)).as_posix())
            links.append(DigestLink(parts[-1], href, by_suffix.get(parts[1]) if len(parts) == 3 else None))
        warnings = len(digest.warnings) + (len(digest.summary.warnings) if digest.summary else 0)
        warnings += sum(len(ts.warnings) for lang in digest.languages for ts in (lang.summary, lang.full) if ts is not None)
        return cls(
            title=digest.article.title,
            source=digest.article.source,
            links=tuple(links),
            targets=tuple(lang.target for lang in digest.languages),
            stand_in=digest.stand_in,
            warnings=warnings,
        )


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    return formats


def _lang_suffix(target: str) -> str:
    suffix = re.sub(r"[^A-Za-z0-9-]+", "-", target).strip("-")
    if not suffix:
        raise ConfigError(f"target language {target!r} can't be used in a file name")
    return suffix


def _render(digest: Digest, fmt: str, target: str | None) -> str:
    if fmt == "html":
        return render_html(digest, target)
    if fmt == "md":
        return render_markdown(digest, target)
    return render_json(digest)


def write_digest(digest: Digest, out_dir: str | os.PathLike[str], stem: str, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write one article's digest files into `out_dir` (created if needed); return their paths.

    html: `<stem>.html` (all languages) and `<stem>.<lang>.html` per target; md: `<stem>.md`;
    json: `<stem>.json`. Bad formats or names raise before anything is written.
    """
    formats = _check_formats(formats)
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
    names = [name for name, _, _ in files]
    if len(set(names)) != len(names):
        raise ConfigError(f"two target languages of {digest.article.source!r} map to the same file name: {', '.join(names)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [atomic_write_text(out / name, _render(digest, fmt, target)) for name, fmt, target in files]


def write_index(entries: Iterable[IndexEntry], out_dir: str | os.PathLike[str], title: str = "Digests") -> Path:
    """Write `index.json` and `index.html` (in that order, each atomically); return the HTML path."""
    entries = list(entries)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "index.json", render_index_json(entries, title))
    return atomic_write_text(out / "index.html", render_index(entries, title))
