"""The GitHub-flavoured Markdown digest, and `md_escape`, which keeps input literal in it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape  # the standard library's: this package's own `html` module is `.html`

from ...languages import direction, language_name, language_tag, plural
from ...results import Digest
from .common import (
    FACT_KIND_NAMES,
    PART_TITLES,
    FactLine,
    FactView,
    Row,
    align,
    article_facts,
    cache_lines,
    chunking,
    fact_lines,
    human_count,
    model_lines,
    parts,
    quality,
    shown,
    stand_in_models,
    stand_in_notice,
    targets,
    timing_lines,
    warning_lines,
)

# The last line of every Markdown file this tool writes, hidden when rendered: it tells a later job that
# the file is its own (`output.files.is_own_output`), to be replaced, and never read as an article.
MARKDOWN_MARK = "<!-- generator: summarizer -->"
# Every character that could start markup is backslash-escaped, which CommonMark allows for all ASCII
# punctuation: `\<b>` shows as `<b>` and opens no tag, `\&amp;` shows as `&amp;`. No HTML entities: a
# reader of the raw file sees the text itself, and `"` needs nothing, since no input is put in an attribute.
_MD_SPECIAL = {c: "\\" + c for c in "\\`*[]|~<>&"}
# `_` emphasises only at a word's edge; inside one (`max_new_tokens`) it stays as written.
_EDGE_UNDERSCORE = re.compile(r"_(?!(?<=[^\W_]_)[^\W_])")


def md_escape(text: str, newline: str = "<br>") -> str:
    """Make text literal inside a GitHub Markdown table cell, list item or heading.

    Backslash-escapes Markdown punctuation (including `|`, which would end a cell, and `<`, `>` and `&`,
    so raw HTML and entities show as text), `_` where it could emphasise, and replaces line breaks with
    `newline`.
    """
    text = _EDGE_UNDERSCORE.sub(r"\\_", "".join(_MD_SPECIAL.get(c, c) for c in text))
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", newline)


def _md_cell(text: str, code: str) -> str:
    """A cell; right-to-left text is wrapped so viewers that allow `dir` (GitHub does) align it."""
    cell = md_escape(text)
    if direction(code) == "rtl":
        # An attribute value is HTML, not Markdown: escape it as HTML, quotes included.
        return f'<div dir="rtl" lang="{escape(language_tag(code), quote=True)}">{cell}</div>'
    return cell


def _md_marks(row: Row) -> str:
    """What follows a human, flagged, retried or protected translation: ` ✎ human`, ` ⚠ code: message` per
    flag, ` ↻ retried`, ` ⛨ facts protected`.

    Markdown has no hover, so the message is written out; it holds input text, so it is escaped like a cell.
    """
    marks = [f" ⚠ {md_escape(f.code)}: {md_escape(f.message)}" for f in row.flags]
    after = (" ↻ retried" if row.retried else "") + (" ⛨ facts protected" if row.protected else "")
    return (" ✎ human" if row.human else "") + "".join(marks) + after


def md_header(digest: Digest, codes: Sequence[str]) -> list[str]:
    """Title, stand-in notice and provenance bullets, for the parts of `codes` shown."""
    article = digest.article
    out = [f"# {md_escape(shown(article.title), ' ')}", ""]
    notice = stand_in_notice(digest, codes)
    if notice is not None:
        out += ["> [!CAUTION]", f"> **STAND-IN MODELS:** {md_escape(notice.text, ' ')}", ">"]
        out += [f"> - {md_escape(label, ' ')}" for label in stand_in_models(digest)]
        out.append("")

    def bullet(name: str, value: str) -> None:
        out.append(f"- **{md_escape(name, ' ')}:** {md_escape(value, ' ')}")  # names hold target codes from configs

    for name, value in article_facts(article):  # author, site, date, URL, source, language: what is known
        bullet(name, value)
    bullet(
        "Article", f"id {shown(article.id)}, {plural(len(article.sentences), 'sentence')}, encoding {article.encoding}"
    )
    bullet("Chunking", chunking(digest))
    for role, label, settings in model_lines(digest, codes):
        bullet(f"Model, {role}", f"{label}; {settings}")
    bullet("Cache", "; ".join(f"{k}: {v}" for k, v in cache_lines(digest, codes)) or "not used")
    bullet("Timings", "; ".join(f"{k}: {v}" for k, v in timing_lines(digest, codes)) or "not recorded")
    found = quality(digest, codes)
    bullet("Quality", found.headline())
    out += [f"  - {md_escape(origin, ' ')}: {md_escape(line, ' ')}" for origin, line in found.lines()]
    warnings = warning_lines(digest, codes)
    if warnings:
        out.append("- **Warnings:**")
        out += [f"  - {md_escape(origin, ' ')}: {md_escape(w, ' ')}" for origin, w in warnings]
    out.append("")
    return out


def _md_fact_cell(view: FactView, line: FactLine, code: str) -> str:
    """A facts-table cell: the renderings, then ` ⚠ code` and each sentence that lacks it, with the span."""
    text = " · ".join(md_escape(r) for r in view.cell.renderings)
    if not text and not view.missing:
        return "*not checked*"
    marks = [f"⚠ {md_escape(flag)}" for flag in view.cell.flags]
    if view.missing and line.target_form.get(code):
        marks.append(f"expected {md_escape(line.target_form[code])}")
    for m in view.missing:
        source = f"{md_escape(m.before)}**{md_escape(m.span)}**{md_escape(m.after)}"
        marks.append(f"not in {md_escape(m.label)}: “{source}”")
    if view.more:
        marks.append("nor in " + ", ".join(md_escape(m.label) for m in view.more))
    return " ".join(p for p in (_md_cell(text, code) if text else "", *marks) if p)


def _md_facts(digest: Digest, codes: Sequence[str]) -> list[str]:
    """The facts table, folded (GitHub shows a `<details>` block with Markdown inside)."""
    lines = fact_lines(digest, codes)
    if not lines:
        return []
    flagged = sum(line.flagged for line in lines)
    what = "name, number or term" if len(lines) == 1 else "names, numbers and terms"
    head = f"Facts: {len(lines)} {what}" + (f" · {flagged} flagged" if flagged else "")
    out = ["<details>", f"<summary>{escape(head, quote=False)}</summary>", ""]
    names = " | ".join(f"{md_escape(language_name(code))} ({md_escape(code)})" for code, _ in lines[0].cells)
    out += [f"| kind | {md_escape(language_name(digest.article.lang))} | {names} |"]
    out += ["|:---|:---|" + "|".join(":---" for _ in lines[0].cells) + "|"]
    for line in lines:
        cells = " | ".join(_md_fact_cell(view, line, code) for code, view in line.cells)
        out.append(f"| {FACT_KIND_NAMES[line.kind]} | {_md_cell(line.text, digest.article.lang)} | {cells} |")
    return out + ["", "</details>", ""]


def render_markdown(digest: Digest, target: str | None = None) -> str:
    """GitHub-flavoured Markdown: a provenance list, then source | translation tables per language."""
    codes = targets(digest, target)
    article = digest.article
    out = md_header(digest, codes)
    src_head = md_escape(f"{language_name(article.lang)} ({article.lang})")
    for code in codes:
        out += [f"## {md_escape(language_name(code), ' ')} ({md_escape(code, ' ')})", ""]
        shown = parts(digest, [code])
        if not shown:
            out += ["*Nothing was translated into this language.*", ""]
        for _, kind, sentences, ts in shown:
            rows, _ = align(sentences, ts)
            human = human_count(ts)
            out += [
                f"### {PART_TITLES[kind]}" + (f" ({human} human)" if human else ""),
                "",
                f"| # | {src_head} | {md_escape(language_name(code))} ({md_escape(code)}) |",
                f"|:---|:---|{'---:' if direction(code) == 'rtl' else ':---'}|",
            ]
            for row in rows:
                tgt = (
                    _md_cell(row.translation, code) + _md_marks(row)
                    if row.translation is not None
                    else "*(no translation)*"
                )
                out.append(f"| {md_escape(row.label)} | {_md_cell(row.source, article.lang)} | {tgt} |")
            out.append("")
    out += _md_facts(digest, codes)
    if not codes and digest.summary_sentences:
        out += ["## Summary", ""] + [md_escape(s.text, " ") for s in digest.summary_sentences] + [""]
    return "\n".join(out).rstrip("\n") + f"\n\n{MARKDOWN_MARK}\n"
