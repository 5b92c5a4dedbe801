"""Job settings: the dataclasses a Pipeline runs on, and strict loading of TOML job files.

Every setting is resolved in one place (`resolve_job`), in one order: flag > environment > config file > default.
"""

from __future__ import annotations

import glob
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import ConfigError, UnknownLanguageError
from .languages import LANGUAGES
from .models import SUMMARY_DEFAULTS, TRANSLATION_DEFAULTS, GenerationParams, Runtime

from .outputs import FORMATS
TRANSLATE_WHAT = ("summary", "full", "both")


@dataclass(frozen=True)
class SummarySettings:
    model: str
    revision: str | None = None
    params: GenerationParams = SUMMARY_DEFAULTS
    max_input_tokens: int | None = None  # lower than the model's own limit, e.g. to force chunking


@dataclass(frozen=True)
class TargetSettings:
    lang: str
    model: str | None = None  # None: the registry's default for `lang`
    revision: str | None = None
    target_token: str | None = None
    params: GenerationParams = TRANSLATION_DEFAULTS


@dataclass(frozen=True)
class JobSettings:
    inputs: tuple[str, ...] = ()
    source_lang: str = "en"
    translate: str = "summary"  # summary | full | both
    summary: SummarySettings | None = None  # None: no summarization, translate the full text
    targets: tuple[TargetSettings, ...] = ()
    runtime: Runtime = field(default_factory=Runtime)
    out_dir: Path = Path("out")
    formats: tuple[str, ...] = FORMATS
    cache_dir: Path = Path("cache")
    use_cache: bool = True
    refresh: bool = False
    window: int = 16  # articles whose sentences are translated together
    config_path: Path | None = None

    def target(self, lang: str) -> TargetSettings:
        for t in self.targets:
            if t.lang == lang:
                return t
        raise ConfigError(f"{lang!r} is not a target of this job")


# ---- strict TOML loading -------------------------------------------------------------------

_TOP_KEYS = {"inputs": (list, str), "source_lang": str, "translate": str, "targets": (list, dict), "summary": dict, "runtime": dict, "output": dict, "cache": dict}
_SUMMARY_KEYS = {"model": str, "revision": str, "enabled": bool, "max_input_tokens": int, "params": dict}
_TARGET_KEYS = {"model": str, "revision": str, "target_token": str, "params": dict}
_RUNTIME_KEYS = {"device": str, "dtype": str, "threads": int, "batch_size": int, "backend": str, "compute_type": str, "window": int}
_OUTPUT_KEYS = {"dir": str, "formats": list}
_CACHE_KEYS = {"dir": str, "enabled": bool}


def _type_name(t) -> str:
    if isinstance(t, tuple):
        return " or ".join(_type_name(x) for x in t)
    return {str: "a string", int: "an integer", bool: "true/false", list: "a list", dict: "a table"}.get(t, t.__name__)


def _check(table: Mapping[str, Any], schema: Mapping[str, Any], where: str, file: str) -> None:
    for key, value in table.items():
        if key not in schema:
            raise ConfigError(f"{file}: unknown key {where}{key!r}; expected one of: {', '.join(sorted(schema))}")
        expected = schema[key]
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{file}: {where}{key} must be {_type_name(expected)}, got {type(value).__name__} {value!r}")


def read_toml(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{path}: is a folder, expected a TOML job file")
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: can't be read ({exc})") from None


def _params(values: Mapping[str, Any], base: GenerationParams, where: str, file: str) -> GenerationParams:
    return GenerationParams.from_mapping(values, base=base, where=f"{file}: {where}")


def _targets_from_config(raw: Any, file: str) -> list[TargetSettings]:
    targets = []
    if isinstance(raw, list):
        for i, lang in enumerate(raw):
            if not isinstance(lang, str):
                raise ConfigError(f"{file}: targets[{i}] must be a language code string, got {lang!r}")
            targets.append(TargetSettings(lang=lang))
    else:
        for lang, table in raw.items():
            if not isinstance(table, dict):
                raise ConfigError(f"{file}: targets.{lang} must be a table (for example [targets.{lang}]), got {table!r}")
            _check(table, _TARGET_KEYS, f"targets.{lang}.", file)
            params = _params(table.get("params", {}), TRANSLATION_DEFAULTS, f"targets.{lang}.params", file)
            targets.append(TargetSettings(lang=lang, model=table.get("model"), revision=table.get("revision"), target_token=table.get("target_token"), params=params))
    return targets


def _resolve_inputs(patterns: Sequence[str], base: Path, file: str) -> tuple[str, ...]:
    out: list[str] = []
    for pattern in patterns:
        full = os.path.normpath(pattern if os.path.isabs(pattern) else str(base / pattern))
        matches = sorted(glob.glob(full, recursive=True)) if any(c in pattern for c in "*?[") else ([full] if os.path.exists(full) else [])
        if not matches:
            raise ConfigError(f"{file}: inputs entry {pattern!r} matches no file (relative to {base})")
        out.extend(m for m in matches if m not in out)
    return tuple(out)


def resolve_job(
    config: Mapping[str, Any] | None = None,
    *,
    config_path: str | Path | None = None,
    inputs: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    models: Mapping[str, str] | None = None,
    summary_model: str | None = None,
    summary_revision: str | None = None,
    max_input_tokens: int | None = None,
    no_summary: bool = False,
    translate: str | None = None,
    out_dir: str | Path | None = None,
    formats: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    no_cache: bool = False,
    refresh: bool = False,
    runtime: Mapping[str, Any] | None = None,
    summary_params: Mapping[str, Any] | None = None,
    translation_params: Mapping[str, Any] | None = None,
) -> JobSettings:
    """Build JobSettings from a parsed config plus flags. Flag > environment > config > default."""
    from .cache import resolve_cache_dir
    from .summarization import DEFAULT_SUMMARY_MODEL

    config = dict(config or {})
    file = str(config_path) if config_path else "command line"
    base = Path(config_path).resolve().parent if config_path else Path.cwd()
    _check(config, _TOP_KEYS, "", file)
    summary_t = config.get("summary", {})
    runtime_t = config.get("runtime", {})
    output_t = config.get("output", {})
    cache_t = config.get("cache", {})
    _check(summary_t, _SUMMARY_KEYS, "summary.", file)
    _check(runtime_t, _RUNTIME_KEYS, "runtime.", file)
    _check(output_t, _OUTPUT_KEYS, "output.", file)
    _check(cache_t, _CACHE_KEYS, "cache.", file)

    # inputs: flag paths are taken as given (relative to cwd); config globs are relative to the file.
    if inputs:
        resolved_inputs = tuple(inputs)
    else:
        raw = config.get("inputs", [])
        patterns = [raw] if isinstance(raw, str) else raw
        if any(not isinstance(x, str) for x in patterns):
            raise ConfigError(f"{file}: inputs must be a list of path or glob strings")
        resolved_inputs = _resolve_inputs(patterns, base, file) if patterns else ()

    source_lang = config.get("source_lang", "en")
    what = translate or config.get("translate", "summary")
    if what not in TRANSLATE_WHAT:
        raise ConfigError(f"{file}: translate must be one of {', '.join(TRANSLATE_WHAT)}, got {what!r}")

    # summary
    summary = None
    if not no_summary and summary_t.get("enabled", True):
        params = _params(summary_t.get("params", {}), SUMMARY_DEFAULTS, "summary.params", file)
        if summary_params:
            params = GenerationParams.from_mapping(summary_params, base=params, where="summary options")
        max_in = max_input_tokens or summary_t.get("max_input_tokens")
        if max_in is not None and max_in < 16:
            raise ConfigError(f"{file}: summary.max_input_tokens must be at least 16, got {max_in}")
        # A model given on the command line replaces the config's model and its revision.
        revision = summary_revision if summary_model or summary_revision else summary_t.get("revision")
        summary = SummarySettings(model=summary_model or summary_t.get("model", DEFAULT_SUMMARY_MODEL), revision=revision, params=params, max_input_tokens=max_in)

    # targets
    if targets is not None:
        target_list = [TargetSettings(lang=t) for t in targets]
        from_config = {t.lang: t for t in _targets_from_config(config.get("targets", []), file)}
        target_list = [from_config.get(t.lang, t) for t in target_list]
    else:
        target_list = _targets_from_config(config.get("targets", []), file)
    models = dict(models or {})
    for lang in models:
        if lang not in {t.lang for t in target_list}:
            raise ConfigError(f"--model {lang}=...: {lang!r} is not a target of this job (targets: {', '.join(t.lang for t in target_list) or 'none'})")
    final_targets = []
    seen = set()
    for t in target_list:
        if t.lang in seen:
            raise ConfigError(f"{file}: target language {t.lang!r} is listed twice")
        seen.add(t.lang)
        if t.lang in models:
            # A model given on the command line replaces the config's model and its revision.
            t = TargetSettings(lang=t.lang, model=models[t.lang], target_token=t.target_token, params=t.params)
        if t.model is None and t.lang not in LANGUAGES:
            raise UnknownLanguageError(f"{file}: targets: unknown language {t.lang!r}; known: {', '.join(sorted(LANGUAGES))}, or give a model for it")
        if translation_params:
            t = TargetSettings(lang=t.lang, model=t.model, revision=t.revision, target_token=t.target_token, params=GenerationParams.from_mapping(translation_params, base=t.params, where="translation options"))
        final_targets.append(t)

    # runtime: flag > environment > config > default
    rt: dict[str, Any] = {k: v for k, v in runtime_t.items() if k != "window"}
    for key, env in (("device", "SUMMARIZER_DEVICE"), ("backend", "SUMMARIZER_BACKEND")):
        if os.environ.get(env):
            rt[key] = os.environ[env]
    rt.update({k: v for k, v in (runtime or {}).items() if v is not None})
    valid = {f.name for f in fields(Runtime)}
    try:
        runtime_obj = Runtime(**{k: v for k, v in rt.items() if k in valid})
    except ConfigError as exc:
        raise ConfigError(f"{file}: runtime: {exc}") from None

    fmts = tuple(formats) if formats else tuple(output_t.get("formats", FORMATS))
    for f in fmts:
        if f not in FORMATS:
            raise ConfigError(f"{file}: output.formats: unknown format {f!r}; expected some of {', '.join(FORMATS)}")
    out = Path(out_dir) if out_dir else (base / output_t["dir"] if "dir" in output_t else Path("out"))
    cfg_cache = (base / cache_t["dir"]) if "dir" in cache_t else None
    return JobSettings(
        inputs=resolved_inputs,
        source_lang=source_lang,
        translate=what,
        summary=summary,
        targets=tuple(final_targets),
        runtime=runtime_obj,
        out_dir=out,
        formats=fmts,
        cache_dir=resolve_cache_dir(cache_dir, cfg_cache),
        use_cache=not no_cache and cache_t.get("enabled", True),
        refresh=refresh,
        window=runtime_t.get("window", 16),
        config_path=Path(config_path) if config_path else None,
    )


def load_job(path: str | Path, **overrides) -> JobSettings:
    """Read a TOML job file and apply command-line overrides."""
    return resolve_job(read_toml(path), config_path=path, **overrides)
