"""Resolving a job: strict reading of TOML job files, and the one merge that turns defaults, a job file,
the environment and flags into `JobSettings`, in that order (a flag beats the environment, which beats
the file, which beats the default). Every folder and environment variable is resolved here and only here.
"""

from __future__ import annotations

import os
import sys
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError, UnknownLanguageError
from ..languages import AUTO, NLLB_CODES, check_language_code, language_tag, same_language
from ..models.catalogue import pair_model, uncovered_pair
from ..options import (
    SUMMARY_DEFAULTS,
    CacheOptions,
    FeedOptions,
    GenerationParams,
    Glossary,
    JobSettings,
    OutputOptions,
    QualityOptions,
    RayOptions,
    RuntimeOptions,
    SummaryOptions,
    TargetOptions,
    default_cache_dir,
)
from .flags import RunOptions, spelling

# The tables of a job file; its top-level settings are JobSettings' other fields (see resolve_job).
_TABLES = {
    "inputs": list,
    "targets": list | dict,
    "summary": dict,
    "runtime": dict,
    "output": dict,
    "cache": dict,
    "quality": dict,
    "ray": dict,
    "glossary": dict,
    "feeds": dict,
}
_TARGET_KEYS = {"model": str, "revision": str, "target_token": str, "params": dict}


@dataclass(frozen=True)
class _Source:
    """Where config values come from: the file (for messages) and the folder its paths are relative to."""

    file: str
    base: Path

    @classmethod
    def of(cls, config_path: str | Path | None) -> _Source:
        if config_path is None:
            return cls("command line", Path.cwd())
        return cls(str(config_path), Path(config_path).resolve().parent)

    def path(self, value: str | Path) -> Path:
        return self.base / Path(value).expanduser()

    def model(self, value: str) -> str:
        """A model named in the file: a folder relative to the file when it looks like one, else a hub id."""
        if Path(value).expanduser().is_absolute():
            return value
        candidate = self.base / value
        if value.startswith(("./", "../", ".\\", "..\\")) or candidate.exists():
            return str(candidate)
        return value


# ---- strict TOML ------------------------------------------------------------------------------


MAX_CONFIG_BYTES = 1_000_000  # a job file is a few KB


def read_toml(path: str | Path) -> dict[str, Any]:
    """A job file's tables. It must be a regular file (a FIFO would block forever, /dev/zero never end)
    of at most MAX_CONFIG_BYTES, read with a bounded read: the rules inputs follow."""
    from ..inputs.reading import check_regular_file

    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{path}: is a folder, expected a TOML job file")
    if not p.exists():
        raise ConfigError(f"{path}: no such config file")
    try:
        check_regular_file(str(p), sys.maxsize)  # its kind; its size is what the bounded read finds
        with p.open("rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)  # the cap holds even if the file grew since the check
    except InputError as exc:
        raise ConfigError(f"{exc} (--config takes a TOML job file)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: can't be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: over the {MAX_CONFIG_BYTES / 1e6:g} MB limit for a job file (they are a few KB); "
            "is this the right file?"
        )
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: can't be read ({exc})") from None


def _type_name(tp: Any) -> str:
    args = typing.get_args(tp)
    if args and typing.get_origin(tp) is not tuple:
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    names = {str: "a string", int: "an integer", bool: "true/false", float: "a number", list: "a list"}
    names.update({dict: "a table", Path: "a path string", tuple: "a list"})
    return names.get(typing.get_origin(tp) or tp, getattr(tp, "__name__", str(tp)))


def _matches(value: Any, tp: Any) -> bool:
    """Does a TOML value fit a field type (`int | None`, `Path`, `tuple[str, ...]`, ...)?"""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, type(int | None)):
        return any(_matches(value, arg) for arg in typing.get_args(tp) if arg is not type(None))
    if origin is tuple or tp is list:
        inner = (typing.get_args(tp) or (Any,))[0]
        return isinstance(value, list) and all(inner is Any or _matches(v, inner) for v in value)
    if tp is Path:
        return isinstance(value, str)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _check(table: Any, schema: Mapping[str, Any], where: str, file: str) -> dict[str, Any]:
    """`table` if every key is known and every value has its type; else a ConfigError naming both."""
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {where.rstrip('.')} must be a table, got {table!r}")
    for key, value in table.items():
        if key not in schema:
            raise ConfigError(f"{file}: unknown key {where}{key!r}; expected one of: {', '.join(sorted(schema))}")
        if not _matches(value, schema[key]):
            raise ConfigError(
                f"{file}: {where}{key} must be {_type_name(schema[key])}, got {type(value).__name__} {value!r}"
            )
    return table


def _is_path(tp: Any) -> bool:
    """`Path` or `Path | None`: a setting whose text is a path (relative to the config file)."""
    return tp is Path or (Path in typing.get_args(tp) and set(typing.get_args(tp)) <= {Path, type(None)})


def _schema(cls: type, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if f.name not in exclude}


# ---- one small function per section -----------------------------------------------------------


def _values(cls: type, table: Any, flags: Mapping[str, Any], src: _Source, where: str, exclude=()) -> dict[str, Any]:
    """One section's settings from its TOML table, then its environment variables, then its flags."""
    schema = _schema(cls, exclude)
    values: dict[str, Any] = {}
    for key, value in _check(table or {}, schema, f"{where}." if where else "", src.file).items():
        tp = schema[key]
        values[key] = src.path(value) if _is_path(tp) else tuple(value) if isinstance(value, list) else value
    for f in fields(cls):
        var = f.metadata.get("env")
        if var and os.environ.get(var):  # an empty variable counts as unset
            values[f.name] = Path(os.environ[var]).expanduser() if _is_path(schema[f.name]) else os.environ[var]
    values.update({k: Path(v) if _is_path(schema.get(k)) and isinstance(v, str) else v for k, v in flags.items()})
    return values


def _build(cls: type, values: Mapping[str, Any], flags: Mapping[str, Any], src: _Source, where: str) -> Any:
    """`cls(**values)`; a value it refuses is reported where it came from: the flag, or the file's key."""
    try:
        return cls(**values)
    except ConfigError as exc:
        if exc.key is not None and exc.key in flags:
            raise ConfigError(f"{spelling(where, exc.key) or exc.key}: {exc}", key=exc.key) from None
        raise ConfigError(f"{src.file}: {where + '.' if where else ''}{exc}", key=exc.key) from None


def _section(cls: type, table: Any, flags: Mapping[str, Any], src: _Source, where: str, exclude=()) -> Any:
    """A section dataclass from its TOML table, its environment variables and its flags, in that order."""
    return _build(cls, _values(cls, table, flags, src, where, exclude), flags, src, where)


def _runtime(table: Any, options: RunOptions, src: _Source) -> RuntimeOptions:
    return _section(RuntimeOptions, table, options.table("runtime"), src, "runtime")


def _cache(table: Any, options: RunOptions, src: _Source) -> CacheOptions:
    cache = _section(CacheOptions, table, options.table("cache"), src, "cache")
    folder = cache.dir if cache.dir is not None else default_cache_dir()
    return replace(cache, dir=Path(os.path.abspath(folder.expanduser())))


def _output(table: Any, options: RunOptions, src: _Source) -> OutputOptions:
    from ..options import check_formats

    output = _section(OutputOptions, table, options.table("output"), src, "output")
    where = "--format" if "formats" in options.table("output") else f"{src.file}: output.formats"
    return replace(output, formats=check_formats(output.formats, where=where))


def _summary(table: Any, options: RunOptions, src: _Source) -> SummaryOptions | None:
    table = dict(_check(table or {}, {**_schema(SummaryOptions), "params": dict}, "summary.", src.file))
    params = GenerationParams.from_mapping(
        table.pop("params", {}), base=SUMMARY_DEFAULTS, where=f"{src.file}: summary.params"
    )
    if options.table("summary_params"):
        params = GenerationParams.from_mapping(options.table("summary_params"), base=params, where="summary options")
    if "model" in table:
        table["model"] = src.model(table["model"])
    flags = options.table("summary")
    if "model" in flags:
        table.pop("revision", None)  # a model from the command line replaces the file's model and its revision
    summary = _section(SummaryOptions, table, flags, _Source(src.file, Path("/")), "summary", exclude=("params",))
    return replace(summary, params=params) if summary.enabled else None


def _config_targets(raw: Any, src: _Source) -> list[TargetOptions]:
    if isinstance(raw, list):
        for i, lang in enumerate(raw):
            if not isinstance(lang, str):
                raise ConfigError(f"{src.file}: targets[{i}] must be a language code string, got {lang!r}")
        return [TargetOptions(lang=lang) for lang in raw]
    targets = []
    for lang, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{src.file}: targets.{lang} must be a table (for example [targets.{lang}]), got {table!r}"
            )
        table = dict(_check(table, _TARGET_KEYS, f"targets.{lang}.", src.file))
        where = f"{src.file}: targets.{lang}.params"
        params = GenerationParams.from_mapping(table.pop("params", {}), base=TargetOptions.params, where=where)
        if "model" in table:
            table["model"] = src.model(table["model"])
        targets.append(TargetOptions(lang=lang, params=params, **table))
    return targets


def _targets(raw: Any, options: RunOptions, src: _Source) -> tuple[TargetOptions, ...]:
    from_config = _config_targets(raw, src)
    wanted = options.get("targets")
    if wanted is not None:
        by_lang = {t.lang: t for t in from_config}
        from_config = [by_lang.get(lang, TargetOptions(lang=lang)) for lang in wanted]
    models = options.get("models") or {}
    revisions = options.get("revisions") or {}
    for flag, given in (("--model", models), ("--revision", revisions)):
        unknown = [lang for lang in given if lang not in {t.lang for t in from_config}]
        if unknown:
            listed = ", ".join(t.lang for t in from_config) or "none"
            raise ConfigError(
                f"{flag} {unknown[0]}=...: {unknown[0]!r} is not a target of this job (targets: {listed})"
            )
    _check_codes([t.lang for t in from_config], src)
    flag_params = options.table("translation_params")
    targets: list[TargetOptions] = []
    for t in from_config:
        if t.lang in models:
            t = replace(t, model=models[t.lang], revision=None)
        if t.lang in revisions:
            t = replace(t, revision=revisions[t.lang])
        if t.model is None and t.lang not in NLLB_CODES:
            known = ", ".join(sorted(NLLB_CODES))
            raise UnknownLanguageError(
                f"{src.file}: targets: unknown language {t.lang!r}; known: {known}, or give a model for it"
            )
        if flag_params:
            t = replace(
                t, params=GenerationParams.from_mapping(flag_params, base=t.params, where="translation options")
            )
        targets.append(t)
    return tuple(targets)


def _check_codes(codes: list[str], src: _Source) -> None:
    """Codes become file names and `lang` attributes: each must be well formed and name another language."""
    tags: dict[str, str] = {}
    for code in codes:
        check_language_code(code, where=f"{src.file}: targets")
        tag = language_tag(code).lower()
        if tag in tags:
            same = "is listed twice" if tags[tag] == code else f"and {tags[tag]!r} are the same language ({tag})"
            raise ConfigError(f"{src.file}: target language {code!r} {same}")
        tags[tag] = code


def _check_pairs(settings: JobSettings, src: _Source, *, from_flag: bool) -> None:
    """With a fixed source language, every target without a model must be a pair the registry covers
    (or the source language itself, which is not translated): one line before anything runs. With
    `auto` the pairs are known only as articles are read, and an uncovered one fails that article."""
    source = settings.source_lang
    if source == AUTO:
        return
    for t in settings.targets:
        if t.model is None and not same_language(source, t.lang) and pair_model(source, t.lang) is None:
            where = "--from" if from_flag else f"{src.file}: source_lang ="
            raise UnknownLanguageError(f"{where} {source}: {uncovered_pair(source, t.lang)}")


def _inputs(raw: Any, options: RunOptions, src: _Source) -> tuple[str, ...]:
    """Paths from the command line are taken as given; the file's paths and globs are relative to it, and
    its http(s) URLs (a feed or a page) are inputs as they are: fetched when the job runs, never globbed."""
    from ..inputs.paths import expand_paths
    from ..inputs.web import is_url

    given = options.get("", "inputs")
    if given:
        return tuple(given)
    patterns = [raw] if isinstance(raw, str) else list(raw or [])
    found: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise ConfigError(f"{src.file}: inputs must be a list of path or glob strings")
        if is_url(pattern.strip()):
            if pattern.strip() not in found:
                found.append(pattern.strip())
            continue
        full = pattern if os.path.isabs(pattern) else os.path.normpath(src.path(pattern))
        try:
            found += [p for p in expand_paths([full]) if p not in found]
        except InputError:
            raise ConfigError(
                f"{src.file}: inputs entry {pattern!r} matches no file (relative to {src.base})"
            ) from None
    return tuple(found)


def _glossary(table: Any, options: RunOptions, src: _Source) -> Glossary | None:
    """`[glossary]`'s inline terms merged with a glossary file: `--glossary` (relative to the working
    folder) replaces the table's `file` (relative to the job file)."""
    from ..quality.glossary import load_glossary

    table = dict(table or {})
    named = table.pop("file", None)
    if named is not None and (not isinstance(named, str) or not named.strip()):
        raise ConfigError(f"{src.file}: glossary.file must be a path string (a .csv or .tbx file), got {named!r}")
    flag = options.get("glossary", "file")
    path = Path(flag).expanduser() if flag is not None else src.path(named) if named is not None else None
    return load_glossary(table, where=f"{src.file}: [glossary]", file=path)


def _check_glossary(settings: JobSettings, src: _Source, *, from_flag: bool) -> None:
    """A glossary's terms are in one language: a job whose articles are in another would never find them."""
    glossary, source = settings.glossary, settings.source_lang
    if glossary is not None and source != AUTO and not same_language(source.split("-")[0], glossary.source_lang):
        where = "--from" if from_flag else f"{src.file}: source_lang ="
        raise ConfigError(
            f"{where} {source}: the glossary ({glossary.origin}) has {glossary.source_lang} terms, which "
            f"{source} articles never contain; give a glossary whose first column is {source}"
        )


# ---- the merge -----------------------------------------------------------------------------------


_SECTIONS = (
    "inputs",
    "targets",
    "summary",
    "runtime",
    "cache",
    "output",
    "quality",
    "ray",
    "glossary",
    "feeds",
    "config_path",
)


def resolve_job(config_path: str | Path | None = None, options: RunOptions | None = None) -> JobSettings:
    """The whole job from an optional TOML file and the flags (see the module docstring)."""
    options = options or RunOptions()
    src = _Source.of(config_path)
    config = read_toml(config_path) if config_path is not None else {}
    if "inputs" in config and isinstance(config["inputs"], str):
        config["inputs"] = [config["inputs"]]
    if isinstance(config.get("inputs"), list) and any(not isinstance(x, str) for x in config["inputs"]):
        raise ConfigError(f"{src.file}: inputs must be a list of path or glob strings")
    _check(config, {**_TABLES, **_schema(JobSettings, exclude=_SECTIONS)}, "", src.file)
    top = {k: v for k, v in config.items() if k not in _SECTIONS and not isinstance(v, dict)}
    flags = {k: v for k, v in options.table("").items() if k != "inputs"}
    values = _values(JobSettings, top, flags, src, "", exclude=_SECTIONS)
    values.update(
        inputs=_inputs(config.get("inputs"), options, src),
        summary=_summary(config.get("summary"), options, src),
        targets=_targets(config.get("targets", []), options, src),
        runtime=_runtime(config.get("runtime"), options, src),
        cache=_cache(config.get("cache"), options, src),
        output=_output(config.get("output"), options, src),
        quality=_section(QualityOptions, config.get("quality"), options.table("quality"), src, "quality"),
        ray=_section(RayOptions, config.get("ray"), options.table("ray"), src, "ray"),
        glossary=_glossary(config.get("glossary"), options, src),
        feeds=_section(FeedOptions, config.get("feeds"), options.table("feeds"), src, "feeds"),
        config_path=Path(config_path) if config_path is not None else None,
    )
    settings = _build(JobSettings, values, flags, src, "")
    _check_pairs(settings, src, from_flag="source_lang" in flags)
    _check_glossary(settings, src, from_flag="source_lang" in flags)
    if settings.summary is None and not settings.targets:
        raise ConfigError(f"{src.file}: nothing to do: no target languages and the summary is off; add targets (--to)")
    return settings


def resolve_cache(options: RunOptions | None = None) -> CacheOptions:
    """The cache settings of a command that runs no job (`summarizer cache ...`)."""
    return _cache({}, options or RunOptions(), _Source.of(None))


def resolve_runtime(options: RunOptions | None = None) -> RuntimeOptions:
    """The runtime settings of a single API call: environment and defaults (and `options`, if given)."""
    return _runtime({}, options or RunOptions(), _Source.of(None))


def resolve_ray(options: RunOptions | None = None) -> RayOptions:
    """The Ray settings of a single API call: environment and defaults (and `options`, if given)."""
    return _section(RayOptions, {}, (options or RunOptions()).table("ray"), _Source.of(None), "ray")
