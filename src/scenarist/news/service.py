"""The news use cases: take in items, poll feeds, propose evidence, and act on the analyst's decisions.

Nothing here records evidence by itself: :func:`accept` is the only path from an item to the
ledger's evidence, and it goes through the same checks as ``scenarist evidence add``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scenarist.engines.bayes import Observation, Posterior, posterior
from scenarist.engines.uncertainty import ProbabilityResult
from scenarist.errors import ConflictError, EngineError, InputError
from scenarist.evidence import Ledger
from scenarist.evidence.news_store import Feed, FeedPoll, NewsItem, NewsStore, Proposal, ProposalInput, Status
from scenarist.model.compile import CompiledModel
from scenarist.model.schema import Model
from scenarist.news.errors import NewsError
from scenarist.news.fetch import Fetched, fetch
from scenarist.news.match import DEFAULT_THRESHOLD, ItemText, Reranker, SignpostIndex
from scenarist.news.sources import Batch, is_url, parse_feed, read_file
from scenarist.service import Loaded, evidence_fields, record_evidence

__all__ = [
    "AddReport",
    "Feed",
    "Fetcher",
    "OddsMove",
    "PollReport",
    "Proposal",
    "Status",
    "accept",
    "add_source",
    "decide",
    "evidence_source",
    "feeds",
    "get_proposal",
    "odds_move",
    "poll_feeds",
    "proposals",
    "propose",
    "register_feed",
]

Fetcher = Callable[..., Fetched]


@dataclass(frozen=True)
class AddReport:
    """What reading one source did: items stored, duplicates skipped, items left out, proposals made."""

    source: str
    stored: int
    skipped: int
    problems: tuple[str, ...]
    proposals: tuple[Proposal, ...]


@dataclass(frozen=True)
class PollReport:
    """One feed's poll: ``not_modified`` when the server said nothing changed, ``error`` when it failed."""

    feed: Feed
    not_modified: bool
    error: str | None
    added: AddReport | None


def evidence_source(item: NewsItem) -> str:
    """The evidence ``source`` text of an accepted item: its publisher and its title."""
    return f"{item.source}: {item.title}"


def _already_observed(ledger: Ledger, model_id: str) -> Callable[[NewsItem, str], bool]:
    active = [e for e in ledger.list_evidence(model_id) if not e.retracted]

    def seen(item: NewsItem, signpost_id: str) -> bool:
        host = urlsplit(item.url).netloc if item.url else None
        return any(
            e.signpost_id == signpost_id
            and (e.source.startswith(f"{item.source}:") or (host and e.url and urlsplit(e.url).netloc == host))
            for e in active
        )

    return seen


def propose(
    ledger: Ledger,
    models: Sequence[Model],
    items: Sequence[NewsItem],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    reranker: Reranker | None = None,
    gate: Reranker | None = None,
) -> list[Proposal]:
    """Match ``items`` against every signpost of ``models`` and store the proposals that pass: within the
    signpost's window, not about a signpost already observed from the item's source, not decided before.

    ``reranker`` averages a semantic similarity into the scores; ``gate`` lets a passage close in meaning
    to a signpost meet its ``require`` hint (see :class:`~scenarist.news.match.SignpostIndex`)."""
    store = NewsStore(ledger)
    made: list[ProposalInput] = []
    for model in models:
        if not model.signposts or not items:
            continue
        index = SignpostIndex(model, reranker, gate=gate)
        seen = _already_observed(ledger, model.id)
        for n, item in enumerate(items):
            for c in index.score(n, ItemText(item.title, item.text, item.published), threshold):
                if not seen(item, c.signpost_id):
                    made.append(ProposalInput(item.id, model.id, c.signpost_id, c.score, c.passage, index.method))
    return store.add_proposals(made)


def _store(
    ledger: Ledger,
    batch: Batch,
    models: Sequence[Model],
    threshold: float,
    reranker: Reranker | None,
    gate: Reranker | None,
) -> AddReport:
    stored, skipped = NewsStore(ledger).add_items(batch.items)
    proposals = propose(ledger, models, stored, threshold=threshold, reranker=reranker, gate=gate)
    return AddReport(batch.source, len(stored), skipped, tuple(batch.problems), tuple(proposals))


def add_source(
    ledger: Ledger,
    ref: str,
    models: Sequence[Model],
    *,
    source: str | None = None,
    reliability: float = 1.0,
    threshold: float = DEFAULT_THRESHOLD,
    reranker: Reranker | None = None,
    gate: Reranker | None = None,
    fetcher: Fetcher = fetch,
) -> AddReport:
    """Read a feed URL, feed file, JSON Lines/CSV file or folder; store its new items; propose evidence."""
    if is_url(ref):
        got = fetcher(ref)
        batch = parse_feed(got.body, where=ref, source=source, reliability=reliability)
    else:
        batch = read_file(Path(ref), source=source, reliability=reliability)
    return _store(ledger, batch, models, threshold, reranker, gate)


def _poll_one(ledger: Ledger, feed: Feed, models: Sequence[Model], threshold: float,
              reranker: Reranker | None, gate: Reranker | None, fetcher: Fetcher) -> PollReport:  # fmt: skip
    store = NewsStore(ledger)
    try:
        if is_url(feed.url):
            got = fetcher(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        else:
            got = Fetched(feed.url, Path(feed.url).read_bytes(), None, None, False)
        if got.not_modified:
            return PollReport(store.record_poll(feed.id, FeedPoll(got.etag, got.last_modified, None)), True, None, None)
        batch = parse_feed(got.body, where=feed.url, source=feed.name, reliability=feed.reliability, feed_id=feed.id)
    except (NewsError, OSError) as exc:
        message = str(exc)
        return PollReport(store.record_poll(feed.id, FeedPoll(None, None, message)), False, message, None)
    report = _store(ledger, batch, models, threshold, reranker, gate)
    return PollReport(store.record_poll(feed.id, FeedPoll(got.etag, got.last_modified, None)), False, None, report)


def poll_feeds(
    ledger: Ledger,
    models: Sequence[Model],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    reranker: Reranker | None = None,
    gate: Reranker | None = None,
    fetcher: Fetcher = fetch,
    progress: Callable[[int, int], None] | None = None,
) -> list[PollReport]:
    """Poll every registered feed once; a failing feed is reported and the others still polled."""
    feeds = NewsStore(ledger).list_feeds()
    reports = []
    for n, feed in enumerate(feeds, start=1):
        reports.append(_poll_one(ledger, feed, models, threshold, reranker, gate, fetcher))
        if progress is not None:
            progress(n, len(feeds))
    return reports


# ------------------------------------------------------------------ decisions


def _http(url: str | None) -> str | None:
    return url if url is not None and urlsplit(url).scheme in ("http", "https") else None


def accept(
    ledger: Ledger,
    loaded: Loaded,
    proposal_id: int,
    *,
    observed: bool = True,
    reliability: float | None = None,
    prior: ProbabilityResult | None = None,
) -> Proposal:
    """Record the proposal as evidence through the service layer (the model's checks, duplicates refused,
    forecasts refreshed), dated by the item, with its publisher and title as the source and its URL; then
    mark it accepted. ``observed=False`` records that the item states the event will not happen."""
    store = NewsStore(ledger)
    proposal = store.get_proposal(proposal_id)
    if proposal.model_id != loaded.id:
        raise InputError(f"proposal {proposal_id} is for model {proposal.model_id!r}, not {loaded.id!r}")
    if proposal.status not in ("open", "deferred"):
        raise ConflictError(f"proposal {proposal_id} was already {proposal.status}")
    item = proposal.item
    fields = evidence_fields(
        {
            "signpost": proposal.signpost_id, "observed": "yes" if observed else "no",
            "date": (item.published or item.fetched_at.date()).isoformat(),
            "source": evidence_source(item)[:500], "url": _http(item.url),
            "reliability": item.reliability if reliability is None else reliability,
            "note": f"news item {item.id}, proposal {proposal.id}: {proposal.passage}"[:2000],
            "explicit": "no" if observed else "yes",
        }
    )  # fmt: skip
    row = record_evidence(loaded, ledger, fields, prior=prior)
    return store.decide(proposal_id, "accepted", evidence_id=row.id)


def decide(ledger: Ledger, proposal_id: int, decision: str, note: str | None = None) -> Proposal:
    """Reject or defer a proposal; the decision stays on record and the item is not proposed again."""
    if decision not in ("rejected", "deferred"):
        raise InputError(f"decision must be rejected or deferred, got {decision!r}")
    return NewsStore(ledger).decide(proposal_id, "rejected" if decision == "rejected" else "deferred", note=note)


def register_feed(ledger: Ledger, url: str, name: str, reliability: float = 1.0) -> Feed:
    """Register a feed (a URL or a feed file) once, for :func:`poll_feeds`."""
    return NewsStore(ledger).add_feed(url, name, reliability)


def feeds(ledger: Ledger) -> list[Feed]:
    """The registered feeds with their last poll."""
    return NewsStore(ledger).list_feeds()


def proposals(ledger: Ledger, model_id: str | None = None, statuses: Sequence[Status] = ("open",)) -> list[Proposal]:
    """Stored proposals with these statuses (of one model if given), best first."""
    return NewsStore(ledger).list_proposals(model_id, statuses)


def get_proposal(ledger: Ledger, proposal_id: int) -> Proposal:
    """One proposal; a not-found error when there is none with that id."""
    return NewsStore(ledger).get_proposal(proposal_id)


# ------------------------------------------------------------------ what accepting would change


@dataclass(frozen=True)
class OddsMove:
    """Named-scenario probabilities now and if the proposal were accepted as an observation (``after`` is
    empty when the model rules the observation out)."""

    proposal_id: int
    before: dict[str, float]
    after: dict[str, float]


def odds_move(compiled: CompiledModel, current: Posterior, proposals: Sequence[Proposal]) -> list[OddsMove]:
    """For each proposal of this model, the named-scenario probabilities now (``current``, the posterior
    after the ledger's evidence) and if it were accepted as observed at its item's reliability."""
    before = dict(current.named)
    moves = []
    for p in proposals:
        if p.model_id != compiled.id:
            continue
        date = p.item.published or p.item.fetched_at.date()
        extra = Observation(p.signpost_id, True, p.item.reliability, date, None)
        try:
            after = dict(posterior(compiled, current.distribution, [extra]).named)
        except EngineError:
            after = {}
        moves.append(OddsMove(p.id, before, after))
    return moves
