"""The benchmark script runs end to end at tiny size, so it can't rot between `make bench` runs.

It checks that the report has every workload and target; it never asserts a speed (see DESIGN.md).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytest.importorskip("ctranslate2")

SCRIPT = ROOT / "benchmarks" / "run.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("summarizer_benchmarks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


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
