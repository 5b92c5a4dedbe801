"""ProgressDisplay for people: tqdm bars on a terminal; without one (a log file, a CI job), a one-line record
on stderr every `SUMMARIZER_PROGRESS_SECONDS` (10) seconds. Both count the same things: articles, and
every sentence sent for translation per language, repeats included (the closing line says how many of
those were repeats, served by one output)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from ..pipeline import Callbacks

DEFAULT_INTERVAL_S = 10.0


class ProgressDisplay:
    """Articles done and sentences per language, as bars or as periodic lines."""

    def __init__(self, total: int, *, quiet: bool, say: Callable[[str], None], what: str = "articles"):
        from tqdm import tqdm

        self._tqdm, self.quiet, self.say, self.what = tqdm, quiet, say, what
        self.total, self.done = total, 0
        self.sentences: dict[str, list[int]] = {}  # lang -> [done, total]
        self.started = time.monotonic()
        self.bars = {"": self._new(total, what, "art")}
        self._stop = threading.Event()
        self._ticker = None
        if not quiet and not sys.stderr.isatty():
            interval = float(os.environ.get("SUMMARIZER_PROGRESS_SECONDS") or DEFAULT_INTERVAL_S)
            self._ticker = threading.Thread(target=self._tick, args=(interval,), daemon=True)
            self._ticker.start()

    def _new(self, total: int, desc: str, unit: str):
        # disable=None: bars only on a terminal; the ticker speaks elsewhere.
        return self._tqdm(total=total, desc=desc, unit=unit, disable=True if self.quiet else None, file=sys.stderr)

    def _bar(self, lang: str):
        if lang not in self.bars:
            self.bars[lang] = self._new(0, f"sentences {lang}", "sent")
            self.sentences[lang] = [0, 0]
        return self.bars[lang]

    def line(self) -> str:
        """One progress record: articles, sentences per language, the rate so far."""
        seconds = time.monotonic() - self.started
        parts = [f"progress: {self.done}/{self.total} {self.what}"]
        parts += [f"{lang} {done}/{total} sentences" for lang, (done, total) in self.sentences.items()]
        sentences = sum(done for done, _ in self.sentences.values())
        rate = f"{sentences / seconds:.1f} sentences/s" if sentences else f"{self.done / seconds:.2f} {self.what}/s"
        return ", ".join(parts) + f"; {rate}; {seconds:.0f} s"

    def _tick(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.say(self.line())

    def callbacks(self) -> Callbacks:
        def article(_result) -> None:
            self.done += 1
            self.bars[""].update(1)

        def total(lang: str, n: int) -> None:
            bar = self._bar(lang)
            self.sentences[lang][1] += n
            bar.total += n
            bar.refresh()

        def sentences(lang: str, n: int) -> None:
            self._bar(lang).update(n)
            self.sentences[lang][0] += n

        def articles(n: int) -> None:
            self.total = self.bars[""].total = n
            self.bars[""].refresh()

        return Callbacks(article_done=article, sentences=sentences, sentences_total=total, articles_total=articles)

    def write(self, message: str) -> None:
        self._tqdm.write(message, file=sys.stderr)

    def close(self) -> None:
        self._stop.set()
        for bar in self.bars.values():
            bar.close()
