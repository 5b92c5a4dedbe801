"""The translations alone as plain text (`translate --format txt`): paragraphs kept, nothing else, for
pipelines and editors."""

from __future__ import annotations

from ...results import Digest, TranslationSet
from .common import shown, stand_in_notice


def _paragraphs(ts: TranslationSet, paragraph_of: dict[str, int]) -> str:
    """A translation set as text: its sentences joined with spaces, a blank line between paragraphs."""
    paragraphs: list[list[str]] = []
    last = None
    for t in ts.translations:
        number = paragraph_of.get(t.source_id, -1)
        if not paragraphs or number != last:
            paragraphs.append([])
            last = number
        if t.text.strip():
            paragraphs[-1].append(t.text.strip())
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def render_translation_text(digest: Digest, target: str | None = None, header: bool = False) -> str:
    """The translations of a digest as plain text: for each language (or only `target`), the translated
    summary, then the translated article with its paragraphs. `header` starts each language with a
    `==> source [lang] <==` line (always when several languages are in one text). Stand-in output first
    says which parts are noise; flagged sentences are listed after their language as `[quality: n: code]`
    lines, with their sentence number, so tools can grep for them."""
    languages = [lang for lang in digest.languages if target is None or lang.target == target]
    if target is not None and not languages:
        raise ValueError(f"the digest has no {target!r} translation")
    paragraph_of = {s.id: s.paragraph for s in (*digest.article.sentences, *digest.summary_sentences)}
    order = {s.id: n for n, s in enumerate(digest.article.sentences, 1)}
    lines: list[str] = []
    notice = stand_in_notice(digest, [lang.target for lang in languages])
    if notice is not None:  # which parts: from the digest's model records
        lines.append(f"[STAND-IN MODEL: {notice.short}]")
    for lang in languages:
        if header or len(languages) > 1:
            lines.append(f"==> {shown(digest.article.source)} [{lang.target}] <==")  # a file name: escaped
        parts = [ts for ts in (lang.summary, lang.full) if ts is not None]
        lines.append("\n\n".join(_paragraphs(ts, paragraph_of) for ts in parts))
        for ts in parts:
            for t in ts.translations:
                for flag in t.flags:
                    where = order.get(t.source_id, t.source_id)
                    lines.append(f"[quality: {where}: {flag.code}: {shown(' '.join(flag.message.split()))}]")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
