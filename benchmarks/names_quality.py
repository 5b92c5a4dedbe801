"""The name check measured on cases it did not choose: FLORES-200 devtest, en -> ru, ar, az.

    python benchmarks/names_quality.py [--eval DIR] [--write] [--half tuning|held-out]

Every name that `summarizer.facts()` finds on the English side is a case when its rendering can be found
in the human reference by a method that shares nothing with `quality/names.py`: the name's longest word
and each word of the reference transliterated to ASCII (anyascii), lower-cased, compared with difflib
(ratio >= 0.6), the best word taken. Whether the checker thinks the name checkable plays no part. Each
case is degraded three ways, and the checker (`check_translation(..., names=True)`) should flag each:
  replaced   the rendering of the name's longest word swapped for another name's rendering (from another
             line, transliterated unlike it);
  deleted-1  that one word deleted;
  deleted    every word of the name that has a rendering deleted.
False flags are counted over all lines, with or without names, on the human references and on Google's
output; Opus-MT's and NLLB's en-az outputs are compared (the weaker system should be flagged more).
Lines 1-506 are the tuning half, 507-1012 the held-out half; both are reported, the held-out one is
the figure. Writes benchmarks/results/names_quality.json, and with --write QUALITY.md's names section.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from anyascii import anyascii  # noqa: E402
from evaldata import flores_dir  # noqa: E402

from summarizer.quality.checks import check_translation  # noqa: E402
from summarizer.quality.facts import facts  # noqa: E402

LANGS = ("ru", "ar", "az")
HALVES = {"tuning": slice(0, 506), "held-out": slice(506, 1012)}
MATCH = 0.6  # difflib ratio of the transliterations for a reference word to count as a name's rendering
KINDS = ("replaced", "deleted-1", "deleted")
WORD = re.compile(r"\w+(?:[-'’]\w+)*")
SECTION = "## Names, measured on cases the checker did not choose"


def eval_dir(given: Path | None) -> Path:
    """FLORES-200 devtest: --eval (a folder holding flores200-devtest/), else the benchmarks' one rule
    (SUMMARIZER_EVAL_DIR, ../shared/eval, then the repository's copy in tests/data)."""
    folder = given / "flores200-devtest" if given else flores_dir()
    if not (folder / "en.txt").is_file():
        sys.exit(f"{folder}: FLORES-200 devtest is not there; give --eval a folder holding flores200-devtest/")
    return folder


def read(folder: Path, name: str) -> list[str]:
    return [html.unescape(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


def _ascii(word: str) -> str:
    return re.sub(r"[^a-z]", "", anyascii(word).lower())


def rendering(word: str, reference: str) -> re.Match | None:
    """The reference word that best renders `word`, by transliterated similarity; None below MATCH."""
    key = _ascii(word)
    if len(key) < 3:
        return None
    best, score = None, MATCH
    for m in WORD.finditer(reference):
        ratio = difflib.SequenceMatcher(None, key, _ascii(m.group())).ratio()
        if ratio >= score:
            best, score = m, ratio
    return best


def name_words(name: str) -> list[str]:
    return [w for w in WORD.findall(name) if len(_ascii(w)) >= 3]


def cases(en: list[str], ref: list[str]) -> list[dict]:
    """Every (line, name) whose longest word has a rendering in the reference, with all its words' renderings."""
    out = []
    for i, (source, reference) in enumerate(zip(en, ref, strict=True)):
        for name in dict.fromkeys(f.value for f in facts(source) if f.kind == "name"):
            words = sorted(name_words(name), key=len, reverse=True)
            if not words:
                continue
            longest = rendering(words[0], reference)
            if longest is None:
                continue
            spans = {(m.start(), m.end()) for w in words if (m := rendering(w, reference))}
            out.append({"line": i, "name": name, "longest": (longest.start(), longest.end()), "all": sorted(spans)})
    return out


def _cut(text: str, spans: list[tuple[int, int]], insert: str = "") -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + insert + text[end:]
        insert = ""  # only the first (rightmost) span gets the replacement; the rest are removed
    return re.sub(r"\s{2,}", " ", text).strip()


def degraded(case: dict, reference: str, kind: str, pool: list[str], rng: random.Random) -> str | None:
    start, end = case["longest"]
    if kind == "deleted-1":
        return _cut(reference, [(start, end)])
    if kind == "deleted":
        return _cut(reference, case["all"])
    original = _ascii(reference[start:end])
    choices = [w for w in pool if difflib.SequenceMatcher(None, original, _ascii(w)).ratio() < MATCH]
    return _cut(reference, [(start, end)], rng.choice(choices)) if choices else None


def flagged(source: str, output: str, lang: str) -> bool:
    return any(f.code == "name-mismatch" for f in check_translation(source, output, target=lang, names=True))


def rate(hits: list[bool]) -> dict:
    return {"n": len(hits), "rate": round(sum(hits) / len(hits), 4) if hits else None}


def measure(folder: Path, part: slice, lang: str) -> dict:
    en, ref = read(folder, "en.txt")[part], read(folder, f"ref.{lang}.txt")[part]
    found = cases(en, ref)
    pool = sorted({ref[c["line"]][slice(*c["longest"])] for c in found})
    rng = random.Random(34)
    row: dict = {"lines": len(en), "cases": len(found)}
    for kind in KINDS:
        hits = []
        for case in found:
            bad = degraded(case, ref[case["line"]], kind, pool, rng)
            if bad is not None:
                hits.append(flagged(en[case["line"]], bad, lang))
        row[kind] = rate(hits)
    row["false_flags_reference"] = rate([flagged(s, o, lang) for s, o in zip(en, ref, strict=True)])
    google = read(folder, f"google.{lang}.txt")[part]
    row["false_flags_google"] = rate([flagged(s, o, lang) for s, o in zip(en, google, strict=True)])
    if lang == "az":
        for system in ("opusmt", "nllb"):
            out = read(folder, f"{system}.az.txt")[part]
            row[f"flagged_{system}"] = rate([flagged(s, o, lang) for s, o in zip(en, out, strict=True)])
    return row


def table(result: dict) -> str:
    def pct(cell: dict) -> str:
        return "-" if cell["rate"] is None else f"{100 * cell['rate']:.1f}% ({cell['n']})"

    lines = [
        SECTION,
        "",
        "`python benchmarks/names_quality.py --write` (in `make quality`). Cases come from the data: every name "
        "`summarizer.facts()` finds in the English line whose longest word has a rendering in the human reference "
        "(transliterated with anyascii, difflib ratio >= 0.6; nothing of `quality/names.py`), whether or not the "
        "checker thinks it checkable. Detection: `name-mismatch` on the reference with that rendering replaced by "
        "another name's, with that word deleted, or with every word of the name deleted (cases in brackets). False "
        "flags: over all lines. Targets (held-out half): detection >= 90%, false flags <= 3%, Opus-MT en-az flagged "
        ">= 2x NLLB.",
        "",
        "| half | lang | cases | replaced | deleted (one word) | deleted (all) | false flags, reference | false flags, Google | Opus-MT / NLLB (az) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for half, langs in result["halves"].items():
        for lang, row in langs.items():
            weak = "-"
            if lang == "az":
                weak = f"{pct(row['flagged_opusmt'])} / {pct(row['flagged_nllb'])}"
            lines.append(
                f"| {half} | {lang} | {row['cases']} | {pct(row['replaced'])} | {pct(row['deleted-1'])} | "
                f"{pct(row['deleted'])} | {pct(row['false_flags_reference'])} | {pct(row['false_flags_google'])} | {weak} |"
            )
    return "\n".join(lines)


def write_section(path: Path, text: str) -> None:
    """Replace (or append) QUALITY.md's section of this benchmark, leaving the rest as it is, and the
    paragraphs written by hand after its table (what the figures mean) as they are."""
    body = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    found = pattern.search(body)
    if found:
        after_table = re.search(r"^\|.*\|\n(?!\|)(.*)", found.group(), re.S | re.M)
        notes = after_table.group(1).strip() if after_table else ""
        text = text.rstrip() + ("\n\n" + notes if notes else "")
    body = pattern.sub(lambda _: text.rstrip() + "\n\n", body) if found else body.rstrip() + "\n\n" + text + "\n"
    path.write_text(body, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=None, help="the folder holding flores200-devtest/")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "names_quality.json")
    parser.add_argument("--write", action="store_true", help="also write QUALITY.md's names section")
    parser.add_argument(
        "--half",
        choices=sorted(HALVES),
        default=None,
        help="measure one half only (tune on `tuning`); not with --write",
    )
    args = parser.parse_args()
    if args.half and args.write:
        sys.exit("--write needs both halves: leave out --half")
    folder = eval_dir(args.eval)
    halves = {args.half: HALVES[args.half]} if args.half else HALVES
    result = {"halves": {half: {lang: measure(folder, part, lang) for lang in LANGS} for half, part in halves.items()}}
    if args.half:  # one half is a tuning run: printed, not written over the recorded figures
        print(table(result))
        return
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = table(result)
    print(text)
    if args.write:
        write_section(ROOT / "QUALITY.md", text)


if __name__ == "__main__":
    main()
