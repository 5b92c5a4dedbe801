"""Digest rendering: self-contained bilingual HTML, GitHub Markdown, versioned JSON, and the job index.

Rows are aligned by `Translation.source_id`, never by position. Everything from the input is escaped.

JSON format (`render_json`, read back by `digest_from_json`), described by
`summarizer/schema/digest.schema.json` (JSON Schema draft 2020-12):

    {"schema": "summarizer.digest", "format_version": 1, "stand_in": bool,
     "article": {...}, "summary": {...} | null, "summary_sentences": [...],
     "languages": [{"target", "summary": TranslationSet | null, "full": TranslationSet | null}],
     "warnings": [...], "timings": {...}}

Objects mirror the dataclasses of `summarizer.results` field by field, in field order; tuples become
arrays; free-form mappings (`params`, `timings`) have sorted keys, so the output is deterministic.
`stand_in` (top level) and `cache_hits` (per translation set) are derived, for readers' convenience,
and ignored when reading. Lists stored inside `params` come back as lists.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError
from .languages import LANGUAGES, direction
from .results import Digest, LanguageDigest, Sentence, TranslationSet

if TYPE_CHECKING:
    from .outputs import IndexEntry

SCHEMA_NAME = "summarizer.digest"
INDEX_SCHEMA_NAME = "summarizer.index"
FORMAT_VERSION = 1
_DERIVED_KEYS: dict[type, frozenset[str]] = {Digest: frozenset({"schema", "stand_in"}), TranslationSet: frozenset({"cache_hits"})}
_PART_TITLES = {"summary": "Summary", "full": "Full text"}
STAND_IN_NOTICE = (
    "Stand-in models were used: they have random weights, so every summary and translation "
    "in this digest is noise. It shows that the pipeline runs; do not read or quote it."
)


# --- languages -------------------------------------------------------------------------------


def language_tag(code: str) -> str:
    """The BCP-47 tag for a language code as users write it (`az`, `zh_Hant` -> `zh-Hant`)."""
    return code.strip().replace("_", "-")


def language_name(code: str) -> str:
    lang = LANGUAGES.get(code)
    if lang is not None:
        return lang.name
    return {"en": "English"}.get(code, code)


# --- alignment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One source sentence and its translation (None when no translation carries its id)."""

    sid: str
    label: str  # the id without the article part: "p3:s1"
    paragraph: int
    source: str
    translation: str | None
    cached: bool = False
    split_parts: int = 1


def _short_id(sid: str) -> str:
    parts = sid.rsplit(":", 2)
    return f"{parts[1]}:{parts[2]}" if len(parts) == 3 else sid


def align(sentences: Sequence[Sentence], tset: TranslationSet) -> tuple[list[Row], list[str]]:
    """Rows in sentence order, matched by id, and the ids of translations that match no sentence."""
    by_id = {}
    for t in tset.translations:
        by_id.setdefault(t.source_id, t)
    rows = []
    for s in sentences:
        t = by_id.get(s.id)
        rows.append(
            Row(s.id, _short_id(s.id), s.paragraph, s.text, t.text if t else None, bool(t and t.cached), t.split_parts if t else 1)
        )
    known = {s.id for s in sentences}
    orphans = [t.source_id for t in tset.translations if t.source_id not in known]
    return rows, orphans


def _language(digest: Digest, target: str) -> LanguageDigest:
    for lang in digest.languages:
        if lang.target == target:
            return lang
    known = ", ".join(lang.target for lang in digest.languages) or "none"
    raise ConfigError(f"this digest has no target language {target!r}; it has: {known}")


def _targets(digest: Digest, target: str | None) -> list[str]:
    return [_language(digest, target).target] if target is not None else [lang.target for lang in digest.languages]


def _parts(digest: Digest, targets: Sequence[str]) -> list[tuple[str, str, Sequence[Sentence], TranslationSet]]:
    """(target, part, source sentences, translations) for every translated part of `targets`."""
    sources = {"summary": digest.summary_sentences, "full": digest.article.sentences}
    out = []
    for target in targets:
        lang = _language(digest, target)
        out += [(target, kind, sources[kind], ts) for kind, ts in (("summary", lang.summary), ("full", lang.full)) if ts is not None]
    return out


# --- provenance, shared by HTML and Markdown ---------------------------------------------------


def _origin(target: str, kind: str) -> str:
    return f"{target} {_PART_TITLES[kind].lower()}"


def _stand_in_models(digest: Digest) -> list[str]:
    """Names of the stand-in models in the digest (their labels already say "stand-in")."""
    models = [digest.summary.model] if digest.summary else []
    models += [ts.model for *_, ts in _parts(digest, _targets(digest, None))]
    return sorted({m.name for m in models if m.stand_in})


def _chunking(digest: Digest) -> str:
    s = digest.summary
    if s is None:
        return "no summary was made"
    if s.chunked:
        return (
            f"chunked: the input ({s.input_tokens:,} tokens) exceeded the model limit of {s.max_input_tokens:,}, "
            f"so it was summarized in {s.chunks} chunks and {s.rounds} reduce round{'s' if s.rounds != 1 else ''}"
        )
    return f"not chunked: {s.input_tokens:,} of {s.max_input_tokens:,} input tokens"


def _warnings(digest: Digest, targets: Sequence[str]) -> list[tuple[str, str]]:
    """(origin, message) pairs: digest, summary, and translation warnings, plus alignment gaps."""
    out = [("digest", w) for w in digest.warnings]
    if digest.summary is not None:
        out += [("summary", w) for w in digest.summary.warnings]
    for target, kind, sentences, ts in _parts(digest, targets):
        origin = _origin(target, kind)
        out += [(origin, w) for w in ts.warnings]
        rows, orphans = align(sentences, ts)
        missing = sum(r.translation is None for r in rows)
        if missing:
            out.append((origin, f"{missing} sentence(s) have no translation"))
        if orphans:
            out.append((origin, f"{len(orphans)} translation(s) match no source sentence: {', '.join(orphans[:5])}"))
    return out


def _cache_lines(digest: Digest, targets: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    if digest.summary is not None:
        out.append(("summary", "from cache" if digest.summary.cached else "computed"))
    for target, kind, _, ts in _parts(digest, targets):
        out.append((_origin(target, kind), f"{ts.cache_hits} of {len(ts.translations)} sentences from cache"))
    return out


def _timing_lines(digest: Digest, targets: Sequence[str]) -> list[tuple[str, str]]:
    out = [(name, _seconds(value)) for name, value in sorted(digest.timings.items())]
    if digest.summary is not None:
        out.append(("summary model", _seconds(digest.summary.seconds)))
    for target, kind, _, ts in _parts(digest, targets):
        out.append((_origin(target, kind), _seconds(ts.seconds)))
    return out


def _model_lines(digest: Digest, targets: Sequence[str]) -> list[tuple[str, str, str]]:
    """(role, model label, settings) for the summarizer and each translation shown."""
    out = []
    if digest.summary is not None:
        out.append(("summary", digest.summary.model.label(), _params(digest.summary.params)))
    for target, kind, _, ts in _parts(digest, targets):
        token = f"target token {ts.target_token}; " if ts.target_token else ""
        out.append((_origin(target, kind), ts.model.label(), token + _params(ts.params)))
    return out


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:,.0f} s"


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(params[k], ensure_ascii=False, default=str)}" for k in sorted(params)) or "defaults"


# --- HTML ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("summarizer", "templates"),
        autoescape=True,  # every template, whatever its name: input is never trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(digest: Digest, target: str | None = None) -> str:
    """A self-contained HTML page: all target languages (`target=None`) or just one."""
    targets = _targets(digest, target)
    article = digest.article
    languages = {
        code: {"code": code, "tag": language_tag(code), "dir": direction(code), "name": language_name(code), "parts": []}
        for code in targets
    }
    for code, kind, sentences, ts in _parts(digest, targets):
        rows, _ = align(sentences, ts)
        languages[code]["parts"].append(
            {"kind": kind, "title": _PART_TITLES[kind], "rows": rows, "stand_in": ts.model.stand_in, "cache_hits": ts.cache_hits}
        )
    context = {
        "article": article,
        "src": {"tag": language_tag(article.lang), "dir": direction(article.lang), "name": language_name(article.lang)},
        "languages": list(languages.values()),
        "single": target is not None,
        "stand_in": digest.stand_in,
        "stand_in_notice": STAND_IN_NOTICE,
        "stand_in_models": _stand_in_models(digest),
        "chunking": _chunking(digest),
        "chunked": bool(digest.summary and digest.summary.chunked),
        "models": _model_lines(digest, targets),
        "warnings": _warnings(digest, targets),
        "cache": _cache_lines(digest, targets),
        "timings": _timing_lines(digest, targets),
        "summary_sentences": digest.summary_sentences,
        "format_version": digest.format_version,
    }
    return _env().get_template("digest.html").render(context)


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = {c: "\\" + c for c in "\\`*_[]|~"}
_MD_SPECIAL.update({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def md_escape(text: str, newline: str = "<br>") -> str:
    """Make text literal inside a GitHub Markdown table cell or list item.

    Backslash-escapes Markdown punctuation (including `|`, which would end the cell), turns
    `&`, `<` and `>` into entities so raw HTML shows as text, and replaces line breaks with `newline`.
    """
    text = "".join(_MD_SPECIAL.get(c, c) for c in text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", newline)


def _md_cell(text: str, code: str) -> str:
    """A cell; right-to-left text is wrapped so viewers that allow `dir` (GitHub does) align it."""
    cell = md_escape(text)
    if direction(code) == "rtl":
        return f'<div dir="rtl" lang="{md_escape(language_tag(code))}">{cell}</div>'
    return cell


def _md_header(digest: Digest, targets: Sequence[str]) -> list[str]:
    """Title, stand-in notice and provenance bullets, for the parts shown."""
    article = digest.article
    out = [f"# {md_escape(article.title, ' ')}", ""]
    if digest.stand_in:
        out += ["> [!CAUTION]", f"> **STAND-IN MODELS: THIS OUTPUT IS NOISE.** {STAND_IN_NOTICE}", ">"]
        out += [f"> - {md_escape(label, ' ')}" for label in _stand_in_models(digest)]
        out.append("")

    def bullet(name: str, value: str) -> None:
        out.append(f"- **{name}:** {md_escape(value, ' ')}")

    bullet("Source", article.source)
    bullet("Article id", article.id)
    bullet("Date", article.date or "unknown")
    bullet("Language", f"{language_name(article.lang)} ({article.lang}), {len(article.sentences)} sentences, encoding {article.encoding}")
    bullet("Chunking", _chunking(digest))
    for role, label, settings in _model_lines(digest, targets):
        bullet(f"Model, {role}", f"{label}; {settings}")
    bullet("Cache", "; ".join(f"{k}: {v}" for k, v in _cache_lines(digest, targets)) or "not used")
    bullet("Timings", "; ".join(f"{k}: {v}" for k, v in _timing_lines(digest, targets)) or "not recorded")
    warnings = _warnings(digest, targets)
    if warnings:
        out.append("- **Warnings:**")
        out += [f"  - {md_escape(origin, ' ')}: {md_escape(w, ' ')}" for origin, w in warnings]
    out.append("")
    return out


def render_markdown(digest: Digest, target: str | None = None) -> str:
    """GitHub-flavoured Markdown: a provenance list, then source | translation tables per language."""
    targets = _targets(digest, target)
    article = digest.article
    out = _md_header(digest, targets)
    src_head = md_escape(f"{language_name(article.lang)} ({article.lang})")
    for code in targets:
        out += [f"## {md_escape(language_name(code), ' ')} ({md_escape(code, ' ')})", ""]
        parts = _parts(digest, [code])
        if not parts:
            out += ["*Nothing was translated into this language.*", ""]
        for _, kind, sentences, ts in parts:
            rows, _ = align(sentences, ts)
            out += [
                f"### {_PART_TITLES[kind]}",
                "",
                f"| # | {src_head} | {md_escape(language_name(code))} ({md_escape(code)}) |",
                f"|:---|:---|{'---:' if direction(code) == 'rtl' else ':---'}|",
            ]
            for row in rows:
                tgt = _md_cell(row.translation, code) if row.translation is not None else "*(no translation)*"
                out.append(f"| {md_escape(row.label)} | {_md_cell(row.source, article.lang)} | {tgt} |")
            out.append("")
    if not targets and digest.summary_sentences:
        out += ["## Summary", ""] + [md_escape(s.text, " ") for s in digest.summary_sentences] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- summary only (`summarizer summarize`) ---------------------------------------------------

SUMMARY_FORMATS = ("txt", "md", "json")


def render_summary(digest: Digest, fmt: str = "txt", header: bool = False) -> str:
    """Just the summary of a digest, as plain text, Markdown or JSON (`schema: summarizer.summary`).

    `header` starts plain text with a `==> source <==` line, for output that holds several articles.
    Stand-in output says so on its first line (txt), in a notice (md) or in `stand_in` (json).
    """
    if fmt not in SUMMARY_FORMATS:
        raise ConfigError(f"unknown summary format {fmt!r}; choose from {', '.join(SUMMARY_FORMATS)}")
    text = digest.summary.text if digest.summary else ""
    if fmt == "txt":
        lines = [f"==> {digest.article.source} <=="] if header else []
        if digest.stand_in:
            lines.append("[STAND-IN MODEL: random weights, this summary is noise]")
        return "\n".join([*lines, text]).rstrip("\n") + "\n"
    if fmt == "md":
        out = _md_header(digest, []) + ["## Summary", "", md_escape(text, "<br>") or "*No summary was made.*"]
        return "\n".join(out) + "\n"
    article = digest.article
    data = {
        "schema": "summarizer.summary",
        "format_version": FORMAT_VERSION,
        "stand_in": digest.stand_in,
        "article": {k: getattr(article, k) for k in ("id", "title", "source", "date", "lang", "encoding")} | {"sentences": len(article.sentences)},
        "summary": _plain(digest.summary),
        "summary_sentences": _plain(digest.summary_sentences),
        "warnings": list(digest.warnings),
        "timings": _plain(digest.timings),
    }
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- JSON ------------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    """JSON-ready data: dataclasses in field order, mappings with sorted keys, tuples as lists."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, TranslationSet):
            out["cache_hits"] = obj.cache_hits
        return out
    if isinstance(obj, Mapping):
        return {str(k): _plain(obj[k]) for k in sorted(obj, key=str)}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def render_json(digest: Digest) -> str:
    """The whole digest as JSON (see the module docstring and `schema/digest.schema.json`)."""
    body = _plain(digest)
    data = {"schema": SCHEMA_NAME, "format_version": body.pop("format_version"), "stand_in": digest.stand_in, **body}
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def digest_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that `render_json` output follows."""
    from importlib.resources import files

    return json.loads(files("summarizer").joinpath("schema", "digest.schema.json").read_text(encoding="utf-8"))


def digest_from_json(text: str) -> Digest:
    """Rebuild a Digest from `render_json` output. Malformed input raises InputError naming the key."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"digest JSON is not valid JSON: {err}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_NAME:
        raise InputError(f'not a digest: expected "schema": "{SCHEMA_NAME}" at the top level')
    if data.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"digest format_version {data.get('format_version')!r} is not supported (this version reads {FORMAT_VERSION}); "
            "re-render it with this version of summarizer"
        )
    return _build(Digest, data, "digest")


def _build(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        derived = _DERIVED_KEYS.get(tp, frozenset())
        unknown = sorted(set(value) - names - derived)
        if unknown:
            raise InputError(f"{where}: unknown key {unknown[0]!r}")
        try:
            return tp(**{k: _build(hints[k], v, f"{where}.{k}") for k, v in value.items() if k in names})
        except TypeError as err:  # a required field is missing
            raise InputError(f"{where}: {err}") from None
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _build(inner, value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise InputError(f"{where}: expected an array, got {type(value).__name__}")
        return tuple(_build(typing.get_args(tp)[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise InputError(f"{where}: expected an object, got {type(value).__name__}")
        (_, value_type) = typing.get_args(tp)
        return {k: _build(value_type, v, f"{where}.{k}") for k, v in value.items()}
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp in (str, int, bool) and not (type(value) is tp):
        raise InputError(f"{where}: expected {tp.__name__}, got {type(value).__name__}")
    return value


# --- index -----------------------------------------------------------------------------------


def render_index(entries: Iterable[IndexEntry], title: str = "Digests") -> str:
    """The job's index page: one row per input, linking every digest file or showing its error."""
    rows = []
    for e in entries:
        combined = [link for link in e.links if link.target is None]
        per_lang = {t: [link for link in e.links if link.target == t] for t in e.targets}
        rows.append({"entry": e, "combined": combined, "per_lang": per_lang, "main": next((link.href for link in combined if link.format == "html"), None)})
    failed = sum(r["entry"].status == "failed" for r in rows)
    context = {
        "title": title,
        "rows": rows,
        "ok": len(rows) - failed,
        "failed": failed,
        "stand_in": any(r["entry"].stand_in for r in rows),
        "stand_in_notice": STAND_IN_NOTICE,
        "language_name": language_name,
        "language_tag": language_tag,
    }
    return _env().get_template("index.html").render(context)


def render_index_json(entries: Iterable[IndexEntry], title: str = "Digests") -> str:
    """The same listing as `render_index`, for programs."""
    data = {"schema": INDEX_SCHEMA_NAME, "format_version": FORMAT_VERSION, "title": title, "entries": [_plain(e) for e in entries]}
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
