"""Where a fetch may connect (issue 32 points 3 and 4): one rule, public_address, at every connection of every
fetch, each redirect included, to the address that was checked. Only 127.0.0.1 is ever connected to here:
names are answered by a stub resolver, and a "public" address is a local site the test stands in for."""

from __future__ import annotations

import _socket
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from summarizer.errors import InputError
from summarizer.inputs.web import fetch, public_address

PUBLIC = "93.184.216.34"  # a global address, never connected to: the guard sends it to the public site
PUBLIC_PAGE = b"<html><body><article><p>The public page says the summit opened in Baku on Thursday.</p><p>Delegates from many countries attended the long meeting.</p></article></body></html>"  # fmt: skip
SECRET_PAGE = b"<html><body><article><p>The internal page says the password is hunter2 for every delegate.</p><p>Nobody outside the network should ever read this sentence.</p></article></body></html>"  # fmt: skip


@pytest.mark.parametrize(
    "address, allowed",
    [
        ("8.8.8.8", True),
        (PUBLIC, True),
        ("2001:4860:4860::8888", True),
        ("2002:808:808::1", True),  # 6to4 of a public address
        ("100.64.0.1", False),  # carrier-grade NAT (point 4)
        ("100.100.100.200", False),  # a cloud's metadata address, inside it (point 4)
        ("192.0.0.1", False),  # IETF protocol assignments (point 4)
        ("192.0.0.9", False),  # one that `is_global` calls global
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1 (point 4)
        ("2002:a00:1::1", False),  # 6to4 of 10.0.0.1
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),  # IPv4-compatible
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("198.18.0.1", False),
        ("224.0.0.1", False),  # multicast, which `is_global` lets through
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("ff02::1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address, allowed):
    assert public_address(address) is allowed


# ---- a local network with a stub resolver -----------------------------------------------------------------


class Site:
    """An HTTP site on 127.0.0.1: path -> (status, headers, body); what it was asked is in `seen`."""

    def __init__(self, pages: dict):
        self.pages, self.seen = pages, []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.seen.append((self.path, self.headers.get("Host")))
                status, headers, body = site.pages.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for key, value in {"Content-Type": "text/html", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def network(monkeypatch):
    """Two sites on 127.0.0.1: `public` (what PUBLIC stands for) and `internal` (what must not be reached).
    `names[host]` lists a stub resolver's answers, one per lookup (the last repeats); `lookups` counts them.
    A connection to PUBLIC goes to the public site; one to any other address than 127.0.0.1 is refused."""
    public, internal = Site({}), Site({})
    names: dict[str, list[str]] = {}
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in names:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        lookups.append(host)
        answers = names[host]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port), 0, 0) if kind == socket.AF_INET6 else (address, int(port))
        return [(kind, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] == PUBLIC:
            return _socket.socket.connect(self, ("127.0.0.1", public.port))
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] != "127.0.0.1":
            raise ConnectionRefusedError(f"the test refuses {address[0]}")
        return _socket.socket.connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield public, internal, names, lookups
    public.close()
    internal.close()


def test_a_redirect_to_a_private_address_is_refused(network):
    public, internal, names, _ = network
    names["news.example"] = [PUBLIC]
    public.pages["/start"] = (302, {"Location": f"http://127.0.0.1:{internal.port}/secret"}, b"")
    internal.pages["/secret"] = (200, {}, SECRET_PAGE)
    with pytest.raises(InputError, match="127.0.0.1 is a private address; not fetched"):
        fetch(f"http://news.example:{public.port}/start", max_bytes=100_000, allow_private=False)
    assert [p for p, _ in public.seen] == ["/start"] and internal.seen == []
    # The command line allows private addresses: the same chain is followed.
    assert fetch(f"http://news.example:{public.port}/start", max_bytes=100_000) == SECRET_PAGE


def test_a_name_is_resolved_once_and_the_checked_address_connected_to(network):
    public, internal, names, lookups = network
    names["rebind.example"] = [PUBLIC, "127.0.0.1"]  # public when checked, loopback when looked up again
    public.pages["/page"] = (200, {}, PUBLIC_PAGE)
    internal.pages["/page"] = (200, {}, SECRET_PAGE)
    url = f"http://rebind.example:{internal.port}/page"  # the internal site's port: a second lookup reaches it
    assert fetch(url, max_bytes=100_000, allow_private=False) == PUBLIC_PAGE
    assert lookups == ["rebind.example"] and internal.seen == []
    assert public.seen == [("/page", f"rebind.example:{internal.port}")]  # the Host header is the name's


def test_a_name_that_resolves_to_loopback_is_refused_unless_private_is_allowed(network):
    _, internal, names, _ = network
    names["intranet.example"] = ["127.0.0.1"]
    internal.pages["/page"] = (200, {}, SECRET_PAGE)
    url = f"http://intranet.example:{internal.port}/page"
    with pytest.raises(InputError, match="intranet.example is a private address; not fetched"):
        fetch(url, max_bytes=100_000, allow_private=False)
    assert internal.seen == []
    assert fetch(url, max_bytes=100_000) == SECRET_PAGE  # the command line: an intranet page is fine
    assert internal.seen == [("/page", f"intranet.example:{internal.port}")]


def test_https_keeps_the_name_for_tls_while_connecting_to_the_checked_address(network, monkeypatch):
    """No TLS server here: the handshake is watched instead, and must name the host, not the address."""
    import ssl

    _, _, names, lookups = network
    names["secure.example"] = [PUBLIC]
    seen = {}

    def wrap_socket(self, sock, server_hostname=None, **kwargs):
        seen["name"], seen["peer"] = server_hostname, sock.getpeername()[0]
        raise ssl.SSLError("the test stops here")

    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)
    with pytest.raises(InputError):
        fetch("https://secure.example:443/page", max_bytes=100, allow_private=False)
    assert seen == {"name": "secure.example", "peer": "127.0.0.1"} and lookups == ["secure.example"]


def test_feeds_and_robots_go_through_the_same_connection_rule(network, monkeypatch):
    """A feed's fetch and its host's robots.txt connect through connect_checked too (the command line's
    setting: private addresses allowed)."""
    from summarizer.inputs import web
    from summarizer.inputs.feeds import FeedReader

    calls = []
    real = web.connect_checked
    monkeypatch.setattr(web, "connect_checked", lambda *a, **k: calls.append((a[0][0], k)) or real(*a, **k))
    public, _, names, lookups = network
    names["feeds.example"] = [PUBLIC]
    public.pages["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
    public.pages["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, RSS)
    reader = FeedReader()
    base = f"http://feeds.example:{public.port}"
    assert reader.robots.allowed(base + "/page") and not reader.robots.allowed(base + "/private/x")
    assert reader.open_url(base + "/feed.xml", max_bytes=100_000).feed == RSS
    assert calls == [("feeds.example", {"allow_private": True})] * 2 and lookups == ["feeds.example"] * 2


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://feeds.example/</link>
<description>d</description><item><title>One</title><link>http://feeds.example/1</link></item></channel></rss>"""


# ---- the server -------------------------------------------------------------------------------------------


def test_the_server_refuses_redirects_and_rebinding_into_private_addresses(network, tmp_path, marian, bart):
    import uvicorn
    from test_jobs import write_job

    from summarizer.config.merge import resolve_job
    from summarizer.server.app import Service, make_app
    from summarizer.server.settings import ServerOptions

    public, internal, names, lookups = network
    names["news.example"] = [PUBLIC]
    names["rebind.example"] = [PUBLIC, "127.0.0.1"]
    public.pages["/start"] = (302, {"Location": f"http://127.0.0.1:{internal.port}/secret"}, b"")
    public.pages["/page"] = (200, {}, PUBLIC_PAGE)
    internal.pages["/secret"] = internal.pages["/page"] = (200, {}, SECRET_PAGE)

    settings = resolve_job(write_job(tmp_path, marian, bart, targets=("ru",)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    service = Service(settings, ServerOptions(port=port, allow_urls=True))
    server = uvicorn.Server(uvicorn.Config(make_app(service), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def post(url: str, path: str = "/summarize"):
        body = json.dumps({"url": url, "method": "extractive", "sentences": 1}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        status, answer = post(f"http://news.example:{public.port}/start")
        assert status == 400 and "127.0.0.1 is a private address; not fetched" in answer["error"], answer
        status, answer = post(f"http://rebind.example:{internal.port}/page")
        assert status == 200 and "public page" in answer["summary"], answer
        status, answer = post(f"http://127.0.0.1:{internal.port}/page")
        assert status == 400 and "is a private address" in answer["error"], answer
        status, answer = post(f"http://news.example:{public.port}/start", "/digest")  # read by the pipeline
        assert status == 400 and "127.0.0.1 is a private address; not fetched" in answer["error"], answer
        names["rebind.example"] = [PUBLIC, "127.0.0.1"]  # (its second answer was given: it is asked again)
        status, answer = post(f"http://rebind.example:{internal.port}/page", "/digest")
        assert status == 200 and "public page" in json.dumps(answer), answer
        assert internal.seen == [] and lookups.count("rebind.example") == 2  # once per request
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        service.batcher.close()
