"""Named sentinel values shared by the engines and their compiled kernels (no numba import)."""

from __future__ import annotations

__all__ = ["MAX_FLAT_SPACE", "NO_NODE_LIMIT", "NO_RIVAL"]

NO_RIVAL = 1 << 62
"""The margin of a descriptor with no rival variant (or not checked): larger than any real margin."""
NO_NODE_LIMIT = 1 << 62
"""A search node limit that is never reached."""
MAX_FLAT_SPACE = (1 << 62) - 1
"""Largest scenario space whose flat (mixed-radix, int64) positions the kernels can address."""
