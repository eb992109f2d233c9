"""Read news items from a source: an RSS or Atom feed (URL or file), a JSON Lines or CSV file of
items, or a folder of saved HTML or text articles.

Every reader returns a :class:`Batch`: the items, ready for the ledger, and the problems met with
items that were left out (too long, no title). A source that cannot be read at all raises
:class:`SourceError` with the file, line and field when there are some.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from scenarist.errors import MissingExtraError
from scenarist.evidence.news_store import NewsItemInput
from scenarist.news.errors import SourceError
from scenarist.news.text import text_key

__all__ = ["MAX_ITEM_CHARS", "Batch", "is_url", "parse_feed", "read_file", "read_folder", "read_records"]

MAX_ITEM_CHARS: Final = 100_000
"""Longest item text kept (title and text together); a longer item is left out with a message."""

FEED_SUFFIXES: Final = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed"})
ARTICLE_SUFFIXES: Final = frozenset({".html", ".htm", ".txt", ".text"})
_TAG: Final = re.compile(r"<[^>]+>")
_SPACE: Final = re.compile(r"\s+")


@dataclass
class Batch:
    """Items read from one source, and what was left out and why."""

    source: str
    items: list[NewsItemInput] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, where: str, *, title: str, text: str, **values: Any) -> None:
        """Append an item, or a problem when it has no title or is longer than :data:`MAX_ITEM_CHARS`."""
        title, text = _clean(title), _clean(text)
        if not title:
            self.problems.append(f"{where}: title: missing; item left out")
        elif len(title) + len(text) > MAX_ITEM_CHARS:
            self.problems.append(f"{where}: text: longer than {MAX_ITEM_CHARS} characters; item left out")
        else:
            self.items.append(NewsItemInput(title=title, text=text, text_key=text_key(title, text), **values))


def _clean(value: object) -> str:
    text = html.unescape(_TAG.sub(" ", value if isinstance(value, str) else ""))
    return _SPACE.sub(" ", text).strip()


def is_url(ref: str) -> bool:
    return ref.startswith(("http://", "https://"))


# ------------------------------------------------------------------ feeds


def _entry_date(entry: Mapping[str, Any]) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def parse_feed(data: bytes, *, where: str, source: str | None = None, reliability: float = 1.0,
               feed_id: int | None = None) -> Batch:  # fmt: skip
    """Items of an RSS or Atom document (parsed by feedparser); SourceError when it is not a feed."""
    try:
        import feedparser
    except ImportError as exc:
        raise MissingExtraError("feedparser", "news") from exc
    parsed = feedparser.parse(data)
    if parsed.get("bozo") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise SourceError(f"{where}: not a readable RSS or Atom feed ({reason})")
    if not parsed.entries and not parsed.get("version"):
        raise SourceError(f"{where}: not an RSS or Atom feed")
    name = source or _clean(parsed.feed.get("title")) or where
    batch = Batch(name)
    for n, entry in enumerate(parsed.entries, start=1):
        content = entry.get("content") or []
        body = " ".join(c.get("value", "") for c in content) if content else entry.get("summary", "")
        batch.add(
            f"{where}: entry {n}", title=entry.get("title", ""), text=body, source=name,
            url=entry.get("link") or None, guid=entry.get("id") or None, published=_entry_date(entry),
            reliability=reliability, feed_id=feed_id,
        )  # fmt: skip
    return batch


# ------------------------------------------------------------------ item files


def _date_field(value: object, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise SourceError(f"{where}: published: {text!r} is not a date; expected YYYY-MM-DD") from None


def _rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        for n, row in enumerate(reader, start=2):
            yield n, {k.strip().lower(): v for k, v in row.items() if k}
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise SourceError(f"{path}:{n}: expected a JSON object, got {type(row).__name__}")
        yield n, row


def read_records(path: Path, *, source: str | None = None, reliability: float = 1.0) -> Batch:
    """Items from JSON Lines (one object a line) or CSV (a header row) with the fields ``title``,
    ``summary`` or ``text``, ``url``, ``published`` (YYYY-MM-DD) and ``source``."""
    batch = Batch(source or path.stem)
    for n, row in _rows(path):
        where = f"{path}:{n}"
        if "title" not in row:
            raise SourceError(f"{where}: title: missing")
        text = row.get("text") or row.get("summary") or ""
        url = str(row.get("url") or "").strip() or None
        name = source or str(row.get("source") or "").strip() or path.stem
        batch.add(where, title=str(row["title"]), text=str(text), source=name, url=url,
                  guid=str(row["id"]) if row.get("id") else None,
                  published=_date_field(row.get("published"), where), reliability=reliability)  # fmt: skip
    return batch


# ------------------------------------------------------------------ saved articles


def _article(path: Path) -> tuple[str, str, str | None, dt.date | None]:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in {".txt", ".text"}:
        title, _, body = raw.strip().partition("\n")
        return title, body, None, None
    try:
        import trafilatura
    except ImportError as exc:
        raise MissingExtraError("trafilatura", "news") from exc
    meta = trafilatura.extract_metadata(raw)
    body = trafilatura.extract(raw, include_comments=False, include_tables=False) or ""
    title = (meta.title if meta and meta.title else "") or path.stem
    published = _date_field(meta.date, str(path)) if meta and meta.date else None
    return title, body, (meta.url if meta else None), published


def read_folder(folder: Path, *, source: str | None = None, reliability: float = 1.0) -> Batch:
    """Items from the saved ``.html``/``.htm`` (main text extracted by trafilatura) and ``.txt`` files
    (first line the title) of a folder, in name order."""
    batch = Batch(source or folder.name)
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES):
        title, body, url, published = _article(path)
        batch.add(str(path), title=title, text=body, source=batch.source, url=url,
                  published=published,
                  reliability=reliability)  # fmt: skip
    return batch


def read_file(path: Path, *, source: str | None = None, reliability: float = 1.0) -> Batch:
    """Dispatch on what ``path`` is: a folder, a JSON Lines or CSV file, or a feed document."""
    if path.is_dir():
        return read_folder(path, source=source, reliability=reliability)
    if not path.is_file():
        raise SourceError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".csv"}:
        return read_records(path, source=source, reliability=reliability)
    if suffix in FEED_SUFFIXES or suffix == "":
        return parse_feed(path.read_bytes(), where=str(path), source=source, reliability=reliability)
    raise SourceError(f"{path}: unknown kind of source; expected a feed (.xml, .rss, .atom), .jsonl, .csv or a folder")
