"""Find and read a model file: a bundled name or a path, its bytes read within the size limit.

Light on purpose (no pydantic, numpy or YAML): a command whose model comes from the results
cache needs only this to find the file and hash its bytes.
"""

from __future__ import annotations

import os
import stat
from importlib import resources
from os import PathLike
from pathlib import Path

from scenarist import limits
from scenarist.errors import Location, ModelError

__all__ = ["DEFAULT_MODEL", "bundled_models", "read_bytes", "resolve_model_path"]

DEFAULT_MODEL = "us-russia-2025"
_BUNDLE = "scenarist.models"


def bundled_models() -> dict[str, Path]:
    """Names and paths of the models shipped inside the package."""
    root = resources.files(_BUNDLE)
    out = {}
    for entry in root.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            out[entry.name.rsplit(".", 1)[0]] = Path(str(entry))
    return dict(sorted(out.items()))


def resolve_model_path(ref: str | Path | None) -> Path:
    """A path for ``ref``: the default bundled model when None, a bundled name, or a file path."""
    ref = DEFAULT_MODEL if ref is None else ref
    path = Path(ref)
    try:
        if path.exists():
            return path
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror or exc}", Location(_shown(ref))) from None
    bundled = bundled_models()
    if str(ref) in bundled:
        return bundled[str(ref)]
    names = ", ".join(bundled) or "none"
    raise ModelError(f"no such model file or bundled model (bundled: {names})", Location(_shown(ref)))


def _shown(ref: str | Path, width: int = 80) -> str:
    """``ref`` for a message: at most ``width`` characters."""
    text = str(ref)
    return text if len(text) <= width else text[: width - 1] + "…"


def read_bytes(path: str | PathLike[str]) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``; anything else is a :class:`ModelError`.

    A FIFO, a device such as ``/dev/zero`` or a folder is refused before anything is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise ModelError(f"cannot read the file: {exc.strerror or exc}", Location(str(path))) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ModelError("not a regular file (a folder, pipe or device cannot be a model)", Location(str(path)))
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limits.MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ModelError(f"cannot read the file: {exc.strerror or exc}", Location(str(path))) from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise ModelError(f"the file is larger than the limit of {limits.MAX_FILE_BYTES:,} bytes", Location(str(path)))
    return data
