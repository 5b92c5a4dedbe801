"""The command-line vocabulary, declared once: every flag, where its value goes in a job, and the
`RunOptions` value that a command (or an API caller, by the same names) fills from them.

A flag's `path` is a place in a job file (`("runtime", "device")`, `("summary", "params", "num_beams")`)
or one of four flag-only places: `("targets",)` (--to), `("models",)` (--model LANG=MODEL),
`("revisions",)` (--revision LANG=REVISION) and
`("translation_params", key)` (generation flags that apply to every target). `("ui", ...)` is for
the CLI itself (verbosity), and `("measure", ...)` for what `evaluate` and `check` read; neither is ever
part of a job.

One vocabulary across commands: `--from` is always the language of the inputs and `--to` that of the
outputs; an unprefixed model or generation flag is the command's own model (the summary model in
`summarize`, the translation model in `translate` and `digest`, the scored model in `evaluate`), and a
`--summary-` flag is always the summary model's. A flag's `aliases` are other spellings (older ones, or
the prefixed ones in `summarize`) that still work but are not shown in `--help`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class Flag:
    """One command-line option. `name` is its parameter name, also the API keyword."""

    name: str
    path: tuple[str, ...]
    decls: tuple[str, ...]
    help: str
    type: type = str  # str, int, float, bool (a switch) or Path
    # value | csv | pairs (repeatable KEY=VALUE) | set (switch stores `value`) | choice (words from `value`, each
    # turning on the setting of its name in the flag's section)
    kind: str = "value"
    value: Any = True  # what a `set` switch stores
    aliases: tuple[str, ...] = ()  # spellings that work too, hidden from --help
    panel: str = ""  # the --help panel it is listed in (one of PANELS); set by `_in` for a whole group

    @property
    def spelling(self) -> str:
        return self.decls[0]

    def parse(self, raw: Any) -> Any:
        """The value to store for what the user typed (None: not given)."""
        if raw is None or (self.kind == "set" and raw is False):
            return None
        if self.kind == "set":
            return self.value
        if self.kind == "choice":  # `--check adequacy,names`: each word turns on the setting of that name
            words = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")  # the API may pass a list
            chosen = [str(w).strip() for w in words if str(w).strip()]
            unknown = [w for w in chosen if w not in self.value]
            if unknown or not chosen:
                raise ConfigError(
                    f"{self.spelling}: unknown value {raw!r}; expected one or more of {', '.join(self.value)}"
                )
            return dict.fromkeys(chosen, True)
        if self.kind == "csv":
            parts = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")  # the API may pass a list
            items = tuple(str(x).strip() for x in parts if str(x).strip())
            if not items:
                raise ConfigError(f"{self.spelling}: expected a comma-separated list, got {raw!r}")
            return items
        if self.kind == "pairs":
            return _pairs(raw, self.spelling)
        return raw


def _pairs(items: Iterable[str] | Mapping[str, str], spelling: str) -> dict[str, str]:
    if isinstance(items, Mapping):  # the API may pass {"ru": "model"}
        items = [f"{k}={v}" for k, v in items.items()]
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip() or not value.strip():
            example = "ru=Helsinki-NLP/opus-mt-en-ru" if spelling in ("--model", "-m") else "ru=main"
            raise ConfigError(f"{spelling} {item!r}: expected LANG=VALUE, for example {spelling} {example}")
        key, value = key.strip(), value.strip()
        if key in pairs:  # as `--to ru,ru` is refused: the later one would silently win
            raise ConfigError(
                f"{spelling} {key}={value}: {key} is given twice (also {key}={pairs[key]}); give one per language"
            )
        pairs[key] = value
    return pairs


def _gen(prefix: str, path: str, for_what: str, spell: str = "", alias: str | None = None) -> tuple[Flag, ...]:
    """The generation flags of one model role (`--num-beams` or `--summary-num-beams`, ...); `alias`: the
    prefix of a hidden second spelling of each (`summary-` in `summarize`)."""

    def flag(key: str, help: str, type: type) -> Flag:
        option = key.replace("_", "-")
        aliases = () if alias is None else (f"--{alias}{option}",)
        return Flag(f"{prefix}{key}", (path, key), (f"--{spell}{option}",), help, type, aliases=aliases)

    return (
        flag("num_beams", f"Beam width {for_what}.", int),
        flag("max_new_tokens", f"Most tokens to generate {for_what}.", int),
        flag("min_new_tokens", f"Fewest tokens to generate {for_what}.", int),
        flag("length_penalty", f"Beam length penalty {for_what} (>1 favours longer).", float),
        flag("no_repeat_ngram_size", f"Forbid repeating n-grams of this size {for_what}.", int),
    )


# ---- the shared groups -----------------------------------------------------------------------

# The --help panels, in the order a command lists them: one long list of 60 options cut the longest
# names at 80 columns and hid what belongs together.
INPUTS_PANEL, SUMMARY_PANEL, TRANSLATION_PANEL = "Inputs", "Summary", "Translation"
OUTPUT_PANEL, QUALITY_PANEL, RUNTIME_PANEL, MODEL_PANEL = "Output", "Quality", "Runtime", "Model"
PANELS = (INPUTS_PANEL, SUMMARY_PANEL, TRANSLATION_PANEL, MODEL_PANEL, OUTPUT_PANEL, RUNTIME_PANEL, QUALITY_PANEL)


def _in(panel: str, flags: tuple[Flag, ...]) -> tuple[Flag, ...]:
    """`flags`, listed in --help under `panel`."""
    return tuple(replace(f, panel=panel) for f in flags)


INPUT = (
    Flag(
        "source_lang",
        ("", "source_lang"),
        ("--from",),
        "Language of the inputs: auto (detected per article; the default) or a code such as ru.",
    ),
    Flag(
        "encoding",
        ("", "encoding"),
        ("--encoding",),
        "Text encoding of the inputs (e.g. cp1251); default: UTF-8, else detected.",
    ),
    Flag(
        "url_deadline",
        ("", "url_deadline"),
        ("--url-deadline",),
        "Most seconds to fetch one URL, redirects included (default 60).",
        float,
    ),
)
# Feeds (RSS, Atom, JSON Feed) among the inputs: which items are digested, and how politely they are read.
FEEDS = (
    Flag(
        "all_items",
        ("feeds", "all"),
        ("--all",),
        "Feeds: digest every item again, not only the new and the changed ones.",
        bool,
        "set",
    ),
    Flag("since", ("feeds", "since"), ("--since",), "Feeds: only items dated on or after DATE (YYYY-MM-DD)."),
    Flag(
        "no_robots",
        ("feeds", "robots"),
        ("--no-robots",),
        "Feeds: don't read robots.txt before fetching item pages.",
        bool,
        "set",
        False,
    ),
    Flag(
        "feed_pause",
        ("feeds", "pause"),
        ("--feed-pause",),
        "Feeds: seconds between two requests to one host (default 1).",
        float,
    ),
)
INPUT = _in(INPUTS_PANEL, INPUT + FEEDS)
RUNTIME = _in(
    RUNTIME_PANEL,
    (
        Flag("device", ("runtime", "device"), ("--device",), "auto, cpu, cuda or mps (env SUMMARIZER_DEVICE)."),
        Flag("dtype", ("runtime", "dtype"), ("--dtype",), "auto, float32, float16 or bfloat16."),
        Flag("threads", ("runtime", "threads"), ("--threads",), "CPU threads for the models.", int),
        Flag(
            "batch_size",
            ("runtime", "batch_size"),
            ("--batch-size",),
            "Inputs per generate() call (default: 64 sentences on ctranslate2, 64/beams on torch; 16 articles).",
            int,
        ),
        Flag(
            "batch_tokens",
            ("runtime", "batch_tokens"),
            ("--batch-tokens",),
            "At most this many padded source tokens per generate() batch: bounds memory whatever the sentence lengths.",
            int,
        ),
        Flag(
            "parallel_batches",
            ("runtime", "parallel_batches"),
            ("--parallel-batches",),
            "CTranslate2: batches decoded at once (its inter_threads), each with --threads threads.",
            int,
        ),
        Flag(
            "backend",
            ("runtime", "backend"),
            ("--backend",),
            "auto (default: CTranslate2 where installed, else torch), torch or ctranslate2 (env SUMMARIZER_BACKEND).",
        ),
        Flag(
            "compute_type",
            ("runtime", "compute_type"),
            ("--compute-type",),
            "CTranslate2 compute type (default int8 on CPU, float16 on CUDA).",
        ),
        Flag(
            "engine",
            ("runtime", "engine"),
            ("--engine",),
            "Where model work runs: local or ray (env SUMMARIZER_ENGINE).",
        ),
        Flag(
            "ray_address",
            ("ray", "address"),
            ("--ray-address",),
            "Ray cluster for --engine ray: auto, HOST:PORT or ray://HOST:10001; empty: a local instance.",
        ),
        Flag("ray_actors", ("ray", "actors"), ("--ray-actors",), "Model actors per model for --engine ray.", int),
    ),
)
CACHE_DIR = (
    Flag(
        "cache_dir",
        ("cache", "dir"),
        ("--cache-dir",),
        "Cache folder (env SUMMARIZER_CACHE_DIR; default ~/.cache/summarizer).",
        Path,
    ),
)
# CACHE_DIR alone (the `cache` and `memory` commands) stays out of any panel: it is their only shared flag.
CACHE = _in(
    RUNTIME_PANEL,
    CACHE_DIR
    + (
        Flag(
            "no_cache", ("cache", "enabled"), ("--no-cache",), "Neither read nor write the cache.", bool, "set", False
        ),
        Flag(
            "refresh",
            ("cache", "refresh"),
            ("--refresh",),
            "Recompute everything; overwrite cached entries.",
            bool,
            "set",
        ),
    ),
)
OUT_DIR = _in(OUTPUT_PANEL, (Flag("out", ("output", "dir"), ("--out", "-o"), "Output folder.", Path),))
OUTPUT = OUT_DIR + _in(
    OUTPUT_PANEL,
    (
        Flag(
            "formats",
            ("output", "formats"),
            ("--format", "-f"),
            "Output formats, comma-separated: html,md,json,jsonl,txt (translate without --out: one of txt,md,json,jsonl to stdout).",
            str,
            "csv",
        ),
    ),
)
QUALITY = _in(
    QUALITY_PANEL,
    (
        Flag(
            "check",
            ("quality", "adequacy"),
            ("--check",),
            "Extra checks on every output, comma-separated: adequacy (embedding similarity to the source), "
            "names (name-mismatch: a name of the source missing or changed; off by default, see QUALITY.md).",
            str,
            "choice",
            ("adequacy", "names"),
        ),
        Flag(
            "no_checks", ("quality", "checks"), ("--no-checks",), "Don't check outputs for quality.", bool, "set", False
        ),
        Flag(
            "no_retry",
            ("quality", "retry"),
            ("--no-retry",),
            "Don't retry flagged translations (neither with stronger decoding nor with the facts protected).",
            bool,
            "set",
            False,
        ),
        Flag(
            "no_protect",
            ("quality", "protect"),
            ("--no-protect",),
            "Don't retry a translation that lost a number, URL or term with those spans protected.",
            bool,
            "set",
            False,
        ),
    ),
)
# `translate`, `digest` and `check`: the terms every translation must render (docs/job-file.md#glossary).
GLOSSARY = _in(
    QUALITY_PANEL,
    (
        Flag(
            "glossary",
            ("glossary", "file"),
            ("--glossary",),
            "Glossary file (.csv: a column per language, the source first; or .tbx): translations that miss a "
            "term's form, or change a kept term, are flagged term-missing.",
            Path,
        ),
    ),
)
ADEQUACY = QUALITY[:1]  # `check` runs the checks by definition: only the optional extra one is a choice
UI = _in(
    OUTPUT_PANEL,
    (
        Flag("quiet", ("ui", "quiet"), ("--quiet", "-q"), "Only errors.", bool, "set"),
        Flag("verbose", ("ui", "verbose"), ("--verbose", "-v"), "Log what happens.", bool, "set"),
    ),
)
# How a summary is made; the same flags for every command that summarizes.
SUMMARY_METHOD = _in(
    SUMMARY_PANEL,
    (
        Flag("method", ("summary", "method"), ("--method",), "Summary method: abstractive, extractive or lead."),
        Flag("sentences", ("summary", "sentences"), ("--sentences",), "Extractive and lead: sentences to keep.", int),
        Flag(
            "long_input",
            ("summary", "long_input"),
            ("--long-input",),
            "Abstractive, input over the model's limit: map-reduce or extract.",
        ),
        Flag(
            "embedding_model",
            ("summary", "embedding_model"),
            ("--embedding-model",),
            "Extractive: 'bundled' (multilingual-e5-small) or a Hugging Face encoder.",
        ),
    ),
)
# `summarizer summarize`: the summary model is the only model, so its flags are unprefixed; the
# `--summary-` spellings of translate and digest work too (hidden).
SUMMARY_ONLY = _in(
    SUMMARY_PANEL,
    (
        Flag(
            "summary_model",
            ("summary", "model"),
            ("--model", "-m"),
            "Summarization model: hub id or local folder. The model flags here are the summary model's, "
            "also spelled as in translate and digest (--summary-model, --summary-num-beams, ...).",
            aliases=("--summary-model",),
        ),
        Flag(
            "summary_revision",
            ("summary", "revision"),
            ("--revision",),
            "Hub revision (branch, tag or commit) of the summarization model.",
        ),
        Flag(
            "max_input_tokens",
            ("summary", "max_input_tokens"),
            ("--max-input-tokens",),
            "Chunk inputs longer than this (default: the model's limit).",
            int,
        ),
    )
    + SUMMARY_METHOD
    + _gen("summary_", "summary_params", "for the summary", alias="summary-"),
)
# `translate` and `digest`: translation flags unprefixed, summary flags prefixed.
SUMMARY = _in(
    SUMMARY_PANEL,
    (
        Flag(
            "summary_model", ("summary", "model"), ("--summary-model",), "Summarization model: hub id or local folder."
        ),
        Flag(
            "summarize",
            ("summary", "enabled"),
            ("--summarize",),
            "Summarize first and translate the summary (one-off use).",
            bool,
            "set",
        ),
        Flag(
            "no_summary",
            ("summary", "enabled"),
            ("--no-summary",),
            "Don't summarize; translate the full text.",
            bool,
            "set",
            False,
        ),
    )
    + SUMMARY_METHOD
    + _gen("summary_", "summary_params", "for the summary", "summary-"),
)
# `summarizer evaluate`: generation settings for whichever model it runs.
GENERATION = _in(MODEL_PANEL, _gen("", "translation_params", "for the model that makes the outputs"))
TRANSLATION = (
    _in(
        TRANSLATION_PANEL,
        (
            Flag("to", ("targets",), ("--to",), "Target languages, comma-separated, e.g. az,ru,ar.", str, "csv"),
            Flag(
                "models",
                ("models",),
                ("--model", "-m"),
                "LANG=MODEL: translation model for one language (repeatable).",
                list,
                "pairs",
            ),
            Flag(
                "revisions",
                ("revisions",),
                ("--revision",),
                "LANG=REVISION: hub branch, tag or commit of one language's model (repeatable).",
                list,
                "pairs",
            ),
            Flag("what", ("", "translate"), ("--what",), "What to translate: summary, full or both."),
        )
        + _gen("", "translation_params", "for translations"),
    )
    + GLOSSARY
)


# `check` and `evaluate`: the languages of the files they read and the model that makes outputs, which
# they pass on themselves (`("measure", key)`: never a job setting). --source-lang and --lang are their
# older spellings.
def _measure_langs(source_help: str, target_help: str) -> tuple[Flag, ...]:
    return _in(
        INPUTS_PANEL,
        (
            Flag("source_lang", ("measure", "source_lang"), ("--from",), source_help, aliases=("--source-lang",)),
            Flag("target_lang", ("measure", "target_lang"), ("--to",), target_help, aliases=("--lang",)),
        ),
    )


CHECK_LANGS = _measure_langs("Language of --src (default en).", "Language of --hyp, e.g. ar (required).")
EVALUATE = _measure_langs(
    "Language of --src (default en); --task summarize: of the articles, references and summaries "
    "(default: detected from the references).",
    "Language of the translations, e.g. ru (--task translate: required); --task summarize: the same as --from.",
) + _in(
    MODEL_PANEL,
    (
        Flag(
            "model",
            ("measure", "model"),
            ("--model", "-m"),
            "Model that makes the outputs without --hyp (--hyp-field): the translation model (--task translate) "
            "or the summarization model (--task summarize).",
        ),
        Flag(
            "summary_model",
            ("summary", "model"),
            ("--summary-model",),
            "--task summarize: the summarization model (the same as --model there).",
        ),
    ),
)


@dataclass(frozen=True)
class RunOptions:
    """What a command line or an API caller sets, shaped like a job file; a key left out is not set.

    `sections` holds tables by name ("" for top-level keys, `summary_params` for `[summary.params]`),
    plus the flag-only `targets`, `models`, `translation_params` and `ui`.
    """

    sections: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_flags(cls, flags: Iterable[Flag], values: Mapping[str, Any]) -> RunOptions:
        """Parse the given flag values (by flag name); unknown names are an error."""
        by_name = {f.name: f for f in flags}
        sections: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in by_name:
                raise ConfigError(f"unknown option {name!r}; known: {', '.join(sorted(by_name))}")
            flag = by_name[name]
            value = flag.parse(raw)
            if value is None:
                continue
            if flag.kind == "choice":  # several settings of one section
                sections.setdefault(flag.path[0], {}).update(value)
            elif len(flag.path) == 1:
                sections[flag.path[0]] = value
            else:
                sections.setdefault(flag.path[0], {})[flag.path[1]] = value
        return cls(sections)

    @classmethod
    def of(cls, inputs: Iterable[str] | None = None, **values: Any) -> RunOptions:
        """The API's way in: the same names as the CLI flags (`out`, `cache_dir`, `device`, `to`, ...),
        plus `inputs`, the paths the CLI takes as arguments."""
        options = cls.from_flags(ALL_FLAGS, values)
        return options if inputs is None else options.with_value("", "inputs", tuple(inputs))

    def get(self, section: str, key: str | None = None, default: Any = None) -> Any:
        table = self.sections.get(section)
        if key is None:
            return default if table is None else table
        return default if not isinstance(table, Mapping) else table.get(key, default)

    def table(self, section: str) -> dict[str, Any]:
        value = self.sections.get(section, {})
        return dict(value) if isinstance(value, Mapping) else {}

    def with_value(self, section: str, key: str | None, value: Any) -> RunOptions:
        """A copy with one value set (`key` None sets a flag-only place such as `targets`)."""
        sections = dict(self.sections)
        if key is None:
            sections[section] = value
        else:
            sections[section] = {**self.table(section), key: value}
        return RunOptions(sections)

    def over(self, defaults: RunOptions) -> RunOptions:
        """These options, with `defaults` filling whatever they leave out."""
        merged: dict[str, Any] = {}
        for name in {*defaults.sections, *self.sections}:
            mine, theirs = self.sections.get(name), defaults.sections.get(name)
            if isinstance(mine, Mapping) and isinstance(theirs, Mapping):
                merged[name] = {**theirs, **mine}
            else:
                merged[name] = mine if name in self.sections else theirs
        return RunOptions(merged)


def _all_flags() -> tuple[Flag, ...]:
    seen: dict[str, Flag] = {}
    for flag in INPUT + RUNTIME + CACHE + OUTPUT + QUALITY + UI + SUMMARY_ONLY + SUMMARY + TRANSLATION:
        seen.setdefault(flag.name, flag)
    return tuple(seen.values())


ALL_FLAGS = _all_flags()


def spelling(section: str, key: str) -> str | None:
    """The flag that sets `key` of `section` (`--what` for the top-level `translate`), if any."""
    for flag in ALL_FLAGS:
        if flag.path == (section, key) or flag.path == (section,) and key is None:
            return flag.spelling
    return None
