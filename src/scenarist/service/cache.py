"""A cache of analysis results on disk: a repeated command on an unchanged model answers at once.

Results are deterministic functions of the compiled model (its arrays and its revision, the
hash of its canonical JSON), the options (tolerance, fixed variants, solver; draws and seed)
and the code that computed them. The key is a SHA-256 of all three; the code enters through
the size and modification time of every source file of the package, so an upgrade or an
edit starts afresh. An entry is one pickle file written atomically (temporary file, then
rename), so a crash mid-write leaves the old entry or none; an unreadable entry is computed
again. At most ``MAX_ENTRIES`` entries are kept, the least recently written are removed first.

The cache lives in the user cache folder (``platformdirs.user_cache_dir("scenarist")``, or
``SCENARIST_CACHE_DIR``); ``SCENARIST_CACHE=off`` turns it off. It is best effort: a folder
that cannot be created or written only means that nothing is cached. The files are read by
this user only; like any per-user cache (pip's, numba's) it trusts what that user wrote.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from scenarist.model.compile import CompiledModel

__all__ = ["MAX_ENTRIES", "cache_dir", "cached", "model_key"]

MAX_ENTRIES: Final = 256
"""Entries kept; older ones are removed when a new one is written."""

T = TypeVar("T")
_fingerprint: list[str] = []


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("SCENARIST_CACHE", "").strip().lower() in {"0", "off", "no", "false"}:
        return None
    configured = os.environ.get("SCENARIST_CACHE_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("scenarist")) / "results"


def _code_fingerprint() -> str:
    """Size and modification time of every source file of the package (computed once a process)."""
    if not _fingerprint:
        root = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        _fingerprint.append(digest.hexdigest())
    return _fingerprint[0]


def model_key(compiled: CompiledModel) -> str:
    """What identifies a compiled model's analysis: its revision and its arrays."""
    digest = hashlib.sha256(f"{compiled.id}\0{compiled.revision}\0".encode())
    for array in (compiled.counts, compiled.matrix, compiled.confidence, compiled.named_masks):
        digest.update(array.tobytes())
    return digest.hexdigest()


def cached(kind: str, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its stored result for the same ``kind``, ``key`` and code."""
    folder = cache_dir()
    if folder is None:
        return compute()
    name = hashlib.sha256(repr((kind, key, _code_fingerprint())).encode()).hexdigest()
    path = folder / f"{kind}-{name[:40]}.pickle"
    try:
        with path.open("rb") as handle:
            value: T = pickle.load(handle)
        return value
    except Exception:  # missing, damaged or from another version of a library: compute it again
        pass
    value = compute()
    _store(folder, path, value)
    return value


def _store(folder: Path, path: Path, value: object) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _evict(folder)
    except Exception:  # best effort: a folder that cannot be written, a value that cannot be pickled
        return


def _evict(folder: Path) -> None:
    entries = [p for p in folder.glob("*.pickle") if not p.name.startswith(".tmp-")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        old.unlink(missing_ok=True)
