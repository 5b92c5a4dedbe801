"""`summarizer serve` as docs/server.md starts it (`summarizer serve --to ru,ar`, the default model ids answered
by stand-ins from a Hugging Face cache): LibreTranslate's own API cases (translate, batch, unsupported
language, missing parameter, detect, languages, frontend settings, health, spec) over HTTP, the page's
LibreTranslate-client recipe run as written, and every kind of answer checked for the stand-in marker.

One server process for the module, on a free port of 127.0.0.1.
"""

from __future__ import annotations

import json
import shlex
import textwrap
import urllib.error
import urllib.parse
import urllib.request

import pytest
from test_docs import _fences
from test_recipes import stand_in_hub  # noqa: F401  (a fixture: the default model ids as stand-ins)
from test_server import Server

from conftest import ROOT

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("libretranslatepy")

pytestmark = pytest.mark.slow  # the module starts a server process

PAGE = ROOT / "docs" / "server.md"
DOCS_URL = "http://127.0.0.1:5000"  # where the page's client points
ARTICLE = "The summit opened in Baku on Thursday. Delegates from 120 countries attended. Talks went on late."


def _docs_line(start: str) -> list[str]:
    for fence in _fences(PAGE):
        for line in fence.lines:
            if line.startswith(start):
                return shlex.split(line.split("#", 1)[0])
    raise AssertionError(f"docs/server.md has no line starting {start!r}")


@pytest.fixture(scope="module")
def server(stand_in_hub, tmp_path_factory):  # noqa: F811
    words = _docs_line("summarizer serve --to ru,ar")
    assert words[:2] == ["summarizer", "serve"] and "--port" in words
    args = words[2 : words.index("--port")] + words[words.index("--port") + 2 :]  # our own free port instead
    env = {"HF_HUB_CACHE": str(stand_in_hub), "HF_HUB_OFFLINE": "1", "SUMMARIZER_BACKEND": "torch"}
    s = Server(None, *args, cache=tmp_path_factory.mktemp("cache"), env=env)
    yield s
    s.stop()


def _call(server, method: str, path: str, *, form: dict | None = None, body: dict | None = None, headers=None):
    """One request as LibreTranslate's tests make them: a form (`data=`), JSON (`json=`) or nothing."""
    data, kind = None, {}
    if form is not None:
        data, kind = urllib.parse.urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    elif body is not None:
        data, kind = json.dumps(body).encode(), {"Content-Type": "application/json"}
    req = urllib.request.Request(server.url + path, data=data, method=method, headers={**kind, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


# ---- LibreTranslate's API cases (libretranslate/tests/test_api), written again for our targets ---------


def test_translate_a_form(server):
    status, raw, _ = _call(server, "POST", "/translate", form={"q": "Hello", "source": "en", "target": "ru", "format": "text"})  # fmt: skip
    assert status == 200 and "translatedText" in json.loads(raw)


def test_translate_a_batch(server):
    body = {"q": ["Hello", "World"], "source": "en", "target": "ru", "format": "text"}
    status, raw, _ = _call(server, "POST", "/translate", body=body)
    answer = json.loads(raw)
    assert status == 200 and isinstance(answer["translatedText"], list) and len(answer["translatedText"]) == 2


def test_translate_into_an_unsupported_language(server):
    status, raw, _ = _call(server, "POST", "/translate", form={"q": "Hello", "source": "en", "target": "zz", "format": "text"})  # fmt: skip
    assert status == 400 and json.loads(raw) == {"error": "zz is not supported"}


def test_translate_without_q(server):
    status, raw, _ = _call(server, "POST", "/translate", form={"source": "en", "target": "ru", "format": "text"})
    assert status == 400 and json.loads(raw) == {"error": "Invalid request: missing q parameter"}


def test_detect(server):
    status, raw, _ = _call(server, "POST", "/detect", form={"q": "Hello"})
    answer = json.loads(raw)
    assert status == 200 and len(answer) >= 1 and {"confidence", "language"} <= set(answer[0])


def test_detect_without_parameters(server):
    status, raw, _ = _call(server, "POST", "/detect")
    assert status == 400 and "error" in json.loads(raw)


def test_languages(server):
    status, raw, _ = _call(server, "GET", "/languages")
    answer = json.loads(raw)
    assert status == 200 and len(answer) >= 1 and {"code", "name"} <= set(answer[0])


def test_health_is_exactly_libretranslates(server):
    status, raw, _ = _call(server, "GET", "/health")
    assert status == 200 and json.loads(raw) == {"status": "ok"}
    status, raw, _ = _call(server, "GET", "/status")  # our fields, where a client asks for them
    answer = json.loads(raw)
    assert status == 200 and answer["targets"] == ["ru", "ar"] and answer["uptime_s"] >= 0


def test_frontend_settings_and_spec(server):
    assert _call(server, "GET", "/frontend/settings")[0] == 200
    status, raw, _ = _call(server, "GET", "/spec")
    spec = json.loads(raw)
    assert status == 200 and spec["openapi"].startswith("3.") and "/translate" in spec["paths"]


@pytest.mark.parametrize("method, path", [("GET", "/detect"), ("POST", "/languages"), ("POST", "/health"), ("POST", "/spec")])  # fmt: skip
def test_the_wrong_method_is_405(server, method, path):
    status, raw, _ = _call(server, method, path, body={} if method == "POST" else None)
    assert status == 405 and "error" in json.loads(raw)


# ---- docs/server.md's client recipe, as written ---------------------------------------------------------


def test_the_libretranslate_client_recipe_of_docs_server_runs(server, capsys):
    blocks = [textwrap.dedent("\n".join(f.lines)) for f in _fences(PAGE) if f.lang == "python"]
    recipe = [b for b in blocks if "LibreTranslateAPI" in b]
    assert recipe and all(DOCS_URL in b for b in recipe)
    for block in recipe:
        exec(compile(block.replace(DOCS_URL, server.url), str(PAGE), "exec"), {})  # only where it points changes
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) >= 3 and all(line.strip() for line in printed), printed


# ---- the stand-in marker on every kind of answer ---------------------------------------------------------


def _translate(server, **body):
    status, raw, _ = _call(server, "POST", "/translate", body={"source": "en", "target": "ru", **body})
    assert status == 200, raw
    return json.loads(raw)["summarizer"]


def test_every_answer_a_stand_in_made_says_so(server):
    extras = [_translate(server, q=ARTICLE), _translate(server, q=f"<p>{ARTICLE}</p>", format="html")]
    extras += _translate(server, q=[ARTICLE, "Second text here."])
    extras += [_translate(server, q=ARTICLE, source="auto")]
    for extra in extras:  # flags and the marker always there
        assert extra["stand_in"] is True and extra["model"]["stand_in"] is True, extra
        assert isinstance(extra["flags"], list) and all("flags" in s for s in extra["sentences"])
    same = _translate(server, q="Привет, мир.", source="ru", target="ru")  # not translated: no model made it
    assert same["stand_in"] is False and same["flags"] == [] and same["sentences"] == []

    languages = json.loads(_call(server, "GET", "/languages")[1])
    english = next(entry for entry in languages if entry["code"] == "en")
    assert english["stand_in"] is True and set(english["stand_in_targets"]) == {"ru", "ar"}
    assert all("stand_in" in entry and "stand_in_targets" in entry for entry in languages)
    assert json.loads(_call(server, "GET", "/status")[1])["stand_in"] is True

    status, raw, _ = _call(server, "POST", "/summarize", body={"text": ARTICLE, "method": "abstractive"})
    summary = json.loads(raw)
    assert status == 200 and summary["stand_in"] is True and summary["model"]["stand_in"] is True
    status, raw, _ = _call(server, "POST", "/summarize", body={"text": ARTICLE, "method": "lead"})
    assert status == 200 and json.loads(raw)["stand_in"] is False  # no model made it

    status, raw, headers = _call(server, "POST", "/digest", body={"text": ARTICLE})  # digest's default: abstractive
    digest = json.loads(raw)
    assert status == 200 and digest["stand_in"] is True and headers["X-Summarizer-Stand-In"] == "true"
    assert digest["summary"]["model"]["stand_in"] is True
    status, raw, headers = _call(server, "POST", "/digest", body={"text": ARTICLE}, headers={"Accept": "text/html"})
    page = raw.decode()
    assert status == 200 and headers["X-Summarizer-Stand-In"] == "true"
    assert 'data-stand-in="true"' in page and "STAND-IN" in page
