"""Writing results in-process: `output.files` (safe unique stems, digest sets written whole, the index and
its relative links) on digests the real pipeline made with the tiny stand-ins, and `jobs.run_job` /
`run_summaries` to a folder and to a stream, including an interrupted job."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from summarizer import Pipeline, resolve_job
from summarizer.config.flags import RunOptions
from summarizer.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, ConfigError, OutputError
from summarizer.inputs.reading import Input
from summarizer.jobs import run_job, run_summaries
from summarizer.output import files
from summarizer.output.files import index_entry, output_names, write_digest, write_index
from summarizer.output.render import digest_from_json, render_digest
from summarizer.pipeline import Callbacks
from summarizer.results import Digest, IndexEntry

SAFE_STEM = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?")
FAST = dict(num_beams=1, max_new_tokens=5, summary_num_beams=1, summary_max_new_tokens=12, no_retry=True)
TEXTS = {
    "council.txt": "The council met on Monday. It approved the budget for schools.\n\nRoads will be repaired in spring.",
    "rain.txt": "Heavy rain fell in Baku on Sunday. Several streets were flooded.",
    "port.txt": "A new ferry line opened at the port. Tickets sold out within hours.",
}


def write_articles(folder: Path, names=tuple(TEXTS), empty: str | None = None) -> list[str]:
    """Articles from TEXTS (in the order of `names`); `empty` names an empty file put second."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        (folder / name).write_text(TEXTS[name], encoding="utf-8")
        paths.append(str(folder / name))
    if empty is not None:
        (folder / empty).write_text("", encoding="utf-8")
        paths.insert(1, str(folder / empty))
    return paths


def job(tmp_path, marian, bart, inputs, targets=("ru", "ar"), **flags):
    if targets:
        flags = {"to": list(targets), "models": {lang: str(marian) for lang in targets}, **flags}
    options = RunOptions.of(
        inputs,
        summary_model=str(bart),
        source_lang="en",
        cache_dir=tmp_path / "cache",
        out=tmp_path / "out",
        **{**FAST, **flags},
    )
    return resolve_job(None, options)


def digests(tmp_path, marian, bart, names=("council.txt",), **flags) -> list[Digest]:
    made = list(Pipeline(job(tmp_path, marian, bart, write_articles(tmp_path / "in", names), **flags)).run())
    assert all(isinstance(d, Digest) for d in made)
    return made


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def visible(folder: Path) -> list[str]:
    """The names in `folder`; no staging folder or temporary file may be left among them."""
    names = sorted(os.listdir(folder))
    assert not [n for n in names if "staging" in n or n.endswith(".tmp")], names
    return names


# ---- output_names -------------------------------------------------------------------------------


def _hash(path: str) -> str:
    return hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:8]


def test_output_names_transliterate_other_scripts_into_safe_stems():
    sources = ["новости/Саммит в Баку.txt", "news/Ελλάδα.md", "x/北京.txt", "Café Olé!.txt", "a.ru.txt", ".hidden"]
    names = output_names(sources)
    assert names == {
        "новости/Саммит в Баку.txt": "sammit-v-baku",
        "news/Ελλάδα.md": "ellada",
        "x/北京.txt": "beijing",
        "Café Olé!.txt": "cafe-ole",
        "a.ru.txt": "a-ru",  # no dot: it can't pass for the per-language file of `a`
        ".hidden": "hidden",
    }
    long = output_names(["x" * 100 + ".txt"])["x" * 100 + ".txt"]
    assert long == "x" * 60
    assert all(SAFE_STEM.fullmatch(stem) for stem in names.values())


def test_output_names_hash_every_input_of_a_shared_slug_and_the_reserved_ones():
    names = output_names(["a/Report.txt", "b/report.md", "index.txt", "!!!.txt", "-", "con.md"])
    assert names["a/Report.txt"] == f"report-{_hash('a/Report.txt')}"
    assert names["b/report.md"] == f"report-{_hash('b/report.md')}"
    assert names["a/Report.txt"] != names["b/report.md"]
    assert names["index.txt"] == f"index-{_hash('index.txt')}"  # never the index's own name
    assert names["!!!.txt"] == f"article-{_hash('!!!.txt')}"  # nothing left of the name
    assert names["con.md"] == f"con-{_hash('con.md')}"  # a Windows device name
    assert names["-"] == "stdin"
    # Stable and independent of order.
    assert output_names(list(reversed(list(names)))) == names


def test_output_names_number_one_file_given_by_two_spellings():
    names = output_names(["a.txt", "./a.txt"])
    assert names == {"./a.txt": f"a-{_hash('a.txt')}", "a.txt": f"a-{_hash('a.txt')}-2"}


def test_output_names_of_json_lines_records_use_their_ids():
    records = [
        Input("feed.jsonl#1", "feed.jsonl", "Новость", line=1),
        Input("feed.jsonl#2", "feed.jsonl", "Новость", line=2),
        Input("feed.jsonl#3", "feed.jsonl", "other", line=3),
    ]
    names = output_names(records)
    assert names["feed.jsonl#3"] == "other"
    first, second = names["feed.jsonl#1"], names["feed.jsonl#2"]
    assert first.startswith("novost-") and second.startswith("novost-") and first != second


# ---- write_digest --------------------------------------------------------------------------------


def test_write_digest_writes_every_format_of_a_real_digest(tmp_path, marian, bart):
    (digest,) = digests(tmp_path, marian, bart)
    out = tmp_path / "digests"
    paths = write_digest(digest, out, "council", formats=("html", "md", "json", "jsonl", "txt"))
    assert [p.name for p in paths] == [
        "council.html",
        "council.ru.html",
        "council.ar.html",
        "council.md",
        "council.json",
        "council.jsonl",
        "council.ru.txt",
        "council.ar.txt",
    ]
    assert visible(out) == sorted(p.name for p in paths)  # no staging folder or temp file left
    assert digest_from_json((out / "council.json").read_text(encoding="utf-8")) == digest
    jsonl = (out / "council.jsonl").read_text(encoding="utf-8")
    assert (
        jsonl.count("\n") == 1
        and jsonl.endswith("\n")
        and json.loads(jsonl) == json.loads(render_digest(digest, "json"))
    )
    assert (out / "council.ar.html").read_text(encoding="utf-8") == render_digest(digest, "html", "ar")
    assert (out / "council.ru.txt").read_text(encoding="utf-8") == render_digest(digest, "txt", "ru")
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in paths)


def test_write_digest_refuses_an_unsafe_stem_before_writing(tmp_path, marian, bart):
    (digest,) = digests(tmp_path, marian, bart)
    for stem in ["../escape", "a.b", "Upper", "", "x/y", "-lead", "trail-", "a" * 81, "stdin\n"]:
        with pytest.raises(ValueError, match="unsafe output stem"):
            write_digest(digest, tmp_path / "fresh", stem)
        assert not (tmp_path / "fresh").exists(), stem
    assert [p.name for p in write_digest(digest, tmp_path / "fresh", "a" * 80, formats=["md"])] == ["a" * 80 + ".md"]


def test_a_failing_write_leaves_the_previous_set_whole(tmp_path, marian, bart, monkeypatch):
    first, newer = digests(tmp_path, marian, bart, names=("council.txt", "rain.txt"))
    out = tmp_path / "digests"
    write_digest(first, out, "story")
    before = contents(out)
    assert len(before) == 5

    real = files._write_synced
    calls = []

    def disk_full_on_the_third(path, blob, mode):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, blob, mode)

    monkeypatch.setattr(files, "_write_synced", disk_full_on_the_third)
    with pytest.raises(OutputError) as err:
        write_digest(newer, out, "story")
    assert f"can't write {out / 'story.ar.html'}: No space left on device" in str(err.value)
    assert contents(out) == before  # nothing replaced, no staging folder left

    # A renderer that fails: every file is rendered before any is written.
    monkeypatch.setattr(files, "_write_synced", real)

    def broken(digest, fmt, target=None):
        if fmt == "json":
            raise RuntimeError("renderer broke")
        return render_digest(digest, fmt, target)

    monkeypatch.setattr(files, "render_digest", broken)
    with pytest.raises(RuntimeError, match="renderer broke"):
        write_digest(newer, out, "story")
    assert contents(out) == before


# ---- the index -----------------------------------------------------------------------------------


def test_index_entry_links_relative_to_the_index_folder(tmp_path, marian, bart):
    (digest,) = digests(tmp_path, marian, bart, targets=("ru", "ar"))
    out = tmp_path / "site"
    paths = write_digest(digest, out / "digests", "council", formats=("html", "json"))
    entry = index_entry(digest, paths, out)
    assert [(link.format, link.href, link.target) for link in entry.links] == [
        ("html", "digests/council.html", None),
        ("html", "digests/council.ru.html", "ru"),
        ("html", "digests/council.ar.html", "ar"),
        ("json", "digests/council.json", None),
    ]
    assert entry.targets == ("ru", "ar") and entry.stand_in is True
    assert (entry.title, entry.source, entry.status) == (digest.article.title, digest.article.source, "ok")

    failed = IndexEntry.failed("in/empty.txt", "in/empty.txt: file is empty", title="in/empty.txt")
    index = write_index([entry, failed], out, title="Monday")
    assert index == out / "index.html" and visible(out) == ["digests", "index.html", "index.json"]
    listing = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in listing["entries"]] == ["ok", "failed"]
    hrefs = [link["href"] for link in listing["entries"][0]["links"]]
    assert hrefs == [link.href for link in entry.links]
    assert all((out / href).is_file() for href in hrefs)
    page = index.read_text(encoding="utf-8")
    assert all(f'href="{href}"' in page for href in hrefs) and "Monday" in page
    assert "in/empty.txt: file is empty" in page


# ---- run_job and run_summaries ---------------------------------------------------------------------


def test_run_job_to_a_folder_writes_each_set_and_the_index(tmp_path, marian, bart):
    inputs = write_articles(tmp_path / "in", ("council.txt", "rain.txt"), empty="empty.txt")
    failures = []
    report = run_job(job(tmp_path, marian, bart, inputs, formats="html,json"), on_failure=failures.append)
    out = tmp_path / "out"
    assert report.inputs == 3 and (report.stats.done, report.stats.failed) == (2, 1)
    assert [Path(f.source).name for f in failures] == ["empty.txt"] and report.failures == failures
    assert report.exit_code == EXIT_PARTIAL and not report.interrupted
    assert report.describe().startswith("articles: 2 done, 1 failed, 0 skipped")
    assert report.index == out / "index.html"
    expected = {
        f"{stem}{suffix}" for stem in ("council", "rain") for suffix in (".html", ".ru.html", ".ar.html", ".json")
    }
    assert {p.name for p in report.written} == expected
    assert set(visible(out)) == expected | {"index.html", "index.json"}
    listing = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [(Path(e["source"]).name, e["status"]) for e in listing["entries"]] == [
        ("council.txt", "ok"),
        ("empty.txt", "failed"),
        ("rain.txt", "ok"),
    ]
    rain = json.loads((out / "rain.json").read_text(encoding="utf-8"))
    assert [lang["target"] for lang in rain["languages"]] == ["ru", "ar"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "md"])
def test_run_job_to_a_stream(tmp_path, marian, bart, fmt):
    inputs = write_articles(tmp_path / "in", empty="empty.txt")
    emitted: list[str] = []
    report = run_job(job(tmp_path, marian, bart, inputs), emit=emitted.append, emit_format=fmt)
    assert (report.stats.done, report.stats.failed) == (3, 1) and report.exit_code == EXIT_PARTIAL
    assert not (tmp_path / "out").exists() and report.written == [] and report.index is None
    names = ["council.txt", "rain.txt", "port.txt"]
    if fmt == "json":  # one array, written at the end
        (text,) = emitted
        data = json.loads(text)
        assert isinstance(data, list) and [Path(d["article"]["source"]).name for d in data] == names
    elif fmt == "jsonl":  # one line per article
        assert len(emitted) == 3 and all("\n" not in line for line in emitted)
        assert [Path(json.loads(line)["article"]["source"]).name for line in emitted] == names
    else:
        assert len(emitted) == 3 and all(text.startswith("#") for text in emitted)


def test_run_summaries_to_a_folder_and_to_a_stream(tmp_path, marian, bart):
    inputs = write_articles(tmp_path / "in", ("council.txt", "rain.txt"), empty="empty.txt")
    settings = job(tmp_path, marian, bart, inputs, targets=())
    written: list[Path] = []
    failures = []
    report = run_summaries(
        settings,
        "txt",
        out_dir=tmp_path / "summaries",
        emit=pytest.fail,
        on_written=written.append,
        on_failure=failures.append,
    )
    assert [p.name for p in written] == ["council.summary.txt", "rain.summary.txt"] == [p.name for p in report.written]
    # .summarizer-outputs: what was written, for the next run (plain text carries no mark of its own)
    assert visible(tmp_path / "summaries") == [
        ".summarizer-outputs",
        "council.summary.txt",
        "rain.summary.txt",
    ]
    assert len(failures) == 1 and report.exit_code == EXIT_PARTIAL
    text = (tmp_path / "summaries" / "council.summary.txt").read_text(encoding="utf-8")
    assert text.strip() and "STAND-IN" in text

    lines: list[str] = []
    again = run_summaries(settings, "jsonl", emit=lines.append)
    assert again.stats.summaries_from_cache == 2  # the folder run's summaries, from the cache
    assert len(lines) == 2 and all("\n" not in line for line in lines)
    assert [json.loads(line)["schema"] for line in lines] == ["summarizer.summary"] * 2
    arrays: list[str] = []
    run_summaries(settings, "json", emit=arrays.append)
    (array,) = arrays
    assert [item["summary"]["text"] for item in json.loads(array)] == [
        json.loads(line)["summary"]["text"] for line in lines
    ]
    with pytest.raises(ConfigError, match="'html'"):
        run_summaries(settings, "html", emit=lines.append)


def test_an_interrupted_job_keeps_what_it_wrote_and_says_so(tmp_path, marian, bart):
    inputs = write_articles(tmp_path / "in")
    seen: list = []

    def stop_at_the_second(result):
        seen.append(result)
        if len(seen) == 2:
            raise KeyboardInterrupt

    report = run_job(
        job(tmp_path, marian, bart, inputs, formats="json"), callbacks=Callbacks(article_done=stop_at_the_second)
    )
    out = tmp_path / "out"
    assert report.interrupted and report.exit_code == EXIT_INTERRUPTED
    assert [p.name for p in report.written] == ["council.json"]
    assert visible(out) == ["council.json", "index.html", "index.json"]
    assert digest_from_json((out / "council.json").read_text(encoding="utf-8")) == seen[0]  # whole
    listing = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [Path(e["source"]).name for e in listing["entries"]] == ["council.txt"]
    assert report.skipped == 1  # the third article was never reached


def test_run_job_without_inputs_or_with_a_clean_run(tmp_path, marian, bart):
    with pytest.raises(ConfigError, match="no inputs"):
        run_job(job(tmp_path, marian, bart, []))
    report = run_job(job(tmp_path, marian, bart, write_articles(tmp_path / "in", ("rain.txt",))))
    assert report.exit_code == EXIT_OK and report.failures == [] and report.skipped == 0


# ---- badges and the index's status (issue 31 point 11) ----------------------------------------------------


def test_the_facts_protected_badge_is_drawn_not_a_glyph_the_fonts_lack():
    """Before: `⛨ facts protected`, U+26E8, which no installed font has: an empty box on the page."""
    from dataclasses import replace

    from summarizer.output.render import render_html
    from tests.test_render import make_digest

    digest = make_digest(shuffle=False)
    lang = digest.languages[0]
    first = replace(lang.summary.translations[0], protected=True)
    ts = replace(lang.summary, translations=(first, *lang.summary.translations[1:]))
    digest = replace(digest, languages=(replace(lang, summary=ts), *digest.languages[1:]))
    page = render_html(digest)
    badge = re.search(r'<span class="protected"[^>]*>(.*?)</span>', page, re.S)
    assert badge and "<svg" in badge.group(1) and badge.group(1).endswith(" facts protected")
    assert "\u26e8" not in page
    # Every character the pages' own chrome uses (not the article's text) is in the fonts they name.
    for name in ("digest.html", "index.html", "edition.html", "edition_email.html", "_style.css"):
        text = (Path(files.__file__).parent / "templates" / name).read_text(encoding="utf-8")
        assert not [ch for ch in text if 0x2600 <= ord(ch) <= 0x27BF or ord(ch) > 0xFFFF], name


def test_the_index_says_ok_only_for_a_digest_without_flags(tmp_path):
    """Before: a green "ok" beside "84 flagged"."""
    from summarizer.output.render import render_index

    clean = IndexEntry(title="Clean", source="a.txt")
    flagged = IndexEntry(title="Flagged", source="b.txt", flags=84)
    page = render_index([clean, flagged])
    rows = re.findall(r'<tr data-status="ok">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert '<span class="status-ok">ok</span>' in rows[0] and "flagged" not in rows[0]
    assert "status-ok" not in rows[1] and 'class="status-flagged"' in rows[1] and "84 flagged" in rows[1]
