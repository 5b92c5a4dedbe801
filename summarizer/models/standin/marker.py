"""The mark a stand-in model's folder carries, and reading it: all the model layer needs to know of stand-ins."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

from ...errors import ModelError

STAND_IN_MARKER = "summarizer_stand_in.json"
STAND_IN_MARKER_NOTICE = "stand-in model with random weights built by summarizer; its output is noise"


def is_stand_in(model_dir: str | os.PathLike[str]) -> bool:
    """Return True if `model_dir` holds a stand-in model built by `build_stand_in`."""
    return pathlib.Path(model_dir, STAND_IN_MARKER).is_file()


def stand_in_info(model_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the marker of a stand-in folder, or None for any other folder.

    Always {"kind", "size", "seed", "notice"}; "lengths" when not forced, "target_lang" when built for one.
    """
    marker = pathlib.Path(model_dir, STAND_IN_MARKER)
    try:
        text = marker.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise ModelError(f"Can't read the stand-in marker {marker}: {err}. Rebuild the stand-in model.") from err
    try:
        info = json.loads(text)
    except json.JSONDecodeError as err:
        message = f"The stand-in marker {marker} is not valid JSON ({err}). Rebuild the stand-in model."
        raise ModelError(message) from err
    if not isinstance(info, dict):
        raise ModelError(f"The stand-in marker {marker} is not a JSON object. Rebuild the stand-in model.")
    return info
