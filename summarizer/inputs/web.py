"""Web pages as inputs: fetching a URL (standard library, so proxies from the environment apply) and
extracting a page's main text and metadata with trafilatura, which drops navigation, scripts,
adverts and comments.

A fetch is bounded three ways: each read waits at most FETCH_TIMEOUT_S, the whole fetch (redirects
included) at most its deadline, and the body is at most `max_bytes` + 1 bytes. Only http(s)
redirects are followed, at most MAX_REDIRECTS of them. Every failure is an InputError of one line
that names the page: an HTTP status, a network error, a refused redirect or address, the deadline,
or a page with no main text.

Where a fetch may connect is one rule, `public_address`, applied to every connection of every fetch
(pages, feeds, robots.txt, the server's URLs), each redirect's included: with `allow_private=False`
(the server, unless --allow-private-urls) a host's name is resolved once, each of its addresses must
be public, and the connection goes to an address so checked, never to a second lookup's answer.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import re
import socket
import string
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from ..errors import InputError
from ..options import URL_DEADLINE_S

FETCH_TIMEOUT_S = 20.0  # the longest wait for any one read; the whole fetch has URL_DEADLINE_S (`url_deadline`)
MAX_REDIRECTS = 10  # what urllib allows too; a page behind more is not one a reader would reach
_CHUNK = 65536
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


@dataclass(frozen=True)
class Fetched:
    """What one GET returned: its status (200, or 304 for a conditional GET whose copy is current), the
    body (empty for a 304), the response headers that matter here, and the URL it ended at."""

    status: int
    body: bytes
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None  # the media type alone, lower case (`text/html`)


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = FETCH_TIMEOUT_S,
    deadline: float = URL_DEADLINE_S,
    allow_private: bool = True,
) -> bytes:
    """The body of `url` (http or https), at most `max_bytes` + 1 bytes, fetched within `deadline`
    seconds in all; an InputError of one line naming the URL and what went wrong otherwise. Without
    `allow_private`, only public addresses are connected to (`public_address`)."""
    return fetch_response(
        url, max_bytes=max_bytes, timeout=timeout, deadline=deadline, allow_private=allow_private
    ).body


def fetch_response(
    url: str,
    *,
    max_bytes: int,
    timeout: float = FETCH_TIMEOUT_S,
    deadline: float = URL_DEADLINE_S,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str = "text/html",
    allow_private: bool = True,
) -> Fetched:
    """`fetch`, with its status and headers: given `etag` or `last_modified` (from an earlier fetch), a
    conditional GET, whose 304 ("not modified") comes back as a Fetched with status 304 and no body."""
    from ..version import __version__

    name = _one_line(url)
    headers = {"User-Agent": f"summarizer/{__version__}", "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    watch = _Deadline(deadline)
    handlers = [_Redirects(), _HTTPHandler(watch, allow_private), _HTTPSHandler(watch, allow_private)]
    if not allow_private:  # a proxy would resolve the names itself, past the check: connect directly
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    try:
        with watch, opener.open(request, timeout=min(timeout, deadline)) as response:
            data = _read(response, max_bytes)
            status, final, got = response.status, response.geturl(), response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and (etag or last_modified) and not watch.expired:
            exc.close()
            return Fetched(304, b"", url, exc.headers.get("ETag") or etag, exc.headers.get("Last-Modified"))
        raise InputError(f"{name}: {_late(deadline) if watch.expired else _why(exc)}") from None
    except (_Refused, OSError, http.client.HTTPException, ValueError) as exc:
        raise InputError(f"{name}: {_late(deadline) if watch.expired else _why(exc)}") from None
    if watch.expired:  # what was read before the connection was cut may be a part of the page only
        raise InputError(f"{name}: {_late(deadline)}")
    media = (got.get("Content-Type") or "").split(";")[0].strip().lower() or None
    return Fetched(status, data, final, got.get("ETag"), got.get("Last-Modified"), media)


def _read(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body, at most `max_bytes` + 1 bytes, in reads of what has arrived (so the deadline can cut in)."""
    chunks, size = [], 0
    while size <= max_bytes:
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _late(deadline: float) -> str:
    return f"took longer than {deadline:g} s, the limit for one URL (url_deadline); raise it if the site is slow"


def _why(exc: BaseException) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {_one_line(exc.reason)}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return f"can't be fetched ({_one_line(_reason(reason))})"


def _one_line(text: object, limit: int = 300) -> str:
    """Text from a URL or a server as one line of at most `limit` characters: fit for an error message."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class _Refused(Exception):
    """A redirect we don't follow; its message is the reason, in one line."""


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Redirects to http(s) only, at most MAX_REDIRECTS, never in a loop; the redirect's body is not read."""

    def http_error_302(self, req, fp, code, msg, headers):
        location = headers.get("location") or headers.get("uri")
        if not location:
            return None
        # As urllib does: the header's bytes (decoded as ISO-8859-1) percent-encoded, then resolved.
        target = urljoin(req.full_url, quote(location, encoding="iso-8859-1", safe=string.punctuation))
        chain = (*getattr(req, "redirected_from", ()), req.full_url)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            problem = (
                f"redirected to a {scheme}: URL ({_one_line(target, 120)}); only http and https redirects are followed"
            )
        elif target in chain:
            problem = f"redirects in a loop (back to {_one_line(target, 120)})"
        elif len(chain) > MAX_REDIRECTS:
            problem = f"more than {MAX_REDIRECTS} redirects; give the address the page ends up at"
        else:
            problem = None
        if problem:
            fp.close()
            raise _Refused(problem)
        new = self.redirect_request(req, fp, code, msg, headers, target)
        if new is None:
            return None
        new.redirected_from = chain
        fp.close()  # unread: a redirect's body is not the page, and could be endless
        return self.parent.open(new, timeout=req.timeout)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class _Deadline:
    """A fetch's deadline: when it passes, every connection the fetch opened is shut, so a blocked read
    (headers or body, however slowly the bytes come) returns at once. A `with` block arms it."""

    def __init__(self, seconds: float):
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._over = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._over = True
        self._timer.cancel()

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)
            late = self.expired
        if late:
            self._expire()

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed; shutdown, not close, wakes a blocked read
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


@functools.cache
def _watched(cls: type[http.client.HTTPConnection]) -> type:
    """`cls` (an HTTP or HTTPS connection), taking a `_Deadline` that watches its socket once connected and
    whether private addresses are allowed first. It connects only where `connect_checked` allows; its
    Host header and its TLS server name stay the URL's host."""

    class Watched(cls):
        def __init__(self, deadline: _Deadline, allow_private: bool, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._deadline = deadline
            self._create_connection = functools.partial(connect_checked, allow_private=allow_private)

        def connect(self) -> None:
            super().connect()
            self._deadline.watch(self.sock)

    return Watched


class _Watching:
    """A handler mixin: the connections it opens are watched by one fetch's deadline and checked by its rule."""

    def __init__(self, deadline: _Deadline, allow_private: bool):
        super().__init__()
        self._deadline = deadline
        self._allow_private = allow_private

    def do_open(self, http_class, req, **kwargs):
        return super().do_open(
            functools.partial(_watched(http_class), self._deadline, self._allow_private), req, **kwargs
        )


class _HTTPHandler(_Watching, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_Watching, urllib.request.HTTPSHandler):
    pass


# ---- where a fetch may connect ----------------------------------------------------------------------------

_NOT_GLOBAL = (
    ipaddress.ip_network("192.0.0.0/24"),
)  # IETF protocol assignments: some say "global", none is a web site
_EMBEDDING = (  # IPv6 ranges whose last 32 bits are an IPv4 address that a gateway would connect to
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
)


def public_address(address: str) -> bool:
    """Whether a fetch that may not reach private networks may connect to `address` (an IP address as
    getaddrinfo gives it): only a global unicast address (`ipaddress`'s `is_global`), and for an IPv6
    address that carries an IPv4 one (mapped, 6to4, Teredo, NAT64), that one global too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (`fe80::1%eth0`) is no part of it
    if not ip.is_global or ip.is_multicast or any(ip in net for net in _NOT_GLOBAL if net.version == ip.version):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and any(ip in net for net in _EMBEDDING):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return public_address(str(inner))
    return True


def connect_checked(
    address: tuple[str, int],
    timeout: object = socket._GLOBAL_DEFAULT_TIMEOUT,  # what socket.create_connection takes: http.client passes it
    source_address: tuple[str, int] | None = None,
    *,
    allow_private: bool,
) -> socket.socket:
    """A connection to `address` (host, port), as socket.create_connection makes it, but resolved once:
    without `allow_private`, refused (`_Refused`) unless every address of the host is a `public_address`,
    and made to one of the addresses checked."""
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    if not allow_private:
        for *_, sockaddr in infos:
            if not public_address(sockaddr[0]):
                # (which address is not said: the caller is told no more of the network than that)
                raise _Refused(f"{_one_line(host, 120)} is a private address; not fetched")
    error: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"{host} has no address")


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
    # The page's H1 ahead of the text is its title, not a sentence: left in, `--method lead` and the
    # first sentence's translation ran it into the first paragraph.
    first = document.body[0] if document.body is not None and len(document.body) else None
    h1 = (
        _clean("".join(first.itertext()))
        if first is not None and (first.tag, first.get("rend")) == ("head", "h1")
        else None
    )
    if h1 and len(paragraphs) > 1 and _clean(paragraphs[0]) == h1:
        paragraphs = paragraphs[1:]
    return WebPage(
        text="\n\n".join(paragraphs),
        title=_clean(document.title) or h1,
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
