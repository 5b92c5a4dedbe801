"""Where the benchmarks and `make quality` find their data: FLORES-200 devtest is in the repository
(tests/data); CNN/DailyMail and the shared corpus come from SUMMARIZER_EVAL_DIR, else ../shared/eval."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IN_REPO = ROOT / "tests" / "data"
# The folder holding flores200-devtest/ and cnndm-test/. A script's --shared (a folder holding eval/ and
# corpus/, as ../shared is laid out) overrides it; each function takes that folder, None when not given.
EVAL_DIR = Path(os.environ.get("SUMMARIZER_EVAL_DIR") or ROOT.parent / "shared" / "eval")
HOW = "set SUMMARIZER_EVAL_DIR to a folder holding cnndm-test/sample-500.jsonl (docs/development.md, 'Test data')"


def eval_dir(shared: Path | None = None) -> Path:
    return shared / "eval" if shared else EVAL_DIR


def flores_dir(shared: Path | None = None) -> Path:
    """FLORES-200 devtest: the evaluation folder's, else the repository's copy (the same 1,012 lines)."""
    folder = eval_dir(shared) / "flores200-devtest"
    return folder if (folder / "en.txt").is_file() else IN_REPO / "flores200-devtest"


def cnndm_sample(shared: Path | None = None) -> Path:
    """The CNN/DailyMail sample, or exit with one line saying how to get it (it may not be copied here)."""
    path = eval_dir(shared) / "cnndm-test" / "sample-500.jsonl"
    if not path.is_file():
        sys.exit(f"error: {path} is missing (CNN/DailyMail is not in the repository): {HOW}")
    return path


def corpus_dir(shared: Path | None = None) -> Path:
    """The shared corpus (its XSum and WMT16 fixtures): beside the evaluation folder, else the repository's copy."""
    folder = eval_dir(shared).parent / "corpus"
    return folder if (folder / "bbc-xsum-sample.jsonl").is_file() else IN_REPO / "corpus"


def cnndm_articles(shared: Path | None = None):
    """The sample as Articles: its text is tokenized with " . " ending each sentence, so it is given one
    sentence a line (the same sentences the README's lead-3 takes), and the references."""
    from summarizer.inputs.reading import article_from_text
    from summarizer.measure import metrics

    items = metrics.read_summary_jsonl(cnndm_sample(shared), hyp_field=None)
    articles = [
        article_from_text("\n".join(s.strip() for s in re.split(r"(?<= \.) ", item.article)), source=f"{item.id}.txt")
        for item in items
    ]
    return articles, [item.reference for item in items]
