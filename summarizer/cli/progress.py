"""ProgressDisplay for people: tqdm bars on a terminal, redrawn twice a second; without one (a log file, a CI
job), a one-line record on stderr every `SUMMARIZER_PROGRESS_SECONDS` (4) seconds. Both count the same
things: articles, summaries, and every sentence sent for translation per language, repeats included (the
closing line says how many of those were repeats, served by one output). Both name the generate() batch
that runs and its decoding step, so a long batch shows movement, and estimate the time left."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..pipeline import Callbacks
from ..tasks.generation import PACE_S

log = logging.getLogger(__name__)
FIRST_LINE_S = 1.0
LOADING_S = 3.0  # a batch this long without a step is a model loading: worth a line
DEFAULT_INTERVAL_S = 4.0  # under 5 s between lines, process start and a busy machine included
REDRAW_S = 0.5  # bars on a terminal: tqdm redraws only on update, so elapsed time and steps need a ticker


@dataclass
class _Tally:
    """Items of one kind done of those announced, and since when they are worked on (for the rate)."""

    done: int = 0
    total: int = 0
    since: float | None = None  # when the first were announced

    def left(self) -> int:
        return max(0, self.total - self.done)

    def seconds_left(self, now: float) -> float | None:
        """Time left at the rate so far; None while there is work left and no rate yet."""
        if not self.left():
            return 0.0
        if not self.done or self.since is None:
            return None
        return self.left() * (now - self.since) / self.done


@dataclass(frozen=True)
class _Running:
    """The generate() batch that runs now."""

    what: str  # a language, or "summaries"
    number: int
    batches: int
    detail: str
    since: float


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds // 60} min {seconds % 60} s" if seconds < 600 else f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {round(seconds % 3600 / 60)} min"


def _rate(n: int, seconds: float, unit: str, units: str) -> str:
    """`2.1 sentences/s`, or for slow work `4.0 s/summary`."""
    if n / seconds >= 1:
        return f"{n / seconds:.1f} {units}/s"
    return f"{seconds / n:.1f} s/{unit}"


class ProgressDisplay:
    """Articles (or what the command counts), summaries and sentences per language, as bars or as lines."""

    def __init__(self, total: int, *, quiet: bool, say: Callable[[str], None], what: str = "articles"):
        from tqdm import tqdm

        self._tqdm, self.quiet, self.say, self.what = tqdm, quiet, say, what
        self.total, self.done = total, 0
        self.sentences: dict[str, _Tally] = {}
        self.summaries = _Tally()
        self.running: _Running | None = None
        self.step = 0  # decoding steps of the running batch (0: none heard)
        self.started = time.monotonic()
        self._lock = threading.RLock()
        self.bars = {"": self._new(total, what, "art")}
        self._stop = threading.Event()
        self._ticker = None
        self._lines = not quiet and not sys.stderr.isatty()  # periodic lines rather than bars
        self.pace_s = PACE_S  # how long one model call may take (see Callbacks.pace_s)
        self._spoken = False
        if not quiet:
            terminal = sys.stderr.isatty()
            interval = (
                REDRAW_S if terminal else float(os.environ.get("SUMMARIZER_PROGRESS_SECONDS") or DEFAULT_INTERVAL_S)
            )
            # Counts must move between two lines; bars are redrawn often, so model calls get the usual pace.
            self.pace_s = max(PACE_S, interval / 2)
            action = self._redraw if terminal else self._speak
            self._ticker = threading.Thread(target=self._tick, args=(interval, action), daemon=True, name="progress")
            self._ticker.start()

    def _new(self, total: int, desc: str, unit: str):
        # disable=None: bars only on a terminal; the ticker speaks elsewhere.
        return self._tqdm(total=total, desc=desc, unit=unit, disable=True if self.quiet else None, file=sys.stderr)

    def _bar(self, key: str):
        """The bar of a language, or of summaries (made on first use)."""
        if key not in self.bars:
            desc, unit = ("summaries", "sum") if key == "summaries" else (f"sentences {key}", "sent")
            self.bars[key] = self._new(0, desc, unit)
        return self.bars[key]

    # ---- what the line and the bars say ---------------------------------------------------------

    def _done_shown(self) -> int:
        # `summarize` counts summaries: one is done when made, before its window's files are written.
        return max(self.done, self.summaries.done) if self.what == "summaries" else self.done

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left: each kind of work announced (summaries, sentences), what is left of it at its own
        rate so far; articles not announced yet at the rate articles are done. None until there is a rate."""
        now = time.monotonic() if now is None else now
        with self._lock:
            kinds = [self.summaries, self._all_sentences()]
            left = 0.0
            for kind in kinds:
                seconds = kind.seconds_left(now)
                if seconds is None:
                    return None
                left += seconds
            if self.done and self.total > self.done:
                left = max(left, (self.total - self.done) * (now - self.started) / self.done)
            elif not self.done and not any(kind.total for kind in kinds):
                return None  # nothing announced yet (the inputs are read, a model loads)
            return left

    def _all_sentences(self) -> _Tally:
        tallies = list(self.sentences.values())
        since = [t.since for t in tallies if t.since is not None]
        return _Tally(sum(t.done for t in tallies), sum(t.total for t in tallies), min(since) if since else None)

    def _eta_text(self, now: float) -> str:
        left = self.eta(now)
        return "ETA estimating" if left is None else f"ETA {_duration(left)}"

    def _running_text(self, now: float, *, named: bool = True) -> str:
        """`ru batch 3/5: step 27, 4 s`: the running batch, its decoding step (where the backend reports
        steps: CTranslate2 with beams does not) and how long it has run."""
        r = self.running
        if r is None:
            return ""
        where = f"batch {r.number}/{r.batches}" if r.batches else f"batch {r.number}"
        head = " ".join(p for p in (r.what if named else "", f"{r.detail}," if r.detail else "", where) if p)
        step = f"step {self.step}, " if self.step else ""
        return f"{head}: {step}{now - r.since:.0f} s"

    def line(self) -> str:
        """One progress record: counts, the batch that runs, the rate so far, the time left, the time spent."""
        now = time.monotonic()
        with self._lock:
            parts = [f"progress: {self._done_shown()}/{self.total} {self.what}"]
            if self.summaries.total and self.what != "summaries":
                parts.append(f"summaries {self.summaries.done}/{self.summaries.total}")
            parts += [f"{lang} {t.done}/{t.total} sentences" for lang, t in self.sentences.items()]
            text = ", ".join(parts)
            running = self._running_text(now)
            if running:
                text += f"; now {running}"
            sentences, summaries = self._all_sentences(), self.summaries
            if sentences.done and sentences.since is not None:
                text += "; " + _rate(sentences.done, now - sentences.since, "sentence", "sentences")
            elif summaries.done and summaries.since is not None:
                text += "; " + _rate(summaries.done, now - summaries.since, "summary", "summaries")
            elif self.done:
                text += "; " + _rate(self.done, now - self.started, self.what.rstrip("s"), self.what)
            return text + f"; {self._eta_text(now)}; {now - self.started:.0f} s"

    def _redraw(self) -> None:
        now = time.monotonic()
        with self._lock:
            running = self.running
            for key, bar in self.bars.items():
                if key == "":
                    bar.set_postfix_str(self._eta_text(now), refresh=False)
                elif running is not None and running.what == key:
                    bar.set_postfix_str(self._running_text(now, named=False), refresh=False)
                else:
                    bar.set_postfix_str("", refresh=False)
                bar.refresh()

    def _working(self) -> bool:
        """Whether work is under way: a decoding step heard, something counted as done, or a batch running
        for LOADING_S (a big model loading). A model that fails to load at once fails without a line."""
        with self._lock:
            running = self.running
            return bool(
                self.step
                or self.done
                or self.summaries.done
                or any(t.done for t in self.sentences.values())
                or (running is not None and time.monotonic() - running.since >= LOADING_S)
            )

    def _speak(self) -> bool:
        """A progress line once work has begun; before that (reading inputs, resolving models) nothing, so a
        job that fails before it starts prints its one error line alone."""
        if not self._working():
            return False
        self._spoken = True
        self.say(self.line())
        return True

    def _tick(self, interval: float, action: Callable[[], bool | None]) -> None:
        # The first line soon after work begins (checked every FIRST_LINE_S), then every `interval`.
        soon = min(interval, FIRST_LINE_S)
        due = time.monotonic() + soon
        # On a fixed schedule, so the time a line takes doesn't add up into longer gaps (after a stall, the
        # schedule starts again rather than catching up with a burst of lines).
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            try:
                spoke = action()
            except Exception as exc:  # a closed stderr, say: the job goes on without progress
                log.debug("progress display stopped: %s", exc, exc_info=True)
                return
            step = soon if spoke is False else interval
            due = max(due + step, time.monotonic() + step / 2)

    # ---- what the library reports ---------------------------------------------------------------

    def callbacks(self) -> Callbacks:
        lock = self._lock

        def article(_result) -> None:
            with lock:
                self.done += 1
                self._sync_main()

        def articles(n: int) -> None:
            with lock:
                self.total = self.bars[""].total = n
                self.bars[""].refresh()

        def announce(tally: _Tally, bar, n: int) -> None:
            if tally.since is None:
                tally.since = time.monotonic()
            tally.total += n
            if bar is not None:
                bar.total += n
                bar.refresh()

        def count(tally: _Tally, bar, n: int) -> None:
            tally.done += n
            if bar is not None:
                bar.update(n)
            self.running = None  # its batch came back

        def sentences_total(lang: str, n: int) -> None:
            with lock:
                announce(self.sentences.setdefault(lang, _Tally()), self._bar(lang), n)

        def sentences(lang: str, n: int) -> None:
            with lock:
                count(self.sentences.setdefault(lang, _Tally()), self._bar(lang), n)

        def summaries_total(n: int) -> None:
            with lock:
                announce(self.summaries, self._summary_bar(), n)

        def summaries(n: int) -> None:
            with lock:
                count(self.summaries, self._summary_bar(), n)
                self._sync_main()

        def batch(what: str, number: int, batches: int, detail: str) -> None:
            with lock:
                self.running = _Running(what, number, batches, detail, time.monotonic())
                self.step = 0

        def step(n: int) -> None:
            self.step = n  # from inside the decoding loop: no lock, and only a counter once lines are flowing
            if self._lines and not self._spoken:  # the first line with the first decoding step
                self._speak()

        if self.quiet:  # nothing shown: no hooks into the model work, which keeps its full batches (unpaced)
            return Callbacks(article_done=article, articles_total=articles)
        return Callbacks(
            pace_s=self.pace_s,
            article_done=article,
            sentences=sentences,
            sentences_total=sentences_total,
            articles_total=articles,
            summaries=summaries,
            summaries_total=summaries_total,
            batch_started=batch,
            decoding_step=step,
        )

    def _summary_bar(self):
        # `summarize` counts summaries on its main bar (see `_done_shown`); other commands get one of their own.
        return None if self.what == "summaries" else self._bar("summaries")

    def _sync_main(self) -> None:
        main = self.bars[""]
        shown = self._done_shown()
        if shown != main.n:
            main.update(shown - main.n)

    def write(self, message: str) -> None:
        self._tqdm.write(message, file=sys.stderr)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)
        for bar in self.bars.values():
            bar.close()


@contextlib.contextmanager
def heartbeat(say: Callable[[str], None], what: str, *, quiet: bool = False) -> Iterator[None]:
    """For one long step that reports nothing itself (building a stand-in model): `what` at once, then
    `what: N s` every DEFAULT_INTERVAL_S seconds (`SUMMARIZER_PROGRESS_SECONDS`) until it ends."""
    if quiet:
        yield
        return
    interval = float(os.environ.get("SUMMARIZER_PROGRESS_SECONDS") or DEFAULT_INTERVAL_S)
    started, stop = time.monotonic(), threading.Event()
    say(what)

    def tick() -> None:
        while not stop.wait(interval):
            try:
                say(f"{what}: {time.monotonic() - started:.0f} s")
            except Exception:  # a closed stderr: the work goes on
                return

    thread = threading.Thread(target=tick, daemon=True, name="heartbeat")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)
