"""Measure the fact checks (names across scripts, number words) on FLORES-200 devtest (en -> ru, ar, az).

    python benchmarks/facts_quality.py [--shared ../shared] [--half cal|held]

Thresholds were tuned on the first 506 lines (`--half cal`); the figures reported are on the other 506
(`--half held`, the default). Writes benchmarks/results/facts_quality.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)

from summarizer.quality import checks, names  # noqa: E402
from summarizer.quality.facts import facts  # noqa: E402

LANGS = ("ru", "ar", "az")
HALVES = {"cal": slice(0, 506), "held": slice(506, 1012)}
SYSTEMS = {"ru": ("google", "bergamot-base"), "ar": ("google", "nllb", "opusmt", "bergamot-base")}
SYSTEMS["az"] = ("google", "nllb", "opusmt")
WINDOW = 3  # consecutive FLORES lines treated as one article for name-inconsistent


def read(folder: Path, name: str) -> list[str]:
    # Google's outputs carry HTML entities (&quot;).
    return [html.unescape(line) for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines()]


def name_flagged(source: str, output: str, lang: str) -> bool:
    return bool(names.check_names(source, output, target=lang))


def rendering(name: str, output: str, lang: str) -> list[str]:
    """The output's words that render `name` (empty if not all of its checked words are found)."""
    found = names.find_name(name, output, target=lang)
    if not found or not all(m is not None and m.score >= 90 for m in found.values()):
        return []
    return [m.word for m in found.values()]


def degrade(kind: str, source: str, ref: str, lang: str, pool: list[str], rng: random.Random) -> str | None:
    """The reference with one of the source's names deleted or swapped for another name's rendering."""
    candidates = []
    for fact in facts(source):
        if names.checkable_name(source, fact) and fact.value.casefold() not in ref.casefold():
            words = rendering(fact.value, ref, lang)
            if words:
                candidates.append((fact.value, words))
    if not candidates:
        return None
    name, words = rng.choice(candidates)
    other = ""
    if kind == "replaced":
        choices = [p for p in pool if not any(p.casefold() in w.casefold() for w in words)]
        choices = [
            p
            for p in choices
            if not names.find_name(name, p, target=lang) or not any(names.find_name(name, p, target=lang).values())
        ]
        if not choices:
            return None
        other = rng.choice(choices)
    text = ref
    for i, word in enumerate(dict.fromkeys(words)):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", other if i == 0 else "", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def pool_of(en: list[str], ref: list[str], lang: str) -> list[str]:
    """Renderings of names in the references, to swap in for another name."""
    pool = []
    for source, out in zip(en, ref, strict=True):
        for fact in facts(source):
            if names.checkable_name(source, fact):
                words = rendering(fact.value, out, lang)
                if len(words) == 1 and len(words[0]) > 3:
                    pool.append(words[0])
    return sorted(set(pool))


def rate(flags: list[bool]) -> float:
    return round(sum(flags) / max(1, len(flags)), 4)


def consistency(en: list[str], out: list[str], lang: str) -> dict:
    """Names repeated within WINDOW consecutive lines, and how many of them are rendered two ways."""
    repeated = inconsistent = 0
    for start in range(0, len(en) - WINDOW + 1, WINDOW):
        pairs = list(zip(en[start : start + WINDOW], out[start : start + WINDOW], strict=True))
        seen = names.name_renderings(pairs, target=lang)
        for hits in seen.values():
            if len({i for i, _ in hits}) < 2:
                continue
            repeated += 1
            variants = names._variants([w for _, w in hits], lang, names.CONSISTENCY_THRESHOLD)
            inconsistent += len(variants) > 1
    return {
        "repeated_names": repeated,
        "rendered_two_ways": inconsistent,
        "rate": rate([True] * inconsistent + [False] * (repeated - inconsistent)),
    }


def number_words(en: list[str], ref: list[str], lang: str) -> dict:
    """One-digit and spelled-out numbers the number check covers, and its false flags, before and after."""
    from summarizer.quality.facts import number_word_stems
    from summarizer.quality.facts import number_words as spelled_numbers

    small = covered = 0
    before = after = 0
    for source, out in zip(en, ref, strict=True):
        values = [v for _, v in spelled_numbers(source)] + re.findall(r"(?<![\d.,:])\d(?!\d|[.,:]\d)", source)
        small += len(values)
        covered += sum(v != "1" and number_word_stems(v, lang) is not None for v in values)
        codes_before = {f.code for f in checks.check_numbers(source, out, target=lang, spelled=False)}
        codes_after = {f.code for f in checks.check_numbers(source, out, target=lang)}
        before += checks.NUMBER_MISMATCH in codes_before
        after += checks.NUMBER_MISMATCH in codes_after
    n = len(en)
    return {
        "one_digit_or_spelled": small,
        "checked_before": 0,
        "checked_after": covered,
        "false_flags_before": round(before / n, 4),
        "false_flags_after": round(after / n, 4),
    }


def number_detection(en: list[str], ref: list[str], lang: str, rng: random.Random) -> dict:
    """A one-digit number of the reference (as a digit) changed: caught before and after."""
    from summarizer.quality.facts import number_words as spelled_numbers

    cases = before = after = 0
    for source, out in zip(en, ref, strict=True):
        singles = re.findall(r"(?<![\d.,:])(\d)(?![\d.,:]?\d)", out)
        src_small = set(re.findall(r"(?<![\d.,:])\d(?!\d|[.,:]\d)", source)) | {v for _, v in spelled_numbers(source)}
        singles = [d for d in singles if d in src_small]
        if not singles:
            continue
        d = rng.choice(singles)
        new = str((int(d) + rng.randint(1, 8)) % 10)
        changed = re.sub(rf"(?<![\d.,:]){d}(?![\d.,:]?\d)", new, out, count=1)
        cases += 1
        before += any(
            f.code == checks.NUMBER_MISMATCH for f in checks.check_numbers(source, changed, target=lang, spelled=False)
        )
        after += any(f.code == checks.NUMBER_MISMATCH for f in checks.check_numbers(source, changed, target=lang))
    return {"cases": cases, "caught_before": before, "caught_after": after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared",
        type=Path,
        help="a folder holding eval/ and corpus/ (default: SUMMARIZER_EVAL_DIR, else ../shared/eval)",
    )
    parser.add_argument("--half", choices=sorted(HALVES), default="held")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "facts_quality.json")
    args = parser.parse_args()
    folder = evaldata.flores_dir(args.shared)
    part = HALVES[args.half]
    en = read(folder, "en.txt")[part]
    scores = {}
    for line in folder.joinpath("published-scores.tsv").read_text().splitlines()[1:]:
        pair, system, _bleu, comet = line.split("\t")
        scores[(pair.split("-")[1], system)] = float(comet)
    result: dict = {"half": args.half, "lines": f"{part.start + 1}-{part.stop}", "languages": {}}
    for lang in LANGS:
        ref = read(folder, f"ref.{lang}.txt")[part]
        rng = random.Random(22)
        row: dict = {}
        ref_flags = [name_flagged(s, o, lang) for s, o in zip(en, ref, strict=True)]
        row["false_flags_reference"] = rate(ref_flags)
        pool = pool_of(en, ref, lang)
        for kind in ("replaced", "deleted"):
            caught = []
            for source, out, flagged in zip(en, ref, ref_flags, strict=True):
                if flagged:
                    continue
                bad = degrade(kind, source, out, lang, pool, rng)
                if bad is not None:
                    caught.append(name_flagged(source, bad, lang))
            row[f"detect_{kind}"] = {"cases": len(caught), "rate": rate(caught)}
        row["systems"] = {}
        for system in SYSTEMS[lang]:
            out = read(folder, f"{system}.{lang}.txt")[part]
            row["systems"][system] = {
                "comet22": scores.get((lang, system)),
                "name_mismatch_rate": rate([name_flagged(s, o, lang) for s, o in zip(en, out, strict=True)]),
                "inconsistent": consistency(en, out, lang),
            }
        row["reference_inconsistent"] = consistency(en, ref, lang)
        row["number_words"] = number_words(en, ref, lang)
        row["number_words_google_false_flags"] = number_words(en, read(folder, f"google.{lang}.txt")[part], lang)
        row["number_detection"] = number_detection(en, ref, lang, rng)
        result["languages"][lang] = row
    # Cost, on the whole half, one core.
    t = time.perf_counter()
    for s in en:
        facts(s)
    facts_rate = len(en) / (time.perf_counter() - t)
    ref = read(folder, "ref.ru.txt")[part]
    t = time.perf_counter()
    for s, o in zip(en, ref, strict=True):
        names.check_names(s, o, target="ru")
        checks.check_numbers(s, o, target="ru")
    checks_rate = len(en) / (time.perf_counter() - t)
    result["cost"] = {
        "facts_sentences_per_s": round(facts_rate),
        "name_and_number_checks_sentences_per_s": round(checks_rate),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(args.output)
    print(table(result))


def table(result: dict) -> str:
    lines = [
        f"Name and number-word checks, FLORES-200 devtest lines {result['lines']} ({'held-out' if result['half'] == 'held' else result['half']} half).",
        "",
        "| | ru | ar | az |",
        "|---|---|---|---|",
    ]
    langs = result["languages"]

    def row(label: str, get) -> None:
        lines.append(f"| {label} | " + " | ".join(get(langs[lang]) for lang in LANGS) + " |")

    row("name-mismatch false flags, human reference", lambda r: f"{r['false_flags_reference']:.1%}")
    row("name-mismatch false flags, Google", lambda r: f"{r['systems']['google']['name_mismatch_rate']:.1%}")
    for kind in ("replaced", "deleted"):
        row(
            f"detected: a name {kind}",
            lambda r, k=kind: f"{r[f'detect_{k}']['rate']:.1%} of {r[f'detect_{k}']['cases']}",
        )
    row(
        "name-mismatch rate per system (COMET-22)",
        lambda r: "; ".join(f"{s} {v['name_mismatch_rate']:.1%} ({v['comet22']})" for s, v in r["systems"].items()),
    )
    row(
        f"name rendered two ways ({WINDOW}-line windows): reference; systems",
        lambda r: (
            f"ref {r['reference_inconsistent']['rendered_two_ways']}/{r['reference_inconsistent']['repeated_names']}; "
            + "; ".join(
                f"{s} {v['inconsistent']['rendered_two_ways']}/{v['inconsistent']['repeated_names']}"
                for s, v in r["systems"].items()
            )
        ),
    )
    row(
        "one-digit/spelled numbers checked: before → after",
        lambda r: f"0 → {r['number_words']['checked_after']} of {r['number_words']['one_digit_or_spelled']}",
    )
    row(
        "number-mismatch false flags, reference: before → after",
        lambda r: f"{r['number_words']['false_flags_before']:.1%} → {r['number_words']['false_flags_after']:.1%}",
    )
    row(
        "number-mismatch false flags, Google: before → after",
        lambda r: (
            f"{r['number_words_google_false_flags']['false_flags_before']:.1%} → {r['number_words_google_false_flags']['false_flags_after']:.1%}"
        ),
    )
    row(
        "a one-digit number changed, caught: before → after",
        lambda r: (
            f"{r['number_detection']['caught_before']} → {r['number_detection']['caught_after']} of {r['number_detection']['cases']}"
        ),
    )
    cost = result["cost"]
    lines += [
        "",
        f"Cost, one core: fact extraction {cost['facts_sentences_per_s']} sentences/s; name + number checks {cost['name_and_number_checks_sentences_per_s']} sentences/s.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
