"""`memory export | import | list | remove`: editors' translations, kept in the cache database, that win over
any model for an exact source match (see docs/memory.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..config.flags import CACHE_DIR, RunOptions
from ..errors import ConfigError
from .base import AsJson, command, interactive, printable, say

if TYPE_CHECKING:
    from ..output.files import OutputGuard

memory_app = typer.Typer(
    help="Translation memory: export translations for a CAT tool, import the edited file, list and remove.",
    no_args_is_help=True,
)

To = Annotated[str | None, typer.Option("--to", help="Target language, e.g. ru.", show_default=False)]
From = Annotated[str | None, typer.Option("--from", help="Source language, e.g. en.", show_default=False)]


@command(memory_app, "export", CACHE_DIR)
def memory_export(
    digests: Annotated[
        list[Path],
        typer.Argument(help="JSON digests, or job folders (their *.json but index.json).", show_default=False),
    ],
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Target language to export (needed when the digests have several).", show_default=False
        ),
    ] = None,
    from_: From = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="xliff (XLIFF 2.0) or tmx (TMX 1.4).")] = "xliff",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default memory.LANG.xlf or .tmx here).", show_default=False),
    ] = None,
    *,
    opts: RunOptions,
) -> None:
    """Write a job's translations into one language as XLIFF 2.0 or TMX, quality flags as notes, for a CAT tool."""
    from ..cache import Cache, HumanTranslation
    from ..config.merge import resolve_cache
    from ..errors import CacheError
    from ..output.files import atomic_write_text
    from ..output.render.memory import FORMATS, export_segments, load_digests, render_memory

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt}: the translation memory is written as {' or '.join(FORMATS)}")
    loaded = load_digests(digests)
    source, target, segments = export_segments(loaded, to, from_)
    path = out if out is not None else Path(f"memory.{target}.{FORMATS[fmt]}")
    guard = _memory_out(path, [p for p, _ in loaded])
    text = render_memory(segments, source, target, fmt)
    # What the editor is given, so that `memory import` tells an edited segment from an untouched one.
    try:
        with Cache(resolve_cache(opts).dir) as cache:
            cache.put_exported([HumanTranslation(source, target, s.source, s.target) for s in segments])
    except CacheError as err:
        say(f"{err}; `memory import` can't tell unchanged segments from edited ones unless given --digests")
    atomic_write_text(path, text, guard=guard)
    flagged = sum(any(c == "quality" for c, _ in s.notes) for s in segments)
    typer.echo(printable(f"{path}: {len(segments)} segments {source} -> {target} ({flagged} with quality notes)"))


def _memory_out(path: Path, digests: list[Path]) -> OutputGuard:
    """The guard `--out` is written through (see docs/limits.md: no output replaces an input or a file this
    tool did not write), after refusing to put a memory file in place of another output of this tool."""
    from ..inputs.reading import Input
    from ..output.files import OutputGuard, is_own_output

    guard = OutputGuard(path.parent, [Input(str(d), str(d), d.stem) for d in digests])
    guard.check([path.name])
    if path.is_file() and not path.is_symlink() and is_own_output(path):
        with open(path, "rb") as f:
            head = f.read(4096)
        if b"<xliff" not in head and b"<tmx" not in head:
            raise ConfigError(
                f"--out {path} is a digest or another output of summarizer, not a memory file, so it is never "
                "replaced by one; choose another --out"
            )
    return guard


@command(memory_app, "import", CACHE_DIR)
def memory_import(
    file: Annotated[
        Path, typer.Argument(help="The XLIFF (2.0 or 1.2) or TMX file an editor saved.", show_default=False)
    ],
    from_: From = None,
    to: To = None,
    digests: Annotated[
        list[Path] | None,
        typer.Option(
            "--digests",
            help="The job's JSON digests or folder: every segment's source must be one of their sentences, and "
            "a segment still as they translate it is unchanged.",
        ),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Store every segment, unchanged ones too: the file is wholly human.", metavar=""),
    ] = False,
    *,
    opts: RunOptions,
) -> None:
    """Store what an editor changed or marked final (all of it with --all) as human translations; none when a
    segment is bad."""
    from ..cache import Cache
    from ..config.merge import resolve_cache
    from ..output.render.memory import digest_sentences, digest_translations, edited, load_digests, read_memory_file

    loaded = load_digests(digests) if digests else []
    sentences = digest_sentences(loaded) if digests else None
    segments = read_memory_file(file, source_lang=from_, target_lang=to, sentences=sentences)
    with Cache(resolve_cache(opts).dir) as cache:

        def exported(source_lang: str, target: str, sources):
            # The digests say what the job gave the editor; else the last export recorded it.
            known = cache.exported_for(sources, source_lang, target)
            return {**known, **digest_translations(loaded, source_lang, target)} if loaded else known

        if all_:
            store, skipped = [s.entry for s in segments], 0
        else:
            store, skipped = edited(segments, exported)
        stored = cache.put_human(store)
    pairs = sorted({f"{s.entry.source_lang} -> {s.entry.target_lang}" for s in segments})
    typer.echo(printable(f"{file}: {stored} stored, {skipped} unchanged skipped ({', '.join(pairs)})"))
    if skipped:
        say("unchanged segments are left to the models; mark them final in the CAT tool, or import with --all")


@command(memory_app, "list", CACHE_DIR)
def memory_list(to: To = None, from_: From = None, as_json: AsJson = False, *, opts: RunOptions) -> None:
    """The stored human translations (reads only)."""
    from dataclasses import asdict

    from ..cache import DB_NAME, Cache
    from ..config.merge import resolve_cache

    directory = resolve_cache(opts).dir
    entries = []
    if (directory / DB_NAME).exists():
        with Cache(directory, readonly=True) as cache:
            entries = cache.list_human(to, from_)
    if as_json:
        typer.echo(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        typer.echo("no human translations stored" + (f" into {to}" if to else ""))
        return
    for e in entries:
        typer.echo(printable(f"{e.source_lang} -> {e.target_lang}  {e.source}  =>  {e.target}  [{e.origin}]"))


@command(memory_app, "remove", CACHE_DIR)
def memory_remove(
    to: Annotated[str, typer.Option("--to", help="Target language whose human translations to remove.")],
    from_: From = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="The source sentence whose translation to remove (repeatable).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Remove every one into --to.", metavar="")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask before --all.", metavar="")] = False,
    *,
    opts: RunOptions,
) -> None:
    """Remove human translations: --source TEXT, or --all of one language (the models translate them again)."""
    from ..cache import DB_NAME, Cache
    from ..config.merge import resolve_cache
    from ..languages import plural

    if bool(source) == all_:
        raise ConfigError("memory remove: give --source TEXT (repeatable) or --all, one of them")
    directory = resolve_cache(opts).dir
    if not (directory / DB_NAME).exists():
        typer.echo(f"no cache at {directory / DB_NAME}: nothing to remove")
        return
    if all_ and not yes and interactive():
        typer.confirm(f"remove every human translation into {to}?", abort=True)
    with Cache(directory) as cache:
        removed = cache.remove_human(to, sources=None if all_ else source, source_lang=from_)
    say(f"removed {plural(removed, 'human translation')} into {to}")
