"""Naming and resolving seq2seq models: hub ids, local folders, their identity and limits.

Resolution (`resolve_model`) never imports torch, so a fully cached job never loads weights;
loading is `backends.get_backend`, which keeps loaded models per process and options.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    ConfigError,
    ModelError,
    ModelUnavailableError,
    RefusedModelError,
    SummarizerError,
    UnknownLanguageError,
)
from ..languages import LANGUAGES, check_language_code
from ..options import GenerationParams
from ..results import ModelInfo
from .standin.marker import is_stand_in

if TYPE_CHECKING:
    from ..options import JobSettings

log = logging.getLogger(__name__)

WEIGHT_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = ("tokenizer.json", "source.spm", "spiece.model", "sentencepiece.bpe.model", "vocab.json")
# Files that define a model's behaviour; their bytes make up a local folder's fingerprint.
_IGNORED_FOR_FINGERPRINT = {"README.md", ".gitattributes"}
_HUB_DOWNLOAD_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors", "pytorch_model*.bin"]
CONNECT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class ModelRef:
    """A model resolved to a local folder, with its identity. Cheap: reads only config.json."""

    name: str
    path: Path
    info: ModelInfo
    model_type: str  # config.json's model_type: marian, bart, t5, pegasus, m2m_100, ...
    config: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


_resolved: dict[tuple[str, str | None], ModelRef] = {}
_fingerprints: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else that looks like a path is treated as one.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists()


def resolve_model(name: str, revision: str | None = None) -> ModelRef:
    """Resolve a hub id or local folder to a `ModelRef`, downloading only when the Hub is reachable."""
    if not name or not isinstance(name, str):
        raise ConfigError(f"a model must be a hub id or a folder, got {name!r}")
    key = (name, revision)
    with _lock:
        if key in _resolved:
            return _resolved[key]
    path = Path(name).expanduser()
    local = path.exists() or _looks_like_path(name)
    if local and revision:  # once per (name, revision): the answer is cached below
        log.warning("revision %r is ignored for %s: it is a local folder, not a hub id", revision, name)
    ref = _resolve_local(name, path) if local else _resolve_hub(name, revision)
    with _lock:
        _resolved[key] = ref
    return ref


def _read_config(name: str, path: Path) -> dict[str, Any]:
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        raise ModelError(f"model folder {name} {what}; give a hub id or a folder made with save_pretrained")
    missing = []
    if not (path / "config.json").is_file():
        missing.append("config.json")
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        missing.append("weights (model.safetensors or pytorch_model.bin)")
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        missing.append("tokenizer files (tokenizer.json, *.spm, spiece.model or vocab.json)")
    if missing:
        raise ModelError(
            f"model folder {name} is incomplete: missing {', '.join(missing)}; re-save it with save_pretrained or download it again"
        )
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"model folder {name}: config.json is unreadable ({exc}); re-save the model") from None
    if not isinstance(config, dict) or "model_type" not in config:
        raise ModelError(f"model folder {name}: config.json has no model_type; is this a Hugging Face model folder?")
    return config


def folder_fingerprint(path: Path) -> str:
    """Hash of the bytes of every file in a model folder: editing weights or config changes it."""
    h = hashlib.blake2b(digest_size=16)
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        if file.name in _IGNORED_FOR_FINGERPRINT:
            continue
        st = file.stat()
        memo_key = (str(file.resolve()), st.st_size, st.st_mtime_ns)
        digest = _fingerprints.get(memo_key)
        if digest is None:
            fh = hashlib.blake2b(digest_size=16)
            with file.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    fh.update(block)
            digest = fh.hexdigest()
            _fingerprints[memo_key] = digest
        h.update(file.name.encode() + b"\0" + digest.encode() + b"\0")
    return h.hexdigest()


def _resolve_local(name: str, path: Path) -> ModelRef:
    config = _read_config(name, path)
    info = ModelInfo(
        name=display_folder(name),
        revision=None,
        fingerprint="local:" + folder_fingerprint(path),
        stand_in=is_stand_in(path),
    )
    return ModelRef(name=name, path=path.resolve(), info=info, model_type=str(config["model_type"]), config=config)


_PICKLE_CALLS = re.compile(r"Unsupported global: GLOBAL (\S+)")


def refused_code(ref: ModelRef, exc: BaseException) -> ModelError | None:
    """A loading failure that is our refusal to run the folder's own code, said as such (None otherwise).

    Models load with trust_remote_code=False, so a model or tokenizer that only the folder's own Python
    defines (`auto_map`) fails; a pickle checkpoint is loaded as tensors only, so one that would call
    functions fails. Neither folder is corrupt, and torch's and transformers' own messages advise loading
    it anyway (`weights_only=False`, `trust_remote_code=True`), which is what must not be done blindly.
    """
    import pickle

    if isinstance(exc, pickle.UnpicklingError):
        weights = next((f for f in WEIGHT_FILES if f.startswith("pytorch_model") and (ref.path / f).is_file()), None)
        weights = weights or "pickle checkpoint"
        calls = _PICKLE_CALLS.search(str(exc))
        if calls is None:  # not a pickle of tensors at all; torch's message would advise unsafe loading
            inner = exc.__cause__ or exc.__context__
            why = (str(inner).strip().splitlines() or [""])[0] if inner else ""
            return ModelError(
                f"model {ref.name} ({ref.path}): its {weights} can't be read as tensors"
                f"{f' ({why})' if why else ''}; the folder may be corrupt or incomplete: download or save it again"
            )
        return RefusedModelError(
            f"model {ref.name} ({ref.path}): its {weights} is a pickle that calls {calls.group(1)} when loaded, "
            "and we refused to run it (a pickle can run any code); use the model saved as model.safetensors "
            "(tensors only: save_pretrained writes one), or another model"
        )
    declared = _declared_code(ref)
    if declared:
        where, classes = declared
        return RefusedModelError(
            f"model {ref.name} ({ref.path}): its {where} names its own code to load it ({classes}), "
            "and we refused to run the folder's own code (it could do anything on this machine); "
            "use a model that transformers supports without custom code, with a model.safetensors checkpoint"
        )
    return None


def _declared_code(ref: ModelRef) -> tuple[str, str] | None:
    """(file, its classes) where the folder's config.json or tokenizer_config.json maps classes to its own
    code, for a model type or tokenizer class that transformers lacks (else transformers uses its own, and
    a failure is something else). Called after a failed load: transformers is imported already."""
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    tokenizer_config: Any = {}
    with contextlib.suppress(OSError, ValueError):  # none, or unreadable: then it declares nothing
        tokenizer_config = json.loads((ref.path / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer_class = tokenizer_config.get("tokenizer_class") if isinstance(tokenizer_config, dict) else None
    native = {
        "config.json": ref.model_type in CONFIG_MAPPING_NAMES,
        "tokenizer_config.json": isinstance(tokenizer_class, str) and hasattr(transformers, tokenizer_class),
    }
    for where, config in (("config.json", ref.config), ("tokenizer_config.json", tokenizer_config)):
        auto_map = config.get("auto_map") if isinstance(config, dict) else None
        if auto_map and not native[where]:
            values = auto_map.values() if isinstance(auto_map, dict) else [auto_map]
            names = [v for value in values for v in (value if isinstance(value, list) else [value]) if v]
            return where, ", ".join(sorted({str(name) for name in names})) or "auto_map"
    return None


def display_folder(name: str) -> str:
    """How outputs name a local model folder: as given when relative; an absolute one relative to the
    working folder when inside it, else by its own name, so a digest never shows a user's folder layout
    (the fingerprint still identifies the weights exactly)."""
    path = Path(name).expanduser()
    if not path.is_absolute():
        return name
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.name or name


SUMMARY_USE = "summary"  # what `offline_message` calls the summary model's use; a target's use is its language


def offline_message(names: list[str], why: str, uses: Mapping[str, Iterable[str]] | None = None) -> str:
    """What to do about models (one or several) that are not local when the Hub can't serve them: how to
    get them, and what works without them right now. `uses` says what each model is for (SUMMARY_USE or
    a target language) where the caller knows, so the hints fit the job: --method extractive only when
    the summary model is missing, and a stand-in passed with `--model LANG=DIR` for each target missing."""
    uses = {name: list(dict.fromkeys(uses[name])) for name in names if uses and uses.get(name)}
    them = "them" if len(names) > 1 else "it"

    def named(name: str) -> str:
        roles = ["the summary" if role == SUMMARY_USE else role for role in uses.get(name, [])]
        return f"{name} for {' and '.join(roles)}" if roles else name

    what = f"model {named(names[0])} is" if len(names) == 1 else f"{len(names)} models are"
    listed = "" if len(names) == 1 else f" ({', '.join(named(name) for name in names)})"
    pull = f"`summarizer models pull {' '.join(names)}`"
    get = (
        f"unset HF_HUB_OFFLINE and run {pull}"
        if why == OFFLINE
        else f"run {pull} where the Hub can be reached and copy its Hugging Face cache (HF_HOME) here"
    )
    head = f"{what} not available locally{listed} and {why}. To get {them}: {get}, or pass a local folder made with save_pretrained"
    if not uses:  # what the models are for is not known here: the general hints
        return (
            f"{head} instead of the id. Without a download: --method extractive makes a real summary with the "
            "bundled multilingual-e5-small, and `summarizer models stand-in DIR` builds a stand-in (random "
            "weights, its output is noise) to try the whole pipeline"
        )
    summary = any(SUMMARY_USE in roles for roles in uses.values())
    targets = list(dict.fromkeys(role for roles in uses.values() for role in roles if role != SUMMARY_USE))
    folders = (["--summary-model FOLDER"] if summary else []) + [f"--model {lang}=FOLDER" for lang in targets]
    head = f"{head} in its place ({', '.join(folders)}). Without a download: "
    stand_in = " ".join(f"--model {lang}=DIR" for lang in targets)
    if not targets:
        return (
            f"{head}add `--method extractive` for a real summary with the bundled multilingual-e5-small, or build a "
            "stand-in summary model (random weights, its output is noise) with `summarizer models stand-in --kind "
            "bart DIR` and add `--summary-model DIR`"
        )
    build = "`summarizer models stand-in DIR` builds a stand-in translation model (random weights, its output is noise)"
    if not summary:
        return f"{head}{build}; then add `{stand_in}` to the command to try the job"
    return (
        f"{head}{build}; then add `--method extractive {stand_in}` to the command: a real summary with the "
        "bundled multilingual-e5-small, and noise for the translations"
    )


def _unavailable(name: str, why: str) -> ModelUnavailableError:
    return ModelUnavailableError(offline_message([name], why), model=name, why=why)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder, read from the environment now, in huggingface_hub's order
    (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub): the library
    reads it once, at import, so a later change of the environment would be missed."""
    env = os.environ
    folder = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if not folder:
        home = env.get("HF_HOME") or os.path.join(env.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
        folder = os.path.join(home, "hub")
    return Path(os.path.expandvars(folder)).expanduser()


def _snapshot(name: str, revision: str | None, **kwargs: Any) -> Path:
    """huggingface_hub's snapshot_download with the files and the cache folder every model load uses."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            name, revision=revision, allow_patterns=_HUB_DOWNLOAD_PATTERNS, cache_dir=hub_cache_dir(), **kwargs
        )
    )


def _invalid_id(name: str, exc: Exception) -> ConfigError:
    return ConfigError(f"model {name!r} is not a valid hub id or folder: {str(exc).splitlines()[0]}")


def _local_snapshot(name: str, revision: str | None) -> Path | None:
    """The cached snapshot of a hub model (None when it is not cached). No network."""
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return _snapshot(name, revision, local_files_only=True)
    except HFValidationError as exc:
        raise _invalid_id(name, exc) from None
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None


def _cached_snapshot(name: str, revision: str | None) -> Path | None:
    """The cached snapshot of a hub model if it holds what loading needs: config, weights, tokenizer."""
    snapshot = _local_snapshot(name, revision)
    if snapshot is None or not (snapshot / "config.json").is_file():
        return None
    has_weights = any((snapshot / f).is_file() for f in WEIGHT_FILES)
    return snapshot if has_weights and any((snapshot / f).is_file() for f in TOKENIZER_FILES) else None


def is_cached_locally(model_id: str, revision: str | None = None) -> bool:
    """Whether the local Hugging Face cache holds `model_id` at `revision` (default: main) complete
    enough to load: config, weights and tokenizer. Looks at the cache folder only: no network, no torch."""
    try:
        return _cached_snapshot(model_id, revision) is not None
    except ConfigError:
        return False  # not shaped like a hub id (a local folder, a typo), so not in the hub cache


def hub_reachable(timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """One HEAD request to the Hub endpoint through huggingface_hub's own HTTP session, so it goes the
    way downloads go (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, HF_ENDPOINT) and an unreachable Hub costs
    seconds, not minutes of retries (the session itself never retries)."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.HF_HUB_OFFLINE:
        return False
    try:
        response = get_session().head(constants.ENDPOINT, timeout=timeout)
    except Exception as exc:  # the HTTP client's errors (connect, proxy, TLS, timeout) differ by version
        log.info("the Hub at %s can't be reached: %s: %s", constants.ENDPOINT, type(exc).__name__, exc)
        return False
    # A 5xx is the Hub down, or a proxy that could not reach it (502, 504).
    if response.status_code >= 500:
        log.info("the Hub at %s answered %s", constants.ENDPOINT, response.status_code)
        return False
    return True


OFFLINE = "HF_HUB_OFFLINE is set"


def _why_no_download() -> str | None:
    """Why nothing can be downloaded now (offline, or the Hub can't be reached), or None."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return OFFLINE
    if not hub_reachable():
        return f"the Hugging Face Hub can't be reached at {constants.ENDPOINT}"
    return None


def _download(name: str, revision: str | None, tqdm_class: Any = None) -> Path:
    """Download a hub model into the hub cache (the Hub is known to be reachable)."""
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    at = f"{name}@{revision}" if revision else name
    try:
        return _snapshot(name, revision, etag_timeout=CONNECT_TIMEOUT_S, tqdm_class=tqdm_class)
    except HFValidationError as exc:
        raise _invalid_id(name, exc) from None
    except GatedRepoError:
        raise ModelUnavailableError(
            f"model {name} is gated on the Hub: accept its terms on its page and log in (`hf auth login`)",
            model=name,
        ) from None
    except RepositoryNotFoundError:
        raise ModelUnavailableError(
            f"model {name} was not found on the Hub (or it is private): check the id; "
            "`summarizer models list` shows the defaults",
            model=name,
        ) from None
    except RevisionNotFoundError:
        raise ModelUnavailableError(f"model {at}: revision {revision!r} was not found on the Hub", model=name) from None
    except (HfHubHTTPError, OSError) as exc:
        raise _unavailable(name, f"downloading it failed ({type(exc).__name__})") from exc
    except Exception as exc:  # the HTTP client's own errors (a connection lost mid-file) differ by version
        raise _unavailable(name, f"downloading it failed ({type(exc).__name__}: {exc})".splitlines()[0]) from exc


def _resolve_hub(name: str, revision: str | None) -> ModelRef:
    folder = _local_snapshot(name, revision)
    if folder is None:
        why = _why_no_download()
        if why is not None:
            raise _unavailable(name, why)
        folder = _download(name, revision)
    return _hub_ref(name, folder)


def _hub_ref(name: str, path: Path) -> ModelRef:
    config = _read_config(name, path)
    commit = path.name  # snapshots/<commit hash>
    # A stand-in pushed to a hub (a mirror, a test Hub) is still noise, and says so.
    info = ModelInfo(name=name, revision=commit, fingerprint=f"hub:{name}@{commit}", stand_in=is_stand_in(path))
    return ModelRef(name=name, path=path, info=info, model_type=str(config["model_type"]), config=config)


# ---- pulling models ahead of a job -----------------------------------------------------------------

_BUNDLED_EMBEDDINGS = "bundled"  # embeddings.BUNDLED: ships inside a package, nothing to download


@dataclass(frozen=True)
class ModelNeed:
    """A model to have locally, and what for: "summary", "embeddings" or target language codes."""

    name: str
    revision: str | None = None
    uses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        at = f"{self.name}@{self.revision}" if self.revision else self.name
        return f"{at} ({', '.join(self.uses)})" if self.uses else at


def merge_needs(needs: Iterable[ModelNeed]) -> list[ModelNeed]:
    """One entry per model and revision, in first-seen order, with all its uses."""
    merged: dict[tuple[str, str | None], ModelNeed] = {}
    for need in needs:
        key = (need.name, need.revision)
        old = merged.get(key)
        uses = need.uses if old is None else tuple(dict.fromkeys(old.uses + need.uses))
        merged[key] = ModelNeed(need.name, need.revision, uses)
    return list(merged.values())


def job_needs(settings: JobSettings) -> list[ModelNeed]:
    """The models a job loads, resolved as the job resolves them (config, flags, registry defaults).
    A target without a model gets the registry's for the pair; with source_lang auto, the pair from
    English, the registry's first source (an article in another language may need more)."""
    from ..languages import AUTO, ENGLISH, same_language
    from .catalogue import translation_model

    auto = settings.source_lang == AUTO
    source = ENGLISH if auto else settings.source_lang
    needs = []
    summary = settings.summary
    if summary is not None:
        if summary.method == "abstractive":
            needs.append(ModelNeed(summary.model, summary.revision, ("summary",)))
        wants_embeddings = summary.method == "extractive" or (
            summary.method == "abstractive" and summary.long_input == "extract"
        )
        if wants_embeddings and summary.embedding_model != _BUNDLED_EMBEDDINGS:
            needs.append(ModelNeed(summary.embedding_model, None, ("embeddings",)))
    for target in settings.targets:
        if same_language(source, target.lang) and not (auto and target.model):
            continue  # the articles' own language is not translated (auto: a named model serves every source)
        model = target.model or translation_model(source, target.lang)
        needs.append(ModelNeed(model, target.revision, (target.lang,)))
    return merge_needs(needs)


def names_needs(names: Iterable[str]) -> list[ModelNeed]:
    """`pull` arguments: a registry language code stands for its default model, anything else is a hub
    id or a folder. A code-shaped word the registry does not know is an error, not a hub id."""
    needs = []
    for name in names:
        if name in LANGUAGES:
            needs.append(ModelNeed(LANGUAGES[name].model, None, (name,)))
            continue
        try:
            check_language_code(name)
        except ConfigError:
            needs.append(ModelNeed(name))  # not a language code: a hub id or a folder
            continue
        if not Path(name).exists():
            raise UnknownLanguageError(
                f"unknown language {name!r}; known: {', '.join(sorted(LANGUAGES))}; for any other model give its hub id (org/name)"
            )
        needs.append(ModelNeed(name))
    return merge_needs(needs)


def _is_folder(name: str) -> bool:
    return Path(name).expanduser().exists() or _looks_like_path(name)


@dataclass(frozen=True)
class PullResult:
    """What `pull_models` did for one model. status: downloaded, local (already in the Hugging Face
    cache), folder (a local folder: nothing to download) or failed (`error` says why)."""

    need: ModelNeed
    status: str
    path: Path | None = None
    size: int = 0  # bytes of its files
    error: SummarizerError | None = None

    @property
    def commit(self) -> str | None:
        return self.path.name if self.path is not None and self.status in ("downloaded", "local") else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.need.name,
            "revision": self.need.revision,
            "for": list(self.need.uses),
            "status": self.status,
            "path": str(self.path) if self.path else None,
            "commit": self.commit,
            "bytes": self.size,
            "error": str(self.error) if self.error else None,
        }


def _size(path: Path) -> int:
    """Bytes on disk: a hub snapshot links files with equal bytes to one blob, counted once."""
    return sum(p.stat().st_size for p in {f.resolve() for f in path.rglob("*") if f.is_file()})


def download_blocked_message(names: list[str], why: str) -> str:
    """One line for models `pull` can't download because nothing can be (offline, Hub unreachable)."""
    what = f"model {names[0]}" if len(names) == 1 else f"{len(names)} models ({', '.join(names)})"
    fix = (
        "unset HF_HUB_OFFLINE to download"
        if why == OFFLINE
        else "check the network, the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and HF_ENDPOINT"
    )
    return (
        f"can't download {what}: {why}; {fix}, or pull on a connected machine and copy its Hugging Face cache (HF_HOME)"
    )


def max_input_tokens(ref: ModelRef, tokenizer_max: int | None = None) -> int:
    """The model's input limit in tokens: the tokenizer's model_max_length when sane, else position embeddings."""
    if tokenizer_max and 0 < tokenizer_max < 100_000:
        return int(tokenizer_max)
    for key in ("max_position_embeddings", "n_positions"):
        value = ref.config.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return 512


# Models whose decoder positions are a fixed table (sinusoidal or learned): generating past it fails.
_FIXED_POSITIONS = {"marian", "bart", "mbart", "pegasus", "m2m_100", "nllb", "fsmt", "blenderbot"}


def check_generation(params: GenerationParams, ref: ModelRef, where: str) -> None:
    """Generation options that this model can't honour are a ConfigError now, before anything runs."""
    positions = ref.config.get("max_position_embeddings")
    if ref.model_type in _FIXED_POSITIONS and isinstance(positions, int) and positions > 1:
        most = positions - 1  # the decoder start token takes the first position
        if params.max_new_tokens > most:
            raise ConfigError(
                f"{where}: max_new_tokens={params.max_new_tokens} is more than {ref.name} can generate "
                f"({positions} positions, so at most {most} new tokens); lower it"
            )


def pull_models(
    needs: Iterable[ModelNeed],
    *,
    tqdm_class: Any = None,
    on_start: Callable[[ModelNeed], None] | None = None,
    on_result: Callable[[PullResult], None] | None = None,
) -> list[PullResult]:
    """Make each model local: a model already in the Hugging Face cache is left as it is (no network);
    the others are downloaded with the files and into the cache folder that loading uses. Hub ids are
    checked before anything is downloaded; then one model's failure does not stop the others. Whether
    the Hub can be reached is checked once, when the first download is due. `tqdm_class` draws
    huggingface_hub's progress bars; `on_start` is called before a download, `on_result` after each model."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    needs = list(needs)
    for need in needs:
        if not _is_folder(need.name):
            try:
                validate_repo_id(need.name)
            except HFValidationError as exc:
                raise _invalid_id(need.name, exc) from None
    results = []
    blocked: list[str | None] = []  # why downloads can't happen, once known
    for need in needs:
        try:
            if _is_folder(need.name):
                ref = _resolve_local(need.name, Path(need.name).expanduser())
                result = PullResult(need, "folder", ref.path, _size(ref.path))
            elif (path := _cached_snapshot(need.name, need.revision)) is not None:
                _read_config(need.name, path)
                result = PullResult(need, "local", path, _size(path))
            else:
                if not blocked:
                    blocked.append(_why_no_download())
                if blocked[0] is not None:
                    raise ModelUnavailableError("", model=need.name, why=blocked[0])
                if on_start:
                    on_start(need)
                path = _download(need.name, need.revision, tqdm_class)
                _read_config(need.name, path)
                result = PullResult(need, "downloaded", path, _size(path))
        except ModelUnavailableError as exc:
            if exc.why is not None:  # say it as `pull` must: what stopped the download and what to do
                exc = ModelUnavailableError(
                    download_blocked_message([need.name], exc.why), model=need.name, why=exc.why
                )
            result = PullResult(need, "failed", error=exc)
        except SummarizerError as exc:
            result = PullResult(need, "failed", error=exc)
        results.append(result)
        if on_result:
            on_result(result)
    return results
