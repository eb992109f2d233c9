"""The progress callback every long-running engine accepts."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress"]

Progress = Callable[[int, int], None]
"""Progress callback: ``progress(done, total)`` in the engine's own units of work."""
