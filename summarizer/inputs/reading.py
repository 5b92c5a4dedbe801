"""Reading inputs into Articles: text and Markdown files (front matter read as metadata), web pages
(saved `.html` files and http(s) URLs, main text extracted), JSON-lines files (one article per line),
and stdin; each safely (regular files only, size-capped).

`list_inputs` turns expanded paths into `Input`s, one per article (a JSON-lines file gives one per
line), each named for outputs relative to the job's folder (or by its URL): never an absolute path.
`read_input` reads one. With the source language "auto" each article's language is detected (or
taken from its metadata). Every reader streams with a cap: a file, a JSON line, a URL's body and
time, front matter and each metadata field. Every failure is an InputError that names the input
(and the line, where there is one), so a batch can report it and go on.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ConfigError, InputError
from ..languages import AUTO, check_language_code
from ..results import Article
from .encodings import decode
from .paths import STDIN
from .segmenting import normalize, segment_article
from .web import HTML_SUFFIXES, URL_DEADLINE_S, WebPage, extract, fetch, is_url, looks_like_html

if TYPE_CHECKING:
    from .feeds import FeedItem, FeedReader

MAX_BYTES = 10_000_000  # a news article is kilobytes; anything this big is almost surely a mistake
MAX_JSONL_BYTES = 2_000_000_000  # a JSON-lines file holds many articles; each line is capped at MAX_BYTES
MAX_FRONT_MATTER_CHARS = 65_536  # front matter is a few lines of metadata, not a document
MAX_FIELD_CHARS = 2_000  # a title, author list, date, site, URL or language: a line, not a page
_CHUNK = 1 << 20  # how much of a JSON line is read at a time, so an over-long one is never held whole
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
    error: str | None = None  # why reading it fails, when listing already found out (a repeated id)
    item: FeedItem | None = None  # an item of a feed: what the feed says of it (see inputs/feeds.py)
    page: bytes | None = field(default=None, repr=False, compare=False)  # a URL's body, fetched when listing

    @property
    def identity(self) -> str:
        """Stable and unique per input: its absolute location (and line); never shown to anyone."""
        where = self.location if is_url(self.location) or self.location == STDIN else os.path.abspath(self.location)
        if self.item is not None:
            return f"{where}#item={self.item.item_id}"
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


def list_inputs(
    locations: Iterable[str],
    *,
    base: str | os.PathLike[str] | None = None,
    feeds: FeedReader | None = None,
    max_bytes: int = MAX_BYTES,
) -> list[Input]:
    """One Input per article of the (already expanded) `locations`: a JSON-lines file is opened to list
    its lines (an unreadable one becomes a single Input whose reading fails); a feed (RSS, Atom, JSON
    Feed: a file recognised by its content, or with `feeds`, a URL) gives one Input per item to read,
    as `feeds` decides (only the new and the changed ones); other inputs are one each."""
    from .feeds import FEED_MAX_BYTES, sniff_feed_file

    inputs: list[Input] = []
    for location in locations:
        source = display_name(location, base)
        if location == STDIN:
            inputs.append(Input(source, location, _name(location)))
            continue
        if is_url(location) and feeds is not None:
            try:
                opened = feeds.open_url(location, max_bytes=FEED_MAX_BYTES)
            except InputError as exc:
                inputs.append(Input(source, location, _name(location), error=str(exc)))
                continue
            if opened.feed is not None:
                inputs += _feed_inputs(opened.feed, source, location, feeds, not_modified=opened.not_modified)
            else:
                assert opened.page is not None
                inputs.append(Input(source, location, _name(location), page=opened.page.body))
            continue
        if not is_url(location):
            if location.lower().endswith(JSONL_SUFFIXES):
                try:
                    inputs += _jsonl_inputs(location, source)
                    continue
                except InputError:
                    pass  # reading it again reports the error as this input's failure
            data = sniff_feed_file(location)
            if data is not None:
                from .feeds import FeedReader

                inputs += _feed_inputs(data, source, location, feeds or FeedReader())
                continue
        inputs.append(Input(source, location, _name(location)))
    return inputs


def _feed_inputs(
    data: bytes, source: str, location: str, feeds: FeedReader, *, not_modified: bool = False
) -> list[Input]:
    """One Input per item of a feed that `feeds` says to read; a feed that can't be read is one Input whose
    reading fails with the line that says why."""
    try:
        items = feeds.items(data, feed=source, not_modified=not_modified)
    except InputError as exc:
        return [Input(source, location, _name(location), error=str(exc))]
    out = []
    for item in items:
        name = _url_name(item.link) if item.link and is_url(item.link) else _id_slug(item.label)
        where = f"{source}#{item.item_id}"
        out.append(Input(where, location, name or "item", item=item, error=item.error))
    return out


def _read_item(item: Input, feeds: FeedReader, *, lang: str, max_bytes: int) -> Article:
    """A feed's item: its page fetched and extracted (robots.txt asked first), or the item's own text when
    the feed carries the whole article or the page can't be had (with a warning that says so)."""
    entry = item.item
    assert entry is not None
    warnings: list[str] = []
    text, meta = entry.text, dict(entry.meta)
    if not entry.full and entry.link:
        try:
            page = extract(feeds.fetch_page(entry, max_bytes=max_bytes).body, name=entry.where, url=entry.link)
            text = page.text
            meta = {k: v or meta.get(k) for k, v in _page_meta(page).items()} | {"url": entry.link}
            meta["site"] = meta.get("site") or entry.feed_title
            # The feed's published/updated date is the item's: a page's body names other years too.
            meta["date"] = entry.date or meta.get("date")
        except InputError as exc:
            if not entry.text:
                raise InputError(f"{entry.where}: {exc}") from None
            warnings.append(f"its page can't be had ({exc}); the feed's own text of it is digested")
    if not text.strip():
        raise InputError(f"{entry.where}: has no text, in the feed or on its page")
    article = article_from_text(
        text,
        source=item.source,
        lang=lang,
        name=item.name,
        meta=meta,
        where=entry.where,
        warnings=warnings,
        feed=(entry.feed, entry.feed_title, entry.item_id),
    )
    feeds.read(item.source, entry, article.text)
    return article


def _name(location: str) -> str:
    if location == STDIN:
        return "stdin"
    return _url_name(location) if is_url(location) else Path(location).stem


def _jsonl_inputs(location: str, source: str) -> list[Input]:
    """One Input per non-blank line, each with an id of its own: the record's "id", else `line-N` (or
    `line-N-2`, ... where a record's own id is `line-N`). A record that repeats an earlier record's id,
    or whose line is over MAX_BYTES, gets a line id and its error, so reading it fails alone."""
    check_regular_file(location, MAX_JSONL_BYTES)
    records: list[tuple[int, int, str | None, bool]] = []  # offset, line number, the record's id, too long
    try:
        with open(location, "rb") as handle:
            offset = 0
            for number, (raw, size) in enumerate(_capped_lines(handle, MAX_BYTES), start=1):
                here, offset = offset, offset + size
                if size > MAX_BYTES:
                    records.append((here, number, None, True))
                elif raw.strip():
                    records.append((here, number, _record_id(raw), False))
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None
    first: dict[str, int] = {}  # each id's first line: that record keeps it
    for _, number, record_id, _ in records:
        if record_id is not None:
            first.setdefault(record_id, number)
    taken = set(first)
    found: list[Input] = []
    for here, number, record_id, too_long in records:
        own = record_id is not None and first[record_id] == number
        key = record_id if own else _free_id(f"line-{number}", taken)
        taken.add(key)
        where, error = f"{source}#{key} (line {number})", None
        if too_long:
            error = f"{where}: the line is over the {MAX_BYTES / 1e6:.0f} MB limit for one article; split it"
        elif record_id is not None and not own:
            error = f"{where}: its id {record_id!r} is already the id of line {first[record_id]}; give every record its own id"
        found.append(Input(f"{source}#{key}", location, key, offset=here, line=number, error=error))
    return found


def _capped_lines(handle, cap: int) -> Iterator[tuple[bytes, int]]:
    """(line, its length in bytes) for each line of a binary file, read in chunks; a line over `cap`
    bytes comes as (b"", its length), and no more than `cap` bytes of it are ever held."""
    while True:
        chunks: list[bytes] = []
        size = 0
        while chunk := handle.readline(_CHUNK):
            size += len(chunk)
            if size <= cap:
                chunks.append(chunk)
            elif chunks:
                chunks = []  # over the cap: what was read goes; the rest is only counted
            if chunk.endswith(b"\n"):
                break
        if not size:
            return
        yield (b"".join(chunks) if size <= cap else b""), size


def _free_id(base: str, taken: set[str]) -> str:
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


def _record_id(raw: bytes) -> str | None:
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):  # reading the record reports it
        return None
    value = record.get("id") if isinstance(record, dict) else None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text if text and "\n" not in text else None


# ---- bytes ----------------------------------------------------------------------------------------------


def _read_bytes(source: str, max_bytes: int, url_deadline: float = URL_DEADLINE_S) -> tuple[bytes, str]:
    if source == STDIN:
        data, name = sys.stdin.buffer.read(max_bytes + 1), "<stdin>"
    elif is_url(source):
        data, name = fetch(source, max_bytes=max_bytes, deadline=url_deadline), source
    else:
        data, name = read_file_bytes(source, max_bytes), source
    if len(data) > max_bytes:
        raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    return data, name


def with_body(item: Input, max_bytes: int = MAX_BYTES) -> Input:
    """`item` with the bytes of its file (or stdin) read here, in `page`: so another machine (a Ray task)
    can read the article without this machine's files. URLs (fetched where they are read), JSON-lines
    records, feed items and inputs already failed are returned as they are."""
    if item.error or item.line is not None or item.item is not None or item.page is not None or is_url(item.location):
        return item
    data, _ = _read_bytes(item.location, max_bytes)
    return replace(item, page=data)


def check_regular_file(source: str, max_bytes: int) -> None:
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
    check_regular_file(source, max_bytes)
    try:
        with open(source, "rb") as handle:
            return handle.read(max_bytes + 1)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: can't be read ({exc.strerror or exc})") from None


# ---- metadata -------------------------------------------------------------------------------------------


# The metadata an Article has, and the keys front matter or a record may give each under (first wins).
_META_KEYS = {
    "title": ("title", "headline"),
    "date": ("date", "published"),
    "author": ("author", "authors", "byline"),
    "site": ("site", "sitename", "publisher"),
    "url": ("url", "link"),
    "lang": ("lang", "language"),
}


@dataclass(frozen=True)
class _Meta:
    """What an input says about itself besides its text."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None
    lang: str | None = None
    lang_where: str | None = None  # how an error about `lang` names it: the input, line and key

    @classmethod
    def of(
        cls, values: Mapping[Any, Any], *, where: str, label: str = "", lines: Mapping[str, int] | None = None
    ) -> _Meta:
        """From front matter or a JSON-lines record: the usual keys, each one line of text (a list of
        texts is joined with commas). A nested value, or one over MAX_FIELD_CHARS, is an InputError
        naming `where`, the key's line (when `lines` has it) and the key, after `label`."""
        keys = {str(k).lower(): k for k in values}
        found: dict[str, str] = {}
        for name, aliases in _META_KEYS.items():
            for key in (keys[alias] for alias in aliases if alias in keys):
                line = (lines or {}).get(str(key))
                what = f"{where} (line {line})" if line else where
                what = f"{what}: {label}{str(key)!r}"
                text = _plain(values[key], what)
                if text:
                    found[name] = text
                    if name == "lang":
                        found["lang_where"] = what
                    break
        return cls(**found)


def _plain(value: Any, what: str) -> str | None:
    """`value` as one line of text (None: nothing usable); `what` names it in errors."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, dict):
        raise InputError(f"{what} must be text, not a mapping")
    if isinstance(value, (list, tuple)):
        nested = next((v for v in value if isinstance(v, (list, tuple, dict))), None)
        if nested is not None:
            inner = "mappings" if isinstance(nested, dict) else "lists"
            raise InputError(f"{what} must be text or a list of texts, not a list of {inner}")
        value = ", ".join(text for text in (_plain(v, what) for v in value) if text)
    if value is None or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    if len(text) > MAX_FIELD_CHARS:
        raise InputError(f"{what} is {len(text):,} characters long, over the {MAX_FIELD_CHARS:,} limit; shorten it")
    return text or None


def _front_matter(text: str, source: str) -> tuple[str, _Meta]:
    """Strip YAML front matter (`---` lines first: split as python-frontmatter does), read strictly."""
    if not _FRONT_MATTER.match(text):
        return text, _Meta()
    from frontmatter.default_handlers import YAMLHandler

    text = text.strip()
    try:
        block, content = YAMLHandler().split(text)
    except ValueError:  # no closing `---`: the text is all content, as python-frontmatter reads it
        return text, _Meta()
    values, lines = _yaml_front_matter(block, source)
    return content.strip(), _Meta.of(values, where=source, label="front matter ", lines=lines)


def _yaml_front_matter(block: str, source: str) -> tuple[dict[Any, Any], dict[str, int]]:
    """Front matter's values, and the line of the file each top-level key is on.

    Capped at MAX_FRONT_MATTER_CHARS, and aliases (`*name`) are refused: a few hundred bytes of nested
    aliases expand to gigabytes. libyaml's parser bounds nesting (its ScannerError is "not valid YAML").
    """
    import yaml

    if len(block) > MAX_FRONT_MATTER_CHARS:
        raise InputError(
            f"{source}: its front matter is {len(block):,} characters long, over the {MAX_FRONT_MATTER_CHARS:,} "
            "limit; keep it to metadata"
        )
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # `block` starts just after the first `---`, which is line 1: a mark's line 0 is line 1 of the file.
    try:
        for event in yaml.parse(block, Loader=loader_class):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(
                    f"{source} (line {event.start_mark.line + 1}): its front matter uses a YAML alias "
                    f"(*{event.anchor}); aliases are not read, write the value out"
                )
        loader = loader_class(block)
        try:
            node = loader.get_single_node()
            values = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except InputError:
        raise
    except Exception as exc:  # yaml's errors (and a constructor's ValueError): the user's to fix, named
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{source}: its front matter (between the --- lines) is not valid YAML: {first}") from None
    if not isinstance(values, dict):
        return {}, {}
    lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return values, lines


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


LEAD_TITLE_CHARS = 90  # a title taken from the first sentence is cut at a word boundary to about this
# A wire-style dateline before the first sentence's words: `WASHINGTON (Reuters) - `, `LONDON, June 2 — `:
# a place in capitals, then an agency in brackets or a date after a comma, then a dash.
_DATELINE_PREFIX = re.compile(r"^([^\W\d_][^\W\d_ .'’-]*)(?:,[^—–()]{1,40}?|\s*\([^)]{1,40}\)),?\s+[—–-]{1,2}\s+")


def _is_dateline(sentence: str) -> bool:
    """A sentence that only gives place and date (`BAKU, Azerbaijan, March 1.`): a few words, no dash, the
    first one in capitals, a number among them."""
    words = sentence.split()
    first = words[0].strip(",.") if words else ""
    return (
        len(words) <= 6
        and len(first) > 1
        and first.isupper()
        and any(ch.isdigit() for ch in sentence)
        and not any(dash in sentence for dash in (" - ", "—", "–"))
    )


def _strip_dateline(sentence: str) -> str:
    match = _DATELINE_PREFIX.match(sentence)
    if match and match.group(1).isupper() and len(match.group(1)) > 1 and sentence[match.end() :].strip():
        return sentence[match.end() :]
    return sentence


def _lead_title(sentences: Sequence[str]) -> str | None:
    """A title for a text with no headline, as news readers make one: its first sentence (after a dateline),
    without its full stop, cut at a word boundary to about LEAD_TITLE_CHARS characters with an ellipsis."""
    texts = [" ".join(s.split()) for s in sentences if s.strip()]
    if texts and _is_dateline(texts[0]):
        texts = texts[1:]
    if not texts:
        return None
    lead = _strip_dateline(texts[0])
    lead = lead.removesuffix(".") if not lead.endswith("..") else lead
    if len(lead) <= LEAD_TITLE_CHARS:
        return lead
    cut = lead[: LEAD_TITLE_CHARS + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut[LEAD_TITLE_CHARS // 2 :] else cut[:LEAD_TITLE_CHARS]
    return cut.rstrip(" ,;:—–-") + "…"


def _title(found: str | None, text: str, sentences: Sequence[str], source: str, name: str) -> tuple[str, str]:
    """(title, where it came from: see Article.title_origin): metadata, the headline, the lead, the name."""
    if found:
        return found, "given"
    headline = _headline(text)
    if headline:
        return headline, "headline"
    lead = _lead_title(sentences)
    if lead:
        return lead, "lead"
    return _fallback_title(source, name), "name"


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


def _language(text: str, lang: str, meta: _Meta) -> tuple[str, str, float | None, list[str]]:
    """(language, how it was decided, probability, warnings) for an article in a job whose language is `lang`."""
    if lang != AUTO:
        return lang, "given", None, []
    given = meta.lang if meta.lang and meta.lang.lower() != AUTO else None
    if given:  # the input's own metadata (front matter, a JSON-lines "lang") names it
        try:
            check_language_code(given)
        except ConfigError:
            advice = "write it like en, ru or zh-Hant, or leave it out to have it detected"
            raise InputError(f"{meta.lang_where} {given!r} is not a language code; {advice}") from None
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


def article_text(text: str, source: str = STDIN) -> tuple[str, _Meta]:
    """The words of a text that the models see, and the metadata taken off its top: normalized, front matter
    and a leading `date YYYY-MM-DD` stripped, Markdown heading marks dropped (a `.md` source). The one reading
    of a text, whether a file, stdin or a string given to the Python API."""
    text, found = _metadata(normalize(text), source)
    if source.lower().endswith((".md", ".markdown")):
        text = _strip_markdown(text)
    return text.strip(), found


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
    where: str | None = None,
    feed: tuple[str, str | None, str] | None = None,
) -> Article:
    """An Article from already-decoded text: normalized, metadata stripped, language decided (detected
    when `lang` is "auto"), segmented. `meta` is metadata known from elsewhere (a web page's, a
    JSON-lines record's): it wins over front matter's. `where` is how errors name the input (default:
    `source`; a JSON-lines record adds its line). `feed`: (the feed, its title, the item's id) of a feed's item."""
    where = where or source
    text, found = article_text(text, source)
    if meta:
        given = _Meta.of(meta, where=where)
        found = _Meta(**{k: getattr(given, k) or getattr(found, k) for k in found.__dataclass_fields__})
    if not text:
        raise InputError(f"{where}: has no text after its metadata")
    code, origin, probability, notes = _language(text, lang, found)
    article_id = article_id or (_id_slug(name) if name else article_id_for(source))
    sentences = segment_article(text, article_id, code)
    if not sentences:
        raise InputError(f"{where}: no sentences found")
    title, title_origin = _title(found.title, text, [s.text for s in sentences], source, name or Path(source).stem)
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
        title_origin=title_origin,
        feed=feed[0] if feed else None,
        feed_title=feed[1] if feed else None,
        item_id=feed[2] if feed else None,
    )


def _page_meta(page: WebPage) -> dict[str, Any]:
    """A page's metadata, each value cut to MAX_FIELD_CHARS: what a site says is not the user's to fix."""
    values = {"title": page.title, "date": page.date, "author": page.author, "site": page.site, "url": page.url}
    return {
        k: v if v is None or len(v) <= MAX_FIELD_CHARS else v[: MAX_FIELD_CHARS - 1] + "…" for k, v in values.items()
    }


def read_input(
    item: Input,
    *,
    lang: str = "en",
    encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
    url_deadline: float = URL_DEADLINE_S,
    feeds: FeedReader | None = None,
) -> Article:
    """Read one Input: a JSON-lines record, a feed's item (its page, or its own text: see inputs/feeds.py),
    a web page (a URL, an `.html` file, or any input that turns out to be HTML) or a text file, into an
    Article named by `item.source`. A URL is fetched within `url_deadline` seconds."""
    if item.error:
        raise InputError(item.error)
    if item.line is not None:
        return _read_record(item, lang=lang, max_bytes=max_bytes)
    if item.item is not None:
        from .feeds import FeedReader

        return _read_item(item, feeds or FeedReader(), lang=lang, max_bytes=max_bytes)
    if item.page is not None:
        data, name = item.page, ("<stdin>" if item.location == STDIN else item.location)
        if len(data) > max_bytes:
            raise InputError(f"{name}: input is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    else:
        data, name = _read_bytes(item.location, max_bytes, url_deadline)
    from .feeds import is_feed

    if is_feed(data):  # listed without a feed reader (read_article): one input can't be many articles
        raise InputError(
            f"{name}: is a feed, not an article: give it to a job (summarizer digest, Pipeline.run), which reads each item"
        )
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
        raise InputError(f"{where}: the line is over the {max_bytes / 1e6:.0f} MB limit for one article; split it")
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{where}: is not UTF-8, as JSON lines must be") from None
    except ValueError as exc:
        raise InputError(f"{where}: is not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError(f"{where}: is nested too deeply to read; a record is an object of texts") from None
    if not isinstance(record, dict):
        raise InputError(f'{where}: must be a JSON object with a text field, like {{"id": 1, "text": ...}}')
    text = next((record[k] for k in TEXT_FIELDS if isinstance(record.get(k), str) and record[k].strip()), None)
    if text is None:
        raise InputError(f"{where}: has no text; give it in one of the fields {', '.join(TEXT_FIELDS)}")
    return article_from_text(text, source=item.source, lang=lang, name=item.name, meta=record, where=where)


def read_article(
    source: str,
    *,
    lang: str = "en",
    encoding: str | None = None,
    max_bytes: int = MAX_BYTES,
    url_deadline: float = URL_DEADLINE_S,
) -> Article:
    """Read, decode, normalize and segment one file, URL or "-" (the first record of a JSON-lines file
    only: use `list_inputs` for all of them). `encoding` overrides detection; without it a guessed
    encoding is noted in `Article.warnings`. A URL is fetched within `url_deadline` seconds."""
    item = list_inputs([source])[0]
    return read_input(item, lang=lang, encoding=encoding, max_bytes=max_bytes, url_deadline=url_deadline)
