"""Issue 20's output faults: no output replaces an input or a file summarizer did not write (1), SIGTERM
ends a job as Ctrl-C does and stale staging folders go (13), a job never reads its own outputs (14), and
bidirectional controls (16) and control characters (17) in metadata are shown escaped."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from test_render import make_digest
from typer.testing import CliRunner

from summarizer.cli.app import app
from summarizer.errors import ConfigError, InputError
from summarizer.inputs.paths import expand_paths
from summarizer.output import files
from summarizer.output.files import write_digest
from summarizer.output.render import render_html, render_index, render_markdown, render_summary, render_translation_text
from summarizer.results import IndexEntry

FAST = ["--num-beams", "1", "--max-new-tokens", "6", "--summary-num-beams", "1", "--summary-max-new-tokens", "8"]
STORY = "The council met on Monday. It approved the budget for the roads. Repairs start in May.\n"
PAGE = "<html><body><article><h1>Rain</h1><p>Rain fell all day in Baku. Roads were closed.</p></article></body></html>"
ESC_NAME = "\x1b[31mred\x1b[0m.txt"
# Every bidirectional control (the Unicode Bidi_Control property).
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def digest_args(marian: Path, bart: Path, *paths: str) -> list[str]:
    return ["digest", *paths, "--to", "ru", "--model", f"ru={marian}", "--summary-model", str(bart), *FAST]


def lead(*paths: str) -> list[str]:
    """`summarize --method lead`: the first sentences, no model, so a run takes a moment."""
    return ["summarize", *paths, "--method", "lead", "--sentences", "1"]


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def news(tmp_path: Path) -> Path:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "story.md").write_text(STORY, encoding="utf-8")
    (folder / "page.html").write_text(PAGE, encoding="utf-8")
    return folder


# ---- fault 1: an output never replaces an input, or a file summarizer did not write --------------------


def test_inputs_named_as_outputs_are_refused_before_anything_runs(tmp_path, marian, bart):
    folder = news(tmp_path)
    before = snapshot(folder)
    result = invoke(*digest_args(marian, bart, "folder/story.md", "folder/page.html"), "--out", str(folder))
    assert result.exit_code == 2, result.output
    line = error_line(result)
    assert str(folder / "story.md") in line and "the input folder/story.md" in line, line
    assert snapshot(folder) == before, "nothing replaced, nothing written"


def test_an_output_folder_that_is_read_as_input_is_refused(tmp_path):
    folder = news(tmp_path)
    before = snapshot(folder)
    result = invoke(*lead("folder"), "--out", "folder")
    assert result.exit_code == 2, result.output
    assert "--out folder is the folder folder, read as input" in error_line(result)
    assert snapshot(folder) == before


@pytest.mark.parametrize("name", ["story.summary.md", "story.summary.txt", "story.summary.json"])
def test_a_file_summarizer_did_not_write_is_never_replaced(tmp_path, name):
    news(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("my own notes\n", encoding="utf-8")
    fmt = name.rsplit(".", 1)[1]
    result = invoke(*lead("folder/story.md"), "--format", fmt, "--out", "out")
    assert result.exit_code == 2, result.output
    line = error_line(result)
    assert f"out/{name} was not written by summarizer" in line, line
    assert (out / name).read_text(encoding="utf-8") == "my own notes\n"


def test_a_foreign_index_is_never_replaced(tmp_path, marian, bart):
    news(tmp_path)
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<html><body>my site</body></html>", encoding="utf-8")
    result = invoke(*digest_args(marian, bart, "folder/story.md"), "--out", "site")
    assert result.exit_code == 2, result.output
    assert "site/index.html was not written by summarizer" in error_line(result)
    assert sorted(p.name for p in out.iterdir()) == ["index.html"], "refused before anything was written"


@pytest.mark.parametrize("fmt", ["txt", "md", "json", "jsonl"])
def test_its_own_outputs_are_replaced_on_the_next_run(tmp_path, fmt):
    news(tmp_path)
    for _ in range(2):
        result = invoke(*lead("folder/story.md"), "--format", fmt, "--out", "out")
        assert result.exit_code == 0, result.output
    assert files.is_own_output(tmp_path / "out" / f"story.summary.{fmt}")


def test_a_text_output_edited_by_hand_is_no_longer_its_own(tmp_path):
    """Plain text carries no mark, so the folder's record of what was written (size and SHA-256) decides."""
    news(tmp_path)
    assert invoke(*lead("folder/story.md"), "--out", "out").exit_code == 0
    written = tmp_path / "out" / "story.summary.txt"
    assert files.is_own_output(written)
    written.write_text("edited by hand\n", encoding="utf-8")
    assert not files.is_own_output(written)
    result = invoke(*lead("folder/story.md"), "--out", "out")
    assert result.exit_code == 2 and "story.summary.txt was not written by summarizer" in error_line(result)
    assert written.read_text(encoding="utf-8") == "edited by hand\n"


def test_the_guard_refuses_a_symlink_and_a_folder_in_the_way(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.html").symlink_to(tmp_path / "elsewhere.html")
    (out / "b.md").mkdir()
    guard = files.OutputGuard(out, [])
    for name in ("a.html", "b.md"):
        with pytest.raises(ConfigError, match=f"{name} was not written by summarizer"):
            guard.check([name])
    guard.check(["c.html"])  # not there: nothing to lose


# ---- fault 14: a job never reads its own outputs -----------------------------------------------


def test_a_second_run_does_not_summarize_its_own_outputs(tmp_path):
    news(tmp_path)
    for _ in range(2):
        result = invoke(*lead("folder"), "--format", "md", "--out", "folder/out")
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "folder" / "out").iterdir()) == [
        "page.summary.md",
        "story.summary.md",
    ], "the first run's summaries were read as articles"


@pytest.mark.slow
def test_a_second_digest_run_reads_only_the_articles(tmp_path, marian, bart):
    news(tmp_path)
    (tmp_path / "folder" / "page.html").unlink()
    args = [*digest_args(marian, bart, "folder"), "--format", "html,md,json,txt", "--out", "folder/out"]
    for _ in range(2):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "articles: 1 done, 0 failed" in result.output, result.output
    out = tmp_path / "folder" / "out"
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [e["source"] for e in index["entries"]] == ["folder/story.md"]
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == [
        "index.html",
        "index.json",
        "story.html",
        "story.json",
        "story.md",
        "story.ru.html",
        "story.ru.txt",
    ]
    assert all(files.is_own_output(out / name) for name in names)


def test_own_outputs_elsewhere_are_skipped_when_a_folder_is_read(tmp_path):
    news(tmp_path)
    assert invoke(*lead("folder"), "--format", "md", "--out", "old").exit_code == 0
    (tmp_path / "old" / "notes.txt").write_text(STORY, encoding="utf-8")  # the user's, beside the summaries
    assert expand_paths(["old"], skip_file=files.is_own_output) == ["old/notes.txt"]
    (tmp_path / "old" / "notes.txt").unlink()
    result = invoke(*lead("old"), "--out", "new")
    assert result.exit_code == 2, result.output
    assert "2 files summarizer wrote were skipped" in error_line(result)


def test_expansion_skips_the_output_folder_in_walks_and_globs(tmp_path):
    top = tmp_path / "top"
    (top / "out" / "deep").mkdir(parents=True)
    (top / "a.txt").write_text(STORY)
    (top / "out" / "b.txt").write_text(STORY)
    (top / "out" / "deep" / "c.txt").write_text(STORY)
    assert expand_paths(["top"], skip_folders=["top/out"]) == ["top/a.txt"]
    assert expand_paths(["top/**/*.txt"], skip_folders=[str(tmp_path / "top" / "out")]) == ["top/a.txt"]
    with pytest.raises(InputError, match="every file it matches is in the output folder, which is never read"):
        expand_paths(["top/out/*.txt"], skip_folders=["./top/out"])
    assert len(expand_paths(["top"])) == 3


# ---- fault 13: SIGTERM is Ctrl-C; stale staging folders go ---------------------------------------


@pytest.mark.slow
def test_sigterm_writes_the_index_of_what_is_done_and_exits_130(tmp_path, marian, bart):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(240):
        (folder / f"a{i:03}.txt").write_text(f"Story {i} is short. The council met on day {i}.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [*digest_args(marian, bart, str(folder)), "--method", "lead", "--format", "html,json", "--out", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarizer", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("a*.json")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the job ended before a digest was written: " + proc.stderr.read().decode()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = err.decode()
    assert proc.returncode == 130, err
    assert "error: interrupted; everything finished so far is in the cache, re-run to resume" in err
    assert "Traceback" not in err
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    done = {p.stem for p in out.glob("a*.json")}
    listed = {Path(e["source"]).stem for e in index["entries"]}
    assert done and len(done) < 240 and listed <= done
    assert len(done - listed) <= 1, "the index lists every digest written (but one the signal may have cut short)"
    assert (out / "index.html").is_file()
    assert not list(out.glob(".staging-*")), "no staging folder is left"


def _signal_inside(monkeypatch, module, name: str, signum: int) -> None:
    """`module.name` sends `signum` to this process while it runs (after making a folder, before removing one)."""
    real = getattr(module, name)

    def signalled(*args, **kwargs):
        if name == "rmtree":
            os.kill(os.getpid(), signum)
        result = real(*args, **kwargs)
        if name == "mkdtemp":
            os.kill(os.getpid(), signum)
        return result

    monkeypatch.setattr(module, name, signalled)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("where", ["mkdtemp", "rmtree"])
def test_a_signal_while_a_file_set_is_written_waits_until_its_staging_folder_is_gone(
    tmp_path, monkeypatch, where, signum
):
    """The race CI once lost: a signal between making the staging folder and naming it (or inside its
    removal) left `.staging-*` behind. Now the interrupt comes after the set is written and the folder gone."""
    from summarizer.cli.base import _sigterm_as_ctrl_c

    _signal_inside(monkeypatch, files.tempfile if where == "mkdtemp" else files.shutil, where, signum)
    with pytest.raises(KeyboardInterrupt), _sigterm_as_ctrl_c():
        files.atomic_write_text(tmp_path / "story.txt", "written whole")
    assert not list(tmp_path.glob(".staging-*"))
    assert (tmp_path / "story.txt").read_text(encoding="utf-8") == "written whole"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the handlers are given back"


def _stale(out: Path, name: str) -> Path:
    """A staging folder as a killed writer leaves it: a partial file, and old enough not to be just made."""
    staging = out / name
    staging.mkdir(parents=True)
    (staging / "story.html").write_text("<html><body>half a pa", encoding="utf-8")
    old = time.time() - 3600
    os.utime(staging, (old, old))
    return staging


def test_a_stale_staging_folder_is_removed_by_the_next_run(tmp_path):
    news(tmp_path)
    out = tmp_path / "out"
    stale = _stale(out, ".staging-dead1234")
    result = invoke(*lead("folder/story.md"), "--out", "out")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["story.summary.txt"]


@pytest.mark.slow
def test_a_staging_folder_a_live_process_holds_is_kept(tmp_path):
    out = tmp_path / "out"
    live, dead = _stale(out, ".staging-live"), _stale(out, ".staging-dead")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(live)!r}, os.O_RDONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"locked\n"
        files.remove_stale_staging(out)
        assert live.is_dir() and not dead.exists()
    finally:
        holder.kill()
        holder.wait()
    files.remove_stale_staging(out)
    assert not live.exists(), "once its process is gone, it is stale"


def test_a_writer_holds_its_staging_folder_against_a_cleaner(tmp_path, monkeypatch):
    """Another job's clean-up running while a set is being written leaves that set's staging folder alone."""
    monkeypatch.setattr(files, "STALE_STAGING_SECONDS", 0)  # even a brand-new folder counts as old
    real = files._write_synced

    def write_then_clean(path, blob, mode):
        real(path, blob, mode)
        files.remove_stale_staging(tmp_path)

    monkeypatch.setattr(files, "_write_synced", write_then_clean)
    paths = write_digest(make_digest(), tmp_path, "art-1", formats=["html", "json"])
    assert all(p.is_file() for p in paths)
    assert not list(tmp_path.glob(".staging-*"))


# ---- fault 16: bidirectional controls in metadata ------------------------------------------------


def _spoofed():
    digest = make_digest()
    article = replace(
        digest.article,
        title="Quarterly report \u202egnp.exe",
        author="Ivan \u2067Petrov",
        site="News\u200f Site",
        url="https://example.org/files/\u202egnp.exe",
        source="inbox/\u202etxt.exe",
    )
    return replace(digest, article=article)


def test_bidi_controls_in_metadata_are_shown_escaped_in_html():
    html = render_html(_spoofed())
    assert not set(BIDI) & set(html), "no bidi control reaches the page"
    assert "Quarterly report \\u202egnp.exe" in html
    assert "Ivan \\u2067Petrov" in html and "News\\u200f Site" in html and "inbox/\\u202etxt.exe" in html
    link = re.search(r'<a href="([^"]+)" rel="noopener noreferrer nofollow">([^<]+)</a>', html)
    assert link.group(1) == link.group(2) == "https://example.org/files/%E2%80%AEgnp.exe", "the text is the target"


def test_bidi_controls_in_metadata_are_shown_escaped_in_markdown_and_the_index():
    md = render_markdown(_spoofed())
    assert not set(BIDI) & set(md)
    assert "# Quarterly report \\\\u202egnp.exe" in md  # Markdown source of the text `\u202e`
    assert "- **URL:** https://example.org/files/%E2%80%AEgnp.exe" in md
    entry = IndexEntry.failed("inbox/\u202etxt.exe", "can't read inbox/\u202etxt.exe", title="Report \u202egnp.exe")
    index = render_index([entry])
    assert not set(BIDI) & set(index)
    assert "Report \\u202egnp.exe" in index and "inbox/\\u202etxt.exe" in index


@pytest.mark.browser
@pytest.mark.slow
def test_a_spoofed_url_shows_its_real_target_in_chromium(tmp_path):
    from selenium.webdriver.common.by import By

    from test_browser import _driver

    page = tmp_path / "spoof.html"
    page.write_text(render_html(_spoofed()), encoding="utf-8")
    driver = _driver(tmp_path)
    try:
        driver.get(page.as_uri())
        link = driver.find_element(By.CSS_SELECTOR, '[data-fact="url"] a')
        assert link.text == link.get_attribute("href") == "https://example.org/files/%E2%80%AEgnp.exe"
        title = driver.find_element(By.TAG_NAME, "h1").text
        assert title == "Quarterly report \\u202egnp.exe" and not set(BIDI) & set(driver.title)
    finally:
        driver.quit()


# ---- fault 17: control characters in metadata ----------------------------------------------------


def test_escape_bytes_in_a_file_name_stay_out_of_markdown_and_text(tmp_path):
    (tmp_path / ESC_NAME).write_text(STORY, encoding="utf-8")
    (tmp_path / "plain.txt").write_text(STORY, encoding="utf-8")
    md = invoke(*lead(ESC_NAME), "--format", "md")
    assert md.exit_code == 0, md.output
    assert "\x1b" not in md.stdout
    assert "- **Source:** \\\\x1b\\[31mred\\\\x1b\\[0m.txt" in md.stdout
    txt = invoke(*lead(ESC_NAME, "plain.txt"))
    assert txt.exit_code == 0, txt.output
    assert "\x1b" not in txt.stdout and "==> \\x1b[31mred\\x1b[0m.txt <==" in txt.stdout


def test_control_characters_in_every_piece_of_metadata_are_escaped():
    digest = make_digest()
    article = replace(digest.article, title="T\x07itle", author="A\x1b[2J", site="S\x9b1m", source="s\x00.txt")
    digest = replace(digest, article=article)
    for text in (
        render_markdown(digest),
        render_summary(digest, "md"),
        render_summary(digest, "txt", header=True),
        render_translation_text(digest, header=True),
    ):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), text
    md = render_markdown(digest)
    assert "# T\\\\x07itle" in md and "A\\\\x1b\\[2J" in md and "S\\\\x9b1m" in md and "s\\\\x00.txt" in md
    assert "==> s\\x00.txt [ru] <==" in render_translation_text(digest, header=True)
