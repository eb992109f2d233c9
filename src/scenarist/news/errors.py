"""The news branch of the exception tree."""

from __future__ import annotations

from scenarist.errors import ScenaristError

__all__ = ["NewsError"]


class NewsError(ScenaristError):
    """A news source cannot be read: network failure, timeout, oversized or malformed content, bad file."""
