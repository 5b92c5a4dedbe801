"""Web pages as inputs: fetching a URL (standard library, so proxies from the environment apply) and
extracting a page's main text and metadata with trafilatura, which drops navigation, scripts,
adverts and comments.

Every failure is an InputError of one line that names the page: an HTTP status, a network error,
or a page with no main text.
"""

from __future__ import annotations

import functools
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from ..errors import InputError

FETCH_TIMEOUT_S = 20.0
_URL = re.compile(r"^https?://", re.I)
# What a file or stream that is really a web page starts with (after a BOM and blank space).
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def is_url(source: str) -> bool:
    return bool(_URL.match(source))


def looks_like_html(data: bytes) -> bool:
    """Whether `data` is an HTML document (a doctype or an <html> tag first), whatever its file name."""
    return bool(_HTML_START.match(data[:4096]))


@dataclass(frozen=True)
class WebPage:
    """A page's main text (paragraphs separated by blank lines) and what its metadata says."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    site: str | None = None
    url: str | None = None


def fetch(url: str, *, max_bytes: int, timeout: float = FETCH_TIMEOUT_S) -> bytes:
    """The body of `url` (http or https), at most `max_bytes` + 1 bytes; an InputError of one line naming
    the URL and the HTTP status or network error otherwise."""
    from .. import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"summarizer/{__version__}", "Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise InputError(f"{url}: can't be fetched ({_reason(exc.reason)})") from None
    except (TimeoutError, OSError) as exc:
        raise InputError(f"{url}: can't be fetched ({_reason(exc)})") from None


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def extract(html: bytes | str, *, name: str, url: str | None = None) -> WebPage:
    """The main text and metadata of an HTML document; `name` is how errors name it."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,  # readers' comments are not the article
        include_tables=False,  # table cells are not sentences
        favor_precision=True,
        config=_config(),
    )
    text = (document.text or "").strip() if document is not None else ""
    if not text:
        raise InputError(f"{name}: no article text found in this web page")
    # trafilatura puts one paragraph (or heading, or list item) per line.
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    return WebPage(
        text="\n\n".join(paragraphs),
        title=_clean(document.title),
        author=_clean(document.author),
        date=_clean(document.date),
        site=_clean(document.sitename),
        url=_clean(document.url) or url,
    )


MIN_ARTICLE_CHARS = 40  # less main text than one short sentence is a menu or a login page, not an article


@functools.lru_cache(maxsize=1)
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", str(MIN_ARTICLE_CHARS))
    return config


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None
