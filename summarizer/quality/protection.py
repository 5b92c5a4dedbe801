"""Protection by retry: a translation that lost a fact (a number, a URL, an e-mail, a handle, a `keep` term,
a glossary term's form) is generated once more from a protected source, and kept only when it has fewer
fact flags than the plain one (the plain one wins ties).

The protected source is the sentence with each span that must come through unchanged replaced by a
placeholder (`XQZ1`, `XQZ2`, ...) that the output must contain and that `Protection.restore` turns back
into the span; a spelled-out number the output lost is given as digits; a glossary term the output lacks is
given in its target form. `Protection.required` lists what the output must contain: the backends force
each one into the output where the model leaves one out (see `models.backends.base.Backend.generate`), so
a placeholder always comes back, and restoring it is exact.

Plain functions on text; the translator (tasks.translating) runs the model and the verification.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..options import Glossary
from ..results import QualityFlag
from .checks import NUMBER_MISMATCH, RETRYABLE, TERM_MISSING, URL_MISMATCH
from .facts import CURRENCY_MARKERS, Fact, facts, numbers
from .glossary import kept, renders, target_form, terms_in
from .names import NAME_MISMATCH

__all__ = ["FACT_CODES", "Protection", "fact_flags", "is_better", "protect"]

# The flags protection answers: a fact of the source missing or changed in the output.
FACT_CODES = frozenset({NUMBER_MISMATCH, URL_MISMATCH, TERM_MISSING, NAME_MISMATCH})
# Spans copied as placeholders whenever a sentence is protected: nothing about them is translated.
_VERBATIM = frozenset({"url", "email", "handle", "hashtag"})
PLACEHOLDER = "XQZ"  # Latin capitals and a digit: in every vocabulary, left untranslated, rarely in news text
_ORDINAL = re.compile(r"(?:first|second|third|th)$", re.IGNORECASE)  # the number's last word: fifth, twenty-first


def fact_flags(flags: Sequence[QualityFlag]) -> int:
    """How many of `flags` say a fact of the source did not reach the output."""
    return sum(f.code in FACT_CODES for f in flags)


def is_better(candidate: Sequence[QualityFlag], plain: Sequence[QualityFlag]) -> bool:
    """Does the protected candidate win? Fewer fact flags, and no degenerate output the plain one lacks."""
    if fact_flags(candidate) >= fact_flags(plain):
        return False
    degenerate = {f.code for f in candidate if f.code in RETRYABLE} - {f.code for f in plain}
    return not degenerate


@dataclass(frozen=True)
class Protection:
    """A sentence prepared for a protected retry."""

    source: str  # the sentence as written
    text: str  # what the model reads: placeholders, digits and target forms in place of the spans
    slots: tuple[tuple[str, str], ...] = ()  # (placeholder, the span it stands for), in text order
    required: tuple[str, ...] = ()  # strings the output must contain (placeholders, digits, target forms)

    def restore(self, output: str) -> str:
        """`output` with each placeholder (also as the model may space or case it) back to its span."""
        if not self.slots:
            return output
        spans = dict(self.slots)
        prefix = r"\s?".join(PLACEHOLDER)

        def back(m: re.Match) -> str:
            return spans.get(f"{PLACEHOLDER}{m.group(1)}", m.group())

        return re.sub(rf"{prefix}\s?(\d+)(?!\d)", back, output, flags=re.IGNORECASE)

    def as_item(self) -> str:
        """The work item a backend call computes (text and required strings, one string for the cache key)."""
        return PROTECTED + json.dumps({"text": self.text, "required": list(self.required)}, ensure_ascii=False)


# A work item of a protected retry starts with this (a character no sentence has: the segmenter drops controls).
PROTECTED = "\x1fprotected\x1f"


def parse_item(item: str) -> tuple[str, tuple[str, ...]] | None:
    """(text, required) of a protected work item; None for a plain sentence."""
    if not item.startswith(PROTECTED):
        return None
    data = json.loads(item[len(PROTECTED) :])
    return data["text"], tuple(data["required"])


def _spelled_digits(fact: Fact) -> str:
    """A spelled-out number as digits: `three thousand` -> `3000`, `fifth` -> `5th`."""
    if not _ORDINAL.search(fact.text):
        return fact.value
    last = int(fact.value) % 100
    suffix = "th" if 10 <= last <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(last % 10, "th")
    return fact.value + suffix


def protect(
    source: str,
    output: str,
    flags: Sequence[QualityFlag],
    *,
    target: str,
    source_lang: str = "en",
    glossary: Glossary | None = None,
) -> Protection | None:
    """The protected source for a translation `output` of `source` flagged with `flags`; None when no flag
    is about a fact, or nothing in the source can be protected.

    Protected: URLs, e-mails, handles and hashtags, always; numbers the output lost or changed (digits by
    placeholder, words as digits); currency amounts whose currency changed; `keep` terms; glossary terms
    whose target form the output lacks (replaced by that form).
    """
    if not any(f.code in FACT_CODES for f in flags):
        return None
    marker = PLACEHOLDER
    if marker.casefold() in source.casefold():  # the text already has it: a placeholder would be ambiguous
        return None
    have = set(numbers(output))
    folded = output.casefold()
    replace: list[tuple[int, int, str, str | None]] = []  # (start, end, kind, target form or None)
    for fact in facts(source, source_lang):
        if fact.kind in _VERBATIM:
            replace.append((fact.start, fact.end, "slot", None))
        elif fact.kind == "number":
            lost = fact.value not in have
            if fact.spelled:
                if lost:
                    replace.append((fact.start, fact.end, "text", _spelled_digits(fact)))
            elif lost or (fact.unit in CURRENCY_MARKERS and not any(m in folded for m in CURRENCY_MARKERS[fact.unit])):
                replace.append((fact.start, fact.end, "slot", None))
    if glossary is not None:
        for term, (start, end) in terms_in(glossary, source):
            if term in glossary.keep:
                if not kept(output, term):
                    replace.append((start, end, "slot", None))
                continue
            form = target_form(glossary, term, target)
            if form is not None and not renders(output, form, target):
                replace.append((start, end, "text", form))
    if not replace:
        return None
    replace.sort()
    text, slots, required, at, n = [], [], [], 0, 0
    for start, end, kind, form in replace:
        if start < at:  # overlaps one already taken (a term inside a URL): the earlier, longer one wins
            continue
        text.append(source[at:start])
        if kind == "slot":
            n += 1
            token = f"{marker}{n}"
            slots.append((token, source[start:end]))
            text.append(token)
            required.append(token)
        else:
            assert form is not None
            text.append(form)
            required.append(form)
        at = end
    text.append(source[at:])
    return Protection(source=source, text="".join(text), slots=tuple(slots), required=tuple(dict.fromkeys(required)))
