"""Sections of BENCHMARKS.md that come from other scripts than `run.py`, kept between markers so each
script rewrites only its own part (and `run.py` carries the others over when it rewrites the file)."""

from __future__ import annotations

import os
import re
from pathlib import Path

_BLOCK = re.compile(r"<!-- section:(?P<name>[\w-]+) -->\n.*?<!-- /section:(?P=name) -->\n", re.S)


def block(name: str, text: str) -> str:
    return f"<!-- section:{name} -->\n{text.rstrip()}\n<!-- /section:{name} -->\n"


def blocks(path: Path) -> list[str]:
    """Every marked section of the file, in order (none if the file is missing)."""
    return [m.group(0) for m in _BLOCK.finditer(path.read_text(encoding="utf-8"))] if path.exists() else []


def write_section(path: Path, name: str, text: str) -> None:
    """Replace section `name` of `path` with `text`, or append it."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = block(name, text)
    pattern = re.compile(rf"<!-- section:{re.escape(name)} -->\n.*?<!-- /section:{re.escape(name)} -->\n", re.S)
    updated = pattern.sub(lambda _: new, old) if pattern.search(old) else old.rstrip() + "\n\n" + new
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(updated, encoding="utf-8")
    os.replace(tmp, path)
