"""The edition: one page per run with every new story's summary in each language side by side, newest
first, grouped by story (each group once, its sources counted and listed, the numbers they disagree on
flagged), each story linking to its full digest. `render_edition_html` for the browser and print (the
digest's stylesheet, no script); `render_edition_email` for a newsletter tool (inline styles only, one
600 px column, nothing external); `render_edition_json` for programs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...languages import direction, language_name, language_tag
from .html import _env
from .json import dumps, plain

if TYPE_CHECKING:
    from ...results import Edition

EDITION_SCHEMA = "summarizer.edition"
EDITION_VERSION = 1


def _context(edition: Edition) -> dict[str, Any]:
    langs = [
        {"code": t, "name": language_name(t), "tag": language_tag(t), "dir": direction(t)} for t in edition.targets
    ]
    return {
        "edition": edition,
        "languages": langs,
        "tag": language_tag,
        "dir": direction,
        "name": language_name,
        "stand_in": any(s.stand_in for g in edition.groups for s in g.stories),
    }


def render_edition_html(edition: Edition) -> str:
    return _env().get_template("edition.html").render(_context(edition))


def render_edition_email(edition: Edition) -> str:
    return _env().get_template("edition_email.html").render(_context(edition))


def render_edition_json(edition: Edition) -> str:
    head = {"schema": EDITION_SCHEMA, "format_version": EDITION_VERSION}
    return dumps(head | plain(edition) | {"stories": edition.stories})
