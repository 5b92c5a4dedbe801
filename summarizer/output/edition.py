"""The run's outputs for readers and other tools when its inputs are feeds: the edition (every new story's
summary in each language side by side, newest first, grouped by story; HTML, an e-mail-safe HTML and JSON)
and a translated feed per language (RSS 2.0 and Atom, a rolling window of the last items).

`build_edition` makes the plain `Edition` from the run's digests, their translated titles and story groups
(the job computes those: translation and embeddings are model work); `write_edition` writes
`edition.html`, `edition.email.html`, `edition.json` and `feeds/<lang>.xml` / `feeds/<lang>.atom` beside
the digests, each file atomically, and archives an edition with stories in `editions/` (kept
ARCHIVE_DAYS days). A run with nothing new writes the last edition with stories again (`kept_edition`).
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import SummarizerError
from ..languages import same_language
from ..quality.facts import facts
from ..results import Digest, Edition, EditionGroup, EditionLanguage, EditionStory
from .files import atomic_write_text

__all__ = [
    "EDITION_NAMES",
    "Edition",
    "EditionGroup",
    "EditionLanguage",
    "EditionStory",
    "build_edition",
    "disagreements",
    "feed_names",
    "kept_edition",
    "recent_stories",
    "write_edition",
]

EDITION_NAMES = ("edition.html", "edition.email.html", "edition.json")
FEEDS_FOLDER = "feeds"
ARCHIVE_FOLDER = "editions"  # each edition with stories, as JSON (for grouping) and HTML (for readers)
ARCHIVE_DAYS = 30  # archived editions are kept this long (the newest always): docs/how-it-works.md#feeds
RECENT_DAYS = 3  # stories this recent are grouped with a run's new ones
LEAD_SENTENCES = 3  # a story shown without a translated summary: its first translated sentences


def story(
    digest: Digest, titles: Mapping[str, str], digest_href: str | None, targets: Sequence[str] = ()
) -> EditionStory:
    """The edition's view of one digest; `titles`: its title per target language (as translated). With
    `targets`, one entry per target in that order: an article in a target's own language is shown as it
    is there, and a target it has no translation into gets an empty entry."""
    article = digest.article
    languages = []
    flags: dict[str, None] = dict.fromkeys(f.code for f in (digest.summary.flags if digest.summary else ()))
    for ld in digest.languages:
        ts = ld.summary
        if ts is None and ld.full is not None:  # the full text alone: its first sentences stand in
            ts = ld.full
            shown = ts.translations[:LEAD_SENTENCES]
        else:
            shown = ts.translations if ts is not None else ()
        text = " ".join(t.text for t in shown if t.text.strip())
        flagged = sum(bool(t.flags) for t in shown)
        flags.update(dict.fromkeys(f.code for t in shown for f in t.flags))
        languages.append(EditionLanguage(ld.target, titles.get(ld.target) or article.title, text, flagged))
    own = " ".join(s.text for s in digest.summary_sentences) or " ".join(
        s.text for s in article.sentences[:LEAD_SENTENCES]
    )
    if targets:
        by_target = {entry.target: entry for entry in languages}
        languages = [
            by_target.get(t)
            or (
                EditionLanguage(t, article.title, own) if same_language(article.lang, t) else EditionLanguage(t, "", "")
            )
            for t in targets
        ]
    return EditionStory(
        title=article.title,
        source=article.source,
        lang=article.lang,
        languages=tuple(languages),
        summary=own,
        date=article.date,
        link=article.url,
        site=article.feed_title or article.site,
        feed=article.feed,
        item_id=article.item_id,
        digest=digest_href,
        flags=tuple(flags),
        stand_in=digest.stand_in,
    )


_COUNTED = re.compile(r"[^\W\d_]+")


def _near(a: str, b: str) -> bool:
    """Two numbers one digit apart (120 and 121, 1961 and 1691 are not): a source that changed a figure."""
    return a != b and len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def disagreements(stories: Sequence[EditionStory]) -> tuple[str, ...]:
    """Numbers the sources of one story disagree on: for a unit or the word after a number ("120
    countries", "€30"), sources in one language giving it different values; and, in any languages, a
    number of one source that another gives one digit apart (120 against 121) and not as it is."""
    by_key: dict[str, dict[str, set[str]]] = {}
    numbers: dict[str, set[str]] = {}
    labels = [s.site or s.source for s in stories]
    for s in stories:
        # Each story is a source of its own; two of one site are told apart by their titles.
        name = s.site or s.source
        if labels.count(name) > 1:
            name = f"{name}: {s.title[:40]}"
        for f in facts(s.summary, s.lang):
            if f.kind != "number":
                continue
            numbers.setdefault(name, set()).add(f.value)
            key = f.unit
            if not key:
                after = _COUNTED.search(s.summary[f.end : f.end + 30])
                key = after.group().casefold() if after else ""
            if key:
                by_key.setdefault(key, {}).setdefault(name, set()).add(f.value)
    out = []
    for key, sources in by_key.items():
        if len(sources) > 1 and len({frozenset(v) for v in sources.values()}) > 1:
            said = "; ".join(f"{', '.join(sorted(v))} ({name})" for name, v in sources.items())
            out.append(f"{key}: {said}")
    names = list(numbers)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for x in sorted(numbers[a] - numbers[b]):
                for y in sorted(numbers[b] - numbers[a]):
                    line = f"{x} ({a}) against {y} ({b})"
                    if _near(x, y) and not any(x in o and y in o for o in out):
                        out.append(line)
    return tuple(out)


def build_edition(
    digests: Sequence[Digest],
    *,
    titles: Mapping[str, Mapping[str, str]],
    hrefs: Mapping[str, str],
    groups: Sequence[int],
    targets: Sequence[str],
    title: str = "Edition",
    now: datetime.datetime | None = None,
    earlier: Sequence[EditionStory] = (),
    earlier_groups: Sequence[int] = (),
) -> Edition:
    """The run's stories (`titles` and `hrefs` by article source; `groups`: a group number per digest),
    grouped, each group newest first and the groups by their newest story. `earlier` (with their group
    numbers, counted with `groups`): stories of the last few days' editions; each joins the group of the
    run's stories it shares a number with (and is left out where it shares none)."""
    stories = [story(d, titles.get(d.article.source, {}), hrefs.get(d.article.source), targets) for d in digests]
    by_group: dict[int, list[EditionStory]] = {}
    for s, g in zip(stories, groups, strict=True):
        by_group.setdefault(g, []).append(s)
    before: dict[int, list[EditionStory]] = {}
    for s, g in zip(earlier, earlier_groups, strict=True):
        if g in by_group and s.source not in {m.source for m in by_group[g]}:
            before.setdefault(g, []).append(s)
    ordered = []
    for g, members in by_group.items():
        members.sort(key=lambda s: s.date or "", reverse=True)
        old = sorted(before.get(g, []), key=lambda s: s.date or "", reverse=True)
        everyone = [*members, *old]
        found = disagreements(everyone) if len(everyone) > 1 else ()
        ordered.append(EditionGroup(tuple(members), found, tuple(old)))
    ordered.sort(key=lambda g: g.stories[0].date or "", reverse=True)
    created = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0).isoformat()
    return Edition(title, created, tuple(targets), tuple(ordered))


def recent_stories(
    out_dir: str | os.PathLike[str], *, now: datetime.datetime, days: int = RECENT_DAYS
) -> list[EditionStory]:
    """The stories of the editions archived in `out_dir/editions/` within `days` of `now`, newest edition
    first, each story once (an unreadable archive file is passed over)."""
    from .render.json import edition_from_json

    folder = Path(out_dir) / ARCHIVE_FOLDER
    cutoff = now - datetime.timedelta(days=days)
    found: dict[str, EditionStory] = {}
    for path in sorted(folder.glob("edition-*.json"), reverse=True) if folder.is_dir() else []:
        try:
            edition = edition_from_json(path.read_text(encoding="utf-8"))
            if datetime.datetime.fromisoformat(edition.created) < cutoff:
                continue
        except (OSError, UnicodeDecodeError, ValueError, SummarizerError):
            continue
        for group in edition.groups:
            for s in group.stories:
                found.setdefault(s.source, s)
    return list(found.values())


def feed_names(targets: Sequence[str]) -> list[str]:
    """The translated feeds' paths relative to the output folder, per target: RSS 2.0, then Atom."""
    return [f"{FEEDS_FOLDER}/{t}.{ext}" for t in targets for ext in ("xml", "atom")]


def archive_stamp(edition: Edition) -> str:
    """The edition's time as its archived files name it: `20230302T101500`."""
    return re.sub(r"[^0-9T]", "", edition.created.split("+")[0])


def kept_edition(out_dir: str | os.PathLike[str]) -> Edition | None:
    """The last edition with stories in `out_dir`: `edition.json` when it has some, else the newest archived
    one that has (a folder whose edition an older version blanked); None when there is none."""
    from .render.json import edition_from_json

    out = Path(out_dir)
    archive = out / ARCHIVE_FOLDER
    found = sorted(archive.glob("edition-*.json"), reverse=True) if archive.is_dir() else []
    for path in (out / "edition.json", *found):
        try:
            edition = edition_from_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SummarizerError):
            continue
        if edition.stories:
            return edition
    return None


def prune_archive(out_dir: str | os.PathLike[str], *, now: datetime.datetime, days: int = ARCHIVE_DAYS) -> list[Path]:
    """Remove the archived editions (this tool's `editions/edition-<time>.json` and `.html`) older than
    `days` before `now`, always keeping the newest; return what was removed."""
    from .files import is_own_output

    folder = Path(out_dir) / ARCHIVE_FOLDER
    if not folder.is_dir():
        return []
    stamps = sorted({m.group(1) for p in folder.iterdir() if (m := _ARCHIVED.fullmatch(p.name))}, reverse=True)
    cutoff = (now - datetime.timedelta(days=days)).strftime("%Y%m%dT%H%M%S")
    removed = []
    for stamp in stamps[1:]:
        if stamp >= cutoff:
            continue
        for path in (folder / f"edition-{stamp}.json", folder / f"edition-{stamp}.html"):
            if path.is_file() and is_own_output(path):
                path.unlink()
                removed.append(path)
    return removed


def archived_editions(out_dir: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The archived edition pages in `out_dir/editions/`, newest first: each one's `href` (relative to
    `out_dir`) and `when` (`2023-03-02 10:15 UTC`)."""
    folder = Path(out_dir) / ARCHIVE_FOLDER
    names = sorted((p.name for p in folder.glob("edition-*.html")), reverse=True) if folder.is_dir() else []
    out = []
    for name in names:
        m = _ARCHIVED.fullmatch(name)
        if m:
            s = m.group(1)
            when = f"{s[0:4]}-{s[4:6]}-{s[6:8]} {s[9:11]}:{s[11:13]} UTC"
            out.append({"href": f"{ARCHIVE_FOLDER}/{name}", "when": when})
    return out


_ARCHIVED = re.compile(r"edition-(\d{8}T\d{6})\.(?:json|html)")


def write_edition(
    edition: Edition,
    out_dir: str | os.PathLike[str],
    *,
    keep: int,
    base_url: str | None,
    guard=None,
    again: bool = False,
) -> list[Path]:
    """Write the edition's three files and each language's two feeds (merged with the items those feeds
    already hold, the newest `keep` kept); return their paths. An edition with stories is archived too
    (`editions/edition-<time>.json` and `.html`), the archive pruned to the last ARCHIVE_DAYS days and
    listed on the page. `again`: the last edition with stories written again on a run with nothing new
    (its three files only: nothing archived, the feeds left as they are)."""
    from .render.edition import render_edition_email, render_edition_html, render_edition_json
    from .render.feeds import render_feeds

    out = Path(out_dir)
    now = datetime.datetime.fromisoformat(edition.created)
    if edition.groups and not again:
        name = f"edition-{archive_stamp(edition)}"
        (out / ARCHIVE_FOLDER).mkdir(exist_ok=True)
        archive = out / ARCHIVE_FOLDER
        atomic_write_text(archive / f"{name}.json", render_edition_json(edition), guard=guard)
        atomic_write_text(archive / f"{name}.html", render_edition_html(edition, root="../"), guard=guard)
    prune_archive(out, now=max(now, datetime.datetime.now(datetime.UTC)))
    listed = archived_editions(out)
    written = []
    for name, text in zip(
        EDITION_NAMES,
        (
            render_edition_html(edition, archives=listed, archive_days=ARCHIVE_DAYS),
            render_edition_email(edition),
            render_edition_json(edition),
        ),
        strict=True,
    ):
        atomic_write_text(out / name, text, guard=guard)
        written.append(out / name)
    if again:
        return written
    (out / FEEDS_FOLDER).mkdir(exist_ok=True)
    for target in edition.targets:
        rss_path, atom_path = out / FEEDS_FOLDER / f"{target}.xml", out / FEEDS_FOLDER / f"{target}.atom"
        old = rss_path.read_bytes() if rss_path.is_file() else None
        rss, atom = render_feeds(edition, target, out_dir=out, base_url=base_url, keep=keep, previous=old)
        atomic_write_text(rss_path, rss, guard=guard)
        atomic_write_text(atom_path, atom, guard=guard)
        written += [rss_path, atom_path]
    return written
