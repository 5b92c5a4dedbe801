"""Feeds as inputs: RSS 0.9x/1.0/2.0 and Atom (read with feedparser) and JSON Feed, recognised by content,
each item one article; read politely (a pause and a few requests at a time per host, robots.txt, a
conditional GET) and only what is new: a job remembers the items it digested in its cache database.

`FeedReader` is one job's reader: `open_url` fetches an input URL (conditionally, when it was a feed
before) and says whether it is a feed; `items` turns a feed's bytes into `FeedItem`s, leaving out the
items the job digested before and whose entry is unchanged; `fetch_page` fetches an item's page;
`after_read` and `digested` record what became of an item.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import html.parser
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from ..errors import ConfigError, InputError
from ..options import URL_DEADLINE_S, FeedOptions
from .web import Fetched, _one_line, fetch_response, is_url

log = logging.getLogger(__name__)

# A folder is searched for these too; a file named outright, or a URL, is a feed when its content is one.
FEED_SUFFIXES = (".rss", ".atom")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
FEED_ACCEPT = ", ".join((*FEED_TYPES, "application/xml;q=0.9", "text/html;q=0.9", "*/*;q=0.8"))
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")  # what an item's page may be served as
FEED_MAX_BYTES = 50_000_000  # a feed lists items; one of 100,000 items is tens of MB
FULL_TEXT_CHARS = 1000  # an item whose own content is this long carries the article: its page is not fetched
MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks crawlers to read at least 500 KiB
ROBOTS_AGENT = "summarizer"
_SNIFF = 65536
# A DOCTYPE may carry an internal subset (`<!DOCTYPE rss [<!ENTITY ...>]>`), whose `>`s don't end it.
_XML_FEED = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>)\s*)*"
    rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>/]",
    re.I | re.S,
)
_JSON_FEED = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.I)
_LOOKS_STRUCTURED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*[<{\[]")


def is_feed(data: bytes) -> bool:
    """Whether `data` is a feed: XML whose root is rss, feed (Atom) or rdf:RDF, or a JSON Feed object."""
    head = data[:_SNIFF]
    if _XML_FEED.match(head):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and bool(_JSON_FEED.search(head))


def sniff_feed_file(location: str) -> bytes | None:
    """A file's bytes when it is a feed (by its content: an `.xml`, `.rss`, `.atom` or `.json` file, or any
    other whose first bytes say so), else None; a file that can't be read is left to the reader to report."""
    suffix = Path(location).suffix.lower()
    if suffix in (".txt", ".md", ".markdown", ".html", ".htm"):
        return None  # articles: never sniffed (a text about RSS is still a text)
    try:
        with open(location, "rb") as handle:
            head = handle.read(_SNIFF)
            if not is_feed(head):
                return None
            rest = handle.read(FEED_MAX_BYTES + 1 - len(head))
    except OSError:
        return None
    data = head + rest
    if len(data) > FEED_MAX_BYTES:
        raise InputError(f"{location}: the feed is over the {FEED_MAX_BYTES / 1e6:.0f} MB limit")
    return data


def normal_link(url: str) -> str:
    """A link as two feeds may spell it differently: scheme and host in lower case, no fragment, no
    default port, no `utm_` tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and (parts.scheme.lower(), parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")])
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed, ready to read: where it links, its own text, its metadata, and what the job
    knew of it (`status` new or changed; `known_content`: the hash of the text it digested before)."""

    feed: str  # the feed as outputs name it: its URL or path
    feed_title: str | None
    item_id: str  # its guid, else its link, else its place in the feed
    label: str  # how messages name it: its title, else its id
    link: str | None = None
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    text: str = ""  # the item's own content (or summary) as plain text
    full: bool = False  # its own content is the whole article
    entry_hash: str = ""
    status: str = "new"
    known_content: str | None = None
    was: str | None = None  # the id the job knew it by, when its guid changed
    error: str | None = None  # why reading it fails, known already (no link and no text)

    @property
    def where(self) -> str:
        return f"{self.feed}: item {self.label!r}"

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": self.date,
            "author": self.author,
            "site": self.feed_title,
            "url": self.link,
        }


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: list[dict[str, Any]]  # each: id, link, title, author, date, content, summary, updated
    problem: str | None = None  # a malformed feed read as far as it parses: what was wrong


# ---- parsing ----------------------------------------------------------------------------------------


def parse_feed(data: bytes, *, name: str) -> ParsedFeed:
    """The title and items of a feed's bytes; an InputError naming `name` when nothing can be read."""
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _parse_json_feed(data, name)
    if not _LOOKS_STRUCTURED.match(data[:_SNIFF]):
        raise InputError(f"{name}: is not a feed: neither XML nor JSON")
    import feedparser

    parsed = feedparser.parse(data)  # bytes: feedparser never fetches anything itself
    problem = None
    if parsed.get("bozo"):
        problem = _one_line(parsed.get("bozo_exception") or "malformed", 200)
        if not parsed.entries:
            raise InputError(f"{name}: is not a feed that can be read ({problem})")
    items = []
    for entry in parsed.entries:
        content = " ".join(c.get("value", "") for c in entry.get("content") or [] if c.get("value"))
        items.append(
            {
                "id": entry.get("id"),
                "link": entry.get("link"),
                "title": entry.get("title"),
                "author": entry.get("author"),
                # dict.get: feedparser's own get() maps a missing `updated` to `published`, with a warning.
                "date": _date(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
                "content": content,
                "summary": entry.get("summary") if entry.get("summary") != content else "",
                "updated": dict.get(entry, "updated") or dict.get(entry, "published"),
            }
        )
    return ParsedFeed(parsed.feed.get("title"), items, problem)


def _parse_json_feed(data: bytes, name: str) -> ParsedFeed:
    try:
        feed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{name}: is not a feed that can be read (not valid JSON: {_one_line(exc, 120)})") from None
    version = feed.get("version") if isinstance(feed, dict) else None
    if not isinstance(version, str) or "jsonfeed.org/version/" not in version:
        raise InputError(f"{name}: is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = []
    for entry in feed.get("items") or []:
        if not isinstance(entry, dict):
            continue
        authors = entry.get("authors") or ([entry["author"]] if isinstance(entry.get("author"), dict) else [])
        names = [a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
        content = entry.get("content_html") or _escape(entry.get("content_text"))
        items.append(
            {
                "id": str(entry["id"]) if isinstance(entry.get("id"), (str, int)) else None,
                "link": entry.get("url") or entry.get("external_url"),
                "title": entry.get("title"),
                "author": ", ".join(names) or None,
                "date": _iso_date(entry.get("date_published") or entry.get("date_modified")),
                "content": content if isinstance(content, str) else "",
                "summary": entry.get("summary") if isinstance(entry.get("summary"), str) else "",
                "updated": entry.get("date_modified") or entry.get("date_published"),
            }
        )
    title = feed.get("title") if isinstance(feed.get("title"), str) else None
    return ParsedFeed(title, items)


def _escape(text: Any) -> str:
    import html as html_module

    return "".join(f"<p>{html_module.escape(p)}</p>" for p in str(text).split("\n\n")) if text else ""


def _date(parsed: Any) -> str | None:
    try:
        return time.strftime("%Y-%m-%d", parsed) if parsed else None
    except (TypeError, ValueError):
        return None


def _iso_date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


class _Text(html.parser.HTMLParser):
    """An HTML fragment's text, a paragraph per block element."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}
    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    """The plain text of an item's HTML content: paragraphs separated by blank lines."""
    parser = _Text()
    parser.feed(fragment or "")
    parser.close()
    paragraphs = (" ".join(p.split()) for p in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# ---- politeness -------------------------------------------------------------------------------------


@dataclass
class _Host:
    slots: threading.BoundedSemaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0


class Politeness:
    """At most `per_host` requests to one host at a time, and `pause` seconds between the starts of two."""

    def __init__(self, *, pause: float, per_host: int):
        self.pause, self.per_host = pause, per_host
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host_name = (urlsplit(url).netloc or url).lower()
        with self._lock:
            host = self._hosts.setdefault(host_name, _Host(threading.BoundedSemaphore(self.per_host)))
        with host.slots:
            with host.lock:  # starts are spaced one by one: a waiter holds the lock while it waits its turn
                wait = host.next_start - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                host.next_start = time.monotonic() + self.pause
            yield


class Robots:
    """robots.txt, fetched once per host (politely, within the deadline): a missing one (4xx) allows
    everything; one that can't be had (5xx, a network error) allows nothing, as RFC 9309 says."""

    def __init__(self, polite: Politeness, deadline: float):
        self.polite, self.deadline = polite, deadline
        self._parsers: dict[str, RobotFileParser] = {}
        self._lock = threading.Lock()

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        with self._lock:
            parser = self._parsers.get(origin)
            if parser is None:
                parser = self._parsers[origin] = self._read(origin + "/robots.txt")
        return parser.can_fetch(ROBOTS_AGENT, url)

    def _read(self, url: str) -> RobotFileParser:
        parser = RobotFileParser(url)
        try:
            with self.polite.slot(url):
                fetched = fetch_response(url, max_bytes=MAX_ROBOTS_BYTES, deadline=self.deadline, accept="text/plain")
            parser.parse(fetched.body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace").splitlines())
        except InputError as exc:
            status = re.search(r": HTTP (\d{3})", str(exc))
            if status and 400 <= int(status.group(1)) < 500:
                parser.allow_all = True
            else:
                log.info("%s: can't be had (%s); that host's pages are not fetched", url, exc)
                parser.disallow_all = True
        return parser


# ---- one job's reader -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """An input URL fetched: a feed's body (`not_modified` when a 304 said the stored copy is current),
    or a page's response, to read without fetching it again."""

    feed: bytes | None = None
    page: Fetched | None = None
    not_modified: bool = False


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class FeedReader:
    """One job's feeds: what it fetches (politely, conditionally) and what it remembers (in `cache`, keyed
    by `job`). `lock` is a file held while the job reads feeds, so two runs of one job never both write."""

    def __init__(
        self,
        options: FeedOptions | None = None,
        *,
        cache: Any = None,
        job: str = "adhoc",
        deadline: float = URL_DEADLINE_S,
        lock: Path | None = None,
        lock_target: str = "its outputs",
    ):
        from ..cache import NullCache

        self.options = options or FeedOptions()
        self.cache = cache if cache is not None else NullCache()
        self.job, self.deadline = job, deadline
        self.polite = Politeness(pause=self.options.pause, per_host=self.options.per_host)
        self.robots = Robots(self.polite, deadline) if self.options.robots else None
        self.counts: Counter = Counter()  # new, changed, unchanged (same_article of them read), duplicate, older
        self._links: dict[str, str] = {}  # normalised link -> the item that has it, across the job's feeds
        self._lock_path, self._lock_target, self._lock = lock, lock_target, None
        self._read: dict[str, tuple[FeedItem, str, str]] = {}  # input source -> (item, its text, status)

    # -- fetching --

    def open_url(self, url: str, *, max_bytes: int) -> Opened:
        """Fetch an input URL: conditionally when the job fetched it as a feed before."""
        state = None if self.options.all else self.cache.feed_state(self.job, url)
        with self.polite.slot(url):
            fetched = fetch_response(
                url,
                max_bytes=max_bytes,
                deadline=self.deadline,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                accept=FEED_ACCEPT,
            )
        if fetched.status == 304 and state is not None:
            log.info("%s: not modified since the last run (HTTP 304)", url)
            return Opened(feed=state.body, not_modified=True)
        if len(fetched.body) > max_bytes:
            raise InputError(f"{url}: is over the {max_bytes / 1e6:.0f} MB limit for one input")
        if is_feed(fetched.body):
            self.hold_lock()
            from ..cache import FeedState

            self.cache.put_feed_state(self.job, url, FeedState(fetched.etag, fetched.last_modified, fetched.body))
            return Opened(feed=fetched.body)
        if fetched.content_type in FEED_TYPES:
            raise InputError(
                f"{url}: is served as a feed ({fetched.content_type}) but is not one: neither RSS, Atom nor JSON Feed"
            )
        return Opened(page=fetched)

    def fetch_page(self, item: FeedItem, *, max_bytes: int) -> Fetched:
        """An item's page: robots.txt asked first, politely fetched, and only a web page (not a PDF or an image)."""
        link = item.link or ""
        if not is_url(link):
            raise InputError(f"its link {_one_line(link, 120)!r} is not an http(s) URL")
        if self.robots is not None and not self.robots.allowed(link):
            raise InputError(
                f"{link}: robots.txt asks robots not to fetch it (--no-robots, or [feeds] robots = false, to fetch it anyway)"
            )
        with self.polite.slot(link):
            fetched = fetch_response(link, max_bytes=max_bytes, deadline=self.deadline)
        kind = fetched.content_type
        if fetched.body.startswith(b"%PDF") or (kind and kind not in PAGE_TYPES and not kind.endswith("+xml")):
            what = "a PDF" if fetched.body.startswith(b"%PDF") or kind == "application/pdf" else kind or "not a page"
            raise InputError(f"{link}: is {what}, not a web page")
        if len(fetched.body) > max_bytes:
            raise InputError(f"{link}: is over the {max_bytes / 1e6:.0f} MB limit for one article")
        return fetched

    def hold_lock(self) -> None:
        """Take the job's lock (once): a second run of the job is refused while this one reads feeds."""
        if self._lock is not None or self._lock_path is None:
            return
        import filelock

        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(str(self._lock_path))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            raise ConfigError(
                f"another run of this job is writing to {self._lock_target}: wait for it to finish, or give "
                "this run another --out"
            ) from None
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- items --

    def items(self, data: bytes, *, feed: str, not_modified: bool = False) -> list[FeedItem]:
        """The items of a feed to read: those the job has not digested, or whose entry changed (all with
        `--all`), dated `since` or later, each once in the job; counted in `counts`, one line for each problem."""
        parsed = parse_feed(data, name=feed)
        self.hold_lock()
        if parsed.problem:
            log.warning("%s: the feed is malformed (%s); its items are read as far as it parses", feed, parsed.problem)
        entries = parsed.items
        cap = self.options.max_items
        if len(entries) > cap:
            log.warning(
                "%s: has %s items; the first %s are read ([feeds] max_items)", feed, f"{len(entries):,}", f"{cap:,}"
            )
            entries = entries[:cap]
        known = self.cache.feed_items(self.job, feed)
        by_link = {r.link: r for r in known.values() if r.link}
        out: list[FeedItem] = []
        ids: set[str] = set()
        for number, entry in enumerate(entries, start=1):
            item = self._item(entry, number, feed, parsed.title, known, by_link)
            if item.item_id in ids:
                log.warning("%s: its id is the id of an earlier item of the feed; read once", item.where)
                self.counts["duplicate"] += 1
                continue
            ids.add(item.item_id)
            link = normal_link(item.link) if item.link and is_url(item.link) else None
            if link is not None:
                first = self._links.setdefault(link, item.where)
                if first != item.where:
                    log.warning("%s: links to the same article as %s; read once", item.where, first)
                    self.counts["duplicate"] += 1
                    continue
            if item.status == "unchanged":
                self.counts["unchanged"] += 1
                continue
            if self.options.since and item.date and item.date < self.options.since:
                self.counts["older"] += 1
                continue
            self.counts[item.status] += 1
            out.append(item)
        if not_modified:
            log.info("%s: %s unchanged (not modified)", feed, len(entries) - len(out))
        return out

    def _item(self, entry: dict[str, Any], number: int, feed: str, title: str | None, known, by_link) -> FeedItem:
        link = entry.get("link") if isinstance(entry.get("link"), str) and entry.get("link").strip() else None
        # feedparser takes an RSS guid for the link when there is none; a guid that is no URL is no link.
        link = link.strip() if link and is_url(link.strip()) else None
        content, summary = entry.get("content") or "", entry.get("summary") or ""
        text = html_text(content) or html_text(summary)
        item_id = (entry.get("id") or "").strip() or (normal_link(link) if link else None)
        item_id = item_id or f"item-{number}"
        label = _one_line(entry.get("title") or item_id, 80)
        # What the entry says, its link as normal_link writes it (a new tracking parameter is no change).
        fields = [entry.get(k) for k in ("title", "content", "summary", "updated")]
        entry_hash = hashlib.sha256(
            json.dumps([*fields, normal_link(link) if link else None], ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        record, was = known.get(item_id), None
        if record is None and link and normal_link(link) in by_link:
            record = by_link[normal_link(link)]
            was = record.item
            log.warning("%s: its guid changed since the last run (was %r); it is matched by its link", feed, was)
        status = "new"
        if record is not None and record.digested:
            same = record.entry_hash == entry_hash and not self.options.all
            status = "unchanged" if same else "changed"
        error = None
        if not link and not text:
            error = f"{feed}: item {label!r}: has no link and no text; nothing to read"
        return FeedItem(
            feed=feed,
            feed_title=_one_line(title, 300) if title else None,
            item_id=item_id,
            label=label,
            link=normal_link(link) if link else None,
            title=_one_line(entry["title"], 300) if entry.get("title") else None,
            author=_one_line(entry["author"], 300) if entry.get("author") else None,
            date=entry.get("date"),
            text=text,
            full=bool(content) and len(html_text(content)) >= FULL_TEXT_CHARS,
            entry_hash=entry_hash,
            status=status,
            known_content=record.content_hash if record is not None else None,
            was=was,
            error=error,
        )

    # -- after reading --

    def read(self, source: str, item: FeedItem, text: str) -> str:
        """Note that the input `source` is `item` and read as `text`; its status (new, changed, unchanged)."""
        status = self.after_read(item, text)
        self._read[source] = (item, text, status)
        return status

    def status(self, source: str) -> str | None:
        """new, changed or unchanged for an input read from a feed; None for any other input."""
        found = self._read.get(source)
        return found[2] if found else None

    def digested(self, source: str) -> None:
        """The input `source`'s digest is written: remember its item (no-op for other inputs)."""
        found = self._read.pop(source, None)
        if found is not None and found[2] != "unchanged":
            self.remember(found[0], found[1])

    def after_read(self, item: FeedItem, text: str) -> str:
        """new, changed or unchanged, now that the item's article text is known: a changed entry whose
        article reads as before is unchanged (remembered as such, and not digested again)."""
        if item.status == "changed" and item.known_content == content_hash(text) and not self.options.all:
            self.counts["changed"] -= 1
            self.counts["unchanged"] += 1
            self.counts["same_article"] += 1  # read, then left out: the closing line says why
            self.remember(item, text)
            return "unchanged"
        return item.status

    def remember(self, item: FeedItem, text: str) -> None:
        """The item was digested: the job will not digest it again while its entry and text stay the same."""
        self.cache.put_feed_item(
            self.job,
            item.feed,
            item.item_id,
            link=item.link,
            entry_hash=item.entry_hash,
            content_hash=content_hash(text),
            digested=True,
            was=item.was,
        )


def feeds_line(counts: Counter, *, all_items: bool = False) -> str | None:
    """`12 new, 3 changed, 140 unchanged` (and what else was left out, and why), or None when no feed was read."""
    if not any(counts.values()):
        return None
    line = f"feed items: {counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged"
    if counts["same_article"]:
        line += f" ({same_article(counts['same_article'])})"
    if counts["older"]:
        line += f", {counts['older']} older than --since"
    if counts["duplicate"]:
        line += f", {counts['duplicate']} read once for several entries"
    return line + (" (--all: every item digested again)" if all_items else "")


def same_article(count: int) -> str:
    """Why items read this run were not digested: their entries changed, their articles did not."""
    if count == 1:
        return "1 of them: its entry changed but its article reads as before, so it is not digested again"
    return f"{count} of them: their entries changed but their articles read as before, so they are not digested again"
