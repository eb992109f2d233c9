"""The news branch of the exception tree."""

from __future__ import annotations

from scenarist.errors import InputError, ScenaristError, UnavailableError

__all__ = ["FetchError", "NewsError", "SourceError"]


class NewsError(ScenaristError):
    """A news source cannot be read."""


class SourceError(NewsError, InputError):
    """A source's content is not usable: a malformed feed, a bad item file, an unknown kind of file."""


class FetchError(NewsError, UnavailableError):
    """A feed could not be fetched: network failure, timeout, HTTP error, or a response over the size limit."""
