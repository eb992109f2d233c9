"""Polite HTTP fetching of feeds: a timeout, a size limit and conditional requests (ETag, Last-Modified)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scenarist.errors import MissingExtraError
from scenarist.news.errors import FetchError

__all__ = ["DEFAULT_TIMEOUT", "MAX_BYTES", "USER_AGENT", "Fetched", "fetch"]

DEFAULT_TIMEOUT: Final = 20.0
"""Seconds allowed for connecting and for each read."""

MAX_BYTES: Final = 10 * 1024 * 1024
"""Largest response body read (10 MiB); a larger one is refused, not truncated."""

USER_AGENT: Final = "Scenarist news tracker (+https://pypi.org/project/scenarist/)"


@dataclass(frozen=True)
class Fetched:
    """A response: ``not_modified`` (HTTP 304) means the body is empty and the stored items are current."""

    url: str
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET ``url`` sending the validators of the last poll; raises FetchError on any failure."""
    try:
        import httpx
    except ImportError as exc:
        raise MissingExtraError("httpx", "news") from exc
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return Fetched(url, b"", etag, last_modified, True)
            if response.status_code >= 400:
                raise FetchError(f"{url}: the server answered HTTP {response.status_code}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(
                    f"{url}: the response ({declared} bytes) is larger than the limit of {max_bytes} bytes"
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise FetchError(f"{url}: the response is larger than the limit of {max_bytes} bytes")
            return Fetched(url, bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified"), False)
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
