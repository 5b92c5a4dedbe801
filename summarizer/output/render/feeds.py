"""A translated feed per language (RSS 2.0 and Atom, written with feedgen): each story's title and summary
in that language, a link to the article and to its digest, its quality flags as categories (and a story
a stand-in model made says so: a `stand-in` category and a title prefix); the items of
the feed as it was (read back with feedparser) follow the new ones, the newest `keep` kept."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin

from ...languages import language_name

if TYPE_CHECKING:
    from ...results import Edition, EditionStory

FLAG_SCHEME = "https://summarizer.invalid/quality-flags"  # the categories' scheme: the codes of the quality checks
# An item a stand-in model (random weights) made says so where every reader shows it: its title and a category.
STAND_IN_SCHEME = "https://summarizer.invalid/stand-in"
STAND_IN_TERM = "stand-in"
STAND_IN_TITLE = "[STAND-IN, NOISE] "
GENERATOR = "summarizer"


def _href(relative: str | None, out_dir: Path, base_url: str | None) -> str | None:
    if relative is None:
        return None
    if base_url:
        return urljoin(base_url.rstrip("/") + "/", quote(relative))
    return (out_dir / relative).resolve().as_uri()


def _day(value: str | None, fallback: datetime.datetime) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(value).replace(tzinfo=datetime.UTC) if value else fallback
    except ValueError:
        return fallback


def _item_id(s: EditionStory) -> str:
    key = f"{s.feed or ''}\n{s.item_id or s.link or s.source}"
    return "urn:summarizer:item:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def render_feeds(
    edition: Edition,
    target: str,
    *,
    out_dir: Path,
    base_url: str | None,
    keep: int,
    previous: bytes | None = None,
) -> tuple[str, str]:
    """(RSS 2.0, Atom) for `target`: the edition's stories, then `previous`'s items (the RSS this wrote
    last time) that are not among them, `keep` in all."""
    from feedgen.feed import FeedGenerator

    now = datetime.datetime.fromisoformat(edition.created)
    name = language_name(target)
    fg = FeedGenerator()
    fg.id(f"urn:summarizer:feed:{hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]}:{target}")
    fg.title(f"{edition.title} · {name}")
    fg.description(f"Summaries translated into {name} by summarizer, with their quality flags")
    fg.link(href=_href("edition.html", out_dir, base_url), rel="alternate")
    fg.language(target)
    fg.generator(GENERATOR)
    fg.updated(now)
    seen: set[str] = set()
    count = 0
    for group in edition.groups:
        for s in group.stories:
            lang = next((entry for entry in s.languages if entry.target == target), None)
            if lang is None or not (lang.title or lang.summary) or count >= keep:
                continue
            fe = fg.add_entry(order="append")
            ident = _item_id(s)
            seen.add(ident)
            count += 1
            fe.id(ident)
            fe.guid(ident, permalink=False)
            fe.title(STAND_IN_TITLE + lang.title if s.stand_in else lang.title)
            digest = _href(s.digest, out_dir, base_url)
            text = lang.summary or lang.title
            if s.stand_in:
                text = f"Made by a stand-in model (random weights): this text is noise.\n\n{text}"
            fe.description(text + (f"\n\nDigest: {digest}" if digest else ""))
            fe.link(href=s.link or digest or _href("edition.html", out_dir, base_url), rel="alternate")
            if digest:
                fe.link(href=digest, rel="related", title="digest")
            when = _day(s.date, now)
            fe.published(when)
            fe.updated(now)
            if s.site:
                fe.source(title=s.site, url=s.feed if s.feed and s.feed.startswith("http") else (s.link or digest))
            if s.stand_in:
                fe.category(term=STAND_IN_TERM, scheme=STAND_IN_SCHEME, label=STAND_IN_TERM)  # RSS shows the label
            for code in s.flags:
                fe.category(term=code, scheme=FLAG_SCHEME, label=code)
    if previous:
        import feedparser

        for entry in feedparser.parse(previous).entries:
            ident = entry.get("id")
            if not ident or ident in seen or count >= keep:
                continue
            seen.add(ident)
            count += 1
            fe = fg.add_entry(order="append")
            fe.id(ident)
            fe.guid(ident, permalink=False)
            fe.title(entry.get("title") or ident)
            fe.description(entry.get("summary") or entry.get("title") or "")
            if entry.get("link"):
                fe.link(href=entry["link"], rel="alternate")
            parsed = entry.get("published_parsed")
            when = datetime.datetime(*parsed[:6], tzinfo=datetime.UTC) if parsed else now
            fe.published(when)
            fe.updated(when)
            for tag in entry.get("tags") or []:
                if tag.get("term"):
                    scheme = STAND_IN_SCHEME if tag["term"] == STAND_IN_TERM else FLAG_SCHEME
                    fe.category(term=tag["term"], scheme=scheme, label=tag.get("label") or tag["term"])
    rss = fg.rss_str(pretty=True).decode("utf-8")
    atom = fg.atom_str(pretty=True).decode("utf-8")
    return rss, atom
