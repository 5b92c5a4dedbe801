"""Digest rendering and writing: alignment by id, escaping, lang/dir, stand-in notice, JSON, file names."""

from __future__ import annotations

import errno
import json
import os
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser

import pytest

from summarizer.errors import ConfigError, InputError, OutputError
from summarizer.options import DIGEST_FORMATS, SUMMARY_FORMATS, check_formats
from summarizer.output.files import (
    atomic_write_text,
    ensure_output_dir,
    index_entry,
    output_names,
    write_digest,
    write_index,
)
from summarizer.output.render import (
    digest_from_json,
    digest_schema,
    md_escape,
    render_digest,
    render_html,
    render_index,
    render_json,
    render_markdown,
    render_summary,
)
from summarizer.results import (
    Article,
    Digest,
    DigestLink,
    IndexEntry,
    LanguageDigest,
    ModelInfo,
    QualityFlag,
    Sentence,
    Summary,
    Translation,
    TranslationSet,
)

SCRIPT = "<script>alert('pwned')</script>"
SAFE_STEM = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _model(name: str, stand_in: bool) -> ModelInfo:
    return ModelInfo(
        name=name, revision="0123456789abcdef0123", fingerprint=f"{name}@0123456789abcdef0123", stand_in=stand_in
    )


def make_digest(stand_in: bool = False, shuffle: bool = True) -> Digest:
    """A small digest whose text is hostile to renderers; translations are stored out of order."""
    texts = [
        [f"The minister said {SCRIPT} nothing.", "Prices | wages rose by 5%."],
        ["A line\nbroken in two, with a C:\\path\\file and *stars* and `ticks`."],
        ["Baku hosted the summit on March 2.", "It ended & everyone left >quickly<."],
    ]
    sentences = tuple(Sentence(f"art-1:p{p}:s{i}", t, p, i) for p, para in enumerate(texts) for i, t in enumerate(para))
    summary_sentences = (
        Sentence("art-1-summary:p0:s0", f"Summit in Baku {SCRIPT}.", 0, 0),
        Sentence("art-1-summary:p0:s1", "Rows | cols.", 0, 1),
    )
    scripts = {"az": "Tərcümə", "ru": "Перевод", "ar": "ترجمة"}

    def tset(target: str, source: tuple[Sentence, ...]) -> TranslationSet:
        ts = [
            Translation(
                s.id,
                s.text,
                f"{scripts[target]} {s.id} {SCRIPT if '<script>' in s.text else ''}".strip(),
                cached=i == 0,
            )
            for i, s in enumerate(source)
        ]
        if shuffle:
            ts = ts[1::2] + ts[0::2]
        return TranslationSet(
            target,
            "en",
            _model(f"Helsinki-NLP/opus-mt-en-{target}", stand_in),
            ">>ara<<" if target == "ar" else None,
            {"num_beams": 4},
            tuple(ts),
            seconds=0.5,
        )

    article = Article(
        "art-1",
        f"Title {SCRIPT}",
        "news/art 1.txt",
        "\n\n".join(" ".join(p) for p in texts),
        sentences,
        date="2023-03-02",
    )
    summary = Summary(
        " ".join(s.text for s in summary_sentences),
        _model("facebook/bart-large-cnn", False),
        {"num_beams": 4, "max_new_tokens": 60},
        input_tokens=80,
        max_input_tokens=1024,
        cached=True,
        warnings=("a warning with <b>markup</b>",),
    )
    languages = tuple(
        LanguageDigest(t, summary=tset(t, summary_sentences), full=tset(t, sentences)) for t in ("az", "ru", "ar")
    )
    return Digest(
        article,
        summary,
        summary_sentences,
        languages,
        warnings=("digest-level note",),
        timings={"summarize": 1.5, "read": 0.01},
    )


class Page(HTMLParser):
    """Sentence tables of a rendered page, as data: tables (a part, its target columns, its header cells) ->
    rows -> cells with their attributes and text. The paragraph view's tables are left out."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.tables: list[dict] = []
        self.text: list[str] = []
        self._cell: dict | None = None
        self._in_bitext = False
        self._in_head = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table" and "bitext" in (a.get("class") or "").split():
            self._in_bitext = True
            targets = (a.get("data-targets") or "").split()
            self.tables.append({"targets": targets, "part": a.get("data-part"), "head": [], "rows": []})
        elif self._in_bitext and tag == "thead":
            self._in_head = True
        elif self._in_bitext and tag == "tr" and "data-sid" in a:
            self.tables[-1]["rows"].append({"attrs": a, "cells": []})
        elif (
            self._in_bitext
            and tag in ("td", "th")
            and self._cell is None
            and (self._in_head or self.tables[-1]["rows"])
        ):
            self._cell = {"tag": tag, "attrs": a, "text": "", "tags": []}
        elif self._cell is not None:
            self._cell["tags"].append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_bitext = False
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            where = self.tables[-1]["head"] if self._in_head else self.tables[-1]["rows"][-1]["cells"]
            where.append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data

    def table(self, target: str, part: str) -> list[dict]:
        """The rows of `part` as source | `target`: each row's cells less the other languages' columns."""
        (table,) = [t for t in self.tables if target in t["targets"] and t["part"] == part]
        return [
            {**row, "cells": [c for c in row["cells"] if c["attrs"].get("data-target") in (None, target)]}
            for row in table["rows"]
        ]

    def cells(self, row: dict, cls: str) -> dict:
        (cell,) = [c for c in row["cells"] if c["tag"] == "td" and cls in c["attrs"]["class"].split()]
        return cell


def expected_text(digest: Digest, target: str, part: str, sid: str) -> str:
    lang = next(lang for lang in digest.languages if lang.target == target)
    ts = lang.summary if part == "summary" else lang.full
    return next(t.text for t in ts.translations if t.source_id == sid)


# --- HTML ------------------------------------------------------------------------------------


def test_html_rows_align_by_id_not_position():
    digest = make_digest()
    page = Page(render_html(digest))
    assert [(t["part"], t["targets"]) for t in page.tables] == [
        ("summary", ["az", "ru", "ar"]),
        ("full", ["az", "ru", "ar"]),
    ]
    for lang in digest.languages:
        for part, sentences in (("summary", digest.summary_sentences), ("full", digest.article.sentences)):
            rows = page.table(lang.target, part)
            assert len(rows) == len(sentences)
            for row, sentence in zip(rows, sentences, strict=True):
                assert row["attrs"]["data-sid"] == sentence.id
                assert page.cells(row, "src")["text"] == sentence.text
                assert page.cells(row, "tgt")["text"] == expected_text(digest, lang.target, part, sentence.id)


def test_html_single_language_page_has_only_that_language():
    digest = make_digest()
    page = Page(render_html(digest, "ar"))
    assert [(t["part"], t["targets"]) for t in page.tables] == [("summary", ["ar"]), ("full", ["ar"])]
    for table in page.tables:
        assert all(len(row["cells"]) == 3 for row in table["rows"]), "#, source, translation: two text columns"
    with pytest.raises(ConfigError, match="'xx'"):
        render_html(digest, "xx")


def test_html_escapes_everything_from_the_input():
    html = render_html(make_digest())
    page = Page(html)
    assert "script" not in {tag for tag, _ in page.tags}
    assert "b" not in {tag for tag, _ in page.tags}, "markup in a warning must show as text"
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    text = "".join(page.text)
    assert f"Title {SCRIPT}" in text and "It ended & everyone left >quickly<." in text


def test_html_lang_and_dir_on_every_cell():
    digest = make_digest()
    page = Page(render_html(digest))
    want_dir = {"az": "ltr", "ru": "ltr", "ar": "rtl"}
    assert ("html", {"lang": "en", "dir": "ltr"}) in page.tags
    for table in page.tables:
        for target in table["targets"]:
            for row in page.table(target, table["part"]):
                src, tgt = page.cells(row, "src"), page.cells(row, "tgt")
                assert (src["attrs"]["lang"], src["attrs"]["dir"]) == ("en", "ltr")
                assert (tgt["attrs"]["lang"], tgt["attrs"]["dir"]) == (target, want_dir[target])


def test_html_is_self_contained():
    page = Page(render_html(make_digest(stand_in=True)))
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    css = re.search(r"<style>(.*?)</style>", render_html(make_digest()), re.S).group(1)
    assert "@import" not in css and "url(" not in css
    assert "@media print" in css and "max-width: 600px" in css


def test_html_marks_missing_translations_and_warns():
    digest = make_digest()
    lang = digest.languages[0]
    dropped = replace(lang.full, translations=lang.full.translations[1:])
    digest = replace(digest, languages=(replace(lang, full=dropped),) + digest.languages[1:])
    page = Page(render_html(digest))
    rows = page.table("az", "full")
    assert len(rows) == len(digest.article.sentences)
    missing = [r for r in rows if "missing" in page.cells(r, "tgt")["attrs"]["class"]]
    assert len(missing) == 1
    assert "1 sentence without a translation" in "".join(page.text)


def test_stand_in_notice_iff_stand_in():
    real, noise = make_digest(stand_in=False), make_digest(stand_in=True)
    assert not real.stand_in and noise.stand_in
    for target, languages in ((None, "az ru ar"), ("ar", "ar")):
        assert (
            "section",
            {
                "class": "standin",
                "id": "stand-in-notice",
                "role": "alert",
                "data-stand-in": "true",
                "data-stand-in-summary": "false",
                "data-stand-in-languages": languages,
            },
        ) in Page(render_html(noise, target)).tags
        assert "stand-in" not in render_html(real, target).lower()
        assert "STAND-IN MODELS" in render_markdown(noise, target)
        assert "stand-in" not in render_markdown(real, target).lower()
    assert "[STAND-IN, NOISE]" in "".join(Page(render_html(noise)).text)


# --- Markdown --------------------------------------------------------------------------------


def _split_cells(line: str) -> list[str]:
    """Cells of a GFM table row: split on pipes not escaped by a backslash."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def _md_tables(md: str) -> dict[tuple[str, str], list[list[str]]]:
    tables, lang, part = {}, None, None
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("## "):
            lang = re.search(r"\((\w+)\)$", line).group(1)
        elif line.startswith("### "):
            part = {"Summary": "summary", "Full text": "full"}[line[4:]]
        elif line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|:") or line.startswith("|:"):
            continue
        elif line.startswith("|"):
            tables.setdefault((lang, part), []).append(_split_cells(line))
    return tables


def test_markdown_tables_align_and_escape():
    digest = make_digest()
    md = render_markdown(digest)
    tables = _md_tables(md)
    assert set(tables) == {(t, p) for t in ("az", "ru", "ar") for p in ("summary", "full")}
    for (_target, part), rows in tables.items():
        sentences = digest.summary_sentences if part == "summary" else digest.article.sentences
        assert len(rows) == len(sentences)
        for cells, sentence in zip(rows, sentences, strict=True):
            assert len(cells) == 3, cells
            assert cells[0] == sentence.id.split(":", 1)[1]
            assert sentence.id in cells[2], "the translation in row i is that of sentence i"
    full = tables[("ru", "full")]
    assert full[1][1] == "Prices \\| wages rose by 5%."
    assert full[2][1] == "A line<br>broken in two, with a C:\\\\path\\\\file and \\*stars\\* and \\`ticks\\`."
    assert full[4][1] == "It ended \\& everyone left \\>quickly\\<."  # Markdown escapes, not HTML entities
    assert tables[("ar", "full")][0][2].startswith('<div dir="rtl" lang="ar">')


def md_to_html(md: str) -> str:
    """Markdown as a CommonMark viewer renders it, raw HTML allowed, as GitHub allows some (markdown-it-py:
    rich's Markdown parser, installed with typer)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)


def test_markdown_escapes_html():
    md = render_markdown(make_digest(stand_in=True))
    assert "\\<script\\>alert('pwned')\\</script\\>" in md and "\\<b\\>" in md
    assert md.startswith("# Title \\<script\\>")
    assert "- **Warnings:**" in md and "a warning with \\<b\\>markup\\</b\\>" in md
    assert "- **Chunking:** not chunked: 80 of 1,024 input tokens" in md
    assert not re.search(r"&(?:[a-z]+|#\d+);", md), "Markdown escapes with backslashes: no HTML entities"
    # In a real CommonMark renderer the input stays text: no element or entity comes from it.
    page = Page(md_to_html(md))
    assert {tag for tag, _ in page.tags} <= {
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "li",
        "strong",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "div",
        "br",
        "em",
        "code",
    }
    text = "".join(page.text)
    assert "Title <script>alert('pwned')</script>" in text and "a warning with <b>markup</b>" in text
    assert "It ended & everyone left >quickly<." in text


def test_markdown_names_settings_without_markup():
    """Issue 21: `method=&quot;lead&quot;` and `max\\_new\\_tokens` were markup in text for people."""
    digest = make_digest()
    lead = replace(
        digest.summary,
        method="lead",
        source_ids=("art-1:p0:s0",),
        params={"method": "lead", "sentences": 1, "max_new_tokens": 3},
        model=ModelInfo(name="lead (the first sentences)", revision=None, fingerprint="method:lead"),
    )
    md = render_summary(replace(digest, summary=lead), "md")
    line = next(x for x in md.splitlines() if x.startswith("- **Model, summary (lead):**"))
    assert (
        line == '- **Model, summary (lead):** lead (the first sentences); max_new_tokens=3, method="lead", sentences=1'
    )
    assert "(torch)" not in md, "the lead method runs no model: no backend to name"


# --- JSON ------------------------------------------------------------------------------------


def _check(schema: dict, value, root: dict, where: str = "$") -> list[str]:
    """A small JSON Schema checker for the keywords our schema uses, for when jsonschema is absent."""
    if "$ref" in schema:
        return _check(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], value, root, where)
    errors = []
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not _check(s, value, root, where)]
        if len(matches) != 1:
            errors.append(f"{where}: matches {len(matches)} of oneOf")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} != {schema['const']!r}")
    if "type" in schema:
        kinds = {
            "object": dict,
            "array": list,
            "string": str,
            "boolean": bool,
            "null": type(None),
            "integer": int,
            "number": (int, float),
        }
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, kinds[t]) and not (t in ("integer", "number") and isinstance(value, bool)) for t in types
        )
        if not ok:
            return errors + [f"{where}: {value!r} is not {types}"]
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append(f"{where}: below minimum")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        errors += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if k in props:
                errors += _check(props[k], v, root, f"{where}.{k}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unexpected {k}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _check(schema["additionalProperties"], v, root, f"{where}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += _check(schema["items"], v, root, f"{where}[{i}]")
    return errors


def validate(data: dict) -> list[str]:
    schema = digest_schema()
    errors = _check(schema, data, schema)
    try:
        import jsonschema
    except ImportError:
        return errors
    validator = jsonschema.Draft202012Validator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    return errors + [e.message for e in validator.iter_errors(data)]


def test_json_round_trips():
    for digest in (
        make_digest(),
        make_digest(stand_in=True),
        replace(
            make_digest(),
            summary=None,
            summary_sentences=(),
            languages=(LanguageDigest("ru", full=make_digest().languages[1].full),),
        ),
        replace(make_digest(), languages=()),
    ):
        text = render_json(digest)
        assert digest_from_json(text) == digest
        assert render_json(digest_from_json(text)) == text


def test_json_is_deterministic_and_labelled():
    digest = make_digest(stand_in=True)
    reordered = replace(digest, timings=dict(reversed(digest.timings.items())))
    assert render_json(digest) == render_json(reordered)
    data = json.loads(render_json(digest))
    assert list(data)[:3] == ["schema", "format_version", "stand_in"]
    assert (data["schema"], data["format_version"], data["stand_in"]) == ("summarizer.digest", 1, True)
    assert data["languages"][0]["summary"]["cache_hits"] == 1
    assert list(data["timings"]) == ["read", "summarize"]


def test_json_validates_against_schema():
    for digest in (make_digest(), replace(make_digest(), summary=None, languages=())):
        assert validate(json.loads(render_json(digest))) == []
    assert digest_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_check_rejects_broken_documents():
    data = json.loads(render_json(make_digest()))
    broken = json.loads(json.dumps(data))
    del broken["article"]["sentences"][0]["id"]
    broken["languages"][0]["summary"]["surprise"] = 1
    broken["summary"]["chunks"] = "two"
    errors = validate(broken)
    assert any("missing id" in e for e in errors)
    assert any("surprise" in e for e in errors)
    assert any("chunks" in e for e in errors)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="something.else"), "not a digest"),
        (lambda d: d.update(format_version=2), "format_version 2"),
        (lambda d: d["article"].update(extra=1), "digest.article: unknown key 'extra'"),
        (lambda d: d["article"].pop("title"), "title"),
        (lambda d: d["summary"].update(input_tokens="80"), "digest.summary.input_tokens: expected int"),
    ],
)
def test_json_reader_rejects_bad_input(mutate, message):
    data = json.loads(render_json(make_digest()))
    mutate(data)
    with pytest.raises(InputError, match=re.escape(message)):
        digest_from_json(json.dumps(data))
    with pytest.raises(InputError, match="not valid JSON"):
        digest_from_json("{")


# --- output names and writing ----------------------------------------------------------------


def test_output_names_unique_for_same_file_name_in_different_folders():
    names = output_names(["a/x.txt", "b/x.txt", "c/y.md"])
    assert names["c/y.md"] == "y"
    assert names["a/x.txt"] != names["b/x.txt"]
    assert all(n.startswith("x-") for n in (names["a/x.txt"], names["b/x.txt"]))


def test_output_names_are_stable_and_order_independent():
    sources = ["news/Baku Summit.txt", "old/baku summit.md", "-", "zeta.txt", "./zeta.txt"]
    first = output_names(sources)
    assert output_names(sources) == first
    assert output_names(list(reversed(sources))) == first
    assert first["-"] == "stdin"
    assert len(set(first.values())) == len(sources)


@pytest.mark.parametrize(
    "source",
    [
        "../../etc/x",
        "/etc/passwd",
        "..",
        ".hidden",
        "a/b/..",
        "..\\..\\win.txt",
        "con.txt",
        "index.txt",
        "stdin.txt",
        "Ünïcødé ñame.txt",
        "خبر.txt",
        "a.ru.txt",
    ],
)
def test_output_names_are_safe(source):
    stem = output_names([source])[source]
    assert SAFE_STEM.match(stem), stem
    assert stem not in ("index", "stdin", "con")


def test_dotted_names_do_not_collide_with_language_files(tmp_path):
    digest = make_digest()
    names = output_names(["a.txt", "a.ru.txt"])
    first = {p.name for p in write_digest(digest, tmp_path, names["a.txt"])}
    second = {p.name for p in write_digest(digest, tmp_path, names["a.ru.txt"])}
    assert first.isdisjoint(second)


def test_write_digest_names_and_contents(tmp_path):
    digest = make_digest()
    paths = write_digest(digest, tmp_path / "out", "art-1")
    assert [p.name for p in paths] == [
        "art-1.html",
        "art-1.az.html",
        "art-1.ru.html",
        "art-1.ar.html",
        "art-1.md",
        "art-1.json",
    ]
    assert digest_from_json((tmp_path / "out" / "art-1.json").read_text(encoding="utf-8")) == digest
    assert (tmp_path / "out" / "art-1.ar.html").read_text(encoding="utf-8") == render_html(digest, "ar")
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in paths), "no temporary files are left"


def test_write_digest_rejects_unknown_format_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="'pdf'"):
        write_digest(make_digest(), tmp_path / "out", "art-1", formats=["html", "pdf"])
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="unsafe output stem"):
        write_digest(make_digest(), tmp_path, "../escape")


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    target.chmod(0o600)
    atomic_write_text(target, "new ü")
    assert target.read_text(encoding="utf-8") == "new ü"
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["f.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match=f"can't write {re.escape(str(target))}: disk full"):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["f.txt"]


def test_write_index_links_every_digest_and_shows_failures(tmp_path):
    digest = make_digest(stand_in=True)
    paths = write_digest(digest, tmp_path, "art-1")
    entries = [
        index_entry(digest, paths, tmp_path),
        IndexEntry.failed("bad/<b>.txt", "bad/<b>.txt: file is empty"),
    ]
    assert {(link.format, link.target) for link in entries[0].links} == {
        ("html", None),
        ("html", "az"),
        ("html", "ru"),
        ("html", "ar"),
        ("md", None),
        ("json", None),
    }
    index = write_index(entries, tmp_path)
    assert index == tmp_path / "index.html"
    page = Page(index.read_text(encoding="utf-8"))
    hrefs = {a["href"] for tag, a in page.tags if tag == "a" and "href" in a}
    assert hrefs == {p.name for p in paths}
    assert all((tmp_path / h).is_file() for h in hrefs)
    text = "".join(page.text)
    assert "bad/<b>.txt: file is empty" in text and "b" not in {tag for tag, _ in page.tags}
    assert ("tr", {"data-status": "failed"}) in page.tags
    listing = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert listing["schema"] == "summarizer.index"
    assert [e["status"] for e in listing["entries"]] == ["ok", "failed"]
    assert {link["href"] for link in listing["entries"][0]["links"]} == hrefs
    assert sorted(os.listdir(tmp_path)) == sorted([p.name for p in paths] + ["index.html", "index.json"])


def test_index_rejects_absolute_links():
    for href in ("javascript:alert(1)", "https://example.com/x.html", "/etc/passwd"):
        with pytest.raises(ValueError):
            DigestLink("html", href)
    assert "No articles." in render_index([])


def test_summary_only_formats():
    noise, real = make_digest(stand_in=True), make_digest()
    noise = replace(noise, summary=replace(noise.summary, model=replace(noise.summary.model, stand_in=True)))
    assert render_summary(real, "txt") == real.summary.text + "\n"
    txt = render_summary(noise, "txt", header=True).splitlines()
    assert txt[:2] == ["==> news/art 1.txt <==", "[STAND-IN MODEL: random weights, this summary is noise]"]
    md = render_summary(noise, "md")
    assert "STAND-IN MODELS" in md and "\\<script\\>" in md and "## Summary" in md
    assert "The English summary was made by a stand-in model with random weights: it is noise." in md
    data = json.loads(render_summary(real, "json"))
    assert (data["schema"], data["stand_in"], data["summary"]["text"]) == (
        "summarizer.summary",
        False,
        real.summary.text,
    )
    with pytest.raises(ConfigError, match="'html'"):
        render_summary(real, "html")


# --- attributes built from config values -----------------------------------------------------

# Right-to-left (its base is `ar`), so Markdown wraps its cells in a <div dir="rtl" lang="...">.
HOSTILE_CODE = 'ar-EG" onmouseover="alert(1)'


def _with_target(digest: Digest, code: str) -> Digest:
    lang = digest.languages[2]
    sets = {"summary": replace(lang.summary, target=code), "full": replace(lang.full, target=code)}
    return replace(digest, languages=(replace(lang, target=code, **sets),))


def test_markdown_attributes_escape_a_hostile_language_code():
    md = render_markdown(_with_target(make_digest(), HOSTILE_CODE))
    divs = [attrs for tag, attrs in Page(md).tags if tag == "div"]
    assert divs, "right-to-left cells are wrapped in <div dir=...>"
    for attrs in divs:
        assert set(attrs) == {"dir", "lang"}, f"an attribute was injected: {attrs}"
        assert attrs["lang"] == HOSTILE_CODE
    # Elsewhere the code is text, and `<` is escaped, so no tag can start there to take an attribute.
    rendered = Page(md_to_html(md))
    assert all(set(attrs) <= {"dir", "lang", "align", "style"} for _, attrs in rendered.tags), rendered.tags
    assert f"Model, {HOSTILE_CODE} summary:" in "".join(rendered.text)


def test_html_attributes_escape_a_hostile_language_code():
    html = render_html(_with_target(make_digest(), HOSTILE_CODE))
    assert '" onmouseover' not in html
    tags = Page(html).tags
    assert all("onmouseover" not in attrs for _, attrs in tags)
    assert any(attrs.get("lang") == HOSTILE_CODE for tag, attrs in tags if tag == "td")


def test_md_escape_uses_backslashes_not_entities():
    assert md_escape('say "hi" & <go>') == 'say "hi" \\& \\<go\\>'
    assert md_escape("it's") == "it's"
    # `_` inside a word stays (no emphasis there); at a word's edge it is escaped.
    assert md_escape("max_new_tokens _em_ a_") == "max_new_tokens \\_em\\_ a\\_"
    assert md_escape("1 | 2 *b* [l](u) `c` ~s~ \\") == "1 \\| 2 \\*b\\* \\[l\\](u) \\`c\\` \\~s\\~ \\\\"
    rendered = "".join(Page(md_to_html(md_escape("_em_ *b* <i>x</i> &amp; a_b"))).text)
    assert rendered.strip() == "_em_ *b* <i>x</i> &amp; a_b", "shown exactly as written"


# --- article warnings ------------------------------------------------------------------------

READ_WARNINGS = ("the encoding was guessed: cp1252 <b>maybe</b>", "2 control characters removed")


def _with_read_warnings(digest: Digest) -> Digest:
    return replace(digest, article=replace(digest.article, warnings=READ_WARNINGS))


def test_article_warnings_show_in_html_and_markdown():
    digest = _with_read_warnings(make_digest())
    page = Page(render_html(digest))
    assert "b" not in {tag for tag, _ in page.tags}
    text = "".join(page.text)
    for warning in READ_WARNINGS:
        assert f"input: {warning}" in text
    md = render_markdown(digest)
    assert "  - input: the encoding was guessed: cp1252 \\<b\\>maybe\\</b\\>" in md
    assert "  - input: 2 control characters removed" in md
    assert "  - input: 2 control characters removed" in render_summary(digest, "md")
    assert json.loads(render_summary(digest, "json"))["article"]["warnings"] == list(READ_WARNINGS)
    assert "input:" not in "".join(Page(render_html(make_digest())).text), "no input warnings, no input lines"


def test_article_warnings_round_trip_and_validate():
    digest = _with_read_warnings(make_digest())
    data = json.loads(render_json(digest))
    assert data["article"]["warnings"] == list(READ_WARNINGS)
    assert validate(data) == []
    assert digest_from_json(render_json(digest)) == digest
    old = json.loads(render_json(make_digest()))
    del old["article"]["warnings"]  # written before the field existed
    assert validate(old) == [] and digest_from_json(json.dumps(old)) == make_digest()
    data["article"]["warnings"] = [1]
    assert any("warnings" in e for e in validate(data))
    with pytest.raises(InputError, match=re.escape("digest.article.warnings[0]: expected str")):
        digest_from_json(json.dumps(data))


def test_index_entry_counts_article_warnings(tmp_path):
    digest = make_digest()
    before = index_entry(digest, [], tmp_path).warnings
    assert before == 2  # one digest warning, one summary warning
    assert index_entry(_with_read_warnings(digest), [], tmp_path).warnings == before + len(READ_WARNINGS)


# --- quality flags ---------------------------------------------------------------------------

WRONG_LANGUAGE = QualityFlag("wrong-language", f"reads as en (97%), not az {SCRIPT}", 0.03)
NUMBER_MISMATCH = QualityFlag("number-mismatch", "missing or changed in the output: 5", 0.0)
LENGTH_RATIO = QualityFlag("length-ratio", "unusually long: 2.10× the source's length", 2.1)
UNSUPPORTED = QualityFlag("unsupported-number", "not in the article: 2019", 1.0)


def _mark(ts: TranslationSet, sid: str, *flags: QualityFlag, retried: bool = False) -> TranslationSet:
    marked = tuple(replace(t, flags=flags, retried=retried) if t.source_id == sid else t for t in ts.translations)
    return replace(ts, translations=marked)


def flagged_digest() -> Digest:
    """make_digest with flags on three rows (one retried), a retried clean row, and a flagged summary.

    Rows per part: 2 (summary) and 5 (full text), in az, ru and ar: 21 sentences in all.
    """
    digest = make_digest()
    az, ru, ar = digest.languages
    az_full = _mark(az.full, "art-1:p0:s0", WRONG_LANGUAGE, NUMBER_MISMATCH)
    az_full = _mark(az_full, "art-1:p0:s1", NUMBER_MISMATCH)
    ru_full = _mark(ru.full, "art-1:p2:s0", retried=True)
    ar_summary = _mark(ar.summary, "art-1-summary:p0:s1", LENGTH_RATIO, retried=True)
    languages = (replace(az, full=az_full), replace(ru, full=ru_full), replace(ar, summary=ar_summary))
    return replace(digest, languages=languages, summary=replace(digest.summary, flags=(UNSUPPORTED,)))


def _section(html: str, element_id: str) -> str:
    """The text of the `<section>`, `<details>` or `<p>` with id `element_id`, whitespace collapsed."""
    match = re.search(rf'<(section|details|p) [^>]*id="{element_id}".*?</\1>', html, re.S)
    assert match, f"no element {element_id}"
    return " ".join("".join(Page(match.group(0)).text).split())


def _tgt_cells(page: Page) -> dict[tuple[str, str, str], dict]:
    """Every translation cell of the sentence tables, by (target, part, sentence id)."""
    return {
        (cell["attrs"]["data-target"], table["part"], row["attrs"]["data-sid"]): cell
        for table in page.tables
        for row in table["rows"]
        for cell in row["cells"]
        if "tgt" in cell["attrs"].get("class", "").split()
    }


def test_html_flag_badges_sit_in_the_translation_cell():
    digest = flagged_digest()
    html = render_html(digest)
    page = Page(html)
    cells = _tgt_cells(page)
    flagged = {key: cell["attrs"]["data-flags"] for key, cell in cells.items() if "data-flags" in cell["attrs"]}
    assert flagged == {
        ("az", "full", "art-1:p0:s0"): "wrong-language number-mismatch",
        ("az", "full", "art-1:p0:s1"): "number-mismatch",
        ("ar", "summary", "art-1-summary:p0:s1"): "length-ratio",
    }
    cell = cells["az", "full", "art-1:p0:s0"]
    assert "flagged" in cell["attrs"]["class"].split()
    assert "flagged" not in cells["ru", "full", "art-1:p0:s0"]["attrs"]["class"].split(), "only that language's cell"
    badges = [a for tag, a in cell["tags"] if tag == "span" and a.get("class") == "flag"]
    assert [(b["data-code"], b["title"]) for b in badges] == [
        ("wrong-language", WRONG_LANGUAGE.message),
        ("number-mismatch", NUMBER_MISMATCH.message),
    ]
    assert ("ul", {"class": "flag-notes", "lang": "en", "dir": "ltr"}) in cell["tags"]
    assert cell["text"].startswith(expected_text(digest, "az", "full", "art-1:p0:s0"))
    # The message is readable without hover too, and its <script> is text, in the title as in the cell.
    assert f"wrong-language {WRONG_LANGUAGE.message}" in " ".join(cell["text"].split())
    assert "script" not in {tag for tag, _ in page.tags} and "<script" not in html.lower()
    assert 'title="reads as en (97%), not az &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"' in html
    clean = cells["az", "full", "art-1:p1:s0"]
    assert "data-flags" not in clean["attrs"] and clean["tags"] == []


def test_html_marks_retried_rows():
    page = Page(render_html(flagged_digest()))
    retried = {
        (target, sid): cell
        for (target, _, sid), cell in _tgt_cells(page).items()
        if cell["attrs"].get("data-retried") == "true"
    }
    assert set(retried) == {("ru", "art-1:p2:s0"), ("ar", "art-1-summary:p0:s1")}
    for cell in retried.values():
        (marker,) = [a for tag, a in cell["tags"] if tag == "span" and a.get("class") == "retried"]
        assert "generated again with stronger decoding" in marker["title"]
        assert "retried" in cell["text"]
    assert "data-flags" not in retried["ru", "art-1:p2:s0"]["attrs"], "retried, and the kept output is clean"


def test_html_folds_quality_warnings_and_provenance_below_the_text():
    html = render_html(flagged_digest())
    # One line between the header and the text; the details come after the last sentence table.
    assert html.index("</header>") < html.index('id="status"') < html.index('class="bitext')
    last_table = html.rindex("</table>", 0, html.index('id="notes"'))
    assert html.index('class="bitext') < last_table < html.index('id="quality-summary"')
    assert html.index('id="quality-summary"') < html.index('id="warnings"') < html.index('id="provenance"')
    tags = Page(html).tags
    for element_id in ("quality-summary", "warnings", "provenance"):
        (found,) = [(tag, a) for tag, a in tags if a.get("id") == element_id]
        assert found[0] == "details" and "open" not in found[1], f"#{element_id} is folded"
    assert (
        _section(html, "status")
        == "Quality: 3 of 21 translations flagged · summary flagged · 2 warnings · details below"
    )
    text = _section(html, "quality-summary")
    assert text.startswith(
        "Quality: 3 of 21 translations flagged (2 number-mismatch, 1 length-ratio, 1 wrong-language); "
        "summary flagged: unsupported-number; 2 retried (their first output was flagged): 1 pass now, 1 still flagged"
    )
    assert "summary: unsupported-number not in the article: 2019" in text
    assert "az full text: 2 of 5 translations flagged (2 number-mismatch, 1 wrong-language)" in text
    assert (
        "ar summary: 1 of 2 translations flagged (1 length-ratio); 1 retried (their first output was flagged): "
        "0 pass now, 1 still flagged"
    ) in text
    assert "ru full text: 0 of 5 translations flagged; 1 retried (their first output was flagged): 1 pass now" in text
    assert "az summary" not in text, "clean parts are left out of the list"
    assert _section(html, "warnings") == "Warnings: 2 digest: digest-level note summary: a warning with <b>markup</b>"
    assert ("span", {"class": "flag", "data-code": "unsupported-number", "title": UNSUPPORTED.message}) in tags
    # The part's heading counts its flagged translations, of all its translations (sentences × languages).
    assert "5 sentences · 2 of 15 translations flagged" in "".join(Page(html).text)
    single = render_html(flagged_digest(), "az")
    assert (
        _section(single, "status")
        == "Quality: 2 of 7 translations flagged · summary flagged · 2 warnings · details below"
    )
    assert _section(single, "quality-summary").startswith(
        "Quality: 2 of 7 translations flagged (2 number-mismatch, 1 wrong-language); summary flagged"
    )


def test_html_clean_digest_says_no_quality_flags():
    html = render_html(replace(make_digest(), warnings=(), summary=replace(make_digest().summary, warnings=())))
    assert _section(html, "status") == "Quality: no quality flags · details below"
    assert _section(html, "quality-summary") == "Quality: no quality flags The checks found nothing to flag."
    assert ("details", {"class": "quality clean", "id": "quality-summary", "data-flagged": "0"}) in Page(html).tags
    assert 'id="warnings"' not in html, "no warnings, no warnings box"
    assert "data-flags" not in html and "data-retried" not in html


def test_markdown_marks_flagged_rows_and_counts_them():
    md = render_markdown(flagged_digest())
    tables = _md_tables(md)
    az = {cells[0]: cells[2] for cells in tables[("az", "full")]}
    escaped = "reads as en (97%), not az \\<script\\>alert('pwned')\\</script\\>"
    assert az["p0:s0"].endswith(f" ⚠ wrong-language: {escaped} ⚠ number-mismatch: missing or changed in the output: 5")
    assert az["p0:s1"].endswith(" ⚠ number-mismatch: missing or changed in the output: 5")
    assert "⚠" not in az["p1:s0"] and "↻" not in az["p1:s0"]
    ar = {cells[0]: cells[2] for cells in tables[("ar", "summary")]}
    assert ar["p0:s1"].startswith('<div dir="rtl" lang="ar">') and ar["p0:s1"].endswith(
        "</div> ⚠ length-ratio: unusually long: 2.10× the source's length ↻ retried"
    ), "the marks follow the right-to-left block, not inside it"
    assert {cells[0]: cells[2] for cells in tables[("ru", "full")]}["p2:s0"].endswith(" ↻ retried")
    assert "script" not in {tag for tag, _ in Page(md_to_html(md)).tags}
    lines = md.splitlines()
    # Each number counts one named thing: rows flagged now, rows retried, and of those how many pass now.
    quality = lines.index(
        "- **Quality:** 3 of 21 translations flagged (2 number-mismatch, 1 length-ratio, 1 wrong-language); "
        "summary flagged: unsupported-number; 2 retried (their first output was flagged): 1 pass now, 1 still flagged"
    )
    assert lines[quality + 1 : quality + 5] == [
        "  - summary: unsupported-number: not in the article: 2019",
        "  - az full text: 2 of 5 translations flagged (2 number-mismatch, 1 wrong-language)",
        "  - ru full text: 0 of 5 translations flagged; 1 retried (their first output was flagged): 1 pass now, 0 still flagged",
        "  - ar summary: 1 of 2 translations flagged (1 length-ratio); 1 retried (their first output was flagged): "
        "0 pass now, 1 still flagged",
    ]
    assert "- **Quality:** no quality flags" in render_markdown(make_digest()).splitlines()


def test_json_flags_validate_and_round_trip():
    digest = flagged_digest()
    text = render_json(digest)
    data = json.loads(text)
    assert validate(data) == []
    first = data["languages"][0]["full"]["translations"]
    flagged = next(t for t in first if t["source_id"] == "art-1:p0:s0")
    assert flagged["flags"] == [
        {"code": "wrong-language", "message": WRONG_LANGUAGE.message, "score": 0.03},
        {"code": "number-mismatch", "message": NUMBER_MISMATCH.message, "score": 0.0},
    ]
    assert flagged["retried"] is False
    assert data["summary"]["flags"] == [
        {"code": "unsupported-number", "message": "not in the article: 2019", "score": 1.0}
    ]
    back = digest_from_json(text)
    assert back == digest and render_json(back) == text
    kept = next(t for t in back.languages[0].full.translations if t.source_id == "art-1:p0:s0")
    assert kept.flags == (WRONG_LANGUAGE, NUMBER_MISMATCH) and all(type(f) is QualityFlag for f in kept.flags)
    # A score of null, and an integer score, read back as None and as a float.
    data["summary"]["flags"][0]["score"] = None
    first[0]["flags"] = [{"code": "empty", "message": "the output is empty", "score": 0}]
    assert validate(data) == []
    back = digest_from_json(json.dumps(data))
    assert back.summary.flags == (QualityFlag("unsupported-number", "not in the article: 2019", None),)
    assert back.languages[0].full.translations[0].flags[0].score == 0.0


def test_json_without_flags_still_validates_and_reads():
    # A format-1 digest written before the quality checks existed has no flags and no retried keys.
    data = json.loads(render_json(make_digest()))
    del data["summary"]["flags"]
    for lang in data["languages"]:
        for part in ("summary", "full"):
            for t in lang[part]["translations"]:
                del t["flags"], t["retried"]
    assert validate(data) == []
    assert digest_from_json(json.dumps(data)) == make_digest()


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (lambda f: f.update(score="high"), "score", "digest.summary.flags[0].score: expected a number, got str"),
        (lambda f: f.pop("code"), "missing code", "digest.summary.flags[0]: "),
        (lambda f: f.update(extra=1), "unexpected extra", "digest.summary.flags[0]: unknown key 'extra'"),
    ],
)
def test_json_rejects_broken_flags(mutate, error, message):
    data = json.loads(render_json(flagged_digest()))
    flag = data["summary"]["flags"][0]
    mutate(flag)
    schema = digest_schema()
    assert any(error in e for e in _check(schema["$defs"]["QualityFlag"], flag, schema))
    assert validate(data) != []
    with pytest.raises(InputError, match=re.escape(message)):
        digest_from_json(json.dumps(data))


def test_summary_output_shows_the_summary_flags():
    digest = flagged_digest()
    assert (
        render_summary(digest, "txt")
        == digest.summary.text + "\n[quality: unsupported-number: not in the article: 2019]\n"
    )
    assert render_summary(make_digest(), "txt") == make_digest().summary.text + "\n"
    md = render_summary(digest, "md").splitlines()
    assert "- **Quality:** summary flagged: unsupported-number" in md
    assert "  - summary: unsupported-number: not in the article: 2019" in md
    data = json.loads(render_summary(digest, "json"))
    assert data["summary"]["flags"] == [
        {"code": "unsupported-number", "message": "not in the article: 2019", "score": 1.0}
    ]


@dataclass(frozen=True)
class _FlaggedEntry(IndexEntry):
    """An index entry with a flag count, as IndexEntry will have it."""

    flags: int = 0


def test_index_shows_flag_counts_when_entries_have_them():
    plain = IndexEntry(title="Clean", source="a.txt")
    flagged = _FlaggedEntry(title="Flagged", source="b.txt", flags=3)
    page = Page(render_index([plain, flagged, _FlaggedEntry(title="Zero", source="c.txt")]))
    counts = [a for tag, a in page.tags if tag == "span" and a.get("class") == "flag-count"]
    assert [a["data-flags"] for a in counts] == ["3"]
    text = " ".join("".join(page.text).split())
    assert "Flagged b.txt done · 3 flagged" in text and "With quality flags1" in text
    body = render_index([plain]).split("</style>", 1)[1]
    assert "flag" not in body, "no flags, no count"


# --- formats ---------------------------------------------------------------------------------


def test_check_formats_dedupes_and_names_the_setting():
    assert DIGEST_FORMATS == ("html", "md", "json") and SUMMARY_FORMATS == ("txt", "md", "json")
    assert check_formats(["md", "html", "md"]) == ("md", "html")
    assert check_formats("json") == ("json",)
    assert check_formats(["txt"], kind="summary") == ("txt",)
    message = "jobs.toml: output.formats: unknown format 'pdf' for a digest; choose from html, md, json"
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_formats(["html", "pdf"], where="jobs.toml: output.formats")
    assert check_formats(["txt", "md"]) == ("txt", "md")  # a digest as plain text: the translations alone
    with pytest.raises(ConfigError, match=re.escape("--format: unknown format 'jsonx' for a digest")):
        check_formats(["jsonx"])
    with pytest.raises(ConfigError, match=re.escape("--format: unknown format 'html' for a summary; choose from txt")):
        check_formats("html", kind="summary")
    with pytest.raises(ConfigError, match="no digest format given"):
        check_formats([])


def test_render_digest_dispatches_to_each_renderer():
    digest = make_digest()
    assert render_digest(digest, "html") == render_html(digest)
    assert render_digest(digest, "html", "ar") == render_html(digest, "ar")
    assert render_digest(digest, "md", "ru") == render_markdown(digest, "ru")
    assert render_digest(digest, "json") == render_json(digest)
    with pytest.raises(ConfigError, match="'pdf'"):
        render_digest(digest, "pdf")
    with pytest.raises(ValueError, match="every target language"):
        render_digest(digest, "json", "ar")


# --- writing as a set, and output errors -------------------------------------------------------


def _disk_fills_after(monkeypatch, files: int) -> list[int]:
    """Make `os.fsync` fail with ENOSPC once `files` fsyncs have succeeded; return the call count."""
    real_fsync, calls = os.fsync, [0]

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] > files:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def _contents(folder) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in sorted(os.listdir(folder))}


def test_disk_full_mid_set_keeps_the_previous_digest_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_digest(make_digest(), out, "art-1")
    before = _contents(out)
    assert len(before) == 6
    newer = replace(make_digest(), article=replace(make_digest().article, title="A newer title"))
    calls = _disk_fills_after(monkeypatch, 3)
    with pytest.raises(OutputError, match="No space left on device; free some disk space") as err:
        write_digest(newer, out, "art-1")
    assert calls[0] == 4, "the fourth file failed"
    assert str(out / "art-1.") in str(err.value) and ".staging" not in str(err.value)
    assert _contents(out) == before, "no file of the set was replaced, and no staging folder or temp file is left"


def test_disk_full_on_a_first_write_leaves_nothing(tmp_path, monkeypatch):
    _disk_fills_after(monkeypatch, 2)
    with pytest.raises(OutputError, match="No space left on device"):
        write_digest(make_digest(), tmp_path / "out", "art-1")
    assert os.listdir(tmp_path / "out") == []


def test_write_index_raises_output_errors(tmp_path, monkeypatch):
    entries = [IndexEntry.failed("a.txt", "a.txt: file is empty")]
    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("x")
    with pytest.raises(OutputError, match=re.escape(f"--out {not_a_folder} is a file; give a folder")):
        write_index(entries, not_a_folder)
    _disk_fills_after(monkeypatch, 1)
    with pytest.raises(OutputError, match=re.escape(f"can't write {tmp_path / 'out' / 'index.html'}: No space left")):
        write_index(entries, tmp_path / "out")
    assert os.listdir(tmp_path / "out") == [], "index.json is not left without its index.html"


def test_ensure_output_dir_creates_and_checks_the_folder(tmp_path):
    made = ensure_output_dir(tmp_path / "a" / "b")
    assert made == tmp_path / "a" / "b" and made.is_dir() and os.listdir(made) == []
    assert ensure_output_dir(made) == made, "an existing folder is fine"
    somefile = tmp_path / "somefile.txt"
    somefile.write_text("x")
    with pytest.raises(OutputError, match=re.escape(f"--out {somefile} is a file; give a folder")):
        ensure_output_dir(somefile)
    message = f"--out {somefile / 'sub'}: {somefile} is a file, not a folder; give a folder"
    with pytest.raises(OutputError, match=re.escape(message)):
        ensure_output_dir(somefile / "sub")
    assert somefile.read_text() == "x"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root (and Windows) ignore folder permissions")
def test_ensure_output_dir_read_only_parent(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="Permission denied; check the folder's permissions"):
            ensure_output_dir(parent / "out")
    finally:
        parent.chmod(0o755)


def test_digest_has_no_rendering_methods():
    # Result types are plain data; rendering lives in summarizer.output.render (test_architecture checks the imports).
    assert not any(hasattr(Digest, name) for name in ("to_html", "to_markdown", "to_json", "to_dict"))


def test_counts_are_pluralised():
    from summarizer.languages import plural

    assert plural(1, "sentence") == "1 sentence" and plural(0, "sentence") == "0 sentences"
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"


# --- the stand-in banner names each part a stand-in made (issue 21) --------------------------------

E5 = ModelInfo(name="intfloat/multilingual-e5-small", revision=None, fingerprint="e5")


def _extractive(digest: Digest) -> Digest:
    """The demo's shape: a real extractive summary (the article's own sentences, chosen with e5)."""
    ids = tuple(s.id for s in digest.article.sentences[:3])
    summary = replace(digest.summary, method="extractive", source_ids=ids, model=E5, params={"sentences": 3})
    return replace(digest, summary=summary)


def _stand_in_sets(digest: Digest, which: set[tuple[str, str]]) -> Digest:
    """`digest` with the translated parts in `which` ((target, "summary" | "full")) made by a stand-in."""

    def mark(ts: TranslationSet, kind: str) -> TranslationSet:
        return replace(ts, model=replace(ts.model, stand_in=(ts.target, kind) in which))

    languages = tuple(
        replace(lang, summary=mark(lang.summary, "summary"), full=mark(lang.full, "full")) for lang in digest.languages
    )
    return replace(digest, languages=languages)


def _banner(html: str) -> str:
    match = re.search(r'<p class="standin-full">(.*?)</p>', html, re.S)
    assert match, "no banner"
    return " ".join("".join(Page(match.group(1)).text).split())


def test_stand_in_banner_says_the_translations_are_noise_and_the_extractive_summary_real():
    digest = _extractive(make_digest(stand_in=True))
    banner = (
        "The translations into Azerbaijani, Russian and Arabic (summary and full text) were made by stand-in models "
        "with random weights: they are noise. Do not read or quote them; they show only that the pipeline runs. "
        "The English summary is real: 3 of the article's own sentences, chosen by intfloat/multilingual-e5-small."
    )
    html = render_html(digest)
    assert _banner(html) == "Stand-in models: " + banner
    short = "The Azerbaijani, Russian and Arabic translations are noise (stand-in models). The English summary is real."
    assert short in "".join(Page(html).text), "the phone's one-line banner"
    assert "every summary and translation" not in html
    assert f"> **STAND-IN MODELS:** {banner}" in render_markdown(digest).splitlines()
    assert render_digest(digest, "txt", "ru").splitlines()[0] == (
        "[STAND-IN MODEL: The Russian translations are noise (stand-in models). The English summary is real.]"
    )
    # Every translated column says it came from a stand-in; the English summary's column does not.
    heads = [(t["part"], cell["attrs"]) for t in Page(html).tables for cell in t["head"]]
    for part, attrs in heads:
        if "tgt" in attrs["class"]:
            assert attrs.get("data-stand-in") == "true", (part, attrs)
        else:
            assert "data-stand-in" not in attrs, (part, attrs)


def test_stand_in_banner_for_a_stand_in_summary_with_real_translations():
    digest = make_digest()
    digest = replace(digest, summary=replace(digest.summary, model=replace(digest.summary.model, stand_in=True)))
    html = render_html(digest)
    assert _banner(html) == (
        "Stand-in models: The English summary was made by a stand-in model with random weights: it is noise. "
        "Do not read or quote it; it shows only that the pipeline runs. The translations of the English summary "
        "translate that noise. The translations into Azerbaijani, Russian and Arabic (summary and full text) are "
        "real: made by Helsinki-NLP/opus-mt-en-ar, Helsinki-NLP/opus-mt-en-az and Helsinki-NLP/opus-mt-en-ru."
    )
    summary_heads = [cell["attrs"] for t in Page(html).tables if t["part"] == "summary" for cell in t["head"]]
    assert [a.get("data-stand-in") for a in summary_heads if "src" in a["class"]] == ["true"], "the summary column"
    assert json.loads(render_json(digest))["stand_in_parts"] == [{"part": "summary", "target": None}]


def test_stand_in_banner_names_only_the_parts_a_stand_in_made():
    digest = _stand_in_sets(_extractive(make_digest()), {("az", "full"), ("ar", "summary"), ("ar", "full")})
    html = render_html(digest)
    assert _banner(html) == (
        "Stand-in models: The translations into Azerbaijani (full text) and into Arabic (summary and full text) were "
        "made by stand-in models with random weights: they are noise. Do not read or quote them; they show only that "
        "the pipeline runs. The English summary is real: 3 of the article's own sentences, chosen by "
        "intfloat/multilingual-e5-small. The translations into Azerbaijani (summary) and into Russian (summary and "
        "full text) are real: made by Helsinki-NLP/opus-mt-en-az and Helsinki-NLP/opus-mt-en-ru."
    )
    assert (
        "section",
        {
            "class": "standin",
            "id": "stand-in-notice",
            "role": "alert",
            "data-stand-in": "true",
            "data-stand-in-summary": "false",
            "data-stand-in-languages": "az ar",
        },
    ) in Page(html).tags
    data = json.loads(render_json(digest))
    assert data["stand_in_parts"] == [
        {"part": "full", "target": "az"},
        {"part": "summary", "target": "ar"},
        {"part": "full", "target": "ar"},
    ]
    assert validate(data) == [] and digest_from_json(render_json(digest)) == digest
    # A page of a language no stand-in touched has no banner and no noise marks.
    ru = render_html(digest, "ru")
    assert 'id="stand-in-notice"' not in ru and "data-stand-in" not in ru and "[STAND-IN" not in ru


def test_lead_title_is_said_in_every_format_and_the_index():
    digest = make_digest()
    digest = replace(
        digest, article=replace(digest.article, title="Baku hosted the summit on March 2", title_origin="lead")
    )
    note = "from the first sentence (the text has no headline)"
    html = render_html(digest)
    assert f'<div data-fact="title"><dt>Title</dt><dd>{note}</dd></div>' in html
    assert f"- **Title:** {note}" in render_markdown(digest).splitlines()
    assert f"- **Title:** {note}" in render_summary(digest, "md").splitlines()
    data = json.loads(render_json(digest))
    assert data["article"]["title_origin"] == "lead" and validate(data) == []
    assert json.loads(render_summary(digest, "json"))["article"]["title"] == "Baku hosted the summit on March 2"
    entry = index_entry(digest, ["out/art-1.html"], "out")
    assert entry.title_origin == "lead"
    assert f'<span class="title-origin">title: {note}</span>' in render_index([entry])
    assert 'class="title-origin"' not in render_index([replace(entry, title_origin="headline")])
    assert 'data-fact="title"' not in render_html(make_digest()), "a given title needs no note"
