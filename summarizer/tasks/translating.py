"""Sentence-by-sentence translation, aligned 1:1 with sentence ids by construction.

One sentence per model input (Marian drops sentences when given several), each distinct sentence
translated once, over-long sentences split into parts that fit instead of being truncated.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from ..cache import NullCache, cache_key
from ..engines import LOCAL, Engine, Work
from ..errors import ConfigError
from ..inputs.segmenting import SEGMENTATION_VERSION
from ..languages import AUTO, check_language_code, plural, same_language
from ..models.backends import Generated, ModelHandle
from ..models.backends.base import OnStep
from ..models.catalogue import target_spec, translation_model
from ..models.hub import check_generation, resolve_model
from ..options import GenerationParams, TargetOptions, WorkerOptions
from ..quality.protection import Protection, is_better, parse_item, protect
from ..quality.review import ReviewWorker, TranslationReviewer, flags_from, needs_retry, severity, stronger
from ..results import Sentence, Translation, TranslationSet
from .generation import OnProgress, Progress, cached_generate, split_to_fit

log = logging.getLogger(__name__)
TASK = "translate"


def language_tokens(path) -> frozenset[str]:
    """The `>>xxx<<` target tokens of a multi-target Marian model (empty for single-target ones)."""
    try:
        vocab = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(vocab, dict):
        return frozenset()
    return frozenset(t for t in vocab if t.startswith(">>") and t.endswith("<<"))


def _is_nllb(path) -> bool:
    try:
        config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return "nllb" in str(config.get("tokenizer_class", "")).lower()


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def translation_warnings(translations: Sequence[Translation], max_new_tokens: int) -> tuple[str, ...]:
    """What a reader of these translations must know: split sentences, possibly cut-off outputs."""
    warnings = []
    split = [t.source_id for t in translations if t.split_parts > 1]
    if split:
        warnings.append(
            f"{plural(len(split), 'sentence')} over the model's input limit, translated in parts: {_ids(split)}"
        )
    cut = [t.source_id for t in translations if not t.complete]
    if cut:
        warnings.append(
            f"{len(cut)} of {len(translations)} translations reached max_new_tokens={max_new_tokens} and may be cut off: {_ids(cut)}"
        )
    return tuple(warnings)


class Translator:
    """Translates sentences from `source_lang` into `target` with one seq2seq model: the given one, or
    the registry's for the pair (see `models.catalogue.pair_model`)."""

    def __init__(
        self,
        target: TargetOptions | str,
        worker: WorkerOptions | None = None,
        *,
        source_lang: str = "en",
        cache: Any = None,
        engine: Engine | None = None,
    ):
        """`target` is a `[targets.LANG]` section, or just the language (the registry's model for the pair).
        `engine` runs the model work (this process by default; see `summarizer.engines`)."""
        section = TargetOptions(lang=target) if isinstance(target, str) else target
        worker = worker or WorkerOptions()
        self.section, self.worker = section, worker
        target, model = section.lang, section.model
        check_language_code(target, where="target language")
        if source_lang == AUTO:
            raise ConfigError("a translator needs the source language itself, not auto; detect it first")
        check_language_code(source_lang, where="source language")
        if same_language(source_lang, target):
            raise ConfigError(f"source and target language are both {target}: there is nothing to translate")
        if model is None:
            model = translation_model(source_lang, target)
        self.target = target
        self.source_lang = source_lang
        where = f"translation options for {target}"
        self.params = section.params
        self.runtime = worker.runtime
        self.cache = cache if cache is not None else NullCache()
        self.refresh = worker.refresh
        self.quality = worker.quality
        self.engine = engine or LOCAL
        self.reviewer = TranslationReviewer(target, source_lang, self.quality, cache=self.cache)
        self._protected: set[str] = set()  # sources whose kept translation came from a protected retry
        self.ref = resolve_model(model, section.revision)
        check_generation(self.params, self.ref, where)
        self.handle = ModelHandle(self.ref, worker.backend_options)
        tokens = language_tokens(self.ref.path) if self.ref.model_type == "marian" else frozenset()
        self.spec = target_spec(
            target,
            model_type=self.ref.model_type,
            model_name=model,
            nllb=_is_nllb(self.ref.path),
            source_lang=source_lang,
            target_token=section.target_token,
            language_tokens=tokens,
        )

    @property
    def factory(self) -> Callable[[], Translator]:
        """How a Ray actor builds the same translator: the same settings; the cache stays with the driver."""
        return functools.partial(Translator, self.section, self.worker.remote, source_lang=self.source_lang)

    @property
    def model_info(self):
        return self.handle.info

    def _key(self, text: str) -> str:
        return cache_key(
            task=TASK,
            model=self.handle.info,
            params=self.params.as_dict(),
            text=text,
            source_lang=self.source_lang,
            target_lang=self.target,
            target_token=self.spec.label,
            extra={"target": self.spec.as_dict(), "segmentation": SEGMENTATION_VERSION},
        )

    def load(self) -> None:
        """Load the model now (a remote worker does this once, before its first batch)."""
        _ = self.handle.backend

    def remote_compute(self, texts: list[str]) -> list[dict]:
        """`_compute` for a remote worker: plain values that travel back to the driver."""
        return [asdict(g) for g in self._compute(texts)]

    def _compute(self, texts: list[str], on_step: OnStep | None = None) -> list[Generated]:
        """Translate distinct sentences; an output flagged as degenerate (a loop, the source copied, the
        wrong language) is generated once more with stronger decoding, and the better one is kept.
        `on_step` hears the decoding steps of each generate() batch (see `Progress`). A protected work item
        (`quality.protection`) is generated once, its required strings put in its output."""
        protected = {i: parsed for i, t in enumerate(texts) if (parsed := parse_item(t)) is not None}
        if protected:
            plain = [i for i in range(len(texts)) if i not in protected]
            result: list[Generated | None] = [None] * len(texts)
            for i, g in zip(plain, self._compute([texts[i] for i in plain], on_step), strict=True):
                result[i] = g
            items = list(protected)
            made = self._generate(
                [protected[i][0] for i in items], self.params, on_step, required=[protected[i][1] for i in items]
            )
            for i, g in zip(items, made, strict=True):
                result[i] = g
            return result  # type: ignore[return-value]
        result = self._generate(texts, self.params, on_step)
        if not (self.quality.checks and self.quality.retry):
            return result
        first = [self.reviewer.cheap(t, g.text) for t, g in zip(texts, result, strict=True)]
        redo = [i for i, flags in enumerate(first) if needs_retry(flags)]
        if not redo:
            return result
        log.info("%s: %d of %d translations flagged; retrying them", self.target, len(redo), len(texts))
        again = self._generate([texts[i] for i in redo], stronger(self.params), on_step)
        for i, second in zip(redo, again, strict=True):
            better = severity(self.reviewer.cheap(texts[i], second.text)) < severity(first[i])
            result[i] = replace(second if better else result[i], retried=True)
        return result

    def _generate(
        self,
        texts: list[str],
        params: GenerationParams,
        on_step: OnStep | None = None,
        required: Sequence[Sequence[str]] | None = None,
    ) -> list[Generated]:
        """Translate distinct sentences; a sentence over the input limit is translated in parts. `required`
        (one list per text): strings its output must contain (each goes with the part that has it)."""
        backend = self.handle.backend
        limit = backend.max_input_tokens

        def count(items: list[str]) -> list[int]:
            return backend.count_tokens(items, self.spec)

        parts_of = {t: split_to_fit(t, count, limit) for t in texts}
        flat = list(dict.fromkeys(p for t in texts for p in parts_of[t]))
        batch_size = self.runtime.batch_size_for(TASK, params.num_beams, self.handle.options.backend)
        extra: dict[str, Any] = {}
        if self.runtime.batch_tokens is not None:
            extra["max_tokens"] = self.runtime.batch_tokens
        if required is not None and any(required):
            wanted: dict[str, list[str]] = {}
            for t, strings in zip(texts, required, strict=True):
                for part in parts_of[t]:
                    wanted.setdefault(part, []).extend(r for r in strings if r in part)
            extra["required"] = [list(dict.fromkeys(wanted.get(p, []))) for p in flat]
        generated = backend.generate(flat, params, target=self.spec, batch_size=batch_size, on_step=on_step, **extra)
        outputs = dict(zip(flat, generated, strict=True))
        result = []
        for t in texts:
            gens = [outputs[p] for p in parts_of[t]]
            result.append(
                Generated(
                    text=" ".join(g.text for g in gens).strip(),
                    new_tokens=sum(g.new_tokens for g in gens),
                    finished=all(g.finished for g in gens),
                    parts=len(gens),
                )
            )
            if len(gens) > 1:
                log.warning(
                    "a sentence of %d characters exceeded %s's %d-token limit and was translated in %d parts",
                    len(t),
                    self.ref.name,
                    limit,
                    len(gens),
                )
        return result

    def _protect(
        self, by_text: dict[str, tuple[Generated, bool]], flags_of: dict[str, tuple], progress: Progress
    ) -> dict[str, tuple[Generated, bool, tuple]]:
        """The protected retry of each model translation that lost a fact: the source's protected form
        generated (or found in the cache, keyed by that form), placeholders restored, checked again, and
        kept where it has fewer fact flags. Returns the winners: text -> (output, from cache, flags)."""
        self._protected = set()
        glossary = self.quality.glossary
        plans: dict[str, Protection] = {}
        for text, (gen, _) in by_text.items():
            plan = protect(
                text, gen.text, flags_of[text], target=self.target, source_lang=self.source_lang, glossary=glossary
            )
            if plan is not None:
                plans[text] = plan
        if not plans:
            return {}
        log.info("%s: %d translations lost a fact; retrying them with the facts protected", self.target, len(plans))
        items = {text: plan.as_item() for text, plan in plans.items()}
        results = cached_generate(
            list(items.values()),
            key_for=self._key,
            compute=functools.partial(self._compute, on_step=progress.on_step),
            cache=self.cache,
            task=TASK,
            model_name=self.ref.name,
            group_size=self.runtime.batch_size_for(TASK, self.params.num_beams, self.handle.options.backend),
            refresh=self.refresh,
            engine=self.engine,
            factory=self.factory,
        )
        sources = list(plans)
        restored = [plans[t].restore(gen.text) for t, (gen, _) in zip(sources, results, strict=True)]
        checked = self._review(sources, restored)
        winners = {}
        for text, (gen, cached), output, flags in zip(sources, results, restored, checked, strict=True):
            if is_better(flags, flags_of[text]):
                # Still `retried` where the plain output was (it went through stronger decoding first).
                winners[text] = (replace(gen, text=output, retried=by_text[text][0].retried), cached, flags)
                self._protected.add(text)
        log.info("%s: %d of %d protected retries have fewer fact flags, kept", self.target, len(winners), len(plans))
        return winners

    def _review(self, sources: Sequence[str], outputs: Sequence[str]) -> list[tuple]:
        """The reviewer's flags for each (source, output) pair: here on the local engine; on a remote one,
        the cheap and glossary checks in its workers (a pool of `ReviewWorker`s) and the adequacy check's
        embeddings in its embedding workers, cached here, so that no check runs on the driver alone."""
        if self.engine.name == "local" or not sources:
            return self.reviewer.review(sources, outputs)
        items = [json.dumps([s, o], ensure_ascii=False) for s, o in zip(sources, outputs, strict=True)]

        checker = functools.partial(ReviewWorker, self.target, self.source_lang, self.quality)
        work = Work(
            name=f"checks into {self.target}",
            compute=lambda group: [flags_from(v) for v in checker().remote_compute(group)],  # in this process
            factory=checker,
            decode=flags_from,
        )
        found: dict[str, tuple] = {}
        for pairs in self.engine.map(work, list(dict.fromkeys(items))):
            found.update(pairs)
        return self.reviewer.with_adequacy([found[item] for item in items], sources, outputs, engine=self.engine)

    def translate(
        self, sentences: Sequence[Sentence] | Sequence[str], *, progress: OnProgress | None = None
    ) -> TranslationSet:
        """One Translation per input sentence, same order, `source_id` = the sentence id. `progress` counts
        sentences as each generate() batch finishes (repeats included); a `Progress` also hears each batch
        start and its decoding steps."""
        started = time.perf_counter()
        progress = Progress.of(progress)
        items = [
            s if isinstance(s, Sentence) else Sentence(id=f"s{i}", text=s, paragraph=0, index=i)
            for i, s in enumerate(sentences)
        ]
        texts = [s.text.strip() for s in items]
        # An editor's translation (`summarizer memory import`) for the exact source and pair comes before the
        # cache and the model, --refresh included: no generation, no retry; the checks below still run.
        human = self.cache.human_for([t for t in texts if t], self.source_lang, self.target)
        todo = [t for t in texts if t and t not in human]
        if human:
            progress(sum(t in human for t in texts))
        results = cached_generate(
            todo,
            key_for=self._key,
            compute=functools.partial(self._compute, on_step=progress.on_step),
            cache=self.cache,
            task=TASK,
            model_name=self.ref.name,
            # One generate() batch per group, so that progress moves (and the cache fills) batch by batch.
            group_size=self.runtime.batch_size_for(TASK, self.params.num_beams, self.handle.options.backend),
            refresh=self.refresh,
            progress=progress,
            engine=self.engine,
            factory=self.factory,
        )
        by_text = dict(zip(todo, results, strict=True))
        outputs = {t: gen.text for t, (gen, _) in by_text.items()} | human
        distinct = list(outputs)
        reviewed = self._review(distinct, [outputs[t] for t in distinct])
        flags_of = dict(zip(distinct, reviewed, strict=True))
        if self.quality.checks and self.quality.retry and self.quality.protect:
            for text, (gen, cached, flags) in self._protect(by_text, flags_of, progress).items():
                by_text[text], flags_of[text] = (gen, cached), flags
        translations = []
        for sentence, text in zip(items, texts, strict=True):
            if not text:
                translations.append(Translation(source_id=sentence.id, source=sentence.text, text="", cached=False))
                continue
            if text in human:
                translations.append(
                    Translation(
                        source_id=sentence.id, source=sentence.text, text=human[text], flags=flags_of[text], human=True
                    )
                )
                continue
            gen, cached = by_text[text]
            translations.append(
                Translation(
                    source_id=sentence.id,
                    source=sentence.text,
                    text=gen.text,
                    cached=cached,
                    split_parts=gen.parts,
                    complete=gen.finished,
                    flags=flags_of[text],
                    retried=gen.retried,
                    protected=text in self._protected,
                )
            )
        return TranslationSet(
            target=self.target,
            source_lang=self.source_lang,
            model=self.handle.info,
            target_token=self.spec.label,
            params=self.params.as_dict(),
            translations=tuple(translations),
            seconds=time.perf_counter() - started,
            warnings=translation_warnings(translations, self.params.max_new_tokens),
        )
