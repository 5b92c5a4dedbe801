"""Reading inputs into Articles: text and Markdown files (front matter read as metadata), web pages
(saved `.html` files and http(s) URLs, main text extracted), JSON-lines files (one article per line),
and stdin; each safely (regular files only, size-capped).

`list_inputs` turns expanded paths into `Input`s, one per article (a JSON-lines file gives one per
line), each named for outputs relative to the job's folder (or by its URL): never an absolute path.
`read_input` reads one. With the source language "auto" each article's language is detected.
Every failure is an InputError that names the input, so a batch can report it and go on.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError
from ..languages import AUTO
from ..results import Article
from .encodings import decode
from .paths import STDIN
from .segmenting import normalize, segment_article
from .web import HTML_SUFFIXES, WebPage, extract, fetch, is_url, looks_like_html

MAX_BYTES = 10_000_000  # a news article is kilobytes; anything this big is almost surely a mistake
MAX_JSONL_BYTES = 2_000_000_000  # a JSON-lines file holds many articles; each line is capped at MAX_BYTES
JSONL_SUFFIXES = (".jsonl", ".ndjson")
# Where a JSON-lines record's text may be: "text", then the names common datasets use (XSum: "document").
TEXT_FIELDS = ("text", "document", "article", "content", "body")
SURE_DETECTION = 0.5  # below this probability a detected language is kept, with a warning that it is a guess
_DETECT_CHARS = 3000  # enough text to identify a language; more only costs time
# The seed corpus starts each article with a "date YYYY-MM-DD" metadata token.
_DATE_PREFIX = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\s+")
_FRONT_MATTER = re.compile(r"^---[ \t]*\n")


@dataclass(frozen=True)
class Input:
    """One article to read: where it is, and how outputs name it.

    `source` is the display name (unique within a job): a path relative to the job's folder, a URL,
    "-" for stdin, or `file.jsonl#id` for one line of a JSON-lines file. `location` is what is read.
    """

    source: str
    location: str
    name: str  # what its output file names and its article id are made from (a stem, a record id)
    offset: int | None = None  # a JSON-lines record: where its line starts
    line: int | None = None

    @property
    def identity(self) -> str:
        """Stable and unique per input: its absolute location (and line); never shown to anyone."""
        where = self.location if is_url(self.location) or self.location == STDIN else os.path.abspath(self.location)
        return f"{where}#{self.line}" if self.line is not None else where


def display_name(location: str, base: str | os.PathLike[str] | None = None) -> str:
    """How outputs name an input: URLs and stdin as they are, a file relative to `base` (the job's
    folder; the working folder when None), with forward slashes."""
    if location == STDIN or is_url(location):
        return location
    base = os.path.abspath(base) if base is not None else os.getcwd()
    try:
        relative = os.path.relpath(os.path.abspath(location), base)
    except ValueError:  # another drive (Windows): no relative path exists
        relative = os.path.basename(location)
    return Path(relative).as_posix()


def _url_name(url: str) -> str:
    parts = urlsplit(url)
    last = [p for p in parts.path.split("/") if p]
    return Path(last[-1]).stem if last else (parts.hostname or "page")


def list_inputs(locations: Iterable[str], *, base: str | os.PathLike[str] | None = None) -> list[Input]:
    """One Input per article of the (already expanded) `locations`: a JSON-lines file is opened to list
    its lines (an unreadable one becomes a single Input whose reading fails); other inputs are one each."""
    inputs: list[Input] = []
    for location in locations:
        source = display_name(location, base)
        if location != STDIN and not is_url(location) and location.lower().endswith(JSONL_SUFFIXES):
            try:
                inputs += _jsonl_inputs(location, source)
                continue
            except InputError:
                pass  # reading it again reports the error as this input's failure
        inputs.append(Input(source, location, _name(location)))
    return inputs


def _name(location: str) -> str:
    if location == STDIN:
        return "stdin"
    return _url_name(location) if is_url(location) else Path(location).stem


def _jsonl_inputs(location: str, source: str) -> list[Input]:
    """One Input per non-blank line; ids come from the records' "id" (line numbers where absent or repeated)."""
    _check_regular(location, MAX_JSONL_BYTES)
    found: list[Input] = []
    seen: set[str] = set()
    try:
        with open(location, "rb") as handle:
            offset, number = 0, 0
            for raw in handle:
                number += 1
                here, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                record_id = _record_id(raw)
                key = record_id if record_id and record_id not in seen else f"line-{number}"
                seen.add(key)
                found.append(Input(f"{source}#{key}", location, key, offset=here, line=number))
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None
    return found


def _record_id(raw: bytes) -> str | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    value = record.get("id") if isinstance(record, dict) else None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if text and "\n" not in text else None


# ---- bytes ----------------------------------------------------------------------------------------------


def _read_bytes(source: str, max_bytes: int) -> tuple[bytes, str]:
    if source == STDIN:
        data, name = sys.stdin.buffer.read(max_bytes + 1), "<stdin>"
    elif is_url(source):
        data, name = fetch(source, max_bytes=max_bytes), source
    else:
        data, name = read_file_bytes(source, max_bytes), source
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    return data, name


def _check_regular(source: str, max_bytes: int) -> None:
    try:
        info = os.stat(source)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{source}: is a folder, expected a file")
    # Devices and FIFOs report size 0 and never end (/dev/zero), or block until a writer comes.
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{source}: is not a regular file (a device, FIFO or socket); give a text file")
    if info.st_size > max_bytes:
        size, limit = info.st_size / 1e6, max_bytes / 1e6
        raise InputError(f"{source}: file is {size:.1f} MB, over the {limit:.0f} MB limit; split it")


def read_file_bytes(source: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes`; anything else is an InputError naming it."""
    _check_regular(source, max_bytes)
    try:
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None


# ---- metadata -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    """What an input says about itself besides its text."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None
    lang: str | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> _Meta:
        """From front matter or a JSON-lines record: the usual keys, as plain one-line strings."""
        get = {str(k).lower(): v for k, v in values.items()}.get
        return cls(
            title=_plain(get("title") or get("headline")),
            date=_plain(get("date") or get("published")),
            author=_plain(get("author") or get("authors") or get("byline")),
            site=_plain(get("site") or get("sitename") or get("publisher")),
            url=_plain(get("url") or get("link")),
            lang=_plain(get("lang") or get("language")),
        )


def _plain(value: Any) -> str | None:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v)
    if value is None or isinstance(value, (dict, bool)):
        return None
    text = " ".join(str(value).split())
    return text or None


def _front_matter(text: str, source: str) -> tuple[str, _Meta]:
    """Strip YAML front matter (`---` lines first), read with python-frontmatter."""
    if not _FRONT_MATTER.match(text):
        return text, _Meta()
    import frontmatter

    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # yaml's errors: a malformed block is the user's to fix, named
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{source}: its front matter (between the --- lines) is not valid YAML: {first}") from None
    return post.content, _Meta.of(post.metadata)


def _metadata(text: str, source: str) -> tuple[str, _Meta]:
    """Strip leading metadata: front matter, then the corpus' `date YYYY-MM-DD` token."""
    text, meta = _front_matter(text, source)
    match = _DATE_PREFIX.match(text)
    if match:
        meta = replace(meta, date=meta.date or match.group(1))
        text = text[match.end() :]
    return text, meta


def _headline(text: str) -> str | None:
    """The article's own headline: a short first line that doesn't end like a sentence."""
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    if first and len(first) <= 150 and not first.endswith((".", "!", "?", ":", ";", ",")):
        return first
    return None


def _fallback_title(source: str, name: str) -> str:
    """The input's own name, as written (hyphens kept: `non-aligned` stays `non-aligned`)."""
    if source == STDIN:
        return "Standard input"
    if is_url(source):
        return source
    return name.replace("_", " ").strip() or source


def _strip_markdown(text: str) -> str:
    # Heading markers are markup, not words the models should see.
    return re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", text)


def article_id_for(source: str) -> str:
    """A readable id from the file name; the output layer makes file names unique."""
    if source == STDIN:
        return "stdin"
    return _id_slug(Path(source).stem)


def _id_slug(name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.lower(), flags=re.UNICODE).strip("-_")
    return slug or "article"


# ---- language -------------------------------------------------------------------------------------------


def detect_language(text: str) -> tuple[str, float]:
    """The most likely language of `text` (fastText's code: ISO 639-1 where one exists) and its probability."""
    from .language_id import default_identifier

    guesses = default_identifier().identify(" ".join(text[:_DETECT_CHARS].split()), k=1)
    if not guesses:
        raise InputError("the language of this text can't be identified; give it with --from")
    return guesses[0].lang, guesses[0].probability


def _language(text: str, lang: str, given: str | None, source: str) -> tuple[str, str, float | None, list[str]]:
    """(language, how it was decided, probability, warnings) for an article in a job whose language is `lang`."""
    if lang != AUTO:
        return lang, "given", None, []
    if given:  # the input's own metadata (front matter, a JSON-lines "lang") names it
        return given, "given", None, []
    code, probability = detect_language(text)
    warnings = []
    if probability < SURE_DETECTION:
        warnings.append(
            f"the language was detected as {code!r} with probability {probability:.2f} only; "
            "give it with --from if that is wrong"
        )
    return code, "detected", probability, warnings


# ---- articles -------------------------------------------------------------------------------------------


def article_from_text(
    text: str,
    *,
    source: str = STDIN,
    lang: str = "en",
    encoding: str = "utf-8",
    article_id: str | None = None,
    warnings: Sequence[str] = (),
    name: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Article:
    """An Article from already-decoded text: normalized, metadata stripped, language decided (detected
    when `lang` is "auto"), segmented. `meta` is metadata known from elsewhere (a web page's, a
    JSON-lines record's): it wins over front matter's."""
    text, found = _metadata(normalize(text), source)
    if meta:
        given = _Meta.of(meta)
        found = _Meta(**{k: getattr(given, k) or getattr(found, k) for k in found.__dataclass_fields__})
    if source.lower().endswith((".md", ".markdown")):
        text = _strip_markdown(text)
    text = text.strip()
    if not text:
        raise InputError(f"{source}: has no text after its metadata")
    code, origin, probability, notes = _language(text, lang, found.lang, source)
    article_id = article_id or (_id_slug(name) if name else article_id_for(source))
    sentences = segment_article(text, article_id, code)
    if not sentences:
        raise InputError(f"{source}: no sentences found")
    title = found.title or _headline(text) or _fallback_title(source, name or Path(source).stem)
    return Article(
        id=article_id,
        title=title,
        source=source,
        text=text,
        sentences=sentences,
        encoding=encoding,
        date=found.date,
        lang=code,
        warnings=(*warnings, *notes),
        author=found.author,
        site=found.site,
        url=found.url,
        lang_origin=origin,
        lang_probability=probability,
    )


def _page_meta(page: WebPage) -> dict[str, Any]:
    return {"title": page.title, "date": page.date, "author": page.author, "site": page.site, "url": page.url}


def read_input(item: Input, *, lang: str = "en", encoding: str | None = None, max_bytes: int = MAX_BYTES) -> Article:
    """Read one Input: a JSON-lines record, a web page (a URL, an `.html` file, or any input that
    turns out to be HTML) or a text file, into an Article named by `item.source`."""
    if item.line is not None:
        return _read_record(item, lang=lang, max_bytes=max_bytes)
    data, name = _read_bytes(item.location, max_bytes)
    html = is_url(item.location) or item.location.lower().endswith(HTML_SUFFIXES) or looks_like_html(data)
    if html:
        url = item.location if is_url(item.location) else None
        page = extract(data, name=item.source, url=url)
        return article_from_text(page.text, source=item.source, lang=lang, name=item.name, meta=_page_meta(page))
    hint = lang if lang != AUTO else "en"  # a legacy-encoding guess leans on it; detection comes after
    text, codec, warnings = decode(data, name, encoding, hint)
    return article_from_text(text, source=item.source, lang=lang, encoding=codec, warnings=warnings, name=item.name)


def _read_record(item: Input, *, lang: str, max_bytes: int) -> Article:
    """One line of a JSON-lines file: an object with the text in "text" (or one of TEXT_FIELDS)."""
    where = f"{item.source} (line {item.line})"
    try:
        with open(item.location, "rb") as handle:
            handle.seek(item.offset or 0)
            raw = handle.readline(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{where}: can't be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise InputError(f"{where}: the line is over the {max_bytes / 1e6:.0f} MB limit for one article")
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{where}: is not UTF-8, as JSON lines must be") from None
    except ValueError as exc:
        raise InputError(f"{where}: is not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise InputError(f'{where}: must be a JSON object with a text field, like {{"id": 1, "text": ...}}')
    text = next((record[k] for k in TEXT_FIELDS if isinstance(record.get(k), str) and record[k].strip()), None)
    if text is None:
        raise InputError(f"{where}: has no text; give it in one of the fields {', '.join(TEXT_FIELDS)}")
    return article_from_text(text, source=item.source, lang=lang, name=item.name, meta=record)


def read_article(source: str, *, lang: str = "en", encoding: str | None = None, max_bytes: int = MAX_BYTES) -> Article:
    """Read, decode, normalize and segment one file, URL or "-" (the first record of a JSON-lines file
    only: use `list_inputs` for all of them). `encoding` overrides detection; without it a guessed
    encoding is noted in `Article.warnings`."""
    return read_input(list_inputs([source])[0], lang=lang, encoding=encoding, max_bytes=max_bytes)
