"""The edition: one page per run with every new story's summary in its own language and each target language
side by side, newest first, grouped by story (each group once, its sources counted and listed, the numbers
they disagree on flagged), each story linking to its full digest. `render_edition_html` for the browser and
print (the digest's stylesheet, no script); `render_edition_email` for a newsletter tool (inline styles
only, one fluid column of at most 600 px, nothing external); `render_edition_json` for programs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ...languages import direction, language_name, language_tag, same_language
from .html import _env
from .json import dumps, plain

if TYPE_CHECKING:
    from ...results import Edition, EditionStory

EDITION_SCHEMA = "summarizer.edition"
EDITION_VERSION = 1


def _context(
    edition: Edition, root: str = "", archives: Sequence[Mapping[str, str]] = (), archive_days: int = 0
) -> dict[str, Any]:
    langs = [
        {"code": t, "name": language_name(t), "tag": language_tag(t), "dir": direction(t)} for t in edition.targets
    ]
    return {
        "edition": edition,
        "languages": langs,
        "tag": language_tag,
        "dir": direction,
        "name": language_name,
        "shown_in": _shown_in,
        "stand_in": any(s.stand_in for g in edition.groups for s in g.stories),
        "root": root,
        "archives": list(archives),
        "archive_days": archive_days,
    }


def _shown_in(story: EditionStory) -> bool:
    """Whether one of the story's target columns already shows its own-language summary (a target in the
    article's language): else the page puts that summary beside the translations."""
    return any(same_language(story.lang, entry.target) and entry.summary for entry in story.languages)


def render_edition_html(
    edition: Edition, *, root: str = "", archives: Sequence[Mapping[str, str]] = (), archive_days: int = 0
) -> str:
    """The edition page; `root`: the way from where the page lies to the output folder (`../` for an
    archived copy in `editions/`); `archives`: the archived editions to list (`href`, `when`), kept
    `archive_days` days."""
    return _env().get_template("edition.html").render(_context(edition, root, archives, archive_days))


def render_edition_email(edition: Edition) -> str:
    return _env().get_template("edition_email.html").render(_context(edition))


def render_edition_json(edition: Edition) -> str:
    head = {"schema": EDITION_SCHEMA, "format_version": EDITION_VERSION}
    return dumps(head | plain(edition) | {"stories": edition.stories})
