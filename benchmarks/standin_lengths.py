"""Output lengths of realistic-length marian stand-ins next to the human references' on FLORES-200 devtest.

    python benchmarks/standin_lengths.py               # the table: held-out (odd) lines, tiny and base
    python benchmarks/standin_lengths.py --calibrate   # fit (rho, sigma, c) on the even lines; paste into standin.py
    python benchmarks/standin_lengths.py --engine ctranslate2 --write   # the same, faster; rewrites its BENCHMARKS.md section

Lengths are tokens before EOS; the references are tokenized with the stand-in's own SentencePiece model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import evaldata  # noqa: E402  (benchmarks/ is on sys.path: the script's own folder)

FLORES = evaldata.flores_dir()
# Target token -> reference file. No token (opus-mt-en-ru has none) is calibrated on ru as well.
REFERENCES = {">>rus<<": "ref.ru.txt", ">>ara<<": "ref.ar.txt", ">>aze_Latn<<": "ref.az.txt", "": "ref.ru.txt"}
SIZES = ("tiny", "base")


def _lines(name: str) -> list[str]:
    return (FLORES / name).read_text(encoding="utf-8").splitlines()


def _half(lines: list[str], held_out: bool) -> list[str]:
    return lines[1::2] if held_out else lines[0::2]


def _source(token: str, text: str) -> str:
    return f"{token} {text}" if token else text


def fit(size: str, models: Path) -> dict[str, tuple[float, float, float]]:
    """(rho, sigma, c) per target token from the even lines: the slope and intercept of reference length on
    source length, and sigma so that the spread left over by the source length is matched on average."""
    import numpy as np
    from transformers import AutoTokenizer

    from summarizer.models.standin.build import MARIAN_LANGUAGE_TOKENS, build_stand_in
    from summarizer.models.standin.lengths import fertilities

    path = build_stand_in("marian", size, models / f"marian-{size}-forced")
    tokenizer = AutoTokenizer.from_pretrained(path)
    specials = tokenizer.all_special_ids + tokenizer.convert_tokens_to_ids(list(MARIAN_LANGUAGE_TOKENS))
    f = fertilities(len(tokenizer), specials, 0).numpy()
    target = _spm(path)
    english = _half(_lines("en.txt"), held_out=False)
    params = {}
    for token, ref_file in REFERENCES.items():
        ids = tokenizer([_source(token, e) for e in english])["input_ids"]
        x = np.array([len(row) - 1 for row in ids], dtype=float)  # L - 1
        g = np.array([(len(row) - 1) * f[row].mean() for row in ids])  # (L - 1) * mean f
        y = np.array([len(target.encode(r)) for r in _half(_lines(ref_file), held_out=False)], dtype=float)
        slope, intercept = np.polyfit(x, y, 1)
        residual = y - (slope * x + intercept)
        g_part = g - x * (g.sum() / x.sum())  # the part of g that the source length does not explain
        sigma = float(np.sqrt(max(residual.var() - 1.0 / 12, 0.0) / g_part.var()))  # ceil adds ~1/12
        rho = float(slope - sigma * g.sum() / x.sum())
        params[token] = (round(rho, 4), round(sigma, 4), round(float(intercept) - 0.5, 3))  # -0.5: EOS at ceil(T)
    return params


def measure(size: str, models: Path, limit: int | None, engine: str) -> list[dict]:
    from summarizer.models.backends.ctranslate2_backend import CTranslate2Backend
    from summarizer.models.backends.torch_backend import TorchBackend
    from summarizer.models.catalogue import TargetSpec
    from summarizer.models.hub import resolve_model
    from summarizer.models.standin.build import build_stand_in
    from summarizer.options import BackendOptions, GenerationParams

    path = build_stand_in("marian", size, models / f"marian-{size}-realistic", lengths="realistic")
    ref = resolve_model(str(path))
    if engine == "torch":
        backend = TorchBackend(ref, BackendOptions(device="cpu"))
    else:  # float32: the same lengths as torch (tests/test_standin.py), several times faster
        options = BackendOptions(
            device="cpu", backend="ctranslate2", compute_type="float32", converted_dir=models / "ct2"
        )
        backend = CTranslate2Backend(ref, options)
    english = _half(_lines("en.txt"), held_out=True)
    target = _spm(path)
    rows = []
    for token, ref_file in REFERENCES.items():
        references = _half(_lines(ref_file), held_out=True)
        pick = list(range(len(english)))[:: max(1, len(english) // limit)] if limit else list(range(len(english)))
        sources = [english[i] for i in pick]
        ref_lengths = [len(target.encode(references[i])) for i in pick]
        for beams in (1, 4):
            params = GenerationParams(num_beams=beams, max_new_tokens=500)
            started = time.perf_counter()
            out = backend.generate(sources, params, target=TargetSpec(prefix_token=token or None), batch_size=16)
            seconds = time.perf_counter() - started
            lengths = [g.new_tokens - 1 if g.finished else g.new_tokens for g in out]  # tokens before EOS
            rows.append(
                {
                    "size": size,
                    "token": token or "(none)",
                    "beams": beams,
                    "n": len(sources),
                    "out": lengths,
                    "ref": ref_lengths,
                    "unfinished": sum(not g.finished for g in out),
                    "seconds": seconds,
                }
            )
            print(_row(rows[-1]), flush=True)
    return rows


def _spm(path: Path):
    """The stand-in's target SentencePiece model: the references are counted in the pieces its decoder emits."""
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(path / "target.spm"))


def _corr(a: list[int], b: list[int]) -> float:
    return statistics.correlation([float(x) for x in a], [float(y) for y in b])


def _row(r: dict) -> str:
    out, ref = r["out"], r["ref"]
    return (
        f"| {r['size']} | {r['token']} | {r['beams']} | {r['n']} | {statistics.mean(out):.1f} | {statistics.mean(ref):.1f} "
        f"| {statistics.pstdev(out):.1f} | {statistics.pstdev(ref):.1f} | {_corr(out, ref):.2f} | {r['unfinished']} |"
    )


NOTES = """\
Realistic-length marian stand-ins (`summarizer models stand-in --kind marian --size SIZE --lengths realistic`):
crafted weights end every output at a length that follows the source and the target token. Calibrated on
the even lines of FLORES-200 devtest; the table is the odd lines (held out). Lengths are tokens before EOS;
the references are counted in the stand-in's own SentencePiece pieces (ru and ar are mostly `<unk>` runs in
them, one per word, which is why they come out shorter than the English source; az letters such as ə, ş
and ı split its words). `(none)` is a source without a target token, calibrated on ru like `>>rus<<`.
Float32 only: torch and CTranslate2 float32 give the same lengths, greedy and 4 beams (tests/test_standin.py);
int8 rounds away the step counter (every output ends after one token; measured on tiny), and the ±M = 10^6
that steadies the layer norms is beyond float16."""


HEADER = (
    "| size | target token | beams | sentences | mean stand-in | mean reference | sd stand-in | sd reference "
    "| corr. with reference | unfinished |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calibrate", action="store_true", help="fit the constants on the even lines and print them")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated sizes (default: tiny,base)")
    parser.add_argument("--limit", type=int, default=None, help="at most about this many held-out lines per row")
    parser.add_argument("--engine", choices=("torch", "ctranslate2"), default="torch", help="decoding engine (float32)")
    parser.add_argument("--write", action="store_true", help="rewrite the standin-lengths section of BENCHMARKS.md")
    args = parser.parse_args()
    sizes = [s for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp)
        if args.calibrate:
            for size in sizes:
                print(f'    "{size}": {{')
                for token, values in fit(size, models).items():
                    print(f'        "{token}": {values},')
                print("    },")
            return
        print(HEADER)
        started = time.perf_counter()
        rows = [row for size in sizes for row in measure(size, models, args.limit, args.engine)]
        minutes = (time.perf_counter() - started) / 60
    if args.write:
        from sections import write_section

        command = " ".join(["python benchmarks/standin_lengths.py", *sys.argv[1:]])
        text = "\n".join(
            [
                "## Stand-in output lengths",
                "",
                "```",
                command,
                "```",
                "",
                NOTES,
                "",
                f"Engine: {args.engine} float32, CPU; whole run {minutes:.1f} min.",
                "",
                HEADER,
                *(_row(r) for r in rows),
            ]
        )
        write_section(ROOT / "BENCHMARKS.md", "standin-lengths", text)


if __name__ == "__main__":
    main()
