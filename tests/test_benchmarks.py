"""The benchmark script runs end to end at tiny size, so it can't rot between `make bench` runs.

It checks that the report has every workload and target; it never asserts a speed (see DESIGN.md).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT, needs_cnndm

pytest.importorskip("ctranslate2")

SCRIPT = ROOT / "benchmarks" / "run.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("summarizer_benchmarks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_mode_never_overwrites_the_real_results():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 2
    assert "--quick needs --output" in proc.stderr


@pytest.mark.slow
def test_quick_benchmark_writes_the_full_report(tmp_path):
    bench = _bench_module()
    output = tmp_path / "BENCHMARKS.md"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--sentences", "6", "--models-dir", str(tmp_path / "models"), "--output", str(output)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = output.read_text(encoding="utf-8")

    assert "Size: **tiny**" in report
    assert "--quick" in report, "the report names the exact command"
    for line in ("torch 2", "transformers ", "ctranslate2 "):
        assert line in report
    for w in bench.TRANSLATION + bench.SUMMARY:
        rows = [line for line in report.splitlines() if line.startswith(f"| {w.label} | {w.beams} |")]
        assert rows, f"no row for {w.name}"
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert float(cells[2]) > 0 and float(cells[3]) > 0, rows[0]
    # Forced equal lengths: every translation workload produced exactly --new-tokens per sentence.
    for w in bench.TRANSLATION:
        row = next(line for line in report.splitlines() if line.startswith(f"| {w.label} | {w.beams} |"))
        assert row.split("|")[5].strip() == "8.0", row
    for target in (
        "ours vs (a), greedy",
        "ours vs (a), 4 beams",
        "ours vs (b), greedy",
        "ctranslate2 int8 vs our torch",
        "peak RSS",
        "warm re-run",
        "`summarizer --help`",
    ):
        assert target in report
    assert "| cold (empty cache) |" in report and "| warm (median of" in report
    assert "**6 unique sentences**" in report and "the first 6 of the" in report
    assert not list((tmp_path / "models").glob("converted-tiny/ctranslate2/.*converting"))


VOLUMES = ROOT / "benchmarks" / "volumes.py"


@pytest.mark.slow
@needs_cnndm  # its CNN/DailyMail job
def test_quick_volumes_benchmark_writes_every_table(tmp_path):
    """FLORES workloads (a, b, c, f, e at greedy and 4 beams), the CNN/DailyMail job cold and warm on both
    backends against the raw CTranslate2 loop, deduplication and the scaling rows, and the targets."""
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nkept as is\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = [
        "--quick",
        "--articles",
        "2",
        "--scaling",
        "1,2",
        "--models-dir",
        str(tmp_path / "models"),
        "--output",
        str(output),
    ]
    proc = subprocess.run(
        [sys.executable, str(VOLUMES), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# Benchmarks\n\nkept as is\n"), "only its own section is written"
    assert "<!-- section:volumes -->" in report and "python benchmarks/volumes.py --quick" in report

    def cells(prefix: str) -> list[list[str]]:
        rows = [line for line in report.splitlines() if line.startswith(prefix)]
        return [[c.strip() for c in row.strip("|").split("|")] for row in rows]

    for label in (
        "(a) model card",
        "(b) plain batching",
        "(c) ours: Translator, torch",
        "(f) raw CTranslate2",
        "(e) ours: Translator, ctranslate2",
    ):
        rows = cells(f"| {label}")
        assert [r[1] for r in rows] == ["1", "4"], label
        for r in rows:
            assert float(r[3]) > 0 and float(r[4]) > 1, r  # sentences/s, tokens/sentence
    # Realistic lengths: every path decodes the same sentences to the same lengths.
    lengths = {r[4] for label in ("(b) plain", "(c) ours", "(f) raw", "(e) ours") for r in cells(f"| {label}")}
    assert len(lengths) == 1, lengths
    for run in (
        "raw CTranslate2, per article",
        "ours, ctranslate2, cold",
        "ours, ctranslate2, warm",
        "ours, torch, cold",
        "ours, torch, warm",
    ):
        (row,) = cells(f"| {run} |")
        assert float(row[2]) > 0 and float(row[3]) > 0 and float(row[4]) > 0, row
    assert [r[0] for r in cells("| 1 |") + cells("| 2 |")] == ["1", "2"]
    assert "served by job-wide deduplication" in report
    assert report.count("≥ 1.3×") == 3 and report.count("≥ 1.1×") == 2


EXTRACTIVE_CV = ROOT / "benchmarks" / "extractive_cv.py"


@pytest.mark.slow
@needs_cnndm
def test_extractive_cross_validation_runs_end_to_end(tmp_path):
    """10 articles, 2 folds, 3 FLORES windows, a hashing stand-in for e5: every table, and honest bookkeeping."""
    import json

    output = tmp_path / "cv.json"
    args = ["--articles", "10", "--folds", "2", "--flores-windows", "3", "--embedder", "hashing"]
    args += ["--cache", str(tmp_path / "cache"), "--output", str(output)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, str(EXTRACTIVE_CV), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(output.read_text(encoding="utf-8"))
    cv = results["cv"]
    ids = [i for fold in cv["folds"] for i in fold]
    assert len(cv["folds"]) == 2 and len(ids) == len(set(ids)) == 10, "the folds split the articles"
    assert set(cv["variants"]) == {"five settings", "position only", "shipped defaults"}
    for variant in cv["variants"].values():
        assert len(variant["per_fold"]) == len(variant["chosen"]) == 2
        low, high = variant["difference_bootstrap95"]["mean"]
        assert low <= variant["difference_mean"]["mean"] + 1e-6 and variant["difference_mean"]["mean"] <= high + 1e-6
        assert sum(variant["articles_better_same_worse"]) == 10
    assert {v["position"] for v in cv["variants"]["shipped defaults"]["chosen"]} == {5.0}
    flores = results["flores"]
    assert flores["windows"] == 3 and 0 < flores["random_jaccard"] < 1
    for row in flores["settings"].values():
        assert set(row["languages"]) == {"ru", "ar", "az"}
        assert all(0 <= r["jaccard_with_english"] <= 1 for r in row["languages"].values())
    assert len(results["corpus"]["articles"]) == 5 and all(a["verbatim"] for a in results["corpus"]["articles"])
    report = proc.stdout
    assert "--embedder hashing" in report and "figures mean nothing" in report
    for heading in ("| settings | fold |", "### Non-English: FLORES-200 windows", "### Real English news"):
        assert heading in report


@pytest.mark.slow
def test_quick_peers_benchmark_writes_its_section(tmp_path):
    """The peers side by side (argos-translate's and EasyNMT's methods, raw CTranslate2's settings search, ours
    at default and best settings), its targets, and only its own section of the file."""
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nkept as is\n", encoding="utf-8")
    args = ["--quick", "--models-dir", str(tmp_path / "models"), "--output", str(output)]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "peers.py"), *args],
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if k != "SUMMARIZER_BACKEND"}, "HF_HUB_OFFLINE": "1"},  # default
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# Benchmarks\n\nkept as is\n") and "<!-- section:peers -->" in report
    rows = [line for line in report.splitlines() if line.startswith("| ") and "×" in line]
    for name in (
        "argos-translate's method",
        "EasyNMT's method",
        "raw CTranslate2 int8 at its best",
        "ours, default settings",
        "ours at raw's best",
    ):
        assert sum(row.startswith(f"| {name}") for row in rows) == 2, name  # greedy and 4 beams
    assert report.count("**best**") == 2  # one per beam setting
    targets = [
        line
        for line in report.splitlines()
        if line.startswith("| ours") and line.rstrip().endswith(("yes |", "**no** |"))
    ]
    assert len(targets) == 4
    assert "Ours ran on `ctranslate2:int8` with no backend option" in report


@pytest.mark.slow
def test_quick_server_benchmark_writes_its_section(tmp_path):
    """`summarizer serve` under 1, 8 and 32 clients with batching on and off, and the Python API's rate."""
    pytest.importorskip("fastapi")
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n", encoding="utf-8")
    args = ["--quick", "--sentences", "8", "--models-dir", str(tmp_path / "models"), "--output", str(output)]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "server_load.py"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = output.read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith(("| on |", "| off |"))]
    assert len(rows) == 6 and "Python API, one `translate()` call" in report
    assert "batching on ≥ 3×" in report
