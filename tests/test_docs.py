"""The README and docs/ against the code: size, links, every `summarizer ...` line in a code block against
the real commands and flags, the job-file examples against the job loader, and the README's three examples
run on stand-in models."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from summarizer.cli import app

from conftest import ROOT, SEED

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
SHELL_FENCES = {"", "sh", "bash", "shell", "console", "zsh"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---- reading Markdown ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fence:
    lang: str
    line: int  # 1-based line number of the block's first content line
    lines: tuple[str, ...]


def _fences(path: Path) -> list[Fence]:
    fences, current, lang, start = [], None, "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        marker = re.match(r"^\s*(```|~~~)\s*([\w+-]*)", line)
        if current is None and marker:
            current, lang, start = [], marker.group(2).lower(), number + 1
        elif current is not None and marker and not marker.group(2):
            fences.append(Fence(lang, start, tuple(current)))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, f"{_rel(path)}: a code block opened on line {start - 1} is never closed"
    return fences


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors_of(path: Path) -> set[str]:
    """Anchors from the real heading text (with its inline code), numbered like GitHub numbers repeats."""
    seen: dict[str, int] = {}
    anchors = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
            continue
        if not fenced and (heading := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)):
            slug = _slug(heading.group(1))
            anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _links(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*(```|~~~)", line):
            fenced = not fenced
        elif not fenced:
            out += [(number, m.group(1)) for m in LINK.finditer(re.sub(r"`[^`]*`", "``", line))]
    return out


# ---- the README and the pages ----------------------------------------------------------------


def test_readme_fits_a_screen_and_names_the_two_commands():
    size = len(README.read_bytes())
    assert size < 15 * 1024, f"README.md is {size} bytes; keep it under 15 KB and move detail to docs/"
    shell = "\n".join(line for fence in _fences(README) if fence.lang in SHELL_FENCES for line in fence.lines)
    for command in ("make demo", "make test", '-m "not slow"'):
        assert command in shell, f"README.md: no code block shows {command!r}"


def test_every_docs_page_starts_with_a_description_and_links_back():
    assert DOCS, "docs/ has no pages"
    readme_links = {target.split("#")[0] for _, target in _links(README)}
    for page in DOCS:
        lines = page.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), f"{_rel(page)}:1: the page should start with a '# Title'"
        description = next((line for line in lines[1:] if line.strip()), "")
        assert "../README.md" in description, (
            f"{_rel(page)}: the line after the title should describe the page and link back to ../README.md"
        )
        assert f"docs/{page.name}" in readme_links, f"README.md: no link to docs/{page.name} in its table of contents"


def test_every_relative_link_points_at_a_file_and_heading_that_exist():
    problems = []
    for page in PAGES:
        for number, target in _links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            if not dest.exists():
                problems.append(f"{_rel(page)}:{number}: {target!r}: no file {file_part!r}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors_of(dest):
                problems.append(f"{_rel(page)}:{number}: {target!r}: {_rel(dest)} has no heading #{anchor}")
    assert not problems, "broken links:\n" + "\n".join(problems)


# ---- `summarizer ...` lines against the real commands -----------------------------------------


@dataclass(frozen=True)
class CommandLine:
    page: Path
    line: int
    words: tuple[str, ...]  # after `summarizer`: sub-commands, flags and values, shell syntax removed
    redirect: str | None = None  # `> FILE`

    def where(self) -> str:
        return f"{_rel(self.page)}:{self.line}"


SEPARATORS = {"|", "||", "&&", ";", "&"}


def _logical_lines(fence: Fence) -> list[tuple[int, str]]:
    """Lines with their `\\` continuations joined, each with the number of its first line."""
    out, buffer, start = [], "", 0
    for offset, line in enumerate(fence.lines):
        if not buffer:
            start = fence.line + offset
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        out.append((start, buffer + line))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


def _is_summarizer(words: list[str]) -> int:
    """How many leading words name the program: `summarizer`, `.venv/bin/summarizer`, `python -m summarizer`."""
    if words and (words[0] == "summarizer" or words[0].endswith("/summarizer")):
        return 1
    if len(words) >= 3 and re.search(r"python[\d.]*$", words[0]) and words[1:3] == ["-m", "summarizer"]:
        return 3
    return 0


def parse_command_lines(page: Path, number: int, text: str) -> list[CommandLine]:
    """The `summarizer` invocations in one shell line: comments, pipes, `&&`, redirects, `VAR=value`
    prefixes and the `[--optional]` brackets of usage lines taken away. A segment after `|` that starts
    with a flag (`--model M | --older-than DAYS`) lists alternatives for the same command."""
    text = re.sub(r"^\s*\$\s+", "", text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError as error:  # an unbalanced quote
        raise AssertionError(f"{_rel(page)}:{number}: can't read the shell line ({error}): {text}") from None
    segments: list[list[str]] = [[]]
    redirects: list[str | None] = [None]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in SEPARATORS:
            segments.append([])
            redirects.append(None)
        elif re.fullmatch(r"[<>&]+", token) or re.fullmatch(r"\d[<>]+&?", token):
            if i + 1 < len(tokens):
                redirects[-1] = tokens[i + 1]
            i += 1
        else:
            segments[-1].append(token)
        i += 1
    found: list[CommandLine] = []
    for words, redirect in zip(segments, redirects, strict=True):
        while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
            words = words[1:]
        cleaned = [w.removeprefix("[").removesuffix("]") for w in words]
        cleaned = [w for w in cleaned if w]
        if skip := _is_summarizer(cleaned):
            found.append(CommandLine(page, number, tuple(cleaned[skip:]), redirect))
        elif cleaned and cleaned[0].startswith("-") and found:  # alternatives: `--a X | --b Y`
            last = found[-1]
            found[-1] = CommandLine(page, number, last.words + tuple(cleaned), last.redirect)
    return found


def command_lines(pages: list[Path] = PAGES) -> list[CommandLine]:
    out = []
    for page in pages:
        for fence in _fences(page):
            if fence.lang in SHELL_FENCES:
                for number, text in _logical_lines(fence):
                    out += parse_command_lines(page, number, text)
    return out


def _flags(command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("-"))
    return names


def check_command_line(cl: CommandLine) -> list[str]:
    """What is wrong with one command line: an unknown command or sub-command, or a flag it doesn't have."""
    command = typer.main.get_command(app)
    path = ["summarizer"]
    problems = []
    for word in cl.words:
        if word.startswith("-") and word != "-":
            flag = word.split("=", 1)[0]
            if flag not in _flags(command):
                problems.append(f"{cl.where()}: `{' '.join(path)}` has no flag {flag}")
        elif hasattr(command, "commands") and word:  # a group: the next word is its sub-command
            if word not in command.commands:
                known = ", ".join(sorted(command.commands))
                problems.append(f"{cl.where()}: `{' '.join(path)}` has no command {word!r} (it has: {known})")
                break
            command = command.commands[word]
            path.append(word)
    return problems


def test_every_summarizer_line_in_the_docs_names_real_commands_and_flags():
    lines = command_lines()
    assert len(lines) > 40, f"found only {len(lines)} `summarizer ...` lines in code blocks: is the parser broken?"
    problems = [problem for cl in lines for problem in check_command_line(cl)]
    assert not problems, "docs name commands or flags that don't exist:\n" + "\n".join(problems)


def test_every_command_and_sub_command_is_shown_in_the_docs():
    shown = [cl.words for cl in command_lines()]
    root = typer.main.get_command(app)
    missing = []
    for name, command in root.commands.items():
        for full in [[name, sub] for sub in command.commands] if hasattr(command, "commands") else [[name]]:
            if not any(tuple(words[: len(full)]) == tuple(full) for words in shown):
                missing.append(" ".join(full))
    assert not missing, f"no example in docs/ or README.md shows: summarizer {', summarizer '.join(missing)}"


def test_the_command_line_checker_catches_what_it_should(tmp_path):
    page = ROOT / "docs" / "cli.md"
    good = "cat a.txt | summarizer summarize - --format=json > out.json && echo done  # a comment --nope"
    (cl,) = parse_command_lines(page, 7, good)
    assert cl.words == ("summarize", "-", "--format=json") and cl.redirect == "out.json"
    assert check_command_line(cl) == []
    alternatives = "summarizer cache clear --model M | --older-than DAYS | --all [--yes]"
    (cl,) = parse_command_lines(page, 8, alternatives)
    assert cl.words == ("cache", "clear", "--model", "M", "--older-than", "DAYS", "--all", "--yes")
    assert check_command_line(cl) == []
    (bad,) = parse_command_lines(page, 9, "HF_HUB_OFFLINE=1 summarizer translate a.txt --to ru --colour red")
    assert check_command_line(bad) == ["docs/cli.md:9: `summarizer translate` has no flag --colour"]
    (bad,) = parse_command_lines(page, 10, "summarizer models fetch ru")
    assert "has no command 'fetch'" in check_command_line(bad)[0]
    fence = Fence("sh", 3, ("summarizer digest a.txt \\", "  --to ru \\", "  --out out/", "summarizer cache path"))
    assert _logical_lines(fence) == [
        (3, "summarizer digest a.txt    --to ru    --out out/"),
        (6, "summarizer cache path"),
    ]


# ---- job files ---------------------------------------------------------------------------------


def test_the_job_file_examples_load(tmp_path):
    from summarizer import RunOptions, resolve_job

    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds")
    blocks = [(page, fence) for page in PAGES for fence in _fences(page) if fence.lang == "toml"]
    assert blocks, "docs/job-file.md should show a job file"
    for i, (page, fence) in enumerate(blocks):
        text = "\n".join(fence.lines)
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            pytest.fail(f"{_rel(page)}:{fence.line}: not TOML: {error}")
        job = tmp_path / f"job{i}.toml"
        job.write_text(text, encoding="utf-8")
        resolve_job(job, RunOptions.of())  # raises ConfigError naming the key


# ---- the README's three examples, on stand-in models --------------------------------------------


def _readme_examples() -> list[CommandLine]:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Three examples\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## Three examples' section"
    offset = text[: section.start(1)].count("\n")
    first = next(f for f in _fences(README) if f.line > offset)
    examples = [cl for number, line in _logical_lines(first) for cl in parse_command_lines(README, number, line)]
    assert len(examples) == 3, f"README.md: the examples block should hold three commands, not {len(examples)}"
    return examples


def _value(words: list[str], flag: str) -> str | None:
    return words[words.index(flag) + 1] if flag in words else None


def _needs_models(example: CommandLine) -> bool:
    words = list(example.words)
    return words[0] != "summarize" or _value(words, "--method") in (None, "abstractive")


def _with_stand_ins(example: CommandLine, request) -> list[str]:
    """The example's words, hub models replaced by stand-in folders and decoding kept short."""
    words = list(example.words)
    command = words[0]
    if not _needs_models(example):
        return words
    if command == "summarize":
        bart = str(request.getfixturevalue("bart"))
        words = _replace(words, "--model", bart) + ["--num-beams", "1", "--max-new-tokens", "16"]
        return words + ["--no-retry"]
    marian = str(request.getfixturevalue("marian"))
    langs = (_value(words, "--to") or "").split(",")
    words = [w for i, w in enumerate(words) if not (w == "--model" or (i and words[i - 1] == "--model"))]
    for lang in filter(None, langs):
        words += ["--model", f"{lang}={marian}"]
    words += ["--num-beams", "1", "--max-new-tokens", "8", "--no-retry"]
    summarizes = command == "digest" or "--summarize" in words or "--summary-model" in words
    if summarizes and "--no-summary" not in words and _value(words, "--method") in (None, "abstractive"):
        words = _replace(words, "--summary-model", str(request.getfixturevalue("bart")))
        words += ["--summary-num-beams", "1", "--summary-max-new-tokens", "16"]
    return words


def _replace(words: list[str], flag: str, value: str) -> list[str]:
    if flag in words:
        words = list(words)
        words[words.index(flag) + 1] = value
        return words
    return [*words, flag, value]


EXAMPLES = _readme_examples()


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(i, id=example.words[0], marks=[pytest.mark.slow] if _needs_models(example) else [])
        for i, example in enumerate(EXAMPLES)
    ],
)
def test_the_readme_examples_run_on_stand_in_models(index, tmp_path, request):
    example = EXAMPLES[index]
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds")  # the examples name seeds/...; the cwd is tmp_path (conftest)
    args = _with_stand_ins(example, request)
    result = CliRunner().invoke(app, args)
    shown = f"{example.where()}: summarizer {shlex.join(args)}\n{result.output}"
    assert result.exit_code == 0, shown
    out = _value(args, "--out")
    if out:
        written = sorted(p.name for p in (tmp_path / out).iterdir())
        assert written, shown
        if args[0] == "digest":
            assert "index.html" in written and f"{SEED.stem}.html" in written, (written, shown)
    else:
        assert result.stdout.strip(), shown
        if example.redirect:
            (tmp_path / example.redirect).write_text(result.stdout, encoding="utf-8")
    if args[0] == "summarize" and not _needs_models(example):
        seed = " ".join(SEED.read_text(encoding="utf-8").split())
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(result.stdout.split()))
        assert all(s in seed for s in sentences if s), "an extractive summary is the article's own sentences"


# ---- what translate and digest do by default (docs/cli.md) ----------------------------------------


def _defaults_table() -> dict[str, tuple[list[str], list[str]]]:
    """docs/cli.md's table: per setting (its words before the bracket), the `code` values of each column."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("\n## What translate and digest do by default\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 3 and cells[0] not in ("setting", "---"):
            rows[cells[0].split(" (")[0]] = tuple(re.findall(r"`([^`]*)`", c) for c in cells[1:])
    return rows


def _job(monkeypatch, *args: str):
    """(settings, the format streamed to stdout or None) that `summarizer ARGS` would run."""
    import summarizer.cli.run as run

    seen = {}
    monkeypatch.setattr(run, "_run", lambda settings, opts, *, to_stdout=None: seen.update(s=settings, out=to_stdout))
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0 and seen, result.output
    return seen["s"], seen["out"]


def _shown(settings, to_stdout) -> dict[str, list[str]]:
    """A job's settings as the table's rows say them."""
    summary = settings.summary
    return {
        "target languages": [",".join(t.lang for t in settings.targets)],
        "summary": ["on" if summary else "off"],
        "what is translated": [settings.translate],
        "summary method": [summary.method, str(summary.sentences)] if summary else [],
        "summary model": [summary.model] if summary else [],
        "formats": [",".join(settings.output.formats)],
        "where the output goes": ["stdout" if to_stdout else f"{settings.output.dir.as_posix()}/"],
    }


def test_the_defaults_table_of_translate_and_digest_is_the_code(monkeypatch, tmp_path):
    rows = _defaults_table()
    (tmp_path / "a.txt").write_text("The summit opened in Baku. Leaders of 120 countries came.\n", encoding="utf-8")
    translate = _shown(*_job(monkeypatch, "translate", "a.txt", "--to", "ru"))
    summarized = _shown(*_job(monkeypatch, "translate", "a.txt", "--to", "ru", "--summarize"))
    to_files = _shown(*_job(monkeypatch, "translate", "a.txt", "--to", "ru", "--format", "html"))
    digest = _shown(*_job(monkeypatch, "digest", "a.txt"))
    assert set(rows) == set(digest), "docs/cli.md's table and this test name the same settings"
    for setting, (in_translate, in_digest) in rows.items():
        assert in_digest[: len(digest[setting])] == digest[setting], f"digest, {setting}: {in_digest}"
        if setting == "target languages":
            assert in_translate == ["required"]
            missing = CliRunner().invoke(app, ["translate", "a.txt"])
            assert missing.exit_code == 2 and "--to is required" in missing.output
        elif setting in ("summary method", "summary model"):
            assert in_translate[: len(summarized[setting])] == summarized[setting], f"translate, {setting}"
        else:
            assert in_translate[0] == translate[setting][0], f"translate, {setting}: {in_translate}"
    assert rows["what is translated"][0][-1] == summarized["what is translated"][0]
    assert rows["where the output goes"][0][-1] == to_files["where the output goes"][0]
    # With a job file, what it leaves out is the digest column's.
    (tmp_path / "job.toml").write_text('inputs = ["a.txt"]\ntargets = ["ru"]\n', encoding="utf-8")
    for command in ("translate", "digest"):
        job = _shown(*_job(monkeypatch, command, "--config", "job.toml"))
        assert {k: v for k, v in job.items() if k != "target languages"} == {
            k: v for k, v in digest.items() if k != "target languages"
        }
