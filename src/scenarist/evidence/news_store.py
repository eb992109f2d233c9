"""Storage of news tracking in the ledger: feeds, items, proposals and decisions.

A :class:`NewsStore` works on an open :class:`~scenarist.evidence.Ledger` (same database, same
transactions and error translation). Items are deduplicated by URL, by feed entry id and by a
digest of their normalised text; a proposal exists once per (item, model, signpost) and keeps
every decision taken on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import sqlalchemy as sa

from scenarist.evidence.errors import LedgerConflict, LedgerInputError, LedgerNotFound
from scenarist.evidence.ledger import Ledger
from scenarist.evidence.news_schema import news_decisions, news_feeds, news_items, news_proposals
from scenarist.evidence.records import _Record, _text, _unit

__all__ = [
    "Decision",
    "Feed",
    "FeedPoll",
    "NewsItem",
    "NewsItemInput",
    "NewsStore",
    "Proposal",
    "ProposalInput",
    "Status",
]

Status = Literal["open", "accepted", "rejected", "deferred"]
Decision = Literal["accepted", "rejected", "deferred"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Feed(_Record):
    """A registered feed, with what the last poll learnt (validators for conditional requests, error)."""

    id: int
    url: str
    name: str
    reliability: float
    etag: str | None
    last_modified: str | None
    polled_at: dt.datetime | None
    last_error: str | None


@dataclass(frozen=True)
class FeedPoll:
    """The outcome of one poll of a feed, to be stored on it."""

    etag: str | None
    last_modified: str | None
    error: str | None


@dataclass(frozen=True)
class NewsItemInput:
    """One item read from a source; ``text_key`` is the digest of its normalised title and text."""

    source: str
    title: str
    text: str
    text_key: str
    url: str | None = None
    guid: str | None = None
    published: dt.date | None = None
    reliability: float = 1.0
    feed_id: int | None = None


@dataclass(frozen=True)
class NewsItem(_Record):
    """A stored item and when it was fetched."""

    id: int
    feed_id: int | None
    source: str
    url: str | None
    guid: str | None
    title: str
    text: str
    published: dt.date | None
    reliability: float
    text_key: str
    fetched_at: dt.datetime


@dataclass(frozen=True)
class ProposalInput:
    """A signpost the matcher found an item may report, with its score and best passage."""

    item_id: int
    model_id: str
    signpost_id: str
    score: float
    passage: str
    method: str


@dataclass(frozen=True)
class Proposal(_Record):
    """A stored proposal, its item and its standing (``open`` until someone decides)."""

    id: int
    model_id: str
    signpost_id: str
    score: float
    passage: str
    method: str
    status: Status
    created_at: dt.datetime
    item: NewsItem
    evidence_id: int | None


def _feed(m: Any) -> Feed:
    return Feed(
        m["id"], m["url"], m["name"], float(m["reliability"]), m["etag"], m["last_modified"], m["polled_at"],
        m["last_error"],
    )  # fmt: skip


def _item(m: Any) -> NewsItem:
    return NewsItem(**{c.name: m[c.name] for c in news_items.c})


def _check_item(item: NewsItemInput) -> dict[str, Any]:
    if not isinstance(item, NewsItemInput):
        raise LedgerInputError(f"expected a NewsItemInput, got {type(item).__name__}")
    if item.published is not None and (
        isinstance(item.published, dt.datetime) or not isinstance(item.published, dt.date)
    ):
        raise LedgerInputError(f"published must be a datetime.date or None, got {item.published!r}")
    return {
        "source": _text("source", item.source),
        "title": _text("title", item.title),
        "text": item.text if isinstance(item.text, str) else _text("text", item.text),
        "text_key": _text("text_key", item.text_key, limit=64),
        "url": item.url or None,
        "guid": item.guid or None,
        "published": item.published,
        "reliability": _unit("reliability", item.reliability),
        "feed_id": item.feed_id,
    }


class NewsStore:
    """News tables of one open ledger. Every method is one transaction; errors are LedgerError subclasses."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    # ------------------------------------------------------------ feeds

    def add_feed(self, url: str, name: str, reliability: float = 1.0) -> Feed:
        """Register a feed by URL (or file path); a URL already registered raises LedgerError."""
        values = {
            "url": _text("url", url),
            "name": _text("name", name),
            "reliability": _unit("reliability", reliability),
        }
        with self._ledger._write("registering a feed") as conn:
            if conn.execute(sa.select(news_feeds.c.id).where(news_feeds.c.url == url)).first():
                raise LedgerConflict(f"the feed {url} is already registered")
            row = conn.execute(news_feeds.insert().values(**values, created_at=_now()).returning(*news_feeds.c)).one()
            return _feed(row._mapping)

    def list_feeds(self) -> list[Feed]:
        """Registered feeds in the order they were added."""
        with self._ledger._read("listing feeds") as conn:
            return [_feed(r._mapping) for r in conn.execute(sa.select(news_feeds).order_by(news_feeds.c.id))]

    def record_poll(self, feed_id: int, poll: FeedPoll) -> Feed:
        """Store a poll's validators (kept when the poll failed or returned none) and its error, if any."""
        with self._ledger._write("recording a poll") as conn:
            row = conn.execute(sa.select(news_feeds).where(news_feeds.c.id == feed_id)).first()
            if row is None:
                raise LedgerNotFound(f"no feed with id {feed_id}")
            values: dict[str, Any] = {"polled_at": _now(), "last_error": poll.error}
            if poll.error is None:
                values["etag"] = poll.etag or row.etag
                values["last_modified"] = poll.last_modified or row.last_modified
            statement = news_feeds.update().where(news_feeds.c.id == feed_id).values(**values).returning(*news_feeds.c)
            return _feed(conn.execute(statement).one()._mapping)

    # ------------------------------------------------------------ items

    def add_items(self, items: Sequence[NewsItemInput]) -> tuple[list[NewsItem], int]:
        """Store the items not seen before (by URL, feed entry id or normalised text); returns (stored, skipped).

        All or nothing: a bad item raises LedgerError and nothing is stored.
        """
        values = [_check_item(i) for i in items]
        stored: list[NewsItem] = []
        fetched = _now()
        with self._ledger._write("storing news items") as conn:
            for v in values:
                if self._known(conn, v):
                    continue
                statement = news_items.insert().values(**v, fetched_at=fetched).returning(*news_items.c)
                stored.append(_item(conn.execute(statement).one()._mapping))
        return stored, len(values) - len(stored)

    @staticmethod
    def _known(conn: sa.Connection, v: dict[str, Any]) -> bool:
        same = [news_items.c.text_key == v["text_key"]]
        if v["url"]:
            same.append(news_items.c.url == v["url"])
        if v["guid"]:
            same.append(news_items.c.guid == v["guid"])
        return conn.execute(sa.select(news_items.c.id).where(sa.or_(*same)).limit(1)).first() is not None

    def list_items(self, ids: Sequence[int] | None = None) -> list[NewsItem]:
        """Stored items by id (all of them when ``ids`` is None)."""
        query = sa.select(news_items).order_by(news_items.c.id)
        if ids is not None:
            query = query.where(news_items.c.id.in_(list(ids)))
        with self._ledger._read("listing news items") as conn:
            return [_item(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------ proposals and decisions

    def add_proposals(self, proposals: Sequence[ProposalInput]) -> list[Proposal]:
        """Store new proposals; one already on record for the same item, model and signpost is skipped, and so is
        any for an item on which a decision was already taken for that model."""
        made: list[int] = []
        with self._ledger._write("storing proposals") as conn:
            for p in proposals:
                p_ = news_proposals.c
                decided = conn.execute(
                    sa.select(p_.id).where(
                        p_.item_id == p.item_id, p_.model_id == p.model_id,
                        sa.or_(p_.signpost_id == p.signpost_id, p_.status != "open"),
                    ).limit(1)
                ).first()  # fmt: skip
                if decided is not None:
                    continue
                values = {
                    "item_id": p.item_id, "model_id": _text("model_id", p.model_id), "method": p.method,
                    "signpost_id": _text("signpost_id", p.signpost_id), "score": float(p.score),
                    "passage": p.passage, "status": "open", "created_at": _now(),
                }  # fmt: skip
                made.append(conn.execute(news_proposals.insert().values(**values).returning(p_.id)).scalar_one())
        return self._proposals(news_proposals.c.id.in_(made)) if made else []

    def list_proposals(self, model_id: str | None = None, statuses: Sequence[Status] = ("open",)) -> list[Proposal]:
        """Proposals with the given statuses (of one model if given), best score first."""
        where: list[sa.ColumnElement[bool]] = [news_proposals.c.status.in_(list(statuses))]
        if model_id is not None:
            where.append(news_proposals.c.model_id == model_id)
        return self._proposals(*where)

    def get_proposal(self, proposal_id: int) -> Proposal:
        """One proposal; LedgerError when there is none with that id."""
        found = self._proposals(news_proposals.c.id == proposal_id)
        if not found:
            raise LedgerNotFound(f"no proposal with id {proposal_id}")
        return found[0]

    def _proposals(self, *where: sa.ColumnElement[bool]) -> list[Proposal]:
        p, i, d = news_proposals, news_items, news_decisions
        evidence_id = (
            sa.select(d.c.evidence_id).where(d.c.proposal_id == p.c.id, d.c.evidence_id.is_not(None)).limit(1)
        ).scalar_subquery()
        query = (
            sa.select(p, *[c.label(f"news_item_{c.name}") for c in i.c], evidence_id.label("evidence_id"))
            .join(i, i.c.id == p.c.item_id)
            .where(*where)
            .order_by(p.c.score.desc(), p.c.id)
        )
        with self._ledger._read("listing proposals") as conn:
            rows = [r._mapping for r in conn.execute(query)]
        return [
            Proposal(
                m["id"],
                m["model_id"],
                m["signpost_id"],
                float(m["score"]),
                m["passage"],
                m["method"],
                cast(Status, m["status"]),
                m["created_at"],
                NewsItem(**{c.name: m[f"news_item_{c.name}"] for c in i.c}),
                m["evidence_id"],
            )
            for m in rows
        ]

    def decide(
        self, proposal_id: int, decision: Decision, evidence_id: int | None = None, note: str | None = None
    ) -> Proposal:
        """Record a decision on an open or deferred proposal; an accepted one names the evidence it became."""
        if decision not in ("accepted", "rejected", "deferred"):
            raise LedgerInputError(f"decision must be accepted, rejected or deferred, got {decision!r}")
        if (decision == "accepted") != (evidence_id is not None):
            raise LedgerInputError("an accepted proposal names its evidence, and only an accepted one does")
        with self._ledger._write("recording a decision") as conn:
            row = conn.execute(
                sa.select(news_proposals.c.status).where(news_proposals.c.id == proposal_id).with_for_update()
            ).first()
            if row is None:
                raise LedgerNotFound(f"no proposal with id {proposal_id}")
            if row.status not in ("open", "deferred"):
                raise LedgerConflict(f"proposal {proposal_id} was already {row.status}")
            conn.execute(news_proposals.update().where(news_proposals.c.id == proposal_id).values(status=decision))
            conn.execute(
                news_decisions.insert().values(
                    proposal_id=proposal_id, decision=decision, evidence_id=evidence_id, note=note, decided_at=_now()
                )
            )
        return self.get_proposal(proposal_id)
